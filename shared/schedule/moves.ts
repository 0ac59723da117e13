/**
 * The neighbourhoods the local search walks, each as "score, and apply if it improves":
 *  - dynasearch on a line with no changeovers, releases, windows or forbidden pairs (Congram,
 *    Potts & van de Velde 2002): a dynamic programme picks the best set of independent swaps in
 *    one pass, which is what makes iterated dynasearch reach the single-machine optima quickly;
 *  - insertion (move one order elsewhere on its line) and swap on any line, re-timing only the
 *    changed stretch (./state.ts);
 *  - between lines: move an order to another line that can run it, or exchange two orders.
 * Frozen prefixes are never touched, and an order only ever goes to a line it is eligible for.
 */
import type { Compiled } from './compile';
import type { PlanState } from './state';

/** An improvement must beat rounding noise, which grows with the size of the cost. */
export const improves = (delta: number, base: number) => delta < -1e-9 * Math.max(1, Math.abs(base));

/**
 * How far from a swap's first order the local descent looks for its second: a swap with an order
 * far away shifts everything between, is rarely an improvement where insertions have settled, and
 * costs the length of the stretch to score (the literature's neighbourhood limitation).
 */
const SWAP_REACH = 10;
export class Moves {
  private readonly c: Compiled;
  private readonly s: PlanState;
  private readonly delta: Float64Array;
  private readonly best: Float64Array;
  private readonly choice: Int32Array;
  /** The line without the order being re-inserted: its sequence, completion times, prefix costs. */
  private readonly pSeq: Int32Array;
  private readonly pEnd: Float64Array;
  private readonly pCum: Float64Array;
  /** pLate[k]: the weight of the late orders at positions k… of the line without the order. */
  private readonly pLate: Float64Array;
  /** How many orders at positions k… of the line without the order count as moved where they are, and one position later. */
  private readonly pMovedSame: Int32Array;
  private readonly pMovedLater: Int32Array;
  private readonly visit: Int32Array;
  private readonly blockScratch = new Int32Array(6);
  /** Don't-look bits, inverted: orders whose moves may have changed since they were last tried. */
  private readonly dirty: Uint8Array;
  /** The dirty orders, first in first out (a ring of n: each order is in it at most once). */
  private readonly queue: Int32Array;
  private qHead = 0;
  private qSize = 0;
  /** Lines with a dirty order, for the lines searched whole (dynasearch). */
  private readonly lineDirty: Uint8Array;
  /** Set by the caller: when it returns true the walks stop at the next check. */
  stop: () => boolean = () => false;

  constructor(s: PlanState) {
    this.s = s;
    this.c = s.c;
    const cap = this.c.n + 1;
    this.delta = new Float64Array(cap * cap);
    this.best = new Float64Array(cap + 1);
    this.choice = new Int32Array(cap + 1);
    this.pSeq = new Int32Array(cap);
    this.pEnd = new Float64Array(cap);
    this.pCum = new Float64Array(cap + 1);
    this.pLate = new Float64Array(cap + 1);
    this.pMovedSame = new Int32Array(cap + 1);
    this.pMovedLater = new Int32Array(cap + 1);
    this.visit = new Int32Array(cap);
    this.dirty = new Uint8Array(this.c.n);
    this.queue = new Int32Array(Math.max(1, this.c.n));
    this.lineDirty = new Uint8Array(this.c.m);
    s.onChange = (l, from, to) => this.markChange(l, from, to);
  }

  private mark(j: number): void {
    if (this.dirty[j] || this.c.isFrozen[j]) return;
    this.dirty[j] = 1;
    this.queue[(this.qHead + this.qSize) % this.queue.length] = j;
    this.qSize++;
  }

