/**
 * Authentication for one data folder: its accounts, tokens and sessions, the first-start code,
 * and the audit of sign-in events. Browser mode owns one; the routes (signin-routes.ts) and the
 * gate (browser-mode.ts) use it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { openAccountStore, type AccountStore, type AccountStoreOptions } from './account-store';
import { openSessionStore, type SessionStore, type SessionStoreOptions } from './session-store';
import { openTokenStore, type TokenStore } from './token-store';
import { authenticate, type AuthHeaders, type Authenticated } from './authenticate';

/** An audit line about authentication (the core's audit log adds time, sequence and hashes). */
export interface AuthAuditEvent {
  /** 'auth.signed-in', 'auth.signin-failed', 'auth.locked-out', 'auth.signed-out', 'auth.token-used'… */
  kind: string;
  /** The person, the user name tried, or the token's name. */
  actor: string;
  /** What it is about: the account's user name, the token id, the session id. */
  subjectId: string;
  payload: Record<string, unknown>;
}

export interface AuthServiceOptions {
  accounts?: AccountStoreOptions;
  sessions?: SessionStoreOptions;
  now?: () => number;
  /** How often one token's use is written to the audit log at most (default an hour). */
  tokenAuditEveryMs?: number;
}

export interface AuthService {
  readonly accounts: AccountStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  /** The one-time first-start code while the folder has no account; null once one exists. */
  firstStartCode(): string | null;
  /** Whether `code` is the first-start code (constant time); false once an account exists. */
  checkFirstStartCode(code: string): boolean;
  /** Called after the first administrator was created: the code is spent. */
  firstStartDone(): void;
  authenticate(h: AuthHeaders): Authenticated;
  audit(e: AuthAuditEvent): void;
  /** Where audit events go (the core's audit log, once it is up); events before it are queued. */
  setAuditSink(sink: (e: AuthAuditEvent) => Promise<void>): void;
  close(): void;
}

export function createAuthService(dataDir: string, o: AuthServiceOptions = {}): AuthService {
  const now = o.now ?? Date.now;
  const accounts = openAccountStore(dataDir, { now, ...o.accounts });
  const tokens = openTokenStore(dataDir, { now });
  const sessions = openSessionStore(dataDir, { now, ...o.sessions });
  // Made in memory at each start of a folder without accounts: it is printed, never stored.
  let code: string | null = accounts.any() ? null : randomBytes(24).toString('base64url');
  let sink: ((e: AuthAuditEvent) => Promise<void>) | null = null;
  const queued: AuthAuditEvent[] = [];
  const tokenAudited = new Map<string, number>();
  const tokenAuditEvery = o.tokenAuditEveryMs ?? 3600_000;
  const audit = (e: AuthAuditEvent) => {
    if (!sink) return void queued.push(e);
    // An audit write that fails must not fail the sign-in; the core logs store failures itself.
    sink(e).catch(() => undefined);
  };
  return {
    accounts,
    tokens,
    sessions,
    firstStartCode: () => (code && !accounts.any() ? code : null),
    checkFirstStartCode(given) {
      if (!code || accounts.any()) return false;
      const a = Buffer.from(given);
      const b = Buffer.from(code);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    firstStartDone() {
      code = null;
    },
    authenticate(h) {
      const r = authenticate(h, { sessions, tokens });
      if (r.ok && r.token) {
        const t = now();
        const last = tokenAudited.get(r.token.id);
        if (last === undefined || t - last >= tokenAuditEvery) {
          tokenAudited.set(r.token.id, t);
          audit({ kind: 'auth.token-used', actor: `token:${r.token.name}`.slice(0, 128), subjectId: r.token.id, payload: { scopes: r.token.scopes } });
        }
      }
      return r;
    },
    audit,
    setAuditSink(s) {
      sink = s;
      for (const e of queued.splice(0)) audit(e);
    },
    close() {
      sessions.flush();
    },
  };
}
