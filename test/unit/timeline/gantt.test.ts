import { describe, expect, it } from 'vitest';
import { barAt, buildModel, drawGantt, firstVisible } from '../../../renderer/src/timeline/gantt';
import type { Bar, TimelineLine } from '../../../shared/timeline/bars';

const lines: TimelineLine[] = [
  { id: 'L1', name: 'Line 1', areaId: 'A', areaName: 'A' },
  { id: 'L2', name: 'Line 2', areaId: 'A', areaName: 'A' },
];
const run = (lineId: string, start: number, end: number, orderId = `${lineId}-${start}`): Bar => ({ lineId, kind: 'run', start, end, label: orderId, orderId, customer: start % 2 ? 'odd' : 'even' });

/** A 2D context that only counts what the Gantt asks of it. */
function fakeCtx() {
  const calls = { rect: 0, fill: 0, fillRect: 0, fillText: 0 };
  const ctx = new Proxy({} as Record<string, unknown>, {
    get: (_t, k: string) => (k in calls ? () => (calls[k as keyof typeof calls]++, undefined) : () => undefined),
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
