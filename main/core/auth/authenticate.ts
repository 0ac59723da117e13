/**
 * Who a request is: the session cookie, or `Authorization: Bearer takt_…` for an API token.
 * Everything else is nobody, and browser mode answers it with the sign-in page or 401.
 */
import type { Caller } from '../../../shared/auth/caller';
import { readCookie } from './cookies';
import { SESSION_COOKIE, sessionIdOf, type Session, type SessionStore } from './session-store';
import type { TokenInfo, TokenStore } from './token-store';

export interface AuthHeaders {
  cookie?: string | undefined;
  authorization?: string | undefined;
}

export type Authenticated =
  | { ok: true; caller: Caller; session?: Session; token?: TokenInfo }
  | { ok: false; reason: string; /** A credential was given and refused (not merely absent). */ refused: boolean };

/** The read-only caller of a locked display: a machine-like caller with the `read` scope only. */
export function displayCaller(s: Session): Caller {
  return { kind: 'token', tokenId: `display-${sessionIdOf(s)}`, name: 'locked display', scopes: ['read'] };
}

export function callerOfSession(s: Session): Caller {
  return s.kind === 'display' ? displayCaller(s) : { kind: 'person', personId: s.personId, sessionId: sessionIdOf(s), via: s.via, ...(s.roles ? { roles: s.roles } : {}) };
}

export function authenticate(h: AuthHeaders, stores: { sessions: SessionStore; tokens: TokenStore }): Authenticated {
  const auth = h.authorization;
  if (typeof auth === 'string' && /^bearer\s/i.test(auth)) {
    const text = auth.slice(7).trim();
    if (text.startsWith('takt_')) {
      const t = stores.tokens.verify(text);
      if (!t) return { ok: false, refused: true, reason: 'the API token is unknown or revoked: create one with takt tokens create' };
      return { ok: true, caller: { kind: 'token', tokenId: t.id, name: t.name, scopes: t.scopes, ...(t.person ? { personId: t.person } : {}) }, token: t };
    }
  }
  const cookie = readCookie(h.cookie, SESSION_COOKIE);
  if (cookie) {
    const s = stores.sessions.find(cookie);
    if (s) return { ok: true, caller: callerOfSession(s), session: s };
    return { ok: false, refused: true, reason: 'the session has ended (signed out, expired, or the core was reset): sign in again at /signin' };
  }
  return { ok: false, refused: false, reason: 'not signed in: sign in at /signin, or send Authorization: Bearer <API token> (takt tokens create)' };
}
