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

/** The k1 × k2 grid the ATCS start is tried on (look-ahead on due dates × on changeovers). */
const ATCS_K1 = [0.2, 0.6, 1, 1.5, 2, 3, 4.5, 6];
const ATCS_K2 = [0.05, 0.15, 0.3, 0.5, 0.8, 1.2];

/**
 * Dispatching by ATCS, the apparent tardiness cost with setups (Lee, Bhaskaran & Pinedo 1997),
 * generalised to several lines: the line free first takes, among the orders it can run, the one
 * with the highest (w/p)·exp(−max(d − p − t, 0)/(k1·p̄))·exp(−s/(k2·s̄)), avoiding forbidden
 * transitions while it can. Fast, and on tight due dates with changeovers a far better start
 * than insertion by due date.
 */
export function constructAtcs(s: PlanState, k1: number, k2: number): void {
  const c = s.c;
  const n = c.n;
  const placed = placeFrozen(s);
  s.retimeAll();
  let pSum = 0;
  let pCount = 0;
  for (let l = 0; l < c.m; l++) for (let j = 0; j < n; j++) if (c.eligible[l * n + j]) {
    pSum += c.minutes[l * n + j]!;
    pCount++;
  }
  const pBar = pCount > 0 && pSum > 0 ? pSum / pCount : 1;
  let sSum = 0;
  let sCount = 0;
  for (let l = 0; l < c.m; l++) {
    const setup = c.setup[l]!;
    for (let x = 0; x < setup.length; x++) if (setup[x]! > 0) {
      sSum += setup[x]!;
      sCount++;
    }
  }
  const sBar = sCount > 0 ? sSum / sCount : 1;
  const time = new Float64Array(c.m);
  const prev = new Int32Array(c.m);
  for (let l = 0; l < c.m; l++) {
    const len = s.len[l]!;
    time[l] = len > 0 ? s.end[l]![len - 1]! : c.availableFrom[l]!;
    prev[l] = len > 0 ? c.family[s.seq[l]![len - 1]!]! : c.initialFamily[l]!;
  }
  let left = 0;
  for (let j = 0; j < n; j++) if (!placed[j]) left++;
  const busy = new Uint8Array(c.m);
  while (left > 0) {
    let l = -1;
    for (let b = 0; b < c.m; b++) if (!busy[b] && (l < 0 || time[b]! < time[l]!)) l = b;
    if (l < 0) break;
    let best = -1;
    let bestIndex = -Infinity;
    let bestForbidden = true;
    const t = time[l]!;
    const pf = prev[l]!;
    for (let j = 0; j < n; j++) {
      if (placed[j] || !c.eligible[l * n + j]) continue;
      const p = c.minutes[l * n + j]!;
      const x = pf >= 0 ? pf * c.f + c.family[j]! : -1;
      const setup = x >= 0 ? c.setup[l]![x]! : 0;
      const forbidden = x >= 0 && c.forbidden[l]![x] === 1;
      const index = (c.weight[j]! / Math.max(p, 1e-9)) * Math.exp(-Math.max(c.due[j]! - p - Math.max(t, c.release[j]!), 0) / (k1 * pBar)) * Math.exp(-setup / (k2 * sBar));
      if (best < 0 || (bestForbidden && !forbidden) || (forbidden === bestForbidden && index > bestIndex)) {
        best = j;
        bestIndex = index;
        bestForbidden = forbidden;
      }
    }
    if (best < 0) {
      // Nothing left that this line can run.
      busy[l] = 1;
      continue;
    }
    const len = s.len[l]!;
    s.seq[l]![len] = best;
    s.len[l] = len + 1;
    time[l] = s.endOf(l, best, t, pf);
    prev[l] = c.family[best]!;
    placed[best] = 1;
    left--;
  }
  s.retimeAll();
}

/** A coarser grid for large problems, where each run costs orders² × lines. */
const ATCS_K1_COARSE = [0.6, 1.5, 3, 4.5];
const ATCS_K2_COARSE = [0.15, 0.5, 1.2];

/**
 * The best ATCS start over the grid, left in `s`; `scratch` is a second state of the same
 * problem. Stops between runs when `stop` says so (the start must not eat the search's time).
 */
export function constructAtcsBest(s: PlanState, scratch: PlanState, stop: () => boolean = () => false): void {
  const c = s.c;
  const work = c.n * c.n * Math.max(1, c.m);
  const [k1s, k2s] = work <= 200_000 ? [ATCS_K1, ATCS_K2] : work <= 2_000_000 ? [ATCS_K1_COARSE, ATCS_K2_COARSE] : [[2], [0.5]];
  let best: Int32Array | undefined;
  let bestCost = Infinity;
  for (const k1 of k1s) for (const k2 of k2s) {
    if (best && stop()) break;
    constructAtcs(scratch, k1, k2);
    if (scratch.cost < bestCost) {
      bestCost = scratch.cost;
      best = scratch.snapshot(best);
    }
  }
  if (best) s.restore(best);
}
