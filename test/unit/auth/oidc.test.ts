/**
 * OIDC sign-in against a real OpenID Provider (oidc-provider) on loopback: code + PKCE exchange,
 * ID-token checks by openid-client, the claim mapping, and every refusal a browser can cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcSignIn, checkOidcSettings, FLOW_TTL_MS, MAX_PENDING_FLOWS, type OidcAudit, type OidcSessions } from '../../../main/core/auth/oidc';
import type { PeopleDirectory } from '../../../shared/auth/claims';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider';
import { loginAtTestProvider } from '../../helpers/oidc-login';

const CONSOLE = 'http://localhost:4999';
const CALLBACK = `${CONSOLE}/auth/oidc/callback`;
const people: PeopleDirectory = {
  person: (id) => ({ 'A-001': { id: 'A-001', role: 'lead' }, 'A-002': { id: 'A-002', role: 'operator' } })[id],
  personIds: () => ['A-001', 'A-002'],
};

let idp: TestProvider;
beforeAll(async () => {
  idp = await startTestProvider([
    { sub: 'lukas', email: 'lukas.schulz@plant.example', email_verified: true, preferred_username: 'lschulz', groups: ['takt-leads'] },
    { sub: 'mallory', email: 'mallory@elsewhere.example', email_verified: true, preferred_username: 'mallory', groups: [] },
  ]);
  idp.register(CALLBACK);
});
afterAll(() => idp?.close());

function harness(opts: { now?: () => number; rolesClaim?: boolean } = {}) {
  const sessions: { personId: string; roles: readonly string[]; subject: string }[] = [];
  const audit: { signedIn: Parameters<OidcAudit['signedIn']>[0][]; refused: Parameters<OidcAudit['refused']>[0][] } = { signedIn: [], refused: [] };
  const store: OidcSessions = {
    createSession(personId, via, info) {
      expect(via).toBe('oidc');
      sessions.push({ personId, roles: info.roles, subject: info.subject });
      return { setCookie: `takt_session=s${sessions.length}; HttpOnly; SameSite=Strict; Path=/` };
    },
  };
  const signIn = createOidcSignIn({
    settings: {
      issuer: new URL(idp.issuer),
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      name: 'Plant SSO',
      mapping: { claim: 'email', people: { 'lukas.schulz@plant.example': 'A-001' }, ...(opts.rolesClaim ? { rolesClaim: 'groups', roleGroups: { 'takt-leads': 'lead' as const } } : {}) },
    },
    sessions: store,
    people: () => people,
    audit: { signedIn: (e) => audit.signedIn.push(e), refused: (e) => audit.refused.push(e) },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { signIn, sessions, audit };
}

async function startAndLogin(signIn: ReturnType<typeof harness>['signIn'], login: string) {
  const s = await signIn.start(CONSOLE);
  if (!s.ok) throw new Error(s.reason);
  const auth = new URL(s.location);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('redirect_uri')).toBe(CALLBACK);
  expect(auth.searchParams.get('nonce')).toBeTruthy();
  return { state: s.state, callback: await loginAtTestProvider(s.location, login, CALLBACK) };
}

describe('OIDC sign-in against oidc-provider', () => {
  it('signs a mapped user in as their plant person, with the roles the provider grants', async () => {
    const h = harness({ rolesClaim: true });
    const { state, callback } = await startAndLogin(h.signIn, 'lukas');
    const v = await h.signIn.callback(callback, state);
    expect(v).toEqual({ ok: true, personId: 'A-001', setCookie: 'takt_session=s1; HttpOnly; SameSite=Strict; Path=/' });
    expect(h.sessions).toEqual([{ personId: 'A-001', roles: ['lead'], subject: 'lukas' }]);
    expect(h.audit.signedIn).toEqual([{ personId: 'A-001', issuer: `${idp.issuer}/`, subject: 'lukas', claim: 'email', claimValue: 'lukas.schulz@plant.example' }]);
    expect(h.signIn.pending()).toBe(0);
    // The same answer again (a replayed code) is refused: a flow is used once.
    expect(await h.signIn.callback(callback, state)).toMatchObject({ ok: false, code: 'bad-state' });
  });

  it('refuses a provider user who is none of the plant people, and audits it', async () => {
    const h = harness();
    const { state, callback } = await startAndLogin(h.signIn, 'mallory');
    const v = await h.signIn.callback(callback, state);
    expect(v).toMatchObject({ ok: false, code: 'unknown-person' });
    expect(h.sessions).toEqual([]);
    expect(h.audit.refused).toEqual([expect.objectContaining({ code: 'unknown-person', subject: 'mallory', claimValue: 'mallory@elsewhere.example' })]);
  });

  it('refuses a tampered state and an answer that is not bound to this browser, without using the flow', async () => {
    const h = harness();
    const { state, callback } = await startAndLogin(h.signIn, 'lukas');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state}x`);
    expect(await h.signIn.callback(tampered, `${state}x`)).toMatchObject({ ok: false, code: 'bad-state' });
    // Someone else's browser (no state cookie, or another one) cannot finish this sign-in.
    expect(await h.signIn.callback(callback, undefined)).toMatchObject({ ok: false, code: 'bad-state' });
    expect(await h.signIn.callback(callback, 'other')).toMatchObject({ ok: false, code: 'bad-state' });
    expect(h.sessions).toEqual([]);
    expect(await h.signIn.callback(callback, state)).toMatchObject({ ok: true, personId: 'A-001' });
  });

  it('refuses a code with a verifier that does not match (PKCE), as a failed exchange naming no secret', async () => {
    const h = harness();
    const a = await startAndLogin(h.signIn, 'lukas');
    const b = await startAndLogin(h.signIn, 'lukas');
    // b's state with a's code: b's verifier and nonce do not fit a's code.
    const mixed = new URL(a.callback);
    mixed.searchParams.set('state', b.state);
    const v = await h.signIn.callback(mixed, b.state);
    expect(v).toMatchObject({ ok: false, code: 'exchange-failed' });
    if (!v.ok) {
      expect(v.reason).toMatch(/invalid_grant/);
      expect(v.reason).not.toContain(idp.clientSecret);
    }
  });

  it('refuses a flow that took too long at the provider', async () => {
    let t = 1_000_000;
    const h = harness({ now: () => t });
    const { state, callback } = await startAndLogin(h.signIn, 'lukas');
    t += FLOW_TTL_MS + 1;
    expect(await h.signIn.callback(callback, state)).toMatchObject({ ok: false, code: 'expired' });
  });

  it('passes on the provider’s own refusal (access_denied) in words', async () => {
    const h = harness();
    const s = await h.signIn.start(CONSOLE);
    if (!s.ok) throw new Error(s.reason);
    const v = await h.signIn.callback(new URL(`${CALLBACK}?error=access_denied&error_description=user+said+no&state=${s.state}`), s.state);
    expect(v).toMatchObject({ ok: false, code: 'provider-error' });
    if (!v.ok) expect(v.reason).toContain('access_denied: user said no');
  });

  it('holds a bounded number of unfinished flows', async () => {
    const h = harness();
    for (let i = 0; i < MAX_PENDING_FLOWS + 5; i++) await h.signIn.start(CONSOLE);
    expect(h.signIn.pending()).toBeLessThanOrEqual(MAX_PENDING_FLOWS);
  });

  it('says so when the provider cannot be reached, and tries again next time', async () => {
    const signIn = createOidcSignIn({
      settings: { issuer: new URL('http://127.0.0.1:9/'), clientId: 'x', name: 'Down SSO', mapping: { claim: 'email' } },
      sessions: { createSession: () => ({ setCookie: '' }) },
      people: () => people,
    });
    const v = await signIn.start(CONSOLE);
    expect(v).toMatchObject({ ok: false, code: 'provider-unreachable' });
    if (!v.ok) expect(v.reason).toContain('Down SSO (http://127.0.0.1:9/)');
    expect(await signIn.start(CONSOLE)).toMatchObject({ ok: false, code: 'provider-unreachable' });
  });
});

describe('checkOidcSettings', () => {
  it('allows plain http only for a provider on this machine', () => {
    expect(checkOidcSettings({ issuer: new URL('http://127.0.0.1:8080/realms/plant'), clientId: 'takt' })).toBeNull();
    expect(checkOidcSettings({ issuer: new URL('http://localhost:8080'), clientId: 'takt' })).toBeNull();
    expect(checkOidcSettings({ issuer: new URL('https://login.microsoftonline.com/tenant/v2.0'), clientId: 'takt' })).toBeNull();
    expect(checkOidcSettings({ issuer: new URL('http://sso.plant.example/realms/plant'), clientId: 'takt' })).toMatch(/must be https/);
  });

  it('refuses an empty client id and a redirect URL the console does not answer', () => {
    expect(checkOidcSettings({ issuer: new URL('https://sso.example'), clientId: ' ' })).toMatch(/client-id is empty/);
    expect(checkOidcSettings({ issuer: new URL('https://sso.example'), clientId: 'a', redirectUrl: new URL('https://takt.plant.example/callback') })).toMatch(/must end in \/auth\/oidc\/callback/);
    expect(checkOidcSettings({ issuer: new URL('https://sso.example'), clientId: 'a', redirectUrl: new URL('https://takt.plant.example/auth/oidc/callback') })).toBeNull();
  });
});
