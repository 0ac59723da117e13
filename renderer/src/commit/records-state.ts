/**
 * The console's copy of the commit records (decisions, approvals, actions, outbox, audit), as a
 * pure reducer: initial lists and `records` stream changes are both upserts by id. No DOM, no
 * client: the feed (records-feed.ts) feeds it, unit tests drive it directly.
 *
 * Why upserts with a freshness guard rather than "list, then apply the stream": the stream is
 * subscribed before the lists are fetched (so nothing that changes in between is missed), which
 * means a list answer may arrive after a stream item for the same record, or before. The guard
 * keeps whichever copy is newer, so the order of arrival does not matter.
 */
import { doerOf } from '../../../shared/commit/permissions';
import type { ActionRecord, ActionStatus, ApprovalRecord, ApprovalStatus, AuditEntry, DecisionReceipt, DecisionStatus, OutboxRecord, PersonTransition, RecordChange } from '../../../shared/commit/records';

export type CollectionName = RecordChange['collection'];
export interface Docs {
  decisions: DecisionReceipt;
  approvals: ApprovalRecord;
  actions: ActionRecord;
  outbox: OutboxRecord;
  audit: AuditEntry;
}

export interface RecordsState {
  /** True once every initial list has answered. */
  ready: boolean;
  /** What failed to load or stream, in words; null when all is well. */
  error: string | null;
  decisions: ReadonlyMap<string, DecisionReceipt>;
  approvals: ReadonlyMap<string, ApprovalRecord>;
  actions: ReadonlyMap<string, ActionRecord>;
  outbox: ReadonlyMap<string, OutboxRecord>;
  audit: ReadonlyMap<string, AuditEntry>;
}

export const emptyRecords = (): RecordsState => ({ ready: false, error: null, decisions: new Map(), approvals: new Map(), actions: new Map(), outbox: new Map(), audit: new Map() });

const decisionRank: Record<DecisionStatus, number> = { 'pending-approval': 0, rejected: 1, dispatched: 1, closed: 2 };
const approvalRank: Record<ApprovalStatus, number> = { pending: 0, escalated: 1, approved: 2, rejected: 2 };

/** Whether `next` is at least as new as `old` (same record id). */
export function isNewer<C extends CollectionName>(collection: C, old: Docs[C], next: Docs[C]): boolean {
  switch (collection) {
    case 'actions': {
      const o = old as ActionRecord;
      const n = next as ActionRecord;
      return n.updatedAt > o.updatedAt || (n.updatedAt === o.updatedAt && n.history.length >= o.history.length);
    }
    case 'decisions':
      return decisionRank[(next as DecisionReceipt).status] >= decisionRank[(old as DecisionReceipt).status];
    case 'approvals': {
      const o = old as ApprovalRecord;
      const n = next as ApprovalRecord;
      return n.level > o.level || (n.level === o.level && approvalRank[n.status] >= approvalRank[o.status]);
    }
    case 'outbox': {
      const o = old as OutboxRecord;
      const n = next as OutboxRecord;
      if (o.status === 'acked') return n.status === 'acked';
      // Each attempt counts up; within one attempt (e.g. a retry moving failed → pending) the later copy wins.
      return n.attempts >= o.attempts;
    }
    default:
      return true; // audit entries never change
  }
}

/** Applies changes (stream items or list answers); returns a new state, sharing untouched collections. */
export function applyChanges(state: RecordsState, changes: readonly RecordChange[]): RecordsState {
  if (!changes.length) return state;
  const copies: Partial<Record<CollectionName, Map<string, unknown>>> = {};
  for (const c of changes) {
    const map = (copies[c.collection] ??= new Map(state[c.collection] as Map<string, unknown>));
    const old = map.get(c.doc.id) as Docs[typeof c.collection] | undefined;
    if (old && !isNewer(c.collection, old, c.doc)) continue;
    map.set(c.doc.id, c.doc);
  }
  return { ...state, ...(copies as Partial<RecordsState>) };
}

