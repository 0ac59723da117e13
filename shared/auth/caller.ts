/**
 * Who is on the other end of a connection or an HTTP call, as the core established it (a session
 * cookie, an API token, or the in-process host itself). Handlers take the acting person from here,
 * never from a request's body: a client cannot name someone else.
 */

/** What an API token may do; a token carries a subset. */
export const TOKEN_SCOPES = ['ingest', 'read', 'actions'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** How a person proved who they are. */
export type SignInMethod = 'password' | 'oidc' | 'first-start';

export type Caller =
  /**
   * A person signed in with a session; `personId` is one of the plant's people. `roles`: the plant
   * roles their identity provider granted at sign-in (OIDC with a roles claim); when present, the
   * person acts in their plant-file role only if it is among them (see authorize.ts).
   */
  | { readonly kind: 'person'; readonly personId: string; readonly sessionId: string; readonly via: SignInMethod; readonly roles?: readonly string[] }
  /**
   * A machine with an API token (connectors, `takt import --core`). `personId`: the plant person an
   * `actions` token reports for (bound when it was created), so what it records names an
   * authenticated person; without one it acts as no person.
   */
  | { readonly kind: 'token'; readonly tokenId: string; readonly name: string; readonly scopes: readonly TokenScope[]; readonly personId?: string }
  /**
   * The host process itself (the simulator, connectors and tests running in-process). Never
   * given to a network connection.
   */
  | { readonly kind: 'system'; readonly name: string }
  /**
   * A desktop window nobody has signed in to yet (or signed out of): its channel is trusted as
   * transport, not as a person, so it may only draw the sign-in form and sign in.
   */
  | { readonly kind: 'signed-out'; readonly name: string };

/**
 * The WebSocket close code for "this connection's session has ended" (signed out elsewhere,
 * disabled, expired, locked): the console asks who it is now instead of reconnecting blindly.
 * 4000-4999 is the range RFC 6455 leaves to applications.
 */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/** The in-process host: used where no network peer is involved. */
export const SYSTEM_CALLER: Caller = Object.freeze({ kind: 'system', name: 'takt' });

/** The person acting, or null when the caller is a machine. */
/** A desktop window before anyone signs in at it. */
export const SIGNED_OUT_WINDOW: Caller = Object.freeze({ kind: 'signed-out', name: 'signed-out window' });

/**
 * Who acts on a connection whose person can change while it is open (the desktop window signs in
 * and out on its channel): read at each call and subscription.
 */
export interface ConnectionIdentity {
  caller(): Caller;
  /** Called when the person changes: the connection ends the subscriptions made as the one before. */
  onChange?(listener: () => void): () => void;
}

export function personOf(caller: Caller): string | null {
  return caller.kind === 'person' ? caller.personId : null;
}

/** For logs and audit lines: who the caller is, without secrets. */
export function describeCaller(caller: Caller): string {
  switch (caller.kind) {
    case 'person':
      return `person ${caller.personId} (${caller.via})`;
    case 'token':
      return `token '${caller.name}' (${caller.scopes.join(', ') || 'no scopes'})`;
    case 'system':
    case 'signed-out':
      return caller.name;
  }
}
