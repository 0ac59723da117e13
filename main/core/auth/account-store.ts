/**
 * Local accounts (`<data>/auth/accounts.json`): a user name, the plant person it signs in as, a
 * scrypt hash, whether it administers users, whether it is disabled, and its lockout state.
 *
 * Every operation reads the file afresh when it changed (the CLI's `takt users …` edits it while a
 * core runs) and writes it back at once, read-modify-write in one synchronous step, so neither
 * the core nor the CLI writes over the other's change.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { authDir, readPrivateJson, stampOf, writePrivateJson } from './private-file';
import { afterFailure, afterSuccess, lockoutVerdict, NOT_LOCKED, type LockoutPolicy, type LockoutState } from '../../../shared/auth/lockout';
import { decoyHash, hashPassword, passwordProblem, verifyPassword, type ScryptParams } from './password';

export const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

const accountSchema = z.object({
  username: z.string().regex(USERNAME),
  personId: z.string().min(1).max(128),
  passwordHash: z.string(),
  admin: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.string(),
  lockout: z.object({ failures: z.number().int().min(0), lockedUntil: z.number().min(0) }),
});
const fileSchema = z.object({ format: z.literal(1), accounts: z.array(accountSchema) });

export type Account = z.infer<typeof accountSchema>;
/** An account as listed: no hash. */
export type AccountInfo = Omit<Account, 'passwordHash'>;

export type SignInResult =
  | { ok: true; account: AccountInfo }
  | { ok: false; reason: 'unknown' | 'wrong-password' | 'disabled'; account?: AccountInfo; lockedNow?: boolean; retryAt?: number }
  | { ok: false; reason: 'locked'; account: AccountInfo; retryAt: number };

export interface AccountStoreOptions {
  now?: () => number;
  lockout?: LockoutPolicy;
  /** Lower scrypt cost in tests. */
  scrypt?: ScryptParams;
}

const info = ({ passwordHash: _h, ...rest }: Account): AccountInfo => rest;

export function normalizeUsername(name: string): string {
  return name.trim().toLowerCase();
}

export function usernameProblem(name: string): string | null {
  return USERNAME.test(name) ? null : `user name ${JSON.stringify(name.slice(0, 80))} is not allowed: use 1 to 64 of a-z, 0-9, '.', '_', '-', '@', starting with a letter or digit`;
}

export interface AccountStore {
  list(): AccountInfo[];
  get(username: string): AccountInfo | undefined;
  /** Whether any account exists (a fresh folder has none: first start). */
  any(): boolean;
  add(a: { username: string; personId: string; password: string; admin?: boolean }): Promise<AccountInfo>;
  /** Sets a new password, clears the lockout and enables the account. */
  reset(username: string, password: string): Promise<AccountInfo>;
  setDisabled(username: string, disabled: boolean): AccountInfo;
  /** Checks a password with the lockout policy, recording the failure or the success. */
  signIn(username: string, password: string): Promise<SignInResult>;
}

export function openAccountStore(dataDir: string, o: AccountStoreOptions = {}): AccountStore {
  const file = join(authDir(dataDir), 'accounts.json');
  const now = o.now ?? Date.now;
  let cache: { stamp: string | null; accounts: Account[] } = { stamp: '', accounts: [] };
  const load = (): Account[] => {
    const stamp = stampOf(file);
    if (stamp === cache.stamp) return cache.accounts;
    const read = readPrivateJson(file);
    if (!read) return (cache = { stamp: null, accounts: [] }).accounts;
    const parsed = fileSchema.safeParse(read.value);
    if (!parsed.success) throw new Error(`${file} is not an accounts file (${parsed.error.issues[0]?.message ?? 'bad shape'}): restore it from a backup, or move it aside and create the accounts again`);
    return (cache = { stamp: read.stamp, accounts: parsed.data.accounts }).accounts;
  };
  const save = (accounts: Account[]) => {
    writePrivateJson(file, { format: 1, accounts });
    cache = { stamp: stampOf(file), accounts };
  };
  const update = (username: string, fn: (a: Account) => Account): AccountInfo => {
    const all = load();
    const i = all.findIndex((a) => a.username === username);
    if (i < 0) throw new Error(`there is no account '${username}' (see takt users list)`);
    const next = fn(all[i]!);
    save(all.map((a, j) => (j === i ? next : a)));
    return info(next);
  };
  const checkPassword = (pw: string) => {
    const p = passwordProblem(pw);
    if (p) throw new Error(p);
  };
  return {
    list: () => load().map(info),
    get: (username) => {
      const a = load().find((x) => x.username === normalizeUsername(username));
      return a ? info(a) : undefined;
    },
    any: () => load().length > 0,
    async add(a) {
      const username = normalizeUsername(a.username);
      const bad = usernameProblem(username);
      if (bad) throw new Error(bad);
      if (!a.personId.trim()) throw new Error('the account needs the id of the plant person it signs in as');
      checkPassword(a.password);
      if (load().some((x) => x.username === username)) throw new Error(`an account '${username}' exists already (takt users reset ${username} sets a new password)`);
      const passwordHash = await hashPassword(a.password, o.scrypt);
      // Read again after the hash: another process may have added the name meanwhile.
      const all = load();
      if (all.some((x) => x.username === username)) throw new Error(`an account '${username}' exists already`);
      const account: Account = { username, personId: a.personId.trim(), passwordHash, admin: a.admin ?? false, disabled: false, createdAt: new Date(now()).toISOString(), lockout: { ...NOT_LOCKED } };
      save([...all, account]);
      return info(account);
    },
    async reset(username, password) {
      checkPassword(password);
      const name = normalizeUsername(username);
      if (!load().some((x) => x.username === name)) throw new Error(`there is no account '${name}' (see takt users list)`);
      const passwordHash = await hashPassword(password, o.scrypt);
      return update(name, (a) => ({ ...a, passwordHash, disabled: false, lockout: { ...NOT_LOCKED } }));
    },
    setDisabled(username, disabled) {
      return update(normalizeUsername(username), (a) => ({ ...a, disabled }));
    },
    async signIn(username, password) {
      const name = normalizeUsername(username);
      const found = load().find((x) => x.username === name);
      if (!found) {
        await verifyPassword(password, await decoyHash());
        return { ok: false, reason: 'unknown' };
      }
      const t = now();
      const verdict = lockoutVerdict(found.lockout, t);
      if (!verdict.ok) return { ok: false, reason: 'locked', account: info(found), retryAt: verdict.retryAt };
      const right = await verifyPassword(password, found.passwordHash);
      // Disabled is said only to whoever knows the password; a wrong one counts as any other.
      if (right && found.disabled) return { ok: false, reason: 'disabled', account: info(found) };
      if (right) {
        const account = found.lockout.failures ? update(name, (a) => ({ ...a, lockout: afterSuccess() })) : info(found);
        return { ok: true, account };
      }
      let next: LockoutState = found.lockout;
      const account = update(name, (a) => ({ ...a, lockout: (next = afterFailure(a.lockout, t, o.lockout)) }));
      const lockedNow = next.lockedUntil > t;
      return { ok: false, reason: 'wrong-password', account, ...(lockedNow ? { lockedNow, retryAt: next.lockedUntil } : {}) };
    },
  };
}
