/**
 * OIDC sign-in against any identity provider (Keycloak, Entra ID, Okta, Authentik, ...):
 * authorization code with PKCE, state and nonce, through `openid-client`. A flow's secrets (the PKCE
 * verifier, the nonce) stay in this process, keyed by the state, for a few minutes; the browser only
 * carries the state (in the URL and in a cookie bound to this console, see oidc-routes.ts). The ID
 * token is verified by openid-client (signature, issuer, audience, nonce, expiry); which of the
 * plant's people it names is decided by shared/auth/claims.ts; the session is made by the session
 * store through `OidcSessions`.
 */
import type * as OpenId from 'openid-client';
import { personFromClaims, type ClaimMapping, type ClaimRefusal, type PeopleDirectory, type PlantRole } from '../../../shared/auth/claims';

export interface OidcSettings {
  /** The provider's issuer URL (its discovery document is at `<issuer>/.well-known/openid-configuration`). */
  readonly issuer: URL;
  readonly clientId: string;
  /** A confidential client's secret; absent for a public client (PKCE alone). */
  readonly clientSecret?: string;
  /** How the sign-in page names the provider: "Sign in with <name>". */
  readonly name: string;
  readonly mapping: ClaimMapping;
  /** Scopes asked for; default `openid email profile`. */
  readonly scopes?: readonly string[];
  /**
   * The callback URL registered at the provider. Absent: the console's own origin (as the browser
   * reached it) + `/auth/oidc/callback`, which suits a console reached under one name.
   */
  readonly redirectUrl?: URL;
}

/** What signing someone in needs from the session store (the `auth` side of the core). */
export interface OidcSessions {
  /**
   * Starts a session for the person and answers the `Set-Cookie` header value that carries it
   * (HttpOnly, SameSite=Strict, Secure under TLS: the store's cookie).
   */
  createSession(personId: string, via: 'oidc', info: { readonly roles: readonly PlantRole[]; readonly issuer: string; readonly subject: string }): Promise<CreatedSession> | CreatedSession;
}

/** The Set-Cookie header value that carries a new session, and its id for the audit (not the secret). */
export interface CreatedSession {
  readonly setCookie: string;
  readonly sessionId?: string;
}

/** Audit hooks: every sign-in and every refused one (written to the hash-chained audit log by the host). */
export interface OidcAudit {
  signedIn(e: { personId: string; sessionId?: string; issuer: string; subject: string; claim: string; claimValue: string }): void;
  refused(e: { code: OidcRefusal; reason: string; issuer: string; subject?: string; claimValue?: string }): void;
}

export type OidcRefusal = ClaimRefusal | 'bad-state' | 'expired' | 'provider-error' | 'provider-unreachable' | 'exchange-failed';

export type CallbackVerdict =
  | { readonly ok: true; readonly personId: string; readonly setCookie: string }
  | { readonly ok: false; readonly code: OidcRefusal; readonly reason: string };

export interface OidcSignIn {
  readonly name: string;
  /** Where to send the browser to sign in, and the state to bind to it (a cookie). */
  start(consoleOrigin: string): Promise<{ ok: true; location: string; state: string } | { ok: false; code: OidcRefusal; reason: string }>;
  /** The provider sent the browser back to `callbackUrl`; `boundState` is the state cookie the browser carries. */
  callback(callbackUrl: URL, boundState: string | undefined): Promise<CallbackVerdict>;
  /** Flows started and not finished (for tests and health). */
  pending(): number;
}

export interface OidcSignInOptions {
  settings: OidcSettings;
  sessions: OidcSessions;
  /** The plant's people (and local accounts), as they are when someone signs in. */
  people: () => PeopleDirectory;
  audit?: OidcAudit;
  log?: (line: string) => void;
  /** Wall-clock ms (flow expiry); injected so tests can age a flow. */
  now?: () => number;
  /** openid-client discovery and requests; tests may pass their own fetch. */
  discover?: typeof OpenId.discovery;
}

/** How long a started sign-in may take at the provider (typing a password, a second factor). */
export const FLOW_TTL_MS = 10 * 60_000;
/** Unauthenticated requests start flows: bound what they can make the core hold. */
export const MAX_PENDING_FLOWS = 1000;
export const CALLBACK_PATH = '/auth/oidc/callback';

