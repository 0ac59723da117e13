/**
 * Decision review: once a committed decision's horizon has passed, its receipt (the chosen
 * option's forecast) is compared with what the journal recorded. Forecast accuracy: each order the
 * forecast finished inside the horizon against when it actually completed (mean absolute error in
 * minutes); orders it expected done that were not, and the other way round, are counted apart.
 * Regret: every feasible option the receipt considered is forecast again from the same fork with
 * what actually happened (breakdowns, arrivals: ./hindsight.ts); regret is the chosen option's
 * cost minus the best one's (0 when the choice was the best in hindsight). Pure and deterministic.
 *
 * A committed what-if scenario is reviewed the same way: its receipt's options are the plan as is
 * and the scenario (shared/commit/scenario-commit.ts), both forecast on a plain fork under the
 * scenario's assumptions; the forecast is re-run that way, and in hindsight the assumptions give
 * way to what the journal recorded. Assumptions of a kind the journal's breakdowns and arrivals
 * cannot stand in for are named in the review (`hindsightGaps`).
 */
import type { Plant } from '../../plant/schema';
import type { Signal } from '../../signals/schema';
import type { TwinState } from '../../twin/view';
import { applyMove, cloneState, forecast, type ForecastResult, type Move } from '../../sim/forecast';
import { MINUTE, HOUR } from '../../twin/schedule';
import type { InboundPo } from '../context';
import { objectiveFromRules, optionFork, type OptionException } from '../options';
import type { RuleSet } from '../rules-schema';
import { applyScenario, type Scenario } from '../../sim/scenario';
import { actualEvents } from './hindsight';
import { hindsightGapKind } from './gap-kind';
import type { ElementaryQuantities, IsoKpis } from '../../kpi/iso22400';
import { periodAt } from '../../kpi/periods';

/** What the journal recorded over the horizon on the decision's line, as the timeline computes it. */
export interface ActualKpis {
  lineIds: string[];
  from: number;
  to: number;
  quantities: ElementaryQuantities;
  iso: IsoKpis;
}

/** The receipt's fields a review reads (shared/commit/records.ts DecisionReceipt fits). */
export interface ReviewedReceipt {
  id: string;
  forkAt: number;
  horizonHours: number;
  seed: number;
  committedAt: number;
  chosenOptionId: string;
  options: { id: string; title: string; feasible: boolean; moves: Move[] }[];
  /** `scenario`: set when a saved what-if scenario was committed (shared/commit/records.ts). */
  replayInput: { exception: Record<string, unknown>; inbound: InboundPo[]; scenario?: { name: string; scenario: Scenario } };
}

export interface ReviewInput {
  plant: Plant;
  /** The rule set the receipt names (its costs are the yardstick). */
  rules: RuleSet;
  receipt: ReviewedReceipt;
  /** The twin at the receipt's journal position (what the options were scored on). */
  forkView: TwinState;
  /** The twin at the end of the horizon, and the journal's signals in between. */
  endView: TwinState;
  signals: readonly Signal[];
  /** When the exception was raised (decision cycle time = commit − raise), when known. */
  raisedAt?: number;
  /** The actual KPIs over the horizon, from the timeline's computation (carried into the review as given). */
  actual?: ActualKpis;
  /** The forecast each option is re-run with (the shared one by default; tests count the runs through it). */
  forecast?: typeof forecast;
}

export interface OrderEndError {
  orderId: string;
  projectedEnd: number;
  actualEnd: number;
  /** Actual − projected, minutes (positive: later than forecast). */
  errorMinutes: number;
}

export interface DecisionReview {
  decisionId: string;
  /** Plant time the horizon ended (forkAt + horizon). */
  reviewedUntil: number;
  endErrors: OrderEndError[];
  /** Mean absolute error of projected ends, minutes; null when no order ended in both. */
  endMaeMinutes: number | null;
  /** Forecast to finish inside the horizon but did not, and finished though not forecast to. */
  missedEnds: string[];
  unforeseenEnds: string[];
  /** The chosen option's cost forecast at commit, and with hindsight. */
  forecastCost: number;
  hindsightCost: number;
  /** The best option in hindsight, its cost, and the regret (chosen − best, ≥ 0). */
  best: { id: string; title: string; cost: number };
  regret: number;
  /** Minutes from the exception's raise to the commit; null when the raise is not known. */
  cycleMinutes: number | null;
  /** The actual KPIs over the horizon, when the caller supplied them. */
  actual?: ActualKpis;
  /** A committed what-if scenario: its name and how many assumptions (disruptions) it made. */
  scenario?: { name: string; assumptions: number };
  /**
   * The scenario's assumptions that the hindsight forecast cannot replace with what the journal
   * recorded (it knows breakdowns and arrivals only), each in words: the regret does not account
   * for whether they happened. Absent when there are none.
   */
  hindsightGaps?: string[];
}

