/** Renderer logic that needs no browser: the twin store, the floor layout, reconnect backoff, table rows. */
import { describe, expect, it, vi } from 'vitest';
import { TwinMirror } from '../../renderer/src/twin/twin-mirror';
import { layoutPlant } from '../../renderer/src/floor/layout';
import { backoffDelay, defaultBackoff } from '../../renderer/src/transport/connection';
import { toRow } from '../../renderer/src/floor/LineTable';
import type { LineView, TwinView } from '../../shared/twin/view';
import type { Plant } from '../../shared/plant/schema';

const line = (id: string, o: Partial<LineView> = {}): LineView => ({
  id, areaId: 'a', name: id, status: 'running', currentOrderId: null, currentSku: null, lastFamily: null, queue: [], good: 0, scrap: 0, wip: 0, availability: 1, crewOnShift: 2, crewNeeded: 2, holds: [], ...o,
});
const view = (lines: LineView[], position = 10): TwinView => ({ time: 1, position, hash: 'h', lines, machines: [], orders: [], inventory: [], onShift: { shiftId: null, people: [] } });

describe('TwinMirror', () => {
  it('applies deltas immutably and notifies only the slices that changed', () => {
    const s = new TwinMirror();
    s.applyView(view([line('L1'), line('L2')]));
    s.flush();
    const l2 = s.getLine('L2');
    const before = s.getLines();
    let l1Calls = 0;
    let l2Calls = 0;
    s.subscribeLine('L1', () => l1Calls++);
    s.subscribeLine('L2', () => l2Calls++);
    s.applyDelta({ time: 2, position: 11, lines: [{ id: 'L1', good: 5, status: 'down' }] });
    s.applyDelta({ time: 3, position: 12, lines: [{ id: 'L1', good: 7 }] });
    s.flush();
    expect(l1Calls).toBe(1); // two deltas, one notification
    expect(l2Calls).toBe(0);
    expect(s.getLine('L1')).toMatchObject({ good: 7, status: 'down' });
    expect(s.getLine('L2')).toBe(l2); // untouched line keeps its identity
    expect(s.getLines()).not.toBe(before);
    expect(s.getMeta()).toMatchObject({ position: 12, time: 3, deltas: 2 });
  });

  it('ignores deltas before the first view and stale ones after it', () => {
    const s = new TwinMirror();
    s.applyDelta({ time: 1, position: 5, lines: [{ id: 'L1', good: 1 }] });
    expect(s.getLine('L1')).toBeUndefined();
    s.applyView(view([line('L1')], 10));
    s.applyDelta({ time: 1, position: 9, lines: [{ id: 'L1', good: 99 }] });
    expect(s.getLine('L1')!.good).toBe(0);
  });
});

describe('layoutPlant', () => {
  const plant = (positioned: boolean) =>
    ({
      areas: [1, 2, 3].map((a) => ({
        id: `A${a}`, name: `Area ${a}`,
        lines: [1, 2].map((l) => ({ id: `A${a}L${l}`, name: `L${l}`, machines: [1, 2, 3].map((m) => ({ id: `A${a}L${l}M${m}`, name: `M${m}`, kind: 'other', ...(positioned ? { position: { x: a * 30 + m * 4, y: l * 6 } } : {}) })) })),
      })),
    }) as unknown as Plant;

  it('places every machine, without overlaps, inside its area zone', () => {
    for (const positioned of [false, true]) {
      const L = layoutPlant(plant(positioned), { aspect: 2.5 });
      expect(L.machines).toHaveLength(18);
      expect(L.lines).toHaveLength(6);
      for (const m of L.machines) {
        const area = L.areas.find((a) => m.id.startsWith(a.id))!.zone;
        expect(m.x).toBeGreaterThan(area.x);
        expect(m.x).toBeLessThan(area.x + area.w);
        expect(m.y).toBeGreaterThan(area.y);
        expect(m.y).toBeLessThan(area.y + area.h);
        for (const o of L.machines) if (o !== m) expect(Math.abs(o.x - m.x) >= 96 || Math.abs(o.y - m.y) >= 46).toBe(true);
      }
    }
  });

  it('packs automatic areas to suit the view: wide views get one row', () => {
    const wide = layoutPlant(plant(false), { aspect: 3 });
    const tall = layoutPlant(plant(false), { aspect: 0.6 });
    expect(new Set(wide.areas.map((a) => a.zone.y)).size).toBe(1);
    expect(new Set(tall.areas.map((a) => a.zone.y)).size).toBe(3);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to a cap, with bounded jitter', () => {
    const o = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(1, o, () => 0.5)).toBe(250);
    expect(backoffDelay(3, o, () => 0.5)).toBe(1000);
    expect(backoffDelay(30, o, () => 0.5)).toBe(10_000);
    expect(backoffDelay(3, o, () => 0)).toBe(800);
    expect(backoffDelay(3, o, () => 1)).toBe(1200);
    // The default never waits 5 s or more: a console is back within 5 s of its core.
    for (let a = 1; a < 40; a++) expect(backoffDelay(a, defaultBackoff, () => 1)).toBeLessThan(5000);
  });
});

describe('line table rows', () => {
  it('takes next order and projected end whether or not the queue starts with the current order', () => {
    const q = (orderId: string, projectedStart: number, projectedEnd: number) => ({ orderId, sku: 's', qty: 1, projectedStart, projectedEnd, changeoverMinutes: 10, late: false });
    const withCurrent = toRow(line('L1', { currentOrderId: 'A', queue: [q('A', 0, 1000), q('B', 601_000, 2_000_000)] }), (id) => id);
    expect(withCurrent).toMatchObject({ next: 'B', end: 1000 });
    const withoutCurrent = toRow(line('L1', { currentOrderId: 'A', queue: [q('B', 601_000, 2_000_000)] }), (id) => id);
    expect(withoutCurrent).toMatchObject({ next: 'B', end: 1000 });
    expect(toRow(line('L1'), (id) => id)).toMatchObject({ next: '', end: null, order: '' });
  });
});

describe('TwinMirror notifications in a page', () => {
  it('tells the React views in an animation frame, at most every NOTIFY_MS, however fast deltas come', async () => {
    const { NOTIFY_MS } = await import('../../renderer/src/twin/twin-mirror');
    vi.useFakeTimers();
    vi.stubGlobal('document', { visibilityState: 'visible' });
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => setTimeout(cb, 16));
    try {
      const s = new TwinMirror();
      s.applyView(view([line('L1')]));
      vi.advanceTimersByTime(NOTIFY_MS + 100);
      const told: number[] = [];
      s.subscribeLines(() => told.push(Date.now()));
      const t0 = Date.now();
      // A delta every 50 ms for 1 s.
      for (let i = 0; i < 20; i++) {
        s.applyDelta({ time: 2 + i, position: 11 + i, lines: [{ id: 'L1', good: i }] });
        vi.advanceTimersByTime(50);
      }
      vi.advanceTimersByTime(NOTIFY_MS + 20);
      expect(told.length).toBeGreaterThanOrEqual(4);
      expect(told.length).toBeLessThanOrEqual(Math.ceil(1000 / NOTIFY_MS) + 1);
      for (let i = 1; i < told.length; i++) expect(told[i]! - told[i - 1]!).toBeGreaterThanOrEqual(NOTIFY_MS);
      // The first change after a quiet spell is told in the next frame, and the last one is not lost.
      expect(told[0]! - t0).toBeLessThanOrEqual(50);
      expect(s.getLine('L1')?.good).toBe(19);
    } finally {
      vi.unstubAllGlobals();
      vi.useRealTimers();
    }
  });
});
