/**
 * shared/commit/workflows.ts + gates.ts: a committed option expands into the default templates'
 * actions with the on-shift owners, due times and dependencies; unassigned when nobody of the
 * role is on shift; readiness gates open only when kitting, QA release and changeover are done.
 * Also: the default rule set (with its workflow templates) still fits the demo plant.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlantText } from '../../../shared/plant/parse';
import { parseRulesText } from '../../../shared/decide/rules-parse';
import { ruleSetSchema, genericRuleSetInput, type WorkflowTemplate } from '../../../shared/decide/rules-schema';
import { expandActions, findPerson, gatingKinds, movedOrders, ownerOnShift } from '../../../shared/commit/workflows';
import { readinessGates } from '../../../shared/commit/gates';
import type { Plant } from '../../../shared/plant/schema';

const root = join(import.meta.dirname, '..', '..', '..');
const load = (rel: string): Plant => {
  const r = parsePlantText(readFileSync(join(root, rel), 'utf8'), rel);
  if (!r.ok) throw new Error(`${rel} invalid`);
  return r.plant;
};
const plant = load('test/fixtures/commit/commit-plant.yaml');
const templates: WorkflowTemplate[] = ruleSetSchema.parse(genericRuleSetInput()).workflows.templates;
/** Monday 2026-03-02 15:00 UTC: the late shift (crew B). */
const T = Date.UTC(2026, 2, 2, 15, 0);
const MIN = 60_000;

const orders: Record<string, { sku: string; qty: number; lineId: string | null }> = {
  O1: { sku: 'Y-PLAIN-125', qty: 12000, lineId: 'L1' },
  O4: { sku: 'Y-PLAIN-125', qty: 8000, lineId: 'L2' },
};
const orderOf = (id: string) => orders[id];

describe('workflow expansion', () => {
  const option = { kind: 'reroute' as const, title: 'Reroute O1 to L2', moves: [{ kind: 'reroute' as const, orderId: 'O1', toLine: 'L2' }] };
  const moved = movedOrders(option, orderOf);
  const actions = expandActions({ plant, templates, decisionId: 'dec-1', exception: { type: 'line-down', lineId: 'L1' }, option, moved, at: T });

  it('finds the moved orders with their remaining quantity', () => {
    expect(moved).toEqual([{ orderId: 'O1', lineId: 'L2', sku: 'Y-PLAIN-125', qty: 12000 }]);
    expect(movedOrders({ moves: [{ kind: 'split', orderId: 'O1', toLine: 'L2', qty: 3000 }] }, orderOf)).toEqual([{ orderId: 'O1-S', lineId: 'L2', qty: 3000, sku: 'Y-PLAIN-125' }]);
    expect(movedOrders({ moves: [{ kind: 'resequence', lineId: 'L2', orderIds: ['O4', 'O1'] }] }, orderOf)).toEqual([{ orderId: 'O4', lineId: 'L2', sku: 'Y-PLAIN-125', qty: 8000 }]);
  });

  it('creates one action per template with owners of the shift on duty and due times from the SLA', () => {
    expect(actions.map((a) => `${a.kind}:${a.lineId}:${a.ownerId}`)).toEqual([
      'kitting:L2:b-warehouse',
      'line-clearance:L2:b-qa',
      'qa-release:L2:b-qa',
      'changeover-readiness:L2:b-maintenance',
      'maintenance-window:L1:b-maintenance',
      'schedule-communication:L1:b-planner',
    ]);
    expect(actions.every((a) => a.status === 'assigned' && a.history.length === 2)).toBe(true);
    expect(actions.find((a) => a.kind === 'kitting')!.dueAt).toBe(T + 45 * MIN);
    expect(actions.find((a) => a.kind === 'kitting')!.detail).toBe('Kit order O1 (Y-PLAIN-125 × 12,000) for Pot line 2: issue 1,440 l milk, 12,000 pcs cup to the line.');
    expect(actions.find((a) => a.kind === 'qa-release')!.dependsOn).toEqual([actions.find((a) => a.kind === 'line-clearance')!.id]);
    expect(actions.find((a) => a.kind === 'kitting')!.verification).toMatchObject({ by: 'signal', signalType: 'inventory.issue' });
    expect(actions.find((a) => a.kind === 'line-clearance')!.verification.by).toBe('person');
  });

  it('leaves an action unassigned when nobody of the role is on shift', () => {
    const small = load('test/fixtures/plants/small-plant.yaml'); // one crew, early shift only, no warehouse
    const early = Date.UTC(2026, 2, 2, 7, 0);
    const night = Date.UTC(2026, 2, 2, 23, 0);
    expect(ownerOnShift(small, 'qa', early)).toEqual({ id: 'p3', name: 'Chiara Russo', role: 'qa' });
    expect(ownerOnShift(small, 'qa', night)).toBeNull();
    const a = expandActions({ plant: small, templates, decisionId: 'd', exception: { type: 'line-down', lineId: 'L1' }, option, moved, at: early });
    const kit = a.find((x) => x.kind === 'kitting')!;
    expect(kit).toMatchObject({ ownerId: '', ownerName: '', status: 'created' });
    expect(findPerson(small, 'p1')).toMatchObject({ role: 'lead' });
  });

  it('a wait dispatches only what the exception itself needs', () => {
    const wait = { kind: 'wait' as const, title: 'Wait for the repair', moves: [{ kind: 'wait' as const }] };
    const a = expandActions({ plant, templates, decisionId: 'd', exception: { type: 'line-down', lineId: 'L1' }, option: wait, moved: movedOrders(wait, orderOf), at: T });
    expect(a.map((x) => x.kind)).toEqual(['maintenance-window']);
  });
});