/**
 * What the hindsight forecast does not take from the journal, per assumption kind; a line going
 * down and a rush order are replaced by the breakdowns and arrivals recorded (./hindsight.ts).
 */
const NOT_REPLAYED: Partial<Record<Scenario['disruptions'][number]['type'], string>> = {
  'component-short': 'stock losses and blocked components',
  absence: 'crew absences',
  'demand-change': 'changes to order quantities and due dates',
};

export function reviewDecision(input: ReviewInput): DecisionReview {
  const { plant, rules, receipt, forkView } = input;
  const runForecast = input.forecast ?? forecast;
  const until = receipt.forkAt + receipt.horizonHours * HOUR;
  if (input.endView.time < until) throw new Error(`decision ${receipt.id}: its horizon ends ${new Date(until).toISOString()}, after the twin's present ${new Date(input.endView.time).toISOString()}: review it once the horizon has passed`);
  const chosen = receipt.options.find((o) => o.id === receipt.chosenOptionId);
  if (!chosen) throw new Error(`decision ${receipt.id}: its chosen option '${receipt.chosenOptionId}' is not among the options it considered`);
  const objective = objectiveFromRules(rules);
  const fcOpts = { horizonHours: receipt.horizonHours, seed: receipt.seed, tierWeights: objective.tierWeights, costs: objective.costs, gantt: false };
  const scenario = receipt.replayInput.scenario;
  // A scenario was forecast on a plain fork (no exception's expected repair: its assumptions say what
  // goes wrong) with its assumptions as planned events (shared/commit/scenario-commit.ts).
  const exception = (scenario ? {} : receipt.replayInput.exception) as unknown as OptionException;
  const fork = optionFork({ plant, twinState: forkView, exception, inbound: receipt.replayInput.inbound });
  const assumed = scenario ? applyScenario(plant, fork, { ...scenario.scenario, moves: [] }) : fork;
  const downAtStart = forkView.machines.filter((m) => m.state === 'down').map((m) => m.id);
  const events = actualEvents(plant, input.signals, receipt.forkAt, until, downAtStart);
  const run = (moves: readonly Move[], hindsight: boolean): ForecastResult => {
    const s = cloneState(hindsight ? fork : assumed);
    if (hindsight) {
      for (const e of events) {
        const line = e.type === 'line-down' && e.at === receipt.forkAt ? s.lines.find((l) => l.id === e.lineId && l.downUntil !== null) : undefined;
        // A line down at the fork: its repair as it happened replaces the expected one (the forecast only extends downtime).
        if (line && e.type === 'line-down') line.downUntil = e.at + e.minutes * MINUTE;
        else s.planned.push(e);
      }
    }
    for (const m of moves) applyMove(s, m);
    return runForecast(plant, s, fcOpts);
  };

  const projected = run(chosen.moves, false);
  const actualEnd = new Map(input.endView.orders.filter((o) => o.completedAt !== null && o.completedAt > receipt.forkAt && o.completedAt <= until).map((o) => [o.id, o.completedAt as number] as const));
  const endErrors: OrderEndError[] = [];
  const missedEnds: string[] = [];
  const forecastDone = new Set<string>();
  for (const o of projected.orders) {
    if (!o.completedInHorizon || o.end === null) continue;
    forecastDone.add(o.id);
    const a = actualEnd.get(o.id);
    if (a === undefined) missedEnds.push(o.id);
    else endErrors.push({ orderId: o.id, projectedEnd: o.end, actualEnd: a, errorMinutes: Math.round(((a - o.end) / MINUTE) * 10) / 10 });
  }
  const unforeseenEnds = [...actualEnd.keys()].filter((id) => !forecastDone.has(id)).sort();
  endErrors.sort((a, b) => (a.orderId < b.orderId ? -1 : 1));
  const mae = endErrors.length ? Math.round((endErrors.reduce((s, e) => s + Math.abs(e.errorMinutes), 0) / endErrors.length) * 10) / 10 : null;

  let best = { id: chosen.id, title: chosen.title, cost: Infinity };
  let hindsightCost = NaN;
  for (const o of receipt.options) {
    if (!o.feasible) continue;
    const cost = run(o.moves, true).kpis.cost;
    if (o.id === chosen.id) hindsightCost = cost;
    if (cost < best.cost || (cost === best.cost && o.id === chosen.id)) best = { id: o.id, title: o.title, cost };
  }
  if (Number.isNaN(hindsightCost)) hindsightCost = run(chosen.moves, true).kpis.cost;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    decisionId: receipt.id,
    reviewedUntil: until,
    endErrors,
    endMaeMinutes: mae,
    missedEnds: missedEnds.sort(),
    unforeseenEnds,
    forecastCost: round(projected.kpis.cost),
    hindsightCost: round(hindsightCost),
    best: { ...best, cost: round(Math.min(best.cost, hindsightCost)) },
    regret: round(Math.max(0, hindsightCost - Math.min(best.cost, hindsightCost))),
    cycleMinutes: input.raisedAt === undefined ? null : Math.round(((receipt.committedAt - input.raisedAt) / MINUTE) * 10) / 10,
    ...(input.actual ? { actual: input.actual } : {}),
    ...(scenario ? scenarioFields(scenario) : {}),
  };
}

