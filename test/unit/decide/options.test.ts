import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOptions, objectiveFromRules } from '../../../shared/decide/options';
import { genericRules, parseRulesText } from '../../../shared/decide/rules-parse';
import { detectExceptions } from '../../../shared/decide/exceptions';
import { parsePlantText } from '../../../shared/plant/parse';
import { H, T0, ranBefore, sig, twoLinePlant, viewAfter } from '../sim/sim-plants';

const order = (id: string, sku: string, qty: number, dueInHours: number, line: string, customer = 'big') => ({ id, sku, qty, customer, dueInHours, line });

describe('options: hand-made plants whose best answer is known', () => {
  it('two lines, one allergen clash: the reroute that avoids the clean wins', () => {
    const plant = twoLinePlant({ orders: [order('N0', 'N', 10, 1, 'L1'), order('OP', 'P', 2000, 3, 'L1')] }, { l3: true });
    const view = viewAfter(plant, ranBefore('L1', 'N0'));
    expect(view.lines.find((l) => l.id === 'L1')?.lastFamily).toBe('nutty');
    const opts = generateOptions({ plant, twinState: view, exception: { type: 'late-risk', orderId: 'OP' } });
    const best = opts[0]!;
    expect(best.rank).toBe(1);
    expect(best.kind).toBe('reroute');
    expect(best.moves).toEqual([{ kind: 'reroute', orderId: 'OP', toLine: 'L2' }]);
    // no clean: 90 changeover minutes saved, no longer late
    expect(best.delta!.changeoverMinutes).toBe(-90);
    expect(best.delta!.lateOrders).toBe(-1);
    expect(best.delta!.cost).toBeLessThan(0);
    const stay = opts.find((o) => o.baseline)!;
    expect(stay.feasible).toBe(true);
    expect(stay.rank).toBeGreaterThan(1);
    // explained: priority rule, constraint checks with numbers, KPI deltas
    expect(best.explanation.some((l) => l.startsWith('priority: OP') && l.includes('tier A'))).toBe(true);
    expect(best.explanation.some((l) => l.startsWith('pass line-capability') && l.includes('1,000/h'))).toBe(true);
    expect(best.explanation.some((l) => l.startsWith('forecast 24 h vs do nothing') && l.includes('changeover -90 min'))).toBe(true);
  });

  it('infeasible candidates are listed with their reasons, after the feasible ones', () => {
    const plant = twoLinePlant({ orders: [order('N0', 'N', 10, 1, 'L1'), order('OP', 'P', 2000, 3, 'L1')] }, { l3: true });
    const view = viewAfter(plant, ranBefore('L1', 'N0'));
    const opts = generateOptions({ plant, twinState: view, exception: { type: 'late-risk', orderId: 'OP' } });
    const toL3 = opts.find((o) => o.kind === 'reroute' && o.moves.some((m) => m.kind === 'reroute' && m.toLine === 'L3'));
    expect(toL3).toBeDefined();
    expect(toL3!.feasible).toBe(false);
    expect(toL3!.rank).toBeNull();
    expect(toL3!.score).toBeNull();
    expect(toL3!.violations.map((v) => v.rule)).toContain('line-capability');
    expect(toL3!.violations[0]!.detail).toMatch(/no run rate on L3/);
    const firstInfeasible = opts.findIndex((o) => !o.feasible);
    expect(opts.slice(firstInfeasible).every((o) => !o.feasible)).toBe(true);
    expect(opts.slice(0, firstInfeasible).map((o) => o.rank)).toEqual(opts.slice(0, firstInfeasible).map((_, i) => i + 1));
  });

  describe('line down with a compatible idle line', () => {
    // L2 last ran f2: taking the plain order costs a 120 min changeover there. O1: 2 h of work, due in 3 h.
    const plant = twoLinePlant({ orders: [order('F0', 'F2', 10, 1, 'L2'), order('O1', 'P', 2000, 3, 'L1')] });
    const view = viewAfter(plant, [...ranBefore('L2', 'F0'), sig(T0 + 120_000, { type: 'machine.state', machine: 'L1-fill', state: 'down', reason: 'motor' })]);

    it('a long repair: reroute beats wait', () => {
      const opts = generateOptions({ plant, twinState: view, exception: { type: 'line-down', lineId: 'L1', expectedRepairMinutes: 8 * 60 } });
      expect(opts[0]!.kind).toBe('reroute');
      expect(opts[0]!.moves[0]).toMatchObject({ kind: 'reroute', orderId: 'O1', toLine: 'L2' });
      const wait = opts.find((o) => o.kind === 'wait')!;
      expect(wait.rank).toBeGreaterThan(1);
      expect(wait.title).toMatch(/Wait for the repair of L1 \(expected in 480 min\)/);
    });

    it('a short repair and a long changeover: wait beats reroute', () => {
      const opts = generateOptions({ plant, twinState: view, exception: { type: 'line-down', lineId: 'L1', expectedRepairMinutes: 10 } });
      expect(opts[0]!.kind).toBe('wait');
      const reroute = opts.find((o) => o.kind === 'reroute' && o.feasible)!;
      expect(reroute.delta!.cost).toBeGreaterThan(0);
      expect(reroute.delta!.changeoverMinutes).toBe(120);
    });

    it('rerouting onto the down line itself is never proposed as feasible', () => {
      const opts = generateOptions({ plant, twinState: view, exception: { type: 'line-down', lineId: 'L1', expectedRepairMinutes: 60 } });
      for (const o of opts) for (const m of o.moves) if (m.kind === 'reroute') expect(m.toLine).not.toBe('L1');
    });
  });

  it('material shortage: expedite is a candidate with its premium freight cost, and wins when the lead time is long', () => {
    const plant = twoLinePlant({ orders: [order('OP', 'P', 2000, 4, 'L1')] }, { bom: true });
    const view = viewAfter(plant, []);
    const opts = generateOptions({ plant, twinState: view, exception: { type: 'material-shortage', component: 'milk' }, premiumFreightCost: 300 });
    const exp = opts.find((o) => o.kind === 'expedite')!;
    expect(exp.feasible).toBe(true);
    expect(exp.delta!.premiumFreightCost).toBe(300);
    expect(opts[0]!.kind).toBe('expedite');
  });

  it('rush order: running it next beats the due-date sequence when it is due first but sequenced late', () => {
    const plant = twoLinePlant({ orders: [order('A1', 'P', 3000, 20, 'L1', 'small'), order('A2', 'P', 3000, 20, 'L2', 'small'), order('R1', 'P', 1000, 2, 'L1')] });
    const view = viewAfter(plant, []);
    const opts = generateOptions({ plant, twinState: view, exception: { type: 'rush-order', orderId: 'R1' } });
    expect(opts.some((o) => o.kind === 'as-planned')).toBe(true);
    expect(opts.every((o) => o.feasible || o.violations.length > 0)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const plant = twoLinePlant({ orders: [order('F0', 'F2', 10, 1, 'L2'), order('O1', 'P', 2000, 3, 'L1'), order('O2', 'N', 1500, 6, 'L1', 'small')] });
    const view = viewAfter(plant, [...ranBefore('L2', 'F0'), sig(T0 + 120_000, { type: 'machine.state', machine: 'L1-fill', state: 'down' })]);
    const a = generateOptions({ plant, twinState: view, exception: { type: 'line-down', lineId: 'L1', expectedRepairMinutes: 300 }, seed: 7 });
    const b = generateOptions({ plant, twinState: view, exception: { type: 'line-down', lineId: 'L1', expectedRepairMinutes: 300 }, seed: 7 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.length).toBeGreaterThan(3);
  });

  it('objective weights come from the rule set (tier weights and late penalties)', () => {
    const w = objectiveFromRules(genericRules().rules);
    expect(w.tierWeights).toEqual({ A: 3, B: 2, C: 1 });
    expect(w.costs.latePenaltyPerHour).toEqual({ A: 400, B: 150, C: 50 });
    expect(objectiveFromRules(undefined).tierWeights.A).toBe(3);
  });

  it('demo plant: a line-down is answered with ranked, explained, constraint-checked options within the budget', () => {
    const r = parsePlantText(readFileSync(new URL('../../../resources/plants/demo-plant.yaml', import.meta.url), 'utf8'), 'demo-plant.yaml');
    if (!r.ok) throw new Error('demo plant invalid');
    const view = viewAfter(r.plant, [sig(T0 + 60_000, { type: 'machine.state', machine: 'BS-L1-OVN', state: 'down', reason: 'burner' })]);
    const t = performance.now();
    // The opening book is feasible line by line, so only an outage longer than the slack (a shift)
    // makes orders late enough that moving work beats waiting.
    const opts = generateOptions({ plant: r.plant, twinState: view, exception: { type: 'line-down', lineId: 'BS-L1', expectedRepairMinutes: 480 } });
    const ms = performance.now() - t;
    expect(ms).toBeLessThan(5000); // budget 1 s on an idle machine (bench/simulate.ts measures it)
    expect(opts.filter((o) => o.feasible).length).toBeGreaterThan(1);
    expect(opts.some((o) => !o.feasible && o.violations.length > 0)).toBe(true);
    expect(opts[0]!.delta!.cost).toBeLessThanOrEqual(0);
    expect(opts[0]!.kind).toBe('reroute');
    void H;
  });

  it('takes a detected exception (./exceptions.ts) as it is, and lists the approvals the escalation rules ask for', () => {
    const r = parsePlantText(readFileSync(new URL('../../../resources/plants/demo-plant.yaml', import.meta.url), 'utf8'), 'demo-plant.yaml');
    if (!r.ok) throw new Error('demo plant invalid');
    const rr = parseRulesText(readFileSync(new URL('../../../resources/rules/default-rules.yaml', import.meta.url), 'utf8'), 'default-rules.yaml', r.plant);
    if (!rr.ok) throw new Error('rules invalid');
    const view = viewAfter(r.plant, [sig(T0 + 60_000, { type: 'machine.state', machine: 'BS-L1-OVN', state: 'down', reason: 'burner' })]);
    const detected = detectExceptions(r.plant, rr.loaded.rules, view, view.time).find((d) => d.type === 'line-down' && d.subject.lineId === 'BS-L1');
    expect(detected).toBeDefined();
    const opts = generateOptions({ plant: r.plant, rules: rr.loaded, twinState: view, exception: detected! });
    expect(opts.length).toBeGreaterThan(1);
    expect(opts.find((o) => o.baseline)!.title).toMatch(/Wait for the repair of BS-L1/);
    const reroute = opts.find((o) => o.kind === 'reroute' && o.feasible);
    expect(reroute).toBeDefined();
    if (rr.loaded.rules.escalation.some((e) => e.when.kind === 'reroute')) {
      const tiers = rr.loaded.rules.escalation.filter((e) => e.when.kind === 'reroute').flatMap((e) => (e.when.kind === 'reroute' ? e.when.tiers : []));
      const rerouted = opts.filter((o) => o.kind === 'reroute' && o.approvals.some((a) => a.reason.startsWith('reroutes')));
      expect(rerouted.length > 0 || tiers.length > 0).toBe(true);
    }
  });
});
