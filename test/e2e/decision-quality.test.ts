/**
 * The "Decision quality" panel beside the KPIs, end to end against the real core in browser mode
 * (embedded simulator at ×600, so a 1-hour horizon passes in seconds) and the built renderer: empty
 * until a decision's horizon has passed, then the week's forecast error, regret and cycle time,
 * the same figures `decisions.reviewWeekly` gives, with the d3 trend drawn.
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

    // A line goes down; the controller commits a feasible option with a 1-hour horizon.
    const view = await client.call('twin.view');
    const line = view.lines.find((l) => l.queue.length > 0 && l.status !== 'down')!;
    const machine = view.machines.find((m) => m.lineId === line.id)!;
    const t = Math.round((await client.call('core.info')).clock.now) + 1;
    await client.call('signals.ingest', { signals: [{ id: 'dq-1', source: 'e2e-dq', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: machine.id, state: 'down', reason: 'e2e decision quality' }] });
    let exceptionId = '';
    for (let i = 0; i < 200 && !exceptionId; i++) {
      await sleep(100);
      exceptionId = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id)?.id ?? '';
    }
    expect(exceptionId).not.toBe('');
    const plant = await client.call('plant.get');
    const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
    const as = await core.connect(controller.id);
    const { options } = await as.call('decide.options', { exceptionId, horizonHours: 1, replanMs: 0 });
    const chosen = options.find((o) => o.feasible && o.approvals.length === 0) ?? options.find((o) => o.feasible)!;
    const c = await as.call('decisions.commit', { exceptionId, optionId: chosen.id, by: controller.id, horizonHours: 1 });
    as.close();
    expect(c.decision.status).toBe('dispatched');

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
    expect(watch.errors).toEqual([]);
  });
});
