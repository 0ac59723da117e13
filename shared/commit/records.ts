/**
 * Commit, dispatch and track: the records a console sees (decision receipts, approvals, actions,
 * outbox messages, audit entries) and their status vocabularies. Each record is defined once, as a
 * zod schema; its TypeScript type is inferred from it, the store's collection schema
 * (shared/store/collections.ts) and the HTTP API's OpenAPI components are generated from it.
 *
 * The string and integer bounds below (`max`, `min`, `multipleOf`) are the ones the store's
 * collections declare: RxDB pads index strings to `maxLength` and builds sortable index keys from
 * integer bounds, so they belong to the record wherever it is written.
 */
import { z } from 'zod';
import type { OptionKind, RankedOption } from '../decide/options';
import type { Move } from '../sim/forecast';
import type { Scenario, ScenarioComparison } from '../sim/scenario';
import { roles } from '../plant/schema';

export { roles } from '../plant/schema';
export type Role = (typeof roles)[number];

// ------------------------------------------------------------------ field types

/** Record ids are `<prefix>-<uuid>`. */
const id = z.string().max(48);
/** Names, roles, statuses and person ids. */
const short = z.string().max(32);
/** Epoch ms from the clock object (or 0 for "not yet"): bounded so it can be indexed. */
const time = z.int().min(0).max(8_640_000_000_000_000).multipleOf(1);
/** A position or counter: bounded so it can be indexed. */
const seq = z.int().min(0).max(1_000_000_000_000_000).multipleOf(1);
/** A link of a hash chain: sha256 as lowercase hex (shared/commit/hash.ts). */
const chainHash = z.string().max(128).regex(/^[0-9a-f]{64}$/);
const role = z.enum(roles).meta({ maxLength: 32 });
const plainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
/**
 * An object the record carries whole, whose shape is defined (and checked) by its own module:
 * typed as `T` here, described to JSON Schema only as an object.
 */
const opaque = <T extends object>(what: string) => z.custom<T>(plainObject).meta({ type: 'object', description: what });
const anyObject = z.record(z.string(), z.unknown());

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
export const consideredOptionSchema = z.object({
  id: z.string(),
  rank: z.int().nullable(),
  title: z.string(),
  kind: z.custom<OptionKind>((v) => typeof v === 'string').meta({ type: 'string' }),
  feasible: z.boolean(),
  score: z.number().nullable(),
  moves: z.array(opaque<Move>('a plan change (shared/sim/forecast Move)')),
});
export type ConsideredOption = z.infer<typeof consideredOptionSchema>;

/** What a scenario decision was committed from: the saved what-if as it was, and its KPIs against the plan as is. */
export const scenarioCommitInfoSchema = z.object({
  /** The saved what-if's name (`whatIf.save`) and its id in the store's scenarios collection. */
  name: z.string(),
  storeId: z.string(),
  /** Plant time it was saved, and by whom. */
  savedAt: z.number(),
  savedBy: z.string().optional(),
  /** Journal position the twin had when it was saved (absent when the store did not see the save). */
  savedAtPosition: z.number().optional(),
  /** The scenario as committed: its assumptions (disruptions) and its plan changes (moves). */
  scenario: opaque<Scenario>('the committed scenario (shared/sim/scenario Scenario)'),
  /** KPIs over the horizon of the plan as is (same assumptions, no moves) and of the scenario, with deltas. */
  comparison: opaque<ScenarioComparison>('KPIs of the plan as is and of the scenario (shared/sim/scenario ScenarioComparison)'),
});
export type ScenarioCommitInfo = z.infer<typeof scenarioCommitInfoSchema>;

/**
 * A committed decision: what it was decided from (journal position, rule-set version, plant
 * version), what was considered, what was chosen, by whom and when. Receipts are hash-chained
 * (`prevHash` → `hash`, in `seq` order); the hash covers every field except `status` and `hash`.
 */
export const decisionReceiptSchema = z.object({
  id,
  /** Position in the receipts' hash chain (0, 1, 2…). */
  seq,
  exceptionId: z.string().max(64),
  /** The exception's title at commit time. */
  exceptionTitle: z.string(),
  lineId: z.string(),
  status: z.enum(decisionStatuses).meta({ maxLength: 32 }),
  /** Journal position of the last signal the options were computed from. */
  journalPosition: seq,
  /** Plant time of the fork the options were scored on. */
  forkAt: z.int(),
  horizonHours: z.number(),
  seed: z.int(),
  ruleSetVersion: z.string(),
  ruleSetHash: z.string().max(128),
  plantVersion: z.string(),
  committedBy: short,
  committedRole: role,
  committedAt: time,
  comment: z.string().optional(),
  options: z.array(consideredOptionSchema),
  chosenOptionId: z.string(),
  /** The chosen option in full (explanation, checks, KPI deltas). */
  chosen: opaque<RankedOption>('the chosen option in full (shared/decide/options RankedOption)'),
  /** Approval ids, in the order they were required. */
  approvalIds: z.array(z.string()),
  /** What a replay needs besides the journal and the rule set: the exception and the POs on their way, as they were at commit. */
  replayInput: z
    .object({
      exception: anyObject,
      inbound: z.array(z.object({ po: z.string(), component: z.string(), qty: z.number(), eta: z.number() })),
      /**
       * Set when a saved what-if scenario was committed instead of an exception's option
       * (shared/commit/scenario-commit.ts): a replay re-simulates it. Kept here rather than as a
       * field of its own because the store's decision schema (version 0, ajv with no additional
       * properties) would need a version bump and a migration for a new top-level field.
       */
      scenario: scenarioCommitInfoSchema.optional(),
      /**
       * The optimizing re-plan offered with the options (../decide/options.ts `ExtraCandidate`, as
       * plain data): a replay checks and forecasts the same plan again (the search is not re-run).
       */
      replan: z.array(anyObject).optional(),
    })
    .optional(),
  /** Parts of the plan change the twin cannot take as a signal yet (written back to the systems of record only). */
  unapplied: z.array(z.string()).optional(),
  prevHash: chainHash,
  hash: chainHash,
});
export type DecisionReceipt = z.infer<typeof decisionReceiptSchema>;

