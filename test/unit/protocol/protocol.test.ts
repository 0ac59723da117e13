import { describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { serveConnection, ProtocolFailure, type MethodHandlers, type StreamHandlers } from '../../../shared/protocol/server';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { parseClientFrame } from '../../../shared/protocol/messages';

function setup() {
  const [serverSide, clientSide] = memoryTransportPair();
  const emitters: ((x: any) => void)[] = [];
  let stopped = 0;
  const methods = {
    'core.info': () => ({ core: 'test', version: '0', protocol: 1, plant: { id: 'p', name: 'P', file: 'f' }, clock: { now: 0, speed: 1, mode: 'live' }, journal: { position: 0 }, source: 'none' }),
    'plant.get': () => {
      throw new ProtocolFailure('not_found', 'no plant here');
    },
    'twin.view': () => {
      throw new Error('boom');
    },
    'debug.echo': async (p: any, ctx: any) => {
      for (let i = 0; i < 10 && p.ms > 0; i++) {
        ctx.progress(i + 1, 10);
        await new Promise((r) => setTimeout(r, p.ms / 10));
        if (ctx.signal.aborted) return { value: 'late' };
      }
      return { value: p.value };
    },
  } as unknown as MethodHandlers;
  const streams = {
    'core.status': (_p: unknown, emit: (x: any) => void) => {
      emitters.push(emit);
      return () => stopped++;
    },
  } as unknown as StreamHandlers;
  serveConnection(serverSide, { name: 'test-core', methods, streams });
  const client = new ProtocolClient(clientSide);
  return { client, clientSide, emitters, stopped: () => stopped };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('protocol runtime', () => {
  it('answers requests and says hello', async () => {
    const { client } = setup();
    const info = await client.call('core.info');
    expect(info.core).toBe('test');
    expect(client.hello).toEqual({ protocol: 1, core: 'test-core' });
  });

  it('passes handler failures as typed errors and never crashes', async () => {
    const { client } = setup();
    await expect(client.call('plant.get')).rejects.toMatchObject({ code: 'not_found', message: 'no plant here' });
    await expect(client.call('twin.view')).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('boom') });
    expect((await client.call('debug.echo', { value: 7, ms: 0 })).value).toBe(7);
  });

  it('validates params and names the path', async () => {
    const { client } = setup();
    const e = (await client.call('clock.setSpeed', { speed: 9000 } as any).catch((x) => x)) as RemoteError;
    expect(e.code).toBe('bad_params');
    expect(e.error.path).toBe('params.speed');
    await expect(client.call('nope.method' as any)).rejects.toMatchObject({ code: 'unknown_method' });
  });

  it('reports progress and honours cancellation', async () => {
    const { client } = setup();
    const seen: number[] = [];
    const ac = new AbortController();
    const p = client.call('debug.echo', { value: 1, ms: 5_000 }, { signal: ac.signal, onProgress: (d) => seen.push(d) });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen.length).toBeGreaterThan(0);
  });

  it('streams items until unsubscribed', async () => {
    const { client, emitters, stopped } = setup();
    const got: unknown[] = [];
    const unsub = client.subscribe('core.status', (x) => got.push(x));
    await tick();
    emitters[0]!({ n: 1 });
    emitters[0]!({ n: 2 });
    await tick();
    expect(got).toEqual([{ n: 1 }, { n: 2 }]);
    unsub();
    await tick();
    expect(stopped()).toBe(1);
    await expect(new Promise((res, rej) => client.subscribe('nope' as any, res, undefined, rej))).rejects.toMatchObject({ code: 'unknown_stream' });
  });

  it('answers malformed frames with an error naming the problem', async () => {
    const { clientSide } = setup();
    const replies: any[] = [];
    clientSide.onFrame((f) => replies.push(JSON.parse(f)));
    for (const f of ['not json', '{"id":1}', '{"t":"req","id":-1,"method":"x"}', '{"t":"req","id":2,"method":"core.info","extra":1}', '[]', 'null', '{"t":"unsub","id":99}', '{"t":"cancel","id":98}']) clientSide.send(f);
    await tick();
    const errs = replies.filter((r) => r.t === 'err');
    expect(errs.map((e) => e.error.code)).toEqual(['bad_json', 'bad_message', 'bad_message', 'bad_message', 'bad_message', 'bad_message', 'not_found', 'not_found']);
    expect(errs[3].id).toBe(2);
    expect(errs[3].error.message).toMatch(/extra/);
  });

  it('parseClientFrame rejects non-strings and oversized frames', () => {
    expect(parseClientFrame(42)).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(parseClientFrame('x'.repeat(5 * 1024 * 1024))).toMatchObject({ ok: false, error: { code: 'too_large' } });
  });
});
