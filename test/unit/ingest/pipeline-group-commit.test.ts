/**
 * Group commit: with a journal that says when a commit is done (`onDurable`) and a scheduler, the
 * pipeline hands a partial batch to an idle journal after a short group delay (not the batch
 * delay), groups what arrives during a commit into the next one, delivers only committed batches,
 * and its timer never blocks on a commit (`waitDurable` is not called).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIngestPipeline } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { Signal } from '../../../shared/signals/schema';
import { openJournal } from '../../../main/core/persistence/journal';
import { count, plant, T0 } from './helpers';

const index = createPlantIndex(plant);

function manualScheduler() {
  const timers: { fn: () => void; ms: number }[] = [];
  return {
    timers,
    now: () => T0,
    setTimeout: (fn: () => void, ms: number) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimeout: (h: unknown) => {
      const i = timers.indexOf(h as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    runNext() {
      const t = timers.shift();
      t?.fn();
      return t?.ms;
    },
  };
}

/** Commits only when the test says so; onDurable callbacks run then. */
function fakeNotifyingJournal() {
  let last = 0;
  let durable = 0;
  const appends: number[] = [];
  const watchers: { position: number; cb: () => void }[] = [];
  let waits = 0;
  return {
    appends,
    watchers,
    waits: () => waits,
    commitNext() {
      durable = appends.length ? Math.min(last, appends.find((a) => a > durable) ?? last) : durable;
      for (const w of watchers.splice(0)) if (w.position <= durable) w.cb();
      else watchers.push(w);
    },
    get durablePosition() {
      return durable;
    },
    append(b: readonly Signal[]) {
      last += b.length;
      appends.push(last);
      return last;
    },
    waitDurable(p: number) {
      waits++;
      if (p > durable) durable = p;
    },
    onDurable(position: number, cb: () => void) {
      watchers.push({ position, cb });
    },
  };
}

describe('group commit (journal with onDurable)', () => {
  it('flushes at once when idle, groups what comes during a commit, delivers only what is committed, never blocks', () => {
    const j = fakeNotifyingJournal();
    const s = manualScheduler();
    const delivered: { last: number; durable: number; n: number }[] = [];
    const p = createIngestPipeline({ index, journal: j, scheduler: s, maxBatchDelayMs: 50, deliver: (b, last) => delivered.push({ last, durable: j.durablePosition, n: b.length }) });
    p.push(count('L1-M1', T0, 'a0'));
    p.push(count('L1-M1', T0 + 1, 'a1'));
    // Idle journal: the timer is armed with the short group delay, not the batch delay.
    expect(s.timers.map((t) => t.ms)).toEqual([5]);
    s.runNext();
    expect(j.appends).toEqual([2]);
    expect(delivered).toEqual([]);
    // During the commit, more arrives; the fallback timer is the batch delay.
    for (let i = 2; i < 7; i++) p.push(count('L1-M1', T0 + i, `a${i}`));
    expect(s.timers.map((t) => t.ms)).toEqual([50]);
    expect(j.appends).toEqual([2]);
    // The commit ends: its batch is delivered, and the five that waited go as one transaction
    // after the group delay (the batch-delay timer is replaced).
    j.commitNext();
    expect(delivered).toEqual([{ last: 2, durable: 2, n: 2 }]);
    expect(s.timers.map((t) => t.ms)).toEqual([5]);
    s.runNext();
    expect(j.appends).toEqual([2, 7]);
    j.commitNext();
    expect(delivered.map((d) => d.last)).toEqual([2, 7]);
    for (const d of delivered) expect(d.last).toBeLessThanOrEqual(d.durable);
    expect(j.waits()).toBe(0);
    // whenDurable resolves once the commit that covers the signal is delivered.
    let acked = false;
    p.push(count('L1-M1', T0 + 10, 'a10'));
    p.whenDurable(() => (acked = true));
    while (s.timers.length > 0 && j.appends.length < 3) s.runNext();
    expect(acked).toBe(false);
    j.commitNext();
    expect(acked).toBe(true);
    expect(j.waits()).toBe(0);
  });

  it('with the worker journal: onDurable calls back after the commit, on a later turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-group-commit-'));
    const j = openJournal(join(dir, 'j.sqlite'), { writer: 'worker' });
    try {
      j.waitWriterReady();
      const last = j.append([count('L1-M1', T0, 'w0'), count('L1-M1', T0 + 1, 'w1')]);
      let called = false;
      const done = new Promise<number>((resolve) =>
        j.onDurable(last, () => {
          called = true;
          resolve(j.durablePosition);
        }),
      );
      expect(called).toBe(false); // never synchronously
      expect(await done).toBeGreaterThanOrEqual(last);
    } finally {
      j.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
