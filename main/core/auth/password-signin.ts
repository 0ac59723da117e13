/**
 * Signing in with a user name and password, the same wherever it is asked (the browser's
 * `/auth/signin`, the desktop window's `session.signIn`): the account store decides (scrypt,
 * lockout with back-off), a person's session is created, and every outcome is audited
 * (`auth.signed-in`, `auth.signin-failed`, `auth.locked-out`).
 */
import type { AuthService } from './auth-service';
import { normalizeUsername, type AccountInfo } from './account-store';
import { sessionIdOf, type Session } from './session-store';

export type PasswordSignIn =
  | { ok: true; account: AccountInfo; cookie: string; session: Session }
  | {
      ok: false;
      /** `missing` (nothing entered), `locked`, `disabled`, `wrong` (unknown user or wrong password: not told apart). */
      reason: 'missing' | 'locked' | 'disabled' | 'wrong';
      message: string;
      /** While locked: seconds until the next try is allowed. */
      retryAfterS?: number;
    };

/** `channel` names where the sign-in came from in the audit line ('browser', 'desktop window'). */
export async function signInWithPassword(auth: AuthService, username: string, password: string, channel: string, now: () => number = Date.now): Promise<PasswordSignIn> {
  const name = username.slice(0, 128);
  if (!name || !password) return { ok: false, reason: 'missing', message: 'enter your user name and password' };
  const r = await auth.accounts.signIn(name, password);
  const tried = normalizeUsername(name).slice(0, 64) || '?';
  if (r.ok) {
    const { cookie, session } = auth.sessions.create({ personId: r.account.personId, username: r.account.username, via: 'password' });
    auth.audit({ kind: 'auth.signed-in', actor: r.account.personId, subjectId: r.account.username, payload: { via: 'password', channel, session: sessionIdOf(session) } });
    return { ok: true, account: r.account, cookie, session };
  }
  if (r.reason === 'locked') {
    auth.audit({ kind: 'auth.signin-failed', actor: r.account.personId, subjectId: r.account.username, payload: { reason: 'locked', channel, retryAt: new Date(r.retryAt).toISOString() } });
    const secs = Math.max(1, Math.ceil((r.retryAt - now()) / 1000));
    return { ok: false, reason: 'locked', retryAfterS: secs, message: `too many wrong passwords: the account '${r.account.username}' is locked for ${secs} s; try again then, or ask an administrator to reset it (takt users reset)` };
  }
  auth.audit({ kind: 'auth.signin-failed', actor: r.account?.personId ?? tried, subjectId: tried, payload: { reason: r.reason, channel } });
  if (r.reason === 'wrong-password' && r.lockedNow && r.account) {
    auth.audit({ kind: 'auth.locked-out', actor: r.account.personId, subjectId: r.account.username, payload: { failures: r.account.lockout.failures, channel, until: new Date(r.retryAt ?? 0).toISOString() } });
  }
  if (r.reason === 'disabled') return { ok: false, reason: 'disabled', message: `the account '${tried}' is disabled: ask an administrator (takt users reset enables it with a new password)` };
  return { ok: false, reason: 'wrong', message: 'wrong user name or password' };
}
