/**
 * Browser mode against other web pages and the network, with a real Chromium and real servers:
 * - a page served from a second origin (a node:http server on another port) opens the console's
 *   WebSocket and posts a line-down to /api/signals the way a hostile page can without a preflight
 *   (fetch, mode no-cors, text/plain): both are refused, the refusals are logged, and nothing was
 *   ingested (the same signal posted afterwards by a legitimate client is new, not a duplicate);
 * - the console's own page still connects and may post JSON to its own API;
 * - `takt serve --host 0.0.0.0` without TLS exits non-zero saying how to fix it;
 * - with a self-signed certificate, `takt serve --tls-cert --tls-key` serves https and wss, and the
 *   console works over them in Chromium.
 * One in-process core per file (RxDB caps collections per process); the TLS core is a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { request as httpRequest } from 'node:http';
import { launchChromium, SETUP_TIMEOUT_MS, signedInPage } from './browser';
import { ensureRendererBuilt, repoRoot, signedIn, TEST_AUTH, type SignedIn } from './core';
import { signalMaker } from './signals';
import { openTokenStore } from '../../main/core/auth/token-store';
import { openSessionStore } from '../../main/core/auth/session-store';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ProtocolClient } from '../../shared/protocol/client';
import { wsTransport } from '../../main/core/hosts/browser/ws-transport';

const tmp = mkdtempSync(join(tmpdir(), 'takt-origin-'));
const logs: string[] = [];
let browser: Browser;
let bm: BrowserMode;
let sign: SignedIn;
/** A machine's token (reads and ingests): the legitimate client. */
let machineToken = '';
let evil: Server;
let evilUrl = '';

/** The hostile page: tries the socket and a no-cors text/plain post, and reports what it saw. */
const EVIL_PAGE = `<!doctype html><meta charset=utf-8><title>evil</title><script>
window.attack = async (core, body) => {
  const ws = await new Promise((resolve) => {
    const s = new WebSocket(core.replace('http', 'ws') + 'ws');
    s.onopen = () => resolve('open');
    s.onerror = () => resolve('error');
    s.onclose = () => resolve('closed');
  });
  let post;
  try {
    const r = await fetch(core + 'api/signals', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
    post = 'sent (' + r.type + ')';
  } catch (e) {
    post = 'failed: ' + e.message;
  }
  return { ws, post };
};
</script>`;

