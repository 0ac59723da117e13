/**
 * The protocol's `session.*` methods: who acts on this connection, and signing in and out on it.
 * Only a desktop window signs in on its connection (its identity is a WindowSignIn, given by the
 * Electron host); a browser's connection is its cookie's, signed in at `/signin`, and is told so.
 * Password sign-in is the browser's (password-signin.ts): same accounts, lockout and audit.
 */
import type { Caller } from '../../../shared/auth/caller';
import type { WhoAmI } from '../../../shared/protocol/api';
import { ProtocolFailure, type CallContext, type MethodHandlers } from '../../../shared/protocol/server';
import type { AuthService } from './auth-service';
import { normalizeUsername, usernameProblem } from './account-store';
import { passwordProblem } from './password';
import { signInWithPassword } from './password-signin';
import { sessionIdOf, type Session } from './session-store';
import { WindowSignIn } from './window-signin';

export interface PlantPersonRef {
  id: string;
  name: string;
  role: string;
}

export interface SessionMethodsOptions {
  /** The data folder's accounts and sessions; null where the host has none (a core without sign-in). */
  auth: () => AuthService | null;
  people: () => readonly PlantPersonRef[];
  log?: (line: string) => void;
}

type SessionMethodName = 'session.whoami' | 'session.signIn' | 'session.signOut' | 'session.lock' | 'session.firstStart';

/** What `session.whoami` answers for a caller (and its session, where the connection has one). */
export function whoAmI(caller: Caller, session: Session | null, people: readonly PlantPersonRef[], firstStart: boolean): WhoAmI {
  if (session?.kind === 'display') return { kind: 'display', lockedBy: session.personId };
  switch (caller.kind) {
    case 'signed-out':
      return { kind: 'signed-out', firstStart };
    case 'person': {
      const p = people.find((x) => x.id === caller.personId);
      return { kind: 'person', personId: caller.personId, name: p?.name ?? caller.personId, role: p?.role ?? null, username: session?.username ?? null, via: caller.via };
    }
    case 'token':
      return { kind: 'token', name: caller.name, scopes: [...caller.scopes] };
    case 'system':
      return { kind: 'system', name: caller.name };
  }
}

export function sessionMethods(o: SessionMethodsOptions): Pick<MethodHandlers, SessionMethodName> {
  /** The window this call came from; a browser connection signs in at its page instead. */
  const windowOf = (ctx: CallContext, method: string): WindowSignIn => {
    if (ctx.identity instanceof WindowSignIn) return ctx.identity;
    throw new ProtocolFailure('forbidden', `'${method}' is for the desktop window, which signs in on its channel; in a browser, sign in at /signin (a token acts as itself)`);
  };
  const service = (method: string): AuthService => {
    const a = o.auth();
    if (!a) throw new ProtocolFailure('unavailable', `'${method}': this core has no accounts open (it was started without sign-in); start it with 'takt start' or 'takt serve'`);
    return a;
  };
  const firstStartOpen = (ctx: CallContext) => ctx.identity instanceof WindowSignIn && (o.auth()?.accounts.any() === false);
  const answer = (ctx: CallContext): WhoAmI => {
    if (ctx.identity instanceof WindowSignIn) {
      const s = ctx.identity.session();
      return whoAmI(ctx.identity.caller(), s, o.people(), firstStartOpen(ctx));
    }
    return whoAmI(ctx.caller, null, o.people(), false);
  };
  /** Ends the window's session, if it has one, on the record. */
  const endWindowSession = (auth: AuthService, w: WindowSignIn, why: 'signed-out' | 'display-locked' | 'hand-over') => {
    const s = w.session();
    const cookie = w.end();
    if (cookie) auth.sessions.end(cookie);
    if (s && why !== 'display-locked') auth.audit({ kind: 'auth.signed-out', actor: s.personId, subjectId: sessionIdOf(s), payload: { kind: s.kind, channel: 'desktop window', ...(why === 'hand-over' ? { reason: 'hand-over' } : {}) } });
    return s;
  };
  let creating = false;

  return {
    'session.whoami': (_p, ctx) => answer(ctx),

    async 'session.signIn'(p, ctx) {
      const w = windowOf(ctx, 'session.signIn');
      const auth = service('session.signIn');
      const r = await signInWithPassword(auth, p.username, p.password, 'desktop window');
      if (!r.ok) throw new ProtocolFailure(r.reason === 'missing' ? 'bad_params' : 'unauthorized', r.message);
      // A hand-over at a window already signed in: the one before is signed out first.
      if (w.session()) endWindowSession(auth, w, 'hand-over');
      w.begin(r.cookie);
      return answer(ctx);
    },

    'session.signOut'(_p, ctx) {
      const w = windowOf(ctx, 'session.signOut');
      endWindowSession(service('session.signOut'), w, 'signed-out');
      return answer(ctx);
    },

    'session.lock'(_p, ctx) {
      const w = windowOf(ctx, 'session.lock');
      const auth = service('session.lock');
      const s = w.session();
      if (!s || s.kind !== 'person') throw new ProtocolFailure('forbidden', 'only a signed-in person can lock this window: sign in first');
      endWindowSession(auth, w, 'display-locked');
      const { cookie, session } = auth.sessions.create({ kind: 'display', personId: s.personId, via: s.via });
      auth.audit({ kind: 'auth.display-locked', actor: s.personId, subjectId: sessionIdOf(session), payload: { channel: 'desktop window' } });
      w.begin(cookie);
      return answer(ctx);
    },

    /**
     * The first administrator of a data folder without accounts, created from the desktop window:
     * its channel is trusted, so it replaces browser mode's one-time link. Refused once any account exists.
     */
    async 'session.firstStart'(p, ctx) {
      const w = windowOf(ctx, 'session.firstStart');
      const auth = service('session.firstStart');
      if (creating || auth.accounts.any()) throw new ProtocolFailure('conflict', 'first start is done: an administrator exists; sign in instead');
      if (!o.people().some((x) => x.id === p.personId)) throw new ProtocolFailure('bad_params', `'${p.personId}' is not one of the plant's people: choose who you are from the plant's crews`, 'params.personId');
      const username = normalizeUsername(p.username);
      const bad = usernameProblem(username) ?? passwordProblem(p.password);
      if (bad) throw new ProtocolFailure('bad_params', bad);
      creating = true;
      try {
        const account = await auth.accounts.add({ username, personId: p.personId, password: p.password, admin: true });
        auth.firstStartDone();
        const { cookie, session } = auth.sessions.create({ personId: p.personId, username: account.username, via: 'first-start' });
        auth.audit({ kind: 'auth.first-admin', actor: p.personId, subjectId: account.username, payload: { session: sessionIdOf(session), channel: 'desktop window' } });
        o.log?.(`first start: administrator '${account.username}' (${p.personId}) created in the desktop window`);
        w.begin(cookie);
        return answer(ctx);
      } finally {
        creating = false;
      }
    },
  };
}
