/**
 * A plan under search: each line's sequence with its completion times and prefix costs, so that a
 * move is scored by re-timing only the changed part of the lines it touches, and stops early once
 * the changed line is back in step with the plan as it was.
 */
import { FORBIDDEN_PENALTY, type Compiled } from './compile';

// A module-level copy: read in the innermost loop, where an imported binding may cost a getter call.
const PENALTY = FORBIDDEN_PENALTY;
import { startOutsideWindows } from './timing';

// Module-level copies: read in the innermost loops, where an imported binding may cost a getter call.
const startOutside = startOutsideWindows;

export class PlanState {
  readonly c: Compiled;
  /** seq[l][0..len[l]) : the orders of line l in run order. */
  readonly seq: Int32Array[];
  readonly len: Int32Array;
  /** end[l][k]: completion time of position k. */
  readonly end: Float64Array[];
  /** cum[l][k]: cost of positions 0..k-1 (so the line's cost is cum[l][len[l]]). */
  readonly cum: Float64Array[];
  /** lateAfter[l][k]: the weight of the late orders at positions k… of line l. */
  readonly lateAfter: Float64Array[];
  /**
   * movedAfter[d + 1][l][k], d in -1, 0, 1: how many orders at positions k… of line l would count
   * as moved (churn) if each sat d positions later. A move that shifts the rest of a line by one
   * changes only this, so its scoring can still stop as soon as the timing is back in step.
   */
  readonly movedAfter: Int32Array[][];
  readonly lineOf: Int32Array;
  readonly posOf: Int32Array;
  /** Scratch for the changed region of a move. */
  readonly region: Int32Array;
  /** tailCost[l]: the cost of line l's frozen tail after its plan as it stands. */
  readonly tailCostOf: Float64Array;
  cost = 0;
  /**
   * Told of every change to a sequence (positions from..to of line l, to < from for a removal
   * at from), so that the local search can look again only where something changed.
   */
  onChange: ((l: number, from: number, to: number) => void) | null = null;

  constructor(c: Compiled) {
    this.c = c;
    const cap = c.n + 1;
    this.seq = Array.from({ length: c.m }, () => new Int32Array(cap));
    this.end = Array.from({ length: c.m }, () => new Float64Array(cap));
    this.cum = Array.from({ length: c.m }, () => new Float64Array(cap + 1));
    this.lateAfter = Array.from({ length: c.m }, () => new Float64Array(cap + 1));
    this.movedAfter = [0, 1, 2].map(() => Array.from({ length: c.m }, () => new Int32Array(cap + 1)));
    this.len = new Int32Array(c.m);
    this.lineOf = new Int32Array(c.n).fill(-1);
    this.posOf = new Int32Array(c.n).fill(-1);
    this.region = new Int32Array(cap);
    this.tailCostOf = new Float64Array(c.m);
  }

  /** The line's cost: its orders' (cum) and its frozen tail's. */
  lineCost(l: number): number {
    return this.cum[l]![this.len[l]!]! + this.tailCostOf[l]!;
  }

  /** Cost of line l's frozen tail when its plan ends at `time` with family `prev` (0 with no tail). */
  tailCost(l: number, time: number, prev: number): number {
    const c = this.c;
    const fams = c.tailFamily[l]!;
    if (fams.length === 0) return 0;
    const mins = c.tailMinutes[l]!;
    const due = c.tailDue[l]!;
    const weight = c.tailWeight[l]!;
    const rel = c.tailRelease[l]!;
    const w = c.windows[l]!;
    let cost = 0;
    for (let k = 0; k < fams.length; k++) {
      const fk = fams[k]!;
      let ready = time;
      if (prev >= 0) {
        const x = prev * c.f + fk;
        ready += c.setup[l]![x]!;
        // Only the step into the tail can be forbidden by the plan: the tail's own steps are as planned.
        cost += c.wChangeover * c.setup[l]![x]! + (k === 0 ? PENALTY * c.forbidden[l]![x]! : 0);
      }
      if (rel[k]! > ready) ready = rel[k]!;
      const p = mins[k]!;
      const e = (w.length === 0 ? ready : startOutside(ready, p, w)) + p;
      const late = e - due[k]!;
      if (late > 0) cost += c.wTardiness * weight[k]! * late + c.wLate;
      time = e;
      prev = fk;
    }
    return cost;
  }

