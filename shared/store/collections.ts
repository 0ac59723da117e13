/**
 * RxDB collections of the business records (issue 6, "Durable store"): pure JSON schemas with
 * their primary keys, indexes and versions, so the core can create the database
 * (main/store/database.ts) and later work can add the records' behaviour.
 *
 * Conventions, checked by RxDB's dev-mode schema check in test/unit/store/database.test.ts:
 * - every primary key and indexed string has a `maxLength`; indexed numbers are integers with
 *   `minimum`/`maximum`/`multipleOf` (RxDB builds sortable index strings from them);
 * - every indexed field is required; "not yet set" is `''` for strings (e.g. an unassigned
 *   action's `ownerId`) and `0` for times, never null (a null cannot be indexed);
 * - times are epoch milliseconds from the clock object (GUIDE §5), never `Date.now()`;
 * - the listed properties are the ones queries and indexes rely on; a record may carry more
 *   (the schemas do not set `additionalProperties: false`) until its shape settles — then bump
 *   `version` and add a migration strategy in main/store/database.ts.
 * - hash-chained records (`decisions`, `audit`) carry `seq` (position in the chain), `prevHash`
 *   and `hash`; the chain itself is computed by the commit code, not by the store.
 */
import type { RxJsonSchema } from 'rxdb';

/**
 * Index strings are padded to `maxLength` (RxDB custom-index), so these bound memory and the
 * start-up index build: ids are `<prefix>-<uuid>` (≤ 48), names/roles/statuses/person ids ≤ 32.
 */
const ID = { type: 'string', maxLength: 48 } as const;
const SHORT = { type: 'string', maxLength: 32 } as const;
/** Epoch ms (or 0 for "not yet"), indexable. */
const TIME = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000, multipleOf: 1 } as const;
/** A position or counter, indexable. */
const SEQ = { type: 'integer', minimum: 0, maximum: 1_000_000_000_000_000, multipleOf: 1 } as const;
const HASH = { type: 'string', maxLength: 128 } as const;
const ANY_OBJECT = { type: 'object' } as const;

// ------------------------------------------------------------------------------------------
// Record types

export interface PlantVersionDoc {
  /** `<plantId>@<version>` */
  id: string;
  plantId: string;
  version: number;
  /** Content hash of `plant`, so a decision receipt can name exactly what it saw. */
  hash: string;
  createdAt: number;
  createdBy: string;
  note?: string;
  /** The parsed plant model (shared/plant/schema). */
  plant: Record<string, unknown>;
}

/** A rule set as it was when a decision used it (decisions.replay re-runs with it). */
export interface RuleSetVersionDoc {
  /** The first 40 hex digits of the rule set's content hash. */
  id: string;
  /** The rule set's own version string (e.g. "2026.11-1"). */
  version: string;
  name: string;
  hash: string;
  createdAt: number;
  createdBy: string;
  note?: string;
  /** The parsed rule set (shared/decide/rules-schema). */
  rules: Record<string, unknown>;
}

export interface ExceptionDoc {
  id: string;
  /** Stable condition key (type + subject), shared/decide/exceptions. */
  key: string;
  type: string;
  priority: string;
  /** ISA-18.2 state (shared/decide/exceptions `exceptionStates`). */
  state: string;
  /** Line of the subject, or '' when the exception is not about one line. */
  lineId: string;
  raisedAt: number;
  updatedAt: number;
  /** The full ExceptionRecord (history, comments, subject…). */
  record: Record<string, unknown>;
}

export interface ScenarioDoc {
  id: string;
  /** The exception the scenario answers, or '' for a what-if scenario saved on its own (whatIf.save). */
  exceptionId: string;
  /** draft | simulated | committed | discarded */
  status: string;
  createdAt: number;
  createdBy: string;
  /** Fork point: journal position the scenario was forked from (absent when not known, e.g. a saved what-if brought in from scenarios.json). */
  journalPosition?: number;
  title?: string;
  changes: Record<string, unknown>[];
  result?: Record<string, unknown>;
  /** The full saved what-if scenario (shared/protocol/api SavedScenario) as plain JSON. */
  saved?: Record<string, unknown>;
}

/**
 * The commit records (shared/commit/records.ts) are stored as they cross the protocol; the Doc
 * types below name the fields the schemas list (queries and indexes use them), loosely typed, and
 * the stored documents carry the rest of the record (title, detail, verification, chosen option…).
 * main/core/persistence/commit-store.ts converts at the boundary. An unassigned action's `ownerId` is ''.
 */
export interface DecisionDoc {
  id: string;
  exceptionTitle?: string;
  lineId?: string;
  forkAt?: number;
  horizonHours?: number;
  seed?: number;
  comment?: string;
  replayInput?: Record<string, unknown>;
  unapplied?: string[];
  /** Position in the receipts' hash chain (0, 1, 2…). */
  seq: number;
  exceptionId: string;
  /** pending-approval | rejected | dispatched | closed */
  status: string;
  journalPosition: number;
  ruleSetVersion: string;
  ruleSetHash: string;
  plantVersion: string;
  committedBy: string;
  committedRole: string;
  committedAt: number;
  options: Record<string, unknown>[];
  chosenOptionId: string;
  chosen: Record<string, unknown>;
  approvalIds: string[];
  prevHash: string;
  hash: string;
}

