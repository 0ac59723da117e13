/**
 * shared/commit/verification.ts, overdue.ts, outbox-policy.ts and plan-change.ts: which MES signal
 * verifies which action, approval escalation and overdue actions in plant time, the outbox's
 * backoff (exponential, capped, seeded jitter) and idempotency keys, and the journaled form of a
 * plan change.
 */
import { describe, expect, it } from 'vitest';
import { verifies, type VerificationContext } from '../../../shared/commit/verification';
import { checkActionOverdue, escalateApproval } from '../../../shared/commit/overdue';
import { DEFAULT_RETRY, afterFailure, backoffMs, idempotencyKey } from '../../../shared/commit/outbox-policy';
import { planChange } from '../../../shared/commit/plan-change';
import type { ActionRecord, ApprovalRecord } from '../../../shared/commit/records';
import type { Signal } from '../../../shared/signals/schema';

const T = Date.UTC(2026, 2, 2, 15, 0);
const MIN = 60_000;
const action = (kind: ActionRecord['kind'], over: Partial<ActionRecord> = {}): ActionRecord => ({
  id: `a-${kind}`,
  decisionId: 'dec-1',
  kind,
  title: kind,
  detail: '',
  role: 'qa',
  ownerId: 'p1',
  ownerName: 'P',
  status: 'assigned',
  lineId: 'L2',
  orderId: 'O1',
  createdAt: T,
  dueAt: T + 30 * MIN,
  updatedAt: T,
  dependsOn: [],
  verification: kind === 'line-clearance' ? { by: 'person', description: '' } : { by: 'signal', signalType: 'x', description: '' },
  overdue: false,
  history: [],
  ...over,
});
const env = (type: string, body: object): Signal => ({ id: `s-${type}`, source: 'mes', seq: 1, eventTime: T, receiveTime: T, type, ...body }) as Signal;
const states = new Map<string, string>();
const ctx: VerificationContext = {
  lineOfMachine: (m) => ({ 'L2-FIL': 'L2', 'L1-FIL': 'L1' })[m],
  previousState: (m) => states.get(m),
  hold: (h) => (h === 'H-L2' ? { lineId: 'L2', orderId: null } : h === 'H-O1' ? { lineId: null, orderId: 'O1' } : h === 'H-L1' ? { lineId: 'L1', orderId: null } : undefined),
  componentsOf: (o) => (o === 'O1' ? ['milk', 'cup'] : []),
};

describe('verification matchers', () => {
  it('kitting: material issued for the order, or a BOM component issued to the line', () => {
    expect(verifies(action('kitting'), env('inventory.issue', { component: 'cup', location: 'WH', qty: 5, orderId: 'O1' }), ctx)).toMatch(/issued for O1/);
    expect(verifies(action('kitting'), env('inventory.issue', { component: 'milk', location: 'WH', qty: 5, line: 'L2' }), ctx)).toMatch(/issued to L2/);
    expect(verifies(action('kitting'), env('inventory.issue', { component: 'sugar', location: 'WH', qty: 5, line: 'L2' }), ctx)).toBeNull();
    expect(verifies(action('kitting'), env('inventory.issue', { component: 'cup', location: 'WH', qty: 5, orderId: 'O9' }), ctx)).toBeNull();
  });
  it('qa-release: the release of a hold on the line or the order', () => {
    expect(verifies(action('qa-release'), env('quality.release', { holdId: 'H-L2' }), ctx)).toMatch(/H-L2/);
    expect(verifies(action('qa-release'), env('quality.release', { holdId: 'H-O1' }), ctx)).toMatch(/H-O1/);
    expect(verifies(action('qa-release'), env('quality.release', { holdId: 'H-L1' }), ctx)).toBeNull();
    expect(verifies(action('qa-release'), env('quality.hold', { holdId: 'H-L2', line: 'L2', reason: 'x' }), ctx)).toBeNull();
  });
  it('changeover readiness: a machine of the line leaves changeover/cleaning, or the order starts there', () => {
    states.set('L2-FIL', 'changeover');
    expect(verifies(action('changeover-readiness'), env('machine.state', { machine: 'L2-FIL', state: 'running' }), ctx)).toMatch(/left 'changeover'/);
    expect(verifies(action('changeover-readiness'), env('machine.state', { machine: 'L2-FIL', state: 'cleaning' }), ctx)).toBeNull();
    states.set('L2-FIL', 'idle');
    expect(verifies(action('changeover-readiness'), env('machine.state', { machine: 'L2-FIL', state: 'running' }), ctx)).toBeNull();
    expect(verifies(action('changeover-readiness'), env('order.started', { orderId: 'O1', line: 'L2' }), ctx)).toMatch(/O1 started on L2/);
    expect(verifies(action('changeover-readiness'), env('order.started', { orderId: 'O1', line: 'L1' }), ctx)).toBeNull();
  });
  it('maintenance window: the line runs again after being down', () => {
    states.set('L1-FIL', 'down');
    const a = action('maintenance-window', { lineId: 'L1' });
    expect(verifies(a, env('machine.state', { machine: 'L1-FIL', state: 'running' }), ctx)).toMatch(/again after being down/);
    expect(verifies(a, env('machine.state', { machine: 'L2-FIL', state: 'running' }), ctx)).toBeNull();
  });
  it('no signal verifies a person-verified, verified or rejected action', () => {
    expect(verifies(action('line-clearance'), env('quality.release', { holdId: 'H-L2' }), ctx)).toBeNull();
    expect(verifies(action('kitting', { status: 'verified' }), env('inventory.issue', { component: 'cup', location: 'WH', qty: 1, orderId: 'O1' }), ctx)).toBeNull();
    expect(verifies(action('kitting', { status: 'rejected' }), env('inventory.issue', { component: 'cup', location: 'WH', qty: 1, orderId: 'O1' }), ctx)).toBeNull();
  });
});

