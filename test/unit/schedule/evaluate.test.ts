import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/schedule/evaluate';
import type { ScheduleProblem } from '../../../shared/schedule/model';

const base: ScheduleProblem = {
  lines: [{ id: 'L1' }, { id: 'L2' }],
  orders: [
    { id: 'A', family: 'F1', due: 100, weight: 3, minutes: { L1: 90, L2: 110 } },
    { id: 'B', family: 'F2', due: 100, weight: 2, minutes: { L1: 30 } },
  ],
  changeovers: { L1: { F1: { F2: 20 } } },
  initial: { L1: 'F2' },
};

describe('evaluate', () => {
  it('a line\'s frozen tail runs after its plan: its changeover and lateness count, it is no run of the plan', () => {
    const p: ScheduleProblem = {
      ...base,
      lines: [{ id: 'L1', tail: [{ id: 'T1', family: 'F1', minutes: 10, due: 125, weight: 5 }, { id: 'T2', family: 'F2', minutes: 5, due: 200, weight: 1, release: 190 }] }, { id: 'L2' }],
    };
    // B 0..30, A 30..120 (F2 → F1 costs 0); T1 120..130, 5 late × 5; F1 → F2 20: T2 waits for 190, 195..
    const ev = evaluate(p, { lines: { L1: ['B', 'A'], L2: [] } });
    expect(ev.violations).toEqual([]);
    expect(ev.runs.map((r) => r.orderId)).toEqual(['B', 'A']);
    expect(ev.parts).toEqual({ weightedTardiness: 3 * 20 + 5 * 5, lateOrders: 2, changeoverMinutes: 20, moved: 0 });
    // A first: A 0..90, F1 → F2 20, B 110..140; T1 140..150 (F2 → F1 0), 25 late × 5
    expect(evaluate(p, { lines: { L1: ['A', 'B'], L2: [] } }).parts).toEqual({ weightedTardiness: 2 * 40 + 5 * 25, lateOrders: 2, changeoverMinutes: 40, moved: 0 });
  });

  it('a forbidden step into the tail is a violation', () => {
    const p: ScheduleProblem = { ...base, initial: {}, lines: [{ id: 'L1', tail: [{ id: 'T1', family: 'F1', minutes: 10, due: 500, weight: 1 }] }, { id: 'L2' }], forbidden: { L1: { F2: ['F1'] } } };
    expect(evaluate(p, { lines: { L1: ['A', 'B'], L2: [] } }).violations).toEqual(['L1: F2 may not be followed by F1 (the line\'s next order T1)']);
    expect(evaluate(p, { lines: { L1: ['B'], L2: ['A'] } }).violations).toHaveLength(1);
    // the line's initial family counts when the plan leaves the line empty
    expect(evaluate({ ...p, initial: { L1: 'F2' } }, { lines: { L1: [], L2: [] } }).violations).toContain('L1: F2 may not be followed by F1 (the line\'s next order T1)');
  });

  it('times a line one order after another, with changeovers from the previous family', () => {
    // L1 starts on F2: B needs no changeover (0..30), then F2 → F1 is not in the matrix (0): A 30..120.
    const ev = evaluate(base, { lines: { L1: ['B', 'A'], L2: [] } });
    expect(ev.violations).toEqual([]);
    expect(ev.runs.map((r) => [r.orderId, r.start, r.end])).toEqual([['B', 0, 30], ['A', 30, 120]]);
    expect(ev.parts).toEqual({ weightedTardiness: 3 * 20, lateOrders: 1, changeoverMinutes: 0, moved: 0 });
    expect(ev.objective).toBe(60);
  });

  it('charges the changeover from the initial family and before each order', () => {
    // A 0..90 on time, then F1 → F2 takes 20: B 110..140, 40 late × 2.
    const ev = evaluate(base, { lines: { L1: ['A', 'B'], L2: [] } });
    expect(ev.runs.map((r) => [r.orderId, r.changeoverStart, r.start, r.end])).toEqual([['A', 0, 0, 90], ['B', 90, 110, 140]]);
    expect(ev.objective).toBe(80);
    expect(ev.parts.changeoverMinutes).toBe(20);
  });

  it('waits for releases, availability and blocked windows (no pre-emption)', () => {
    const p: ScheduleProblem = {
      lines: [{ id: 'L1', availableFrom: 10, blocked: [{ from: 50, to: 60 }, { from: 55, to: 70 }] }],
      orders: [
        { id: 'A', family: 'F', due: 0, weight: 1, minutes: { L1: 30 } },
        { id: 'B', family: 'F', due: 0, weight: 1, minutes: { L1: 10 }, release: 45 },
      ],
    };
    // A 10..40; B released at 45, 45..55 would overlap the merged window 50..70: 70..80.
    const ev = evaluate(p, { lines: { L1: ['A', 'B'] } });
    expect(ev.runs.map((r) => [r.start, r.end])).toEqual([[10, 40], [70, 80]]);
    expect(ev.objective).toBe(40 + 80);
  });

  it('applies the weights of every part', () => {
    const p: ScheduleProblem = {
      ...base,
      orders: [{ ...base.orders[0]!, current: { lineId: 'L2', index: 0 } }, { ...base.orders[1]!, current: { lineId: 'L1', index: 0 } }],
      weights: { tardiness: 2, lateOrder: 100, changeover: 1, churn: 7 },
    };
    // A on L1 first (moved from L2), B second (moved from index 0): both moved; B 40 late.
    const ev = evaluate(p, { lines: { L1: ['A', 'B'], L2: [] } });
    expect(ev.parts).toEqual({ weightedTardiness: 80, lateOrders: 1, changeoverMinutes: 20, moved: 2 });
    expect(ev.objective).toBe(2 * 80 + 100 + 20 + 7 * 2);
  });

  it('lists every hard-constraint violation', () => {
    const p: ScheduleProblem = {
      ...base,
      orders: [...base.orders, { id: 'C', family: 'F1', due: 500, weight: 1, minutes: { L1: 5, L2: 5 } }],
      forbidden: { L1: { F2: ['F1'] } },
      frozen: { L2: ['C'] },
      pins: { A: 'L2' },
    };
    const ev = evaluate(p, { lines: { L1: ['B', 'A', 'B', 'X'], L2: [], L9: [] } });
    const text = ev.violations.join('\n');
    expect(text).toMatch(/line L9 is not in the problem/);
    expect(text).toMatch(/order X is not in the problem/);
    expect(text).toMatch(/order B appears more than once/);
    expect(text).toMatch(/F2 may not be followed by F1 \(order A\)/);
    expect(text).toMatch(/order A is pinned to L2 but is on L1/);
    expect(text).toMatch(/order C is in no line/);
    expect(text).toMatch(/L2\[0\] must be the frozen order C/);
    expect(evaluate(p, { lines: { L1: ['B'], L2: ['C', 'A'] } }).violations).toEqual([]);
    expect(evaluate({ ...p, pins: {} }, { lines: { L1: [], L2: ['C', 'A', 'B'] } }).violations).toEqual(['order B is on L2, which cannot run it']);
  });

  it('treats the initial family as the previous one for forbidden transitions', () => {
    const p: ScheduleProblem = { lines: [{ id: 'L1', initialFamily: 'NUT' }], orders: [{ id: 'A', family: 'FREE', due: 9, weight: 1, minutes: { L1: 1 } }], forbidden: { L1: { NUT: ['FREE'] } } };
    expect(evaluate(p, { lines: { L1: ['A'] } }).violations).toHaveLength(1);
  });
});