export interface ApprovalDoc {
  id: string;
  reason?: string;
  decisionId: string;
  ruleId?: string;
  role: string;
  /** pending | approved | rejected | escalated */
  status: string;
  requestedAt: number;
  /** When it escalates if nobody decides. */
  dueAt: number;
  escalateTo: string;
  level: number;
  decidedBy?: string;
  decidedAt?: number;
  comment?: string;
}

export interface ActionDoc {
  id: string;
  title?: string;
  detail?: string;
  ownerName?: string;
  verification?: Record<string, unknown>;
  escalatedTo?: string;
  blockedReason?: string;
  decisionId: string;
  /** kitting | line-clearance | qa-release | changeover-readiness | maintenance-window | schedule-communication */
  kind: string;
  role: string;
  /** Person on shift it is assigned to, '' while unassigned. */
  ownerId: string;
  /** created | assigned | acknowledged | in-progress | done | verified | blocked | rejected */
  status: string;
  lineId: string;
  orderId?: string;
  createdAt?: number;
  dueAt: number;
  updatedAt: number;
  dependsOn: string[];
  overdue?: boolean;
  /** Persisted XState snapshot of the action's lifecycle machine (unused: the status is the machine state). */
  machine?: Record<string, unknown>;
  history: Record<string, unknown>[];
}

export interface OutboxDoc {
  id: string;
  /** erp | mes (the system of record that receives it) */
  target: string;
  kind?: string;
  /** The receiving system de-duplicates on this key. */
  idempotencyKey: string;
  decisionId: string;
  /** pending | sending | acked | failed */
  status: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  ackedAt?: number;
  lastError?: string;
  payload: Record<string, unknown>;
}

export interface AuditDoc {
  id: string;
  /** Position in the audit hash chain. */
  seq: number;
  at: number;
  actor: string;
  role?: string;
  /** What happened: decision.committed, approval.approved, action.done, … */
  kind: string;
  /** Record it is about (decision, approval, action id…). */
  subjectId: string;
  prevHash: string;
  hash: string;
  payload: Record<string, unknown>;
}

// ------------------------------------------------------------------------------------------
// Schemas

export const plantVersionSchema: RxJsonSchema<PlantVersionDoc> = {
  title: 'plant version',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    plantId: SHORT,
    version: SEQ,
    hash: HASH,
    createdAt: TIME,
    createdBy: SHORT,
    note: { type: 'string' },
    plant: ANY_OBJECT,
  },
  required: ['id', 'plantId', 'version', 'hash', 'createdAt', 'createdBy', 'plant'],
  indexes: [['plantId', 'version'], 'createdAt'],
};

export const ruleSetVersionSchema: RxJsonSchema<RuleSetVersionDoc> = {
  title: 'rule-set version',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    version: SHORT,
    name: { type: 'string' },
    hash: HASH,
    createdAt: TIME,
    createdBy: SHORT,
    note: { type: 'string' },
    rules: ANY_OBJECT,
  },
  required: ['id', 'version', 'name', 'hash', 'createdAt', 'createdBy', 'rules'],
  indexes: ['createdAt'],
};

export const exceptionSchema: RxJsonSchema<ExceptionDoc> = {
  title: 'exception',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    key: { type: 'string', maxLength: 160 },
    type: SHORT,
    priority: SHORT,
    state: SHORT,
    lineId: SHORT,
    raisedAt: TIME,
    updatedAt: TIME,
    record: ANY_OBJECT,
  },
  required: ['id', 'key', 'type', 'priority', 'state', 'lineId', 'raisedAt', 'updatedAt', 'record'],
  indexes: ['key', ['state', 'raisedAt'], ['lineId', 'raisedAt'], 'updatedAt'],
};

export const scenarioSchema: RxJsonSchema<ScenarioDoc> = {
  title: 'scenario',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    exceptionId: ID,
    status: SHORT,
    createdAt: TIME,
    createdBy: SHORT,
    journalPosition: SEQ,
    title: { type: 'string' },
    changes: { type: 'array', items: ANY_OBJECT },
    result: ANY_OBJECT,
    saved: ANY_OBJECT,
  },
  required: ['id', 'exceptionId', 'status', 'createdAt', 'createdBy', 'changes'],
  indexes: [['exceptionId', 'createdAt'], ['status', 'createdAt']],
};

