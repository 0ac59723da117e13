import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../shared/clock/clock';
import { createIngestPipeline, type DeadLetterEntry } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { Signal } from '../../../shared/signals/schema';
import { openJournal, type Journal } from '../../../main/core/journal';
import { count, examples, plant, state, T0 } from './helpers';

const index = createPlantIndex(plant);
let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-ingest-'));
  journal = openJournal(join(dir, 'journal.sqlite'));
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function make(extra: Partial<Parameters<typeof createIngestPipeline>[0]> = {}) {
  const delivered: Signal[] = [];
  const positions: number[] = [];
  const dead: DeadLetterEntry[] = [];
  const p = createIngestPipeline({
    index,
    journal,
    deliver: (b, last) => {
      delivered.push(...b);
      positions.push(last);
    },
    onDeadLetter: (d) => dead.push(d),
    latenessMs: 1000,
    ...extra,
  });
  return { p, delivered, positions, dead };
}

describe('ingest pipeline with a SQLite journal', () => {
  it('journals and delivers accepted signals in order, dead-letters the rest with raw payload and reason', () => {
    const { p, delivered, positions, dead } = make();
    const ex = examples(T0 + 10_000);
    for (const s of ex) expect(p.push(JSON.stringify(s), { origin: 'test' })).toBe('accepted');
    expect(p.push(JSON.stringify(ex[3]))).toBe('duplicate');
    const bad = p.push('{"type":"machine.state","machine":"L1-M1"', { origin: 'mqtt/plant/L1' });
    expect(bad).toMatchObject({ ok: false, code: 'json' });
    const unknown = p.push({ ...state('X-1', T0 + 10_000, 'u1') }, { origin: 'rest' });
    expect(unknown).toMatchObject({ ok: false, code: 'reference', path: 'machine' });
    // Move time on, then send a state change from before the watermark.
    p.push(count('L1-M1', T0 + 20_000, 'c-late-trigger'));
    expect(p.push(state('L1-M1', T0 + 5_000, 's-late'))).toMatchObject({ ok: false, code: 'late' });
    expect(p.push(count('L1-M1', T0 + 5_000, 'c-late'))).toBe('accepted'); // commutative: applied late
    p.flush();

    const st = p.stats();
    expect(st).toMatchObject({ pushed: ex.length + 6, accepted: ex.length + 2, duplicates: 1, deadLettered: 3, late: 1 });
    expect(st.accepted + st.duplicates + st.deadLettered).toBe(st.pushed);
    expect(delivered).toHaveLength(st.accepted);
    expect(journal.lastPosition).toBe(st.accepted);
    expect(positions.at(-1)).toBe(journal.lastPosition);
    const rows = [...journal.readFrom(1)];
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.map((r) => r.signal)).toEqual(delivered);
    expect(rows[0]).toMatchObject({ source: delivered[0]!.source, id: delivered[0]!.id, eventTime: delivered[0]!.eventTime, type: delivered[0]!.type });

    expect(dead.map((d) => d.code)).toEqual(['json', 'reference', 'late']);
    expect(journal.countDeadLetters()).toBe(3);
    const listed = journal.listDeadLetters(10);
    expect(listed.map((d) => d.n)).toEqual([3, 2, 1]);
    expect(listed[2]).toMatchObject({ origin: 'mqtt/plant/L1', raw: '{"type":"machine.state","machine":"L1-M1"', source: 'unknown' });
    expect(listed[1]).toMatchObject({ origin: 'rest', source: 'mes', path: 'machine' });
    expect(listed[1]!.reason).toMatch(/unknown machine "X-1"/);
    expect(listed[0]!.reason).toMatch(/^machine.state: late: event time .* is before watermark .* by \d+ ms/);
    expect(journal.listDeadLetters(1, 2)[0]!.n).toBe(1);
  });

  it('clips huge raw payloads in dead letters', () => {
    const { p, dead } = make();
    p.push({ ...count('L1-M1', T0, 'h'), orderId: 'x'.repeat(20_000) });
    p.flush();
    expect(dead[0]!.raw.length).toBeLessThan(4200);
    expect(dead[0]!.raw).toMatch(/more characters\]$/);
  });

  it('reopening the journal gives the same positions and rows; resume recognises re-sent signals', () => {
    const { p } = make();
    for (let i = 0; i < 5000; i++) p.push(JSON.stringify(count(i % 2 ? 'L1-M1' : 'L2-M2', T0 + i * 10, `c${i}`)));
    p.flush();
    const before = [...journal.readFrom(1)];
    const path = journal.path;
    journal.close();
    journal = openJournal(path);
    expect(journal.lastPosition).toBe(5000);
    expect([...journal.readFrom(1)]).toEqual(before);
    expect([...journal.readFrom(4990, { limit: 3 })].map((r) => r.position)).toEqual([4990, 4991, 4992]);
    expect(journal.positionAtOrBefore(T0 + 99 * 10)).toBe(100);
    expect(journal.positionAtOrBefore(T0 - 1)).toBe(0);
    expect([...journal.readFrom(1, { untilTime: T0 + 99 * 10 })]).toHaveLength(100);

    const horizonMs = 3_600_000;
    const r = make({ horizonMs, resume: { keys: journal.recentKeys(journal.maxEventTime - horizonMs), watermark: journal.maxEventTime } });
    expect(r.p.push(JSON.stringify(count('L1-M1', T0 + 4999 * 10, 'c4999')))).toBe('duplicate');
    expect(r.p.push(state('L1-M1', T0, 'old-state'))).toMatchObject({ code: 'late' });
    expect(r.p.push(count('L1-M1', T0 + 60_000, 'new'))).toBe('accepted');
    r.p.flush();
    expect(journal.lastPosition).toBe(5001);
  });

  it('stores and finds snapshots by position and time', () => {
    journal.saveSnapshot({ position: 10, time: T0 + 100, version: 1, hash: 'h10', data: '{"a":1}' });
    journal.saveSnapshot({ position: 20, time: T0 + 200, version: 1, hash: 'h20', data: '{"a":2}' });
    expect(journal.latestSnapshot()?.hash).toBe('h20');
    expect(journal.latestSnapshot({ atOrBeforeTime: T0 + 150 })?.hash).toBe('h10');
    expect(journal.latestSnapshot({ beforePosition: 20 })?.hash).toBe('h10');
    expect(journal.latestSnapshot({ atOrBeforePosition: 5 })).toBeUndefined();
  });

  it('hands on partial batches and releases the reorder window on an injected timer', () => {
    const clock = new SimulatedClock(T0);
    const { p, delivered } = make({ scheduler: clock, maxBatchDelayMs: 50, idleFlushMs: 200, latenessMs: 1000 });
    p.push(count('L1-M1', T0, 'a'));
    p.push(count('L1-M1', T0 + 2000, 'b')); // releases a into the batch
    expect(delivered).toHaveLength(0);
    clock.advanceTo(T0 + 50);
    expect(delivered.map((s) => s.id)).toEqual(['a']);
    clock.advanceTo(T0 + 1000); // idle: the window is released too
    expect(delivered.map((s) => s.id)).toEqual(['a', 'b']);
    expect(clock.pending).toBe(0);
    p.close();
  });

  it('flushes batches by size', () => {
    const { p, positions } = make({ batchSize: 100, latenessMs: 0 });
    for (let i = 0; i < 250; i++) p.push(count('L1-M1', T0 + i, `c${i}`));
    expect(positions).toEqual([100, 200]);
    p.flush();
    expect(positions).toEqual([100, 200, 250]);
  });

  it('pushMany reports per-index results for signals.ingest', () => {
    const { p } = make();
    const r = p.pushMany([count('L1-M1', T0, 'a'), count('L1-M1', T0, 'a'), 'nope', count('ZZ', T0, 'z')]);
    expect(r.accepted).toBe(1);
    expect(r.duplicates).toBe(1);
    expect(r.rejected.map((x) => x.index)).toEqual([2, 3]);
    expect(r.rejected[1]).toMatchObject({ path: 'machine' });
  });

  it('journals in FULL synchronous mode too', () => {
    const j = openJournal(join(dir, 'full.sqlite'), { synchronous: 'FULL' });
    expect(j.append([count('L1-M1', T0, 'a')])).toBe(1);
    j.close();
  });
});

describe('journal writer thread', () => {
  it('commits in order on the worker; positions and dead-letter numbers match the inline writer', () => {
    const j = openJournal(join(dir, 'worker.sqlite'), { writer: 'worker' });
    try {
      const delivered: Signal[] = [];
      const p = createIngestPipeline({ index, journal: j, deliver: (b) => delivered.push(...b), batchSize: 64 });
      for (let i = 0; i < 1000; i++) p.push(JSON.stringify(count('L1-M1', T0 + i, `c${i}`)));
      p.push('not json');
      p.flush();
      j.saveSnapshot({ position: 1000, time: T0 + 999, version: 1, hash: 'h', data: '{}' });
      expect(j.lastPosition).toBe(1000);
      expect([...j.readFrom(1)].map((r) => r.signal)).toEqual(delivered);
      expect(j.countDeadLetters()).toBe(1);
      expect(j.addDeadLetter({ at: T0, source: 's', reason: 'r', raw: 'x' }).n).toBe(2);
      expect(j.listDeadLetters(5).map((d) => d.n)).toEqual([2, 1]);
      expect(j.latestSnapshot()?.position).toBe(1000);
    } finally {
      j.close();
    }
  });
});