/** Wraps a list answer as changes, so it goes through the same guard. */
export function asChanges<C extends CollectionName>(collection: C, docs: readonly Docs[C][]): RecordChange[] {
  return docs.map((doc) => ({ collection, doc }) as RecordChange);
}

// ------------------------------------------------------------------ selectors

export const OPEN_ACTION: ReadonlySet<ActionStatus> = new Set(['created', 'assigned', 'acknowledged', 'in-progress', 'blocked']);
export const FINISHED_ACTION: ReadonlySet<ActionStatus> = new Set(['done', 'verified']);

export function byDecision<T extends { decisionId: string }>(map: ReadonlyMap<string, T>, decisionId: string): T[] {
  return [...map.values()].filter((x) => x.decisionId === decisionId);
}

/** Decisions of one exception, newest first. */
export function decisionsOf(state: RecordsState, exceptionId: string): DecisionReceipt[] {
  return [...state.decisions.values()].filter((d) => d.exceptionId === exceptionId).sort((a, b) => b.seq - a.seq);
}

/** Where an exception's decision stands: the newest decision, its approvals and its actions' progress. */
export interface DecisionProgress {
  decision: DecisionReceipt;
  /** Other decisions on the same exception (earlier or rejected ones). */
  others: number;
  approvalsPending: number;
  actions: { total: number; finished: number; open: number; overdue: number; blocked: number };
}

/** Null when nobody has decided on the exception yet. */
export function decisionProgress(state: RecordsState, exceptionId: string): DecisionProgress | null {
  const list = decisionsOf(state, exceptionId);
  const d = list.find((x) => x.status !== 'rejected') ?? list[0];
  if (!d) return null;
  const acts = byDecision(state.actions, d.id);
  const finished = acts.filter((a) => a.status === 'done' || a.status === 'verified' || a.status === 'rejected').length;
  return {
    decision: d,
    others: list.length - 1,
    approvalsPending: d.approvalIds.filter((id) => {
      const a = state.approvals.get(id);
      return !a || a.status === 'pending' || a.status === 'escalated';
    }).length,
    actions: { total: acts.length, finished, open: acts.length - finished, overdue: acts.filter((a) => a.overdue).length, blocked: acts.filter((a) => a.status === 'blocked').length },
  };
}

/** "D-3 · Dispatched · 2 of 6 actions done" in words. */
export function progressText(p: DecisionProgress, statusLabel: string, withId = true): string {
  const parts = [withId ? p.decision.id : '', statusLabel];
  if (p.decision.status === 'pending-approval') parts.push(`${p.approvalsPending} approval${p.approvalsPending === 1 ? '' : 's'} to go`);
  else if (p.actions.total > 0) parts.push(`${p.actions.finished} of ${p.actions.total} actions done${p.actions.overdue ? `, ${p.actions.overdue} overdue` : ''}${p.actions.blocked ? `, ${p.actions.blocked} blocked` : ''}`);
  return parts.filter(Boolean).join(' · ');
}

/** Approvals of a decision in the order the receipt required them (unknown ones last). */
export function approvalsOf(state: RecordsState, d: DecisionReceipt): ApprovalRecord[] {
  const order = new Map(d.approvalIds.map((id, i) => [id, i]));
  return byDecision(state.approvals, d.id).sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9) || a.requestedAt - b.requestedAt);
}

