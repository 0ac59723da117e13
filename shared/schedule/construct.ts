/**
 * Starting plans: the frozen prefixes first, then either the given plan (what of it is still
 * valid) or nothing, and every order not yet placed inserted where it costs least, across the
 * lines that can run it, in due-date order (earliest first: a cheap, robust start that the
 * local search then improves).
 */
import type { SchedulePlan } from './model';
import type { PlanState } from './state';

function placeFrozen(s: PlanState): Uint8Array {
  const c = s.c;
  const placed = new Uint8Array(c.n);
  for (let l = 0; l < c.m; l++) {
    const fz = c.frozen[l]!;
    s.seq[l]!.set(fz);
    s.len[l] = fz.length;
    for (const j of fz) placed[j] = 1;
  }
  return placed;
}

/** Inserts order j at its cheapest position on any line that can run it (after the frozen prefixes). */
export function insertBest(s: PlanState, j: number): void {
  const c = s.c;
  let best = Infinity;
  let bestL = -1;
  let bestP = -1;
  for (let l = 0; l < c.m; l++) {
    if (!c.eligible[l * c.n + j]) continue;
    const len = s.len[l]!;
    const base = s.lineCost(l);
    s.region[0] = j;
    for (let p = c.frozen[l]!.length; p <= len; p++) {
      const d = s.evalLine(l, p, 1, p, len + 1, base + best) - base;
      if (d < best) {
        best = d;
        bestL = l;
        bestP = p;
      }
    }
  }
  s.region[0] = j;
  s.apply(bestL, bestP, 1, bestP, s.len[bestL]! + 1);
}

function insertRest(s: PlanState, placed: Uint8Array): void {
  const c = s.c;
  const rest: number[] = [];
  for (let j = 0; j < c.n; j++) if (!placed[j]) rest.push(j);
  rest.sort((a, b) => c.due[a]! - c.due[b]! || a - b);
  for (const j of rest) insertBest(s, j);
}

/** Greedy insertion from the frozen prefixes. */
export function constructGreedy(s: PlanState): void {
  const placed = placeFrozen(s);
  s.retimeAll();
  insertRest(s, placed);
}

/**
 * The given plan, repaired: orders it places on a line that cannot run them (or not on their
 * pinned line), twice, or that it does not know, are dropped, frozen prefixes are put first, and
 * the orders left out are inserted greedily. Keeps what it can of the plan as is (churn).
 */
export function constructFrom(s: PlanState, plan: SchedulePlan): void {
  const c = s.c;
  const placed = placeFrozen(s);
  const orderIndex = new Map(c.orderIds.map((id, j) => [id, j]));
  for (let l = 0; l < c.m; l++) {
    const seq = s.seq[l]!;
    for (const id of plan.lines[c.lineIds[l]!] ?? []) {
      const j = orderIndex.get(id);
      if (j === undefined || placed[j] || !c.eligible[l * c.n + j]) continue;
      seq[s.len[l]!] = j;
      s.len[l] = s.len[l]! + 1;
      placed[j] = 1;
    }
  }
  s.retimeAll();
  insertRest(s, placed);
}
