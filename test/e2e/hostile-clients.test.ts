/**
 * A hostile-client suite against a real `takt serve` (a child process): the attacks and broken
 * clients of an outside probe, each answered without a crash, and the core alive with its RSS back
 * within 50 MB of where it started once the clients have left. Then the data folder's own
 * defences: private files, no secret in the plant cache, and a history whose journal vanished is
 * refused before the URL is printed (and `--reset` starts over, moving it aside).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect as tcpConnect } from 'node:net';
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChildCores, startChildCore, type ChildCore } from './child-core';
import { repoRoot } from './core';

const TOKEN = 'rest-token-5b1e-do-not-leak';
const WEBHOOK_TOKEN = 'webhook-token-from-a-file-77';
const MB = 1024 * 1024;

let dir: string;
let dataDir: string;
let plantFile: string;
let core: ChildCore;
let startRss = 0;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Frame {
  t: string;
  id?: number | null;
  error?: { code: string; message: string };
  result?: unknown;
  data?: unknown;
}

/** A token of every scope per running core: these hostile clients are machines that got in (signed in), not strangers. */
const tokens = new WeakMap<ChildCore, string>();
const machine = () => {
  let t = tokens.get(core);
  if (!t) tokens.set(core, (t = core.token()));
  return t;
};

