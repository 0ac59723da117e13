import { describe, expect, it } from 'vitest';
import { evaluateConstraints, evaluateInPlace, type ConstraintCheck } from '../../../shared/decide/constraints';
import { latenessPenalty, rankOrders, scoreOrder } from '../../../shared/decide/priority';
import { requiredApprovals } from '../../../shared/decide/escalation';
import type { Plant } from '../../../shared/plant/schema';
import { HOUR, MIN, T0, line, order, parsedDefaultRules, demoPlant, rules, smallPlant, view } from './helpers';

const by = (checks: ConstraintCheck[], rule: ConstraintCheck['rule'], ruleId?: string) => checks.filter((c) => c.rule === rule && (ruleId === undefined || c.ruleId === ruleId));

/** The small plant with hazelnut paste in the hazelnut yogurt's BOM (0.15 kg per unit), 380 kg in stock. */
function hazelPlant(): Plant {
  const p = smallPlant();
  p.components.push({ id: 'hazel-paste', name: 'hazelnut paste', uom: 'kg', stock: [{ location: 'WH', qty: 380 }], leadTimeHours: 48 });
  p.products.find((x) => x.sku === 'Y-HAZEL-125')!.bom.push({ component: 'hazel-paste', perUnit: 0.15 });
  return p;
}

describe('constraints: allergen sequencing', () => {
  it('nut-free after nuts passes with the clean and QA release the changeover has, and a QA person on shift', () => {
    const plant = smallPlant();
    const v = view({ lines: [line('L1', { lastFamily: 'hazelnut' }), line('L2')], orders: [order('O1')] });
    const r = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O1', lineId: 'L1', position: 0 });
    expect(r.previousFamily).toBe('hazelnut');
    expect(r.changeover).toEqual({ minutes: 90, clean: true, qaRelease: true });
    expect(r.start).toBe(T0 + 90 * MIN);
    const a = by(r.checks, 'allergen-sequencing');
    expect(a.map((c) => [c.ruleId, c.passed])).toEqual([
      ['default', true],
      ['qa-on-shift', true],
    ]);
    expect(a[0]!.detail).toBe('allergens: hazelnut (milk, nuts) → plain (milk) on L1 needs a clean and a QA release (rule \'default\'); the changeover has clean: yes, QA release: yes, 90 min');
    expect(a[1]!.detail).toContain('1 × qa (p3)');
    expect(r.ok).toBe(true);
  });

  it('fails the clash when the changeover has no clean; an option that adds clean + QA release passes', () => {
    const plant = smallPlant();
    const co = plant.changeovers.matrix.find((c) => c.from === 'hazelnut' && c.to === 'plain')!;
    co.clean = false;
    co.qaRelease = false;
    const r0 = rules((r) => {
      r.constraints = { allergens: { rules: [{ id: 'nut-free-after-nuts', from: { allergens: ['nuts'] }, to: { without: ['nuts'] }, require: { clean: true, qaRelease: true } }] } };
    });
    const v = view({ lines: [line('L1', { lastFamily: 'hazelnut' }), line('L2')], orders: [order('O1')] });
    const r = evaluateConstraints({ plant, rules: r0, view: v }, { orderId: 'O1', lineId: 'L1', position: 0 });
    expect(r.ok).toBe(false);
    const failed = r.checks.filter((c) => !c.passed);
    expect(failed.map((c) => c.ruleId)).toEqual(['nut-free-after-nuts', 'default']);
    expect(failed[0]!.detail).toContain("needs a clean and a QA release (rule 'nut-free-after-nuts'); the changeover has clean: no, QA release: no, 90 min → not allowed without them");
    const fixed = evaluateConstraints({ plant, rules: r0, view: v }, { orderId: 'O1', lineId: 'L1', position: 0, withClean: true, withQaRelease: true });
    expect(by(fixed.checks, 'allergen-sequencing').every((c) => c.passed)).toBe(true);
    // the other direction loses no allergen: no clean needed
    const v2 = view({ lines: [line('L1', { lastFamily: 'plain' }), line('L2')], orders: [order('O2', { sku: 'Y-HAZEL-125', qty: 11000 })] });
    const r2 = evaluateConstraints({ plant, rules: r0, view: v2 }, { orderId: 'O2', lineId: 'L1' });
    expect(by(r2.checks, 'allergen-sequencing')).toEqual([{ rule: 'allergen-sequencing', passed: true, detail: 'allergens: plain (milk) → hazelnut (milk, nuts) on L1 loses no allergen: no clean needed' }]);
  });

  it('a forbidding rule fails whatever the changeover, and the QA release fails without a QA person on shift', () => {
    const plant = smallPlant();
    const forbid = rules((r) => {
      r.constraints = { allergens: { rules: [{ id: 'never', from: { families: ['hazelnut'] }, to: { families: ['plain'] }, forbid: true, lines: ['L1'] }] } };
    });
    const v = view({ lines: [line('L1', { lastFamily: 'hazelnut' }), line('L2')], orders: [order('O1')] });
    const r = evaluateConstraints({ plant, rules: forbid, view: v }, { orderId: 'O1', lineId: 'L1' });
    expect(by(r.checks, 'allergen-sequencing', 'never')[0]).toMatchObject({ passed: false, detail: "allergens: rule 'never' forbids hazelnut (milk, nuts) → plain (milk) on L1" });
    plant.crews[0]!.members = plant.crews[0]!.members.filter((m) => m.role !== 'qa');
    const r2 = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O1', lineId: 'L1' });
    expect(by(r2.checks, 'allergen-sequencing', 'qa-on-shift')[0]).toMatchObject({ passed: false, detail: "allergens: the QA release at 08:30 needs a 'qa' on shift; shift early (crew A) has none" });
  });
});

