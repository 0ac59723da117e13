/**
 * Why the re-plan is what it is: for each order it moved, the reasons a planner checks (its due
 * date, its customer's tier, the changeover it saves or costs, the material it waits for, the
 * line that is down), each with its numbers; and the engine's objective, term by term, against
 * the plan as is. Times in the sentences are plant times (UTC, like the rest of the console).
 * Pure: everything comes from the problem, the two evaluations and the plan change.
 */
import type { Evaluation, ScheduleProblem, SchedulePlan } from './model';
import { changeoverMinutes, initialFamilyOf, weightsOf } from './evaluate';
import type { PlanChange, PlantProblem } from './from-plant';
import { plantTime } from '../clock/plant-time';
import type { MovedOrderReason, ObjectiveTerm, ReplanDetails } from './replan-types';

const MINUTE = 60_000;

export interface ExplainInput {
  pp: PlantProblem;
  asIs: Evaluation;
  replan: Evaluation;
  plan: SchedulePlan;
  change: PlanChange;
  search: { elapsedMs: number; iterations: number; stoppedBy: string };
  maxMoved?: number;
}

export interface Explained {
  details: ReplanDetails;
  /** Human-readable lines for the option's explanation (summary first). */
  lines: string[];
}

/** Reasons per moved order and the objective against the plan as is. */
export function explainReplan(input: ExplainInput): Explained {
  const { pp, asIs, replan, plan, change } = input;
  const problem = pp.problem;
  // plant time in the site's zone, with the day when it is not the re-plan's day
  const tf = plantTime(pp.timeZone);
  const at = (min: number) => tf.relative(pp.t0 + min * MINUTE, pp.t0);
  const hours = (min: number) => `${round(min / 60, 1)} h`;
  const runBefore = new Map(asIs.runs.map((r) => [r.orderId, r] as const));
  const runAfter = new Map(replan.runs.map((r) => [r.orderId, r] as const));
  const order = new Map(problem.orders.map((o) => [o.id, o] as const));
  const setupBefore = setups(problem, pp.asIs);
  const setupAfter = setups(problem, plan);
  const posBefore = positions(pp.asIs);
  const posAfter = positions(plan);

  const moved: MovedOrderReason[] = [];
  for (const id of change.moved) {
    const o = order.get(id);
    const b = runBefore.get(id);
    const a = runAfter.get(id);
    const info = pp.orders.get(id);
    if (!o || !a) continue;
    const from = posBefore.get(id) ?? null;
    const to = posAfter.get(id) as { lineId: string; index: number };
    const lateBefore = b ? Math.max(0, b.end - o.due) : 0;
    const lateAfter = Math.max(0, a.end - o.due);
    const reasons: string[] = [];
    const lineChanged = from !== null && from.lineId !== to.lineId;
    // line down (or blocked) in the plan as is
    if (lineChanged && b) {
      const blk = pp.blocks.find((x) => x.lineId === from.lineId && x.from < b.end && x.to > 0 && x.from <= b.start);
      if (blk) reasons.push(`line down: ${blk.reason}; on ${to.lineId} it starts at ${at(a.start)} instead of ${at(b.start)}`);
    }
    // due date
    const due = `due ${at(o.due)}`;
    if (b && lateBefore > 0 && lateAfter === 0) reasons.push(`due date: ${due}; ends ${at(a.end)} instead of ${at(b.end)}, no longer late (was ${hours(lateBefore)} late)`);
    else if (b && lateAfter < lateBefore) reasons.push(`due date: ${due}; ends ${at(a.end)} instead of ${at(b.end)}, ${hours(lateBefore - lateAfter)} less late`);
    else if (b && a.end > b.end) reasons.push(`due date: ${due}; ends ${at(a.end)} instead of ${at(b.end)}${lateAfter > 0 ? `, ${hours(lateAfter)} late` : ', still on time'}: it gives way to more urgent orders`);
    else if (!b) reasons.push(`due date: ${due}; ends ${at(a.end)}${lateAfter > 0 ? `, ${hours(lateAfter)} late` : ', on time'}`);
    else reasons.push(`due date: ${due}; ends ${at(a.end)} instead of ${at(b.end)}${lateAfter > 0 ? `, still ${hours(lateAfter)} late` : ', on time'}`);
    // tier
    if (info) reasons.push(`tier: ${info.tier} (${info.customer}, ${info.penaltyPerHour}/h late)`);
    // changeover before it
    const sb = setupBefore.get(id) ?? 0;
    const sa = setupAfter.get(id) ?? 0;
    if (sa < sb) reasons.push(`changeover saved: ${round(sb - sa)} min before it (${round(sa)} instead of ${round(sb)} min)`);
    else if (sa > sb) reasons.push(`changeover: ${round(sa - sb)} min more before it (${round(sa)} instead of ${round(sb)} min)`);
    // material
    const rel = pp.releases.find((r) => r.orderId === id);
    if (rel && b && b.start <= rel.release + 1e-6 && a.start >= rel.release - 1e-6) reasons.push(`material: ${rel.reason}`);
    moved.push({ orderId: id, fromLine: from?.lineId ?? null, toLine: to.lineId, fromPosition: from?.index ?? null, toPosition: to.index, lateBefore: round(lateBefore), lateAfter: round(lateAfter), reasons });
  }
  // most consequential first: the biggest lateness change, then by id
  moved.sort((x, y) => Math.abs(y.lateBefore - y.lateAfter) - Math.abs(x.lateBefore - x.lateAfter) || (x.orderId < y.orderId ? -1 : 1));

  const w = weightsOf(problem);
  const term = (t: ObjectiveTerm['term'], label: string, before: number, after: number, weight: number): ObjectiveTerm => ({ term: t, label, before: round(before), after: round(after), costBefore: round(before * weight), costAfter: round(after * weight) });
  const objective: ObjectiveTerm[] = [
    term('tardiness', 'Tier-weighted tardiness (penalty-minutes)', asIs.parts.weightedTardiness, replan.parts.weightedTardiness, w.tardiness),
    term('late-orders', 'Late orders', asIs.parts.lateOrders, replan.parts.lateOrders, w.lateOrder),
    term('changeover', 'Changeover minutes', asIs.parts.changeoverMinutes, replan.parts.changeoverMinutes, w.changeover),
    term('churn', 'Orders moved', asIs.parts.moved, replan.parts.moved, w.churn),
  ];
  objective.push({ term: 'total', label: 'Objective', before: round(asIs.objective), after: round(replan.objective), costBefore: round(asIs.objective), costAfter: round(replan.objective) });

  const details: ReplanDetails = {
    orders: problem.orders.length,
    moved,
    objective,
    elapsedMs: Math.round(input.search.elapsedMs),
    iterations: input.search.iterations,
    stoppedBy: input.search.stoppedBy,
    ...(input.maxMoved !== undefined ? { maxMoved: input.maxMoved } : {}),
  };
  const sign = (x: number) => (x > 0 ? `+${round(x)}` : String(round(x)));
  const lines = [
    `re-plan: ${problem.orders.length} orders on ${problem.lines.length} lines searched for ${Math.round(input.search.elapsedMs)} ms (${input.search.iterations} iterations, stopped: ${input.search.stoppedBy}); ${moved.length} order${moved.length === 1 ? '' : 's'} moved${change.rerouted.length ? `, ${change.rerouted.length} to another line` : ''}${input.maxMoved !== undefined ? ` (at most ${input.maxMoved})` : ''}`,
    `re-plan objective vs the plan as is: ${round(asIs.objective)} → ${round(replan.objective)} (${sign(replan.objective - asIs.objective)}): late orders ${asIs.parts.lateOrders} → ${replan.parts.lateOrders}, changeover ${round(asIs.parts.changeoverMinutes)} → ${round(replan.parts.changeoverMinutes)} min, tardiness cost ${round(asIs.parts.weightedTardiness * w.tardiness)} → ${round(replan.parts.weightedTardiness * w.tardiness)}`,
    ...moved.slice(0, 8).map((m) => `moved ${m.orderId}: ${m.fromLine ?? 'no line'}${m.fromPosition !== null ? ` #${m.fromPosition + 1}` : ''} → ${m.toLine} #${m.toPosition + 1}: ${m.reasons.join('; ')}`),
    ...(moved.length > 8 ? [`… and ${moved.length - 8} more moved orders`] : []),
  ];
  return { details, lines };
}

function positions(plan: SchedulePlan): Map<string, { lineId: string; index: number }> {
  const out = new Map<string, { lineId: string; index: number }>();
  for (const [lineId, ids] of Object.entries(plan.lines)) ids.forEach((id, index) => out.set(id, { lineId, index }));
  return out;
}

/** Changeover minutes right before each order of a plan. */
function setups(problem: ScheduleProblem, plan: SchedulePlan): Map<string, number> {
  const out = new Map<string, number>();
  const fam = new Map(problem.orders.map((o) => [o.id, o.family] as const));
  for (const l of problem.lines) {
    let f = initialFamilyOf(problem, l);
    for (const id of plan.lines[l.id] ?? []) {
      const to = fam.get(id);
      if (to === undefined) continue;
      out.set(id, changeoverMinutes(problem, l.id, f, to));
      f = to;
    }
  }
  return out;
}

function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

