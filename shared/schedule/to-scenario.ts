/**
 * A re-plan as a what-if scenario's moves, so it can be run, compared, saved and committed like a
 * planner's own scenario: a `move` for each order that changes line, then a `resequence` of each
 * line whose order changed (the running order stays current and is not listed). Pure.
 */
import type { ForecastState } from '../sim/forecast';
import type { Scenario, ScenarioMove } from '../sim/scenario';
import type { PlantProblem } from './from-plant';
import type { SchedulePlan } from './model';

export function planToScenarioMoves(pp: PlantProblem, plan: SchedulePlan, state: ForecastState): ScenarioMove[] {
  const lineOfNow = new Map<string, string>();
  for (const [lid, ids] of Object.entries(pp.asIs.lines)) for (const id of ids) lineOfNow.set(id, lid);
  const running = new Set(state.lines.flatMap((l) => (l.currentOrderId ? [l.currentOrderId] : [])));
  const out: ScenarioMove[] = [];
  const lines = Object.keys(plan.lines).sort();
  for (const lid of lines) for (const id of plan.lines[lid] as string[]) if (lineOfNow.get(id) !== lid) out.push({ type: 'move', order: id, line: lid });
  for (const lid of lines) {
    const ids = plan.lines[lid] as string[];
    const before = pp.asIs.lines[lid] ?? [];
    if (ids.length === before.length && ids.every((id, i) => before[i] === id)) continue;
    const orders = ids.filter((id) => !running.has(id));
    if (orders.length) out.push({ type: 'resequence', line: lid, orders });
  }
  return out;
}

/** The scenario with the re-plan's moves after its own, under a name that says so (at most 120 characters). */
export function optimizedScenario(s: Scenario, moves: readonly ScenarioMove[], suffix = ' (optimized)'): Scenario {
  const name = `${s.name.slice(0, 120 - suffix.length)}${suffix}`;
  return { ...s, name, moves: [...s.moves, ...moves] };
}