describe('constraints: material for the whole run', () => {
  it('is short by a known amount: 2750 × 0.15 = 412.5 kg against 380 kg on hand', () => {
    const plant = hazelPlant();
    const v = view({
      lines: [line('L1', { lastFamily: 'plain' }), line('L2')],
      orders: [order('ORD-123', { sku: 'Y-HAZEL-125', qty: 2750 })],
      inventory: [...view().inventory, { component: 'hazel-paste', location: 'WH', qty: 380 }],
    });
    const ctx = { plant, rules: rules(), view: v };
    const r = evaluateConstraints(ctx, { orderId: 'ORD-123', lineId: 'L1', start: T0 + 8 * HOUR + 20 * MIN });
    const m = by(r.checks, 'material', 'hazel-paste')[0]!;
    expect(m.passed).toBe(false);
    expect(m.detail).toBe('material: hazelnut paste needs 412.5 kg for ORD-123 (2,750 × 0.15), 380 kg on hand + 0 inbound before 15:20 → short 32.5 kg');
    expect(m.numbers).toMatchObject({ need: 412.5, onHand: 380, inbound: 0, short: 32.5 });
    expect(by(r.checks, 'material', 'milk')[0]!.passed).toBe(true);
    // a PO arriving before the start counts; one arriving after does not
    const inbound = [
      { po: 'PO-1', component: 'hazel-paste', qty: 20, eta: T0 + 8 * HOUR },
      { po: 'PO-2', component: 'hazel-paste', qty: 500, eta: T0 + 9 * HOUR },
    ];
    const r2 = evaluateConstraints({ ...ctx, inbound }, { orderId: 'ORD-123', lineId: 'L1', start: T0 + 8 * HOUR + 20 * MIN });
    expect(by(r2.checks, 'material', 'hazel-paste')[0]!.detail).toContain('380 kg on hand + 20 inbound before 15:20 → short 12.5 kg');
    // quarantined stock is not usable
    const q = evaluateConstraints({ ...ctx, plant: { ...plant, locations: [...plant.locations, { id: 'Q', name: 'Quarantine', kind: 'quarantine' }] }, view: { ...v, inventory: [...v.inventory, { component: 'hazel-paste', location: 'Q', qty: 1000 }] } }, { orderId: 'ORD-123', lineId: 'L1' });
    expect(by(q.checks, 'material', 'hazel-paste')[0]!.numbers!.onHand).toBe(380);
  });

  it('reserves material for orders projected to start earlier', () => {
    const plant = hazelPlant();
    const v = view({
      lines: [line('L1', { lastFamily: 'hazelnut', queue: [{ orderId: 'A', sku: 'Y-HAZEL-125', qty: 1000, projectedStart: T0, projectedEnd: T0 + 11 * MIN, changeoverMinutes: 0, late: false }] }), line('L2')],
      orders: [order('A', { sku: 'Y-HAZEL-125', qty: 1000 }), order('B', { sku: 'Y-HAZEL-125', qty: 2000 })],
      inventory: [{ component: 'hazel-paste', location: 'WH', qty: 380 }, ...view().inventory],
    });
    const r = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'B', lineId: 'L1' });
    expect(r.start).toBe(T0 + 11 * MIN);
    expect(by(r.checks, 'material', 'hazel-paste')[0]!.detail).toBe('material: hazelnut paste needs 300 kg for B (2,000 × 0.15), 380 kg on hand + 0 inbound before 07:11 − 150 kg reserved for earlier orders → short 70 kg');
  });
});

