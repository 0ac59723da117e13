/**
 * The console's record reducer and selectors without a browser: upserts from lists and the stream
 * in either order (newer copy wins), inbox membership, greyed moves with reasons, dependency
 * order, relative due times, board grouping.
 */
import { describe, expect, it } from 'vitest';
import type { ActionRecord, ApprovalRecord, DecisionReceipt, OutboxRecord, RecordChange } from '../../../shared/commit/records';
import {
  applyChanges,
  approvalsOf,
  asChanges,
  boardColumns,
  boardRows,
  decisionsOf,
  emptyRecords,
  inboxFor,
  movesFor,
  pendingDependencies,
  relativeDue,
  roleInbox,
  sortActions,
  type Person,
} from '../../../renderer/src/commit/records-state';
import { gateTexts } from '../../../renderer/src/commit/gates';
import { eventsFrom, personEvent } from '../../../shared/commit/action-machine';
import { actionStatuses } from '../../../shared/commit/records';

const T0 = Date.UTC(2026, 10, 26, 8, 0);
const MIN = 60_000;

function action(id: string, over: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id,
    decisionId: 'D-1',
    kind: 'kitting',
    title: `Action ${id}`,
    detail: 'stage 200 kg flour at BS-L1',
    role: 'warehouse',
    ownerId: 'A-024',
    ownerName: 'Hannah Haddad',
    status: 'assigned',
    lineId: 'BS-L1',
    createdAt: T0,
    dueAt: T0 + 30 * MIN,
    updatedAt: T0,
    dependsOn: [],
    verification: { by: 'signal', signalType: 'material.issued', description: 'material issued to BS-L1' },
    overdue: false,
    history: [{ at: T0, from: null, to: 'assigned', by: 'takt' }],
    ...over,
  };
}

function decision(id: string, over: Partial<DecisionReceipt> = {}): DecisionReceipt {
  return {
    id,
    seq: 1,
    exceptionId: 'EX-1',
    exceptionTitle: 'BS-L1 down',
    lineId: 'BS-L1',
    status: 'pending-approval',
    journalPosition: 10,
    forkAt: T0,
    horizonHours: 24,
    seed: 1,
    ruleSetVersion: '1',
    ruleSetHash: 'h',
    plantVersion: 'p',
    committedBy: 'A-027',
    committedRole: 'controller',
    committedAt: T0,
    options: [],
    chosenOptionId: 'o1',
    chosen: {} as DecisionReceipt['chosen'],
    approvalIds: ['AP-2', 'AP-1'],
    prevHash: '0',
    hash: 'x',
    ...over,
  };
}

function approval(id: string, over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return { id, decisionId: 'D-1', ruleId: 'r', reason: 'allergen', role: 'qa', status: 'pending', requestedAt: T0, dueAt: T0 + 15 * MIN, escalateTo: 'manager', level: 0, ...over };
}

function outbox(id: string, over: Partial<OutboxRecord> = {}): OutboxRecord {
  return { id, target: 'erp', kind: 'order.sequence', idempotencyKey: `k-${id}`, decisionId: 'D-1', status: 'pending', attempts: 0, nextAttemptAt: T0, createdAt: T0, payload: {}, ...over };
}

const warehouse: Person = { id: 'A-024', name: 'Hannah Haddad', role: 'warehouse' };
const otherWarehouse: Person = { id: 'A-025', name: 'Zoe Jansen', role: 'warehouse' };
const qa: Person = { id: 'A-020', name: 'Sven Russo', role: 'qa' };

