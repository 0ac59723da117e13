/** Exhaustive search over every plan of a small problem: the optimum the solver must reach. */
import { evaluate } from '../../../shared/schedule/evaluate';
import type { ScheduleProblem, SchedulePlan } from '../../../shared/schedule/model';
import { createRng } from '../../../shared/sim/random';

export function bruteForce(problem: ScheduleProblem): { objective: number; plan: SchedulePlan } | undefined {
  const lineIds = problem.lines.map((l) => l.id);
  const lines: Record<string, string[]> = Object.fromEntries(lineIds.map((id) => [id, []]));
  let best: { objective: number; plan: SchedulePlan } | undefined;
  const place = (k: number) => {
    if (k === problem.orders.length) {
      const plan = { lines: Object.fromEntries(lineIds.map((id) => [id, [...lines[id]!]])) };
      const ev = evaluate(problem, plan);
      if (ev.violations.length === 0 && (!best || ev.objective < best.objective)) best = { objective: ev.objective, plan };
      return;
    }
    const o = problem.orders[k]!;
    for (const id of lineIds) {
      if (o.minutes[id] === undefined) continue;
      const seq = lines[id]!;
      for (let p = 0; p <= seq.length; p++) {
        seq.splice(p, 0, o.id);
        place(k + 1);
        seq.splice(p, 1);
      }
    }
  };
  place(0);
  return best;
}

export interface RandomProblemOptions {
  orders: number;
  lines: number;
  families?: number;
  changeovers?: boolean;
  releases?: boolean;
  blocked?: boolean;
  forbidden?: boolean;
  frozen?: boolean;
  pins?: boolean;
  churn?: boolean;
}

/** A random small plant problem with whatever constraints are asked for (seeded). */
export function randomProblem(seed: number, o: RandomProblemOptions): ScheduleProblem {
  const rng = createRng(seed);
  const nf = o.families ?? 3;
  const families = Array.from({ length: nf }, (_, i) => `F${i}`);
  const lines = Array.from({ length: o.lines }, (_, i) => ({
    id: `L${i + 1}`,
    ...(rng.chance(0.5) ? { initialFamily: rng.pick(families) } : {}),
    ...(rng.chance(0.3) ? { availableFrom: rng.int(0, 30) } : {}),
    ...(o.blocked && rng.chance(0.7) ? { blocked: [{ from: rng.int(20, 80), to: 0 }].map((w) => ({ from: w.from, to: w.from + rng.int(5, 40) })) } : {}),
  }));
  const orders = Array.from({ length: o.orders }, (_, i) => {
    const minutes: Record<string, number> = {};
    for (const l of lines) if (rng.chance(0.7)) minutes[l.id] = rng.int(5, 40);
    if (Object.keys(minutes).length === 0) minutes[rng.pick(lines).id] = rng.int(5, 40);
    return {
      id: `O${i + 1}`,
      family: rng.pick(families),
      due: rng.int(10, 40 * o.orders / Math.max(1, o.lines)),
      weight: rng.int(1, 5),
      minutes,
      ...(o.releases && rng.chance(0.4) ? { release: rng.int(0, 60) } : {}),
      ...(o.churn ? { current: { lineId: rng.pick(lines).id, index: rng.int(0, 3) } } : {}),
    };
  });
  const problem: ScheduleProblem = { lines, orders };
  if (o.changeovers) {
    problem.changeovers = Object.fromEntries(lines.map((l) => [l.id, Object.fromEntries(families.map((a) => [a, Object.fromEntries(families.filter((b) => b !== a).map((b) => [b, rng.int(0, 20)]))]))]));
  }
  if (o.forbidden) {
    // One forbidden pair per line at most, so that some order of the orders avoids it.
    problem.forbidden = Object.fromEntries(lines.filter(() => rng.chance(0.6)).map((l) => {
      const a = rng.pick(families);
      const b = rng.pick(families.filter((f) => f !== a));
      return [l.id, { [a]: [b] }];
    }));
  }
  if (o.frozen) {
    const candidates = orders.filter(() => rng.chance(0.25)).slice(0, 2);
    const frozen: Record<string, string[]> = {};
    for (const order of candidates) {
      const lineId = Object.keys(order.minutes)[0]!;
      (frozen[lineId] ??= []).push(order.id);
    }
    problem.frozen = frozen;
  }
  if (o.pins) {
    const frozenIds = new Set(Object.values(problem.frozen ?? {}).flat());
    const pins: Record<string, string> = {};
    for (const order of orders) if (!frozenIds.has(order.id) && rng.chance(0.2)) pins[order.id] = rng.pick(Object.keys(order.minutes));
    problem.pins = pins;
  }
  if (o.churn || o.changeovers) problem.weights = { tardiness: 1, lateOrder: o.churn ? 5 : 0, changeover: o.changeovers ? 0.5 : 0, churn: o.churn ? 3 : 0 };
  return problem;
}
