/**
 * What option generation returns: ranked options with their checks, KPI deltas, approvals and
 * explanations, and the objective weights the ranking uses (from the rule set's priority rules).
 */
import { DEFAULT_COSTS, DEFAULT_TIER_WEIGHTS, type ForecastCosts, type ForecastKpis, type Move } from '../sim/forecast';
import type { ReplanDetails } from '../schedule/replan-types';
import type { ConstraintCheck } from './constraints';
import type { RequiredApproval } from './escalation';
import type { RuleSet } from './rules-schema';

export type OptionKind = 'wait' | 'reroute' | 'reroute-all' | 'resequence' | 'split' | 'pull-ahead' | 'expedite' | 'pause-held' | 'as-planned' | 'replan';

/** A constraint check with where it came from: the rule set's constraint rules or the forecast's own availability checks. */
export interface OptionCheck extends Omit<ConstraintCheck, 'rule'> {
  rule: ConstraintCheck['rule'] | 'line-available' | 'split-size';
  /** The check fails in the current plan as well (not caused by the option, so not a violation). */
  preExisting?: boolean;
  orderId?: string;
  lineId?: string;
}

/** Option minus do-nothing, for the forecast's KPIs that a planner compares, plus total cost. */
export type KpiDelta = Pick<ForecastKpis, 'weightedTardinessHours' | 'lateOrders' | 'changeoverMinutes' | 'utilisation' | 'overtimeHours' | 'overtimeCost' | 'premiumFreightCost' | 'ordersCompleted'> & { cost: number };

/** An approval the option needs (the escalation rules, ./escalation.ts). */
export type Approval = RequiredApproval;

export interface RankedOption {
  id: string;
  /** 1 = best; null when infeasible. */
  rank: number | null;
  kind: OptionKind;
  title: string;
  moves: Move[];
  feasible: boolean;
  /** Every check made, passed or not. */
  checks: OptionCheck[];
  /** The failed checks (empty when feasible). */
  violations: OptionCheck[];
  kpis: ForecastKpis | null;
  /** KPIs minus "do nothing"'s (negative cost = better). */
  delta: KpiDelta | null;
  /** Objective (forecast cost, lower is better); null when infeasible. */
  score: number | null;
  approvals: Approval[];
  /** Human-readable lines: rules fired, constraints with numbers, KPI deltas. */
  explanation: string[];
  affectedOrders: string[];
  /** True for the "do nothing" baseline. */
  baseline: boolean;
  /** The optimizing re-plan's own account: why each order moved, its objective against the plan as is. */
  replan?: ReplanDetails;
}

export interface ObjectiveWeights {
  tierWeights: Record<'A' | 'B' | 'C', number>;
  costs: ForecastCosts;
}

/** Objective weights from the rule set's priority rules (tier weights, lateness penalties), with defaults. */
export function objectiveFromRules(rules: RuleSet | undefined): ObjectiveWeights {
  if (!rules) return { tierWeights: { ...DEFAULT_TIER_WEIGHTS }, costs: { ...DEFAULT_COSTS } };
  const t = rules.priority.tiers;
  return {
    tierWeights: { A: t.A.weight, B: t.B.weight, C: t.C.weight },
    costs: { ...DEFAULT_COSTS, latePenaltyPerHour: { A: t.A.latePenaltyPerHour, B: t.B.latePenaltyPerHour, C: t.C.latePenaltyPerHour } },
  };
}
