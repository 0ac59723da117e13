/**
 * `takt users add|list|disable|enable|reset` and `takt tokens create|list|revoke`: the data
 * folder's accounts and API tokens, edited while a core runs or not (the core re-reads them).
 * Passwords come from a file (`--password-file`), from standard input when it is not a terminal,
 * or are asked for without echo; never from the command line (every user of the machine can read
 * a process's arguments).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openAccountStore } from '../core/auth/account-store';
import { openTokenStore, parseScopes } from '../core/auth/token-store';
import { openSessionStore } from '../core/auth/session-store';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The password (tests pass it; the CLI reads it). */
  password?: () => Promise<string>;
}

const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** A password from --password-file, standard input (not a terminal), or a prompt without echo. */
export async function readPassword(file: string | undefined, prompt = 'Password: '): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new Error(`--password-file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(prompt);
  // Echo nothing of what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

type Result = Promise<number>;

const fail = (io: Io, e: unknown) => {
  io.err(`takt: ${(e as Error).message}`);
  return 1;
};

export async function usersAdd(o: { data: string; username: string; person: string; admin?: boolean; passwordFile?: string }, io: Io = defaultIo): Result {
  try {
    const password = io.password ? await io.password() : await readPassword(o.passwordFile);
    const a = await openAccountStore(o.data).add({ username: o.username, personId: o.person, password, admin: o.admin ?? false });
    io.out(`added ${a.username} (person ${a.personId}${a.admin ? ', administrator' : ''})`);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

export async function usersList(o: { data: string; json?: boolean }, io: Io = defaultIo): Result {
  try {
    const list = openAccountStore(o.data).list();
    if (o.json) io.out(JSON.stringify(list));
    else if (!list.length) io.out('no accounts (on a fresh folder, takt serve prints a first-start link)');
    else
      for (const a of list) {
        const locked = a.lockout.lockedUntil > Date.now() ? `, locked until ${new Date(a.lockout.lockedUntil).toISOString()}` : '';
        io.out(`${a.username}\tperson ${a.personId}${a.admin ? '\tadministrator' : ''}${a.disabled ? '\tdisabled' : ''}${locked}`);
      }
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

/** Disables (or enables) an account; disabling also ends that person's sessions at once. */
export async function usersDisable(o: { data: string; username: string; enable?: boolean }, io: Io = defaultIo): Result {
  try {
    const a = openAccountStore(o.data).setDisabled(o.username, !o.enable);
    const ended = o.enable ? 0 : openSessionStore(o.data).endFor(a.personId);
    io.out(`${a.username} ${o.enable ? 'enabled' : `disabled${ended ? `; ${ended} session${ended === 1 ? '' : 's'} ended` : ''}`}`);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

/** A new password; clears the lockout, enables the account, and ends the person's sessions. */
export async function usersReset(o: { data: string; username: string; passwordFile?: string }, io: Io = defaultIo): Result {
  try {
    const store = openAccountStore(o.data);
    if (!store.get(o.username)) throw new Error(`there is no account '${o.username}' (see takt users list)`);
    const password = io.password ? await io.password() : await readPassword(o.passwordFile, 'New password: ');
    const a = await store.reset(o.username, password);
    openSessionStore(o.data).endFor(a.personId);
    io.out(`${a.username}: new password set; the account is enabled and unlocked`);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

export async function tokensCreate(o: { data: string; name: string; scopes: string; person?: string }, io: Io = defaultIo): Result {
  try {
    const { token, info } = openTokenStore(o.data).create(o.name, parseScopes(o.scopes), o.person);
    // The token on stdout alone (for `> token-file`); what it is on stderr.
    io.err(`token ${info.id} '${info.name}' (${info.scopes.join(', ')}${info.person ? `, for ${info.person}` : ''}): shown once, store it now; revoke with takt tokens revoke ${info.id}`);
    io.out(token);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

export async function tokensList(o: { data: string; json?: boolean }, io: Io = defaultIo): Result {
  try {
    const list = openTokenStore(o.data).list();
    if (o.json) io.out(JSON.stringify(list));
    else if (!list.length) io.out('no tokens (takt tokens create <name> --scopes ingest,read)');
    else for (const t of list) io.out(`${t.id}\t${t.name}\t${t.scopes.join(',')}${t.person ? `\tfor ${t.person}` : ''}\tcreated ${t.createdAt}${t.revokedAt ? `\trevoked ${t.revokedAt}` : ''}`);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

export async function tokensRevoke(o: { data: string; token: string }, io: Io = defaultIo): Result {
  try {
    const t = openTokenStore(o.data).revoke(o.token);
    io.out(`token ${t.id} '${t.name}' revoked (${t.revokedAt})`);
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}