export const decisionSchema: RxJsonSchema<DecisionDoc> = {
  title: 'decision receipt',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    seq: SEQ,
    exceptionId: { type: 'string', maxLength: 64 },
    exceptionTitle: { type: 'string' },
    lineId: { type: 'string' },
    forkAt: { type: 'integer' },
    horizonHours: { type: 'number' },
    seed: { type: 'integer' },
    comment: { type: 'string' },
    replayInput: ANY_OBJECT,
    unapplied: { type: 'array', items: { type: 'string' } },
    status: SHORT,
    journalPosition: SEQ,
    ruleSetVersion: { type: 'string' },
    ruleSetHash: HASH,
    plantVersion: { type: 'string' },
    committedBy: SHORT,
    committedRole: SHORT,
    committedAt: TIME,
    options: { type: 'array', items: ANY_OBJECT },
    chosenOptionId: { type: 'string' },
    chosen: ANY_OBJECT,
    approvalIds: { type: 'array', items: { type: 'string' } },
    prevHash: HASH,
    hash: HASH,
  },
  required: ['id', 'seq', 'exceptionId', 'status', 'journalPosition', 'ruleSetVersion', 'ruleSetHash', 'plantVersion', 'committedBy', 'committedRole', 'committedAt', 'options', 'chosenOptionId', 'chosen', 'approvalIds', 'prevHash', 'hash'],
  indexes: ['seq', ['status', 'committedAt'], ['exceptionId', 'committedAt']],
};

export const approvalSchema: RxJsonSchema<ApprovalDoc> = {
  title: 'approval',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    decisionId: ID,
    ruleId: { type: 'string' },
    reason: { type: 'string' },
    role: SHORT,
    status: SHORT,
    requestedAt: TIME,
    dueAt: TIME,
    escalateTo: SHORT,
    level: { type: 'integer', minimum: 0 },
    decidedBy: { type: 'string' },
    decidedAt: { type: 'integer' },
    comment: { type: 'string' },
  },
  required: ['id', 'decisionId', 'role', 'status', 'requestedAt', 'dueAt', 'escalateTo', 'level'],
  indexes: [['decisionId', 'requestedAt'], ['status', 'dueAt'], ['role', 'status', 'dueAt']],
};

export const actionSchema: RxJsonSchema<ActionDoc> = {
  title: 'action',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    decisionId: ID,
    kind: SHORT,
    title: { type: 'string' },
    detail: { type: 'string' },
    role: SHORT,
    ownerId: SHORT,
    ownerName: { type: 'string' },
    verification: ANY_OBJECT,
    escalatedTo: { type: 'string' },
    blockedReason: { type: 'string' },
    status: SHORT,
    lineId: SHORT,
    orderId: { type: 'string' },
    createdAt: { type: 'integer' },
    dueAt: TIME,
    updatedAt: TIME,
    dependsOn: { type: 'array', items: { type: 'string' } },
    overdue: { type: 'boolean' },
    machine: ANY_OBJECT,
    history: { type: 'array', items: ANY_OBJECT },
  },
  required: ['id', 'decisionId', 'kind', 'role', 'ownerId', 'status', 'lineId', 'dueAt', 'updatedAt', 'dependsOn', 'history'],
  indexes: [['ownerId', 'status', 'dueAt'], ['role', 'status', 'dueAt'], ['decisionId', 'dueAt'], ['status', 'dueAt'], ['lineId', 'dueAt']],
};

export const outboxSchema: RxJsonSchema<OutboxDoc> = {
  title: 'outbox message',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    target: SHORT,
    kind: { type: 'string' },
    idempotencyKey: { type: 'string', maxLength: 160 },
    decisionId: ID,
    status: SHORT,
    attempts: SEQ,
    nextAttemptAt: TIME,
    createdAt: TIME,
    ackedAt: { type: 'integer' },
    lastError: { type: 'string' },
    payload: ANY_OBJECT,
  },
  required: ['id', 'target', 'idempotencyKey', 'decisionId', 'status', 'attempts', 'nextAttemptAt', 'createdAt', 'payload'],
  indexes: [['status', 'nextAttemptAt'], 'idempotencyKey', ['decisionId', 'createdAt']],
};

export const auditSchema: RxJsonSchema<AuditDoc> = {
  title: 'audit entry',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    seq: SEQ,
    at: TIME,
    actor: { type: 'string', maxLength: 128 },
    role: SHORT,
    kind: SHORT,
    subjectId: ID,
    prevHash: HASH,
    hash: HASH,
    payload: ANY_OBJECT,
  },
  required: ['id', 'seq', 'at', 'actor', 'kind', 'subjectId', 'prevHash', 'hash', 'payload'],
  indexes: ['seq', ['subjectId', 'seq'], 'at'],
};

/** Every collection of the Takt database, by collection name (RxDB's `addCollections` input). */
export const TAKT_COLLECTIONS = {
  plant_versions: { schema: plantVersionSchema },
  rule_set_versions: { schema: ruleSetVersionSchema },
  exceptions: { schema: exceptionSchema },
  scenarios: { schema: scenarioSchema },
  decisions: { schema: decisionSchema },
  approvals: { schema: approvalSchema },
  actions: { schema: actionSchema },
  outbox: { schema: outboxSchema },
  audit: { schema: auditSchema },
} as const;

export type TaktCollectionName = keyof typeof TAKT_COLLECTIONS;
