/**
 * The "Decision quality" panel beside the KPIs, end to end against the real core in browser mode
 * (embedded simulator at ×600, so a 1-hour horizon passes in seconds) and the built renderer: empty
 * until a decision's horizon has passed, then the week's forecast error, regret and cycle time,
 * the same figures `decisions.reviewWeekly` gives, with the d3 trend drawn; and one decision's own
 * review, opened from the keyboard, with the numbers `decisions.review` gives, while a decision
 * whose horizon has not passed says until when its review waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchPage, SETUP_TIMEOUT_MS, signedInPage, VIEWER } from './browser';
import { startTestCore, type RunningCore } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';

let core: RunningCore;
let browser: Browser;
let client: ProtocolClient & { close(): void };
let page: Page;
let watch: { errors: string[] };

beforeAll(async () => {
  core = await startTestCore({ speed: 600 });
  browser = await launchChromium();
  client = await core.connect();
  page = await signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } });
  watch = watchPage(page);
});

afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timeline: decision quality panel', () => {
  it('says no decision has passed its horizon, then shows the reviewed week', { timeout: 180_000 }, async () => {
    await page.goto(`${core.url}#/timeline`);
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    await page.locator('[data-testid="decision-quality-empty"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    expect(await page.locator('[data-testid="decision-quality-empty"]').innerText()).toMatch(/No decision has passed its horizon yet\. .*judged once the period it forecast/);

    // Two lines go down; the controller commits a feasible option for each: one with a 1-hour
    // horizon, one with 24 hours (still pending while this test runs: 144 s at ×600).
    const view = await client.call('twin.view');
    const lines = view.lines.filter((l) => l.queue.length > 0 && l.status !== 'down').slice(0, 2);
    expect(lines).toHaveLength(2);
    const t = Math.round((await client.call('core.info')).clock.now) + 1;
    await client.call('signals.ingest', {
      signals: lines.map((line, i) => ({ id: `dq-${i + 1}`, source: 'e2e-dq', seq: i + 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: view.machines.find((m) => m.lineId === line.id)!.id, state: 'down', reason: 'e2e decision quality' })),
    });
    const exceptionFor = async (lineId: string) => {
      for (let i = 0; i < 200; i++) {
        const id = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === lineId)?.id;
        if (id) return id;
        await sleep(100);
      }
      throw new Error(`no line-down exception for ${lineId}`);
    };
    const plant = await client.call('plant.get');
    const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
    const as = await core.connect(controller.id);
    const commit = async (lineId: string, horizonHours: number) => {
      const exceptionId = await exceptionFor(lineId);
      const { options } = await as.call('decide.options', { exceptionId, horizonHours, replanMs: 0 });
      const chosen = options.find((o) => o.feasible && o.approvals.length === 0) ?? options.find((o) => o.feasible)!;
      return as.call('decisions.commit', { exceptionId, optionId: chosen.id, by: controller.id, horizonHours });
    };
    const c = await commit(lines[0]!.id, 1);
    const later = await commit(lines[1]!.id, 24);
    as.close();
    expect(c.decision.status).toBe('dispatched');
    expect(later.decision.status).toBe('dispatched');

    // Once the horizon has passed, the roll-up has the decision; the panel shows it after a reload.
    let weekly = await client.call('decisions.reviewWeekly');
    for (let i = 0; i < 300 && weekly.reviewed === 0; i++) {
      await sleep(250);
      weekly = await client.call('decisions.reviewWeekly');
    }
    expect(weekly.reviewed).toBe(1);
    const week = weekly.weeks.at(-1)!;
    await page.reload();
    const panel = page.locator('[data-testid="decision-quality"]');
    await panel.locator('[data-testid="dq-regret"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    expect(await panel.locator('[data-testid="dq-regret"]').innerText()).toBe(week.meanRegret.toFixed(1));
    expect(await panel.locator('[data-testid="dq-mae"]').innerText()).toBe(week.endMaeMinutes === null ? '—' : `${week.endMaeMinutes.toFixed(1)} min`);
    expect(await panel.locator('[data-testid="dq-cycle"]').innerText()).toBe(`${week.meanCycleMinutes!.toFixed(1)} min`);
    expect(await panel.locator('[data-testid="dq-weeks"] tbody tr').count()).toBe(weekly.weeks.length);
    // The d3 trend drew its axes and a point per series for the week.
    expect(await panel.locator('[data-testid="decision-quality-trend"] circle.series-regret').count()).toBe(weekly.weeks.length);
    expect(await panel.locator('[data-testid="decision-quality-empty"]').count()).toBe(0);

    // One decision's review, opened from the keyboard: the numbers are decisions.review's.
    const r = await client.call('decisions.review', { id: c.decision.id });
    const open = panel.getByRole('button', { name: `Review decision ${c.decision.id}: ${c.decision.exceptionTitle}` });
    await open.focus();
    await page.keyboard.press('Enter');
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const detail = page.getByRole('region', { name: `Review of decision ${c.decision.id}` });
    await detail.locator('[data-testid="review-regret"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    expect(await detail.locator('[data-testid="review-regret"]').innerText()).toBe(r.regret.toFixed(1));
    expect(await detail.locator('[data-testid="review-mae"]').innerText()).toBe(r.endMaeMinutes === null ? '—' : `${r.endMaeMinutes.toFixed(1)} min`);
    expect(await detail.locator('[data-testid="review-cycle"]').innerText()).toBe(r.cycleMinutes === null ? '—' : `${r.cycleMinutes.toFixed(1)} min`);
    expect(await detail.locator('[data-testid="review-best"]').innerText()).toContain(r.best.title);
    if (r.best.id !== c.decision.chosenOptionId) expect(await detail.locator('[data-testid="review-best"]').innerText()).toContain(r.best.cost.toFixed(1));
    const costRow = await detail.locator('[data-testid="review-kpis"] tr[data-kpi="cost"]').innerText();
    expect(costRow).toContain(r.forecastCost.toFixed(1));
    expect(costRow).toContain(r.hindsightCost.toFixed(1));
    expect(await detail.locator('[data-testid="review-kpis"] tr[data-kpi="orders"] td').allInnerTexts()).toEqual([String(r.endErrors.length + r.missedEnds.length), `${r.endErrors.length + r.unforeseenEnds.length} (journal)`]);
    // Each order's error, in the review's order.
    expect(await detail.locator('[data-testid="review-order-error"]').allInnerTexts()).toEqual(r.endErrors.map((e) => `${e.errorMinutes > 0 ? '+' : ''}${e.errorMinutes.toFixed(1)} min`));
    expect(await detail.locator('[data-testid="review-order-errors"] tbody tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-order')))).toEqual(r.endErrors.map((e) => e.orderId));
    // An option decision assumes nothing the hindsight cannot check.
    expect(r.hindsightGaps).toBeUndefined();
    expect(await detail.locator('[data-testid="review-gaps"]').count()).toBe(0);

    // The 24-hour decision's review waits for its horizon, and says until when.
    await panel.getByRole('button', { name: `Review decision ${later.decision.id}: ${later.decision.exceptionTitle}` }).press('Enter');
    const waiting = page.getByRole('region', { name: `Review of decision ${later.decision.id}` });
    await waiting.locator('[data-testid="decision-review-pending"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    expect(await waiting.locator('[data-testid="decision-review-pending"]').innerText()).toMatch(/^Pending until \S+ \d\d:\d\d: .*horizon of 24 h/);
    expect(await page.locator('[data-testid="decision-review"]').count()).toBe(1);
    await waiting.getByRole('button', { name: `Close the review of decision ${later.decision.id}` }).press('Enter');
    expect(await page.locator('[data-testid="decision-review"]').count()).toBe(0);
    expect(watch.errors).toEqual([]);
  });
});
