/**
 * Command-line flags for a benchmark: each bench declares the flags it knows and anything else is
 * refused with a clear error, so that a mistyped or unsupported case (`--plant large` where no large
 * plant exists) is never silently measured as the default case.
 */
import { parseArgs } from 'node:util';

type FlagSpec = { type: 'string' } | { type: 'boolean' };

/** The flags every bench accepts. */
const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean' } } as const satisfies Record<string, FlagSpec>;

type Values<T extends Record<string, FlagSpec>> = { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string } & { json?: boolean };

/**
 * Parses `process.argv` for bench `name`. Unknown flags, positionals and malformed values exit with
 * status 2 and a line naming the flag and listing the ones this bench knows.
 */
export function benchArgs<T extends Record<string, FlagSpec>>(name: string, flags: T, argv: readonly string[] = process.argv.slice(2)): Values<T> {
  const options = { ...COMMON, ...flags };
  const known = Object.keys(options)
    .map((k) => `--${k}${options[k]!.type === 'string' ? ' VALUE' : ''}`)
    .join(', ');
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> };
    if (values.help) {
      console.log(`npm run bench -- ${name} [flags]\nflags: ${known}`);
      process.exit(0);
    }
    return values as unknown as Values<T>;
  } catch (e) {
    console.error(`bench ${name}: ${(e as Error).message.split('\n')[0]}\n  flags this bench knows: ${known}`);
    process.exit(2);
  }
}

/** A numeric flag: its value, or `def` when absent; exits with a clear error when not a finite number. */
export function numberFlag(name: string, flag: string, value: string | undefined, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    console.error(`bench ${name}: --${flag} must be a number, got '${value}'`);
    process.exit(2);
  }
  return n;
}