describe('escalation and overdue (plant time)', () => {
  const approval: ApprovalRecord = { id: 'p-1', decisionId: 'dec-1', ruleId: 'r', reason: 'x', role: 'planner', status: 'pending', requestedAt: T, dueAt: T + 30 * MIN, escalateTo: 'manager', level: 0 };
  it('an approval escalates once its due time passes, to its escalateTo role, with a fresh due time', () => {
    expect(escalateApproval(approval, T + 29 * MIN, 30)).toBeNull();
    expect(escalateApproval(approval, T + 30 * MIN, 30)).toMatchObject({ status: 'escalated', role: 'manager', level: 1, dueAt: T + 60 * MIN });
    expect(escalateApproval({ ...approval, status: 'approved' }, T + 90 * MIN, 30)).toBeNull();
    expect(escalateApproval({ ...approval, status: 'escalated', role: 'manager' }, T + 90 * MIN, 30)).toBeNull();
  });
  it('an open action past due is overdue, and escalates once it is late by the SLA', () => {
    const a = action('kitting');
    const sla = { escalateAfterMinutes: 15, escalateTo: 'lead' as const };
    expect(checkActionOverdue(a, T + 30 * MIN, sla)).toBeNull();
    const late = checkActionOverdue(a, T + 31 * MIN, sla)!;
    expect(late).toMatchObject({ overdue: true });
    expect(late.escalatedTo).toBeUndefined();
    expect(checkActionOverdue(late, T + 40 * MIN, sla)).toBeNull();
    expect(checkActionOverdue(late, T + 45 * MIN, sla)).toMatchObject({ overdue: true, escalatedTo: 'lead' });
    expect(checkActionOverdue(action('kitting', { status: 'done' }), T + 90 * MIN, sla)).toBeNull();
  });
});

describe('outbox retry policy', () => {
  it('backs off exponentially up to the cap, with jitter in [half, whole] of the step, the same for the same seed', () => {
    const p = { baseMs: 1000, capMs: 8000, maxAttempts: 6, seed: 7 };
    const steps = [1, 2, 3, 4, 5, 6].map((n) => backoffMs(p, n, 'm-1'));
    const bounds = [1000, 2000, 4000, 8000, 8000, 8000];
    steps.forEach((s, i) => {
      expect(s).toBeGreaterThanOrEqual(bounds[i]! / 2);
      expect(s).toBeLessThanOrEqual(bounds[i]!);
    });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(p, n, 'm-1'))).toEqual(steps);
    // Different messages do not retry in lockstep.
    expect(new Set(['m-1', 'm-2', 'm-3', 'm-4'].map((id) => backoffMs(p, 3, id))).size).toBeGreaterThan(1);
  });
  it('gives up after maxAttempts', () => {
    expect(afterFailure(DEFAULT_RETRY, 1, 'm', 1000)).toMatchObject({ status: 'pending' });
    expect(afterFailure(DEFAULT_RETRY, 1, 'm', 1000).nextAttemptAt).toBeGreaterThan(1000);
    expect(afterFailure(DEFAULT_RETRY, DEFAULT_RETRY.maxAttempts, 'm', 1000)).toEqual({ status: 'failed', nextAttemptAt: 0 });
  });
  it('idempotency keys depend on the effect, not on key order or the attempt', () => {
    expect(idempotencyKey('dec-1', 'k', { a: 1, b: 2 })).toBe(idempotencyKey('dec-1', 'k', { b: 2, a: 1 }));
    expect(idempotencyKey('dec-1', 'k', { a: 1 })).not.toBe(idempotencyKey('dec-2', 'k', { a: 1 }));
  });
});

