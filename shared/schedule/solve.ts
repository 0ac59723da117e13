/**
 * The re-planner: assigns and sequences orders across lines to minimise the objective of
 * ./model.ts under its hard constraints.
 *
 * Method: a greedy-insertion start (and the given plan, repaired, when there is one), then an
 * iterated local search. Each iteration kicks the current plan with a few random swaps,
 * insertions or line changes and descends again (./moves.ts: dynasearch on lines where it is
 * exact, insertion and swap elsewhere, moves and exchanges between lines); a late-acceptance rule
 * decides whether the new local optimum replaces the current one, so that the walk can cross
 * ridges without drifting away. Pure and deterministic for a seed when stopped by
 * `maxIterations`; anytime: the best plan so far is returned at the deadline or on cancellation.
 */
import { createRng } from '../sim/random';
import { compile, FORBIDDEN_PENALTY, lowerBound } from './compile';
import { constructAtcsBest, constructFrom, constructGreedy } from './construct';
import { evaluate } from './evaluate';
import type { ScheduleProblem, SolveOptions, SolveResult } from './model';
import { Moves } from './moves';
import { kick } from './kick';
import { PlanState } from './state';

/** How many past costs the late-acceptance rule compares a new local optimum with. */
const HISTORY = 40;
/** Iterations without a better current plan before each step up in kick strength. */
const STALL = 15;
/** Steps up in kick strength before the walk restarts from the best plan found. */
const RESTART = 4;

export function solve(problem: ScheduleProblem, options: SolveOptions): SolveResult {
  const t0 = options.now();
  const c = compile(problem);
  const rng = createRng(options.seed ?? 1);
  const deadline = t0 + options.timeLimitMs;
  const maxIterations = options.maxIterations ?? Infinity;
  const cancelled = options.cancelled ?? (() => false);
  let stoppedBy: SolveResult['stoppedBy'] | undefined;
  const stop = () => {
    if (stoppedBy) return true;
    if (cancelled()) stoppedBy = 'cancelled';
    else if (options.now() >= deadline) stoppedBy = 'deadline';
    return stoppedBy !== undefined;
  };

  // Starts: insertion by due date, ATCS dispatching, and the plan as is (repaired); the cheapest wins.
  const state = new PlanState(c);
  const other = new PlanState(c);
  constructGreedy(state);
  constructAtcsBest(other, new PlanState(c), stop);
  if (other.cost < state.cost) state.restore(other.snapshot());
  if (options.start) {
    constructFrom(other, options.start);
    // Prefer the plan as is on a tie: it moves nothing.
    if (other.cost <= state.cost) state.restore(other.snapshot());
  }
  const moves = new Moves(state);
  moves.stop = stop;
  const bound = lowerBound(c);
  const isOptimal = (cost: number) => cost < FORBIDDEN_PENALTY && cost <= bound + 1e-9 * Math.max(1, bound);

  let iterations = 0;
  let best = state.snapshot();
  let bestCost = state.cost;
  const report = () => options.onProgress?.({ elapsedMs: options.now() - t0, objective: bestCost, iterations });
  // The start is reported at once: on a large plant the first descent can take a while.
  report();
  moves.descend(0);
  if (state.cost < bestCost) {
    best = state.snapshot(best);
    bestCost = state.cost;
    report();
  }

  const current = state.snapshot();
  let currentCost = state.cost;
  const history = new Float64Array(HISTORY).fill(currentCost);
  let stall = 0;
  // Lines with changeovers (or releases, windows, tails): not searched by dynasearch.
  const restarts = c.simpleLine.some((x) => x === 0);
  // Where every line is searched by dynasearch the full descent after each kick is what reaches
  // the single-machine optima; elsewhere a descent that looks only where the kick changed the
  // plan costs a fraction of a full one, so more kicks fit in the same time.
  const local = restarts;
  while (!isOptimal(bestCost) && iterations < maxIterations && !stop()) {
    iterations++;
    // Stuck for long: kick harder, one step more per STALL iterations without a better current plan.
    if (local) {
      // Only what the kick changed (and what the descent changes in turn) is looked at again.
      moves.clearDirty();
      kick(state, rng, Math.min(Math.floor(stall / STALL), Math.max(0, (c.n >> 2) - 2)));
      moves.descendLocal();
    } else {
      kick(state, rng, Math.min(Math.floor(stall / STALL), Math.max(0, (c.n >> 2) - 2)));
      moves.descend(rng.int(0, Math.max(0, c.n - 1)));
    }
    const slot = iterations % HISTORY;
    const cost = state.cost;
    if (cost < currentCost) stall = 0;
    else stall++;
    if (cost < currentCost || cost <= history[slot]!) {
      state.snapshot(current);
      currentCost = cost;
    } else {
      state.restore(current);
    }
    history[slot] = currentCost;
    if (restarts && stall >= RESTART * STALL) {
      // Long stuck away from the best: go back to it and walk on from there with mild kicks.
      // Only where changeovers shape the plan: on plain lines the rising kick of dynasearch is
      // what reaches the optima, and cutting it short there lost some.
      state.restore(best);
      state.snapshot(current);
      currentCost = bestCost;
      history.fill(currentCost);
      stall = 0;
    }
    if (currentCost < bestCost && currentCost < bestCost - 1e-9 * Math.max(1, Math.abs(bestCost))) {
      best = state.snapshot(best);
      bestCost = currentCost;
      report();
    }
  }
  if (!stoppedBy) stoppedBy = isOptimal(bestCost) ? 'optimal' : 'iterations';

  state.restore(best);
  const plan = { lines: state.toLines() };
  const evaluation = evaluate(problem, plan);
  return {
    plan,
    objective: evaluation.objective,
    parts: evaluation.parts,
    elapsedMs: options.now() - t0,
    iterations,
    stoppedBy,
    ...(evaluation.violations.length > 0 ? { violations: evaluation.violations } : {}),
  };
}