/** A raw protocol socket that records its frames. */
async function socket(url = core.wsUrl, headers: Record<string, string> = { authorization: `Bearer ${machine()}` }) {
  const ws = new WebSocket(url, { headers });
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Frame));
  ws.on('error', () => undefined);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const answer = async (id: number, ms = 15_000): Promise<Frame> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = frames.find((x) => x.id === id && x.t !== 'progress' && x.t !== 'evt');
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no answer to ${id}; got ${JSON.stringify(frames.slice(-3)).slice(0, 500)}`);
      await sleep(20);
    }
  };
  let next = 1;
  return {
    ws,
    frames,
    answer,
    call: async (method: string, params?: unknown) => {
      const id = next++;
      ws.send(JSON.stringify({ t: 'req', id, method, params }));
      return answer(id);
    },
  };
}

/** An HTTP request to the core: status, headers and body. */
function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: (write: (b: Buffer) => boolean) => Promise<void> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const u = new URL(core.url);
    // Signed in with the token unless the call brings its own credential (a webhook post) or posts signals.
    const own = opts.headers?.authorization !== undefined || path.startsWith('/api/signals');
    const headers = own ? opts.headers : { authorization: `Bearer ${machine()}`, ...opts.headers };
    const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body) void opts.body((b) => req.write(b)).then(() => req.end(), reject);
    else req.end();
  });
}

async function alive() {
  const r = await http('/api/health');
  expect(r.status).toBe(200);
  expect((JSON.parse(r.body) as { ok: boolean }).ok).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'takt-hostile-'));
  dataDir = join(dir, 'data');
  plantFile = join(dir, 'plant.yaml');
  writeFileSync(
    plantFile,
    `${readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')}
connectors:
  - id: erp-orders
    kind: rest
    enabled: false
    options:
      url: http://127.0.0.1:9/orders
      token: ${TOKEN}
      writeBack: { url: "http://127.0.0.1:9/back", token: ${TOKEN}-wb }
`,
  );
  writeFileSync(join(dir, 'webhook-token'), `${WEBHOOK_TOKEN}\n`);
  core = await startChildCore(['--data', dataDir, '--plant', plantFile, '--webhook-token-file', join(dir, 'webhook-token')]);
  // Settled: the core is up and its deferred store open (a records call waits for it).
  const s = await socket();
  expect((await s.call('decisions.list', {})).t).toBe('res');
  s.ws.close();
  await sleep(2000);
  startRss = rssOf(core.child.pid!);
}, 120_000);

afterAll(() => {
  killChildCores();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile clients against takt serve', () => {
  it('answers a WebSocket upgrade with a malformed target 400 and keeps running', async () => {
    const u = new URL(core.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = tcpConnect(Number(u.port), u.hostname, () =>
        s.write('GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
      );
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await alive();
  });

  it('caps subscriptions, drops a client that stops reading, and lets it resubscribe from a view', async () => {
    const s = await socket();
    for (let i = 1; i <= 300; i++) s.ws.send(JSON.stringify({ t: 'sub', id: 1000 + i, stream: 'twin.deltas' }));
    const refused = await s.answer(1300);
    expect(refused.error?.code).toBe('too_large');
    const raw = (s.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const closed = new Promise<{ code: number; reason: string }>((r) => s.ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
    // The core stops queueing for it: dropped within a bounded time, not grown without bound.
    const deadline = Date.now() + 60_000;
    let dropped = false;
    while (!dropped && Date.now() < deadline) {
      await sleep(500);
      const h = JSON.parse((await http('/api/health')).body) as { clients: number };
      dropped = h.clients === 0;
    }
    expect(dropped).toBe(true);
    expect(rssOf(core.child.pid!) - startRss).toBeLessThan(200 * MB);
    raw.resume();
    const { code, reason } = await closed;
    expect([1008, 1006]).toContain(code);
    if (code === 1008) expect(reason).toMatch(/too slow/);

    const again = await socket();
    again.ws.send(JSON.stringify({ t: 'sub', id: 1, stream: 'twin.deltas' }));
    for (let i = 0; i < 200 && !again.frames.some((f) => f.t === 'evt' && (f.data as { view?: unknown }).view); i++) await sleep(50);
    expect(again.frames.some((f) => f.t === 'evt' && (f.data as { view?: unknown }).view)).toBe(true);
    again.ws.close();
  });

  it('redacts connector secrets from plant.get', async () => {
    const s = await socket();
    const r = await s.call('plant.get');
    expect(r.t).toBe('res');
    const text = JSON.stringify(r.result);
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('[redacted]');
    s.ws.close();
  });

  it('answers a value nested 10,000 deep with an error, not a hang', async () => {
    const s = await socket();
    s.ws.send(`{"t":"req","id":9,"method":"debug.echo","params":{"value":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`);
    // Refused before it is parsed, so the error cannot name the request's id.
    for (let i = 0; i < 200 && !s.frames.some((f) => f.t === 'err'); i++) await sleep(50);
    const r = s.frames.find((f) => f.t === 'err')!;
    expect(r).toBeDefined();
    expect(r.error?.message).toMatch(/deeper than/);
    expect((await s.call('core.info')).t).toBe('res');
    s.ws.close();
  });

  it('refuses a YAML alias bomb as bad_params', async () => {
    const levels = 'abcdefghi'.split('');
    const bomb = [`a: &a ["x","x","x","x","x","x","x","x","x","x"]`, ...levels.slice(1).map((l, i) => `${l}: &${l} [${Array(10).fill(`*${levels[i]}`).join(',')}]`)].join('\n');
    // Activating rules is a person's act: the bomb must reach the parser, past the permission check.
    const s = await socket(core.wsUrl, { cookie: `takt_session=${core.session('A-001')}` });
    const r = await s.call('rules.activate', { text: bomb });
    expect(r.t).toBe('err');
    expect(r.error?.code).toBe('bad_params');
    expect(r.error?.message).toMatch(/alias/i);
    s.ws.close();
  });

  it('answers bad percent-encoding 400, a chunked body over 8 MiB 413, and sends the security headers on every answer', async () => {
    for (const path of ['/api/exceptions/%E0%A4%A', '/api/decisions/%ZZ']) {
      const r = await http(path);
      expect(r.status, path).toBe(400);
      expect(r.body).toMatch(/percent-encoding/);
    }
    const big = await http('/api/signals', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, // no content-length: chunked
      body: async (write) => {
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        for (let i = 0; i < 40; i++) if (!write(chunk)) await sleep(5);
      },
    }).catch((e: Error) => ({ status: 0, headers: {}, body: e.message }));
    expect(big.status).toBe(413);
    for (const path of ['/api/health', '/api/nope', '/nope', '/api/exceptions/%ZZ', '/']) {
      const r = await http(path);
      expect(r.headers['content-security-policy'], path).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
      expect(r.headers['referrer-policy'], path).toBe('no-referrer');
    }
    await alive();
  });

  it('takes the webhook token from its file', async () => {
    const post = (auth?: string) => http('/api/signals', { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: async (w) => void w(Buffer.from('[]')) });
    expect((await post()).status).toBe(401);
    const ok = await post(`Bearer ${WEBHOOK_TOKEN}`);
    // Past the check: the empty batch itself is what is refused.
    expect(ok.status, ok.body).toBe(400);
    expect(ok.body).toMatch(/bad_params/);
  });

  it('is alive after the clients left, with RSS back within 50 MB of its start', async () => {
    await alive();
    let rss = rssOf(core.child.pid!);
    for (let i = 0; i < 60 && rss - startRss >= 50 * MB; i++) {
      await sleep(500);
      rss = rssOf(core.child.pid!);
    }
    console.log(`hostile suite: core RSS ${(startRss / MB).toFixed(0)} MB at start, ${(rss / MB).toFixed(0)} MB after the clients left`);
    expect((rss - startRss) / MB).toBeLessThan(50);
  });

  it('keeps its data folder private and no connector secret in plain text', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (lstatSync(join(d, n)).isDirectory() ? [join(d, n), ...walk(join(d, n))] : [join(d, n)]));
    for (const p of walk(dataDir)) expect(statSync(p).mode & 0o077, p).toBe(0);
    expect(readFileSync(join(dataDir, 'plant-cache.json'), 'utf8')).not.toContain(TOKEN);
  });
});

describe('a future-dated signal', () => {
  // Exactly what a client can send: event and receive time in 2099 (the receive time is its own claim).
  const future = (id: string) => [{ id, source: 'attacker', seq: 1, type: 'machine.state', machine: 'DD-L1-MIX', state: 'running', eventTime: 4102444000000, receiveTime: 4102444000000 }];
  const onTime = async (id: string) => {
    const c = await socket();
    const info = (await c.call('core.info')).result as { clock: { now: number } };
    const t = info.clock.now;
    const r = await c.call('signals.ingest', { signals: [{ id, source: 'mes-e2e', seq: 1, type: 'production.count', machine: 'DD-L1-MIX', good: 1, scrap: 0, eventTime: t, receiveTime: t }] });
    c.ws.close();
    return { r, now: t };
  };
  const deadLetters = async () => {
    const c = await socket();
    const r = (await c.call('deadLetters.list', { limit: 1000 })).result as { items: { reason: string; raw: string }[] };
    c.ws.close();
    return r.items;
  };

  it('is refused over the WebSocket and POST /api/signals, and on-time signals go on, also after a restart', async () => {
    const ws = await socket();
    const r = await ws.call('signals.ingest', { signals: future('future-ws') });
    ws.ws.close();
    expect(r.result).toMatchObject({ accepted: 0, rejected: [{ index: 0, path: 'eventTime' }] });
    const h = await http('/api/signals', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: async (w) => void w(Buffer.from(JSON.stringify(future('future-http')))) });
    expect(h.status, h.body).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ accepted: 0, rejected: [{ index: 0, path: 'eventTime' }] });
    const dl = await deadLetters();
    for (const id of ['future-ws', 'future-http']) expect(dl.find((d) => d.raw.includes(id))?.reason).toMatch(/eventTime 2099-12-31T23:46:40.000Z is \d+ ms after receive time .* check the sender's clock/);

    const before = await onTime('on-time-1');
    expect(before.r.result, JSON.stringify(before.r)).toMatchObject({ accepted: 1, rejected: [] });
    expect(before.now).toBeLessThan(Date.UTC(2090, 0, 1));

    core.child.kill('SIGTERM');
    await new Promise((res) => (core.child.exitCode !== null ? res(null) : core.child.once('exit', res)));
    core = await startChildCore(['--data', dataDir, '--plant', plantFile, '--webhook-token-file', join(dir, 'webhook-token')]);
    const after = await onTime('on-time-2');
    expect(after.r.result, JSON.stringify(after.r)).toMatchObject({ accepted: 1, rejected: [] });
    expect(after.now).toBeLessThan(Date.UTC(2090, 0, 1));
  }, 90_000);
});

describe('a history whose journal vanished', () => {
  it('is refused before the URL is printed, naming the file; --reset moves it aside and starts', async () => {
    core.child.kill('SIGTERM');
    await new Promise((r) => (core.child.exitCode !== null ? r(null) : core.child.once('exit', r)));
    for (const f of readdirSync(dataDir)) if (f.startsWith('journal.sqlite')) unlinkSync(join(dataDir, f));
    const r = spawnSync(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--data', dataDir, '--plant', plantFile], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the journal ${join(dataDir, 'journal.sqlite')} is missing`);
    expect(r.stderr).toMatch(/--reset/);
    expect(r.stdout).not.toMatch(/http:\/\//);

    const fresh = await startChildCore(['--data', dataDir, '--plant', plantFile, '--reset']);
    expect(fresh.url).toMatch(/^http:/);
    const aside = readdirSync(dir).find((n) => n.startsWith('data.reset-'));
    expect(aside).toBeDefined();
    expect(existsSync(join(dir, aside!, 'takt-data.json'))).toBe(true);

    // While that core runs on the folder, another --reset is refused and moves nothing.
    const serveArgs = (data: string, port = '0') => ['bin/takt.mjs', 'serve', '--port', port, '--data', data, '--plant', plantFile, '--reset'];
    const busy = spawnSync(process.execPath, serveArgs(dataDir), { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/is in use by another takt core/);
    expect(busy.stdout).not.toMatch(/http:\/\//);
    expect(readdirSync(dir).filter((n) => n.startsWith('data.reset-'))).toEqual([aside]);
    expect(existsSync(join(dataDir, 'takt-data.json'))).toBe(true);
    // Refusals come before the reset: a port in use leaves another folder where it was.
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'x');
    const port = new URL(fresh.url).port;
    const portBusy = spawnSync(process.execPath, serveArgs(other, port), { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(portBusy.status).toBe(1);
    expect(portBusy.stderr).toMatch(/is in use: pick another with --port/);
    expect(readFileSync(join(other, 'keep.txt'), 'utf8')).toBe('x');
    expect(readdirSync(dir).some((n) => n.startsWith('other.reset-'))).toBe(false);
  });
});
