/**
 * A hostile or buggy client on the real /ws: every malformed frame gets an `err` reply with the
 * right code and a message naming the problem, the connection stays usable, and the core keeps
 * serving other consoles (core.info answers, the page in Chromium keeps updating).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { launchChromium, SETUP_TIMEOUT_MS, signedInPage, VIEWER } from './browser';
import { startTestCore, type RunningCore } from './core';

let core: RunningCore;
let browser: Browser;

beforeAll(async () => {
  core = await startTestCore();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await core?.close();
});

interface Frame {
  t: string;
  id?: number | null;
  error?: { code: string; message: string; path?: string };
  result?: unknown;
  data?: unknown;
}

let machine: string | undefined;

/** A raw socket that records every frame and lets a test wait for one that matches. */
async function rawSocket(url: string) {
  // Signed in (a machine's token): what is tested is how the core takes bad frames from a client it let in.
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${(machine ??= core.token())}` } });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)) as Frame);
    waiters.forEach((w) => w());
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let seen = 0;
  return {
    ws,
    frames,
    send: (s: string) => ws.send(s),
    /** Next frame after the ones already consumed that satisfies `pred`. */
    async next(pred: (f: Frame) => boolean, ms = 3000): Promise<Frame> {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = frames.findIndex((f, k) => k >= seen && pred(f));
        if (i >= 0) {
          seen = i + 1;
          return frames[i]!;
        }
        if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms; got: ${JSON.stringify(frames.slice(seen)).slice(0, 800)}`);
        await new Promise<void>((r) => {
          const w = () => {
            waiters.delete(w);
            r();
          };
          waiters.add(w);
          setTimeout(w, 50);
        });
      }
    },
  };
}

const cases: { name: string; frame: string; id: number | null; code: string; mentions: RegExp; path?: string }[] = [
  { name: 'not JSON', frame: '{this is not json', id: null, code: 'bad_json', mentions: /not JSON/ },
  { name: 'JSON without t', frame: JSON.stringify({ id: 11, method: 'core.info' }), id: 11, code: 'bad_message', mentions: /\bt\b.*(req|discriminator)/, path: 't' },
  { name: 'JSON that is not an object', frame: '[1,2,3]', id: null, code: 'bad_message', mentions: /malformed/ },
  { name: 'unknown method', frame: JSON.stringify({ t: 'req', id: 12, method: 'plant.explode' }), id: 12, code: 'unknown_method', mentions: /plant\.explode/, path: 'method' },
  { name: 'bad params', frame: JSON.stringify({ t: 'req', id: 13, method: 'clock.setSpeed', params: { speed: 'fast' } }), id: 13, code: 'bad_params', mentions: /clock\.setSpeed.*params\.speed/, path: 'params.speed' },
  { name: 'out-of-range params', frame: JSON.stringify({ t: 'req', id: 14, method: 'clock.setSpeed', params: { speed: 100000 } }), id: 14, code: 'bad_params', mentions: /params\.speed/ },
  { name: 'unexpected params key', frame: JSON.stringify({ t: 'req', id: 15, method: 'core.info', params: { verbose: true } }), id: 15, code: 'bad_params', mentions: /verbose/ },
  { name: 'oversized id', frame: JSON.stringify({ t: 'req', id: 2 ** 40, method: 'core.info' }), id: 2 ** 40, code: 'bad_message', mentions: /\bid\b.*(big|2147483648)/i, path: 'id' },
  { name: 'negative id', frame: JSON.stringify({ t: 'req', id: -5, method: 'core.info' }), id: -5, code: 'bad_message', mentions: /\bid\b/, path: 'id' },
  { name: 'unknown stream', frame: JSON.stringify({ t: 'sub', id: 16, stream: 'twin.gossip' }), id: 16, code: 'unknown_stream', mentions: /twin\.gossip/, path: 'stream' },
  { name: 'unsub of unknown id', frame: JSON.stringify({ t: 'unsub', id: 987654 }), id: 987654, code: 'not_found', mentions: /987654/, path: 'id' },
  { name: 'cancel of unknown id', frame: JSON.stringify({ t: 'cancel', id: 987655 }), id: 987655, code: 'not_found', mentions: /987655/, path: 'id' },
  { name: 'unknown message type', frame: JSON.stringify({ t: 'shout', id: 17 }), id: 17, code: 'bad_message', mentions: /\bt\b/ },
];

