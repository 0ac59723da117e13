import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../shared/clock/clock';
import { createIngestPipeline, type DeadLetterEntry } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { Signal } from '../../../shared/signals/schema';
import { openJournal, type Journal } from '../../../main/core/persistence/journal';
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

describe('journal writer thread start', () => {
  it('waitWriterReady returns once the thread has opened its connection, and then appends commit', () => {
    const j = openJournal(join(dir, 'ready.sqlite'), { writer: 'worker' });
    try {
      j.waitWriterReady();
      j.append([count('L1-M1', T0, 'r1')]);
      j.sync();
      expect(j.durablePosition).toBe(1);
    } finally {
      j.close();
    }
    const inline = openJournal(join(dir, 'ready-inline.sqlite'));
    inline.waitWriterReady(); // no thread: nothing to wait for
    inline.close();
  });
});

describe('journal writer thread payload bytes', () => {
  it('stores every payload as TEXT, byte for byte, across chunk boundaries, with ASCII and multi-byte UTF-8 rows mixed', () => {
    const path = join(dir, 'bytes.sqlite');
    const j = openJournal(path, { writer: 'worker' });
    const texts: string[] = [];
    try {
      // 600 rows: two full 256-row chunks and a tail; raw texts (verbatim) and objects (stringified).
      const p = createIngestPipeline({ index, journal: j, deliver: () => undefined, batchSize: 600 });
      for (let i = 0; i < 600; i++) {
        const s = { ...state('L1-M1', T0 + i, `s${i}`, i % 2 ? 'down' : 'running'), reason: i % 80 < 20 ? `Störung ✓ 🚧 ${'é'.repeat(i % 7)} #${i}` : `ok #${i}` } as Signal;
        const text = JSON.stringify(s);
        texts.push(text);
        expect(p.push(i % 3 === 0 ? s : text)).toBe('accepted');
      }
      p.flush();
      expect(j.durablePosition).toBe(600);
    } finally {
      j.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT typeof(payload) AS t, payload, json_extract(payload, \'$.id\') AS id FROM signals ORDER BY position').all() as { t: string; payload: string; id: string }[];
      expect(rows.map((r) => r.t)).toEqual(texts.map(() => 'text'));
      expect(rows.map((r) => r.payload)).toEqual(texts);
      expect(rows.map((r) => r.id)).toEqual(texts.map((_, i) => `s${i}`));
      expect(db.pragma('page_size', { simple: true })).toBe(16384);
    } finally {
      db.close();
    }
  });
});

describe('asynchronous journal (commits after append returns)', () => {
  /** A journal whose commits the test releases by hand; waitDurable commits up to the asked position. */
  function fakeAsyncJournal() {
    let last = 0;
    let durable = 0;
    const waits: number[] = [];
    return {
      waits,
      commitAll: () => (durable = last),
      get durablePosition() {
        return durable;
      },
      get lastPosition() {
        return last;
      },
      append(b: readonly Signal[]) {
        last += b.length;
        return last;
      },
      waitDurable(p: number) {
        waits.push(p);
        if (p > durable) durable = p;
      },
    };
  }

  it('delivers a batch only once committed, in order, and everything on flush', () => {
    const j = fakeAsyncJournal();
    const seen: { last: number; durable: number }[] = [];
    const delivered: Signal[] = [];
    const p = createIngestPipeline({
      index,
      journal: j,
      batchSize: 10,
      maxUncommittedBatches: 2,
      deliver: (b, last) => {
        seen.push({ last, durable: j.durablePosition });
        delivered.push(...b);
      },
    });
    for (let i = 0; i < 25; i++) p.push(count('L1-M1', T0 + i, `a${i}`));
    // Two batches appended, none committed: nothing delivered yet.
    expect(j.lastPosition).toBe(20);
    expect(delivered).toHaveLength(0);
    expect(p.stats().awaitingCommit).toBe(20);
    j.commitAll();
    for (let i = 25; i < 30; i++) p.push(count('L1-M1', T0 + i, `a${i}`)); // the third batch boundary delivers the committed two
    expect(seen.map((x) => x.last)).toEqual([10, 20]);
    for (let i = 30; i < 55; i++) p.push(count('L1-M1', T0 + i, `a${i}`));
    // Backpressure: with more than 2 batches awaiting, the pipeline waited for the oldest.
    expect(j.waits.length).toBeGreaterThan(0);
    p.flush();
    expect(delivered.map((s) => s.id)).toEqual(Array.from({ length: 55 }, (_, i) => `a${i}`));
    expect(seen.map((x) => x.last)).toEqual([10, 20, 30, 40, 50, 55]);
    for (const x of seen) expect(x.last).toBeLessThanOrEqual(x.durable);
    expect(p.stats().awaitingCommit).toBe(0);
  });

  it('with the worker journal: deliveries follow commits, the journal reads back what was delivered', () => {
    const j = openJournal(join(dir, 'worker-async.sqlite'), { writer: 'worker' });
    try {
      const delivered: Signal[] = [];
      const lasts: number[] = [];
      const p = createIngestPipeline({
        index,
        journal: j,
        batchSize: 100,
        deliver: (b, last) => {
          expect(last).toBeLessThanOrEqual(j.durablePosition);
          delivered.push(...b);
          lasts.push(last);
        },
      });
      const raws: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const s = count('L1-M1', T0 + i, `w${i}`);
        // Non-ASCII and a pretty-printed one (newlines inside the JSON text) must survive verbatim or equivalently.
        const text = i === 7 ? JSON.stringify({ ...s, orderId: 'Ä-ø-日本' }, null, 2) : JSON.stringify(i === 9 ? { ...s, orderId: 'emoji-😀' } : s);
        raws.push(text);
        p.push(text);
      }
      p.flush();
      expect(lasts.at(-1)).toBe(2000);
      expect(j.durablePosition).toBe(2000);
      const rows = [...j.readFrom(1)];
      expect(rows.map((r) => r.signal)).toEqual(delivered);
      expect(rows.map((r) => r.signal)).toEqual(raws.map((t) => JSON.parse(t)));
      expect(rows[9]).toMatchObject({ source: delivered[9]!.source, id: 'w9', type: 'production.count' });
      expect([...j.recentKeys(T0 + 1995)].map((k) => k.id)).toEqual(['w1995', 'w1996', 'w1997', 'w1998', 'w1999']);
    } finally {
      j.close();
    }
  });
});