describe('applyChanges', () => {
  it('upserts by id and keeps untouched collections identical (memo-friendly)', () => {
    const s0 = emptyRecords();
    const s1 = applyChanges(s0, [{ collection: 'actions', doc: action('A1') }]);
    expect(s1.actions.get('A1')?.status).toBe('assigned');
    expect(s1.decisions).toBe(s0.decisions);
    expect(s1.actions).not.toBe(s0.actions);
    const s2 = applyChanges(s1, [{ collection: 'actions', doc: action('A1', { status: 'acknowledged', updatedAt: T0 + MIN }) }]);
    expect(s2.actions.size).toBe(1);
    expect(s2.actions.get('A1')?.status).toBe('acknowledged');
    expect(s1.actions.get('A1')?.status).toBe('assigned'); // the old state is not mutated
    expect(applyChanges(s2, [])).toBe(s2);
  });

  it('keeps the newer copy whichever arrives last (list answer after a stream item, and before)', () => {
    const older = action('A1', { status: 'assigned', updatedAt: T0 });
    const newer = action('A1', { status: 'in-progress', updatedAt: T0 + 5 * MIN });
    const streamFirst = applyChanges(applyChanges(emptyRecords(), [{ collection: 'actions', doc: newer }]), asChanges('actions', [older]));
    const listFirst = applyChanges(applyChanges(emptyRecords(), asChanges('actions', [older])), [{ collection: 'actions', doc: newer }]);
    expect(streamFirst.actions.get('A1')?.status).toBe('in-progress');
    expect(listFirst.actions.get('A1')?.status).toBe('in-progress');
  });

  it('guards decisions, approvals and outbox by their progress', () => {
    let s = applyChanges(emptyRecords(), [
      { collection: 'decisions', doc: decision('D-1', { status: 'dispatched' }) },
      { collection: 'approvals', doc: approval('AP-1', { status: 'approved', decidedBy: 'A-020' }) },
      { collection: 'outbox', doc: outbox('O-1', { status: 'acked', attempts: 2 }) },
    ]);
    s = applyChanges(s, [
      { collection: 'decisions', doc: decision('D-1', { status: 'pending-approval' }) },
      { collection: 'approvals', doc: approval('AP-1', { status: 'pending' }) },
      { collection: 'outbox', doc: outbox('O-1', { status: 'sending', attempts: 2 }) },
    ]);
    expect(s.decisions.get('D-1')?.status).toBe('dispatched');
    expect(s.approvals.get('AP-1')?.status).toBe('approved');
    expect(s.outbox.get('O-1')?.status).toBe('acked');
    // An escalation (level up) replaces the pending level-0 copy; a retry of a failed message goes through.
    s = applyChanges(s, [
      { collection: 'approvals', doc: approval('AP-2', { status: 'pending' }) },
      { collection: 'approvals', doc: approval('AP-2', { status: 'escalated', role: 'manager', level: 1 }) },
      { collection: 'outbox', doc: outbox('O-2', { status: 'failed', attempts: 5, lastError: 'ERP 503' }) },
      { collection: 'outbox', doc: outbox('O-2', { status: 'pending', attempts: 5 }) },
    ]);
    expect(s.approvals.get('AP-2')).toMatchObject({ status: 'escalated', role: 'manager' });
    expect(s.outbox.get('O-2')?.status).toBe('pending');
  });

  it('applies a burst of 5,000 stream changes in one call', () => {
    const changes: RecordChange[] = [];
    for (let i = 0; i < 5000; i++) changes.push({ collection: 'actions', doc: action(`A${i % 500}`, { updatedAt: T0 + i }) });
    const s = applyChanges(emptyRecords(), changes);
    expect(s.actions.size).toBe(500);
    expect(s.actions.get('A499')?.updatedAt).toBe(T0 + 4999);
  });
});