beforeAll(async () => {
  ensureRendererBuilt();
  bm = await startBrowserMode({ port: 0, dataDir: join(tmp, 'data'), speed: 60, quiet: true, log: (l) => logs.push(l), auth: TEST_AUTH });
  sign = signedIn(bm.auth, bm.url);
  machineToken = sign.token(['read', 'ingest']);
  evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(EVIL_PAGE));
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/`;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (evil ? evil.close(() => r()) : r()));
  await bm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('another origin', () => {
  it('cannot open the WebSocket or post a signal, even in a browser signed in to the console, and nothing is ingested', async () => {
    const client = await sign.connect();
    try {
      const plant = await client.call('plant.get');
      const machine = plant.areas[0]!.lines[0]!.machines[0]!.id;
      const maker = await signalMaker(client, 'origin-e2e');
      const attackSignal = maker.make('machine.state', { machine, state: 'down', reason: 'injected by another page' });
      const body = JSON.stringify({ signals: [attackSignal] });

      // The browser is signed in to the console: a page on another port of the same host is the same
      // site, so SameSite=Strict still sends the session cookie; the origin check is what refuses it.
      const page = await signedInPage(browser, sign, 'A-001');
      try {
        await page.goto(evilUrl);
        const seen = await page.evaluate(([core, b]) => (window as unknown as { attack(c: string, b: string): Promise<{ ws: string; post: string }> }).attack(core, b), [bm.url, body] as const);
        expect(seen.ws).not.toBe('open');
        // The post leaves the browser (an opaque answer): the core is what refuses it.
        expect(seen.post).toMatch(/^sent/);
      } finally {
        await page.close();
      }
      // Nothing was ingested: the same signal (same source and id, so a duplicate had it got in) from a
      // legitimate client (no Origin: a program) is new. Stamped afresh: the attack took seconds of
      // real time, minutes of plant time at ×60, and the old stamp could now be behind the watermark.
      await maker.sync();
      const again = { ...maker.make('machine.state', { machine, state: 'down', reason: 'injected by another page' }), id: attackSignal.id, seq: attackSignal.seq };
      const r = await fetch(`${bm.url}api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${machineToken}` }, body: JSON.stringify({ signals: [again] }) });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

      // Both refusals were logged, naming the page's origin.
      const evilOrigin = evilUrl.replace(/\/$/, '');
      expect(logs.some((l) => l.startsWith('websocket: refused (403)') && l.includes(evilOrigin))).toBe(true);
      expect(logs.some((l) => l.startsWith('http api: POST /api/signals refused (403)') && l.includes(evilOrigin))).toBe(true);
    } finally {
      client.close();
    }
  });

  it('is answered 403 with a reason naming --allow-origin; a text/plain post is 415', async () => {
    const host = new URL(bm.url).host;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://${host}/ws`, { origin: 'https://evil.example' });
      ws.on('unexpected-response', (_req, res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      ws.on('open', () => reject(new Error('a foreign origin was let in')));
      ws.on('error', () => undefined);
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('"https://evil.example"');
    expect(answer.body).toContain('--allow-origin');

    const plain = await fetch(`${bm.url}api/signals`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '[]' });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const crossSite = await fetch(`${bm.url}api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: '[]' });
    expect(crossSite.status).toBe(403);
    // Every answer carries the hardening headers.
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('referrer-policy')).toBe('no-referrer');
    expect(plain.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('a page on a re-pointed name (DNS rebinding)', () => {
  /** A request to the core as a browser on `attacker.example` (resolving to 127.0.0.1) sends it. */
  const asHost = (path: string, host: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(bm.url);
      const req = httpRequest({ host: u.hostname, port: u.port, path, headers: { host, ...headers } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('cannot read the API, the console or open the WebSocket; health answers its own names', async () => {
    const port = new URL(bm.url).port;
    for (const path of ['/api/health', '/api/exceptions', '/']) {
      const r = await asHost(path, `attacker.example:${port}`);
      expect(r.status, path).toBe(421);
      expect(r.body).toContain('misdirected_host');
    }
    const upgrade = await asHost('/ws', `attacker.example:${port}`, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
    expect(upgrade.status).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await asHost('/api/health', host)).status, host).toBe(200);
  });

  it('posts with an application/<name>+json type are taken as JSON', async () => {
    const r = await fetch(`${bm.url}api/signals`, { method: 'POST', headers: { 'content-type': 'application/vnd.erp.signals+json', authorization: `Bearer ${machineToken}` }, body: '[]' });
    // Past the media type check: the empty batch itself is what is refused.
    expect(r.status).toBe(400);
  });
});

describe('the console itself', () => {
  it('connects from its own origin (127.0.0.1 and localhost) and may post JSON to its API', async () => {
    for (const url of [bm.url, bm.url.replace('127.0.0.1', 'localhost')]) {
      const page = await signedInPage(browser, signedIn(bm.auth, url), 'A-001');
      try {
        await page.goto(url);
        await page.waitForFunction(() => (window.__takt?.lastAppliedPosition ?? -1) >= 0, null, { timeout: SETUP_TIMEOUT_MS });
        const status = await page.evaluate(async () => (await fetch('/api/signals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"signals":[]}' })).status);
        // Reached the API (an empty batch is the API's own 400, not the guard's 403/415).
        expect(status, url).toBe(400);
      } finally {
        await page.close();
      }
    }
  });
});

/** Runs `takt serve` with these arguments; resolves with its announced URL, or its exit code and output. */
function serve(args: string[], timeoutMs = 60_000, dataDir = join(tmp, `d-${Math.random().toString(36).slice(2)}`)): Promise<{ url?: string; code?: number | null; err: string; stop(): void }> {
  const child = spawn(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--data', dataDir, '--speed', '60', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill('SIGKILL');
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`takt serve neither started nor exited: ${out} ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, err, stop });
    });
  });
}

describe('network binds', () => {
  it('refuses a non-loopback --host without TLS, saying how to fix it', async () => {
    const r = await serve(['--host', '0.0.0.0']);
    expect(r.url).toBeUndefined();
    expect(r.code).toBe(1);
    expect(r.err).toContain('--host 0.0.0.0');
    expect(r.err).toContain('--tls-cert');
    expect(r.err).toContain('--tls-key');
    const half = await serve(['--tls-cert', join(tmp, 'nope.pem')]);
    expect(half.code).toBe(1);
    expect(half.err).toMatch(/--tls-cert and --tls-key go together/);
  }, 60_000);

  it('serves https and wss with a self-signed certificate, and the console works over them', async () => {
    const cert = join(tmp, 'cert.pem');
    const key = join(tmp, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    // Signed in before it starts: a token for the protocol client, a session for the console.
    const data = join(tmp, 'tls-data');
    const token = openTokenStore(data).create('e2e', ['read']).token;
    const session = openSessionStore(data).create({ personId: 'A-001', via: 'password' }).cookie;
    const core = await serve(['--tls-cert', cert, '--tls-key', key], 60_000, data);
    try {
      expect(core.url, core.err).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const url = new URL(core.url!);
      const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpsRequest({ host: url.hostname, port: url.port, path: '/api/health', rejectUnauthorized: false }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        })
          .on('error', reject)
          .end();
      });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ ok: true });

      // wss: a protocol client over TLS.
      const ws = new WebSocket(`wss://${url.host}/ws`, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const client = new ProtocolClient(wsTransport(ws));
      expect((await client.call('core.info')).clock.speed).toBe(60);
      ws.close();

      // Plain http on the TLS port is not served.
      await expect(fetch(`http://${url.host}/api/health`)).rejects.toThrow();

      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        await context.addCookies([{ name: 'takt_session', value: session, url: core.url!, httpOnly: true, secure: true, sameSite: 'Strict' }]);
        const page = await context.newPage();
        await page.goto(core.url!);
        await page.waitForFunction(() => (window.__takt?.lastAppliedPosition ?? -1) >= 0, null, { timeout: SETUP_TIMEOUT_MS });
      } finally {
        await context.close();
      }
    } finally {
      core.stop();
    }
  }, 120_000);
});
