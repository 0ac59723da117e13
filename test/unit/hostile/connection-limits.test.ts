/**
 * Per-connection limits: a connection holds at most MAX_SUBSCRIPTIONS subscriptions, a frame
 * nested deeper than MAX_JSON_DEPTH is refused before it is parsed, and a client that stops
 * reading its WebSocket is told why and dropped once its unsent bytes pass the cap (its
 * subscriptions end with it), after which a new connection subscribes again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { serveConnection, MAX_SUBSCRIPTIONS, type MethodHandlers, type StreamHandlers } from '../../../shared/protocol/server';
import { MAX_JSON_DEPTH, parseClientFrame } from '../../../shared/protocol/messages';
import { wsTransport, WS_CLOSE_SLOW_CONSUMER } from '../../../main/core/hosts/browser/ws-transport';

const methods = { 'debug.echo': (p: { value: unknown }) => ({ value: p.value }) } as unknown as MethodHandlers;

function frames(t: ReturnType<typeof memoryTransportPair>[1]) {
  const got: { t: string; id?: number | null; error?: { code: string; message: string } }[] = [];
  t.onFrame((f) => got.push(JSON.parse(f)));
  return got;
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('subscriptions per connection', () => {
  it(`refuses the subscription after ${MAX_SUBSCRIPTIONS} with too_large, and accepts one again after an unsub`, async () => {
    const [server, client] = memoryTransportPair();
    let open = 0;
    const streams = { 'core.status': () => (open++, () => open--) } as unknown as StreamHandlers;
    serveConnection(server, { name: 't', methods, streams });
    const got = frames(client);
    for (let i = 1; i <= MAX_SUBSCRIPTIONS + 5; i++) client.send(JSON.stringify({ t: 'sub', id: i, stream: 'core.status' }));
    await tick();
    expect(open).toBe(MAX_SUBSCRIPTIONS);
    const refused = got.filter((f) => f.t === 'err');
    expect(refused).toHaveLength(5);
    expect(refused[0]!.error!.code).toBe('too_large');
    expect(refused[0]!.error!.message).toMatch(/unsubscribe/);
    client.send(JSON.stringify({ t: 'unsub', id: 1 }));
    client.send(JSON.stringify({ t: 'sub', id: 1000, stream: 'core.status' }));
    await tick();
    expect(open).toBe(MAX_SUBSCRIPTIONS);
    expect(got.filter((f) => f.t === 'err')).toHaveLength(5);
  });
});

describe('nesting depth', () => {
  it('refuses a deeply nested frame with bad_message instead of overflowing the stack', () => {
    const deep = `{"t":"req","id":1,"method":"debug.echo","params":{"value":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
    const r = parseClientFrame(deep);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(`deeper than ${MAX_JSON_DEPTH}`);
    // Brackets inside strings do not count, and ordinary nesting passes.
    expect(parseClientFrame(`{"t":"req","id":1,"method":"debug.echo","params":{"value":"${'['.repeat(500)}"}}`).ok).toBe(true);
    expect(parseClientFrame(`{"t":"req","id":1,"method":"debug.echo","params":{"value":${'['.repeat(40)}${']'.repeat(40)}}}`).ok).toBe(true);
  });

  it('answers a result that cannot be serialised with an error instead of never', async () => {
    const [server, client] = memoryTransportPair();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    serveConnection(server, { name: 't', methods: { 'debug.echo': () => ({ value: cyclic }) } as unknown as MethodHandlers, streams: {} as StreamHandlers });
    const got = frames(client);
    client.send(JSON.stringify({ t: 'req', id: 7, method: 'debug.echo', params: { value: 1 } }));
    await tick();
    const answer = got.find((f) => f.id === 7);
    expect(answer?.t).toBe('err');
    expect(answer?.error?.code).toBe('internal');
  });
});

describe('a slow WebSocket consumer', () => {
  let wss: WebSocketServer | undefined;
  afterEach(() => wss?.close());

  it('is closed with 1008 and a reason once its unsent bytes pass the cap; its subscription ends; a new connection subscribes again', async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss!.once('listening', r));
    const live = new Set<() => void>();
    const item = { blob: 'x'.repeat(64 * 1024) };
    const streams = {
      'core.status': (_p: unknown, emit: (x: unknown) => void) => {
        const timer = setInterval(() => {
          for (let i = 0; i < 16; i++) emit(item);
        }, 5);
        const stop = () => clearInterval(timer);
        live.add(stop);
        return () => {
          stop();
          live.delete(stop);
        };
      },
    } as unknown as StreamHandlers;
    const slow: number[] = [];
    wss.on('connection', (ws) => serveConnection(wsTransport(ws, { maxQueuedBytes: 1024 * 1024, onSlowConsumer: (n) => slow.push(n) }), { name: 't', methods, streams }));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

    const reader = new WebSocket(url);
    await new Promise((r) => reader.once('open', r));
    reader.send(JSON.stringify({ t: 'sub', id: 1, stream: 'core.status' }));
    // Stop reading: the server's frames pile up in its send buffer.
    await new Promise((r) => setTimeout(r, 50));
    (reader as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<number>((r) => reader.once('close', (code) => r(code)));
    const deadline = Date.now() + 10_000;
    while (slow.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(slow.length).toBeGreaterThan(0);
    expect(slow[0]).toBeGreaterThan(1024 * 1024);
    (reader as unknown as { _socket: { resume(): void } })._socket.resume();
    const code = await closed;
    // Told (1008) when the close frame got through, else cut (1006): either way dropped.
    expect([WS_CLOSE_SLOW_CONSUMER, 1006]).toContain(code);
    while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(live.size).toBe(0);

    // It may come back: a new connection subscribes and receives items.
    const again = new WebSocket(url);
    const got: string[] = [];
    again.on('message', (d) => got.push(String(d)));
    await new Promise((r) => again.once('open', r));
    again.send(JSON.stringify({ t: 'sub', id: 1, stream: 'core.status' }));
    while (!got.some((f) => f.startsWith('{"t":"evt"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got.some((f) => f.startsWith('{"t":"evt"'))).toBe(true);
    again.terminate();
  });
});
