/**
 * An OIDC sign-in's session in the data folder's session store. With a roles claim configured the
 * roles the provider granted go into the session, and from there into the caller every call is
 * checked as: the person acts in their plant-file role only if the provider grants it too
 * (shared/auth/authorize.ts). Without a roles claim the provider says nothing about roles and the
 * plant file alone decides.
 */
import type { ClaimMapping } from '../../../shared/auth/claims';
import { sessionCookie } from './cookies';
import type { OidcSessions } from './oidc';
import { sessionIdOf, type SessionStore } from './session-store';

export function oidcSessions(sessions: () => SessionStore, mapping: Pick<ClaimMapping, 'rolesClaim'>, secure: boolean): OidcSessions {
  return {
    createSession(personId, via, info) {
      const { cookie, session } = sessions().create({ personId, via, ...(mapping.rolesClaim ? { roles: info.roles } : {}) });
      return { setCookie: sessionCookie(cookie, secure), sessionId: sessionIdOf(session) };
    },
  };
}