interface Flow {
  verifier: string;
  nonce: string;
  redirectUri: string;
  expiresAt: number;
}

/** True for an issuer on this machine (127.0.0.0/8, ::1, localhost): the only ones allowed over plain http. */
export function isLoopbackIssuer(u: URL): boolean {
  const h = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The settings' own problems (an http issuer off this machine, a bad redirect URL), before anything starts. */
export function checkOidcSettings(s: Pick<OidcSettings, 'issuer' | 'redirectUrl' | 'clientId'>): string | null {
  if (s.issuer.protocol !== 'https:' && !(s.issuer.protocol === 'http:' && isLoopbackIssuer(s.issuer))) {
    return `--oidc-issuer ${s.issuer.href} must be https (plain http is allowed only for a provider on this machine, e.g. a test provider on 127.0.0.1): tokens and codes would cross the network readable`;
  }
  if (s.issuer.username || s.issuer.password || s.issuer.search || s.issuer.hash) return `--oidc-issuer ${s.issuer.href} must be the bare issuer URL (no credentials, query or fragment), as the provider's discovery document names it`;
  if (s.clientId.trim() === '') return '--oidc-client-id is empty: give the client id registered at the provider';
  if (s.redirectUrl) {
    if (s.redirectUrl.protocol !== 'https:' && s.redirectUrl.protocol !== 'http:') return `--oidc-redirect-url ${s.redirectUrl.href} must be an http(s) URL`;
    if (s.redirectUrl.pathname !== CALLBACK_PATH || s.redirectUrl.search || s.redirectUrl.hash) return `--oidc-redirect-url ${s.redirectUrl.href} must end in ${CALLBACK_PATH} (no query), the path the console answers the provider on`;
  }
  return null;
}

/**
 * openid-client (and jose under it), loaded on the first OIDC sign-in rather than at start: a
 * console, with or without --oidc, does not pay for it before its first live frame.
 */
let openIdLoaded: Promise<typeof OpenId> | null = null;
const openId = () => (openIdLoaded ??= import('openid-client'));

/** An openid-client error as a line for the log and the refusal page: its code and the provider's words, never a token or secret. */
function describeError(e: unknown, client: typeof OpenId | null): string {
  if (client && (e instanceof client.ResponseBodyError || e instanceof client.AuthorizationResponseError)) {
    return `${e.error}${e.error_description ? `: ${e.error_description}` : ''}`;
  }
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

export function createOidcSignIn(o: OidcSignInOptions): OidcSignIn {
  const { settings } = o;
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  const issuerText = settings.issuer.href;
  const flows = new Map<string, Flow>();
  let configuration: Promise<OpenId.Configuration> | null = null;
  let lib: typeof OpenId | null = null;

  // Discovered on first use, not at start: a provider that is down must not keep the console from
  // starting (local accounts still work). A failure is not cached, so the next try asks again.
  const config = () => {
    if (!configuration) {
      configuration = openId().then((client) => {
        lib = client;
        const auth = settings.clientSecret !== undefined ? client.ClientSecretBasic(settings.clientSecret) : client.None();
        return (o.discover ?? client.discovery)(settings.issuer, settings.clientId, undefined, auth, {
          // openid-client refuses plain http; a provider on this machine (a test's, a developer's) is allowed it, no other.
          ...(isLoopbackIssuer(settings.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
          timeout: 10,
        });
      });
      configuration.catch(() => (configuration = null));
    }
    return configuration;
  };

  const sweep = () => {
    const t = now();
    for (const [state, f] of flows) if (f.expiresAt <= t) flows.delete(state);
    // Oldest first (insertion order): a flood of starts pushes out the oldest unfinished flows, not new ones.
    while (flows.size >= MAX_PENDING_FLOWS) flows.delete(flows.keys().next().value as string);
  };

  const refuse = (code: OidcRefusal, reason: string, extra: { subject?: string; claimValue?: string } = {}): CallbackVerdict => {
    log(`oidc: sign-in refused (${code}): ${reason}`);
    o.audit?.refused({ code, reason, issuer: issuerText, ...extra });
    return { ok: false, code, reason };
  };

  return {
    name: settings.name,
    pending: () => flows.size,
    async start(consoleOrigin) {
      let c: OpenId.Configuration;
      try {
        c = await config();
      } catch (e) {
        const reason = `the identity provider ${settings.name} (${issuerText}) could not be reached or its discovery document is not valid (${describeError(e, lib)}): try again, or sign in with a local account; an administrator can check --oidc-issuer`;
        log(`oidc: ${reason}`);
        return { ok: false, code: 'provider-unreachable', reason };
      }
      sweep();
      const client = await openId();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const redirectUri = settings.redirectUrl?.href ?? `${consoleOrigin}${CALLBACK_PATH}`;
      flows.set(state, { verifier, nonce, redirectUri, expiresAt: now() + FLOW_TTL_MS });
      const url = client.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: (settings.scopes ?? ['openid', 'email', 'profile']).join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { ok: true, location: url.href, state };
    },
    async callback(callbackUrl, boundState) {
      const state = callbackUrl.searchParams.get('state');
      // The state must be the one this browser started with (its cookie): otherwise someone could
      // sign a victim's browser in as themselves by sending a link with their own code.
      if (!state || !boundState || state !== boundState) {
        return refuse('bad-state', `this sign-in answer does not belong to a sign-in started in this browser (the state does not match): start again from the sign-in page`);
      }
      const flow = flows.get(state);
      flows.delete(state); // one use, whatever happens next
      if (!flow) return refuse('bad-state', `this sign-in was already used or is unknown to the console (it may have restarted): start again from the sign-in page`);
      if (flow.expiresAt <= now()) return refuse('expired', `the sign-in took longer than ${FLOW_TTL_MS / 60_000} minutes at the identity provider: start again from the sign-in page`);
      const providerError = callbackUrl.searchParams.get('error');
      if (providerError) {
        const description = callbackUrl.searchParams.get('error_description');
        return refuse('provider-error', `the identity provider ${settings.name} did not sign you in (${providerError}${description ? `: ${description}` : ''}): start again, or ask its administrator`);
      }
      let claims: Record<string, unknown>;
      try {
        const c = await config();
        const client = await openId();
        // The URL as the provider addressed it: openid-client takes the redirect_uri for the exchange from it.
        const current = new URL(flow.redirectUri);
        current.search = callbackUrl.search;
        const tokens = await client.authorizationCodeGrant(c, current, { pkceCodeVerifier: flow.verifier, expectedState: state, expectedNonce: flow.nonce, idTokenExpected: true });
        const idClaims = tokens.claims();
        if (!idClaims) throw new Error('the token response has no ID token');
        claims = { ...idClaims };
        // Many providers put profile claims (email, groups) only in the userinfo answer, not in the
        // ID token: ask for it when a claim the mapping needs is missing (same subject, checked).
        const wanted = [settings.mapping.claim, settings.mapping.rolesClaim].filter((k): k is string => k !== undefined);
        if (wanted.some((k) => claims[k] === undefined) && tokens.access_token && c.serverMetadata().userinfo_endpoint) {
          const info = await client.fetchUserInfo(c, tokens.access_token, idClaims.sub);
          claims = { ...info, ...idClaims };
        }
      } catch (e) {
        return refuse('exchange-failed', `the console could not complete the sign-in with ${settings.name} (${describeError(e, lib)}): start again; if it keeps failing, an administrator can check the client id and secret and the provider's clock`);
      }
      const subject = typeof claims.sub === 'string' ? claims.sub : '';
      const who = personFromClaims(claims, settings.mapping, o.people());
      if (!who.ok) return refuse(who.code, who.reason, { subject, ...(who.claimValue !== undefined ? { claimValue: who.claimValue } : {}) });
      const { setCookie, sessionId } = await o.sessions.createSession(who.personId, 'oidc', { roles: who.roles, issuer: issuerText, subject });
      log(`oidc: ${settings.mapping.claim} '${who.claimValue}' signed in as person ${who.personId}`);
      o.audit?.signedIn({ personId: who.personId, ...(sessionId !== undefined ? { sessionId } : {}), issuer: issuerText, subject, claim: settings.mapping.claim, claimValue: who.claimValue });
      return { ok: true, personId: who.personId, setCookie };
    },
  };
}
