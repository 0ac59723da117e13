/**
 * ATCS, the apparent-tardiness-cost-with-setups dispatching rule (Lee, Bhaskaran & Pinedo 1997),
 * for a single-line problem: at each step run the job with the highest
 *   (w/p) · exp(−max(d − p − t, 0) / (k1 · p̄)) · exp(−s(prev, j) / (k2 · s̄)),
 * taking the best sequence over a grid of k1 × k2 (and the authors' own formula for k1, k2).
 * The benchmark's reference heuristic; not part of the product.
 */
import { changeoverMinutes, evaluate, initialFamilyOf } from '../../shared/schedule/evaluate';
import type { ScheduleProblem } from '../../shared/schedule/model';

export const K1 = Array.from({ length: 18 }, (_, i) => +(0.2 + 0.4 * i).toFixed(2));
export const K2 = Array.from({ length: 15 }, (_, i) => +(0.05 + 0.1 * i).toFixed(2));

function dispatch(problem: ScheduleProblem, k1: number, k2: number): string[] {
  const line = problem.lines[0]!;
  const orders = problem.orders;
  const n = orders.length;
  const p = orders.map((o) => o.minutes[line.id]!);
  const pBar = p.reduce((a, b) => a + b, 0) / n;
  const fams = [initialFamilyOf(problem, line), ...orders.map((o) => o.family)];
  let sSum = 0;
  let sCount = 0;
  for (const a of fams) for (const o of orders) if (a !== o.family) {
    sSum += changeoverMinutes(problem, line.id, a, o.family);
    sCount++;
  }
  const sBar = sCount > 0 && sSum > 0 ? sSum / sCount : 1;
  const done = new Uint8Array(n);
  const seq: string[] = [];
  let t = line.availableFrom ?? 0;
  let prev = initialFamilyOf(problem, line);
  for (let step = 0; step < n; step++) {
    let best = -1;
    let bestI = -Infinity;
    for (let j = 0; j < n; j++) {
      if (done[j]) continue;
      const o = orders[j]!;
      const s = changeoverMinutes(problem, line.id, prev, o.family);
      const i = (o.weight / p[j]!) * Math.exp(-Math.max(o.due - p[j]! - t, 0) / (k1 * pBar)) * Math.exp(-s / (k2 * sBar));
      if (i > bestI || best < 0) {
        bestI = i;
        best = j;
      }
    }
    const o = orders[best]!;
    done[best] = 1;
    t += changeoverMinutes(problem, line.id, prev, o.family) + p[best]!;
    prev = o.family;
    seq.push(o.id);
  }
  return seq;
}

/** The best ATCS sequence over the grid, with its objective (recomputed by evaluate()). */
export function atcs(problem: ScheduleProblem, tau?: number, r?: number, eta?: number): { sequence: string[]; objective: number } {
  const grid: [number, number][] = [];
  for (const k1 of K1) for (const k2 of K2) grid.push([k1, k2]);
  if (tau !== undefined && r !== undefined && eta !== undefined && eta > 0) grid.push([r <= 0.5 ? 4.5 + r : 6 - 2 * r, tau / (2 * Math.sqrt(eta))]);
  let best = { sequence: [] as string[], objective: Infinity };
  const lineId = problem.lines[0]!.id;
  for (const [k1, k2] of grid) {
    const sequence = dispatch(problem, k1, k2);
    const objective = evaluate(problem, { lines: { [lineId]: sequence } }).objective;
    if (objective < best.objective) best = { sequence, objective };
  }
  return best;
}
