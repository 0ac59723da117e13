/**
 * The optimizing re-plan in the console, end to end: the real core in browser mode and the built
 * renderer in Chromium. A cookie line goes down; the decision workbench offers "Re-plan
 * (optimized)" among the options (searched on the core's worker thread), with its objective
 * against the plan as is and why each order moved; a controller commits it; its approvals are
 * given; the plan change reaches the twin (the lines' queues pinned in the re-plan's order), and
 * the receipt replays with the same ranking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchPage, SETUP_TIMEOUT_MS, signedInPage, VIEWER, handOver } from './browser';
import { startTestCore, type RunningCore } from './core';
import { signalMaker } from './signals';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { Plant } from '../../shared/plant/schema';
import type { RankedOption } from '../../shared/decide/options';

let core: RunningCore;
let browser: Browser;
let client: ProtocolClient & { close(): void };
let desk: Page;
let plant: Plant;

beforeAll(async () => {
  core = await startTestCore({ speed: 5 });
  browser = await launchChromium();
  client = await core.connect();
  desk = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
  watchPage(desk);
  plant = await client.call('plant.get');
});

afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
});

const personWithRole = (role: string) => plant.crews.flatMap((c) => c.members).find((m) => m.role === role)!.id;
/** The console is handed over to `id` (sign-out, their sign-in): the session is the person. */
async function actAs(page: Page, id: string) {
  await handOver(page, core, id);
}