describe('plan change', () => {
  const spec = (id: string) => (id === 'O1' ? { id, sku: 'Y', qty: 12000, good: 2000, customer: 'c', due: T + 600 * MIN, priority: 2, lineId: 'L1' } : undefined);
  it('a reroute is a journaled order.changed with the line, plus ERP and MES write-back', () => {
    const c = planChange('dec-1', [{ kind: 'reroute', orderId: 'O1', toLine: 'L2' }], spec);
    expect(c.signals).toEqual([{ type: 'order.changed', orderId: 'O1', line: 'L2' }]);
    expect(c.unapplied).toEqual([]);
    expect(c.messages.map((m) => `${m.target}:${m.kind}`)).toEqual(['erp:production-order.line', 'mes:dispatch-list.update', 'mes:dispatch-list.update']);
    expect(c.messages[0]!.payload).toEqual({ orderId: 'O1', fromLine: 'L1', toLine: 'L2' });
    expect(new Set(c.messages.map((m) => m.idempotencyKey)).size).toBe(3);
  });
  it('a split keeps the rest on the order and creates the split-off part on the target line', () => {
    const c = planChange('dec-1', [{ kind: 'split', orderId: 'O1', toLine: 'L2', qty: 4000 }], spec);
    expect(c.signals).toEqual([
      { type: 'order.changed', orderId: 'O1', qty: 8000 },
      { type: 'order.created', order: { id: 'O1-S', sku: 'Y', qty: 4000, customer: 'c', due: T + 600 * MIN, priority: 2, line: 'L2' } },
    ]);
  });
  it('without the twin\'s line plans, queue moves are written back only and named unapplied', () => {
    const c = planChange('dec-1', [{ kind: 'resequence', lineId: 'L1', orderIds: ['O2', 'O1'] }, { kind: 'wait' }], spec);
    expect(c.signals).toEqual([]);
    expect(c.applied).toEqual([]);
    expect(c.unapplied).toEqual(['sequence O2, O1 on L1']);
    expect(c.messages.map((m) => m.kind)).toEqual(['production-order.sequence', 'dispatch-list.update']);
  });
});

