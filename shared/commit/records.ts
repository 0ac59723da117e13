/**
 * Commit, dispatch and track: the records a console sees (decision receipts, approvals, actions,
 * outbox messages, audit entries) and their status vocabularies. The core keeps them in RxDB
 * (shared/store/collections.ts); these are the shapes that cross the protocol. Pure types.
 */
import type { RankedOption } from '../decide/options';
import type { Move } from '../sim/forecast';
import type { Scenario, ScenarioComparison } from '../sim/scenario';

export const roles = ['operator', 'lead', 'qa', 'maintenance', 'warehouse', 'planner', 'controller', 'manager'] as const;
export type Role = (typeof roles)[number];

// ------------------------------------------------------------------ decisions

export const decisionStatuses = [
  /** Waiting for one or more approvals. */
  'pending-approval',
  /** An approver rejected it; nothing was dispatched. */
  'rejected',
  /** Approved (or needed none); plan change applied, actions dispatched. */
  'dispatched',
  /** Every action verified and every outbox message acknowledged. */
  'closed',
] as const;
export type DecisionStatus = (typeof decisionStatuses)[number];

/** One option as it was considered: enough to show the ranking and to compare a re-run. */
export interface ConsideredOption {
  id: string;
  rank: number | null;
  title: string;
  kind: RankedOption['kind'];
  feasible: boolean;
  score: number | null;
  moves: Move[];
}

/**
 * A committed decision: what it was decided from (journal position, rule-set version, plant
 * version), what was considered, what was chosen, by whom and when. Receipts are hash-chained
 * (`prevHash` → `hash`, in `seq` order); the hash covers every field except `status` and `hash`.
 */
export interface DecisionReceipt {
  id: string;
  seq: number;
  exceptionId: string;
  /** The exception's title at commit time. */
  exceptionTitle: string;
  lineId: string;
  status: DecisionStatus;
  /** Journal position of the last signal the options were computed from. */
  journalPosition: number;
  /** Plant time of the fork the options were scored on. */
  forkAt: number;
  horizonHours: number;
  seed: number;
  ruleSetVersion: string;
  ruleSetHash: string;
  plantVersion: string;
  committedBy: string;
  committedRole: Role;
  committedAt: number;
  comment?: string;
  options: ConsideredOption[];
  chosenOptionId: string;
  /** The chosen option in full (explanation, checks, KPI deltas). */
  chosen: RankedOption;
  /** Approval ids, in the order they were required. */
  approvalIds: string[];
  /** What a replay needs besides the journal and the rule set: the exception and the POs on their way, as they were at commit. */
  replayInput?: {
    exception: Record<string, unknown>;
    inbound: { po: string; component: string; qty: number; eta: number }[];
    /**
     * Set when a saved what-if scenario was committed instead of an exception's option
     * (shared/commit/scenario-commit.ts): a replay re-simulates it. Kept here rather than as a
     * field of its own because the store's decision schema (version 0, ajv with no additional
     * properties) would need a version bump and a migration for a new top-level field.
     */
    scenario?: ScenarioCommitInfo;
  };
  /** Parts of the plan change the twin cannot take as a signal yet (written back to the systems of record only). */
  unapplied?: string[];
  prevHash: string;
  hash: string;
}

/** What a scenario decision was committed from: the saved what-if as it was, and its KPIs against the plan as is. */
export interface ScenarioCommitInfo {
  /** The saved what-if's name (`whatIf.save`) and its id in the store's scenarios collection. */
  name: string;
  storeId: string;
  /** Plant time it was saved, and by whom. */
  savedAt: number;
  savedBy?: string;
  /** Journal position the twin had when it was saved (absent when the store did not see the save). */
  savedAtPosition?: number;
  /** The scenario as committed: its assumptions (disruptions) and its plan changes (moves). */
  scenario: Scenario;
  /** KPIs over the horizon of the plan as is (same assumptions, no moves) and of the scenario, with deltas. */
  comparison: ScenarioComparison;
}

// ------------------------------------------------------------------ approvals