  /**
   * A change at positions from..to of line l: the orders at and next to both ends are where an
   * improving move is likely now (an insertion's order and the gap it left, a swap's pair, a
   * block's end and where it was), so only they are looked at again. Between the ends the orders
   * keep their neighbours; their timing moved, but trying every one again after every kick is
   * what made a descent cost the whole neighbourhood.
   */
  private markChange(l: number, from: number, to: number): void {
    const seq = this.s.seq[l]!;
    const len = this.s.len[l]!;
    this.lineDirty[l] = 1;
    const hi = Math.max(from, to);
    const a0 = Math.max(0, from - 1);
    const a1 = Math.min(len - 1, from + 1);
    for (let p = a0; p <= a1; p++) this.mark(seq[p]!);
    const b0 = Math.max(a1 + 1, hi - 1);
    const b1 = Math.min(len - 1, hi + 1);
    for (let p = b0; p <= b1; p++) this.mark(seq[p]!);
  }

  /** Forgets what is dirty (the caller is about to search everything, or to look again from scratch). */
  clearDirty(): void {
    this.dirty.fill(0);
    this.lineDirty.fill(0);
    this.qHead = this.qSize = 0;
  }

  /**
   * Descends from a plan that was a local optimum before a few changes (a kick): looks only at
   * the orders next to what changed, and next to what each improving move changes in turn
   * (don't-look bits), until none of them has an improving move. Lines searched by dynasearch
   * are searched whole when anything on them changed.
   */
  descendLocal(): void {
    const c = this.c;
    const s = this.s;
    const simple = c.simpleLine;
    while (!this.stop()) {
      let any = false;
      for (let l = 0; l < c.m; l++) {
        if (!simple[l] || !this.lineDirty[l]) continue;
        this.lineDirty[l] = 0;
        any = true;
        while (this.dynasearch(l));
        this.insertPass(l, 0);
      }
      if (this.qSize === 0) {
        if (!any) return;
        continue;
      }
      const j = this.queue[this.qHead]!;
      this.qHead = (this.qHead + 1) % this.queue.length;
      this.qSize--;
      this.dirty[j] = 0;
      const l = s.lineOf[j]!;
      if (l < 0) continue;
      if (!simple[l] && (this.reinsertBest(l, s.posOf[j]!) || this.blocksAt(l, s.posOf[j]!) || this.swapsOf(l, s.posOf[j]!))) continue;
      if (c.m > 1) {
        if (!this.relocate(j)) this.exchange(j);
      }
    }
  }

  /**
   * Or-opt for the blocks of two and three orders that start at position i; true when one moved.
   * (The blocks that end at i start at an order marked with it: each is tried once.)
   */
  private blocksAt(l: number, i: number): boolean {
    const len = this.s.len[l]!;
    for (let b = 2; b <= 3; b++) if (i + b <= len && this.reinsertBlock(l, i, b)) return true;
    return false;
  }

  /** The swaps of position i with the non-adjacent positions within SWAP_REACH on line l; true at the first that improves. */
  private swapsOf(l: number, i: number): boolean {
    const fz = this.frozenLength(l);
    const len = this.s.len[l]!;
    const lo = Math.max(fz, i - SWAP_REACH);
    const hi = Math.min(len, i + SWAP_REACH + 1);
    for (let k = lo; k < hi; k++) {
      if (k >= i - 1 && k <= i + 1) continue;
      if (k < i ? this.trySwap(l, k, i) : this.trySwap(l, i, k)) return true;
    }
    return false;
  }

  /** Moves the order at position i of line l to position j (positions as in the result). */
  applyInsert(l: number, i: number, j: number): void {
    const s = this.s;
    const seq = s.seq[l]!;
    const r = s.region;
    const len = s.len[l]!;
    if (i < j) {
      const rlen = j - i + 1;
      for (let k = 0; k < rlen - 1; k++) r[k] = seq[i + 1 + k]!;
      r[rlen - 1] = seq[i]!;
      s.apply(l, i, rlen, j + 1, len);
    } else {
      const rlen = i - j + 1;
      r[0] = seq[i]!;
      for (let k = 1; k < rlen; k++) r[k] = seq[j + k - 1]!;
      s.apply(l, j, rlen, i + 1, len);
    }
  }

