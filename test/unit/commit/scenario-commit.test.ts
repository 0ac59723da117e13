/**
 * shared/commit/scenario-commit.ts on the commit fixture plant's opening twin: when a saved
 * scenario can be committed (and why not, naming the move), and its evaluation as a decision —
 * the plan as is and the scenario ranked by the rule set's objective, the escalation rules'
 * approvals, the same numbers on a second run (what a replay relies on).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlantText } from '../../../shared/plant/parse';
import { parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import { createTwin } from '../../../shared/twin/twin';
import type { TwinView } from '../../../shared/twin/view';
import { scenarioSchema, type ScenarioInput } from '../../../shared/sim/scenario';
import { evaluateScenarioCommit, scenarioCommitProblems } from '../../../shared/commit/scenario-commit';

const root = join(import.meta.dirname, '..', '..', '..');
const plantR = parsePlantText(readFileSync(join(root, 'test/fixtures/commit/commit-plant.yaml'), 'utf8'), 'commit-plant.yaml');
if (!plantR.ok) throw new Error('commit plant fixture invalid');
const plant = plantR.plant;
const rulesR = parseRulesText(readFileSync(join(root, 'test/fixtures/commit/commit-rules.yaml'), 'utf8'), 'commit-rules.yaml', plant);
if (!rulesR.ok) throw new Error('commit rules fixture invalid');
const rules: LoadedRules = rulesR.loaded;
const T0 = Date.UTC(2026, 2, 2, 6, 0);
const view = (): TwinView => createTwin(plant, { startTime: T0 }).view();
const scenario = (over: Partial<ScenarioInput>) => scenarioSchema.parse({ takt: 'scenario', name: 'S', horizonHours: 12, seed: 3, ...over });

describe('scenarioCommitProblems', () => {
  it('accepts a scenario whose moves apply to the twin', () => {
    expect(scenarioCommitProblems(plant, view(), scenario({ moves: [{ type: 'move', order: 'O4', line: 'L1' }] }))).toEqual([]);
  });

  it('refuses a scenario with no moves, and names each move that no longer applies', () => {
    expect(scenarioCommitProblems(plant, view(), scenario({ disruptions: [{ type: 'line-down', line: 'L1', hours: 2 }] }))[0]?.message).toMatch(/has no moves/);
    const v = view();
    const o1 = v.orders.find((o) => o.id === 'O1')!;
    o1.state = 'complete';
    const problems = scenarioCommitProblems(
      plant,
      v,
      scenario({
        disruptions: [{ type: 'rush-order', id: 'R1', sku: 'Y-PLAIN-125', qty: 100, customer: 'big-retail', dueInHours: 4 }],
        moves: [
          { type: 'move', order: 'O1', line: 'L2' },
          { type: 'split', order: 'O5', line: 'L2', qty: 18_000 },
          { type: 'move', order: 'R1', line: 'L1' },
          { type: 'move', order: 'GHOST', line: 'L1' },
        ],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['moves.3.order', 'moves.0.order', 'moves.1.qty', 'moves.2.order']);
    expect(problems.find((p) => p.path === 'moves.0.order')?.message).toMatch(/'O1' is complete at journal position \d+: the scenario no longer applies/);
    expect(problems.find((p) => p.path === 'moves.1.qty')?.message).toMatch(/splitting 18000 off 'O5' leaves nothing: 18000 remain/);
    expect(problems.find((p) => p.path === 'moves.2.order')?.message).toMatch(/exists only in the scenario/);
    expect(problems.find((p) => p.path === 'moves.3.order')?.message).toMatch(/unknown order 'GHOST'/);
  });
});

describe('evaluateScenarioCommit', () => {
  const s = scenario({ disruptions: [{ type: 'line-down', line: 'L2', hours: 3 }], moves: [{ type: 'move', order: 'O4', line: 'L1' }] });

  it('ranks the plan as is and the scenario by the objective, with the approvals the rules ask for', () => {
    const ev = evaluateScenarioCommit({ plant, rules, view: view(), scenario: s, inbound: [] });
    expect(ev.options.map((o) => o.id).sort()).toEqual(['scenario:S#0', 'scenario:S#1']);
    expect(ev.options.map((o) => o.rank)).toEqual([1, 2]);
    expect((ev.options[0]!.score as number) <= (ev.options[1]!.score as number)).toBe(true);
    expect(ev.chosen).toMatchObject({ id: 'scenario:S#1', kind: 'reroute', feasible: true, moves: [{ kind: 'reroute', orderId: 'O4', toLine: 'L1' }], baseline: false });
    expect(ev.chosen.approvals.map((a) => [a.ruleId, a.approver, a.reason])).toContainEqual(['reroute-any', 'planner', 'reroutes O4 (tier C)']);
    expect(ev.comparison.scenarios).toEqual(['Plan as is', 'S']);
    const cost = ev.comparison.rows.find((r) => r.kpi === 'cost')!;
    expect(cost.values[1]).toBe(ev.chosen.score);
    expect(ev.chosen.delta!.cost).toBeCloseTo(cost.values[1]! - cost.values[0]!, 2);
    expect(ev.chosen.explanation[0]).toMatch(/^assumes: L2 down for 3 h/);
    expect([ev.horizonHours, ev.seed]).toEqual([12, 3]);
  });

  it('gives the same numbers for the same twin, rules and scenario (what a replay compares)', () => {
    const a = evaluateScenarioCommit({ plant, rules, view: view(), scenario: s, inbound: [] });
    const b = evaluateScenarioCommit({ plant, rules, view: view(), scenario: s, inbound: [] });
    expect(b.options.map((o) => [o.id, o.rank, o.score])).toEqual(a.options.map((o) => [o.id, o.rank, o.score]));
  });

  it('a move within a line asks no reroute approval', () => {
    const v = view();
    const line = v.lines.find((l) => l.queue.length > 1);
    if (!line) return expect.fail('the commit plant has a line with two queued orders at the start');
    const ev = evaluateScenarioCommit({ plant, rules, view: v, scenario: scenario({ moves: [{ type: 'sequence', order: line.queue[1]!.orderId, position: 0 }] }), inbound: [] });
    expect(ev.chosen.kind).toBe('pull-ahead');
    expect(ev.chosen.approvals.filter((a) => a.ruleId === 'reroute-any')).toEqual([]);
  });
});
