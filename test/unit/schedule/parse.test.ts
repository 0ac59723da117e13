import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/schedule/evaluate';
import { parseScheduleProblemText } from '../../../shared/schedule/parse';
import { solve } from '../../../shared/schedule/solve';
import { bruteForce } from './brute';

// L1 is fast for both orders, but the line's frozen tail (an order beyond the horizon, fixed after
// the plan) is due soon after L1's first run: loading L1 with both orders makes the tail late.
const file = {
  takt: 'schedule-problem',
  name: 'tail',
  lines: [{ id: 'L1', tail: [{ id: 'T1', family: 'F2', minutes: 10, due: 65, weight: 10 }] }, { id: 'L2' }],
  orders: [
    { id: 'A', family: 'F1', due: 1000, weight: 1, minutes: { L1: 50, L2: 55 } },
    { id: 'B', family: 'F1', due: 60, weight: 1, minutes: { L1: 40, L2: 100 } },
  ],
  changeovers: { L1: { F1: { F2: 5 } } },
};

describe('schedule problem file: a line\'s frozen tail', () => {
  it('parses, is costed after the plan and is never planned', () => {
    const r = parseScheduleProblemText(JSON.stringify(file), 'tail.json');
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    expect(r.problem.lines[0]!.tail).toEqual(file.lines[0]!.tail);

    const res = solve(r.problem, { timeLimitMs: 1e9, maxIterations: 50, seed: 3, now: () => 0 });
    // B on L1 (ends 40), then the tail's changeover and run end at 55, on time; A goes to L2.
    expect(res.plan.lines).toEqual({ L1: ['B'], L2: ['A'] });
    expect(res.objective).toBe(0);
    expect(res.objective).toBe(bruteForce(r.problem)!.objective);
    // The tail's orders are no runs of the plan, and A after B on L1 would make the tail 40 min late (ends 105).
    expect(Object.values(res.plan.lines).flat()).not.toContain('T1');
    expect(evaluate(r.problem, { lines: { L1: ['B', 'A'], L2: [] } }).objective).toBe(10 * 40);
    // Without the tail A would as well run on L1: the tail is what moves it.
    const noTail = solve({ ...r.problem, lines: [{ id: 'L1' }, { id: 'L2' }] }, { timeLimitMs: 1e9, maxIterations: 50, seed: 3, now: () => 0 });
    expect(noTail.objective).toBe(0);
  });

  it('reads a tail from YAML too', () => {
    const yaml = ['lines:', '  - id: L1', '    tail:', '      - {id: T1, family: F2, minutes: 10, due: 65, weight: 10, release: 30}', 'orders:', '  - {id: A, family: F1, due: 100, weight: 1, minutes: {L1: 50}}'].join('\n');
    const r = parseScheduleProblemText(yaml, 'tail.yaml');
    expect(r.ok && r.problem.lines[0]!.tail).toEqual([{ id: 'T1', family: 'F2', minutes: 10, due: 65, weight: 10, release: 30 }]);
  });

  it('names the path of a bad tail run', () => {
    const bad = { ...file, lines: [{ id: 'L1', tail: [{ id: 'T1', family: 'F2', minutes: -1, due: 65, weight: 10 }] }, { id: 'L2', tail: [{ id: 'A', family: 'F1', minutes: 1, due: 1, weight: 1 }] }] };
    const r = parseScheduleProblemText(JSON.stringify(bad), 'bad.json');
    expect(r.ok).toBe(false);
    const messages = r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages.join('\n')).toMatch(/lines\[0\]\.tail\[0\]\.minutes: .*at least 0/);
    const unknown = parseScheduleProblemText(JSON.stringify({ ...file, lines: [{ id: 'L1', tail: [{ id: 'T1', family: 'F2', minutes: 1, due: 1, weight: 1, colour: 'red' }] }] }), 'bad.json');
    expect(unknown.ok).toBe(false);
    const dup = parseScheduleProblemText(JSON.stringify({ ...file, lines: [{ id: 'L1' }, { id: 'L2', tail: [{ id: 'A', family: 'F1', minutes: 1, due: 1, weight: 1 }] }] }), 'dup.json');
    expect(dup.ok ? [] : dup.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(/lines\[1\]\.tail\[0\]\.id: tail run 'A' of line L2 is also in orders/);
  });
});
