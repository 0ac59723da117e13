import { describe, expect, it } from 'vitest';
import { applyMove, cloneState, forecast, forkTwin, lineQueue, openingState, type ForecastState } from '../../../shared/sim/forecast';
import { plantIndex } from '../../../shared/decide/context';
import { changeoverMinutes, planToMoves, problemFromPlant } from '../../../shared/schedule/from-plant';
import { evaluate } from '../../../shared/schedule/evaluate';
import { solveReplan } from '../../../shared/schedule/replan';
import { MIN, T0, lineDownView, plant, rules } from './replan-fixtures';

const index = plantIndex(plant);
const lines = plant.areas.flatMap((a) => a.lines);

/** The opening book with a running order on DD-L1, a pin on BS-L2, an absence, a down and a short component. */
function richState(): ForecastState {
  const st = openingState(plant, T0);
  const dd1 = st.lines.find((l) => l.id === 'DD-L1')!;
  const first = st.orders.find((o) => o.lineId === 'DD-L1')!;
  first.state = 'running';
  first.startedAt = T0 - 10 * MIN;
  dd1.currentOrderId = first.id;
  dd1.lastFamily = index.familyOf(first.sku);
  const bs2 = st.orders.filter((o) => o.lineId === 'BS-L2');
  st.lines.find((l) => l.id === 'BS-L2')!.pinned = [bs2[2]!.id];
  st.lines.find((l) => l.id === 'BS-L1')!.downUntil = T0 + 120 * MIN;
  st.planned.push({ at: T0 + 300 * MIN, type: 'line-down', lineId: 'BV-L1', minutes: 90, reason: 'filler' });
  // Nobody left on DD-L3 for two hours from +3 h.
  st.absences.push({ from: T0 + 180 * MIN, until: T0 + 300 * MIN, count: 10, lineId: 'DD-L3' });
  // No hazelnut paste until a delivery at +5 h.
  st.inventory['hazelnut-paste'] = 0;
  st.planned.push({ at: T0 + 300 * MIN, type: 'receipt', component: 'hazelnut-paste', qty: 1e6 });
  return st;
}

describe('problemFromPlant: the plant constraints in the problem', () => {
  const state = richState();
  const pp = problemFromPlant({ plant, rules, state, horizonHours: 24 });
  const p = pp.problem;
  const byId = new Map(state.orders.map((o) => [o.id, o]));

  it('eligibility: rate, family and tooling; run minutes from the line rate', () => {
    expect(p.orders.length).toBeGreaterThan(30);
    for (const o of p.orders) {
      const fo = byId.get(o.id)!;
      const prod = index.productBySku.get(fo.sku)!;
      for (const [lineId, minutes] of Object.entries(o.minutes)) {
        const line = lines.find((l) => l.id === lineId)!;
        expect(line.families).toContain(prod.family);
        expect(prod.rates[lineId]).toBeDefined();
        expect(minutes).toBeCloseTo((fo.remaining / prod.rates[lineId]!) * 60, 2);
        for (const t of prod.tools) {
          const tool = plant.tools.find((x) => x.id === t)!;
          if (tool.lines.length) expect(tool.lines).toContain(lineId);
        }
      }
    }
    // a product whose tool fits only DD-L1 is not offered another line that runs its family
    const sealed = p.orders.find((o) => index.productBySku.get(byId.get(o.id)!.sku)!.tools.includes('seal-125'));
    expect(sealed && Object.keys(sealed.minutes)).toEqual(['DD-L1']);
  });

  it('changeovers per line from the plant matrix, with the QA release minutes after an allergen clean', () => {
    // yog-nut → yog-plain: 90 min clean with a QA release (+15)
    expect(p.changeovers?.['DD-L1']?.['yog-nut']?.['yog-plain']).toBe(105);
    expect(p.changeovers?.['DD-L1']?.['yog-plain']?.['yog-fruit']).toBe(30);
    expect(p.changeovers?.['DD-L1']?.['yog-plain']?.['yog-plain']).toBeUndefined();
  });

  it('allergen rules: a forbid rule and a required clean the changeover lacks are forbidden transitions', () => {
    expect(p.forbidden?.['BV-L2']?.['choco-milk']).toContain('juice');
    // the same transition is allowed on a line the rule does not name
    expect(changeoverMinutes(index, rules, 'BV-L1', 'choco-milk', 'juice', 15).forbidden).toBe(false);
    for (const [lineId, from] of Object.entries(p.forbidden ?? {})) for (const [f, tos] of Object.entries(from)) for (const t of tos) expect(changeoverMinutes(index, rules, lineId, f, t, 15).forbidden).toBe(true);
  });

  it('material: an order waits for its components (the delivery at +5 h)', () => {
    const needing = p.orders.filter((o) => index.productBySku.get(byId.get(o.id)!.sku)!.bom.some((b) => b.component === 'hazelnut-paste'));
    expect(needing.length).toBeGreaterThan(0);
    for (const o of needing) expect(o.release).toBeGreaterThanOrEqual(300);
    expect(pp.releases.find((r) => r.orderId === needing[0]!.id)?.reason).toMatch(/Hazelnut paste|hazelnut/i);
  });

  it('calendars: a line down now, a planned down and an absence that leaves no one are blocked windows', () => {
    const line = (id: string) => p.lines.find((l) => l.id === id)!;
    expect(line('BS-L1').blocked).toContainEqual({ from: 0, to: 120 });
    expect(line('BV-L1').blocked).toContainEqual({ from: 300, to: 390 });
    expect(line('DD-L3').blocked).toContainEqual({ from: 180, to: 300 });
    expect(line('DD-L2').blocked ?? []).toEqual([]);
  });

  it('frozen prefix, pins and current positions', () => {
    const dd1 = state.lines.find((l) => l.id === 'DD-L1')!;
    expect(p.frozen?.['DD-L1']?.[0]).toBe(dd1.currentOrderId);
    const pin = state.lines.find((l) => l.id === 'BS-L2')!.pinned[0]!;
    expect(p.pins?.[pin]).toBe('BS-L2');
    for (const [lineId, ids] of Object.entries(pp.asIs.lines)) ids.forEach((id, index) => expect(p.orders.find((o) => o.id === id)?.current).toEqual({ lineId, index }));
    // the plan as is, pins first: the pinned order leads BS-L2's queue
    expect(pp.asIs.lines['BS-L2']![0]).toBe(pin);
  });

  it('weights from the rule set: tier penalty per hour, late order and changeover costs', () => {
    const tierA = p.orders.find((o) => plant.customers.find((c) => c.id === byId.get(o.id)!.customer)?.tier === 'A')!;
    expect(tierA.weight).toBe(rules.priority.tiers.A.latePenaltyPerHour);
    expect(p.weights).toMatchObject({ tardiness: 1 / 60, lateOrder: 250, changeover: 5 });
    expect(p.weights!.churn).toBeGreaterThan(0);
  });

  it('the plan as is breaks no constraint but the rule set\'s forbidden transitions (the demo book has juice and ice tea behind milk on BV-L2, which no sequence avoids)', () => {
    for (const v of evaluate(p, pp.asIs).violations) expect(v).toMatch(/BV-L2.*choco-milk may not be followed by (juice|ice-tea)/);
  });

  it('orders beyond the horizon are each line\'s frozen tail, in the order the plan as is runs them', () => {
    const short = problemFromPlant({ plant, rules, state, horizonHours: 6 });
    const beyond = short.excluded.filter((e) => e.reason.includes('horizon')).map((e) => e.orderId);
    expect(beyond.length).toBeGreaterThan(0);
    const tails = short.problem.lines.flatMap((l) => (l.tail ?? []).map((t) => ({ ...t, lineId: l.id })));
    expect(tails.map((t) => t.id).sort()).toEqual([...beyond].sort());
    const inProblem = new Set(short.problem.orders.map((o) => o.id));
    for (const t of tails) {
      const o = byId.get(t.id)!;
      expect(inProblem.has(t.id)).toBe(false);
      expect(o.lineId).toBe(t.lineId);
      expect(t.minutes).toBeGreaterThan(0);
      expect(t.due).toBeCloseTo((o.due - T0) / MIN, 3);
    }
    const line = short.problem.lines.find((l) => (l.tail?.length ?? 0) > 1)!;
    const queue = lineQueue(state, line.id).map((o) => o.id);
    const ids = line.tail!.map((t) => t.id);
    expect(ids).toEqual(queue.filter((id) => ids.includes(id)));
  });
});