export const approvalStatuses = ['pending', 'approved', 'rejected', 'escalated'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

export interface ApprovalRecord {
  id: string;
  decisionId: string;
  /** The escalation rule that asked for it. */
  ruleId: string;
  reason: string;
  /** Role that must decide now (changes to `escalateTo` when it escalates). */
  role: Role;
  status: ApprovalStatus;
  requestedAt: number;
  /** Plant time after which it escalates. */
  dueAt: number;
  escalateTo: Role;
  /** 0 = first approver; +1 for each escalation. */
  level: number;
  decidedBy?: string;
  decidedAt?: number;
  comment?: string;
}

// ------------------------------------------------------------------ actions

export const actionKinds = ['kitting', 'line-clearance', 'qa-release', 'changeover-readiness', 'maintenance-window', 'schedule-communication'] as const;
export type ActionKind = (typeof actionKinds)[number];

export const actionStatuses = ['created', 'assigned', 'acknowledged', 'in-progress', 'done', 'verified', 'blocked', 'rejected'] as const;
export type ActionStatus = (typeof actionStatuses)[number];
/** Statuses a person may move an action to (verification by signal happens in the core). */
export const personTransitions = ['acknowledged', 'in-progress', 'done', 'verified', 'blocked', 'rejected', 'assigned'] as const;
export type PersonTransition = (typeof personTransitions)[number];

export interface ActionHistoryEntry {
  at: number;
  from: ActionStatus | null;
  to: ActionStatus;
  /** Person id, or `signal:<signal id>` for automatic verification, or `takt` for the core. */
  by: string;
  role?: Role;
  comment?: string;
}

export interface ActionRecord {
  id: string;
  decisionId: string;
  kind: ActionKind;
  title: string;
  /** What to do, in words, with the numbers (quantities, lines, SKUs). */
  detail: string;
  role: Role;
  /** The person on shift for `role` at dispatch (from the crew calendar); '' when nobody is. */
  ownerId: string;
  ownerName: string;
  status: ActionStatus;
  lineId: string;
  orderId?: string;
  createdAt: number;
  dueAt: number;
  updatedAt: number;
  /** Action ids that must be done first (e.g. QA release after line clearance). */
  dependsOn: string[];
  /** How it is verified: a matching MES signal, or a person where no signal exists. */
  verification: { by: 'signal'; signalType: string; description: string } | { by: 'person'; description: string };
  overdue: boolean;
  /** Role it was escalated to when overdue. */
  escalatedTo?: Role;
  blockedReason?: string;
  history: ActionHistoryEntry[];
}

/** The readiness gate of a run: it may start only when these actions are done. */
export interface ReadinessGate {
  lineId: string;
  orderId: string;
  decisionId: string;
  ready: boolean;
  pending: { actionId: string; kind: ActionKind; status: ActionStatus; dueAt: number }[];
}

// ------------------------------------------------------------------ outbox

export const outboxStatuses = ['pending', 'sending', 'acked', 'failed'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

export interface OutboxRecord {
  id: string;
  /** Which system of record: 'erp' (production-order line/sequence) or 'mes' (dispatch list). */
  target: 'erp' | 'mes';
  kind: string;
  idempotencyKey: string;
  decisionId: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  ackedAt?: number;
  lastError?: string;
  payload: Record<string, unknown>;
}

// ------------------------------------------------------------------ audit

export interface AuditEntry {
  id: string;
  seq: number;
  at: number;
  actor: string;
  role?: Role;
  /** e.g. 'decision.committed', 'approval.approved', 'action.done', 'outbox.acked'. */
  kind: string;
  subjectId: string;
  payload: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** Result of checking both hash chains (decisions and audit). */
export interface ChainCheck {
  ok: boolean;
  decisions: number;
  auditEntries: number;
  /** The first record that does not verify. */
  firstBad?: { chain: 'decisions' | 'audit'; seq: number; id: string; reason: string };
}

/** One change to a commit record, pushed on the `records` stream. */
export type RecordChange =
  | { collection: 'decisions'; doc: DecisionReceipt }
  | { collection: 'approvals'; doc: ApprovalRecord }
  | { collection: 'actions'; doc: ActionRecord }
  | { collection: 'outbox'; doc: OutboxRecord }
  | { collection: 'audit'; doc: AuditEntry };