  /** Cost of order j at position k of line l ending at `end`, after `setup` minutes from family `prev`. */
  orderCost(l: number, j: number, k: number, end: number, prev: number): number {
    const c = this.c;
    let cost = 0;
    const late = end - c.due[j]!;
    if (late > 0) cost += c.wTardiness * c.weight[j]! * late + c.wLate;
    if (prev >= 0) {
      const x = prev * c.f + c.family[j]!;
      cost += c.wChangeover * c.setup[l]![x]! + PENALTY * c.forbidden[l]![x]!;
    }
    const cl = c.currentLine[j]!;
    if (cl !== -1 && (cl !== l || c.currentIndex[j] !== k)) cost += c.wChurn;
    return cost;
  }

  /** Completion time of order j on line l when the line is free at `time` after family `prev`. */
  endOf(l: number, j: number, time: number, prev: number): number {
    const c = this.c;
    let ready = prev >= 0 ? time + c.setup[l]![prev * c.f + c.family[j]!]! : time;
    const r = c.release[j]!;
    if (r > ready) ready = r;
    const p = c.minutes[l * c.n + j]!;
    const w = c.windows[l]!;
    return (w.length === 0 ? ready : startOutside(ready, p, w)) + p;
  }

  /** Re-times line l from position `from` on (the total cost is the caller's to refresh). */
  retime(l: number, from = 0): void {
    const c = this.c;
    const seq = this.seq[l]!;
    const end = this.end[l]!;
    const cum = this.cum[l]!;
    let time = from > 0 ? end[from - 1]! : c.availableFrom[l]!;
    let prev = from > 0 ? c.family[seq[from - 1]!]! : c.initialFamily[l]!;
    const len = this.len[l]!;
    for (let k = from; k < len; k++) {
      const j = seq[k]!;
      const e = this.endOf(l, j, time, prev);
      end[k] = e;
      cum[k + 1] = cum[k]! + this.orderCost(l, j, k, e, prev);
      this.lineOf[j] = l;
      this.posOf[j] = k;
      time = e;
      prev = c.family[j]!;
    }
    this.tailCostOf[l] = this.tailCost(l, time, prev);
    const lateAfter = this.lateAfter[l]!;
    const earlier = this.movedAfter[0]![l]!;
    const same = this.movedAfter[1]![l]!;
    const later = this.movedAfter[2]![l]!;
    lateAfter[len] = 0;
    earlier[len] = same[len] = later[len] = 0;
    for (let k = len - 1; k >= 0; k--) {
      const j = seq[k]!;
      lateAfter[k] = lateAfter[k + 1]! + (end[k]! > c.due[j]! ? c.weight[j]! : 0);
      const cl = c.currentLine[j]!;
      const ci = cl === l ? c.currentIndex[j]! : -9;
      const counts = cl !== -1 ? 1 : 0;
      earlier[k] = earlier[k + 1]! + (counts && ci !== k - 1 ? 1 : 0);
      same[k] = same[k + 1]! + (counts && ci !== k ? 1 : 0);
      later[k] = later[k + 1]! + (counts && ci !== k + 1 ? 1 : 0);
    }
  }

  retimeAll(): void {
    for (let l = 0; l < this.c.m; l++) {
      this.cum[l]![0] = 0;
      this.retime(l, 0);
    }
    // Summed afresh so rounding from many small updates does not build up.
    this.cost = 0;
    for (let l = 0; l < this.c.m; l++) this.cost += this.lineCost(l);
  }

