/**
 * What each rule set would have decided at one point of a backtest: the top-ranked option for the
 * exception it raised there (or the plan as is when it raised none), the approvals that option
 * needs, and the KPIs of forecasting it forward. Both sides are forecast on the same fork and
 * measured with the recorded rules' costs, so the delta is the rule change's effect, not a change
 * of yardstick. Pure and deterministic for a seed.
 */
import type { Plant } from '../../plant/schema';
import type { TwinState } from '../../twin/view';
import { applyMove, cloneState, forecast, type ForecastResult } from '../../sim/forecast';
import type { InboundPo } from '../context';
import type { DetectedCondition } from '../exceptions';
import { generateOptions, objectiveFromRules, optionFork, type RankedOption } from '../options';
import type { RuleSet } from '../rules-schema';
import type { DecisionComparison, DecisionOutcome, OutcomeKpis } from './types';

export interface DecisionPoint {
  plant: Plant;
  view: TwinState;
  inbound: readonly InboundPo[];
  recorded: { rules: RuleSet; condition: DetectedCondition | null };
  candidate: { rules: RuleSet; condition: DetectedCondition | null };
  horizonHours: number;
  seed: number;
  /** Options per rule set are the same when the decision rules are: ranked once then. */
  sameDecisionRules: boolean;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function outcomeKpis(run: ForecastResult, yardstick: RuleSet): OutcomeKpis {
  const penalty = yardstick.priority.tiers;
  let latenessCost = 0;
  for (const o of run.orders) latenessCost += o.tardinessHours * penalty[o.tier].latePenaltyPerHour;
  return { latenessCost: round(latenessCost), lateOrders: run.kpis.lateOrders, changeoverMinutes: round(run.kpis.changeoverMinutes), oee: round(run.kpis.utilisation), cost: round(run.kpis.cost) };
}

export function kpiDifference(a: OutcomeKpis, b: OutcomeKpis): OutcomeKpis {
  return { latenessCost: round(a.latenessCost - b.latenessCost), lateOrders: a.lateOrders - b.lateOrders, changeoverMinutes: round(a.changeoverMinutes - b.changeoverMinutes), oee: round(a.oee - b.oee), cost: round(a.cost - b.cost) };
}

export function kpiSum(a: OutcomeKpis, b: OutcomeKpis): OutcomeKpis {
  return { latenessCost: round(a.latenessCost + b.latenessCost), lateOrders: a.lateOrders + b.lateOrders, changeoverMinutes: round(a.changeoverMinutes + b.changeoverMinutes), oee: round(a.oee + b.oee), cost: round(a.cost + b.cost) };
}

export const ZERO_KPIS: OutcomeKpis = Object.freeze({ latenessCost: 0, lateOrders: 0, changeoverMinutes: 0, oee: 0, cost: 0 });

/** Compares the two rule sets' decisions at one point. */
export function compareDecisions(p: DecisionPoint): DecisionComparison {
  const condition = p.candidate.condition ?? p.recorded.condition;
  if (!condition) throw new Error('compareDecisions: neither rule set raised an exception at this point');
  const fork = optionFork({ plant: p.plant, twinState: p.view, exception: condition, inbound: p.inbound });
  const yardstick = p.recorded.rules;
  const objective = objectiveFromRules(yardstick);
  const fcOpts = { horizonHours: p.horizonHours, seed: p.seed, tierWeights: objective.tierWeights, costs: objective.costs, gantt: false };
  const forecasts = new Map<string, OutcomeKpis>();
  const forecastOf = (top: RankedOption | null): OutcomeKpis => {
    const moves = top ? top.moves.filter((m) => m.kind !== 'wait') : [];
    const key = JSON.stringify(moves);
    let k = forecasts.get(key);
    if (!k) {
      const state = cloneState(fork);
      for (const m of moves) applyMove(state, m);
      k = outcomeKpis(forecast(p.plant, state, fcOpts), yardstick);
      forecasts.set(key, k);
    }
    return k;
  };
  let shared: RankedOption | null | undefined;
  const topFor = (rules: RuleSet, c: DetectedCondition | null): RankedOption | null => {
    if (!c) return null;
    if (p.sameDecisionRules && shared !== undefined) return shared;
    const options = generateOptions({ plant: p.plant, rules, twinState: p.view, exception: c, horizonHours: p.horizonHours, seed: p.seed, inbound: p.inbound, state: fork });
    const top = options.find((o) => o.rank === 1) ?? null;
    if (p.sameDecisionRules) shared = top;
    return top;
  };
  const side = (top: RankedOption | null): DecisionOutcome => {
    return {
      option: top ? { id: top.id.replace(/^[^#]*#/, ''), kind: top.kind, title: top.title } : null,
      approvals: (top?.approvals ?? []).map((a) => ({ ruleId: a.ruleId, approver: a.approver, reason: a.reason })),
      kpis: forecastOf(top),
    };
  };
  const topRecorded = topFor(p.recorded.rules, p.recorded.condition);
  const topCandidate = topFor(p.candidate.rules, p.candidate.condition);
  const recorded = side(topRecorded);
  const candidate = side(topCandidate);
  // "Do nothing" and no exception at all leave the plan alike: what counts is the change made and who must approve it.
  const plan = (o: DecisionOutcome, top: RankedOption | null) => JSON.stringify([top ? top.moves.filter((m) => m.kind !== 'wait') : [], o.approvals]);
  const differs = plan(recorded, topRecorded) !== plan(candidate, topCandidate);
  return { at: p.view.time, recorded, candidate, delta: kpiDifference(candidate.kpis, recorded.kpis), differs };
}
