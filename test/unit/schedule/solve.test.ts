import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/schedule/evaluate';
import type { ScheduleProblem, SolveOptions } from '../../../shared/schedule/model';
import { solve } from '../../../shared/schedule/solve';
import { bruteForce, randomProblem, type RandomProblemOptions } from './brute';

/** A clock that only moves when asked: the search stops by iterations, never by time. */
const frozenClock = () => 0;
const opts = (extra: Partial<SolveOptions> = {}): SolveOptions => ({ timeLimitMs: 60_000, maxIterations: 300, now: frozenClock, seed: 7, ...extra });

function expectOptimal(problem: ScheduleProblem, extra: Partial<SolveOptions> = {}) {
  const best = bruteForce(problem);
  const r = solve(problem, opts(extra));
  const ev = evaluate(problem, r.plan);
  expect(r.objective).toBe(ev.objective);
  if (!best) {
    expect(r.violations?.length ?? 0).toBeGreaterThan(0);
    return;
  }
  expect(ev.violations).toEqual([]);
  expect(r.violations).toBeUndefined();
  expect(r.objective).toBeCloseTo(best.objective, 9);
}

describe('solve: exact optima against brute force', () => {
  it('single machine weighted tardiness', () => {
    const p: ScheduleProblem = {
      lines: [{ id: 'M' }],
      orders: [
        [10, 3, 12], [7, 1, 30], [4, 4, 9], [9, 2, 20], [3, 5, 7], [8, 2, 25], [6, 3, 14], [5, 1, 40],
      ].map(([p, w, d], i) => ({ id: `J${i}`, family: `J${i}`, due: d!, weight: w!, minutes: { M: p! } })),
    };
    expectOptimal(p);
  });

  it('a job-to-job setup matrix with an initial setup', () => {
    const n = 7;
    const orders = Array.from({ length: n }, (_, i) => ({ id: `J${i}`, family: `J${i}`, due: 15 + 9 * i - (i % 3) * 12, weight: 1 + (i % 4), minutes: { M: 6 + ((i * 5) % 9) } }));
    const changeovers: Record<string, Record<string, number>> = { start: {} };
    for (let a = 0; a < n; a++) {
      changeovers.start![`J${a}`] = (a * 7) % 11;
      changeovers[`J${a}`] = Object.fromEntries(Array.from({ length: n }, (_, b) => [`J${b}`, ((a + 2) * (b + 3)) % 13]));
    }
    expectOptimal({ lines: [{ id: 'M', initialFamily: 'start' }], orders, changeovers: { M: changeovers } });
  });

  it('two lines with eligibility, a line down, a release, a frozen start and a pin', () => {
    const p: ScheduleProblem = {
      lines: [{ id: 'L1', initialFamily: 'A', blocked: [{ from: 30, to: 90 }] }, { id: 'L2', availableFrom: 20 }],
      orders: [
        { id: 'S1', family: 'A', due: 40, weight: 3, minutes: { L1: 20, L2: 30 } },
        { id: 'S2', family: 'B', due: 60, weight: 2, minutes: { L1: 25 } },
        { id: 'S3', family: 'A', due: 50, weight: 1, minutes: { L1: 15, L2: 15 }, release: 35 },
        { id: 'S4', family: 'B', due: 100, weight: 4, minutes: { L1: 10, L2: 20 } },
        { id: 'S5', family: 'C', due: 45, weight: 2, minutes: { L2: 25 } },
        { id: 'S6', family: 'A', due: 200, weight: 1, minutes: { L1: 40, L2: 40 } },
      ],
      changeovers: { L1: { A: { B: 10, C: 10 }, B: { A: 15 } }, L2: { A: { B: 5, C: 5 }, C: { A: 20 } } },
      forbidden: { L1: { B: ['A'] } },
      frozen: { L2: ['S6'] },
      pins: { S4: 'L1' },
      weights: { tardiness: 1, lateOrder: 10, changeover: 0.5 },
    };
    expectOptimal(p);
  });

  const kinds: [string, RandomProblemOptions][] = [
    ['1 line, changeovers and releases', { orders: 8, lines: 1, changeovers: true, releases: true }],
    ['2 lines, windows and forbidden pairs', { orders: 6, lines: 2, blocked: true, forbidden: true, changeovers: true }],
    ['3 lines, frozen, pins and churn', { orders: 6, lines: 3, frozen: true, pins: true, churn: true, changeovers: true }],
    ['3 lines, everything', { orders: 5, lines: 3, changeovers: true, releases: true, blocked: true, forbidden: true, frozen: true, pins: true, churn: true }],
  ];
  for (const [name, o] of kinds) {
    it(`random problems: ${name}`, () => {
      for (let seed = 1; seed <= 6; seed++) expectOptimal(randomProblem(seed * 101 + o.orders, o));
    });
  }

  it('a frozen tail on a line: the search weighs what loading the line costs the orders after the plan', () => {
    // Without the tail, both orders on L1 is best (L2 is slow); with a tight tail on L1, B goes to L2.
    const p: ScheduleProblem = {
      lines: [{ id: 'L1', tail: [{ id: 'T', family: 'F', minutes: 10, due: 45, weight: 10 }] }, { id: 'L2' }],
      orders: [
        { id: 'A', family: 'F', due: 40, weight: 1, minutes: { L1: 20, L2: 40 } },
        { id: 'B', family: 'F', due: 40, weight: 1, minutes: { L1: 20, L2: 45 } },
      ],
    };
    expectOptimal(p);
    const r = solve(p, opts());
    expect(r.plan.lines.L2).toHaveLength(1);
    expect(solve({ ...p, lines: [{ id: 'L1' }, { id: 'L2' }] }, opts()).plan.lines.L1).toHaveLength(2);
  });

  it('random problems with frozen tails on their lines', () => {
    const o: RandomProblemOptions = { orders: 6, lines: 2, changeovers: true, releases: true, blocked: true, churn: true };
    for (let seed = 1; seed <= 8; seed++) {
      const p = randomProblem(seed * 37 + 5, o);
      const fams = [...new Set(p.orders.map((x) => x.family))];
      const withTails: ScheduleProblem = {
        ...p,
        lines: p.lines.map((l, i) => ({ ...l, tail: Array.from({ length: 1 + ((seed + i) % 3) }, (_, k) => ({ id: `T${i}-${k}`, family: fams[(seed + k) % fams.length]!, minutes: 5 + ((seed * 7 + k * 11) % 20), due: 60 + 25 * k + ((seed * 13) % 40), weight: 1 + ((seed + k) % 4) })) })),
      };
      expectOptimal(withTails);
    }
  });
});

