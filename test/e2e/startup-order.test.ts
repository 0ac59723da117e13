/**
 * Browser mode's start-up order (main/core/hosts/browser/browser-mode.ts): the URL is announced once the plant
 * file is valid and the page is served, before the rest of the core is up; a console that connects
 * then gets its plant at once, and its other calls and API calls made then are answered once the
 * core is up. A refused plant file announces
 * nothing. Real server, real WebSocket, real HTTP.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { connectProtocolClient } from '../../main/core/hosts/browser/ws-transport';
import { PlantFileError } from '../../main/core/persistence/plant-file';
import { ensureRendererBuilt, repoRoot, TEST_AUTH } from './core';
import { openSessionStore } from '../../main/core/auth/session-store';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'takt-startup-order-'));
  dirs.push(d);
  return d;
};
let bm: BrowserMode | undefined;
afterAll(async () => {
  await bm?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('browser mode start-up order', () => {
  it('announces the URL before the core is up; the page, an early console and early API calls are answered', async () => {
    ensureRendererBuilt();
    // Load fetch's HTTP client now: its first use can take longer than the page gate's 250 ms on
    // a loaded machine, and the core would then boot before the page was even asked for.
    const warm = createHttpServer((_, res) => res.end('ok')).listen(0, '127.0.0.1');
    await new Promise((r) => warm.once('listening', r));
    await (await fetch(`http://127.0.0.1:${(warm.address() as { port: number }).port}/`)).text();
    warm.closeAllConnections();
    await new Promise((r) => warm.close(r));
    let coreUp = false;
    const seen: { pageBeforeCoreUp?: boolean; socketOpenBeforeCoreUp?: boolean; plantBeforeCoreUp?: boolean; plantId?: string } = {};
    let early: Promise<[number, { ok: boolean; plant: string }, { plant: { id: string } }]> | undefined;
    // A console signed in before the core starts (its session is in the folder, as after a restart).
    const dataDir = tmp();
    const session = openSessionStore(dataDir).create({ personId: 'A-001', via: 'password' }).cookie;
    const started = startBrowserMode({
      port: 0,
      dataDir,
      speed: 120,
      quiet: true,
      auth: TEST_AUTH,
      onServing: (url) => {
        const page = fetch(url, { headers: { cookie: `takt_session=${session}` } }).then((r) => {
          seen.pageBeforeCoreUp = !coreUp;
          return r.status;
        });
        const health = fetch(`${url}api/health`).then((r) => r.json() as Promise<{ ok: boolean; plant: string }>);
        const info = (async () => {
          const client = await connectProtocolClient(`${url.replace('http', 'ws')}ws`, 5000, { session });
          seen.socketOpenBeforeCoreUp = !coreUp;
          // The plant is answered before the core is up (a console builds its floor meanwhile).
          const p = await client.call('plant.get');
          seen.plantBeforeCoreUp = !coreUp;
          seen.plantId = p.site.id;
          // Sent while the core may still be booting: held, then answered.
          const r = await client.call('core.info');
          client.close();
          return r;
        })();
        early = Promise.all([page, health, info]);
      },
    });
    bm = await started;
    coreUp = true;
    expect(early).toBeDefined();
    const [status, health, info] = await early!;
    expect(status).toBe(200);
    expect(health).toMatchObject({ ok: true, plant: bm.core.plant.site.id });
    expect(info.plant.id).toBe(bm.core.plant.site.id);
    // The socket was accepted before the core was up (its frames were held), and so was the page.
    expect(seen.socketOpenBeforeCoreUp).toBe(true);
    expect(seen.pageBeforeCoreUp).toBe(true);
    expect(seen.plantBeforeCoreUp).toBe(true);
    expect(seen.plantId).toBe(bm.core.plant.site.id);
  }, 120_000);

  it('announces nothing for a refused plant file and stops listening', async () => {
    const listenOn = (port: number) =>
      new Promise<number>((resolve, reject) => {
        const s = createServer().once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
    const port = await listenOn(0);
    let announced: string | null = null;
    const err = await startBrowserMode({
      port,
      dataDir: tmp(),
      plantFile: join(repoRoot, 'test/fixtures/plants/three-problems.yaml'),
      quiet: true,
      onServing: (url) => (announced = url),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlantFileError);
    expect((err as Error).message).toMatch(/three-problems\.yaml: 3 problems/);
    expect(announced).toBeNull();
    // The port it listened on while loading the plant is free again.
    await expect(listenOn(port)).resolves.toBe(port);
  }, 60_000);
});
