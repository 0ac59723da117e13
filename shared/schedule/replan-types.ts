/**
 * What a re-plan option carries besides its moves (plain data for the protocol and the
 * console): why each order moved and the engine's objective against the plan as is. Kept apart
 * from ./explain.ts so the options module can name it without importing the re-planner.
 */

/** Why one order moved (each reason a short sentence with its numbers). */
export interface MovedOrderReason {
  orderId: string;
  fromLine: string | null;
  toLine: string;
  fromPosition: number | null;
  toPosition: number;
  /** Minutes late in the plan as is and in the re-plan (engine's timing). */
  lateBefore: number;
  lateAfter: number;
  reasons: string[];
}

/** One term of the objective, the plan as is against the re-plan. */
export interface ObjectiveTerm {
  term: 'tardiness' | 'late-orders' | 'changeover' | 'churn' | 'total';
  label: string;
  /** The quantity (tier-weighted minutes late, orders, minutes, moved orders). */
  before: number;
  after: number;
  /** Its cost under the rule set's weights. */
  costBefore: number;
  costAfter: number;
}

export interface ReplanDetails {
  /** Orders the re-plan considered, and those it moved. */
  orders: number;
  moved: MovedOrderReason[];
  objective: ObjectiveTerm[];
  /** Search: how long, how many iterations, why it stopped. */
  elapsedMs: number;
  iterations: number;
  stoppedBy: string;
  /** Most orders the planner allowed to move (none: no limit). */
  maxMoved?: number;
}