  /**
   * Line l's cost if positions from..from+rlen-1 held region[0..rlen) and the positions after
   * them held the current seq from `src` on, for `newLen` positions in all. Stops early when a
   * position after the region ends when it ends now: from there on nothing changes (except
   * positions, which only churn prices, so then it does not stop when positions shift).
   *
   * With a `cutoff`, it may stop as soon as the result is known to be >= cutoff and return a
   * value >= cutoff: costs are never negative, and a stretch that runs later than it did costs
   * at least what it did (every cost is non-decreasing in time), so a move already at the cutoff
   * cannot win. Most candidate moves are rejected this way after a few positions.
   */
  evalLine(l: number, from: number, rlen: number, src: number, newLen: number, cutoff = Infinity): number {
    const c = this.c;
    const seq = this.seq[l]!;
    const end = this.end[l]!;
    const cum = this.cum[l]!;
    const region = this.region;
    const shift = src - (from + rlen);
    // The rest of the line sits `-shift` positions from where it was: its churn is known from movedAfter.
    const canStop = shift >= -1 && shift <= 1;
    const movedNow = this.movedAfter[1]![l]!;
    const movedThen = this.movedAfter[1 - shift]?.[l] ?? movedNow;
    const wChurn = c.wChurn;
    const carries = canStop && c.noIdle[l] === 1;
    const lateAfter = this.lateAfter[l]!;
    const wT = c.wTardiness;
    const total = this.lineCost(l);
    let time = from > 0 ? end[from - 1]! : c.availableFrom[l]!;
    let prev = from > 0 ? c.family[seq[from - 1]!]! : c.initialFamily[l]!;
    let acc = cum[from]!;
    const regionEnd = from + rlen;
    for (let k = from; k < newLen; k++) {
      const inRegion = k < regionEnd;
      const old = k + shift;
      const j = inRegion ? region[k - from]! : seq[old]!;
      const e = this.endOf(l, j, time, prev);
      acc += this.orderCost(l, j, k, e, prev);
      if (acc >= cutoff) return acc;
      if (!inRegion && canStop && e >= end[old]!) {
        const rest = acc + total - cum[old + 1]! + (shift === 0 ? 0 : wChurn * (movedThen[old + 1]! - movedNow[old + 1]!));
        if (e === end[old] || rest >= cutoff) return rest;
        // A line that never idles carries the delay whole: each later late order costs weight × delay more.
        if (carries && rest + wT * (e - end[old]!) * lateAfter[old + 1]! >= cutoff) return cutoff;
      }
      time = e;
      prev = c.family[j]!;
    }
    // Ran to the end of the line: its tail starts when the new plan ends.
    return acc + this.tailCost(l, time, prev);
  }

  /** Replaces positions from..from+rlen-1 of line l by the region and shifts the rest as evalLine assumed. */
  apply(l: number, from: number, rlen: number, src: number, newLen: number): void {
    const seq = this.seq[l]!;
    const len = this.len[l]!;
    const before = this.lineCost(l);
    const tail = len - src;
    seq.copyWithin(from + rlen, src, len);
    for (let k = 0; k < rlen; k++) seq[from + k] = this.region[k]!;
    this.len[l] = from + rlen + tail;
    if (this.len[l] !== newLen) throw new Error('schedule: inconsistent move');
    this.retime(l, from);
    this.cost += this.lineCost(l) - before;
    this.onChange?.(l, from, from + rlen - 1);
  }

  /** Reports positions from..to of line l as changed by a caller that edited `seq` itself. */
  touch(l: number, from: number, to: number): void {
    this.onChange?.(l, from, to);
  }

  /** Copies the sequences into a flat snapshot: [len0, …, lenM-1, seq0…, seq1…, …]. */
  snapshot(into?: Int32Array): Int32Array {
    const c = this.c;
    const out = into ?? new Int32Array(c.m + c.n);
    let o = c.m;
    for (let l = 0; l < c.m; l++) {
      const len = this.len[l]!;
      out[l] = len;
      out.set(this.seq[l]!.subarray(0, len), o);
      o += len;
    }
    return out;
  }

  restore(snap: Int32Array): void {
    const c = this.c;
    let o = c.m;
    for (let l = 0; l < c.m; l++) {
      const len = snap[l]!;
      this.len[l] = len;
      this.seq[l]!.set(snap.subarray(o, o + len));
      o += len;
    }
    this.retimeAll();
  }

  toLines(): Record<string, string[]> {
    const c = this.c;
    const lines: Record<string, string[]> = {};
    for (let l = 0; l < c.m; l++) lines[c.lineIds[l]!] = Array.from(this.seq[l]!.subarray(0, this.len[l]!), (j) => c.orderIds[j]!);
    return lines;
  }
}
