/**
 * A secret for a command-line option (the webhook token and HMAC secret): from a file
 * (`--x-file`), the environment, or the flag itself. The flag is the least private: a process's
 * arguments are readable by every user of the machine (`ps`, /proc/PID/cmdline), so using it
 * prints a warning naming the better ways.
 */
import { readFileSync } from 'node:fs';

export interface SecretSource {
  /** The option's name without dashes, e.g. `webhook-token`. */
  name: string;
  flag?: string;
  file?: string;
  env: string;
}

/** The secret, or undefined when none is given. Throws (naming the file) when the file cannot be read or is empty. */
export function readSecretOption(s: SecretSource, warn: (line: string) => void, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  if (s.flag !== undefined && s.file !== undefined) throw new Error(`--${s.name} and --${s.name}-file both given: use one (the file keeps the secret out of the process list)`);
  if (s.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(s.file, 'utf8');
    } catch (e) {
      throw new Error(`--${s.name}-file ${s.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    // One secret per file; the newline an editor or `echo` adds is not part of it.
    const secret = text.replace(/\r?\n$/, '');
    if (secret.length === 0) throw new Error(`--${s.name}-file ${s.file} is empty: write the secret into it`);
    return secret;
  }
  if (s.flag !== undefined) {
    warn(`takt: --${s.name} on the command line is readable by every user of this machine (process list); prefer --${s.name}-file <file> or the ${s.env} environment variable`);
    return s.flag;
  }
  return environment[s.env] || undefined;
}