  /**
   * Takes the order at position i of line l out and puts it back where the line costs least, if
   * that improves. The line without it is timed once; each candidate position then costs one
   * step plus the stretch after it until that stretch provably cannot win (it runs no earlier
   * than it does without the order: costs never fall with time), so the whole neighbourhood of
   * one order costs about the length of the line rather than its square.
   */
  reinsertBest(l: number, i: number): boolean {
    const c = this.c;
    const s = this.s;
    const seq = s.seq[l]!;
    const end = s.end[l]!;
    const cum = s.cum[l]!;
    const len = s.len[l]!;
    const fz = this.frozenLength(l);
    const pSeq = this.pSeq;
    const pEnd = this.pEnd;
    const pCum = this.pCum;
    const x = seq[i]!;
    for (let k = 0; k < i; k++) {
      pSeq[k] = seq[k]!;
      pEnd[k] = end[k]!;
      pCum[k] = cum[k]!;
    }
    pCum[i] = cum[i]!;
    let time = i > 0 ? end[i - 1]! : c.availableFrom[l]!;
    let prev = i > 0 ? c.family[seq[i - 1]!]! : c.initialFamily[l]!;
    for (let k = i; k < len - 1; k++) {
      const j = seq[k + 1]!;
      const e = s.endOf(l, j, time, prev);
      pSeq[k] = j;
      pEnd[k] = e;
      pCum[k + 1] = pCum[k]! + s.orderCost(l, j, k, e, prev);
      time = e;
      prev = c.family[j]!;
    }
    // The line without the order, its frozen tail included.
    const pTotal = pCum[len - 1]! + s.tailCost(l, time, prev);
    // On a line that never idles a delay of d carries whole to every later run, so each order
    // already late costs at least weight × d more: a much tighter bound than "no cheaper".
    const carries = c.noIdle[l] === 1;
    const pLate = this.pLate;
    // After the re-inserted order the rest sits one position later than without it: churn may change.
    const same = this.pMovedSame;
    const later = this.pMovedLater;
    const wChurn = c.wChurn;
    pLate[len - 1] = 0;
    same[len - 1] = later[len - 1] = 0;
    for (let k = len - 2; k >= 0; k--) {
      const j = pSeq[k]!;
      pLate[k] = pLate[k + 1]! + (pEnd[k]! > c.due[j]! ? c.weight[j]! : 0);
      const cl = c.currentLine[j]!;
      const ci = cl === l ? c.currentIndex[j]! : -9;
      same[k] = same[k + 1]! + (cl !== -1 && ci !== k ? 1 : 0);
      later[k] = later[k + 1]! + (cl !== -1 && ci !== k + 1 ? 1 : 0);
    }
    const wT = c.wTardiness;
    const base = s.lineCost(l);
    let cutoff = base;
    let bestP = -1;
    const fx = c.family[x]!;
    for (let p = fz; p < len; p++) {
      if (p === i) continue;
      time = p > 0 ? pEnd[p - 1]! : c.availableFrom[l]!;
      prev = p > 0 ? c.family[pSeq[p - 1]!]! : c.initialFamily[l]!;
      let e = s.endOf(l, x, time, prev);
      let acc = pCum[p]! + s.orderCost(l, x, p, e, prev);
      if (acc >= cutoff) continue;
      time = e;
      prev = fx;
      let k = p;
      for (; k < len - 1; k++) {
        const j = pSeq[k]!;
        e = s.endOf(l, j, time, prev);
        acc += s.orderCost(l, j, k + 1, e, prev);
        if (acc >= cutoff) break;
        if (e >= pEnd[k]!) {
          // Exact when back in step; otherwise only a bound, good enough to reject.
          const rest = acc + pTotal - pCum[k + 1]! + wChurn * (later[k + 1]! - same[k + 1]!);
          if (e === pEnd[k] || rest >= cutoff) {
            acc = rest;
            break;
          }
          if (carries && rest + wT * (e - pEnd[k]!) * pLate[k + 1]! >= cutoff) {
            acc = cutoff;
            break;
          }
        }
        time = e;
        prev = c.family[j]!;
      }
      // Ran to the end of the line: its tail starts when the new plan ends.
      if (k === len - 1) acc += s.tailCost(l, time, prev);
      if (acc < cutoff) {
        cutoff = acc;
        bestP = p;
      }
    }
    if (bestP < 0 || !improves(cutoff - base, s.cost)) return false;
    this.applyInsert(l, i, bestP);
    return true;
  }

