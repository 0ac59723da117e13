/**
 * The forecast's vocabulary: the state a forecast starts from (a fork of the twin, or the plant's
 * opening book), the options it runs with and the result it returns.
 */
// ---------------------------------------------------------------- state

export interface ForecastOrder {
  id: string;
  sku: string;
  qty: number;
  /** Units still to make. */
  remaining: number;
  customer: string;
  due: number;
  priority: number;
  lineId: string | null;
  state: 'queued' | 'running' | 'done' | 'cancelled';
  /** Held (QA) until this plant time; null when not held. */
  heldUntil: number | null;
  /** Plant time it started (when it already had before the fork). */
  startedAt: number | null;
  /** Split from this order (an option or a manual move). */
  splitOf?: string;
}

export interface ForecastLine {
  id: string;
  currentOrderId: string | null;
  lastFamily: string | null;
  /** Down (expected repair at this plant time); null when up. */
  downUntil: number | null;
  /** Line-level QA hold until this plant time; null when none. */
  heldUntil: number | null;
  /** Minutes of a changeover/clean already in progress at the fork (for the current order). */
  setupRemainingMinutes: number;
  /** Planner's pinned sequence: these orders run first, in this order (then the twin's sequence). */
  pinned: string[];
}

export interface Absence {
  /** Plant time span. */
  from: number;
  until: number;
  /** Named people who are missing. */
  people?: string[];
  /** A number of people missing from one line's crew (or from the shift, without `lineId`). */
  count?: number;
  lineId?: string;
}

/** Things known to happen later (disruptions, receipts, changes); applied at their time. */
export type PlannedEvent =
  | { at: number; type: 'line-down'; lineId: string; minutes: number; reason?: string }
  | { at: number; type: 'receipt'; component: string; qty: number; expedited?: boolean }
  | { at: number; type: 'stock-loss'; component: string; qty: number }
  | { at: number; type: 'component-block'; component: string; until: number }
  | { at: number; type: 'order-add'; order: ForecastOrder }
  | { at: number; type: 'order-change'; orderId: string; qty?: number; due?: number; priority?: number };

export interface ForecastState {
  /** Plant time of the fork. */
  time: number;
  orders: ForecastOrder[];
  lines: ForecastLine[];
  /** Stock per component (all locations together). */
  inventory: Record<string, number>;
  planned: PlannedEvent[];
  absences: Absence[];
  /** Costs already committed by moves applied to this fork (premium freight). */
  premiumFreightCost: number;
}

// ---------------------------------------------------------------- options and results

export interface ForecastCosts {
  /** Cost per tier-weighted hour of tardiness. */
  tardinessPerWeightedHour: number;
  /** Cost per late order. */
  lateOrder: number;
  /** Cost per changeover (or clean) minute. */
  changeoverPerMinute: number;
  /** Cost per person-hour of overtime. */
  overtimePerPersonHour: number;
  /** Weight of lost utilisation (cost per line-hour of capacity not used); small, a tie-breaker. */
  idlePerLineHour: number;
  /** Per-tier cost per hour late (the rule set's `latePenaltyPerHour`); replaces `tardinessPerWeightedHour` when given. */
  latePenaltyPerHour?: Partial<Record<'A' | 'B' | 'C', number>>;
}

export const DEFAULT_TIER_WEIGHTS: Readonly<Record<'A' | 'B' | 'C', number>> = Object.freeze({ A: 3, B: 2, C: 1 });
export const DEFAULT_COSTS: Readonly<ForecastCosts> = Object.freeze({ tardinessPerWeightedHour: 100, lateOrder: 250, changeoverPerMinute: 5, overtimePerPersonHour: 45, idlePerLineHour: 1 });

export interface BreakdownOptions {
  /** Mean hours between failures per machine (default 40, the plant simulator's). */
  mtbfHours?: number;
}

export interface ForecastOptions {
  horizonHours?: number;
  seed?: number;
  /** Seeded stochastic breakdowns (off by default: the forecast is then deterministic). */
  breakdowns?: boolean | BreakdownOptions;
  tierWeights?: Partial<Record<'A' | 'B' | 'C', number>>;
  costs?: Partial<ForecastCosts>;
  /** Minutes a QA release takes after an allergen clean (default 15). */
  qaReleaseMinutes?: number;
  /** Keep per-line Gantt rows (default true). */
  gantt?: boolean;
}

export interface OrderForecast {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  tier: 'A' | 'B' | 'C';
  lineId: string | null;
  due: number;
  /** Projected start (run start; null when it never starts, e.g. no capable line). */
  start: number | null;
  /** Projected completion (inside the horizon: simulated; after it: the twin's projection). */
  end: number | null;
  completedInHorizon: boolean;
  late: boolean;
  tardinessHours: number;
  weightedTardinessHours: number;
  changeoverMinutes: number;
  splitOf?: string;
}

export interface GanttRow {
  kind: 'run' | 'setup' | 'down' | 'held' | 'starved';
  orderId: string | null;
  sku: string | null;
  start: number;
  end: number;
  /** For setups: the changeover minutes and whether it was an allergen clean. */
  changeoverMinutes?: number;
  clean?: boolean;
  /** Runs: the order finished in this row. */
  complete?: boolean;
  reason?: string;
}

export interface LineForecast {
  id: string;
  runMinutes: number;
  changeoverMinutes: number;
  changeovers: number;
  cleans: number;
  downMinutes: number;
  utilisation: number;
  unitsProduced: number;
  gantt: GanttRow[];
}

export interface ForecastKpis {
  /** Σ hours late × customer tier weight, over every open order. */
  weightedTardinessHours: number;
  lateOrders: number;
  changeoverMinutes: number;
  /** Run time / line time over the horizon, all lines. */
  utilisation: number;
  overtimeHours: number;
  overtimeCost: number;
  premiumFreightCost: number;
  ordersCompleted: number;
  unitsProduced: number;
  /** The objective: weighted sum of the above (lower is better). */
  cost: number;
}

export interface ForecastResult {
  start: number;
  end: number;
  horizonHours: number;
  seed: number;
  stochastic: boolean;
  kpis: ForecastKpis;
  orders: OrderForecast[];
  lines: LineForecast[];
  /** Kernel events fired. */
  events: number;
}
