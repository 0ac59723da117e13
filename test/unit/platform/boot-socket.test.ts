/**
 * boot-socket.ts over a real WebSocket server: before the core is up, plant.get is answered from
 * the checked plant and everything else waits; once it is up, the held frames reach the core in
 * order, and the client sees one hello.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { attachWhenReady, MAX_HELD_BYTES, type EarlyAnswers } from '../../../main/core/hosts/browser/boot-socket';
import type { TaktCore } from '../../../main/core/core';
import type { Plant } from '../../../shared/plant/schema';
import { serveConnection, type MethodHandlers, type StreamHandlers } from '../../../shared/protocol/server';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const plant = { takt: 1, site: { id: 'early-plant', name: 'Early plant', timezone: 'UTC' } } as unknown as Plant;
let wss: WebSocketServer | undefined;
afterEach(
  () =>
    new Promise<void>((r) => {
      wss?.clients.forEach((c) => c.terminate());
      if (wss) wss.close(() => r());
      else r();
    }),
);

/** A server whose sockets wait for `ready`; a raw client that records every frame it gets. */
async function setUp(early: EarlyAnswers | null) {
  let up!: (v: { core: TaktCore }) => void;
  let down!: (e: Error) => void;
  const ready = new Promise<{ core: TaktCore }>((r, f) => ((up = r), (down = f)));
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => attachWhenReady(ws, ready, early, SYSTEM_CALLER));
  await new Promise<void>((r) => wss!.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const frames: { t: string; id?: number; result?: unknown; error?: { code: string }; core?: string }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((r) => ws.once('open', () => r()));
  const until = async (pred: () => boolean) => {
    while (!pred()) await new Promise<void>((r) => waiters.push(r));
  };
  // The core: answers core.info and plant.get, says its own hello.
  const core = {
    connect(t) {
      const methods = { 'core.info': () => ({ core: 'takt-core' }), 'plant.get': () => plant } as unknown as MethodHandlers;
      serveConnection(t, { name: 'takt-core test', methods, streams: {} as StreamHandlers });
    },
  } as Pick<TaktCore, 'connect'> as TaktCore;
  return { ws, frames, until, coreUp: () => up({ core }), coreFails: (e: Error) => down(e) };
}

describe('a console socket while the core boots', () => {
  it('answers plant.get at once, holds the rest for the core, and the client sees one hello', async () => {
    let answered = 0;
    const { ws, frames, until, coreUp } = await setUp({ name: 'takt-core test', plant, answered: () => answered++ });
    ws.send(JSON.stringify({ t: 'req', id: 1, method: 'core.info' }));
    ws.send('{not json');
    ws.send(JSON.stringify({ t: 'req', id: 2, method: 'plant.get' }));
    await until(() => frames.some((f) => f.t === 'res' && f.id === 2));
    expect(frames.find((f) => f.id === 2)?.result).toEqual(plant);
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(1); // the start-up gate hears of it
    // Nothing but the hello and that answer before the core is up.
    await new Promise((r) => setTimeout(r, 50));
    expect(frames.map((f) => f.t)).toEqual(['hello', 'res']);
    coreUp();
    await until(() => frames.some((f) => f.id === 1) && frames.some((f) => f.t === 'err'));
    expect(frames.find((f) => f.id === 1)).toMatchObject({ t: 'res', result: { core: 'takt-core' } });
    expect(frames.find((f) => f.t === 'err')?.error?.code).toBe('bad_json');
    expect(frames.filter((f) => f.t === 'hello')).toHaveLength(1);
    // After the core is up, plant.get is the core's.
    ws.send(JSON.stringify({ t: 'req', id: 3, method: 'plant.get' }));
    await until(() => frames.some((f) => f.id === 3));
    expect(frames.find((f) => f.id === 3)?.result).toEqual(plant);
    ws.close();
  });

  it('without early answers (plant not checked yet) holds everything, plant.get too', async () => {
    const { ws, frames, until, coreUp } = await setUp(null);
    ws.send(JSON.stringify({ t: 'req', id: 1, method: 'plant.get' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([]);
    coreUp();
    await until(() => frames.some((f) => f.id === 1));
    expect(frames.map((f) => f.t)).toEqual(['hello', 'res']);
    ws.close();
  });

  it(`closes a socket that sends more than ${MAX_HELD_BYTES} bytes before the core is up (1008), holding nothing`, async () => {
    const { ws } = await setUp(null);
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
    const frame = JSON.stringify({ t: 'req', id: 1, method: 'debug.echo', params: { value: 'x'.repeat(1024 * 1024) } });
    for (let i = 0; i < 20; i++) ws.send(frame);
    const { code, reason } = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/before the core was up/);
  });

  it('closes with a reason cut to 123 UTF-8 bytes when the core fails with a long non-ASCII message', async () => {
    const { ws, coreFails } = await setUp(null);
    const closed = new Promise<{ code: number; reason: Buffer }>((r) => ws.once('close', (code, reason) => r({ code, reason })));
    coreFails(new Error(`la base de données « ${'é'.repeat(200)} » est verrouillée`));
    const { code, reason } = await closed;
    expect(code).toBe(1011);
    expect(reason.length).toBeLessThanOrEqual(123);
    expect(reason.toString('utf8')).toMatch(/^the plant core failed to start: la base de données « é+…$/);
  });

  it('answers plant.get early only once; repeats wait for the core and count toward the held bytes', async () => {
    let answered = 0;
    const { ws, frames, until, coreUp } = await setUp({ name: 'takt-core test', plant, answered: () => answered++ });
    for (let id = 1; id <= 50; id++) ws.send(JSON.stringify({ t: 'req', id, method: 'plant.get' }));
    await until(() => frames.some((f) => f.id === 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(frames.filter((f) => f.t === 'res').map((f) => f.id)).toEqual([1]);
    expect(answered).toBe(1);
    coreUp();
    await until(() => frames.filter((f) => f.t === 'res').length === 50);
    expect(frames.filter((f) => f.t === 'hello')).toHaveLength(1);
    ws.close();
  });
});