  /**
   * Or-opt: takes the block of `b` consecutive orders at positions i… of line l out and puts it
   * back, as it was or reversed, where the line costs least, if that improves. Scored as
   * reinsertBest scores one order: the line without the block is timed once, and each candidate
   * place re-times the stretch after it only until it is back in step (or provably cannot win).
   * On changeover-heavy lines a pair or triple with small changeovers between them is often worth
   * keeping together, which single insertions cannot do without first breaking it up.
   */
  reinsertBlock(l: number, i: number, b: number): boolean {
    const c = this.c;
    const s = this.s;
    const seq = s.seq[l]!;
    const end = s.end[l]!;
    const cum = s.cum[l]!;
    const len = s.len[l]!;
    const fz = this.frozenLength(l);
    if (i < fz || i + b > len) return false;
    const pSeq = this.pSeq;
    const pEnd = this.pEnd;
    const pCum = this.pCum;
    const block = this.blockScratch;
    // block[0..b): the block as it is; block[b..2b): reversed.
    for (let q = 0; q < b; q++) block[q] = block[2 * b - 1 - q] = seq[i + q]!;
    for (let k = 0; k < i; k++) {
      pSeq[k] = seq[k]!;
      pEnd[k] = end[k]!;
      pCum[k] = cum[k]!;
    }
    pCum[i] = cum[i]!;
    const pLen = len - b;
    let time = i > 0 ? end[i - 1]! : c.availableFrom[l]!;
    let prev = i > 0 ? c.family[seq[i - 1]!]! : c.initialFamily[l]!;
    for (let k = i; k < pLen; k++) {
      const j = seq[k + b]!;
      const e = s.endOf(l, j, time, prev);
      pSeq[k] = j;
      pEnd[k] = e;
      pCum[k + 1] = pCum[k]! + s.orderCost(l, j, k, e, prev);
      time = e;
      prev = c.family[j]!;
    }
    const pTotal = pCum[pLen]! + s.tailCost(l, time, prev);
    const carries = c.noIdle[l] === 1;
    const pLate = this.pLate;
    // After the block the rest sits b positions later than without it: churn may change.
    const same = this.pMovedSame;
    const later = this.pMovedLater;
    const wChurn = c.wChurn;
    pLate[pLen] = 0;
    same[pLen] = later[pLen] = 0;
    for (let k = pLen - 1; k >= 0; k--) {
      const j = pSeq[k]!;
      pLate[k] = pLate[k + 1]! + (pEnd[k]! > c.due[j]! ? c.weight[j]! : 0);
      const cl = c.currentLine[j]!;
      const ci = cl === l ? c.currentIndex[j]! : -9;
      same[k] = same[k + 1]! + (cl !== -1 && ci !== k ? 1 : 0);
      later[k] = later[k + 1]! + (cl !== -1 && ci !== k + b ? 1 : 0);
    }
    const wT = c.wTardiness;
    const base = s.lineCost(l);
    let cutoff = base;
    let bestP = -1;
    let bestO = 0;
    for (let p = fz; p <= pLen; p++) {
      for (let o = 0; o < 2 * b; o += b) {
        if (p === i && o === 0) continue;
        const lastFamily = c.family[block[o + b - 1]!]!;
        time = p > 0 ? pEnd[p - 1]! : c.availableFrom[l]!;
        prev = p > 0 ? c.family[pSeq[p - 1]!]! : c.initialFamily[l]!;
        let acc = pCum[p]!;
        let e = time;
        for (let q = 0; q < b && acc < cutoff; q++) {
          const x = block[o + q]!;
          e = s.endOf(l, x, time, prev);
          acc += s.orderCost(l, x, p + q, e, prev);
          time = e;
          prev = c.family[x]!;
        }
        if (acc >= cutoff) continue;
        prev = lastFamily;
        let k = p;
        for (; k < pLen; k++) {
          const j = pSeq[k]!;
          e = s.endOf(l, j, time, prev);
          acc += s.orderCost(l, j, k + b, e, prev);
          if (acc >= cutoff) break;
          if (e >= pEnd[k]!) {
            const rest = acc + pTotal - pCum[k + 1]! + wChurn * (later[k + 1]! - same[k + 1]!);
            if (e === pEnd[k] || rest >= cutoff) {
              acc = rest;
              break;
            }
            if (carries && rest + wT * (e - pEnd[k]!) * pLate[k + 1]! >= cutoff) {
              acc = cutoff;
              break;
            }
          }
          time = e;
          prev = c.family[j]!;
        }
        // Ran to the end of the line: its tail starts when the new plan ends.
        if (k === pLen) acc += s.tailCost(l, time, prev);
        if (acc < cutoff) {
          cutoff = acc;
          bestP = p;
          bestO = o;
        }
      }
    }
    if (bestP < 0 || !improves(cutoff - base, s.cost)) return false;
    const r = s.region;
    if (bestP <= i) {
      // Block, then the orders it jumped over.
      for (let q = 0; q < b; q++) r[q] = block[bestO + q]!;
      for (let k = bestP; k < i; k++) r[b + k - bestP] = seq[k]!;
      s.apply(l, bestP, i + b - bestP, i + b, len);
    } else {
      // The orders it jumped over, then the block.
      const over = bestP - i;
      for (let k = 0; k < over; k++) r[k] = seq[i + b + k]!;
      for (let q = 0; q < b; q++) r[over + q] = block[bestO + q]!;
      s.apply(l, i, over + b, bestP + b, len);
    }
    return true;
  }

