import { describe, expect, it } from 'vitest';
import { compile } from '../../../shared/schedule/compile';
import { constructGreedy } from '../../../shared/schedule/construct';
import { Moves } from '../../../shared/schedule/moves';
import { PlanState } from '../../../shared/schedule/state';
import { randomProblem } from './brute';

/** The cost of a snapshot, timed from scratch. */
function costOf(state: PlanState, snap: Int32Array): number {
  const fresh = new PlanState(state.c);
  fresh.restore(snap);
  return fresh.cost;
}

/** Every block of two or three orders on line l moved to every other place, as it is and reversed. */
function* blockMoves(state: PlanState, l: number): Generator<Int32Array> {
  const c = state.c;
  const base = state.snapshot();
  let offset = c.m;
  for (let k = 0; k < l; k++) offset += base[k]!;
  const len = base[l]!;
  const seq = Array.from(base.subarray(offset, offset + len));
  const fz = c.frozen[l]!.length;
  for (let b = 2; b <= 3; b++) {
    for (let i = fz; i + b <= len; i++) {
      const rest = [...seq.slice(0, i), ...seq.slice(i + b)];
      for (const block of [seq.slice(i, i + b), seq.slice(i, i + b).reverse()]) {
        for (let p = fz; p <= rest.length; p++) {
          const next = [...rest.slice(0, p), ...block, ...rest.slice(p)];
          const snap = base.slice();
          snap.set(next, offset);
          yield snap;
        }
      }
    }
  }
}

describe('or-opt block moves', () => {
  it('keep the running cost exact and stop only where no block move improves', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const problem = randomProblem(seed, { orders: 9, lines: 1 + (seed % 2), changeovers: true, releases: seed % 3 === 0, blocked: seed % 4 === 0, frozen: seed % 5 === 0, churn: seed % 2 === 0 });
      const state = new PlanState(compile(problem));
      constructGreedy(state);
      const moves = new Moves(state);
      for (let l = 0; l < state.c.m; l++) {
        let before = state.cost;
        for (let guard = 0; guard < 200 && moves.blockPass(l); guard++) {
          expect(state.cost).toBeLessThan(before);
          before = state.cost;
        }
        expect(state.cost).toBeCloseTo(costOf(state, state.snapshot()), 6);
        for (const snap of blockMoves(state, l)) expect(costOf(state, snap)).toBeGreaterThanOrEqual(state.cost - 1e-6 * Math.max(1, state.cost));
      }
    }
  });
});