describe('selectors', () => {
  it('lists decisions of an exception newest first and approvals in the order required', () => {
    const s = applyChanges(emptyRecords(), [
      { collection: 'decisions', doc: decision('D-1', { seq: 1 }) },
      { collection: 'decisions', doc: decision('D-2', { seq: 2, approvalIds: [] }) },
      { collection: 'decisions', doc: decision('D-3', { seq: 3, exceptionId: 'EX-2' }) },
      { collection: 'approvals', doc: approval('AP-1') },
      { collection: 'approvals', doc: approval('AP-2') },
    ]);
    expect(decisionsOf(s, 'EX-1').map((d) => d.id)).toEqual(['D-2', 'D-1']);
    expect(approvalsOf(s, s.decisions.get('D-1')!).map((a) => a.id)).toEqual(['AP-2', 'AP-1']);
  });

  it('inbox: own actions, the role’s unassigned and escalated ones; open first, overdue first', () => {
    const list = [
      action('mine-later', { dueAt: T0 + 60 * MIN }),
      action('mine-overdue', { dueAt: T0 + 90 * MIN, overdue: true }),
      action('unassigned', { ownerId: '', ownerName: '' }),
      action('colleague', { ownerId: 'A-025', ownerName: 'Zoe Jansen' }),
      action('qa-escalated', { role: 'qa', ownerId: 'A-020', escalatedTo: 'warehouse' }),
      action('qa-only', { role: 'qa', ownerId: 'A-020' }),
      action('mine-done', { status: 'done', dueAt: T0 }),
      action('mine-verified', { status: 'verified' }),
    ];
    // Done waits for verification: still shown, after the open ones; verified only when asked for.
    expect(inboxFor(list, warehouse).map((a) => a.id)).toEqual(['mine-overdue', 'qa-escalated', 'unassigned', 'mine-later', 'mine-done']);
    expect(inboxFor(list, warehouse, true).map((a) => a.id)).toContain('mine-verified');
    expect(roleInbox(list, 'warehouse').map((a) => a.id).sort()).toEqual(['colleague', 'mine-done', 'mine-later', 'mine-overdue', 'qa-escalated', 'unassigned'].sort());
  });

  it('moves: the next steps per status, greyed with the reason when not allowed now', () => {
    const clearance = action('CLR', { kind: 'line-clearance', role: 'qa', ownerId: 'A-020', status: 'in-progress', title: 'Line clearance BS-L1' });
    const release = action('REL', { kind: 'qa-release', role: 'qa', ownerId: 'A-020', status: 'acknowledged', dependsOn: ['CLR'], title: 'QA release BS-L1' });
    const map = new Map([clearance, release].map((a) => [a.id, a]));

    const rel = movesFor(release, qa, map);
    expect(rel.map((m) => m.id)).toEqual(['start', 'block', 'reject']);
    expect(rel[0]!.disabled).toBe('Waits for Line clearance BS-L1 (in-progress).');
    expect(rel[1]!.disabled).toBeNull();
    expect(rel[1]!.needsReason).toBe(true);
    expect(pendingDependencies(release, map).map((d) => d.id)).toEqual(['CLR']);

    map.set('CLR', { ...clearance, status: 'done' });
    expect(movesFor(release, qa, map)[0]!.disabled).toBeNull();
    expect(pendingDependencies(release, map)).toEqual([]);

    // Not theirs: every button greyed, saying whose it is.
    const theirs = movesFor(release, warehouse, map);
    expect(theirs.every((m) => m.disabled?.startsWith('For Hannah Haddad') || m.disabled?.includes('(qa)'))).toBe(true);
    expect(movesFor(release, null, map).every((m) => m.disabled === 'Sign in first.')).toBe(true);
    // A shift lead may move anyone's action.
    expect(movesFor(release, { id: 'A-001', name: 'Lukas Schulz', role: 'lead' }, map)[0]!.disabled).toBeNull();
    // A colleague of the same role may cover.
    expect(movesFor(action('K'), otherWarehouse, new Map())[0]!.disabled).toBeNull();

    expect(movesFor(action('K', { status: 'assigned' }), warehouse, new Map()).map((m) => [m.id, m.disabled])).toEqual([
      ['acknowledge', null],
      ['start', 'Acknowledge it first.'],
      ['block', null],
      ['reject', null],
    ]);
    // Nobody owns it yet: the role's people may take it (sent as ownerId).
    expect(movesFor(action('K', { status: 'created', ownerId: '', ownerName: '' }), warehouse, new Map())[0]).toMatchObject({ id: 'take', to: 'assigned', takesOwnership: true, disabled: null });
    expect(movesFor(action('K', { status: 'in-progress' }), warehouse, new Map()).map((m) => m.id)).toEqual(['done', 'block']);
    expect(movesFor(action('K', { status: 'blocked' }), warehouse, new Map()).map((m) => [m.id, m.to])).toEqual([
      ['resume', 'in-progress'],
      ['reject', 'rejected'],
    ]);
    // Done: verified by a signal needs no button; by a person, a Verify button.
    expect(movesFor(action('K', { status: 'done' }), warehouse, new Map())).toEqual([]);
    const byPerson = action('K', { status: 'done', verification: { by: 'person', description: 'lead checks the kit' } });
    expect(movesFor(byPerson, warehouse, new Map())[0]).toMatchObject({ id: 'verify', to: 'verified', disabled: null });
    expect(movesFor(action('K', { status: 'verified' }), warehouse, new Map())).toEqual([]);
  });

  it('offers only moves the core’s action machine accepts from each status', () => {
    for (const status of actionStatuses) {
      for (const verification of [{ by: 'person', description: 'x' }, { by: 'signal', signalType: 'x', description: 'x' }] as const) {
        const moves = movesFor(action('K', { status, verification }), warehouse, new Map()).filter((m) => m.disabled !== 'Acknowledge it first.');
        for (const m of moves) expect(eventsFrom(status), `${m.id} from ${status}`).toContain(personEvent(m.to, { ownerId: 'x', comment: 'x' }).type);
      }
    }
  });

  it('sorts actions so that an action comes after what it depends on, and survives a cycle', () => {
    const a = [action('REL', { dependsOn: ['CLR'], dueAt: T0 }), action('RUN', { dependsOn: ['REL', 'KIT'], dueAt: T0 - MIN }), action('CLR', { dueAt: T0 + 10 * MIN }), action('KIT', { dueAt: T0 + 5 * MIN })];
    expect(sortActions(a).map((x) => x.id)).toEqual(['KIT', 'CLR', 'REL', 'RUN']);
    const cyc = [action('X', { dependsOn: ['Y'] }), action('Y', { dependsOn: ['X'] })];
    expect(sortActions(cyc)).toHaveLength(2);
  });

  it('relative due time in plant time', () => {
    expect(relativeDue(T0, T0 + 12 * MIN)).toEqual({ text: 'in 12 min', overdue: false });
    expect(relativeDue(T0, T0 - 5 * MIN)).toEqual({ text: 'overdue 5 min', overdue: true });
    expect(relativeDue(T0, T0 + 20_000)).toEqual({ text: 'due now', overdue: false });
    expect(relativeDue(T0, T0 + 125 * MIN).text).toBe('in 2 h 5 min');
    expect(relativeDue(T0, T0 - 120 * MIN).text).toBe('overdue 2 h');
  });

  it('board: one row per owner (role when unassigned), one column per status group', () => {
    const rows = boardRows([
      action('A', { status: 'assigned' }),
      action('B', { status: 'in-progress' }),
      action('C', { status: 'verified' }),
      action('D', { status: 'blocked', ownerId: '', ownerName: '', role: 'qa' }),
      action('E', { status: 'rejected', ownerId: '', ownerName: '', role: 'qa' }),
    ]);
    expect(rows.map((r) => r.label)).toEqual(['Hannah Haddad · warehouse', 'qa (unassigned)']);
    const col = (id: string) => boardColumns.findIndex((c) => c.id === id);
    expect(rows[0]!.cells[col('todo')]!.map((a) => a.id)).toEqual(['A']);
    expect(rows[0]!.cells[col('in-progress')]!.map((a) => a.id)).toEqual(['B']);
    expect(rows[0]!.cells[col('verified')]!.map((a) => a.id)).toEqual(['C']);
    expect(rows[1]!.cells[col('blocked')]!.map((a) => a.id)).toEqual(['D', 'E']);
    // Every status has exactly one column.
    const all = boardColumns.flatMap((c) => c.statuses);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(['acknowledged', 'assigned', 'blocked', 'created', 'done', 'in-progress', 'rejected', 'verified']);
  });
});

describe('readiness gate badge text', () => {
  it('names what each line waits for, once per kind, and nothing for ready runs', () => {
    const p = (kind: ActionRecord['kind'], status: ActionRecord['status'] = 'assigned') => ({ actionId: `${kind}-1`, kind, status, dueAt: T0 });
    const m = gateTexts([
      { lineId: 'BS-L1', orderId: 'PO-1', decisionId: 'D-1', ready: false, pending: [p('kitting'), p('qa-release', 'in-progress')] },
      { lineId: 'BS-L1', orderId: 'PO-2', decisionId: 'D-2', ready: false, pending: [p('kitting')] },
      { lineId: 'BS-L2', orderId: 'PO-3', decisionId: 'D-3', ready: true, pending: [] },
    ]);
    expect([...m]).toEqual([['BS-L1', 'waiting: kitting, QA release']]);
  });
});