  /** Or-opt on line l: blocks of two and three orders, as they are and reversed; true when any moved. */
  blockPass(l: number): boolean {
    const s = this.s;
    let any = false;
    for (let b = 2; b <= 3; b++) {
      for (let i = this.frozenLength(l); i + b <= s.len[l]! && !this.stop(); i++) {
        if (this.reinsertBlock(l, i, b)) any = true;
      }
    }
    return any;
  }

  frozenLength(l: number): number {
    return this.c.frozen[l]!.length;
  }

  /** Swap positions i < j of line l, if it improves. */
  trySwap(l: number, i: number, j: number): boolean {
    const s = this.s;
    const seq = s.seq[l]!;
    const r = s.region;
    const rlen = j - i + 1;
    r[0] = seq[j]!;
    for (let k = 1; k < rlen - 1; k++) r[k] = seq[i + k]!;
    r[rlen - 1] = seq[i]!;
    const len = s.len[l]!;
    const base = s.lineCost(l);
    const d = s.evalLine(l, i, rlen, j + 1, len, base) - base;
    if (!improves(d, s.cost)) return false;
    s.apply(l, i, rlen, j + 1, len);
    return true;
  }

  /**
   * Descent on line l: every order re-inserted at its best place until none moves; then the
   * swaps of non-adjacent orders (adjacent ones are insertions), and again while they improve.
   */
  intraLine(l: number, startAt: number): boolean {
    let any = false;
    for (;;) {
      if (this.insertPass(l, startAt)) any = true;
      if (this.stop()) return any;
      // Blocks only after single insertions have settled: most of their work is then rejected early.
      if (this.blockPass(l)) {
        any = true;
        continue;
      }
      if (this.stop() || !this.swapPass(l)) return any;
      any = true;
    }
  }