describe('constraints: tooling, crew, shifts, line capability', () => {
  it('fails when the only sealing head is on another line for the whole window', () => {
    const plant = smallPlant();
    const v = view({
      lines: [line('L1', { lastFamily: 'plain' }), line('L2', { status: 'running', currentOrderId: 'O4', currentSku: 'Y-PLAIN-125', currentProjectedEnd: T0 + 2 * HOUR })],
      orders: [order('O1'), order('O4', { lineId: 'L2', state: 'running', qty: 8000 })],
    });
    const r = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O1', lineId: 'L1' });
    const t = by(r.checks, 'tooling', 'seal-125')[0]!;
    expect(t).toMatchObject({ passed: false, numbers: { count: 1, inUse: 1, free: 0 } });
    expect(t.detail).toBe('tooling: seal-125: 1 in total, in use on L2 by O4 (07:00–09:00) → 0 free for O1 on L1 07:00–09:00');
    // after O4 finishes, the head is free
    const later = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O1', lineId: 'L1', start: T0 + 2 * HOUR });
    expect(by(later.checks, 'tooling', 'seal-125')[0]!.passed).toBe(true);
  });

  it('fails crew skills when nobody on the shift has the line skill, and shift coverage outside shifts', () => {
    const plant = smallPlant();
    for (const m of plant.crews[0]!.members) m.skills = m.skills.filter((s) => s !== 'filler');
    const v = view({ orders: [order('O1')] });
    const r = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O1', lineId: 'L1', start: T0 + 6 * HOUR });
    expect(by(r.checks, 'crew-skill')[0]).toMatchObject({ passed: false, detail: "crew: L1 needs 2 people with 'filler'; shift early (crew A) has 2 operator/lead, 0 with 'filler' → skill missing: filler" });
    // 12:00 UTC is 13:00 on the plant's clock (Europe/Berlin, CET): of the 2 h run, 14:00–15:00
    // plant time is outside the only shift (06–14 plant time)
    expect(by(r.checks, 'shift-coverage')[0]).toMatchObject({ passed: false, detail: 'shifts: 1 h of the run 13:00–15:00 is not covered by any shift (first gap at 14:00)', numbers: { runHours: 2, uncoveredHours: 1 } });
  });

  it('fails a line that cannot run the family, and a run over the max hours', () => {
    const plant = smallPlant();
    const v = view({ orders: [order('O3', { sku: 'D-VAN-100', qty: 9000 })] });
    const r = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'O3', lineId: 'L1' });
    expect(by(r.checks, 'line-capability')[0]).toMatchObject({ passed: false, detail: "line: L1 cannot run family 'vanilla' of D-VAN-100 (it runs plain, hazelnut)" });
    const long = evaluateConstraints({ plant, rules: rules((x) => void (x.constraints = { lineCapability: { maxRunHours: 1 } })), view: v }, { orderId: 'O3', lineId: 'L2' });
    expect(by(long.checks, 'line-capability')[0]).toMatchObject({ passed: false, detail: 'line: 9000 × D-VAN-100 on L2 at 4,500/h takes 2 h, more than the 1 h limit: split the order' });
    const unknown = evaluateConstraints({ plant, rules: rules(), view: v }, { orderId: 'nope', lineId: 'L1' });
    expect(unknown).toMatchObject({ ok: false, checks: [{ passed: false, detail: expect.stringContaining("order 'nope' is not in the twin") }] });
  });

  it('evaluates an order where it sits in its queue', () => {
    const plant = smallPlant();
    const v = view({ lines: [line('L1', { queue: [{ orderId: 'O1', sku: 'Y-PLAIN-125', qty: 12000, projectedStart: T0, projectedEnd: T0 + 2 * HOUR, changeoverMinutes: 0, late: false }] }), line('L2')], orders: [order('O1')] });
    const r = evaluateInPlace({ plant, rules: rules(), view: v }, 'O1')!;
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.rule)).toEqual(['line-capability', 'allergen-sequencing', 'tooling', 'material', 'material', 'crew-skill', 'shift-coverage']);
  });
});