describe('plan change: queue moves become plan.sequence pins', () => {
  // L1 waits A (due 2 h), B (due 3 h), C (due 5 h) — the twin's order; L2 waits D (due 1 h), E (due 4 h).
  const book: Record<string, { due: number; priority: number; lineId: string | null }> = {
    A: { due: T + 120 * MIN, priority: 3, lineId: 'L1' },
    B: { due: T + 180 * MIN, priority: 3, lineId: 'L1' },
    C: { due: T + 300 * MIN, priority: 3, lineId: 'L1' },
    D: { due: T + 60 * MIN, priority: 3, lineId: 'L2' },
    E: { due: T + 240 * MIN, priority: 3, lineId: 'L2' },
    R: { due: T + 30 * MIN, priority: 3, lineId: 'L1' }, // running on L1, not waiting
  };
  const spec = (id: string) => (book[id] ? { id, sku: 'Y', qty: 1000, good: 0, customer: 'c', ...book[id] } : undefined);
  const plans: Record<string, { queue: string[]; pinned: string[] }> = { L1: { queue: ['A', 'B', 'C'], pinned: [] }, L2: { queue: ['D', 'E'], pinned: [] } };
  const lineOf = (id: string) => plans[id];

  it('a sequence move pins the queue up to the order\'s new slot, journaled after the other signals', () => {
    const c = planChange('dec-1', [{ kind: 'sequence', orderId: 'C', position: 1 }], spec, lineOf);
    expect(c.signals).toEqual([{ type: 'plan.sequence', line: 'L1', orderIds: ['A', 'C'], decisionId: 'dec-1' }]);
    expect(c.applied).toEqual(['sequence A, C first on L1']);
    expect(c.unapplied).toEqual([]);
    expect(c.messages.map((m) => `${m.target}:${m.kind}`)).toEqual(['erp:production-order.sequence', 'mes:dispatch-list.update']);
    // slot 0, and a slot past the end (clamped)
    expect(planChange('dec-1', [{ kind: 'sequence', orderId: 'C', position: 0 }], spec, lineOf).signals).toEqual([{ type: 'plan.sequence', line: 'L1', orderIds: ['C'], decisionId: 'dec-1' }]);
    expect(planChange('dec-1', [{ kind: 'sequence', orderId: 'A', position: 9 }], spec, lineOf).signals).toEqual([{ type: 'plan.sequence', line: 'L1', orderIds: ['B', 'C', 'A'], decisionId: 'dec-1' }]);
  });

  it('a resequence pins the orders still waiting on the line and names the others', () => {
    const c = planChange('dec-1', [{ kind: 'resequence', lineId: 'L1', orderIds: ['C', 'GONE', 'A'] }], spec, lineOf);
    expect(c.signals).toEqual([{ type: 'plan.sequence', line: 'L1', orderIds: ['C', 'A'], decisionId: 'dec-1' }]);
    expect(c.applied).toEqual(['sequence C, A first on L1']);
    expect(c.unapplied).toEqual(['sequence of GONE on L1 (not waiting there any more)']);
  });

  it('keeps an existing pin ahead of the slot and lets the one behind it go back to the due order', () => {
    const pinned = (id: string) => (id === 'L1' ? { queue: ['C', 'B', 'A'], pinned: ['C', 'B'] } : plans[id]);
    expect(planChange('dec-1', [{ kind: 'sequence', orderId: 'A', position: 1 }], spec, pinned).signals).toEqual([{ type: 'plan.sequence', line: 'L1', orderIds: ['C', 'A'], decisionId: 'dec-1' }]);
  });

  it('a reroute or split with a position pins the target line after the order.changed / order.created that put the order there', () => {
    const c = planChange('dec-1', [{ kind: 'reroute', orderId: 'C', toLine: 'L2', position: 1 }, { kind: 'split', orderId: 'B', toLine: 'L2', qty: 400, newId: 'B-S', position: 0 }], spec, lineOf);
    expect(c.signals.map((x) => x.type)).toEqual(['order.changed', 'order.changed', 'order.created', 'plan.sequence']);
    // after the reroute L2 is D, C, E (C pinned at 1); the split-off part then goes to the front
    expect(c.signals.at(-1)).toEqual({ type: 'plan.sequence', line: 'L2', orderIds: ['B-S'], decisionId: 'dec-1' });
    expect(c.applied).toEqual(['reroute C to L2', 'split 400 of B to L2 as B-S', 'sequence B-S first on L2']);
    expect(c.unapplied).toEqual([]);
    const r = planChange('dec-1', [{ kind: 'reroute', orderId: 'C', toLine: 'L2', position: 1 }], spec, lineOf);
    expect(r.signals.at(-1)).toEqual({ type: 'plan.sequence', line: 'L2', orderIds: ['D', 'C'], decisionId: 'dec-1' });
  });

  it('a reroute followed by a sequence on the new line uses the line the order is on by then', () => {
    const c = planChange('dec-1', [{ kind: 'reroute', orderId: 'A', toLine: 'L2' }, { kind: 'sequence', orderId: 'A', position: 0 }], spec, lineOf);
    expect(c.signals).toEqual([
      { type: 'order.changed', orderId: 'A', line: 'L2' },
      { type: 'plan.sequence', line: 'L2', orderIds: ['A'], decisionId: 'dec-1' },
    ]);
  });

  it('names what it cannot apply: the running order, pausing it, an order with no line, a line the twin does not show', () => {
    const c = planChange('dec-1', [{ kind: 'pause-current', lineId: 'L1' }, { kind: 'sequence', orderId: 'R', position: 0 }, { kind: 'sequence', orderId: 'X', position: 0 }, { kind: 'reroute', orderId: 'A', toLine: 'L9', position: 0 }], spec, lineOf);
    expect(c.signals).toEqual([{ type: 'order.changed', orderId: 'A', line: 'L9' }]);
    expect(c.unapplied).toEqual([
      'pause of the current order on L1',
      'queue position 0 of R on L1 (it is not waiting there: running or finished)',
      'queue position 0 of X (no such order in the twin)',
      'queue position 0 of A on L9 (the twin shows no line L9)',
    ]);
  });
});
