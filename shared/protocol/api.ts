/**
 * The protocol's methods and streams: runtime schemas for what a client may send, and the
 * types of what the core answers. Feature areas add their entries here.
 */
import { z } from 'zod';
import type { Plant } from '../plant/schema';
import type { TwinDelta, TwinView } from '../twin/view';
import type { RuleSet } from '../decide/rules-schema';
import type { RulesIssue } from '../decide/rules-parse';
import type { BacktestResult } from '../decide/backtest';
import type { DecisionQualityReport, DecisionReview } from '../decide/review';
import type { ExceptionChange, ExceptionRecord, FloodRate } from '../decide/exceptions';
import { exceptionPriorities, exceptionTypes } from '../decide/rules-schema';
import { exceptionStates } from '../decide/exceptions';
import type { RankedOption } from '../decide/options';
import type { ReplanDetails } from '../schedule/replan-types';
import type { FileIssue } from '../files/positioned';
import type { DeadLetter, IngestResult } from '../ingest/results';
import {
  actionStatuses,
  approvalStatuses,
  decisionStatuses,
  outboxStatuses,
  personTransitions,
  roles,
  type ActionRecord,
  type ApprovalRecord,
  type AuditEntry,
  type ChainCheck,
  type DecisionReceipt,
  type OutboxRecord,
  type ReadinessGate,
  type RecordChange,
} from '../commit/records';
import { scenarioSchema, type RiskResult, type Scenario, type ScenarioComparison, type ScenarioResult } from '../sim/scenario';
import type { TimelineData } from '../timeline/bars';
import type { KpiReport, ShiftReport } from '../kpi/report';
import type { ConnectorStatusView } from '../connectors/status';

// Ingest's records travel over the protocol as they are.
export type { DeadLetter, IngestResult };

const empty = z.object({}).strict().optional();
const instant = z.number().int().min(946684800000).max(4102444800000);
const exceptionId = z.string().min(1).max(64);
const personId = z.string().min(1).max(64);
/*
 * `by` (who acts) is taken from the caller when a person is signed in, and ignored in the params
 * then: a client cannot act under another name. The in-process host (simulator, tests) names it.
 */
/** Where a what-if starts: a fork of the live twin (default) or the plant file's opening book. */
const whatIfFrom = z.enum(['live', 'opening']).default('live');
const exceptionFilter = z
  .object({
    states: z.array(z.enum(exceptionStates)).optional(),
    types: z.array(z.enum(exceptionTypes)).optional(),
    priorities: z.array(z.enum(exceptionPriorities)).optional(),
    lineId: z.string().min(1).max(64).optional(),
    orderId: z.string().min(1).max(64).optional(),
    includeClosed: z.boolean().optional(),
  })
  .strict();