describe('protocol robustness on /ws', () => {
  it('answers each malformed frame with a precise err and keeps the connection usable', async () => {
    const s = await rawSocket(core.wsUrl);
    await s.next((f) => f.t === 'hello');
    for (const c of cases) {
      s.send(c.frame);
      const f = await s.next((x) => x.t === 'err').catch((e: Error) => {
        throw new Error(`${c.name}: ${e.message}`);
      });
      expect(f.id, c.name).toBe(c.id);
      expect(f.error?.code, `${c.name}: ${f.error?.message}`).toBe(c.code);
      expect(f.error?.message, c.name).toMatch(c.mentions);
      if (c.path) expect(f.error?.path, c.name).toBe(c.path);
    }
    // Same socket still serves requests and streams.
    s.send(JSON.stringify({ t: 'req', id: 100, method: 'core.info' }));
    const info = await s.next((f) => f.t === 'res' && f.id === 100);
    expect((info.result as { protocol: number }).protocol).toBe(1);
    s.send(JSON.stringify({ t: 'sub', id: 101, stream: 'twin.deltas' }));
    const first = await s.next((f) => f.t === 'evt' && f.id === 101, 5000);
    expect(first.data).toHaveProperty('view');
    s.send(JSON.stringify({ t: 'unsub', id: 101 }));
    await s.next((f) => f.t === 'end' && f.id === 101);
    s.ws.close();
  });

  it('a binary frame and an oversized frame do not take the core down', async () => {
    const s = await rawSocket(core.wsUrl);
    await s.next((f) => f.t === 'hello');
    s.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    const bin = await s.next((f) => f.t === 'err');
    expect(bin.id).toBeNull();
    expect(['bad_json', 'bad_message']).toContain(bin.error?.code);
    // Over the 4 MiB frame limit: the core may answer too_large or drop this socket (1009); either way
    // it must keep serving fresh connections.
    const closed = new Promise<number>((r) => s.ws.once('close', (code) => r(code)));
    s.send(JSON.stringify({ t: 'req', id: 1, method: 'debug.echo', params: { value: 'x'.repeat(5 * 1024 * 1024) } }));
    const outcome = await Promise.race([s.next((f) => f.t === 'err', 5000).then((f) => f.error?.code), closed.then((c) => `closed ${c}`)]);
    expect(outcome).toMatch(/too_large|closed 1009/);
    s.ws.terminate();

    const fresh = await rawSocket(core.wsUrl);
    fresh.send(JSON.stringify({ t: 'req', id: 1, method: 'core.info' }));
    await fresh.next((f) => f.t === 'res' && f.id === 1);
    fresh.ws.close();
  });

  it('after the abuse the core still serves core.info and the page still updates', async () => {
    const s = await rawSocket(core.wsUrl);
    for (const c of cases) s.send(c.frame);
    s.send(JSON.stringify({ t: 'req', id: 500, method: 'core.info' }));
    const info = await s.next((f) => f.t === 'res' && f.id === 500);
    expect(info.result).toHaveProperty('plant');

    const page = await signedInPage(browser, core, VIEWER, { viewport: { width: 1280, height: 800 } });
    await page.goto(core.url);
    await page.waitForFunction(() => (window.__takt?.lastAppliedPosition ?? -1) >= 0, null, { timeout: SETUP_TIMEOUT_MS });
    const p0 = await page.evaluate(() => window.__takt!.lastAppliedPosition);
    // Keep abusing while the page runs.
    const abuse = setInterval(() => cases.forEach((c) => s.send(c.frame)), 100);
    try {
      await page.waitForFunction((p) => window.__takt!.lastAppliedPosition > p, p0, { timeout: 5_000 });
    } finally {
      clearInterval(abuse);
    }
    await page.close();
    s.ws.close();
  });
});
