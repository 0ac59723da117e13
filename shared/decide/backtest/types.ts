/**
 * A backtest's input and result: the recorded journal replayed through the twin, exception
 * detection under the recorded rule set and under a candidate, and what differs.
 */
import type { Plant } from '../../plant/schema';
import type { Signal } from '../../signals/schema';
import type { TwinSnapshot } from '../../twin/twin';
import type { LoadedRules } from '../rules-parse';
import type { ExceptionPriority, ExceptionType } from '../rules-schema';

/** One journal row: its position and the signal. */
export interface JournalEntry {
  position: number;
  signal: Signal;
}

export interface BacktestInput {
  plant: Plant;
  /** The twin's start time (the data folder's) and, when replay starts from one, a persisted snapshot. */
  startTime: number;
  snapshot?: TwinSnapshot;
  /** The journal after the snapshot (or from the start), in position order. */
  entries: Iterable<JournalEntry>;
  /**
   * The rule set the journal was recorded under, and the draft to try. With `recordedHistory`,
   * `recorded` only stands in where the history does not reach (before its first activation).
   */
  recorded: LoadedRules;
  candidate: LoadedRules;
  /**
   * The rule sets that were active over time (each activation, oldest first): at each detection
   * pass the recorded side is the last one activated at or before that plant time. Absent: the
   * whole period is judged under `recorded` (an explicit baseline).
   */
  recordedHistory?: readonly RecordedRulesSwitch[];
  /** Plant-time period to compare (inclusive). */
  from: number;
  to: number;
  /** Plant minutes between detection passes (default 5). */
  stepMinutes?: number;
  /** Forecast hours of each decision compared (default 8: about a shift, what a rule change's decision moves first). */
  horizonHours?: number;
  /** Most decision points evaluated (options ranked and forecast under both rule sets; default 200); later ones are counted, not evaluated. */
  maxDecisions?: number;
  seed?: number;
}

/** A rule set that became active at plant time `at`. */
export interface RecordedRulesSwitch {
  at: number;
  rules: LoadedRules;
}

/** One stretch of the period judged under one recorded rule set. */
export interface RecordedRulesSpan {
  /** Plant time the stretch starts (the period's start, or the activation inside the period). */
  from: number;
  version: string;
  hash: string;
  /** False: no recorded activation reaches this stretch, and the stand-in (`BacktestInput.recorded`) judged it. */
  fromHistory: boolean;
}

export interface BacktestControl {
  signal?: AbortSignal;
  /** Called every few detection passes: plant time reached, and the period. */
  onProgress?: (p: BacktestProgress) => void;
  /** Lets the caller's event loop run between slices (e.g. `() => new Promise(r => setImmediate(r))`), so an abort can arrive. */
  yieldNow?: () => Promise<void>;
}

export interface BacktestProgress {
  /** Detection passes made, of the period's total. */
  done: number;
  total: number;
  /** Plant time reached. */
  at: number;
  differences: number;
  /** Decision points evaluated so far, and those past `maxDecisions` (counted, not evaluated). */
  decisionsEvaluated: number;
  decisionsSkipped: number;
}

/** How one rule set sees a condition at a detection pass. */
export interface SideView {
  priority: ExceptionPriority;
  /** Why it needed nobody (a rule suppressed it by design); absent when annunciated. */
  suppressedBy?: string;
  title: string;
  detail: string;
}

/**
 * - extra: the candidate raises it and the recorded rules did not (absent or suppressed);
 * - missing: the recorded rules raised it and the candidate does not;
 * - priority: both raise it, at different priorities;
 * - suppression: neither raises it to a person, but one detects it (suppressed) and the other not at all.
 */
export type DifferenceKind = 'extra' | 'missing' | 'priority' | 'suppression';

/** The KPIs of a decision's forecast, all measured with the recorded rules' costs (one yardstick). */
export interface OutcomeKpis {
  /** Σ hours late × the customer tier's lateness penalty per hour (recorded rules). */
  latenessCost: number;
  lateOrders: number;
  changeoverMinutes: number;
  /**
   * Forecast OEE: the forecast runs at rated speed without scrap, so performance and quality are 1
   * and OEE is its availability (run time over the horizon's line time).
   */
  oee: number;
  /** The whole objective (forecast cost) under the recorded rules' weights. */
  cost: number;
}

export interface DecisionOutcome {
  /** The top-ranked option; null when this rule set raises no exception there (the plan runs as is). */
  option: { id: string; kind: string; title: string } | null;
  /** The approvals the top option needs under this rule set's escalation rules. */
  approvals: { ruleId: string; approver: string; reason: string }[];
  kpis: OutcomeKpis;
}

export interface DecisionComparison {
  at: number;
  recorded: DecisionOutcome;
  candidate: DecisionOutcome;
  /** candidate − recorded. */
  delta: OutcomeKpis;
  /** The top option or the approvals differ. */
  differs: boolean;
}

export interface BacktestDifference {
  /** `D-1`, `D-2`… in order of appearance. */
  id: string;
  key: string;
  type: ExceptionType;
  kind: DifferenceKind;
  /** Plant time the difference began, and ended (null: still there at the end of the period). */
  from: number;
  until: number | null;
  recorded: SideView | null;
  candidate: SideView | null;
  /** The rule changes that alone make the difference (`path: old → new`); all changes when none does alone. */
  rules: string[];
  /** Set when the decision at the start was evaluated (see `maxDecisions`). */
  decision?: DecisionComparison;
}

/** A raise both rule sets share where the decision rules differ and the decision came out differently. */
export interface DecisionDifference {
  key: string;
  type: ExceptionType;
  decision: DecisionComparison;
}

export interface SideCounts {
  /** Conditions raised to a person (not suppressed), and cleared. */
  raised: number;
  cleared: number;
}

export interface BacktestResult {
  period: { from: number; to: number; stepMinutes: number };
  /** The recorded rules at the period's end; `recordedRules` lists each one over the period. */
  recorded: { version: string; hash: string } & SideCounts;
  /** The recorded rule sets over the period, in order: more than one where a rule set was activated inside it. */
  recordedRules: RecordedRulesSpan[];
  /**
   * Set when part of the period has no recorded activation (a data folder from before the history
   * was kept): until when (null: the whole period) the stand-in rule set judged the recorded side.
   */
  recordedStandIn: { until: number | null } | null;
  candidate: { version: string; hash: string } & SideCounts;
  /** Every rule change exception detection can see (`path: old → new`), over all recorded rule sets of the period. */
  ruleChanges: string[];
  /** The decision rules (priority, constraints, escalation, workflows) differ. */
  decisionRulesDiffer: boolean;
  passes: number;
  signals: number;
  differences: BacktestDifference[];
  decisions: DecisionDifference[];
  /** Decision points evaluated, and those past `maxDecisions` (counted only). */
  decisionsEvaluated: number;
  decisionsSkipped: number;
  /** Σ of the evaluated decisions' KPI deltas (candidate − recorded). */
  kpiDelta: OutcomeKpis;
  counts: Record<DifferenceKind, number>;
  /** Hash of everything above: two runs over the same journal and rules give the same one. */
  resultsHash: string;
}