describe('priority and escalation rules', () => {
  it('scores tier, service level, order priority and due date, with the numbers in the explanation', () => {
    const plant = smallPlant();
    const r = rules((x) => void (x.priority.dueDate = { weight: 1, horizonHours: 48 }));
    const a = scoreOrder(plant, r, { id: 'O1', customer: 'big-retail', due: T0 + 24 * HOUR, priority: 3, projectedEnd: T0 + 26 * HOUR }, T0);
    // 3 × 1 × (1 + 1 × (0.98 − 0.9) × 10 = 1.8) × 1 × (1 + 0.5) = 8.1
    expect(a.score).toBeCloseTo(8.1, 9);
    expect(a.tier).toBe('A');
    expect(a.latePenalty).toBe(1000);
    expect(a.explanation).toContain('O1: score 8.1 = 3 × 1 × 1.8 × 1 × 1.5');
    expect(a.explanation).toContain('projected 2 h late → penalty 1,000 (500/h for tier A)');
    const c = scoreOrder(plant, r, { id: 'O3', customer: 'corner-shop', due: T0 + 24 * HOUR, priority: 1 }, T0);
    expect(c.score).toBeCloseTo(1 * 1 * 1 * 2 * 1.5, 9);
    expect(rankOrders(plant, r, [{ id: 'O3', customer: 'corner-shop', due: T0 + 24 * HOUR, priority: 1 }, { id: 'O1', customer: 'big-retail', due: T0 + 24 * HOUR, priority: 3 }], T0).map((s) => s.orderId)).toEqual(['O1', 'O3']);
    expect(latenessPenalty(r, 'C', 90 * MIN)).toBe(60);
  });

  it('lists the approvals a change needs from the default rules', () => {
    const plant = demoPlant();
    const r = parsedDefaultRules(plant);
    expect(requiredApprovals(r, { reroutes: [{ orderId: 'X', tier: 'B' }] })).toEqual([]);
    expect(requiredApprovals(r, { reroutes: [{ orderId: 'X', tier: 'A' }], allergenChangeovers: [{ lineId: 'DD-L1', from: 'yog-nut', to: 'yog-plain' }], cost: 6000 }).map((a) => [a.ruleId, a.approver, a.escalateAfterMinutes, a.escalateTo])).toEqual([
      ['reroute-tier-a', 'planner', 30, 'manager'],
      ['allergen-changeover', 'qa', 20, 'manager'],
      ['cost-above-5000', 'controller', 60, 'manager'],
    ]);
  });
});