  /** Re-inserts each order of line l at its best place, until no order moves; true when any did. */
  insertPass(l: number, startAt: number): boolean {
    const s = this.s;
    const c = this.c;
    const fz = this.frozenLength(l);
    let any = false;
    for (let improved = true; improved && !this.stop(); ) {
      improved = false;
      const len = s.len[l]!;
      const span = len - fz;
      if (span < 2) break;
      // By order rather than position: a moved order would otherwise be visited again at once.
      const seq = s.seq[l]!;
      for (let a = 0; a < span; a++) this.visit[a] = seq[fz + ((a + startAt) % span)]!;
      for (let a = 0; a < span && !this.stop(); a++) {
        const j = this.visit[a]!;
        if (s.lineOf[j] !== l || c.isFrozen[j]) continue;
        if (this.reinsertBest(l, s.posOf[j]!)) improved = any = true;
      }
    }
    return any;
  }

  /** One first-improvement pass of non-adjacent swaps on line l. */
  private swapPass(l: number): boolean {
    const s = this.s;
    const len = s.len[l]!;
    let any = false;
    for (let i = this.frozenLength(l); i < len - 1; i++) for (let j = i + 2; j < len; j++) if (this.trySwap(l, i, j)) any = true;
    return any;
  }

  /**
   * One dynasearch pass on a simple line: the best set of non-overlapping swaps, found by a
   * dynamic programme over the line's positions. Valid because on such a line a swap of
   * positions i and j changes no completion time outside i..j.
   */
  dynasearch(l: number): boolean {
    const c = this.c;
    const s = this.s;
    const seq = s.seq[l]!;
    const end = s.end[l]!;
    const len = s.len[l]!;
    const fz = this.frozenLength(l);
    if (len - fz < 2) return false;
    const n = c.n;
    const stride = n + 1;
    const delta = this.delta;
    const cost = (j: number, k: number, e: number) => s.orderCost(l, j, k, e, -1);
    const due = c.due;
    const weight = c.weight;
    const wT = c.wTardiness;
    const wL = c.wLate;
    for (let i = fz; i < len - 1; i++) {
      const ji = seq[i]!;
      const before = i > 0 ? end[i - 1]! : c.availableFrom[l]!;
      const ci = cost(ji, i, end[i]!);
      const pi = c.minutes[l * n + ji]!;
      for (let j = i + 1; j < len; j++) {
        const jj = seq[j]!;
        const pj = c.minutes[l * n + jj]!;
        const shift = pj - pi;
        let d = cost(jj, i, before + pj) - ci + cost(ji, j, end[j]!) - cost(jj, j, end[j]!);
        if (shift !== 0) {
          // The orders between keep their positions (churn unchanged): only lateness moves.
          for (let k = i + 1; k < j; k++) {
            const q = seq[k]!;
            const late0 = end[k]! - due[q]!;
            const late1 = late0 + shift;
            if (late0 <= 0 && late1 <= 0) continue;
            d += wT * weight[q]! * ((late1 > 0 ? late1 : 0) - (late0 > 0 ? late0 : 0)) + wL * ((late1 > 0 ? 1 : 0) - (late0 > 0 ? 1 : 0));
          }
        }
        delta[i * stride + j] = d;
      }
    }
    const best = this.best;
    const choice = this.choice;
    best[fz] = 0;
    for (let k = fz + 1; k <= len; k++) {
      let b = best[k - 1]!;
      let ch = -1;
      const j = k - 1;
      for (let i = fz; i < j; i++) {
        const v = best[i]! + delta[i * stride + j]!;
        if (v < b) {
          b = v;
          ch = i;
        }
      }
      best[k] = b;
      choice[k] = ch;
    }
    if (!improves(best[len]!, s.cost)) return false;
    const before = s.lineCost(l);
    for (let k = len; k > fz; ) {
      const i = choice[k]!;
      if (i < 0) k--;
      else {
        const t = seq[i]!;
        seq[i] = seq[k - 1]!;
        seq[k - 1] = t;
        k = i;
      }
    }
    s.retime(l, fz);
    s.cost += s.lineCost(l) - before;
    return true;
  }

