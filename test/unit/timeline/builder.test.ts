import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../../shared/timeline/builder';
import { planBars, planFromView } from '../../../shared/timeline/plan';
import { iso22400 } from '../../../shared/kpi/iso22400';
import { plantSchema, type Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import type { TwinView } from '../../../shared/twin/view';
import { smallPlantInput } from '../twin/plant-fixture';

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 10, 26, 6, 0);
const plant: Plant = plantSchema.parse({ ...smallPlantInput(), orders: [] });

let n = 0;
const sig = (t: number, type: Signal['type'], body: Record<string, unknown>): Signal => ({ id: `s${++n}`, source: 'test', seq: n, eventTime: t, receiveTime: t, type, ...body }) as Signal;
const machines = ['L1-mix', 'L1-fill', 'L1-pack'];
const all = (t: number, state: string, reason?: string) => machines.map((m) => sig(t, 'machine.state', { machine: m, state, ...(reason ? { reason } : {}) }));

/**
 * A scripted early shift on L1 (P1 at 600/h → PRI 6 s):
 * 06–08 running, 08–09 down (jam on the filler), 09–10 running, 10–11 changeover, 11–14 running.
 * Order O1 runs 06:00–13:00 (AOET 7 h). Good 3000 at the packer (the last machine), scrap 100 at
 * the mixer; a QA hold 12:00–12:30. Hand check: APT 6 h, PBT 8 h, ASUT 1 h, Σ PRI·PQ = 3100 × 6 s.
 */
function scriptedShift(): Signal[] {
  return [
    sig(T0, 'order.created', { order: { id: 'O1', sku: 'P1', qty: 3000, customer: 'acme', due: T0 + 12 * H, priority: 3 } }),
    ...all(T0, 'running'),
    sig(T0, 'order.started', { orderId: 'O1', line: 'L1' }),
    sig(T0 + 1 * H, 'production.count', { machine: 'L1-pack', orderId: 'O1', good: 1000, scrap: 0 }),
    sig(T0 + 2 * H, 'machine.state', { machine: 'L1-fill', state: 'down', reason: 'jam' }),
    sig(T0 + 3 * H, 'machine.state', { machine: 'L1-fill', state: 'running' }),
    sig(T0 + 3 * H + M, 'production.count', { machine: 'L1-mix', orderId: 'O1', good: 50, scrap: 100 }),
    sig(T0 + 4 * H, 'machine.state', { machine: 'L1-mix', state: 'changeover' }),
    sig(T0 + 5 * H, 'machine.state', { machine: 'L1-mix', state: 'running' }),
    sig(T0 + 5 * H + M, 'production.count', { machine: 'L1-pack', orderId: 'O1', good: 2000, scrap: 0 }),
    sig(T0 + 6 * H, 'quality.hold', { holdId: 'H1', line: 'L1', reason: 'seal check' }),
    sig(T0 + 6 * H + 30 * M, 'quality.release', { holdId: 'H1' }),
    sig(T0 + 7 * H, 'order.completed', { orderId: 'O1', line: 'L1' }),
  ];
}

function build(signals: Signal[]): TimelineBuilder {
  const b = new TimelineBuilder(plant, T0);
  signals.forEach((s, i) => b.apply(s, i + 1));
  return b;
}

describe('timeline builder', () => {
  it('gives the elementary quantities and KPIs of the hand check', () => {
    const b = build(scriptedShift());
    const q = b.quantities('L1', T0, T0 + 8 * H, T0 + 8 * H);
    expect(q).toEqual({ pbtMs: 8 * H, aptMs: 6 * H, asutMs: 1 * H, aoetMs: 7 * H, plannedRunMs: 3100 * 6000, pq: 3100, gq: 3000, sq: 100 });
    const k = iso22400(q);
    expect(k.availability.value).toBeCloseTo(0.75, 12);
    expect(k.oee.value).toBeCloseTo(0.625, 12);
    expect(k.setupRate.value).toBeCloseTo(1 / 7, 12);
  });

  it('observes only up to now, and a line with no signals has planned time but no production', () => {
    const b = build(scriptedShift());
    expect(b.quantities('L1', T0, T0 + 8 * H, T0 + 4 * H)).toMatchObject({ pbtMs: 4 * H, aptMs: 3 * H, aoetMs: 4 * H });
    const k = iso22400(b.quantities('L2', T0, T0 + 8 * H, T0 + 8 * H));
    expect(k.availability.value).toBe(0);
    expect(k.oee.value).toBeNull();
    expect(iso22400(b.quantities('L1', T0 - 2 * H, T0 - H, T0 + 8 * H)).availability.value).toBeNull();
  });

  it('builds run, downtime (with reason), changeover and hold bars', () => {
    const b = build(scriptedShift());
    const bars = b.bars(T0, T0 + 8 * H, T0 + 8 * H);
    expect(bars.map((x) => [x.kind, (x.start - T0) / M, (x.end - T0) / M, x.reason ?? x.orderId ?? ''])).toEqual([
      ['run', 0, 420, 'O1'],
      ['down', 120, 180, 'jam'],
      ['changeover', 240, 300, ''],
      ['hold', 360, 390, 'seal check'],
    ]);
    expect(bars[0]).toMatchObject({ customer: 'acme', sku: 'P1', lineId: 'L1' });
    expect(b.downtimeByReason(['L1', 'L2'], T0, T0 + 8 * H, T0 + 8 * H)).toEqual([{ reason: 'jam', ms: H, stops: 1 }]);
  });

  it('closes open bars at now and filters by time and line', () => {
    const b = build(scriptedShift().slice(0, 7)); // down since 08:00, O1 still running
    const bars = b.bars(T0, T0 + 8 * H, T0 + 150 * M);
    expect(bars.find((x) => x.kind === 'down')).toMatchObject({ open: true, end: T0 + 150 * M });
    expect(b.bars(T0 + 9 * H, T0 + 10 * H, T0 + 150 * M)).toEqual([]);
    expect(b.bars(T0, T0 + 8 * H, T0 + 150 * M, ['L2'])).toEqual([]);
  });

  it('ignores unknown machines and lines without throwing', () => {
    const b = build([sig(T0, 'machine.state', { machine: 'nope', state: 'down' }), sig(T0, 'order.started', { orderId: 'X', line: 'nope' })]);
    expect(b.bars(T0, T0 + H, T0 + H)).toEqual([]);
  });
});

describe('plan bars', () => {
  it('take the current order and the queue from a twin view', () => {
    const view = {
      time: T0,
      lines: [{ id: 'L1', currentOrderId: 'O1', currentProjectedEnd: T0 + H, queue: [{ orderId: 'O2', sku: 'P2', qty: 10, projectedStart: T0 + H + 10 * M, projectedEnd: T0 + 2 * H, changeoverMinutes: 10, late: false }] }],
      orders: [{ id: 'O1', sku: 'P1', customer: 'acme', startedAt: T0 - H }, { id: 'O2', sku: 'P2', customer: 'zen', startedAt: null }],
    } as unknown as TwinView;
    expect(planFromView(view)).toEqual([{ orderId: 'O1', start: T0 - H, end: T0 + H }, { orderId: 'O2', start: T0 + H + 10 * M, end: T0 + 2 * H }]);
    expect(planBars(view, 'baseline').map((b) => [b.kind, b.orderId, b.customer])).toEqual([['baseline', 'O1', 'acme'], ['baseline', 'O2', 'zen']]);
  });
});
