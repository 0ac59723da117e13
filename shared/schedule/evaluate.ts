/**
 * The single definition of a plan's objective and of its hard-constraint violations (the
 * semantics are written out in ./model.ts). The solver, the CLI and the benchmarks all recompute
 * what they report with this function, so a faster path elsewhere can never drift from it
 * unnoticed. Written for clarity, not speed: the solver has its own indexed copy of the same rules.
 */
import type { Evaluation, ObjectiveParts, ScheduleLine, ScheduleProblem, ScheduledRun, SchedulePlan, ScheduleWeights } from './model';
import { mergeWindows, startOutsideWindows } from './timing';

export const DEFAULT_WEIGHTS: Required<ScheduleWeights> = { tardiness: 1, lateOrder: 0, changeover: 0, churn: 0 };

export function weightsOf(problem: ScheduleProblem): Required<ScheduleWeights> {
  return { ...DEFAULT_WEIGHTS, ...problem.weights };
}

/** The family a line last ran: `ScheduleLine.initialFamily`, else `problem.initial[lineId]`. */
export function initialFamilyOf(problem: ScheduleProblem, line: ScheduleLine): string | undefined {
  return line.initialFamily ?? problem.initial?.[line.id];
}

export function changeoverMinutes(problem: ScheduleProblem, lineId: string, from: string | undefined, to: string): number {
  if (from === undefined) return 0;
  return problem.changeovers?.[lineId]?.[from]?.[to] ?? 0;
}

export function isForbidden(problem: ScheduleProblem, lineId: string, from: string | undefined, to: string): boolean {
  if (from === undefined) return false;
  return problem.forbidden?.[lineId]?.[from]?.includes(to) ?? false;
}

/** objective from its parts, with the problem's weights. */
export function objectiveOf(problem: ScheduleProblem, parts: ObjectiveParts): number {
  const w = weightsOf(problem);
  return w.tardiness * parts.weightedTardiness + w.lateOrder * parts.lateOrders + w.changeover * parts.changeoverMinutes + w.churn * parts.moved;
}

export function evaluate(problem: ScheduleProblem, plan: SchedulePlan): Evaluation {
  const violations: string[] = [];
  const orders = new Map(problem.orders.map((o) => [o.id, o]));
  const lines = new Map(problem.lines.map((l) => [l.id, l]));
  const seen = new Map<string, string>();
  const parts: ObjectiveParts = { weightedTardiness: 0, lateOrders: 0, changeoverMinutes: 0, moved: 0 };
  const runs: ScheduledRun[] = [];

  for (const [lineId, sequence] of Object.entries(plan.lines)) {
    const line = lines.get(lineId);
    if (!line) {
      violations.push(`line ${lineId} is not in the problem`);
      continue;
    }
    const windows = mergeWindows(line.blocked);
    let time = line.availableFrom ?? 0;
    let family = initialFamilyOf(problem, line);
    sequence.forEach((orderId, index) => {
      const order = orders.get(orderId);
      if (!order) {
        violations.push(`${lineId}[${index}]: order ${orderId} is not in the problem`);
        return;
      }
      const already = seen.get(orderId);
      if (already !== undefined) violations.push(`order ${orderId} appears more than once (${already} and ${lineId})`);
      seen.set(orderId, lineId);
      const minutes = order.minutes[lineId];
      if (minutes === undefined) violations.push(`order ${orderId} is on ${lineId}, which cannot run it`);
      if (isForbidden(problem, lineId, family, order.family)) violations.push(`${lineId}[${index}]: ${family} may not be followed by ${order.family} (order ${orderId})`);
      const pin = problem.pins?.[orderId];
      if (pin !== undefined && pin !== lineId) violations.push(`order ${orderId} is pinned to ${pin} but is on ${lineId}`);

      const setup = changeoverMinutes(problem, lineId, family, order.family);
      const changeoverStart = time;
      const ready = Math.max(time + setup, order.release ?? -Infinity);
      const start = startOutsideWindows(ready, minutes ?? 0, windows);
      const end = start + (minutes ?? 0);
      runs.push({ orderId, lineId, changeoverStart, start, end });
      parts.changeoverMinutes += setup;
      if (end > order.due) {
        parts.weightedTardiness += order.weight * (end - order.due);
        parts.lateOrders += 1;
      }
      if (order.current && (order.current.lineId !== lineId || order.current.index !== index)) parts.moved += 1;
      time = end;
      family = order.family;
    });
    // The line's frozen tail runs after its plan: it is not searched but its costs count.
    (line.tail ?? []).forEach((t, k) => {
      if (k === 0 && isForbidden(problem, lineId, family, t.family)) violations.push(`${lineId}: ${family} may not be followed by ${t.family} (the line's next order ${t.id})`);
      const setup = changeoverMinutes(problem, lineId, family, t.family);
      const start = startOutsideWindows(Math.max(time + setup, t.release ?? -Infinity), t.minutes, windows);
      const end = start + t.minutes;
      parts.changeoverMinutes += setup;
      if (end > t.due) {
        parts.weightedTardiness += t.weight * (end - t.due);
        parts.lateOrders += 1;
      }
      time = end;
      family = t.family;
    });
  }

  for (const order of problem.orders) if (!seen.has(order.id)) violations.push(`order ${order.id} is in no line`);
  for (const [lineId, frozen] of Object.entries(problem.frozen ?? {})) {
    const sequence = plan.lines[lineId] ?? [];
    frozen.forEach((orderId, i) => {
      if (sequence[i] !== orderId) violations.push(`${lineId}[${i}] must be the frozen order ${orderId} (found ${sequence[i] ?? 'nothing'})`);
    });
  }
  for (const [orderId, lineId] of Object.entries(problem.pins ?? {})) {
    if (seen.has(orderId)) continue;
    if (!orders.has(orderId)) violations.push(`pinned order ${orderId} is not in the problem`);
    else if (!lines.has(lineId)) violations.push(`order ${orderId} is pinned to ${lineId}, which is not in the problem`);
  }

  return { objective: objectiveOf(problem, parts), parts, runs, violations };
}