  /** Moves order j to another line at its best position there, if that improves; true when moved. */
  relocate(j: number): boolean {
    const c = this.c;
    const s = this.s;
    if (c.isFrozen[j]) return false;
    const a = s.lineOf[j]!;
    const i = s.posOf[j]!;
    const lenA = s.len[a]!;
    const removal = s.evalLine(a, i, 0, i + 1, lenA - 1) - s.lineCost(a);
    let bestD = 0;
    let bestL = -1;
    let bestPos = -1;
    for (let b = 0; b < c.m; b++) {
      if (b === a || !c.eligible[b * c.n + j]) continue;
      const lenB = s.len[b]!;
      const base = s.lineCost(b);
      s.region[0] = j;
      for (let p = this.frozenLength(b); p <= lenB; p++) {
        const d = removal + s.evalLine(b, p, 1, p, lenB + 1, base + bestD - removal) - base;
        if (d < bestD) {
          bestD = d;
          bestL = b;
          bestPos = p;
        }
      }
    }
    if (bestL < 0 || !improves(bestD, s.cost)) return false;
    s.apply(a, i, 0, i + 1, lenA - 1);
    s.region[0] = j;
    s.apply(bestL, bestPos, 1, bestPos, s.len[bestL]! + 1);
    return true;
  }

  /** Exchanges order j with an order of another line (each eligible where the other was), if it improves. */
  exchange(j: number): boolean {
    const c = this.c;
    const s = this.s;
    if (c.isFrozen[j]) return false;
    const a = s.lineOf[j]!;
    const i = s.posOf[j]!;
    const baseA = s.lineCost(a);
    for (let b = 0; b < c.m; b++) {
      if (b === a || !c.eligible[b * c.n + j]) continue;
      const seqB = s.seq[b]!;
      const lenB = s.len[b]!;
      const baseB = s.lineCost(b);
      for (let p = this.frozenLength(b); p < lenB; p++) {
        const k = seqB[p]!;
        if (!c.eligible[a * c.n + k]) continue;
        s.region[0] = k;
        const dA = s.evalLine(a, i, 1, i + 1, s.len[a]!) - baseA;
        s.region[0] = j;
        const dB = s.evalLine(b, p, 1, p + 1, lenB, baseB - dA) - baseB;
        if (improves(dA + dB, s.cost)) {
          s.region[0] = k;
          s.apply(a, i, 1, i + 1, s.len[a]!);
          s.region[0] = j;
          s.apply(b, p, 1, p + 1, lenB);
          return true;
        }
      }
    }
    return false;
  }

  /** Descends to a local optimum of every neighbourhood. */
  descend(startAt: number): void {
    const c = this.c;
    const s = this.s;
    for (let improved = true; improved && !this.stop(); ) {
      improved = false;
      for (let l = 0; l < c.m; l++) {
        if (c.simpleLine[l]) {
          while (this.dynasearch(l)) improved = true;
          // Insertions find what swaps cannot; then dynasearch again.
          if (this.insertPass(l, startAt)) improved = true;
        } else if (this.intraLine(l, startAt)) improved = true;
      }
      if (c.m > 1) {
        for (let a = 0; a < c.n && !this.stop(); a++) {
          const j = (a + startAt) % c.n;
          if (this.relocate(j) || this.exchange(j)) improved = true;
        }
      }
      if (s.len.length === 0) break;
    }
  }
}
