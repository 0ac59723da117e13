/**
 * OIDC sign-in in a real Chromium against a real OpenID Provider (oidc-provider, on 127.0.0.1) and
 * a real console (browser mode, reached as localhost: another site than the provider, as in a
 * plant). The provider's own login and consent pages are filled in; the console must then be
 * signed in as the plant person the claims name; a provider user who is none of the plant's people,
 * and a tampered state, are refused with a page that says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, SETUP_TIMEOUT_MS } from './browser';
import { ensureRendererBuilt, repoRoot } from './core';
import { killChildCores, startChildCore } from './child-core';
import { loginAtTestProvider } from '../helpers/oidc-login';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { startTestProvider, type TestProvider } from '../helpers/oidc-provider';

const tmp = mkdtempSync(join(tmpdir(), 'takt-oidc-'));
let browser: Browser;
let bm: BrowserMode;
let idp: TestProvider;
let consoleUrl = '';
const logs: string[] = [];

beforeAll(async () => {
  ensureRendererBuilt();
  idp = await startTestProvider([
    { sub: 'lukas', email: 'Lukas.Schulz@plant.example', email_verified: true, preferred_username: 'lschulz', name: 'Lukas Schulz', groups: ['takt-leads'] },
    { sub: 'mallory', email: 'mallory@elsewhere.example', email_verified: true, preferred_username: 'mallory' },
  ]);
  bm = await startBrowserMode({
    port: 0,
    dataDir: join(tmp, 'data'),
    speed: 60,
    quiet: true,
    log: (l) => logs.push(l),
    oidc: { issuer: new URL(idp.issuer), clientId: idp.clientId, clientSecret: idp.clientSecret, name: 'Plant SSO', mapping: { claim: 'email', people: { 'lukas.schulz@plant.example': 'A-001' } } },
  });
  consoleUrl = `http://localhost:${new URL(bm.url).port}`;
  idp.register(`${consoleUrl}/auth/oidc/callback`);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  killChildCores();
  await browser?.close();
  await bm?.close();
  await idp?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Fills in the provider's login page (any password) and its consent page. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: SETUP_TIMEOUT_MS });
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  // The consent page: this client asks for openid, email and profile.
  await page.locator('form input[name=prompt][value=consent]').waitFor({ state: 'attached', timeout: SETUP_TIMEOUT_MS });
  await page.locator('button[type=submit]').click();
}

const sessionCookie = async (context: BrowserContext) => (await context.cookies(consoleUrl)).find((c) => c.name === 'takt_session')?.value;
/** Who the console says this browser is signed in as (the header's source), with the browser's cookies. */
const whoami = async (page: Page) => (await page.context().request.get(`${consoleUrl}/auth/whoami`)).json() as Promise<Record<string, unknown>>;
/** The hash-chained audit log's lines (kind, actor, reason), as view 9 lists them. */
const auditKinds = async () => {
  const s = bm.core.commit.store;
  await bm.core.storeReady;
  return (await s.auditList(1000, 0)).items.map((a) => `${a.kind} ${a.actor} ${String((a.payload as Record<string, unknown>).reason ?? '')}`.trim());
};

