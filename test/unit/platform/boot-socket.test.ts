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
  const ready = new Promise<{ core: TaktCore }>((r) => (up = r));
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => attachWhenReady(ws, ready, early));
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
  return { ws, frames, until, coreUp: () => up({ core }) };
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
});