describe('a plan mapped back to moves and forecast respects the constraints', () => {
  it('line down: the forecast runs the re-plan on eligible lines, in its sequences, with no forbidden neighbours', () => {
    const view = lineDownView();
    const state = forkTwin(plant, view, { expectedRepair: { 'BS-L1': T0 + 8 * 60 * MIN } });
    const pp = problemFromPlant({ plant, rules, state });
    let t = 0;
    const res = solveReplan(pp.problem, pp.asIs, { timeLimitMs: 60_000, maxIterations: 300, seed: 3, now: () => t++, sharedTools: pp.sharedTools });
    // Only the transition no sequence avoids (see above) may be left.
    for (const v of res.violations ?? []) expect(v).toMatch(/BV-L2.*choco-milk may not be followed by juice/);
    expect(res.objective).toBeLessThan(evaluate(pp.problem, pp.asIs).objective);
    const change = planToMoves(pp, res.plan, state);
    expect(change.moves.length).toBeGreaterThan(0);
    const fork = cloneState(state);
    for (const m of change.moves) applyMove(fork, m);
    const fc = forecast(plant, fork, { horizonHours: 24 });
    const order = new Map(pp.problem.orders.map((o) => [o.id, o]));
    for (const l of fc.lines) {
      const ran = [...new Set(l.gantt.filter((g) => g.kind === 'run' && g.orderId).map((g) => g.orderId as string))];
      for (const id of ran) if (order.has(id)) expect(Object.keys(order.get(id)!.minutes)).toContain(l.id);
      // started in the plan's order
      const planned = (res.plan.lines[l.id] ?? []).filter((id) => ran.includes(id));
      expect(ran.filter((id) => planned.includes(id))).toEqual(planned);
      // no forbidden transition between consecutive runs
      for (let i = 1; i < ran.length; i++) {
        const a = index.familyOf(fc.orders.find((o) => o.id === ran[i - 1])!.sku);
        const b = index.familyOf(fc.orders.find((o) => o.id === ran[i])!.sku)!;
        if (l.id !== 'BV-L2') expect(pp.problem.forbidden?.[l.id]?.[a ?? '']?.includes(b) ?? false).toBe(false);
      }
      // nothing runs on the down line before its repair
      if (l.id === 'BS-L1') for (const g of l.gantt) if (g.kind === 'run') expect(g.start).toBeGreaterThanOrEqual(T0 + 8 * 60 * MIN - 1);
    }
  });
});
