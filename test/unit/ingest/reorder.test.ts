import { describe, expect, it } from 'vitest';
import { createReorder, lateRule, type LateInfo } from '../../../shared/ingest/reorder';
import type { Signal } from '../../../shared/signals/schema';
import { signalTypes } from '../../../shared/signals/schema';
import { count, state, T0 } from './helpers';

function setup(latenessMs: number) {
  const out: Signal[] = [];
  const late: { s: Signal; info: LateInfo }[] = [];
  const r = createReorder<undefined>({ latenessMs, emit: (s) => out.push(s), onLate: (s, _t, info) => late.push({ s, info }) });
  return { r, out, late };
}

describe('reorder', () => {
  it('has a late rule for every signal type', () => {
    expect(Object.keys(lateRule).sort()).toEqual([...signalTypes].sort());
  });

  it('sorts out-of-order signals within the window by (eventTime, source, seq)', () => {
    const { r, out, late } = setup(1000);
    const times = [100, 50, 300, 200, 250, 900, 1200, 800, 2500, 3000];
    times.forEach((t, i) => r.push(count('L1-M1', T0 + t, `c${i}`), undefined));
    r.flush();
    expect(out.map((s) => s.eventTime - T0)).toEqual([...times].sort((a, b) => a - b));
    expect(late).toEqual([]);
    // Ties broken by source then seq.
    const t2 = setup(1000);
    t2.r.push({ ...count('L1-M1', T0, 'x'), source: 'b', seq: 1 }, undefined);
    t2.r.push({ ...count('L1-M1', T0, 'y'), source: 'a', seq: 2 }, undefined);
    t2.r.push({ ...count('L1-M1', T0, 'z'), source: 'a', seq: 1 }, undefined);
    t2.r.flush();
    expect(t2.out.map((s) => s.id)).toEqual(['z', 'y', 'x']);
  });

  it('holds signals until the window passes, then releases them', () => {
    const { r, out } = setup(1000);
    r.push(count('L1-M1', T0, 'a'), undefined);
    r.push(count('L1-M1', T0 + 500, 'b'), undefined);
    expect(out).toHaveLength(0);
    expect(r.size).toBe(2);
    r.push(count('L1-M1', T0 + 1600, 'c'), undefined);
    expect(out.map((s) => s.id)).toEqual(['a', 'b']);
    expect(r.watermark).toBe(T0 + 500);
    r.releaseUpTo(T0 + 1600);
    expect(out.map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });

  it('applies late commutative signals and dead-letters late state-setting ones with the reason', () => {
    const { r, out, late } = setup(1000);
    r.push(state('L1-M1', T0 + 5000, 's1'), undefined);
    r.push(count('L1-M1', T0 + 7000, 'c1'), undefined); // releases s1: watermark T0+5000
    expect(r.watermark).toBe(T0 + 5000);
    expect(r.push(count('L1-M1', T0 + 1000, 'c-late'), undefined)).toBe('late-applied');
    expect(out.map((s) => s.id)).toEqual(['s1', 'c-late']);
    expect(r.push(state('L1-M1', T0 + 1000, 's-late', 'down'), undefined)).toBe('late-rejected');
    expect(out.map((s) => s.id)).not.toContain('s-late');
    expect(late).toHaveLength(1);
    expect(late[0]!.info.byMs).toBe(4000);
    expect(late[0]!.info.reason).toBe(`late: event time ${new Date(T0 + 1000).toISOString()} is before watermark ${new Date(T0 + 5000).toISOString()} by 4000 ms`);
    expect(r.stats()).toMatchObject({ late: 1, lateRejected: 1 });
  });

  it('latenessMs = 0 passes through without buffering', () => {
    const { r, out, late } = setup(0);
    r.push(count('L1-M1', T0 + 10, 'a'), undefined);
    expect(out).toHaveLength(1);
    r.push(count('L1-M1', T0 + 10, 'b'), undefined); // same time: not late
    r.push(state('L1-M1', T0 + 20, 'c'), undefined);
    expect(out.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(r.size).toBe(0);
    r.push(state('L1-M1', T0 + 5, 'd'), undefined);
    expect(late.map((l) => l.s.id)).toEqual(['d']);
  });

  it('resumes from a start watermark', () => {
    const out: Signal[] = [];
    const late: Signal[] = [];
    const r = createReorder<undefined>({ latenessMs: 0, startWatermark: T0 + 1000, emit: (s) => out.push(s), onLate: (s) => late.push(s) });
    r.push(state('L1-M1', T0, 'old'), undefined);
    expect(late).toHaveLength(1);
  });

  /**
   * Pushes `n` signals (event time from `timeOf(i)`, 20% sent back by up to 600 ms, random sources
   * and seqs for ties) into a reorder and into a reference model (buffer everything, sort stably,
   * release the prefix the window allows) and compares what each emits and dead-letters.
   */
  function compareWithReference(lateness: number, n: number, timeOf: (i: number) => number, seed0: number) {
    let seed = seed0;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const key = (x: { s: Signal; n: number }, y: { s: Signal; n: number }) =>
      x.s.eventTime - y.s.eventTime || (x.s.source < y.s.source ? -1 : x.s.source > y.s.source ? 1 : 0) || x.s.seq - y.s.seq || x.n - y.n;
    const got: string[] = [];
    const r = createReorder<number>({ latenessMs: lateness, emit: (s, tag) => got.push(`emit ${s.id} ${tag}`), onLate: (s, tag) => got.push(`late ${s.id} ${tag}`) });
    const want: string[] = [];
    const buf: { s: Signal; n: number }[] = [];
    let wm = -Infinity;
    let max = -Infinity;
    let most = 0;
    for (let i = 0; i < n; i++) {
      const back = rnd() < 0.2 ? Math.floor(rnd() * 600) : 0;
      const t = timeOf(i) - back;
      const base = rnd() < 0.3 ? state('L1-M1', t, `r${i}`) : count('L1-M1', t, `r${i}`);
      const s = { ...base, source: rnd() < 0.5 ? 'a' : 'b', seq: Math.floor(rnd() * 4) } as Signal;
      r.push(s, i);
      most = Math.max(most, r.size);
      if (t < wm) {
        want.push(`${lateRule[s.type] === 'apply' ? 'emit' : 'late'} ${s.id} ${i}`);
        continue;
      }
      if (t > max) max = t;
      buf.push({ s, n: i });
      buf.sort(key);
      while (buf.length > 0 && buf[0]!.s.eventTime <= max - lateness) {
        const e = buf.shift()!;
        wm = e.s.eventTime;
        want.push(`emit ${e.s.id} ${e.n}`);
      }
      expect(r.size).toBe(buf.length);
    }
    r.flush();
    for (const e of buf) want.push(`emit ${e.s.id} ${e.n}`);
    expect(got).toEqual(want);
    expect(r.size).toBe(0);
    return most;
  }

  it('emits exactly what a reference model (stable sort by eventTime, source, seq) emits, for random disorder, ties and late signals', () => {
    for (const lateness of [0, 50, 400, 5000]) compareWithReference(lateness, 3000, (i) => T0 + i * 3, 7);
  });

  it('keeps order while its queue wraps around and grows mid-stream (a burst after a steady stream)', () => {
    // Steady: 10 ms apart (about 100 waiting, the front moving round the ring), then a burst 0.25 ms
    // apart (thousands waiting: the ring doubles several times while its front is not at 0), then steady.
    const timeOf = (i: number) => T0 + (i < 1500 ? i * 10 : i < 4500 ? 15_000 + (i - 1500) / 4 : 15_750 + (i - 4500) * 10);
    for (const seed of [3, 11]) expect(compareWithReference(1000, 6000, timeOf, seed)).toBeGreaterThan(1024);
  });
});
