/**
 * RxDB collections of the business records: each collection's schema is generated from the
 * record's zod schema (shared/store/rx-schema.ts) with its primary key, required fields, indexes
 * and version, so the core can create the database (main/store/database.ts).
 *
 * Conventions, checked by RxDB's dev-mode schema check in test/unit/store/database.test.ts:
 * - every primary key and indexed string has a `maxLength`; indexed numbers are integers with
 *   `minimum`/`maximum`/`multipleOf` (RxDB builds sortable index strings from them);
 * - every indexed field is required; "not yet set" is `''` for strings (e.g. an unassigned
 *   action's `ownerId`) and `0` for times, never null (a null cannot be indexed);
 * - times are epoch milliseconds from the clock object (shared/clock), never `Date.now()`;
 * - RxDB stores documents with no properties beyond the listed ones, so a new field means a new
 *   `version` and a migration strategy in main/store/database.ts; test/unit/store/schemas.test.ts
 *   holds the stored schemas of version 0 and fails when a generated one drifts from them.
 * - hash-chained records (`decisions`, `audit`) carry `seq` (position in the chain), `prevHash`
 *   and `hash`; the chain itself is computed by the commit code, not by the store.
 */
import { z } from 'zod';
import { actionRecordSchema, approvalRecordSchema, auditEntrySchema, decisionReceiptSchema, outboxRecordSchema } from '../commit/records';
import { collectionSchema, type StoredDoc } from './rx-schema';

/**
 * Index strings are padded to `maxLength` (RxDB custom-index), so these bound memory and the
 * start-up index build: ids are `<prefix>-<uuid>` (≤ 48), names/roles/statuses/person ids ≤ 32.
 */
const id = z.string().max(48);
const short = z.string().max(32);
/** Epoch ms (or 0 for "not yet"), indexable. */
const time = z.int().min(0).max(8_640_000_000_000_000).multipleOf(1);
/** A position or counter, indexable. */
const seq = z.int().min(0).max(1_000_000_000_000_000).multipleOf(1);
const hash = z.string().max(128);
const anyObject = z.record(z.string(), z.unknown());

// ------------------------------------------------------------------------------------------
// Records kept only by the store

export const plantVersionDocSchema = z.object({
  /** `<plantId>@<version>` */
  id,
  plantId: short,
  version: seq,
  /** Content hash of `plant`, so a decision receipt can name exactly what it saw. */
  hash,
  createdAt: time,
  createdBy: short,
  note: z.string().optional(),
  /** The parsed plant model (shared/plant/schema). */
  plant: anyObject,
});

/** A rule set as it was when a decision used it (decisions.replay re-runs with it). */
export const ruleSetVersionDocSchema = z.object({
  /** The first 40 hex digits of the rule set's content hash. */
  id,
  /** The rule set's own version string (e.g. "2026.11-1"). */
  version: short,
  name: z.string(),
  hash,
  createdAt: time,
  createdBy: short,
  note: z.string().optional(),
  /** The parsed rule set (shared/decide/rules-schema). */
  rules: anyObject,
});

export const exceptionDocSchema = z.object({
  id,
  /** Stable condition key (type + subject), shared/decide/exceptions. */
  key: z.string().max(160),
  type: short,
  priority: short,
  /** ISA-18.2 state (shared/decide/exceptions `exceptionStates`). */
  state: short,
  /** Line of the subject, or '' when the exception is not about one line. */
  lineId: short,
  raisedAt: time,
  updatedAt: time,
  /** The full ExceptionRecord (history, comments, subject…). */
  record: anyObject,
});

export const scenarioDocSchema = z.object({
  id,
  /** The exception the scenario answers, or '' for a what-if scenario saved on its own (whatIf.save). */
  exceptionId: id,
  /** draft | simulated | committed | discarded */
  status: short,
  createdAt: time,
  createdBy: short,
  /** Fork point: journal position the scenario was forked from (absent when not known, e.g. a saved what-if brought in from scenarios.json). */
  journalPosition: seq.optional(),
  title: z.string().optional(),
  changes: z.array(anyObject),
  result: anyObject.optional(),
  /** The full saved what-if scenario (shared/protocol/api SavedScenario) as plain JSON. */
  saved: anyObject.optional(),
});

// ------------------------------------------------------------------------------------------
// The commit records (shared/commit/records.ts), stored as they cross the protocol

export const actionDocSchema = actionRecordSchema.extend({
  /** A persisted XState snapshot of the action's lifecycle machine, from the first store layout; unused (the status is the machine state) but kept so the stored schema stays version 0. */
  machine: anyObject.optional(),
});

// ------------------------------------------------------------------------------------------
// Stored documents: what each collection requires, and the document type that follows