describe('OIDC sign-in in Chromium', () => {
  it('signs a provider user in as the plant person the claims name, and lands in the console', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Signed out, the console sends the browser to its sign-in page, which offers the provider.
    await page.goto(`${consoleUrl}/`);
    await page.waitForURL(`${consoleUrl}/signin`, { timeout: SETUP_TIMEOUT_MS });
    await page.getByRole('link', { name: 'Sign in with Plant SSO' }).click();
    await signInAtProvider(page, 'lukas');
    // Back at the console: the callback's page moves on to the console itself, which is served (signed in).
    await page.waitForURL(`${consoleUrl}/`, { timeout: SETUP_TIMEOUT_MS });
    expect(await sessionCookie(context)).toBeDefined();
    expect(await whoami(page)).toMatchObject({ kind: 'person', personId: 'A-001', name: 'Lukas Schulz', via: 'oidc' });
    await expect.poll(auditKinds).toContain('auth.signed-in A-001');
    // The state cookie is spent.
    expect((await context.cookies(consoleUrl)).find((c) => c.name === 'takt_oidc_state')).toBeUndefined();
    await context.close();
  });

  it('refuses a provider user who is none of the plant people with a page that says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${consoleUrl}/auth/oidc/start`);
    const answer = page.waitForResponse((r) => r.url().startsWith(`${consoleUrl}/auth/oidc/callback`));
    await signInAtProvider(page, 'mallory');
    expect((await answer).status()).toBe(403);
    await expect.poll(() => page.locator('h1').innerText()).toBe('You are not one of this plant’s people');
    await expect.poll(() => page.locator('main').innerText()).toContain("email 'mallory@elsewhere.example' is not one of this plant's people");
    expect(await page.getByRole('link', { name: 'Back to sign-in' }).getAttribute('href')).toBe('/signin');
    expect(await sessionCookie(context)).toBeUndefined();
    expect((await whoami(page)).error).toMatchObject({ code: 'unauthorized' });
    await expect.poll(auditKinds).toContain('auth.signin-failed mallory@elsewhere.example unknown-person');
    await context.close();
  });

  it('refuses a callback whose state was tampered with', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Start as the console's page would (the state cookie lands in this browser), then change the
    // state on its way through the provider: the provider hands the changed state back.
    const start = await context.request.get(`${consoleUrl}/auth/oidc/start`, { maxRedirects: 0 });
    expect(start.status()).toBe(302);
    const authorize = new URL(start.headers()['location']!);
    authorize.searchParams.set('state', `${authorize.searchParams.get('state')}x`);
    const answer = page.waitForResponse((r) => r.url().startsWith(`${consoleUrl}/auth/oidc/callback`));
    await page.goto(authorize.href);
    await signInAtProvider(page, 'lukas');
    expect((await answer).status()).toBe(400);
    await expect.poll(() => page.locator('main').innerText()).toContain('does not belong to a sign-in started in this browser');
    expect(await sessionCookie(context)).toBeUndefined();
    expect((await whoami(page)).error).toMatchObject({ code: 'unauthorized' });
    await context.close();
  });
});

describe('takt serve --oidc-*', () => {
  it('refuses an http issuer off this machine, saying how to fix it', () => {
    const r = spawnSync(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--data', join(tmp, 'refused'), '--oidc-issuer', 'http://sso.plant.example/realms/plant', '--oidc-client-id', 'takt'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--oidc-issuer http://sso.plant.example/realms/plant must be https');
  });

  it('signs in with the flags: secret from a file, a people file, another claim', async () => {
    const secretFile = join(tmp, 'oidc-secret');
    writeFileSync(secretFile, `${idp.clientSecret}\n`, { mode: 0o600 });
    const peopleFile = join(tmp, 'oidc-people.yaml');
    writeFileSync(peopleFile, 'lschulz: A-001\n');
    const core = await startChildCore([
      '--data', join(tmp, 'child'),
      '--oidc-issuer', idp.issuer,
      '--oidc-client-id', idp.clientId,
      '--oidc-client-secret-file', secretFile,
      '--oidc-claim', 'preferred_username',
      '--oidc-people-file', peopleFile,
      '--oidc-name', 'Plant SSO',
    ]);
    // The secret never is an argument of the process.
    expect(core.child.spawnargs.join(' ')).not.toContain(idp.clientSecret);
    const callback = `${core.url}auth/oidc/callback`;
    idp.register(callback);
    const signin = await (await fetch(`${core.url}signin`)).text();
    expect(signin).toContain('Sign in with Plant SSO');
    const start = await fetch(`${core.url}auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('takt_oidc_state='))!.split(';')[0]!;
    const back = await loginAtTestProvider(start.headers.get('location')!, 'lukas', callback);
    const answer = await fetch(back, { headers: { cookie: stateCookie }, redirect: 'manual' });
    expect(answer.status).toBe(200);
    const session = answer.headers.getSetCookie().find((c) => c.startsWith('takt_session='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    const who = await (await fetch(`${core.url}auth/whoami`, { headers: { cookie: session!.split(';')[0]! } })).json();
    expect(who).toMatchObject({ kind: 'person', personId: 'A-001', via: 'oidc' });
  });
});
