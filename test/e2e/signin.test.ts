/**
 * Sign-in end to end, with the real core in browser mode and Chromium:
 * - a signed-out visitor gets the sign-in page (not the console), a WebSocket without a session is
 *   refused 401, and a POST /api/signals without a credential is refused with nothing ingested;
 * - an account signs in on the page, the header names the person, sign-out ends the session;
 * - repeated wrong passwords lock the account (429 with Retry-After), audited;
 * - an API token without the `ingest` scope cannot ingest, with it can; a revoked token is refused;
 * - the first-start link creates the first administrator once, and only once;
 * - a locked wall display keeps the floor, read-only, until someone signs in;
 * - an open socket does not outlive its session: sign-out with the same cookie, or the account
 *   disabled by `takt users disable` (another store on the folder, as the CLI's process), closes it
 *   with the session-ended code, and the console lands on the sign-in page.
 * Session survival across a restart is covered by reconnect.test.ts (same data folder, same page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WebSocket } from 'ws';
import { launchChromium, SETUP_TIMEOUT_MS } from './browser';
import { startTestCore, type RunningCore } from './core';
import { signalMaker } from './signals';
import { until } from '../helpers/until';
import { usersDisable } from '../../main/cli/users';
import { SESSION_COOKIE } from '../../main/core/auth/session-store';
import { SESSION_ENDED_CLOSE_CODE } from '../../shared/auth/caller';

let core: RunningCore;
let browser: Browser;
let firstStartLink = '';

beforeAll(async () => {
  core = await startTestCore({ browserMode: { onFirstStart: (l) => (firstStartLink = l), auth: { accounts: { lockout: { freeAttempts: 3, baseLockMs: 60_000, maxLockMs: 600_000 } } } } });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await core?.close();
});

/** The WebSocket handshake's answer: 'open', or the refusal's status. */
const handshake = (headers: Record<string, string> = {}) =>
  new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(core.wsUrl, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_q, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => undefined);
  });

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${core.url}${path.replace(/^\//, '')}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('first start', () => {
  it('prints a one-time link that creates the first administrator exactly once', async () => {
    expect(firstStartLink).toMatch(/\/auth\/first-start\?code=[\w-]{20,}$/);
    const page = await browser.newPage();
    try {
      // A wrong code is refused.
      await page.goto(firstStartLink.replace(/code=.*/, 'code=wrong'));
      await expect(page.locator('h1').innerText()).resolves.toMatch(/First start is done/);
      await page.goto(firstStartLink);
      await page.selectOption('#person', 'A-027');
      await page.fill('#u', 'ines');
      await page.fill('#p', 'correct horse battery');
      await page.click('[data-testid="first-start-submit"]');
      // Signed in as the new administrator, on the console.
      await expect(page.locator('[data-testid="signed-in-as"]').innerText({ timeout: SETUP_TIMEOUT_MS })).resolves.toMatch(/Ines Fischer/);
      expect(core.bm.auth.accounts.get('ines')).toMatchObject({ personId: 'A-027', admin: true });
      // The link is spent.
      await page.goto(firstStartLink);
      await expect(page.locator('h1').innerText()).resolves.toMatch(/First start is done/);
      const again = await fetch(firstStartLink.replace('/auth/first-start?', '/auth/first-start?x=1&'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code: new URL(firstStartLink).searchParams.get('code')!, personId: 'A-001', username: 'second', password: 'another long password' }) });
      expect(again.status).toBe(410);
      expect(core.bm.auth.accounts.list().map((a) => a.username)).toEqual(['ines']);
    } finally {
      await page.close();
    }
  });
});