const plantVersionRequired = ['id', 'plantId', 'version', 'hash', 'createdAt', 'createdBy', 'plant'] as const;
export type PlantVersionDoc = StoredDoc<z.infer<typeof plantVersionDocSchema>, (typeof plantVersionRequired)[number]>;
const ruleSetVersionRequired = ['id', 'version', 'name', 'hash', 'createdAt', 'createdBy', 'rules'] as const;
export type RuleSetVersionDoc = StoredDoc<z.infer<typeof ruleSetVersionDocSchema>, (typeof ruleSetVersionRequired)[number]>;
const exceptionRequired = ['id', 'key', 'type', 'priority', 'state', 'lineId', 'raisedAt', 'updatedAt', 'record'] as const;
export type ExceptionDoc = StoredDoc<z.infer<typeof exceptionDocSchema>, (typeof exceptionRequired)[number]>;
const scenarioRequired = ['id', 'exceptionId', 'status', 'createdAt', 'createdBy', 'changes'] as const;
export type ScenarioDoc = StoredDoc<z.infer<typeof scenarioDocSchema>, (typeof scenarioRequired)[number]>;
const decisionRequired = ['id', 'seq', 'exceptionId', 'status', 'journalPosition', 'ruleSetVersion', 'ruleSetHash', 'plantVersion', 'committedBy', 'committedRole', 'committedAt', 'options', 'chosenOptionId', 'chosen', 'approvalIds', 'prevHash', 'hash'] as const;
export type DecisionDoc = StoredDoc<z.infer<typeof decisionReceiptSchema>, (typeof decisionRequired)[number]>;
const approvalRequired = ['id', 'decisionId', 'role', 'status', 'requestedAt', 'dueAt', 'escalateTo', 'level'] as const;
export type ApprovalDoc = StoredDoc<z.infer<typeof approvalRecordSchema>, (typeof approvalRequired)[number]>;
const actionRequired = ['id', 'decisionId', 'kind', 'role', 'ownerId', 'status', 'lineId', 'dueAt', 'updatedAt', 'dependsOn', 'history'] as const;
export type ActionDoc = StoredDoc<z.infer<typeof actionDocSchema>, (typeof actionRequired)[number]>;
const outboxRequired = ['id', 'target', 'idempotencyKey', 'decisionId', 'status', 'attempts', 'nextAttemptAt', 'createdAt', 'payload'] as const;
export type OutboxDoc = StoredDoc<z.infer<typeof outboxRecordSchema>, (typeof outboxRequired)[number]>;
const auditRequired = ['id', 'seq', 'at', 'actor', 'kind', 'subjectId', 'prevHash', 'hash', 'payload'] as const;
export type AuditDoc = StoredDoc<z.infer<typeof auditEntrySchema>, (typeof auditRequired)[number]>;

// ------------------------------------------------------------------------------------------
// Schemas

export const plantVersionSchema = collectionSchema(plantVersionDocSchema, {
  title: 'plant version',
  version: 0,
  primaryKey: 'id',
  required: plantVersionRequired,
  indexes: [['plantId', 'version'], 'createdAt'],
});

export const ruleSetVersionSchema = collectionSchema(ruleSetVersionDocSchema, {
  title: 'rule-set version',
  version: 0,
  primaryKey: 'id',
  required: ruleSetVersionRequired,
  indexes: ['createdAt'],
});

export const exceptionSchema = collectionSchema(exceptionDocSchema, {
  title: 'exception',
  version: 0,
  primaryKey: 'id',
  required: exceptionRequired,
  indexes: ['key', ['state', 'raisedAt'], ['lineId', 'raisedAt'], 'updatedAt'],
});

export const scenarioSchema = collectionSchema(scenarioDocSchema, {
  title: 'scenario',
  version: 0,
  primaryKey: 'id',
  required: scenarioRequired,
  indexes: [['exceptionId', 'createdAt'], ['status', 'createdAt']],
});

export const decisionSchema = collectionSchema(decisionReceiptSchema, {
  title: 'decision receipt',
  version: 0,
  primaryKey: 'id',
  required: decisionRequired,
  indexes: ['seq', ['status', 'committedAt'], ['exceptionId', 'committedAt']],
});

export const approvalSchema = collectionSchema(approvalRecordSchema, {
  title: 'approval',
  version: 0,
  primaryKey: 'id',
  required: approvalRequired,
  indexes: [['decisionId', 'requestedAt'], ['status', 'dueAt'], ['role', 'status', 'dueAt']],
});

export const actionSchema = collectionSchema(actionDocSchema, {
  title: 'action',
  version: 0,
  primaryKey: 'id',
  required: actionRequired,
  indexes: [['ownerId', 'status', 'dueAt'], ['role', 'status', 'dueAt'], ['decisionId', 'dueAt'], ['status', 'dueAt'], ['lineId', 'dueAt']],
});

export const outboxSchema = collectionSchema(outboxRecordSchema, {
  title: 'outbox message',
  version: 0,
  primaryKey: 'id',
  required: outboxRequired,
  indexes: [['status', 'nextAttemptAt'], 'idempotencyKey', ['decisionId', 'createdAt']],
});

export const auditSchema = collectionSchema(auditEntrySchema, {
  title: 'audit entry',
  version: 0,
  primaryKey: 'id',
  required: auditRequired,
  indexes: ['seq', ['subjectId', 'seq'], 'at'],
});

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
