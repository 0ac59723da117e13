/**
 * The desktop window's sign-in, in real Chromium with the real renderer and a real core, where no
 * Electron binary is installed: the page gets `window.takt` as the preload gives it, and its core
 * port as the preload hands it over (`window.postMessage({type: 'takt:port'}, [port])`), that port
 * bridged here to a socket that the core serves exactly as the utility process serves a window's
 * MessagePort (one WindowSignIn per window, kept across reloads). On a fresh data folder the window
 * creates the first administrator and shows the console as them; sign-out returns it to the form;
 * a wrong password is refused with the core's words; the right one signs in again.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Browser, Page } from 'playwright-core';
import { startCore, type TaktCore } from '../../main/core/core';
import { createAuthService, type AuthService } from '../../main/core/auth/auth-service';
import { coreAuditSink } from '../../main/core/auth/core-audit-sink';
import { windowSignIns } from '../../main/core/hosts/utility-entry';
import { wsTransport } from '../../main/core/hosts/browser/ws-transport';
import { serveStatic } from '../../main/core/hosts/browser/static-files';
import { launchChromium } from './browser';
import { ensureRendererBuilt, repoRoot, TEST_SCRYPT } from './core';

const dir = mkdtempSync(join(tmpdir(), 'takt-e2e-desktop-signin-'));
let core: TaktCore;
let auth: AuthService;
let server: Server;
let browser: Browser;
let url = '';

/** What the preload and the main process do for the page, with a socket in place of the MessagePort to the utility process. */
const preload = (portUrl: string) => `
  Object.defineProperty(window, 'takt', { value: Object.freeze({ shell: 'electron', version: '0.0.0-test', platform: 'linux', openWallDisplay() {}, printPdf: async () => ({ ok: false, reason: 'not in this test' }) }) });
  const ws = new WebSocket(${JSON.stringify(portUrl)});
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (e) => { if (ws.readyState === 1) ws.send(e.data); };
  ws.onmessage = (e) => port1.postMessage(String(e.data));
  ws.onclose = () => port1.close();
  // Electron hands the port over once the page has loaded (did-finish-load), when the renderer listens.
  const handOver = () => window.postMessage({ type: 'takt:port' }, '*', [port2]);
  const loaded = new Promise((r) => (document.readyState === 'complete' ? r() : window.addEventListener('load', r, { once: true })));
  ws.onopen = () => loaded.then(handOver);
`;

beforeAll(async () => {
  ensureRendererBuilt();
  core = await startCore({ dataDir: dir, speed: 60, authService: () => auth });
  auth = createAuthService(dir, { accounts: { scrypt: TEST_SCRYPT } });
  auth.setAuditSink(coreAuditSink(core));
  const identityOf = windowSignIns(() => auth.sessions);
  server = createServer((req, res) => {
    if (!serveStatic(join(repoRoot, 'dist', 'renderer'), req, res)) res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/window-port' });
  // One emulated window (its id 1): its reloads are new connections of the same window.
  wss.on('connection', (ws) => core.connect(wsTransport(ws as never), identityOf(1)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  auth?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openWindow(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(preload(url.replace('http:', 'ws:') + 'window-port'));
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`page console: ${m.text()}`));
  await page.goto(url);
  return page;
}

describe('the desktop window signs in', () => {
  let page: Page;

  it('creates the first administrator on a fresh data folder and shows the console as them', { timeout: 60_000 }, async () => {
    page = await openWindow();
    await page.getByTestId('desktop-signin').waitFor({ timeout: 20_000 });
    // Nothing of the floor while signed out: no header, no view.
    expect(await page.locator('.app-header').count()).toBe(0);
    await expect.poll(() => page.getByTestId('desktop-signin-person').locator('option').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    const first = core.plant.crews[0]!.members[0]!;
    await page.getByTestId('desktop-signin-person').selectOption(first.id);
    await page.getByTestId('desktop-signin-username').fill('first-admin');
    await page.getByTestId('desktop-signin-password').fill('short');
    await page.getByRole('button', { name: /create administrator/i }).click();
    await expect.poll(() => page.getByTestId('desktop-signin-error').textContent()).toMatch(/at least 10/);
    await page.getByTestId('desktop-signin-password').fill('a long enough password');
    await page.getByRole('button', { name: /create administrator/i }).click();
    await page.getByTestId('signed-in-as').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('signed-in-as').getAttribute('data-person')).toBe(first.id);
    expect(auth.accounts.list()).toEqual([expect.objectContaining({ username: 'first-admin', personId: first.id, admin: true })]);
    // A reload keeps the window signed in.
    await page.reload();
    await page.getByTestId('signed-in-as').waitFor({ timeout: 20_000 });
  });

  it('signs out to the form; a wrong password is refused in the core’s words; the right one signs in', { timeout: 60_000 }, async () => {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('desktop-signin').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('desktop-signin-person').count()).toBe(0); // not first start any more
    await page.getByTestId('desktop-signin-username').fill('first-admin');
    await page.getByTestId('desktop-signin-password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('desktop-signin-error').textContent()).toBe('wrong user name or password');
    expect(auth.accounts.list()[0]!.lockout.failures).toBe(1);
    await page.getByTestId('desktop-signin-password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor({ timeout: 20_000 });
    await page.context().close();
  });
});
