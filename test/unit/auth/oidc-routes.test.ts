/**
 * The OIDC routes over HTTP, without a provider: what a browser gets when the provider is down,
 * a wrong method, and that a refusal page shows the provider's words as text, never as markup
 * (a user can put anything in their own display name or user name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOidcRoutes, refusalPage } from '../../../main/core/auth/oidc-routes';
import { createOidcSignIn } from '../../../main/core/auth/oidc';
import { peopleDirectory } from '../../../shared/auth/claims';

let server: Server;
let base = '';
beforeAll(async () => {
  const routes = createOidcRoutes({
    secure: false,
    signIn: createOidcSignIn({
      // Port 9 (discard) on loopback: nothing answers there.
      settings: { issuer: new URL('http://127.0.0.1:9/'), clientId: 'takt', name: 'Plant SSO', mapping: { claim: 'email' } },
      sessions: { createSession: () => ({ setCookie: '' }) },
      people: () => peopleDirectory([]),
    }),
  });
  server = createServer((req, res) => {
    if (!routes(req, res, new URL(req.url ?? '/', 'http://x').pathname)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OIDC routes', () => {
  it('answers a page saying the provider cannot be reached, under the sign-in CSP', async () => {
    const r = await fetch(`${base}/auth/oidc/start`, { redirect: 'manual' });
    expect(r.status).toBe(502);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('cache-control')).toBe('no-store');
    const html = await r.text();
    expect(html).toContain('The identity provider cannot be reached');
    expect(html).toContain('Plant SSO (http://127.0.0.1:9/) could not be reached');
    expect(html).toContain('href="/signin"');
  });

  it('takes GET only, and leaves other paths to the rest of the server', async () => {
    expect((await fetch(`${base}/auth/oidc/callback`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/auth/oidc/other`)).status).toBe(404);
  });

  it('refuses a callback that belongs to no sign-in, clearing the state cookie', async () => {
    const r = await fetch(`${base}/auth/oidc/callback?code=x&state=y`, { headers: { cookie: 'takt_oidc_state=y' } });
    expect(r.status).toBe(400);
    expect(r.headers.getSetCookie()).toEqual([expect.stringMatching(/^takt_oidc_state=; Path=\/auth\/oidc\/; HttpOnly; SameSite=Lax; Max-Age=0$/)]);
    expect(await r.text()).toContain('already used or is unknown');
  });

  it('shows the provider’s words as text', () => {
    const html = refusalPage('unknown-person', `email '<img src=x onerror=alert(1)>' is not one of this plant's people`);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
