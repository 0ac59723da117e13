/**
 * The optimizing re-plan as an option: the plant's problem for a fork (./from-plant.ts), the
 * engine's search (./solve.ts) with the checks the problem cannot express (a tool shared by more
 * lines than it has copies) and an optional limit on how many orders may move, and the result as
 * a candidate the options module checks, forecasts and ranks with the hand-written ones
 * (../decide/options.ts `extraCandidates`). The search runs wherever the caller puts it (a worker
 * thread in the core, in process in tests and benchmarks): `solveReplan` is pure, given the clock
 * it is handed.
 */
import type { Plant } from '../plant/schema';
import type { ExtraCandidate } from '../decide/options';
import type { PlannedRun } from '../decide/context';
import type { ForecastState } from '../sim/forecast';
import { evaluate } from './evaluate';
import { explainReplan } from './explain';
import { planToMoves, type PlantProblem, type SharedTool } from './from-plant';
import type { Evaluation, ScheduleProblem, SchedulePlan, ScheduleWindow, SolveOptions, SolveResult } from './model';
import { solve } from './solve';

export const REPLAN_TITLE = 'Re-plan (optimized)';
/** Option id suffix: the option is `<exception>#replan`. */
export const REPLAN_ID = 'replan';

export interface ReplanSolveOptions extends SolveOptions {
  /** Most orders the re-plan may move (line or position); none: no limit. */
  maxMoved?: number;
  /** Tools with fewer copies than lines that could use them (../schedule/from-plant.ts). */
  sharedTools?: readonly SharedTool[];
}

export interface ReplanResult extends SolveResult {
  /** The problem the plan was found for: the original plus windows that keep shared tools apart. */
  problem: ScheduleProblem;
}

/**
 * Windows to block so that no more runs use a shared tool at once than it has copies: a run that
 * starts while all copies are in use on other lines waits (its line blocked) until one is free.
 */
export function toolConflicts(ev: Evaluation, tools: readonly SharedTool[]): { lineId: string; window: ScheduleWindow; toolId: string }[] {
  const out: { lineId: string; window: ScheduleWindow; toolId: string }[] = [];
  for (const t of tools) {
    const ids = new Set(t.orderIds);
    const runs = ev.runs.filter((r) => ids.has(r.orderId) && r.end > r.start).sort((a, b) => a.start - b.start || (a.orderId < b.orderId ? -1 : 1));
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      const busy = runs.slice(0, i).filter((x) => x.lineId !== r.lineId && x.start <= r.start && x.end > r.start + 1e-6);
      const lines = new Set(busy.map((x) => x.lineId));
      if (lines.size >= t.count) {
        const free = Math.min(...busy.map((x) => x.end));
        out.push({ lineId: r.lineId, window: { from: r.start, to: free }, toolId: t.toolId });
        break; // one per tool and round: the next solve moves everything after it
      }
    }
  }
  return out;
}

function withWindows(problem: ScheduleProblem, add: readonly { lineId: string; window: ScheduleWindow }[]): ScheduleProblem {
  if (add.length === 0) return problem;
  return {
    ...problem,
    lines: problem.lines.map((l) => {
      const w = add.filter((a) => a.lineId === l.id).map((a) => a.window);
      return w.length ? { ...l, blocked: [...(l.blocked ?? []), ...w] } : l;
    }),
  };
}

/**
 * Solves the problem from the plan as is. Shared tools: where the plan's runs would use more
 * copies than there are, the later run's line is blocked until a copy is free and the search goes
 * on from its plan. `maxMoved`: the churn weight rises until the plan moves few enough orders (the
 * plan as is when no search in the time does). Objective and parts are the returned problem's.
 */
