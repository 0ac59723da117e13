/**
 * The scheduling problem the re-planner solves, and the plan it returns.
 *
 * A plain, serialisable description, independent of the twin: the plant side (./from-plant.ts)
 * turns a twin state and a rule set into one of these, the CLI reads one from a JSON file, and the
 * benchmarks convert public instances into it. Times are minutes from the horizon's start (0).
 *
 * Semantics (evaluated by ./evaluate.ts, which is the single definition of the objective):
 *  - each line runs its sequence one order after another, starting at the line's `availableFrom`
 *    (default 0);
 *  - before each order comes the changeover from the previous family (the first order changes over
 *    from the line's `initialFamily`, when given); a missing pair costs 0 minutes;
 *  - an order does not start before its `release` (material there) nor before the changeover ends;
 *  - no run overlaps a `blocked` window of its line (downtime, no crew): a run that would, waits
 *    until the window's end (runs are not pre-empted);
 *  - a line may run an order only when `minutes[lineId]` is given (eligibility, and the line's rate);
 *  - a `forbidden` transition (from family → to family on a line) may never be adjacent (the
 *    line's initial family counts as the one before its first order);
 *  - the `frozen` prefix of each line stays first on that line, in that order;
 *  - a `pins` entry keeps an order on its line;
 *  - a line's `tail` runs after its last order, in that order, as the line's frozen end: its runs
 *    are timed and cost like orders (tardiness, late, changeover) but are not part of the plan and
 *    are never moved. It lets a problem for a horizon see what pushing the line's later work back
 *    costs, without searching that work;
 *  - objective = weights.tardiness × Σ weight × max(0, end − due)
 *              + weights.lateOrder × (number of orders with end > due)
 *              + weights.changeover × Σ changeover minutes
 *              + weights.churn × (number of orders whose line differs from `current.lineId`,
 *                                 or whose position among the line's orders changed)
 *    with weights defaulting to { tardiness: 1, lateOrder: 0, changeover: 0, churn: 0 }, so that a
 *    problem file with no weights is plain total weighted tardiness.
 */

export interface ScheduleWindow {
  from: number;
  to: number;
}

export interface ScheduleLine {
  id: string;
  /** Family last run on the line (the first order's changeover comes from it). */
  initialFamily?: string;
  /** The line is busy (or down) until then. */
  availableFrom?: number;
  /** Windows in which no run may be in progress (downtime, off-shift without a crew). */
  blocked?: ScheduleWindow[];
  /** Runs after the line's last order, in this order, never moved (see the semantics above). */
  tail?: TailRun[];
}

/** A run of a line's frozen tail: timed and costed like an order on that line. */
export interface TailRun {
  id: string;
  family: string;
  minutes: number;
  due: number;
  weight: number;
  release?: number;
}

export interface ScheduleOrder {
  id: string;
  family: string;
  due: number;
  weight: number;
  /** Run minutes on each line that can run the order; a line absent here is not eligible. */
  minutes: Record<string, number>;
  /** Earliest start (components on hand or inbound). */
  release?: number;
  /** Where the committed plan has the order now (for the churn penalty). */
  current?: { lineId: string; index: number };
}

export interface ScheduleWeights {
  tardiness?: number;
  lateOrder?: number;
  changeover?: number;
  churn?: number;
}

export interface ScheduleProblem {
  takt?: 'schedule-problem';
  name?: string;
  lines: ScheduleLine[];
  orders: ScheduleOrder[];
  /** changeovers[lineId][fromFamily][toFamily] = minutes. */
  changeovers?: Record<string, Record<string, Record<string, number>>>;
  /** initial[lineId] = family (same as ScheduleLine.initialFamily; either may be used). */
  initial?: Record<string, string>;
  /** forbidden[lineId][fromFamily] = families that may not follow it on that line. */
  forbidden?: Record<string, Record<string, string[]>>;
  /** frozen[lineId] = order ids that stay first on that line, in that order. */
  frozen?: Record<string, string[]>;
  /** pins[orderId] = the line the order must stay on. */
  pins?: Record<string, string>;
  weights?: ScheduleWeights;
}

/** A plan: each line's orders in run order. Every order appears exactly once. */
export interface SchedulePlan {
  lines: Record<string, string[]>;
}

export interface ObjectiveParts {
  weightedTardiness: number;
  lateOrders: number;
  changeoverMinutes: number;
  moved: number;
}

export interface ScheduledRun {
  orderId: string;
  lineId: string;
  changeoverStart: number;
  start: number;
  end: number;
}

export interface Evaluation {
  objective: number;
  parts: ObjectiveParts;
  runs: ScheduledRun[];
  /** Hard-constraint violations; empty when the plan is feasible. */
  violations: string[];
}

export interface SolveProgress {
  elapsedMs: number;
  objective: number;
  iterations: number;
}

export interface SolveOptions {
  seed?: number;
  /** Wall-clock budget: the best plan found is returned when it is spent (anytime). */
  timeLimitMs: number;
  /** For deterministic runs: stop after this many search iterations, whatever the time. */
  maxIterations?: number;
  /** The clock, injected so the engine stays pure (a worker passes performance.now). */
  now: () => number;
  onProgress?: (p: SolveProgress) => void;
  /** Cancellation: checked between iterations. */
  cancelled?: () => boolean;
  /** A plan to start from (the plan as is), when feasible. */
  start?: SchedulePlan;
}

export interface SolveResult {
  plan: SchedulePlan;
  objective: number;
  parts: ObjectiveParts;
  elapsedMs: number;
  iterations: number;
  stoppedBy: 'deadline' | 'iterations' | 'cancelled' | 'optimal';
  /**
   * Hard-constraint violations of the returned plan (./evaluate.ts); absent when it is feasible.
   * Only forbidden transitions can be left, and only when no order of the orders avoids them.
   */
  violations?: string[];
}
