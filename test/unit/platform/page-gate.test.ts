import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPageGate, initialPageFiles } from '../../../main/core/page-gate';

describe('initialPageFiles', () => {
  it('lists the scripts, module preloads and styles the built index.html names, as URL paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-gate-'));
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><head>
        <link rel="icon" href="data:," />
        <script type="module" crossorigin src="./assets/index-abc.js"></script>
        <link rel="modulepreload" crossorigin href="./assets/chunk-1.js">
        <link rel="stylesheet" crossorigin href="./assets/index-def.css">
        <link rel="preconnect" href="https://example.com">
      </head><body><script src="./early-gl.js"></script></body>`,
    );
    expect(initialPageFiles(dir)).toEqual(['/assets/index-abc.js', '/assets/chunk-1.js', '/assets/index-def.css', '/early-gl.js']);
  });

  it('is empty (the gate does not wait) when there is no index.html', () => {
    expect(initialPageFiles(mkdtempSync(join(tmpdir(), 'takt-gate-')))).toEqual([]);
  });
});

describe('createPageGate', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate'] }));
  afterEach(() => vi.useRealTimers());

  const files = ['/assets/a.js', '/assets/b.css'];
  const settled = (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    return () => done;
  };

  it('with no page asking for the HTML, opens after waitForPageMs', async () => {
    const gate = createPageGate({ files, waitForPageMs: 250, maxWaitMs: 600 });
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(249);
    expect(open()).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(open()).toBe(true);
  });

  it('once a page asked for the HTML, waits for every file it names, not for the timer', async () => {
    const gate = createPageGate({ files, waitForPageMs: 250, maxWaitMs: 600 });
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(100);
    gate.served('/');
    await vi.advanceTimersByTimeAsync(300); // past waitForPageMs: still waiting for the files
    gate.served('/assets/a.js');
    gate.served('/assets/unrelated.js');
    await vi.advanceTimersByTimeAsync(1);
    expect(open()).toBe(false);
    gate.served('/assets/b.css');
    await vi.advanceTimersByTimeAsync(0);
    expect(open()).toBe(true);
  });

  it('a request read only after the timer fired (the thread was busy) still counts as a page', async () => {
    vi.useRealTimers(); // the order of timers, I/O and immediates in Node's event loop is what is tested
    const gate = createPageGate({ files, waitForPageMs: 20, maxWaitMs: 5_000 });
    const open = settled(gate.start());
    // Expires in the same timers phase as the gate's own timer, after it: as a request read in the
    // poll phase that follows would be, before the gate's decision (two immediates later).
    setTimeout(() => gate.served('/index.html'), 20);
    await new Promise((r) => setTimeout(r, 60));
    expect(open()).toBe(false);
    gate.served('/assets/a.js');
    gate.served('/assets/b.css');
    await new Promise((r) => setImmediate(r));
    expect(open()).toBe(true);
  });

  it('opens maxWaitMs after the HTML when a page stops loading', async () => {
    const gate = createPageGate({ files, waitForPageMs: 250, maxWaitMs: 600 });
    gate.served('/'); // before start: the page was quicker than the boot
    const open = settled(gate.start());
    gate.served('/assets/a.js');
    await vi.advanceTimersByTimeAsync(599);
    expect(open()).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(open()).toBe(true);
  });

  it('opens at once when the page had every file before the boot asked', async () => {
    const gate = createPageGate({ files, waitForPageMs: 250, maxWaitMs: 600 });
    for (const f of ['/', ...files]) gate.served(f);
    const open = settled(gate.start());
    await vi.advanceTimersByTimeAsync(0);
    expect(open()).toBe(true);
  });
});