describe('solve: behaviour', () => {
  it('every returned plan respects every hard constraint when one exists (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 100 }), (seed, orders, lines, solveSeed) => {
        const p = randomProblem(seed, { orders, lines, changeovers: true, releases: true, blocked: true, forbidden: true, frozen: true, pins: true, churn: true });
        const r = solve(p, { timeLimitMs: 60_000, maxIterations: 15, now: frozenClock, seed: solveSeed });
        const ev = evaluate(p, r.plan);
        expect(r.objective).toBe(ev.objective);
        const feasible = bruteForce(p) !== undefined;
        expect(ev.violations.length === 0).toBe(feasible);
        // Structure is never broken, feasible or not: only forbidden pairs can be left.
        for (const v of ev.violations) expect(v).toMatch(/may not be followed by/);
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic for a seed and a number of iterations', () => {
    const p = randomProblem(42, { orders: 30, lines: 3, changeovers: true, releases: true, blocked: true, churn: true });
    const a = solve(p, opts({ maxIterations: 50, seed: 3 }));
    const b = solve(p, opts({ maxIterations: 50, seed: 3 }));
    expect(b.plan).toEqual(a.plan);
    expect(b.objective).toBe(a.objective);
    expect(a.stoppedBy).toBe('iterations');
    expect(a.iterations).toBe(50);
  });

  it('stops when cancelled and returns the best plan so far', () => {
    const p = randomProblem(5, { orders: 40, lines: 2, changeovers: true });
    let calls = 0;
    const r = solve(p, { timeLimitMs: 60_000, now: frozenClock, cancelled: () => ++calls > 20 });
    expect(r.stoppedBy).toBe('cancelled');
    expect(evaluate(p, r.plan).violations).toEqual([]);
  });

  it('is anytime: returns at the deadline of its injected clock, reporting progress', () => {
    const p = randomProblem(9, { orders: 40, lines: 2, changeovers: true });
    let t = 0;
    const seen: number[] = [];
    const r = solve(p, { timeLimitMs: 1000, now: () => (t += 1), onProgress: (q) => seen.push(q.objective) });
    expect(r.stoppedBy).toBe('deadline');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(r.objective).toBe(seen[seen.length - 1]);
  });

  it('stops as optimal when it reaches the lower bound', () => {
    const p: ScheduleProblem = { lines: [{ id: 'L1' }, { id: 'L2' }], orders: [0, 1, 2, 3].map((i) => ({ id: `O${i}`, family: 'F', due: 25, weight: 1, minutes: { L1: 10, L2: 10 } })) };
    const r = solve(p, opts());
    expect(r.objective).toBe(0);
    expect(r.stoppedBy).toBe('optimal');
  });

  it('keeps the plan as is when nothing beats it (churn)', () => {
    const p = randomProblem(77, { orders: 8, lines: 2, changeovers: true });
    const start = solve(p, opts()).plan;
    const withCurrent: ScheduleProblem = {
      ...p,
      orders: p.orders.map((o) => {
        const lineId = Object.keys(start.lines).find((l) => start.lines[l]!.includes(o.id))!;
        return { ...o, current: { lineId, index: start.lines[lineId]!.indexOf(o.id) } };
      }),
      weights: { ...p.weights, churn: 1000 },
    };
    const r = solve(withCurrent, opts({ start, maxIterations: 30 }));
    expect(r.parts.moved).toBe(0);
  });

  it('repairs an infeasible start plan', () => {
    const p = randomProblem(3, { orders: 7, lines: 2, frozen: true, pins: true });
    const r = solve(p, opts({ start: { lines: { L1: ['O1', 'O1', 'nope'], L9: ['O2'] } }, maxIterations: 20 }));
    expect(evaluate(p, r.plan).violations).toEqual([]);
  });

  it('refuses a problem no plan can satisfy structurally, saying which order', () => {
    const p: ScheduleProblem = { lines: [{ id: 'L1' }], orders: [{ id: 'X', family: 'F', due: 0, weight: 1, minutes: { L2: 5 } }] };
    expect(() => solve(p, opts())).toThrow(/order X has no line that can run it/);
  });
});