/** Actions in dependency order: an action comes after those it depends on, then by due time. */
export function sortActions(list: readonly ActionRecord[]): ActionRecord[] {
  const byId = new Map(list.map((a) => [a.id, a]));
  const depth = new Map<string, number>();
  const d = (a: ActionRecord, seen: Set<string>): number => {
    const known = depth.get(a.id);
    if (known !== undefined) return known;
    if (seen.has(a.id)) return 0; // a cycle is the core's error to report, not ours to loop on
    seen.add(a.id);
    const v = Math.max(-1, ...a.dependsOn.map((id) => (byId.has(id) ? d(byId.get(id)!, seen) : -1))) + 1;
    depth.set(a.id, v);
    return v;
  };
  return [...list].sort((a, b) => d(a, new Set()) - d(b, new Set()) || a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}

export interface Person {
  id: string;
  name: string;
  role: string;
}

/**
 * A person's inbox: their own actions, their role's unassigned ones, and those escalated to their
 * role. Open ones first (overdue, then by due time), then done ones waiting for verification;
 * verified and rejected ones only when asked for.
 */
export function inboxFor(actions: Iterable<ActionRecord>, person: Person, includeFinished = false): ActionRecord[] {
  return sortInbox([...actions].filter((a) => (a.ownerId === person.id || (!a.ownerId && a.role === person.role) || a.escalatedTo === person.role) && (includeFinished || !isFinal(a.status))));
}

/** A role's inbox: every action of the role (whoever owns it) and those escalated to it. */
export function roleInbox(actions: Iterable<ActionRecord>, role: string, includeFinished = false): ActionRecord[] {
  return sortInbox([...actions].filter((a) => (a.role === role || a.escalatedTo === role) && (includeFinished || !isFinal(a.status))));
}

/** Verified or rejected: nothing more will happen. A done action stays in the inbox until verified (it may still need a person's check). */
export function isFinal(s: ActionStatus): boolean {
  return s === 'verified' || s === 'rejected';
}

function sortInbox(list: ActionRecord[]): ActionRecord[] {
  return list.sort((a, b) => Number(isClosed(a.status)) - Number(isClosed(b.status)) || Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}

export function isClosed(s: ActionStatus): boolean {
  return s === 'done' || s === 'verified' || s === 'rejected';
}

/** Roles that may move any action, as the core's commit service allows (its refusal has the last word). */
const SUPERVISORS: ReadonlySet<string> = new Set(['lead', 'manager']);

/** Why a person may not act on an action at all (null when they may). */
export function notYours(a: ActionRecord, person: Person | null): string | null {
  if (!person) return 'Sign in first.';
  if (a.ownerId === person.id) return null;
  if (a.escalatedTo === person.role) return null;
  if (!a.ownerId && a.role === person.role) return null;
  // Same role, someone else's: a colleague covering is allowed; the core records who did it.
  if (a.role === person.role) return null;
  if (SUPERVISORS.has(person.role)) return null;
  return `For ${a.ownerName ? `${a.ownerName} (${a.role})` : `the ${a.role} on shift`}; you are ${person.name} (${person.role}).`;
}

/** Dependencies not done yet, with their titles and statuses. */
export function pendingDependencies(a: ActionRecord, actions: ReadonlyMap<string, ActionRecord>): { id: string; title: string; status: ActionStatus | 'unknown' }[] {
  return a.dependsOn
    .map((id) => actions.get(id))
    .map((d, i) => (d ? { id: d.id, title: d.title, status: d.status } : { id: a.dependsOn[i]!, title: a.dependsOn[i]!, status: 'unknown' as const }))
    .filter((d) => d.status !== 'done' && d.status !== 'verified');
}

export type MoveId = 'take' | 'acknowledge' | 'start' | 'done' | 'verify' | 'block' | 'resume' | 'reject';
export interface Move {
  id: MoveId;
  label: string;
  to: PersonTransition;
  /** Why it cannot be pressed now (shown on the greyed button); null when it can. */
  disabled: string | null;
  /** Needs a reason typed first (blocked, rejected). */
  needsReason?: boolean;
  /** Sends the acting person as the new owner (taking an unassigned action). */
  takesOwnership?: boolean;
}

/**
 * The buttons an action card shows for its status, each enabled or with the reason it is not.
 * Mirrors the core's action machine (shared/commit/action-machine.ts: created → assigned →
 * acknowledged → in-progress → done → verified; blocked/rejected with a reason; start and done
 * wait for dependencies); the core has the last word and its refusal is shown as it is.
 */
export function movesFor(a: ActionRecord, person: Person | null, actions: ReadonlyMap<string, ActionRecord>, doerMayVerify = false): Move[] {
  const who = notYours(a, person);
  const deps = pendingDependencies(a, actions);
  const waits = deps.length ? `Waits for ${deps.map((d) => `${d.title} (${d.status})`).join(', ')}.` : null;
  const m = (id: MoveId, label: string, to: PersonTransition, gate: string | null = null, extra: Partial<Move> = {}): Move => ({ id, label, to, disabled: who ?? gate, ...extra });
  const block = m('block', 'Blocked…', 'blocked', null, { needsReason: true });
  const reject = m('reject', 'Reject…', 'rejected', null, { needsReason: true });
  switch (a.status) {
    case 'created':
      return [m('take', 'Take it', 'assigned', null, { takesOwnership: true }), block];
    case 'assigned':
      return [m('acknowledge', 'Acknowledge', 'acknowledged'), m('start', 'Start', 'in-progress', waits ?? 'Acknowledge it first.'), block, reject];
    case 'acknowledged':
      return [m('start', 'Start', 'in-progress', waits), block, reject];
    case 'in-progress':
      return [m('done', 'Done', 'done', waits), block];
    case 'blocked':
      return [m('resume', 'Resume', 'in-progress', waits), reject];
    case 'done':
      if (a.verification.by !== 'person') return [];
      // Someone other than the doer checks the work (the core refuses it too), unless the rule set allows it.
      if (!doerMayVerify && person && doerOf(a) === person.id) return [{ ...m('verify', 'Verify', 'verified'), disabled: `You did this action; someone else verifies it (${a.role}, lead or manager).` }];
      return [m('verify', 'Verify', 'verified')];
    default:
      return [];
  }
}

// ------------------------------------------------------------------ time

function span(min: number): string {
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** "in 12 min", "overdue 5 min", "due now" (plant time). */
export function relativeDue(now: number, dueAt: number): { text: string; overdue: boolean } {
  const min = Math.round((dueAt - now) / 60_000);
  if (min === 0) return { text: 'due now', overdue: false };
  return min > 0 ? { text: `in ${span(min)}`, overdue: false } : { text: `overdue ${span(-min)}`, overdue: true };
}

// ------------------------------------------------------------------ board

export const boardColumns: { id: string; title: string; statuses: ActionStatus[] }[] = [
  { id: 'todo', title: 'To do', statuses: ['created', 'assigned'] },
  { id: 'acknowledged', title: 'Acknowledged', statuses: ['acknowledged'] },
  { id: 'in-progress', title: 'In progress', statuses: ['in-progress'] },
  { id: 'blocked', title: 'Blocked / rejected', statuses: ['blocked', 'rejected'] },
  { id: 'done', title: 'Done', statuses: ['done'] },
  { id: 'verified', title: 'Verified', statuses: ['verified'] },
];

/** Actions grouped as board rows (owner, or role when nobody owns it) × status columns. */
export function boardRows(actions: Iterable<ActionRecord>): { owner: string; label: string; cells: ActionRecord[][] }[] {
  const rows = new Map<string, { owner: string; label: string; cells: ActionRecord[][] }>();
  for (const a of actions) {
    const owner = a.ownerId || `role:${a.role}`;
    let row = rows.get(owner);
    if (!row) rows.set(owner, (row = { owner, label: a.ownerId ? `${a.ownerName || a.ownerId} · ${a.role}` : `${a.role} (unassigned)`, cells: boardColumns.map(() => []) }));
    const col = boardColumns.findIndex((c) => c.statuses.includes(a.status));
    row.cells[col < 0 ? 0 : col]!.push(a);
  }
  for (const r of rows.values()) r.cells.forEach((c) => c.sort((a, b) => a.dueAt - b.dueAt));
  return [...rows.values()].sort((a, b) => a.label.localeCompare(b.label));
}