describe('signed out', () => {
  it('gets the sign-in page, not the console; no socket, no API, nothing ingested', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(core.url);
      expect(new URL(page.url()).pathname).toBe('/signin');
      await page.locator('[data-testid="signin-submit"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    } finally {
      await page.close();
    }
    // The console's script is not served either; health is.
    expect((await fetch(`${core.url}index.html`, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${core.url}api/health`)).status).toBe(200);
    expect((await fetch(`${core.url}api/exceptions`)).status).toBe(401);

    expect(await handshake()).toBe(401);
    expect(await handshake({ cookie: 'takt_session=not-a-session' })).toBe(401);
    expect(await handshake({ authorization: 'Bearer takt_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' })).toBe(401);

    const client = await core.connect();
    try {
      const plant = await client.call('plant.get');
      const machine = plant.areas[0]!.lines[0]!.machines[0]!.id;
      const sm = await signalMaker(client, 'signin-e2e');
      const s = sm.make('machine.state', { machine, state: 'down', reason: 'posted without signing in' });
      const r = await post('/api/signals', { signals: [s] });
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      // Nothing was ingested: the same signal from a signed-in machine is new, not a duplicate.
      await sm.sync();
      const again = { ...sm.make('machine.state', { machine, state: 'down', reason: 'posted without signing in' }), id: s.id, seq: s.seq };
      const ok = await post('/api/signals', { signals: [again] }, { authorization: `Bearer ${core.token(['ingest'])}` });
      expect(await ok.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    } finally {
      client.close();
    }
  });
});

describe('an account', () => {
  it('signs in on the page, is named in the header, and signs out', async () => {
    await core.bm.auth.accounts.add({ username: 'lukas', personId: 'A-001', password: 'lukas long password' });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(core.url);
      await page.fill('#u', 'lukas');
      await page.fill('#p', 'not his password');
      await page.click('[data-testid="signin-submit"]');
      await expect(page.locator('[data-testid="signin-error"]').innerText()).resolves.toMatch(/wrong user name or password/);
      await page.fill('#p', 'lukas long password');
      await page.click('[data-testid="signin-submit"]');
      await expect(page.locator('[data-testid="signed-in-as"]').innerText({ timeout: SETUP_TIMEOUT_MS })).resolves.toMatch(/Lukas Schulz/);
      await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      // The cookie is HttpOnly and SameSite=Strict: no script reads it, no other site sends it.
      const cookie = (await context.cookies()).find((c) => c.name === 'takt_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).not.toContain('takt_session');
      expect(await handshake({ cookie: `takt_session=${cookie.value}` })).toBe('open');

      await page.click('[data-testid="sign-out"]');
      await page.waitForURL(/\/signin$/);
      // The old cookie is dead: the core ended the session, not only the browser.
      expect(await handshake({ cookie: `takt_session=${cookie.value}` })).toBe(401);
      const audit = await until('the sign-in audit', async () => {
        const items = (await (await core.as('A-001')).call('audit.list', { limit: 200 })).items;
        return items.some((e) => e.kind === 'auth.signed-out') ? items : undefined;
      });
      expect(audit.filter((e) => e.kind.startsWith('auth.')).map((e) => e.kind)).toEqual(expect.arrayContaining(['auth.signin-failed', 'auth.signed-in', 'auth.signed-out']));
    } finally {
      await context.close();
    }
  });

  it('is locked after repeated wrong passwords, with back-off, and the lockout is audited', async () => {
    await core.bm.auth.accounts.add({ username: 'tomasz', personId: 'A-002', password: 'tomasz long password' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/auth/signin', { username: 'tomasz', password: `guess ${i}` })).status);
    // Three wrong passwords lock the account: the fourth attempt is not even checked.
    expect(statuses).toEqual([401, 401, 401, 429]);
    const locked = await post('/auth/signin', { username: 'tomasz', password: 'tomasz long password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(30);
    expect(((await locked.json()) as { error: { message: string } }).error.message).toMatch(/locked for \d+ s/);
    await until('the lockout audit', async () => (await (await core.as('A-001')).call('audit.list', { limit: 200 })).items.find((e) => e.kind === 'auth.locked-out' && e.subjectId === 'tomasz'));
  });
});

describe('a wall display', () => {
  it('is locked by its person: it keeps showing the floor, as a read-only display, until someone signs in', async () => {
    const context = await browser.newContext();
    await core.signIn(context, 'A-001');
    const page = await context.newPage();
    try {
      await page.goto(`${core.url}#/floor`);
      await page.locator('[data-testid="signed-in-as"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      await page.click('[data-testid="lock"]');
      await page.locator('[data-testid="locked"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      await page.waitForFunction(() => (window.__takt?.lastAppliedPosition ?? -1) >= 0, null, { timeout: SETUP_TIMEOUT_MS });
      const who = await page.evaluate(async () => (await fetch('/auth/whoami')).json());
      expect(who).toEqual({ kind: 'display', lockedBy: 'A-001' });
      // The person's own session is gone; the sign-in page says the display is locked.
      await page.click('[data-testid="sign-in"]');
      await page.locator('[data-testid="locked-note"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    } finally {
      await context.close();
    }
  });
});

describe('API tokens', () => {
  it('ingest only with the ingest scope; a revoked token is refused', async () => {
    const readOnly = core.token(['read'], 'reader');
    const ingest = core.token(['ingest'], 'mes');
    const r1 = await post('/api/signals', { signals: [] }, { authorization: `Bearer ${readOnly}` });
    expect(r1.status).toBe(403);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(/'ingest' scope/);
    // Past the scope check: the empty batch is the API's own 400.
    expect((await post('/api/signals', { signals: [] }, { authorization: `Bearer ${ingest}` })).status).toBe(400);
    expect((await fetch(`${core.url}api/exceptions`, { headers: { authorization: `Bearer ${readOnly}` } })).status).toBe(200);
    expect((await fetch(`${core.url}api/exceptions`, { headers: { authorization: `Bearer ${ingest}` } })).status).toBe(403);

    const id = /^takt_([a-f0-9]{12})_/.exec(ingest)![1]!;
    core.bm.auth.tokens.revoke(id);
    expect((await post('/api/signals', { signals: [] }, { authorization: `Bearer ${ingest}` })).status).toBe(401);
    expect(await handshake({ authorization: `Bearer ${ingest}` })).toBe(401);
  });
});

/** An open socket signed in with `cookie`, and a promise of how it closed. */
async function openSocket(cookie: string) {
  const ws = new WebSocket(core.wsUrl, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
  return { ws, closed };
}

const within = <T,>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

describe('an open socket whose session ends', () => {
  it('is closed on sign-out with the same cookie; another session’s socket stays open', async () => {
    const mine = core.bm.auth.sessions.create({ personId: 'A-003', via: 'password' }).cookie;
    const other = core.bm.auth.sessions.create({ personId: 'A-004', via: 'password' }).cookie;
    const a = await openSocket(mine);
    const b = await openSocket(other);
    try {
      const t0 = Date.now();
      const out = await post('/auth/signout', {}, { cookie: `${SESSION_COOKIE}=${mine}` });
      expect(out.status).toBe(200);
      const c = await within(a.closed, 5000, 'the close of the signed-out socket');
      expect(c.code).toBe(SESSION_ENDED_CLOSE_CODE);
      expect(c.reason).toMatch(/session has ended.*sign in again/);
      expect(c.at - t0).toBeLessThan(5000);
      // Only that session's socket: the other one still answers.
      expect(b.ws.readyState).toBe(WebSocket.OPEN);
      expect(await handshake({ cookie: `${SESSION_COOKIE}=${mine}` })).toBe(401);
    } finally {
      a.ws.close();
      b.ws.close();
    }
  });

  it('is closed when the account is disabled from the command line', async () => {
    await core.bm.auth.accounts.add({ username: 'marta', personId: 'A-005', password: 'marta long password' });
    const signedIn = await post('/auth/signin', { username: 'marta', password: 'marta long password' });
    expect(signedIn.status).toBe(200);
    const cookie = /takt_session=([\w-]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!;
    const s = await openSocket(cookie);
    try {
      const lines: string[] = [];
      // The CLI's own stores on the folder (another process in real use): the core learns it from the file.
      expect(await usersDisable({ data: core.dataDir, username: 'marta' }, { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) })).toBe(0);
      expect(lines.join('\n')).toMatch(/disabled; 1 session ended/);
      const c = await within(s.closed, 5000, 'the close of the disabled account’s socket');
      expect(c.code).toBe(SESSION_ENDED_CLOSE_CODE);
    } finally {
      s.ws.close();
    }
  });

  it('sends the console to the sign-in page instead of reconnecting', async () => {
    const cookie = core.bm.auth.sessions.create({ personId: 'A-006', via: 'password' }).cookie;
    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: core.url, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    try {
      await page.goto(core.url);
      await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      // Signed out elsewhere (another tab, the same cookie): the page itself did nothing.
      expect((await post('/auth/signout', {}, { cookie: `${SESSION_COOKIE}=${cookie}` })).status).toBe(200);
      await page.waitForURL(/\/signin$/, { timeout: 5000 });
    } finally {
      await context.close();
    }
  });
});
