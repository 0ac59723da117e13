import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServer, connect, type AddressInfo } from 'node:net';
import { createPageGate } from '../../../main/core/hosts/browser/page-gate';

const settled = (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  return () => done;
};

describe('createPageGate', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate'] }));
  afterEach(() => vi.useRealTimers());

  it('with no page asking for the HTML, opens after waitForPageMs', async () => {
    const gate = createPageGate({ waitForPageMs: 250, maxWaitMs: 2000 });
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(249);
    expect(open()).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(open()).toBe(true);
  });

  it('once a page asked for the HTML, waits for its console to connect, not for the timer', async () => {
    const gate = createPageGate({ waitForPageMs: 250, maxWaitMs: 2000 });
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(100);
    gate.served('/');
    gate.served('/assets/index.js');
    await vi.advanceTimersByTimeAsync(900); // well past waitForPageMs: the page is still loading
    expect(open()).toBe(false);
    gate.consoleConnected();
    await vi.advanceTimersByTimeAsync(0);
    expect(open()).toBe(true);
  });

  it('opens maxWaitMs after the HTML when no console connects (a page that stopped loading, a download)', async () => {
    const gate = createPageGate({ waitForPageMs: 250, maxWaitMs: 2000 });
    gate.served('/index.html'); // before start: the page was quicker than the boot
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(1999);
    expect(open()).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(open()).toBe(true);
  });

  it('opens at once for a console that connected before the boot asked (a reload served from cache)', async () => {
    const gate = createPageGate({ waitForPageMs: 250, maxWaitMs: 2000 });
    gate.consoleConnected();
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(0);
    expect(open()).toBe(true);
  });

  it('a request read only after the timer fired (the thread was busy) still counts as a page', async () => {
    vi.useRealTimers(); // the order of timers, I/O and immediates in Node's event loop is what is tested
    // A real socket: the page's request arrives while the thread is busy, past the gate's timer.
    const server = createServer();
    const requested = new Promise<void>((r) => server.on('connection', (s) => s.on('data', () => (gate.served('/'), r()))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', r));
    const gate = createPageGate({ waitForPageMs: 20, maxWaitMs: 5_000 });
    try {
      const open = settled(gate.start());
      client.write('GET / HTTP/1.1\r\n\r\n');
      // Busy past the timer: when the loop turns, the timer has expired and the request is waiting
      // to be read. The timers phase runs first, the poll phase reads the request after it.
      const until = performance.now() + 60;
      while (performance.now() < until);
      await requested;
      await new Promise((r) => setTimeout(r, 60));
      expect(open()).toBe(false);
      gate.consoleConnected();
      await new Promise((r) => setImmediate(r));
      expect(open()).toBe(true);
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