// ------------------------------------------------------------------ approvals

export const approvalStatuses = ['pending', 'approved', 'rejected', 'escalated'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

export const approvalRecordSchema = z.object({
  id,
  decisionId: id,
  /** The escalation rule that asked for it. */
  ruleId: z.string(),
  reason: z.string(),
  /** Role that must decide now (changes to `escalateTo` when it escalates). */
  role,
  status: z.enum(approvalStatuses).meta({ maxLength: 32 }),
  requestedAt: time,
  /** Plant time after which it escalates. */
  dueAt: time,
  escalateTo: role,
  /** 0 = first approver; +1 for each escalation. */
  level: z.int().min(0),
  decidedBy: z.string().optional(),
  decidedAt: z.int().optional(),
  comment: z.string().optional(),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;

// ------------------------------------------------------------------ actions

export const actionKinds = ['kitting', 'line-clearance', 'qa-release', 'changeover-readiness', 'maintenance-window', 'schedule-communication'] as const;
export type ActionKind = (typeof actionKinds)[number];

export const actionStatuses = ['created', 'assigned', 'acknowledged', 'in-progress', 'done', 'verified', 'blocked', 'rejected'] as const;
export type ActionStatus = (typeof actionStatuses)[number];
/** Statuses a person may move an action to (verification by signal happens in the core). */
export const personTransitions = ['acknowledged', 'in-progress', 'done', 'verified', 'blocked', 'rejected', 'assigned'] as const;
export type PersonTransition = (typeof personTransitions)[number];

export const actionHistoryEntrySchema = z.object({
  at: z.int(),
  from: z.enum(actionStatuses).nullable(),
  to: z.enum(actionStatuses),
  /** Person id, or `signal:<signal id>` for automatic verification, or `takt` for the core. */
  by: z.string(),
  role: z.enum(roles).optional(),
  comment: z.string().optional(),
});
export type ActionHistoryEntry = z.infer<typeof actionHistoryEntrySchema>;

export const actionRecordSchema = z.object({
  id,
  decisionId: id,
  kind: z.enum(actionKinds).meta({ maxLength: 32 }),
  title: z.string(),
  /** What to do, in words, with the numbers (quantities, lines, SKUs). */
  detail: z.string(),
  role,
  /** The person on shift for `role` at dispatch (from the crew calendar); '' when nobody is. */
  ownerId: short,
  ownerName: z.string(),
  status: z.enum(actionStatuses).meta({ maxLength: 32 }),
  lineId: short,
  orderId: z.string().optional(),
  createdAt: z.int(),
  dueAt: time,
  updatedAt: time,
  /** Action ids that must be done first (e.g. QA release after line clearance). */
  dependsOn: z.array(z.string()),
  /** How it is verified: a matching MES signal, or a person where no signal exists. */
  verification: z.discriminatedUnion('by', [
    z.object({ by: z.literal('signal'), signalType: z.string(), description: z.string() }),
    z.object({ by: z.literal('person'), description: z.string() }),
  ]),
  overdue: z.boolean(),
  /** Role it was escalated to when overdue. */
  escalatedTo: z.enum(roles).optional(),
  blockedReason: z.string().optional(),
  history: z.array(actionHistoryEntrySchema),
});
export type ActionRecord = z.infer<typeof actionRecordSchema>;

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

export const outboxRecordSchema = z.object({
  id,
  /** Which system of record: 'erp' (production-order line/sequence) or 'mes' (dispatch list). */
  target: z.enum(['erp', 'mes']).meta({ maxLength: 32 }),
  kind: z.string(),
  /** The receiving system de-duplicates on this key. */
  idempotencyKey: z.string().max(160),
  decisionId: id,
  status: z.enum(outboxStatuses).meta({ maxLength: 32 }),
  attempts: seq,
  nextAttemptAt: time,
  createdAt: time,
  ackedAt: z.int().optional(),
  lastError: z.string().optional(),
  payload: anyObject,
});
export type OutboxRecord = z.infer<typeof outboxRecordSchema>;

// ------------------------------------------------------------------ audit

export const auditEntrySchema = z.object({
  id,
  /** Position in the audit hash chain. */
  seq,
  at: time,
  actor: z.string().max(128),
  role: role.optional(),
  /** What happened: 'decision.committed', 'approval.approved', 'action.done', 'outbox.acked'… */
  kind: short,
  /** Record it is about (decision, approval, action id…). */
  subjectId: id,
  payload: anyObject,
  prevHash: chainHash,
  hash: chainHash,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

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