function scenarioFields(s: { name: string; scenario: Scenario }): Pick<DecisionReview, 'scenario' | 'hindsightGaps'> {
  const ds = s.scenario.disruptions;
  const gaps = ds.flatMap((d, i) => {
    const what = NOT_REPLAYED[d.type];
    return what ? [`disruptions.${i} (${d.type}): the hindsight forecast does not read ${what} from the journal, so it leaves this assumption out and the regret does not reflect whether it happened`] : [];
  });
  return { scenario: { name: s.name, assumptions: ds.length }, ...(gaps.length ? { hindsightGaps: gaps } : {}) };
}

export interface WeeklyDecisionQuality {
  /** Monday 00:00 of the week on the plant's clock (`zone`; UTC without one). */
  week: number;
  decisions: number;
  endMaeMinutes: number | null;
  meanRegret: number;
  meanCycleMinutes: number | null;
  /** Decisions whose regret leaves assumptions unchecked (`hindsightGaps`), and which assumption kinds. */
  withHindsightGaps: number;
  hindsightGapKinds: string[];
}

/** Reviews grouped per plant week (by the end of their horizon): forecast accuracy, regret, cycle time. */
export function weeklyDecisionQuality(reviews: readonly DecisionReview[], zone?: string): WeeklyDecisionQuality[] {
  const byWeek = new Map<number, DecisionReview[]>();
  for (const r of reviews) {
    const w = periodAt({ shifts: [], site: { timezone: zone } }, 'week', r.reviewedUntil).from;
    byWeek.set(w, [...(byWeek.get(w) ?? []), r]);
  }
  const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null);
  return [...byWeek]
    .sort((a, b) => a[0] - b[0])
    .map(([week, rs]) => ({
      week,
      decisions: rs.length,
      endMaeMinutes: mean(rs.flatMap((r) => r.endErrors.map((e) => Math.abs(e.errorMinutes)))),
      meanRegret: mean(rs.map((r) => r.regret)) ?? 0,
      meanCycleMinutes: mean(rs.flatMap((r) => (r.cycleMinutes === null ? [] : [r.cycleMinutes]))),
      withHindsightGaps: rs.filter((r) => r.hindsightGaps?.length).length,
      hindsightGapKinds: [...new Set(rs.flatMap((r) => (r.hindsightGaps ?? []).map(hindsightGapKind)))].sort(),
    }));
}

/** The decisions a weekly roll-up covers, and why the others are not in it. */
export interface DecisionQualityReport {
  weeks: WeeklyDecisionQuality[];
  /** Decisions reviewed (their horizon has passed). */
  reviewed: number;
  /** Committed decisions whose horizon has not passed yet. */
  pending: number;
  /** Decisions that could not be reviewed, each with the reason in words. */
  skipped: { id: string; reason: string }[];
}
