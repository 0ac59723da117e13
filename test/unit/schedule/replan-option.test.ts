import { describe, expect, it } from 'vitest';
import { generateOptions, optionFork } from '../../../shared/decide/options';
import { problemFromPlant } from '../../../shared/schedule/from-plant';
import { evaluate } from '../../../shared/schedule/evaluate';
import { replanCandidate, solveReplan, toolConflicts } from '../../../shared/schedule/replan';
import { planToScenarioMoves, optimizedScenario } from '../../../shared/schedule/to-scenario';
import { applyScenario, runScenario, type Scenario } from '../../../shared/sim/scenario';
import { forkTwin } from '../../../shared/sim/forecast';
import { MIN, T0, lineDownView, plant, rules } from './replan-fixtures';

const exception = { type: 'line-down', id: 'ex-down', lineId: 'BS-L1', expectedRepairMinutes: 8 * 60 };
const counter = () => {
  let t = 0;
  return () => t++;
};

describe('the re-plan as an exception option', () => {
  const view = lineDownView();
  const base = optionFork({ plant, twinState: view, exception });
  const pp = problemFromPlant({ plant, rules, state: base });
  const res = solveReplan(pp.problem, pp.asIs, { timeLimitMs: 1e9, maxIterations: 400, seed: 1, now: counter(), sharedTools: pp.sharedTools });
  const cand = replanCandidate({ plant, pp, state: base, result: res });
  const options = generateOptions({ plant, rules, twinState: view, exception, extraCandidates: [cand] });
  const replan = options.find((o) => o.kind === 'replan')!;

  it('is offered under a stable id, feasible, and ranked by the same forecast as the others', () => {
    expect(replan.id).toBe('ex-down#replan');
    expect(replan.title).toMatch(/^Re-plan \(optimized\)/);
    expect(replan.violations).toEqual([]);
    expect(replan.feasible).toBe(true);
    const best = options.filter((o) => o.kind !== 'replan' && o.feasible).sort((a, b) => a.score! - b.score!)[0]!;
    // on this line down the search beats every hand-written candidate on the full forecast
    expect(replan.score!).toBeLessThan(best.score!);
    expect(replan.rank).toBe(1);
    expect(replan.delta!.cost).toBeLessThan(0);
  });

  it('keeps a shared tool (one square moulder roll for two cookie lines) to one line at a time', () => {
    const ev = evaluate(res.problem, res.plan);
    expect(pp.sharedTools.map((t) => t.toolId)).toContain('roll-square');
    expect(toolConflicts(ev, pp.sharedTools)).toEqual([]);
  });

  it('explains each moved order and the objective against the plan as is', () => {
    const d = replan.replan!;
    expect(d.moved.length).toBe(replan.affectedOrders.length);
    const fromDown = d.moved.filter((m) => m.fromLine === 'BS-L1' && m.toLine !== 'BS-L1');
    expect(fromDown.length).toBeGreaterThan(0);
    for (const m of fromDown) expect(m.reasons.some((r) => r.startsWith('line down: BS-L1 down until its expected repair'))).toBe(true);
    for (const m of d.moved) {
      expect(m.reasons.some((r) => r.startsWith('tier: '))).toBe(true);
      expect(m.reasons.some((r) => r.startsWith('due date: '))).toBe(true);
    }
    const total = d.objective.find((t) => t.term === 'total')!;
    expect(total.after).toBeCloseTo(evaluate(res.problem, res.plan).objective, 1);
    expect(total.before).toBeCloseTo(evaluate(pp.problem, pp.asIs).objective, 1);
    const parts = d.objective.filter((t) => t.term !== 'total');
    expect(parts.reduce((a, t) => a + t.costAfter, 0)).toBeCloseTo(total.after, 0);
    expect(replan.explanation[0]).toMatch(/^re-plan: \d+ orders on 10 lines/);
    expect(replan.explanation.some((l) => l.startsWith('forecast 24 h vs do nothing'))).toBe(true);
  });

  it('a limit on moved orders is respected', () => {
    const limited = solveReplan(pp.problem, pp.asIs, { timeLimitMs: 1e9, maxIterations: 200, seed: 1, now: counter(), sharedTools: pp.sharedTools, maxMoved: 3 });
    expect(limited.parts.moved).toBeLessThanOrEqual(3);
    const c = replanCandidate({ plant, pp, state: base, result: limited, maxMoved: 3 });
    expect(c.affected.length).toBeLessThanOrEqual(3);
  });

  it('is deterministic for a seed and an iteration budget', () => {
    const again = solveReplan(pp.problem, pp.asIs, { timeLimitMs: 1e9, maxIterations: 400, seed: 1, now: counter(), sharedTools: pp.sharedTools });
    expect(again.plan).toEqual(res.plan);
  });
});

describe('the re-plan as a what-if scenario', () => {
  it('the scenario’s disruptions in, an optimized scenario out that the forecast scores better', () => {
    const view = lineDownView();
    const base = forkTwin(plant, view);
    const scenario: Scenario = { takt: 'scenario', name: 'DD-L2 down 6 h', disruptions: [{ type: 'line-down', line: 'DD-L2', atHours: 0.5, hours: 6 }], moves: [] };
    const state = applyScenario(plant, base, scenario);
    const pp = problemFromPlant({ plant, rules, state });
    expect(pp.problem.lines.find((l) => l.id === 'DD-L2')!.blocked).toContainEqual({ from: 30, to: 390 });
    const res = solveReplan(pp.problem, pp.asIs, { timeLimitMs: 1e9, maxIterations: 300, seed: 1, now: counter(), sharedTools: pp.sharedTools });
    const moves = planToScenarioMoves(pp, res.plan, state);
    expect(moves.length).toBeGreaterThan(0);
    const opt = optimizedScenario(scenario, moves);
    expect(opt.name).toBe('DD-L2 down 6 h (optimized)');
    const costs = { tierWeights: { A: 3, B: 2, C: 1 }, costs: { latePenaltyPerHour: { A: 500, B: 150, C: 40 } } };
    const before = runScenario(plant, base, scenario, costs);
    const after = runScenario(plant, base, opt, costs);
    expect(after.kpis.cost).toBeLessThan(before.kpis.cost);
    // resequenced lines run in the order the re-plan gives
    for (const m of moves) {
      if (m.type !== 'resequence') continue;
      const rows = after.gantt.find((g) => g.lineId === m.line)!.rows.filter((r) => r.kind === 'run' && r.orderId);
      const ran = [...new Set(rows.map((r) => r.orderId as string))].filter((id) => m.orders.includes(id));
      expect(ran).toEqual(m.orders.filter((id) => ran.includes(id)));
    }
    expect(T0 + MIN).toBeGreaterThan(T0);
  });
});
