/**
 * An option's score (the forecast's objective, a cost: lower is better) split into the parts a
 * person weighs: lateness, changeovers, overtime, premium freight, and unused capacity (a small
 * tie-breaker). Lateness is what remains of the total once the others are priced, so the parts
 * always add up to the score the ranking used.
 */
import type { ForecastKpis } from '../sim/forecast';
import { objectiveFromRules } from './options';

export interface ScoreParts {
  lateness: number;
  changeovers: number;
  overtime: number;
  freight: number;
  idle: number;
  total: number;
}

export const SCORE_PART_LABELS: Record<Exclude<keyof ScoreParts, 'total'>, string> = {
  lateness: 'Lateness',
  changeovers: 'Changeovers',
  overtime: 'Overtime',
  freight: 'Premium freight',
  idle: 'Unused capacity',
};

/** `lines` and `horizonHours`: what the forecast covered (for the unused-capacity part). */
export function scoreParts(k: ForecastKpis, lines: number, horizonHours: number): ScoreParts {
  const costs = objectiveFromRules(undefined).costs;
  const changeovers = k.changeoverMinutes * costs.changeoverPerMinute;
  const overtime = k.overtimeCost;
  const freight = k.premiumFreightCost;
  const idle = Math.max(0, lines * horizonHours * (1 - k.utilisation) * costs.idlePerLineHour);
  const lateness = Math.max(0, k.cost - changeovers - overtime - freight - idle);
  return { lateness, changeovers, overtime, freight, idle, total: k.cost };
}