describe('journal format', () => {
  it('migrates a format 1 journal (seven columns) on a writable open and keeps positions, rows and keys', () => {
    const path = join(dir, 'v1.sqlite');
    const db = new Database(path);
    db.exec(`CREATE TABLE signals (position INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, event_time INTEGER NOT NULL, max_time INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE dead_letters (n INTEGER PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, origin TEXT, reason TEXT NOT NULL, path TEXT, code TEXT, raw TEXT NOT NULL);
      CREATE TABLE snapshots (position INTEGER NOT NULL, time INTEGER NOT NULL, version TEXT NOT NULL, hash TEXT NOT NULL, data TEXT NOT NULL, saved_at INTEGER);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('format', '1');`);
    const ins = db.prepare('INSERT INTO signals VALUES (?, ?, ?, ?, ?, ?, ?)');
    const old = Array.from({ length: 50 }, (_, i) => count('L1-M1', T0 + i * 10, `v${i}`));
    old.forEach((s, i) => ins.run(i + 1, s.source, s.id, s.eventTime, s.eventTime, s.type, JSON.stringify(s)));
    db.close();

    // Read-only opens read format 1 as it is.
    const ro = openJournal(path, { readonly: true });
    expect([...ro.readFrom(1)].map((r) => r.signal)).toEqual(old);
    ro.close();

    const j = openJournal(path);
    try {
      expect(j.lastPosition).toBe(50);
      expect([...j.readFrom(1)].map((r) => r.signal)).toEqual(old);
      expect([...j.recentKeys(T0 + 480)].map((k) => `${k.source}/${k.id}`)).toEqual([`${old[48]!.source}/v48`, `${old[49]!.source}/v49`]);
      expect(j.append([count('L1-M1', T0 + 1000, 'new')])).toBe(51);
      const check = new Database(path, { readonly: true });
      expect(check.prepare(`SELECT value FROM meta WHERE key = 'format'`).pluck().get()).toBe('2');
      expect(check.prepare('SELECT source, id, type FROM signals_view WHERE position = 51').get()).toEqual({ source: old[0]!.source, id: 'new', type: 'production.count' });
      check.close();
    } finally {
      j.close();
    }
  });
});


describe('a future-dated signal against the receiving clock', () => {
  it('is dead-lettered whatever receive time it claims, and on-time signals after it are still accepted', () => {
    let now = T0 + 60_000;
    const { p, delivered, dead } = make({ now: () => now });
    // Exactly the shape of the attack: event and receive time in 2099, no receive time from the edge.
    const bad = { ...state('L1-M1', 4102444000000, 'future'), receiveTime: 4102444000000 };
    expect(p.push(JSON.stringify(bad), { origin: 'protocol signals.ingest' })).toMatchObject({ ok: false, code: 'time', path: 'eventTime' });
    expect(dead.at(-1)!.reason).toMatch(/after the receiving clock .* check the sender's clock/);
    // Within the skew of the clock: accepted; the horizon stays at the plant's present.
    expect(p.push(state('L1-M1', T0 + 61_000, 'on-time'))).toBe('accepted');
    now += 1_000;
    expect(p.push(count('L1-M1', T0 + 61_500, 'on-time-2'))).toBe('accepted');
    p.flush();
    expect(delivered.map((s) => s.id)).toEqual(['on-time', 'on-time-2']);
    expect(p.stats().watermark).toBeLessThan(T0 + 10 * 60_000);
    expect(journal.maxEventTime).toBeLessThan(T0 + 10 * 60_000);
  });

  it('re-reads the clock before refusing, so a signal the clock has caught up with is accepted', () => {
    let now = T0;
    const { p } = make({ now: () => now });
    expect(p.push(state('L1-M1', T0 + 6 * 60_000, 'early'))).toMatchObject({ ok: false, code: 'time' });
    now = T0 + 2 * 60_000;
    expect(p.push(state('L1-M1', T0 + 6 * 60_000, 'early-again'))).toBe('accepted');
  });
});
