/**
 * Forecast: fork the twin and run it forward on a simulated clock over a horizon (default 24 h).
 *
 * The starting point is the twin's view (lines' current orders and progress, queues, machine
 * states including downs, inventory, holds, who is on shift), turned into a plain `ForecastState`
 * by `forkTwin`. `forecast()` then runs that state forward on the DES kernel (../kernel.ts) with the
 * twin's own sequencing (../../twin/schedule.ts: line assignment, sequence by due/priority/id,
 * changeover look-up, run time from the rate, projection of what is left at the horizon):
 *
 * - a line runs its current order, then the head of its queue (planner pins first, then the
 *   twin's `compareBySequence`); each start pays the changeover from the line's last family, an
 *   allergen clean that needs a QA release also waits `qaReleaseMinutes`;
 * - material by BOM: a run segment reserves the material for the units it will make; when stock
 *   runs out the line starves until a receipt (planned, expedited, or the standard replenishment
 *   after the component's lead time);
 * - QA holds: a held order is skipped by the queue (a held current order blocks its line) and a
 *   held line does not run, until the expected release;
 * - crew coverage: each shift's operators and leads are matched to lines by skill; a line short of
 *   people runs at the covered share of its rate; running outside every shift is overtime;
 * - optional seeded stochastic breakdowns (exponential time between failures per machine, repair
 *   times by reason); without them the run is deterministic, with them deterministic for a seed.
 *
 * Orders not finished by the horizon get their completion from the twin's `projectQueue` (what the
 * live twin would show at that instant), so tardiness covers the whole book. Pure: no I/O, no
 * wall clock; randomness only from `createRng(seed)`.
 *
 * One concern per module: ./dispatch.ts (what a line does next, changeovers), ./material.ts,
 * ./crew.ts, ./breakdowns.ts, ./planned.ts (known future events), ./kpis.ts (the horizon and the
 * accounts); ./run.ts holds one run's working state; ./fork.ts and ./moves.ts make and change the
 * starting state.
 */
import type { Plant } from '../../plant/schema';
import { MINUTE, indexPlant, type PlantIndex } from '../../twin/schedule';
import { onFailure, scheduleFailure } from './breakdowns';
import { applyCrew, scheduleCrewChanges } from './crew';
import { dispatch, onReceipt, resume, retryStarved, segmentDone, setupDone } from './dispatch';
import { cloneState } from './fork';
import { account, closeAtHorizon, projectBeyondHorizon } from './kpis';
import { onPlanned, schedulePlanned } from './planned';
import { createRun, setPhase, toMin, toMs } from './run';
import { DEFAULT_COSTS, DEFAULT_TIER_WEIGHTS, type ForecastOptions, type ForecastResult, type ForecastState } from './types';

/** Runs `state` forward over the horizon. Does not mutate `state`. */
export function forecast(plant: Plant, state: ForecastState, opts: ForecastOptions = {}, index: PlantIndex = indexPlant(plant)): ForecastResult {
  const horizonHours = opts.horizonHours ?? 24;
  const seed = opts.seed ?? 1;
  const stochastic = !!opts.breakdowns;
  const mtbfHours = typeof opts.breakdowns === 'object' ? (opts.breakdowns.mtbfHours ?? 40) : 40;
  const tierWeights = { ...DEFAULT_TIER_WEIGHTS, ...opts.tierWeights };
  const costs = { ...DEFAULT_COSTS, ...opts.costs };
  const H = horizonHours * 60;
  const run = createRun({ plant, index, st: cloneState(state), horizonMinutes: H, keepGantt: opts.gantt !== false, qaMinutes: opts.qaReleaseMinutes ?? 15, seed: stochastic ? seed : null });
  const { sim, lines, t0 } = run;
  run.on = {
    setupDone: (l) => setupDone(run, l),
    segmentDone: (l) => segmentDone(run, l),
    resume: (l) => resume(run, l),
    receipt: (r) => onReceipt(run, r),
    retryStarved: () => retryStarved(run),
    crewChange: (min) => applyCrew(run, min),
    planned: (e) => onPlanned(run, e),
    failure: (l) => onFailure(run, l, mtbfHours),
    holdReleased: () => {
      for (const l of lines) if (l.phase === 'idle' || l.phase === 'held') resume(run, l);
    },
  };

  // --- start
  applyCrew(run, 0);
  scheduleCrewChanges(run, horizonHours);
  schedulePlanned(run);
  for (const rt of run.orders.values()) {
    const h = rt.o.heldUntil;
    if (h !== null && h > t0 && h <= t0 + H * MINUTE) sim.schedule(toMin(run, h), run.on.holdReleased, undefined);
  }
  for (const l of lines) {
    if (l.downUntilMin > 0) {
      setPhase(run, l, 'down');
      sim.schedule(l.downUntilMin, run.on.resume, l);
    } else if (l.heldUntilMin > 0) {
      setPhase(run, l, 'held');
      sim.schedule(l.heldUntilMin, run.on.resume, l);
    }
  }
  for (const l of lines) dispatch(run, l);
  if (stochastic) for (const l of lines) scheduleFailure(run, l, mtbfHours);
  sim.run(H);

  closeAtHorizon(run);
  projectBeyondHorizon(run);
  const { kpis, orders, lines: lineResults } = account(run, tierWeights, costs);
  return { start: t0, end: toMs(run, H), horizonHours, seed, stochastic, kpis, orders, lines: lineResults, events: sim.events };
}
