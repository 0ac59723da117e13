import { describe, expect, it } from 'vitest';
import { barAt, buildModel, drawGantt, firstVisible, overviewLevel } from '../../../renderer/src/timeline/gantt';
import type { Bar, TimelineLine } from '../../../shared/timeline/bars';

const lines: TimelineLine[] = [
  { id: 'L1', name: 'Line 1', areaId: 'A', areaName: 'A' },
  { id: 'L2', name: 'Line 2', areaId: 'A', areaName: 'A' },
];
const run = (lineId: string, start: number, end: number, orderId = `${lineId}-${start}`): Bar => ({ lineId, kind: 'run', start, end, label: orderId, orderId, customer: start % 2 ? 'odd' : 'even' });

/** A 2D context that only counts what the Gantt asks of it (text 6 px a character wide). */
function fakeCtx() {
  const calls = { rect: 0, fill: 0, fillRect: 0, fillText: 0 };
  const ctx = new Proxy({} as Record<string, unknown>, {
    get: (_t, k: string) =>
      k === 'measureText' ? (text: string) => ({ width: 6 * text.length }) : k in calls ? () => (calls[k as keyof typeof calls]++, undefined) : () => undefined,
    set: () => true,
  });
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
}

describe('gantt model and level of detail', () => {
  const bars = [...Array.from({ length: 10_000 }, (_, i) => run('L1', i * 1000, i * 1000 + 1000)), run('L2', 0, 5_000_000), run('L9', 0, 1)];
  const model = buildModel(lines, bars);

  it('indexes bars per line and lane, ignoring unknown lines', () => {
    expect(model.bars).toBe(10_001);
    expect(model.rows[0]!.lanes.actual.bars).toHaveLength(10_000);
    expect(model.rows[1]!.lanes.actual.bars).toHaveLength(1);
  });

  it('finds the first visible bar by binary search on the running max end', () => {
    const lane = model.rows[0]!.lanes.actual;
    expect(firstVisible(lane, 0)).toBe(0);
    expect(firstVisible(lane, 5_500_000)).toBe(5499);
    expect(firstVisible(lane, 1e12)).toBe(10_000);
    // A long bar early keeps later short ones reachable.
    const l2 = buildModel(lines, [run('L1', 0, 100), run('L1', 10, 1000), run('L1', 20, 30)]).rows[0]!.lanes.actual;
    expect(firstVisible(l2, 500)).toBe(1);
  });

  it('merges sub-pixel bars: 10k bars across 100 px cost a few rectangles, not 10k', () => {
    const { ctx } = fakeCtx();
    const stats = drawGantt(ctx, model, { width: 100, height: 60, t0: 0, t1: 10_000_000, rowHeight: 30, scrollY: 0, now: 0 });
    expect(stats.visibleBars).toBe(10_001);
    expect(stats.rects).toBeLessThan(5);
  });

  it('draws only the visible range, and wide bars one by one with labels', () => {
    const { ctx, calls } = fakeCtx();
    const stats = drawGantt(ctx, model, { width: 1000, height: 60, t0: 100_000, t1: 110_000, rowHeight: 30, scrollY: 0, now: 0 });
    expect(stats.visibleBars).toBe(13); // bars 99..110 on L1 (touching the edges included) + the long one on L2
    expect(stats.rects).toBe(12); // bar 99 is a 2 px sliver at the left edge: merged into bar 100
    expect(calls.fillText).toBeGreaterThan(5);
  });

  it('filters (customer) and finds the bar under the pointer', () => {
    const odd = buildModel(lines, bars, (b) => b.customer === 'odd');
    expect(odd.bars).toBe(0); // every start is a multiple of 1000 → even
    const v = { width: 1000, height: 60, t0: 0, t1: 10_000, rowHeight: 30, scrollY: 0, now: 0 };
    expect(barAt(model, v, 150, 18)?.orderId).toBe('L1-1000');
    expect(barAt(model, v, 150, 45)?.lineId).toBe('L2');
    expect(barAt(model, v, 150, 200)).toBeNull();
  });
});

describe('gantt binned overview (zoomed out far)', () => {
  const HOUR = 3_600_000;
  // A year of one line: a changeover, a run and (every third cycle) a downtime, interleaved kinds.
  const yearBars: Bar[] = [];
  for (let t = 0, i = 0; t < 365 * 24 * HOUR; i++) {
    yearBars.push({ lineId: 'L1', kind: 'changeover', start: t, end: t + HOUR / 2, label: 'Changeover' });
    yearBars.push(run('L1', t + HOUR / 2, t + 5 * HOUR));
    if (i % 3 === 0) yearBars.push({ lineId: 'L1', kind: 'down', start: t + HOUR, end: t + 1.2 * HOUR, label: 'Down', reason: 'jam' });
    t += 5 * HOUR;
  }
  // One long run (three days) among the short ones: wide on screen at a month's zoom.
  yearBars.push(run('L1', 100 * 24 * HOUR, 103 * 24 * HOUR, 'LONG-1'));
  const model = buildModel(lines, yearBars);
  const year = { width: 2000, height: 60, t0: 0, t1: 365 * 24 * HOUR, rowHeight: 30, scrollY: 0, now: 0 };

  it('builds levels that shrink, keep every bar counted, and end (interleaved kinds included)', () => {
    const state = model.rows[0]!.lanes.state;
    expect(state.levels.length).toBeGreaterThan(1);
    for (let i = 1; i < state.levels.length; i++) expect(state.levels[i]!.starts.length).toBeLessThan(state.levels[i - 1]!.starts.length);
    for (const l of state.levels) expect(l.counts.reduce((a, b) => a + b, 0)).toBe(state.bars.length);
    expect(overviewLevel(state, 1000)).toBeNull(); // finer than any bin: the bars themselves
    expect(overviewLevel(state, 6 * HOUR)!.binMs).toBeLessThanOrEqual(6 * HOUR);
  });

  it('draws a year from the overview: every bar counted, a rectangle per run of columns, not per bar', () => {
    const { ctx, calls } = fakeCtx();
    const stats = drawGantt(ctx, model, year);
    expect(stats.visibleBars).toBe(yearBars.length);
    expect(stats.rects).toBeLessThan(yearBars.length / 4);
    expect(calls.fillRect).toBeGreaterThan(0);
    // The bars path (forced by a search highlight that matches nothing) draws the same year with more rectangles.
    const bars = drawGantt(fakeCtx().ctx, model, { ...year, highlight: 'no-such-order' });
    expect(bars.visibleBars).toBe(yearBars.length);
    expect(stats.rects).toBeLessThanOrEqual(bars.rects);
  });

  it('keeps a wide single bar as a bar, with its label', () => {
    const { ctx, calls } = fakeCtx();
    const v = { ...year, t0: 90 * 24 * HOUR, t1: 120 * 24 * HOUR, width: 1000 };
    expect(overviewLevel(model.rows[0]!.lanes.actual, (v.t1 - v.t0) / v.width)).not.toBeNull();
    drawGantt(ctx, model, v);
    expect(calls.fillText).toBe(1);
  });
});
