import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyMove, cloneState, forecast, forkTwin, openingState } from '../../../shared/sim/forecast';
import { parsePlantText } from '../../../shared/plant/parse';
import { createTwin } from '../../../shared/twin/twin';
import { H, T0, ranBefore, sig, twoLinePlant, viewAfter } from './sim-plants';

const order = (id: string, sku: string, qty: number, dueInHours: number, line: string, customer = 'big') => ({ id, sku, qty, customer, dueInHours, line });

function demoPlant() {
  const r = parsePlantText(readFileSync(new URL('../../../resources/plants/demo-plant.yaml', import.meta.url), 'utf8'), 'demo-plant.yaml');
  if (!r.ok) throw new Error('demo plant invalid');
  return r.plant;
}

describe('forecast: fork the twin and run it forward', () => {
  it('runs the twin’s sequence: due order, changeovers from the matrix, rate → run time', () => {
    const plant = twoLinePlant({ orders: [order('A', 'P', 1000, 5, 'L1'), order('B', 'N', 500, 3, 'L1'), order('C', 'P', 1000, 10, 'L1')] });
    const f = forecast(plant, openingState(plant, T0));
    const byId = Object.fromEntries(f.orders.map((o) => [o.id, o]));
    // B (due 3 h) first: 30 min; A: plain after nutty = 90 min clean + 15 min QA release, 1 h; C: 1 h
    expect(byId.B!.start).toBe(T0);
    expect(byId.B!.end).toBe(T0 + 0.5 * H);
    expect(byId.A!.start).toBe(T0 + 0.5 * H + 105 * 60_000);
    expect(byId.A!.end).toBe(T0 + 3.25 * H);
    expect(byId.C!.end).toBe(T0 + 4.25 * H);
    const l1 = f.lines.find((l) => l.id === 'L1')!;
    expect(l1.changeoverMinutes).toBe(90);
    expect(l1.cleans).toBe(1);
    expect(l1.gantt.map((g) => g.kind)).toEqual(['run', 'setup', 'run', 'run']);
    expect(l1.utilisation).toBeCloseTo(2.5 / 24, 3);
    expect(f.kpis.lateOrders).toBe(0);
  });

  it('the opening state equals a fork of a fresh twin', () => {
    const plant = demoPlant();
    const twin = createTwin(plant, { startTime: T0 });
    const a = forecast(plant, forkTwin(plant, twin.view()));
    const b = forecast(plant, openingState(plant, T0));
    expect(a.kpis).toEqual(b.kpis);
    expect(a.orders).toEqual(b.orders);
    twin.stop();
  });

  it('continues from the twin’s progress: current order, units made, down machine with expected repair', () => {
    const plant = twoLinePlant({ orders: [order('A', 'P', 2000, 5, 'L1')] });
    const view = viewAfter(plant, [
      sig(T0, { type: 'order.started', orderId: 'A', line: 'L1' }),
      sig(T0 + 60_000, { type: 'production.count', machine: 'L1-fill', orderId: 'A', good: 1000, scrap: 0 }),
      sig(T0 + 60_000, { type: 'machine.state', machine: 'L1-fill', state: 'down' }),
    ]);
    const st = forkTwin(plant, view, { expectedRepair: { L1: T0 + 60_000 + 2 * H } });
    expect(st.orders[0]).toMatchObject({ id: 'A', remaining: 1000, state: 'running' });
    const f = forecast(plant, st);
    expect(f.orders[0]!.end).toBe(T0 + 60_000 + 3 * H); // 2 h repair, then the remaining hour
    expect(f.lines.find((l) => l.id === 'L1')!.downMinutes).toBe(120);
  });

  it('consumes material by BOM: starves on a shortage until the replenishment (lead time) or an expedite', () => {
    // 100 l milk at 0.1 l/unit = 1000 units; the order needs 2000; lead time 10 h
    const plant = twoLinePlant({ orders: [order('A', 'P', 2000, 4, 'L1')] }, { bom: true });
    const st = openingState(plant, T0);
    const f = forecast(plant, st);
    const l1 = f.lines.find((l) => l.id === 'L1')!;
    expect(l1.gantt.map((g) => g.kind)).toEqual(['run', 'starved', 'run']);
    expect(f.orders[0]!.end).toBe(T0 + 11 * H); // 1 h run, starved until 10 h, 1 h run
    const fast = cloneState(st);
    applyMove(fast, { kind: 'expedite', component: 'milk', qty: 500, at: T0 + 2 * H, cost: 400 });
    const g = forecast(plant, fast);
    expect(g.orders[0]!.end).toBe(T0 + 3 * H);
    expect(g.kpis.premiumFreightCost).toBe(400);
    expect(g.kpis.weightedTardinessHours).toBe(0);
    expect(f.kpis.weightedTardinessHours).toBe(7 * 3); // 7 h late × tier A weight 3
  });

  it('QA holds block: a held order is skipped until its release', () => {
    const plant = twoLinePlant({ orders: [order('A', 'P', 1000, 2, 'L1'), order('B', 'P', 1000, 5, 'L1')] });
    const view = viewAfter(plant, [sig(T0 + 1000, { type: 'quality.hold', holdId: 'QH1', orderId: 'A', reason: 'seal' })]);
    const st = forkTwin(plant, view, { holdReleaseMinutes: 90 });
    const f = forecast(plant, st);
    const byId = Object.fromEntries(f.orders.map((o) => [o.id, o]));
    expect(byId.B!.start).toBe(T0 + 1000);
    expect(byId.A!.start).toBeGreaterThanOrEqual(T0 + 1000 + 90 * 60_000);
  });

  it('crew coverage: an absence slows a line by the missing share of its rostered crew', () => {
    const plant = twoLinePlant({
      orders: [order('A', 'P', 2000, 8, 'L1')],
      areas: [{ id: 'A', name: 'A', lines: [{ id: 'L1', name: 'L1', families: ['plain'], crew: { size: 2 }, machines: [] }, { id: 'L2', name: 'L2', families: ['plain'], crew: { size: 2 }, machines: [] }] }],
      crews: [{ id: 'C', name: 'C', members: [0, 1, 2, 3].map((i) => ({ id: `p${i}`, name: `p${i}`, role: 'operator' as const })) }],
      shifts: [{ id: 'all', name: 'All day', start: '00:00', end: '00:00', crew: 'C' }],
    });
    const st = openingState(plant, T0);
    expect(forecast(plant, st).orders[0]!.end).toBe(T0 + 2 * H);
    const short = cloneState(st);
    short.absences.push({ from: T0, until: T0 + 24 * H, count: 1, lineId: 'L1' });
    expect(forecast(plant, short).orders[0]!.end).toBe(T0 + 4 * H);
  });

  it('outside every shift is overtime', () => {
    const plant = twoLinePlant({
      orders: [order('A', 'P', 4000, 8, 'L1')],
      crews: [{ id: 'C', name: 'C', members: [{ id: 'p0', name: 'p0', role: 'operator' }] }],
      shifts: [{ id: 'early', name: 'Early', start: '06:00', end: '08:00', crew: 'C' }],
    });
    const f = forecast(plant, openingState(plant, T0));
    expect(f.kpis.overtimeHours).toBe(2 * 2); // 2 h past the shift × crew of 2 (the default crew size)
    expect(f.kpis.overtimeCost).toBeGreaterThan(0);
  });

  it('orders past the horizon get the twin’s projection; tardiness is weighted by tier', () => {
    const plant = twoLinePlant({ orders: [order('A', 'P', 30000, 20, 'L1', 'big'), order('B', 'P', 5000, 30, 'L1', 'small')] });
    const f = forecast(plant, openingState(plant, T0), { horizonHours: 24 });
    const byId = Object.fromEntries(f.orders.map((o) => [o.id, o]));
    expect(byId.A!.completedInHorizon).toBe(false);
    expect(byId.A!.end).toBe(T0 + 30 * H);
    expect(byId.A!.weightedTardinessHours).toBe(10 * 3);
    expect(byId.B!.end).toBe(T0 + 35 * H);
    expect(byId.B!.weightedTardinessHours).toBe(5 * 1);
    expect(f.kpis.weightedTardinessHours).toBe(35);
    expect(f.kpis.lateOrders).toBe(2);
  });

  it('is deterministic for a seed; stochastic breakdowns differ between seeds', () => {
    const plant = demoPlant();
    const st = openingState(plant, T0);
    const a = forecast(plant, st, { breakdowns: true, seed: 11 });
    const b = forecast(plant, st, { breakdowns: true, seed: 11 });
    const c = forecast(plant, st, { breakdowns: true, seed: 12 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.kpis)).not.toBe(JSON.stringify(c.kpis));
    expect(a.lines.reduce((n, l) => n + l.downMinutes, 0)).toBeGreaterThan(0);
    expect(JSON.stringify(forecast(plant, st))).toBe(JSON.stringify(forecast(plant, st)));
  });

  it('does not mutate the state it forecasts', () => {
    const plant = demoPlant();
    const st = openingState(plant, T0);
    const before = JSON.stringify(st);
    forecast(plant, st, { breakdowns: true });
    expect(JSON.stringify(st)).toBe(before);
  });

  it('moves: reroute with a slot, split, sequence', () => {
    const plant = twoLinePlant({ orders: [order('A', 'P', 1000, 5, 'L1'), order('B', 'P', 1000, 6, 'L2'), order('C', 'P', 2000, 9, 'L1')] });
    const st = openingState(plant, T0);
    applyMove(st, { kind: 'reroute', orderId: 'C', toLine: 'L2', position: 0 });
    applyMove(st, { kind: 'split', orderId: 'A', toLine: 'L2', qty: 400, newId: 'A-2' });
    const f = forecast(plant, st);
    const byId = Object.fromEntries(f.orders.map((o) => [o.id, o]));
    expect(byId.C!.lineId).toBe('L2');
    expect(byId.C!.start).toBe(T0);
    expect(byId['A-2']).toMatchObject({ lineId: 'L2', qty: 400, splitOf: 'A' });
    expect(byId.A!.qty).toBe(600);
    expect(() => applyMove(st, { kind: 'reroute', orderId: 'nope', toLine: 'L1' })).toThrow(/no open order 'nope'/);
  });

  it('demo plant: fork + simulate 24 h within budget (measured properly in bench/simulate.ts)', () => {
    const plant = demoPlant();
    const view = viewAfter(plant, ranBefore('BS-L1', 'SO-24027'));
    forecast(plant, forkTwin(plant, view));
    const t = performance.now();
    const f = forecast(plant, forkTwin(plant, view));
    expect(performance.now() - t).toBeLessThan(1500); // budget 150 ms on an idle machine
    expect(f.kpis.ordersCompleted).toBeGreaterThan(20);
    expect(f.kpis.utilisation).toBeGreaterThan(0.5);
  });
});