describe('the optimized re-plan in the decision workbench', () => {
  it('is offered, explained, committed, approved and applied to the twin', async () => {
    const sm = await signalMaker(client, 'e2e-replan-ui');
    await sm.sync();
    await sm.send([sm.make('machine.state', { machine: 'BS-L1-OVN', state: 'down', reason: 'e2e: burner' })]);
    let exceptionId = '';
    await expect
      .poll(async () => (exceptionId = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === 'BS-L1')?.id ?? ''), { timeout: 15_000 })
      .not.toBe('');

    await desk.goto(`${core.url}#/decisions/${exceptionId}`);
    await desk.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    const row = desk.locator(`[data-testid="option-row"][data-id="${exceptionId}#replan"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect(row.innerText()).resolves.toMatch(/Re-plan \(optimized\)/);
    expect(await row.getAttribute('data-feasible')).toBe('true');
    if ((await row.getAttribute('class'))?.includes('selected') !== true) await row.locator('button.row-open').click();
    // explained: the objective against the plan as is, and why each order moved
    await desk.getByTestId('replan-detail').waitFor();
    await expect(desk.getByTestId('replan-objective').innerText()).resolves.toMatch(/Objective/);
    const moved = desk.locator('[data-testid="replan-moved"] > li');
    expect(await moved.count()).toBeGreaterThan(0);
    await expect(moved.first().innerText()).resolves.toMatch(/due date: /);

    await actAs(desk, personWithRole('controller'));
    await desk.getByTestId('commit').click();
    await desk.locator('[data-testid="receipt"], [data-testid="commit-error"]').first().waitFor({ timeout: 30_000 });
    expect(await desk.getByTestId('commit-error').allInnerTexts()).toEqual([]);
    const id = (await desk.locator('[data-testid="receipt"]').first().getAttribute('data-id'))!;
    let got = await client.call('decisions.get', { id });
    expect(got.decision.chosenOptionId).toBe(`${exceptionId}#replan`);
    const chosen = got.decision.chosen as unknown as RankedOption;
    expect(chosen.kind).toBe('replan');

    // The existing approvals, each by a person of its role (not the committer).
    for (const a of got.approvals) {
      const r = desk.locator(`[data-testid="approval"][data-id="${a.id}"]`);
      await r.waitFor();
      await actAs(desk, personWithRole(a.role) === got.decision.committedBy ? plant.crews.flatMap((c) => c.members).filter((m) => m.role === a.role)[1]!.id : personWithRole(a.role));
      await r.getByTestId('approval-comment').fill('e2e: re-plan checked');
      await r.getByTestId('approve').click();
      await expect.poll(() => r.getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    }
    await expect.poll(async () => (await client.call('decisions.get', { id })).decision.status, { timeout: 20_000 }).toMatch(/dispatched|closed/);
    got = await client.call('decisions.get', { id });
    expect(got.actions.length).toBeGreaterThan(0);

    // The twin runs the re-plan: each resequenced line's queue is pinned in its order.
    const reseq = chosen.moves.filter((m): m is Extract<typeof m, { kind: 'resequence' }> => m.kind === 'resequence');
    expect(reseq.length).toBeGreaterThan(0);
    await expect
      .poll(async () => {
        const v = await client.call('twin.view');
        return reseq.every((m) => {
          const pinned = v.lines.find((l) => l.id === m.lineId)?.pinned ?? [];
          const still = m.orderIds.filter((o) => pinned.includes(o));
          return still.length > 0 && still.every((o, i) => pinned.indexOf(o) >= (i === 0 ? 0 : pinned.indexOf(still[i - 1]!)));
        });
      }, { timeout: 15_000 })
      .toBe(true);
    const replay = await client.call('decisions.replay', { id });
    expect(replay.same, JSON.stringify(replay.differences)).toBe(true);
  });

  it('What-if ▸ Optimize: the next hours of the whole plant, at most N moved orders, as a scenario beside the plan; cancellable', async () => {
    const page = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
    watchPage(page);
    await page.goto(`${core.url}#/what-if`);
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    await page.getByTestId('optimize-panel').waitFor();
    await expect.poll(() => page.getByTestId('scenario-errors').innerText(), { timeout: 15_000 }).toMatch(/Valid: 0 disruptions, 0 moves/);
    await page.getByTestId('optimize-max-moved').fill('4');
    await page.getByTestId('optimize-run').click();
    await expect.poll(() => page.getByTestId('optimize-note').innerText().catch(() => ''), { timeout: 30_000 }).toMatch(/\(optimized\)”: \d+ orders? moved/);
    const note = await page.getByTestId('optimize-note').innerText();
    expect(Number(/: (\d+) orders? moved/.exec(note)![1])).toBeLessThanOrEqual(4);
    // compared with the scenario it came from, on the mini Gantts, and explained
    await page.getByTestId('kpi-table').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('mini-gantt').count()).toBe(2);
    await page.getByTestId('replan-detail').waitFor();

    // Over the protocol: the same, and a cancel stops a long search long before its deadline.
    const empty = { takt: 'scenario' as const, name: 'Plan as is', disruptions: [], moves: [] };
    const r = await client.call('whatIf.optimize', { scenario: empty, hours: 12, maxMoved: 4, timeLimitMs: 500 });
    expect(r.moved).toBeLessThanOrEqual(4);
    expect(r.results.map((x) => x.name)).toEqual(['Plan as is', 'Plan as is (optimized)']);
    // an optimized scenario commits like any saved scenario: checked, a receipt, approvals or dispatch
    if (r.moved > 0) {
      await (await core.as(personWithRole('planner'))).call('whatIf.save', { scenario: r.scenario, by: personWithRole('planner') });
      const c = await (await core.as(personWithRole('controller'))).call('decisions.commit', { kind: 'scenario', scenarioId: r.scenario.name, by: personWithRole('controller') });
      expect(c.decision.chosen.feasible, JSON.stringify(c.decision.chosen.violations)).toBe(true);
      expect(['pending-approval', 'dispatched']).toContain(c.decision.status);
    }
    const ac = new AbortController();
    const t0 = Date.now();
    const long = client.call('whatIf.optimize', { scenario: empty, timeLimitMs: 60_000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 500);
    await expect(long).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(10_000);
    // the worker takes the next search at once
    const again = await client.call('whatIf.optimize', { scenario: empty, hours: 6, timeLimitMs: 200 });
    expect(again.scenario.name).toBe('Plan as is (optimized)');
    await page.context().close();
  });
});