export function solveReplan(problem: ScheduleProblem, asIs: SchedulePlan, opts: ReplanSolveOptions): ReplanResult {
  const t0 = opts.now();
  const deadline = t0 + opts.timeLimitMs;
  const { maxMoved, sharedTools = [], ...so } = opts;
  let extra: { lineId: string; window: ScheduleWindow }[] = [];
  let iterations = 0;
  const once = (p: ScheduleProblem, start: SchedulePlan, budget: number): { r: SolveResult; problem: ScheduleProblem } => {
    const until = Math.min(deadline, opts.now() + budget);
    let cur = withWindows(p, extra);
    let r = solve(cur, { ...so, start, timeLimitMs: Math.max(1, until - opts.now()) });
    iterations += r.iterations;
    for (let k = 0; k < 12 && sharedTools.length && r.stoppedBy !== 'cancelled'; k++) {
      const c = toolConflicts(evaluate(cur, r.plan), sharedTools);
      if (c.length === 0) break;
      extra = [...extra, ...c];
      cur = withWindows(p, extra);
      // each repair gets a share of what is left, at least a few milliseconds of search
      r = solve(cur, { ...so, start: r.plan, timeLimitMs: Math.max(5, (until - opts.now()) / 2) });
      iterations += r.iterations;
    }
    return { r, problem: cur };
  };
  const finish = (r: SolveResult): ReplanResult => {
    const p = withWindows(problem, extra);
    const ev = evaluate(p, r.plan);
    return { ...r, objective: ev.objective, parts: ev.parts, elapsedMs: opts.now() - t0, iterations, problem: p, ...(ev.violations.length ? { violations: ev.violations } : {}) };
  };
  if (maxMoved === undefined) {
    return finish(once(problem, asIs, opts.timeLimitMs).r);
  }
  let churn = Math.max(problem.weights?.churn ?? 0, 1);
  let p = problem;
  let best: { r: SolveResult; objective: number } | null = null;
  let last: SolveResult | null = null;
  for (let round = 0; round < 6; round++) {
    const left = deadline - opts.now();
    if (round > 0 && left <= 5) break;
    const { r } = once(p, asIs, left / 2);
    last = r;
    const ev = evaluate(withWindows(problem, extra), r.plan);
    if (ev.parts.moved <= maxMoved && (!best || ev.objective < best.objective)) best = { r, objective: ev.objective };
    if (ev.parts.moved <= maxMoved || r.stoppedBy === 'cancelled') break;
    churn *= 4;
    p = { ...problem, weights: { ...problem.weights, churn } };
  }
  if (best) return finish(best.r);
  const ev = evaluate(problem, asIs);
  return { plan: asIs, objective: ev.objective, parts: ev.parts, elapsedMs: opts.now() - t0, iterations, stoppedBy: last?.stoppedBy ?? 'deadline', problem };
}

export interface CandidateInput {
  plant: Plant;
  pp: PlantProblem;
  state: ForecastState;
  result: Pick<ReplanResult, 'plan' | 'elapsedMs' | 'iterations' | 'stoppedBy'> & { problem?: ScheduleProblem };
  maxMoved?: number;
}

/** The re-plan as a candidate for ../decide/options.ts: its moves, placements to check, explanation. */
export function replanCandidate(input: CandidateInput): ExtraCandidate {
  const { pp, state, result } = input;
  const problem = pp.problem;
  const solvedOn = result.problem ?? problem;
  const asIsEval = evaluate(problem, pp.asIs);
  const ev = evaluate(solvedOn, result.plan);
  const change = planToMoves(pp, result.plan, state);
  const explained = explainReplan({ pp, asIs: asIsEval, replan: ev, plan: result.plan, change, search: result, ...(input.maxMoved !== undefined ? { maxMoved: input.maxMoved } : {}) });
  const fam = new Map(problem.orders.map((o) => [o.id, o.family] as const));
  const orderById = new Map(state.orders.map((o) => [o.id, o] as const));
  const running = new Set(state.lines.flatMap((l) => (l.currentOrderId ? [l.currentOrderId] : [])));
  const realFamily = (f: string | undefined) => (f === undefined || f.startsWith('sku:') ? null : f);
  const ms = (min: number) => Math.round(pp.t0 + min * 60_000);
  // The re-plan's own runs: the tooling and material checks compare with these.
  const runs: PlannedRun[] = ev.runs.flatMap((r) => {
    const o = orderById.get(r.orderId);
    return o ? [{ orderId: r.orderId, lineId: r.lineId, sku: o.sku, remaining: o.remaining, start: ms(r.start), end: ms(r.end), current: running.has(r.orderId) }] : [];
  });
  const run = new Map(ev.runs.map((r) => [r.orderId, r] as const));
  const movedSet = new Set(change.moved);
  const lineOfNow = new Map<string, string>();
  for (const [lid, ids] of Object.entries(pp.asIs.lines)) for (const id of ids) lineOfNow.set(id, lid);
  const assignments: ExtraCandidate['assignments'] = [];
  for (const l of problem.lines) {
    let prev: string | null = realFamily(l.initialFamily);
    let queuePos = 0;
    for (const id of result.plan.lines[l.id] ?? []) {
      const r = run.get(id);
      if (movedSet.has(id) && r && orderById.has(id)) {
        assignments.push({ orderId: id, lineId: l.id, position: queuePos, moved: lineOfNow.get(id) !== l.id, start: ms(r.start), previousFamily: prev, runs });
      }
      prev = realFamily(fam.get(id)) ?? prev;
      if (!running.has(id)) queuePos++;
    }
  }
  const kept = change.moves.length === 0;
  return {
    idSuffix: REPLAN_ID,
    kind: 'replan',
    title: kept ? `${REPLAN_TITLE}: the plan as is is the best found` : `${REPLAN_TITLE}: ${change.moved.length} order${change.moved.length === 1 ? '' : 's'} moved on ${change.lines.length} line${change.lines.length === 1 ? '' : 's'}${change.rerouted.length ? `, ${change.rerouted.length} rerouted` : ''}`,
    moves: kept ? [{ kind: 'wait' }] : change.moves,
    assignments,
    affected: change.moved,
    explanation: explained.lines,
    replan: explained.details,
  };
}