export const methodParams = {
  'core.info': empty,
  'plant.get': empty,
  // Who acts on this connection, and signing in on it (the desktop window; browser mode signs in at /signin).
  'session.whoami': empty,
  'session.signIn': z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }).strict(),
  'session.signOut': empty,
  'session.lock': empty,
  'session.firstStart': z.object({ username: z.string().min(1).max(128), personId: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict(),
  'twin.view': z.object({ at: instant.optional() }).strict().optional(),
  'deadLetters.list': z.object({ limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) }).strict().optional(),
  'signals.ingest': z.object({ signals: z.array(z.unknown()).min(1).max(10000) }).strict(),
  'clock.setSpeed': z.object({ speed: z.number().min(1).max(600) }).strict(),
  /** Test and diagnostics aid: echoes after `ms`, reporting progress; cancellable. */
  'debug.echo': z.object({ value: z.unknown(), ms: z.number().int().min(0).max(60000).default(0) }).strict(),
  // decide: rules and exceptions (ISA-18.2 lifecycle)
  'rules.get': empty,
  'rules.validate': z.object({ text: z.string().max(1_000_000), file: z.string().min(1).max(300).optional() }).strict(),
  /** The active rule set's source text, for the editor. */
  'rules.text': empty,
  /** Validates and, only when valid, activates a rule set; recorded with who activated it. */
  'rules.activate': z.object({ text: z.string().min(1).max(1_000_000), by: personId.optional(), file: z.string().min(1).max(300).optional() }).strict(),
  /**
   * Replays the journal over a period (default: the last 7 plant days up to now) under the active
   * rules and this draft, and lists what the draft would have changed. Long: progress and cancel.
   * The record (period, both rule hashes, results hash) goes into the audit log.
   */
  'rules.backtest': z
    .object({
      text: z.string().min(1).max(1_000_000),
      by: personId.optional(),
      file: z.string().min(1).max(300).optional(),
      from: instant.optional(),
      to: instant.optional(),
      stepMinutes: z.number().int().min(1).max(1440).optional(),
      /** Most decision points evaluated (options ranked and forecast under both rule sets; default 200); later ones are counted. */
      maxDecisions: z.number().int().min(0).max(100_000).optional(),
    })
    .strict(),
  'exceptions.list': z.object({ filter: exceptionFilter.optional() }).strict().optional(),
  'exceptions.get': z.object({ id: exceptionId }).strict(),
  'exceptions.acknowledge': z.object({ id: exceptionId, by: personId.optional(), comment: z.string().min(1).max(2000).optional() }).strict(),
  'exceptions.shelve': z.object({ id: exceptionId, by: personId.optional(), minutes: z.number().positive().max(7 * 24 * 60), reason: z.string().min(1).max(500) }).strict(),
  'exceptions.unshelve': z.object({ id: exceptionId, by: personId.optional() }).strict(),
  'exceptions.comment': z.object({ id: exceptionId, by: personId.optional(), text: z.string().min(1).max(2000) }).strict(),
  'exceptions.outOfService': z.object({ id: exceptionId, by: personId.optional(), reason: z.string().min(1).max(500) }).strict(),
  'exceptions.returnToService': z.object({ id: exceptionId, by: personId.optional() }).strict(),
  'exceptions.flood': empty,
  // decide: options for an exception, scored on a fork of the live twin
  /**
   * `replanMs`: real milliseconds the optimizing re-plan may search (default 1000; 0 leaves it
   * out); `maxMoved`: most orders it may move. Progress reports the re-plan's best objective.
   */
  'decide.options': z
    .object({
      exceptionId,
      horizonHours: z.number().positive().max(24 * 14).optional(),
      seed: z.number().int().nonnegative().max(2 ** 31).optional(),
      replanMs: z.number().int().min(0).max(60_000).optional(),
      maxMoved: z.number().int().min(0).max(10_000).optional(),
    })
    .strict(),
  // what-if sandbox: scenarios parsed, run, compared, risk replications; saved in the core
  'whatIf.parse': z.object({ text: z.string().max(1_000_000), file: z.string().min(1).max(300).default('scenario.yaml') }).strict(),
  'whatIf.run': z.object({ scenario: scenarioSchema, from: whatIfFrom }).strict(),
  'whatIf.compare': z.object({ scenarios: z.array(scenarioSchema).min(1).max(4), from: whatIfFrom }).strict(),
  'whatIf.risk': z.object({ scenario: scenarioSchema, replications: z.number().int().min(1).max(5000), seed: z.number().int().nonnegative().max(2 ** 31).default(1), from: whatIfFrom, mtbfHours: z.number().positive().max(10_000).optional() }).strict(),
  /**
   * Optimize: the scenario's disruptions (and moves) in, the re-planner's best plan for the next
   * `hours` out as a scenario of its own (moves appended), both run and compared. An empty
   * scenario optimizes the plan as is for the whole plant; `maxMoved` limits the orders moved.
   */
  'whatIf.optimize': z
    .object({
      scenario: scenarioSchema,
      from: whatIfFrom,
      hours: z.number().positive().max(24 * 7).default(24),
      maxMoved: z.number().int().min(0).max(10_000).optional(),
      timeLimitMs: z.number().int().min(50).max(120_000).default(3000),
      seed: z.number().int().nonnegative().max(2 ** 31).default(1),
    })
    .strict(),
  'whatIf.list': empty,
  'whatIf.save': z.object({ scenario: scenarioSchema, text: z.string().max(1_000_000).optional(), by: personId.optional() }).strict(),
  'whatIf.delete': z.object({ name: z.string().min(1).max(120) }).strict(),
  // commit, dispatch and track (records in RxDB; see shared/commit/records.ts)
  /**
   * Commits an option of an exception (`exceptionId` + `optionId`, `kind` 'option' or absent:
   * re-scores the options at the current journal position), or a saved what-if scenario
   * (`kind: 'scenario'`, `scenarioId`: its name from `whatIf.save` or its store id `whatif-…`;
   * re-simulated against the plan as is at the current journal position, optionally linked to the
   * exception it answers). Either way a hash-chained receipt. A discriminated union on `kind`, so
   * a bad call is told which fields its kind needs.
   */
  'decisions.commit': z.discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('option').optional(),
        exceptionId,
        optionId: z.string().min(1).max(200),
        by: personId.optional(),
        comment: z.string().max(2000).optional(),
        horizonHours: z.number().positive().max(24 * 14).optional(),
        seed: z.number().int().nonnegative().max(2 ** 31).optional(),
      })
      .strict(),
    z.object({ kind: z.literal('scenario'), scenarioId: z.string().min(1).max(120), by: personId.optional(), comment: z.string().max(2000).optional(), exceptionId: exceptionId.optional() }).strict(),
  ]),
  'decisions.list': z.object({ statuses: z.array(z.enum(decisionStatuses)).optional(), exceptionId: exceptionId.optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict().optional(),
  'decisions.get': z.object({ id: z.string().min(1).max(64) }).strict(),
  /** Re-runs the decision from its journal position with its rule-set version and compares the ranking. */
  'decisions.replay': z.object({ id: z.string().min(1).max(64) }).strict(),
  /** A committed decision judged once its horizon has passed: projected order ends against the journal's, and the regret in hindsight. */
  'decisions.review': z.object({ id: z.string().min(1).max(64) }).strict(),
  /** The weekly roll-up (forecast accuracy, regret, cycle time) of the committed decisions whose horizon has passed. */
  'decisions.reviewWeekly': z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict().optional(),
  'approvals.list': z.object({ statuses: z.array(z.enum(approvalStatuses)).optional(), role: z.enum(roles).optional(), decisionId: z.string().min(1).max(64).optional() }).strict().optional(),
  'approvals.decide': z.object({ id: z.string().min(1).max(64), by: personId.optional(), verdict: z.enum(['approve', 'reject']), comment: z.string().min(1).max(2000) }).strict(),
  'actions.list': z
    .object({ ownerId: personId.optional(), role: z.enum(roles).optional(), statuses: z.array(z.enum(actionStatuses)).optional(), decisionId: z.string().min(1).max(64).optional(), lineId: z.string().min(1).max(64).optional() })
    .strict()
    .optional(),
  'actions.get': z.object({ id: z.string().min(1).max(64) }).strict(),
  /** A person moves an action (acknowledge, start, done, verify, blocked with reason, reject, reassign with `ownerId`). */
  'actions.transition': z
    .object({ id: z.string().min(1).max(64), by: personId.optional(), to: z.enum(personTransitions), comment: z.string().min(1).max(2000).optional(), ownerId: personId.optional() })
    .strict(),
  'dispatch.gates': z.object({ lineId: z.string().min(1).max(64).optional() }).strict().optional(),
  'outbox.list': z.object({ statuses: z.array(z.enum(outboxStatuses)).optional(), decisionId: z.string().min(1).max(64).optional() }).strict().optional(),
  'outbox.retry': z.object({ id: z.string().min(1).max(64), by: personId.optional() }).strict(),
  /** `order: 'desc'` pages newest first (offset 0 = the newest entry); default oldest first. */
  'audit.list': z
    .object({ limit: z.number().int().min(1).max(1000).default(200), offset: z.number().int().min(0).default(0), subjectId: z.string().min(1).max(64).optional(), order: z.enum(['asc', 'desc']).default('asc') })
    .strict()
    .optional(),
  'audit.verify': empty,
  /** External connectors (MQTT/UNS, Sparkplug B, …) and their status: connected, lag, messages/s, errors, dead letters. */
  'connectors.status': empty,
  // execution timeline and KPIs (main/core/services/timeline-service.ts)
  'timeline.get': z
    .object({ from: instant, to: instant, lineIds: z.array(z.string().min(1).max(64)).max(1000).optional() })
    .strict()
    .refine((p) => p.to > p.from, { message: "'to' must be after 'from'", path: ['to'] }),
  'kpi.get': z
    .object({ scope: z.enum(['plant', 'area', 'line']), id: z.string().min(1).max(64).optional(), period: z.enum(['shift', 'day', 'week']), at: instant.optional(), trend: z.number().int().min(0).max(30).default(0) })
    .strict(),
  'report.shift': z.object({ shiftStart: instant }).strict(),
  /** The shift report printed to PDF by the core (Chromium page.pdf); base64. */
  'report.shiftPdf': z.object({ shiftStart: instant, timeZone: z.string().min(1).max(64).optional() }).strict(),
} as const;

export const streamParams = {
  'twin.deltas': empty,
  'deadLetters.new': empty,
  'core.status': empty,
  /** First item `{ list, flood }`, then `{ changes, flood }`. */
  exceptions: empty,
  /** Commit records as they change (decisions, approvals, actions, outbox, audit): one item per change. */
  /** Connector statuses, once a second. */
  connectors: empty,
  records: z.object({ collections: z.array(z.enum(['decisions', 'approvals', 'actions', 'outbox', 'audit'])).optional() }).strict().optional(),
} as const;

export type MethodName = keyof typeof methodParams;
export type StreamName = keyof typeof streamParams;
export type ParamsOf<M extends MethodName> = z.input<(typeof methodParams)[M]>;
export type StreamParamsOf<S extends StreamName> = z.input<(typeof streamParams)[S]>;

export interface CoreInfo {
  core: string;
  version: string;
  protocol: number;
  plant: { id: string; name: string; file: string };
  clock: { now: number; speed: number; mode: 'live' | 'accelerated' | 'simulated' };
  journal: { position: number };
  source: string;
}

export interface CoreStatus {
  time: number;
  speed: number;
  position: number;
  signalsPerSecond: number;
  deadLetters: number;
  clients: number;
  /** Set while the core takes no signals in: why, and what to do (e.g. the journal's disk is full). */
  ingestPaused?: string;
}

/** Who acts on a connection (`session.whoami`, and the result of signing in or out on it). */
export type WhoAmI =
  /** Nobody yet; `firstStart` when the data folder has no account and this window may create the first administrator. */
  | { kind: 'signed-out'; firstStart: boolean }
  | { kind: 'person'; personId: string; name: string; role: string | null; username: string | null; via: 'password' | 'oidc' | 'first-start' }
  /** A display locked by `lockedBy`: it keeps reading the floor and may do nothing else. */
  | { kind: 'display'; lockedBy: string }
  | { kind: 'token'; name: string; scopes: string[] }
  | { kind: 'system'; name: string };

export interface MethodResults {
  'core.info': CoreInfo;
  'plant.get': Plant;
  'session.whoami': WhoAmI;
  'session.signIn': WhoAmI;
  'session.signOut': WhoAmI;
  'session.lock': WhoAmI;
  'session.firstStart': WhoAmI;
  'twin.view': TwinView;
  'deadLetters.list': { total: number; items: DeadLetter[] };
  'signals.ingest': IngestResult;
  'clock.setSpeed': { speed: number };
  'debug.echo': { value: unknown };
  'rules.get': RulesInfo;
  'rules.text': { text: string; file: string; version: string };
  'rules.activate': RulesInfo & { activatedBy: string; activatedAt: number };
  'rules.validate': { ok: boolean; version?: string; hash?: string; errors: RulesIssue[]; warnings: RulesIssue[] };
  'rules.backtest': BacktestResult;
  'exceptions.list': { items: ExceptionRecord[]; flood: FloodRate };
  'exceptions.get': ExceptionRecord;
  'exceptions.acknowledge': ExceptionRecord;
  'exceptions.shelve': ExceptionRecord;
  'exceptions.unshelve': ExceptionRecord;
  'exceptions.comment': ExceptionRecord;
  'exceptions.outOfService': ExceptionRecord;
  'exceptions.returnToService': ExceptionRecord;
  'exceptions.flood': FloodRate;
  'decide.options': DecideOptionsResult;
  'whatIf.parse': { ok: true; scenario: Scenario; warnings: FileIssue[] } | { ok: false; errors: FileIssue[] };
  'whatIf.run': ScenarioResult;
  'whatIf.compare': { results: ScenarioResult[]; comparison: ScenarioComparison };
  'whatIf.risk': RiskResult;
  'whatIf.optimize': WhatIfOptimizeResult;
  'whatIf.list': { items: SavedScenario[] };
  'whatIf.save': SavedScenario;
  'whatIf.delete': { deleted: string };
  'decisions.commit': { decision: DecisionReceipt; approvals: ApprovalRecord[]; actions: ActionRecord[] };
  'decisions.list': { items: DecisionReceipt[] };
  'decisions.get': { decision: DecisionReceipt; approvals: ApprovalRecord[]; actions: ActionRecord[]; outbox: OutboxRecord[]; audit: AuditEntry[] };
  'decisions.review': DecisionReview;
  'decisions.reviewWeekly': DecisionQualityReport;
  'decisions.replay': { id: string; same: boolean; recorded: { id: string; rank: number | null; score: number | null }[]; replayed: { id: string; rank: number | null; score: number | null }[]; differences: string[] };
  'approvals.list': { items: ApprovalRecord[] };
  'approvals.decide': { approval: ApprovalRecord; decision: DecisionReceipt };
  'actions.list': { items: ActionRecord[] };
  'actions.get': ActionRecord;
  'actions.transition': ActionRecord;
  'dispatch.gates': { items: ReadinessGate[] };
  'outbox.list': { items: OutboxRecord[] };
  'outbox.retry': OutboxRecord;
  'audit.list': { total: number; items: AuditEntry[] };
  'audit.verify': ChainCheck;
  'connectors.status': { items: ConnectorStatusView[] };
  'timeline.get': TimelineData;
  'kpi.get': KpiReport;
  'report.shift': ShiftReport;
  'report.shiftPdf': { filename: string; bytes: number; pdfBase64: string };
}

/** Ranked options for an exception, and what they were computed from. */
export interface DecideOptionsResult {
  exceptionId: string;
  /** Plant time of the fork. */
  at: number;
  horizonHours: number;
  seed: number;
  rulesVersion: string;
  /** Real milliseconds generating and scoring took. */
  ms: number;
  options: RankedOption[];
}

/** An optimized scenario and how it compares with the scenario it came from. */
export interface WhatIfOptimizeResult {
  /** The scenario with the re-plan's moves appended (named "… (optimized)"). */
  scenario: Scenario;
  /** The scenario as given, then the optimized one. */
  results: ScenarioResult[];
  comparison: ScenarioComparison;
  replan: ReplanDetails;
  /** Why the orders moved and the objective, as lines. */
  explanation: string[];
  /** Orders the re-plan moved (line or position). */
  moved: number;
}

/** A planner's scenario kept in the core (`<dataDir>/scenarios.json`), keyed by name. */
export interface SavedScenario {
  name: string;
  scenario: Scenario;
  /** The YAML the planner edited, when saved from text. */
  text?: string;
  savedAt: number;
  by?: string;
}

/** The active rule set and what identifies it in decision receipts. */
export interface RulesInfo {
  version: string;
  hash: string;
  file: string;
  name: string;
  rules: RuleSet;
}

export interface StreamItems {
  /** First item is a full view (`{ view }`), then deltas. */
  'twin.deltas': { view: TwinView } | { delta: TwinDelta };
  'deadLetters.new': DeadLetter;
  'core.status': CoreStatus;
  exceptions: { list: ExceptionRecord[]; flood: FloodRate } | { changes: ExceptionChange[]; flood: FloodRate };
  records: RecordChange;
  connectors: { items: ConnectorStatusView[] };
}
