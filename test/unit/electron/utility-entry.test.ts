import { describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import type { TextTransport } from '../../../shared/protocol/transport';
import { messagePortTransport, parseEntryArgs, serveParentPort, windowSignIns, type MessagePortMainLike } from '../../../main/core/hosts/utility-entry';
import type { ConnectionIdentity } from '../../../shared/auth/caller';

/** A MessagePortMain look-alike: records what is posted, lets the test deliver and close. */
class FakePort extends EventEmitter implements MessagePortMainLike {
  sent: unknown[] = [];
  started = false;
  closed = false;
  postMessage(m: unknown): void {
    this.sent.push(m);
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
  deliver(data: unknown): void {
    this.emit('message', { data, ports: [] });
  }
}

describe('messagePortTransport', () => {
  it('starts the port and carries string frames both ways', () => {
    const port = new FakePort();
    const t = messagePortTransport(port);
    expect(port.started).toBe(true);
    const frames: string[] = [];
    t.onFrame((f) => frames.push(f));
    port.deliver('{"t":"req","id":1,"method":"ping"}');
    port.deliver({ not: 'a string' }); // dropped
    port.deliver(42); // dropped
    expect(frames).toEqual(['{"t":"req","id":1,"method":"ping"}']);
    t.send('{"t":"hello"}');
    expect(port.sent).toEqual(['{"t":"hello"}']);
  });

  it('unsubscribes handlers', () => {
    const port = new FakePort();
    const t = messagePortTransport(port);
    const h = vi.fn();
    const off = t.onFrame(h);
    off();
    port.deliver('x');
    expect(h).not.toHaveBeenCalled();
  });

  it('fires close once when the remote end goes away, then refuses to send', () => {
    const port = new FakePort();
    const t = messagePortTransport(port);
    const onClose = vi.fn();
    const frames = vi.fn();
    t.onClose(onClose);
    t.onFrame(frames);
    port.emit('close');
    port.emit('close');
    expect(onClose).toHaveBeenCalledTimes(1);
    port.deliver('late');
    expect(frames).not.toHaveBeenCalled();
    expect(() => t.send('x')).toThrow(/closed/);
  });

  it('closes the port when closed locally', () => {
    const port = new FakePort();
    const t = messagePortTransport(port);
    const onClose = vi.fn();
    t.onClose(onClose);
    t.close();
    t.close();
    expect(port.closed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe('serveParentPort', () => {
  function setup() {
    const parent = new EventEmitter() as EventEmitter & { postMessage: (m: unknown) => void };
    parent.postMessage = vi.fn();
    const connected: TextTransport[] = [];
    const identities: ConnectionIdentity[] = [];
    type Core = { connect(t: TextTransport, id: ConnectionIdentity): void; close(): Promise<void> };
    let resolveCore!: (c: Core) => void;
    const core = new Promise<Core>((r) => (resolveCore = r));
    const close = vi.fn(async () => {});
    const exit = vi.fn();
    serveParentPort(parent as never, core as never, exit, windowSignIns(() => null));
    return { parent, connected, identities, ready: () => resolveCore({ connect: (t, id) => (connected.push(t), identities.push(id)), close }), close, exit };
  }

  it('connects every port that arrives, also those that arrive before the core is ready', async () => {
    const s = setup();
    const a = new FakePort();
    const b = new FakePort();
    s.parent.emit('message', { data: { type: 'takt:connect', client: 1 }, ports: [a] });
    expect(s.connected).toHaveLength(0);
    s.ready();
    await vi.waitFor(() => expect(s.connected).toHaveLength(1));
    s.parent.emit('message', { data: { type: 'takt:connect', client: 2 }, ports: [b] });
    await vi.waitFor(() => expect(s.connected).toHaveLength(2));
    s.connected[1]!.send('frame');
    expect(b.sent).toEqual(['frame']);
    s.parent.emit('message', { data: { type: 'noise' }, ports: [] });
    expect(s.connected).toHaveLength(2);
    // Each window starts signed out; a reload of window 1 (a new port) keeps window 1's identity.
    expect(s.identities[0]!.caller()).toMatchObject({ kind: 'signed-out' });
    s.parent.emit('message', { data: { type: 'takt:connect', client: 1 }, ports: [new FakePort()] });
    await vi.waitFor(() => expect(s.identities).toHaveLength(3));
    expect(s.identities[2]).toBe(s.identities[0]);
    expect(s.identities[1]).not.toBe(s.identities[0]);
  });

  it('closes the core and exits 0 on takt:shutdown', async () => {
    const s = setup();
    s.ready();
    s.parent.emit('message', { data: { type: 'takt:shutdown' }, ports: [] });
    await vi.waitFor(() => expect(s.exit).toHaveBeenCalledWith(0));
    expect(s.close).toHaveBeenCalled();
  });
});

describe('parseEntryArgs', () => {
  it('reads --data-dir and --plant (both spellings) with env fallbacks', () => {
    expect(parseEntryArgs(['node', 'entry.mjs', '--data-dir', '/d', '--plant', '/p.yaml'], {})).toEqual({ dataDir: '/d', plantFile: '/p.yaml' });
    expect(parseEntryArgs(['--data-dir=/d2'], {})).toEqual({ dataDir: '/d2' });
    expect(parseEntryArgs([], { TAKT_DATA_DIR: '/e', TAKT_PLANT_FILE: '/q' })).toEqual({ dataDir: '/e', plantFile: '/q' });
  });
  it('says what to do when the data dir is missing', () => {
    expect(() => parseEntryArgs([], {})).toThrow(/--data-dir/);
  });
});