describe('readiness gates', () => {
  const option = { kind: 'reroute' as const, title: 'r', moves: [{ kind: 'reroute' as const, orderId: 'O1', toLine: 'L2' }] };
  const actions = expandActions({ plant, templates, decisionId: 'dec-1', exception: { type: 'line-down', lineId: 'L1' }, option, moved: movedOrders(option, orderOf), at: T });
  const gating = gatingKinds(templates);
  it('holds the run until kitting, QA release and changeover readiness are done', () => {
    expect([...gating].sort()).toEqual(['changeover-readiness', 'kitting', 'qa-release']);
    const [g] = readinessGates(actions, gating);
    expect(g).toMatchObject({ lineId: 'L2', orderId: 'O1', decisionId: 'dec-1', ready: false });
    expect(g!.pending.map((p) => p.kind)).toEqual(['kitting', 'qa-release', 'changeover-readiness']);
    const done = actions.map((a) => (a.kind === 'kitting' || a.kind === 'qa-release' ? { ...a, status: 'verified' as const } : a));
    expect(readinessGates(done, gating)[0]!.pending.map((p) => p.kind)).toEqual(['changeover-readiness']);
    const all = done.map((a) => (a.kind === 'changeover-readiness' ? { ...a, status: 'done' as const } : a));
    expect(readinessGates(all, gating)[0]).toMatchObject({ ready: true, pending: [] });
  });
});

describe('workflow rules', () => {
  it('defaults the templates when a rule set has none, and checks dependencies', () => {
    expect(templates.map((t) => t.id)).toEqual(['kitting', 'line-clearance', 'qa-release', 'changeover-readiness', 'maintenance-window', 'schedule-communication']);
    const bad = ruleSetSchema.safeParse({ ...genericRuleSetInput(), workflows: { templates: [{ id: 'x', kind: 'kitting', role: 'warehouse', title: 'X', dueMinutes: 5, dependsOn: ['nope'] }] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['workflows', 'templates', 0, 'dependsOn', 0], message: expect.stringMatching(/'nope' is not a template id/) });
  });
  it('the shipped default rules are valid for the demo plant', () => {
    const demo = load('resources/plants/demo-plant.yaml');
    const r = parseRulesText(readFileSync(join(root, 'resources/rules/default-rules.yaml'), 'utf8'), 'default-rules.yaml', demo);
    expect(r.ok ? [] : r.errors).toEqual([]);
    // The shipped file spells out the defaults, so a planner sees (and edits) them.
    if (r.ok) expect(r.loaded.rules.workflows.templates).toEqual(templates);
  });
});
