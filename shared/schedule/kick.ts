/**
 * The perturbation of the iterated local search: a few random pairwise interchanges of nearby
 * orders (Congram, Potts & van de Velde's kick), random insertions (which suit changeover-heavy
 * lines better), and, with several lines, an order moved to another line that can run it.
 * Frozen prefixes and eligibility are respected; the caller's descent repairs the rest.
 */
import type { Rng } from '../sim/random';
import { insertBest } from './construct';
import type { PlanState } from './state';

/** `strength` (>= 0) grows while the search is stuck: more and farther perturbations. */
export function kick(s: PlanState, rng: Rng, strength = 0): void {
  const c = s.c;
  if (c.n === 0) return;
  if (!allSimple(s) && rng.next() < 0.5) {
    destroyAndRepair(s, rng, 2 + rng.int(0, 4) + strength);
    return;
  }
  const steps = 2 + rng.int(0, 2) + strength;
  for (let step = 0; step < steps; step++) {
    if (c.m > 1 && rng.next() < 0.25) {
      moveToOtherLine(s, rng);
      continue;
    }
    const l = pickLine(s, rng);
    if (l < 0) return;
    const fz = c.frozen[l]!.length;
    const len = s.len[l]!;
    const span = len - fz;
    const reach = Math.max(1, Math.min(span - 1, 1 + rng.int(0, Math.max(1, Math.floor(span / 4)))));
    const i = fz + rng.int(0, span - 1);
    const j = Math.min(len - 1, Math.max(fz, i + (rng.next() < 0.5 ? -reach : reach)));
    if (i === j) continue;
    const seq = s.seq[l]!;
    if (!c.simpleLine[l] && span >= 4 && rng.next() < 1 / 3) {
      blockMove(s, l, rng);
      continue;
    }
    if (rng.next() < 0.5) {
      const t = seq[i]!;
      seq[i] = seq[j]!;
      seq[j] = t;
    } else {
      const t = seq[i]!;
      if (i < j) seq.copyWithin(i, i + 1, j + 1);
      else seq.copyWithin(j + 1, j, i);
      seq[j] = t;
    }
    const before = s.lineCost(l);
    s.retime(l, Math.min(i, j));
    s.cost += s.lineCost(l) - before;
    s.touch(l, Math.min(i, j), Math.max(i, j));
  }
}

/** A line with at least two movable orders, chosen in proportion to how many it has; -1 if none. */
function pickLine(s: PlanState, rng: Rng): number {
  const c = s.c;
  let total = 0;
  for (let l = 0; l < c.m; l++) {
    const span = s.len[l]! - c.frozen[l]!.length;
    if (span >= 2) total += span;
  }
  if (total === 0) return -1;
  let r = rng.int(0, total - 1);
  for (let l = 0; l < c.m; l++) {
    const span = s.len[l]! - c.frozen[l]!.length;
    if (span < 2) continue;
    if (r < span) return l;
    r -= span;
  }
  return -1;
}

function moveToOtherLine(s: PlanState, rng: Rng): void {
  const c = s.c;
  const j = rng.int(0, c.n - 1);
  if (c.isFrozen[j]) return;
  const a = s.lineOf[j]!;
  const options: number[] = [];
  for (let b = 0; b < c.m; b++) if (b !== a && c.eligible[b * c.n + j]) options.push(b);
  if (options.length === 0) return;
  const b = rng.pick(options);
  const p = c.frozen[b]!.length + rng.int(0, s.len[b]! - c.frozen[b]!.length);
  const i = s.posOf[j]!;
  s.apply(a, i, 0, i + 1, s.len[a]! - 1);
  s.region[0] = j;
  s.apply(b, p, 1, p, s.len[b]! + 1);
}

function allSimple(s: PlanState): boolean {
  for (let l = 0; l < s.c.m; l++) if (!s.c.simpleLine[l]) return false;
  return true;
}

/**
 * Iterated greedy's destruction and construction (as Ying, Lin & Huang 2009 use on weighted
 * tardiness with setups): take `d` random movable orders out and put each back at its cheapest
 * place on any line that can run it. Suits changeover-heavy lines, where a good place for an
 * order depends on its neighbours' families more than on its position.
 */
function destroyAndRepair(s: PlanState, rng: Rng, d: number): void {
  const c = s.c;
  const removed: number[] = [];
  for (let tries = 0; removed.length < d && tries < 4 * d; tries++) {
    const j = rng.int(0, c.n - 1);
    if (c.isFrozen[j] || s.lineOf[j]! < 0) continue;
    const a = s.lineOf[j]!;
    const i = s.posOf[j]!;
    s.apply(a, i, 0, i + 1, s.len[a]! - 1);
    s.lineOf[j] = -1;
    removed.push(j);
  }
  for (const j of removed) insertBest(s, j);
}

/**
 * A random block of two to five orders moved elsewhere on line l, reversed half the time (the
 * perturbation of Subramanian et al.'s ILS for sequence-dependent setups): it keeps the
 * changeovers inside the block, which single swaps and insertions would break.
 */
function blockMove(s: PlanState, l: number, rng: Rng): void {
  const c = s.c;
  const fz = c.frozen[l]!.length;
  const len = s.len[l]!;
  const span = len - fz;
  const b = 2 + rng.int(0, Math.min(3, span - 3));
  const i = fz + rng.int(0, span - b);
  // The block's new start among the positions of the line without it.
  const p = fz + rng.int(0, span - b);
  if (p === i) return;
  const seq = s.seq[l]!;
  const block = Array.from(seq.subarray(i, i + b));
  if (rng.next() < 0.5) block.reverse();
  seq.copyWithin(i, i + b, len);
  seq.copyWithin(p + b, p, len - b);
  for (let q = 0; q < b; q++) seq[p + q] = block[q]!;
  const before = s.lineCost(l);
  s.retime(l, Math.min(i, p));
  s.cost += s.lineCost(l) - before;
  s.touch(l, p, p + b - 1);
  s.touch(l, i, i);
}
