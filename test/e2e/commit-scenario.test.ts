/**
 * Committing a saved what-if scenario as a decision, over the protocol (commit-flow style, the
 * commit fixture plant, no simulator): a planner saves a scenario that moves an order to another
 * line (assuming the other line goes down); a controller commits it by name → a receipt with the
 * journal position, rule set and plant version, the scenario as committed and its KPIs against
 * the plan as is as the options considered; the approvals the escalation rules ask for (a reroute
 * needs the planner) → approved → the move is journaled and the twin's order moves, actions and
 * outbox messages follow like for an option. `decisions.replay` re-simulates the scenario from the
 * receipt's journal position with its stored rule set and gets the same ranking. Refusals name
 * what is wrong: an unknown scenario, one with no moves, one that moves an order that exists only
 * in the scenario, a second commit while the first waits for approval, a role that may not
 * commit. And `audit.list` pages newest first when asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { ScenarioInput } from '../../shared/sim/scenario';
import { failure, until } from '../helpers/until';

const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
const dataDir = mkdtempSync(join(tmpdir(), 'takt-commit-scenario-'));
let bm: BrowserMode;
let sign: SignedIn;
let client: ProtocolClient & { close(): void };

beforeAll(async () => {
  ensureRendererBuilt();
  bm = await startBrowserMode({ port: 0, dataDir, plantFile, rulesFile, simulator: false, speed: 60, quiet: true, auth: TEST_AUTH });
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
}, 60_000);

afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await bm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const scenario = (name: string, over: Partial<ScenarioInput> = {}): ScenarioInput => ({ takt: 'scenario', name, horizonHours: 24, seed: 1, disruptions: [], moves: [], ...over });
const save = async (s: ScenarioInput) => (await sign.as('a-planner')).call('whatIf.save', { scenario: s as never, by: 'a-planner' });

describe('committing a what-if scenario', () => {
  it('commits a saved scenario: receipt, approvals, dispatch, write-back, replay', { timeout: 120_000 }, async () => {
    const before = await client.call('twin.view');
    const o4 = before.orders.find((o) => o.id === 'O4')!;
    expect(o4.lineId).toBe('L2');
    await save(scenario('O4 to L1', { description: 'L2 goes down for a CIP fault', disruptions: [{ type: 'line-down', line: 'L2', atHours: 0, hours: 3 }], moves: [{ type: 'move', order: 'O4', line: 'L1' }] }));

    // Refusals first (none of them may leave a record).
    const noScenario = await failure((await sign.as('a-controller')).call('decisions.commit', { kind: 'scenario', scenarioId: 'nope', by: 'a-controller' }));
    expect(noScenario.code).toBe('not_found');
    expect(noScenario.message).toMatch(/no saved scenario named 'nope'.*'O4 to L1'/);
    const byOperator = await failure((await sign.as('a-operator')).call('decisions.commit', { kind: 'scenario', scenarioId: 'O4 to L1', by: 'a-operator' }));
    expect(byOperator.code).toBe('forbidden');
    expect(byOperator.message).toMatch(/\(operator\) may not commit\.scenario: needs a /);
    await save(scenario('only assumptions', { disruptions: [{ type: 'line-down', line: 'L1', atHours: 1, hours: 2 }] }));
    const noMoves = await failure((await sign.as('a-controller')).call('decisions.commit', { kind: 'scenario', scenarioId: 'only assumptions', by: 'a-controller' }));
    expect(noMoves.code).toBe('bad_params');
    expect(noMoves.message).toMatch(/has no moves/);
    await save(scenario('rush to L1', { disruptions: [{ type: 'rush-order', id: 'RUSH-9', sku: 'Y-PLAIN-125', qty: 1000, customer: 'big-retail', dueInHours: 6 }], moves: [{ type: 'move', order: 'RUSH-9', line: 'L1' }] }));
    const rush = await failure((await sign.as('a-controller')).call('decisions.commit', { kind: 'scenario', scenarioId: 'rush to L1', by: 'a-controller' }));
    expect(rush.code).toBe('conflict');
    expect(rush.message).toMatch(/moves\.0\.order: order 'RUSH-9' exists only in the scenario/);
    const badShape = await failure((await sign.as('a-controller')).call('decisions.commit', { kind: 'scenario', optionId: 'x', by: 'a-controller' } as never));
    expect(badShape.code).toBe('bad_params');
    expect(badShape.message).toMatch(/params\.scenarioId/);
    expect((await client.call('decisions.list')).items).toEqual([]);

    const committed = await (await sign.as('a-controller')).call('decisions.commit', { kind: 'scenario', scenarioId: 'O4 to L1', by: 'a-controller', comment: 'as the planner proposed' });
    const d = committed.decision;
    expect(d).toMatchObject({ status: 'pending-approval', committedBy: 'a-controller', committedRole: 'controller', exceptionId: '', ruleSetVersion: 'commit-test-1', plantVersion: 'test-site@1', lineId: 'L1', comment: 'as the planner proposed' });
    // The position the scenario was evaluated at (the twin may have taken a signal since).
    expect(d.journalPosition).toBeGreaterThan(0);
    expect(d.journalPosition).toBeLessThanOrEqual((await client.call('twin.view')).position);
    const sc = d.replayInput?.scenario;
    if (!sc) throw new Error('the receipt has no scenario');
    expect(sc).toMatchObject({ name: 'O4 to L1', savedBy: 'a-planner', scenario: { moves: [{ type: 'move', order: 'O4', line: 'L1' }] } });
    expect(sc.savedAtPosition).toBeLessThanOrEqual(d.journalPosition);
    expect(sc.storeId).toMatch(/^whatif-[0-9a-f]{40}$/);
    // The options considered: the plan as is (same assumption) and the scenario, ranked by the objective.
    expect(d.options.map((o) => o.id).sort()).toEqual(['scenario:O4 to L1#0', 'scenario:O4 to L1#1']);
    expect(d.options.map((o) => o.rank)).toEqual([1, 2]);
    expect(d.options.every((o) => o.score !== null)).toBe(true);
    expect(d.chosenOptionId).toBe('scenario:O4 to L1#1');
    expect(d.chosen.moves).toEqual([{ kind: 'reroute', orderId: 'O4', toLine: 'L1' }]);
    expect(d.chosen.explanation.some((l) => l.startsWith('assumes: L2 down for 3 h'))).toBe(true);
    const cost = sc.comparison.rows.find((r) => r.kpi === 'cost')!;
    expect(sc.comparison.scenarios).toEqual(['Plan as is', 'O4 to L1']);
    expect(cost.values[1]).toBe(d.options.find((o) => o.id === d.chosenOptionId)!.score);
    expect(cost.deltas[1]).toBeCloseTo(cost.values[1]! - cost.values[0]!, 2);
    // The same escalation rules as for an option: moving an order to another line needs the planner.
    expect(committed.approvals.map((a) => a.role)).toContain('planner');
    expect(committed.approvals.find((a) => a.role === 'planner')!.reason).toBe('reroutes O4 (tier C)');
    expect(committed.actions).toEqual([]);
    const again = await failure((await sign.as('b-controller')).call('decisions.commit', { kind: 'scenario', scenarioId: 'O4 to L1', by: 'b-controller' }));
    expect(again.code).toBe('conflict');
    expect(again.message).toMatch(/already has decision dec-/);

    // Approvals as for any decision; the last one dispatches.
    let last = null as Awaited<ReturnType<typeof client.call<'approvals.decide'>>> | null;
    for (const a of committed.approvals) {
      const by = (await client.call('plant.get')).crews.flatMap((c) => c.members).find((m) => m.role === a.role)!.id;
      last = await (await sign.as(by)).call('approvals.decide', { id: a.id, by, verdict: 'approve', comment: 'fine' });
    }
    expect(last!.decision.status).toBe('dispatched');
    await until('O4 on L1 in the twin', async () => (await client.call('twin.view')).orders.find((o) => o.id === 'O4' && o.lineId === 'L1'));
    const detail = await client.call('decisions.get', { id: d.id });
    expect(detail.actions.length).toBeGreaterThan(0);
    expect(detail.actions.some((a) => a.orderId === 'O4' && a.lineId === 'L1')).toBe(true);
    expect(detail.outbox.map((m) => m.kind).sort()).toEqual(['dispatch-list.update', 'dispatch-list.update', 'production-order.line']);
    expect(detail.audit.map((e) => e.kind)).toEqual(expect.arrayContaining(['decision.committed', 'approval.requested', 'approval.approved', 'decision.dispatched']));
    await until('the write-back acknowledged', async () => (await client.call('outbox.list', { decisionId: d.id })).items.every((m) => m.status === 'acked'));

    // The twin has moved on since (the plan change itself was journaled): the replay starts from the receipt's position.
    expect((await client.call('twin.view')).position).toBeGreaterThan(d.journalPosition);
    const replay = await client.call('decisions.replay', { id: d.id });
    expect(replay.differences).toEqual([]);
    expect(replay.same).toBe(true);
    expect(replay.replayed).toEqual(replay.recorded);

    const check = await client.call('audit.verify');
    expect(check.ok).toBe(true);
  });

  it('pages the audit log newest first when asked', async () => {
    const asc = await client.call('audit.list', { limit: 1000 });
    expect(asc.total).toBeGreaterThan(3);
    const desc = await client.call('audit.list', { limit: 3, order: 'desc' });
    expect(desc.total).toBe(asc.total);
    expect(desc.items.map((e) => e.seq)).toEqual([asc.total - 1, asc.total - 2, asc.total - 3]);
    const next = await client.call('audit.list', { limit: 2, offset: 3, order: 'desc' });
    expect(next.items.map((e) => e.seq)).toEqual([asc.total - 4, asc.total - 5]);
    expect((await failure(client.call('audit.list', { order: 'newest' } as never))).message).toMatch(/params\.order/);
  });
});
