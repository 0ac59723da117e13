/**
 * What a controller sees along the decision loop, in Chromium on a fresh data folder of the demo
 * plant: the plant opens calm (a few exceptions, no flood banner); a line-down's options show their
 * score (lower is better), its difference to doing nothing and its parts; after a commit, Commit is
 * off with the reason, the exception's row and panel show the decision with its status and its
 * actions' progress, linked both ways with the receipt; Verify is not offered to the person who did
 * the action; times read in plant time. Wall mode at 3840×2160 has no serious axe finding.
 * Screenshots: /tmp/ux-workbench.png, /tmp/ux-exception-panel.png, /tmp/ux-wall-3840.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchChromium, SETUP_TIMEOUT_MS, signedInPage, VIEWER, handOver } from './browser';
import { startTestCore, type RunningCore } from './core';
import { signalMaker } from './signals';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { Plant } from '../../shared/plant/schema';
import { plantTime } from '../../shared/clock/plant-time';

let core: RunningCore;
let browser: Browser;
let client: ProtocolClient & { close(): void };
let plant: Plant;
let page: Page;

beforeAll(async () => {
  core = await startTestCore({ speed: 5 });
  browser = await launchChromium();
  client = await core.connect();
  plant = await client.call('plant.get');
  page = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
}, 60_000);

afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
});

const people = () => plant.crews.flatMap((c) => c.members);
const withRole = (role: string, not: string[] = []) => people().find((m) => m.role === role && !not.includes(m.id))!.id;

/** The console is handed over to `id` (sign-out, their sign-in): the session is the person. */
async function actAs(id: string) {
  await handOver(page, core, id);
}

describe('the decision loop as a controller sees it', () => {
  let exceptionId = '';
  let decisionId = '';

  it('a fresh demo plant opens calm: a few meaningful exceptions and no flood banner', async () => {
    await page.goto(`${core.url}#/exceptions`);
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    // Past the first shift's clock-ins and a few detection passes.
    await page.waitForTimeout(3000);
    // Before the fix, a fresh start opened ten crew gaps and five late risks, and they stayed. A
    // crew gap or late risk can still open for a moment while the first clock-ins are applied on a
    // loaded machine (detection has no on-delay yet) and then return to normal by itself; what must
    // not happen is that the opening plan keeps more than one of them active.
    const activeNoise = async () => {
      const { items } = await client.call('exceptions.list');
      return items.filter((e) => (e.type === 'crew-gap' || e.type === 'late-risk') && e.state.startsWith('active'));
    };
    await expect
      .poll(async () => (await activeNoise()).length, { timeout: 30_000, message: 'crew gaps and late risks still active' })
      .toBeLessThanOrEqual(1);
    const { items, flood } = await client.call('exceptions.list');
    const active = items.filter((e) => e.state.startsWith('active'));
    expect(active.length, active.map((e) => `${e.type}: ${e.detail}`).join('\n')).toBeLessThanOrEqual(3);
    expect(flood.flooding).toBe(false);
    expect(await page.getByTestId('flood-banner').count()).toBe(0);
  });

  it('the workbench shows each option’s score, lower is better, its Δ to doing nothing and its parts, in plant time', async () => {
    const sm = await signalMaker(client, 'e2e-ux');
    const view = await client.call('twin.view');
    const line = [...view.lines].sort((a, b) => b.queue.length - a.queue.length)[0]!;
    const machine = view.machines.find((m) => m.lineId === line.id)!;
    await sm.sync();
    await sm.send([sm.make('machine.state', { machine: machine.id, state: 'down', reason: 'e2e: gearbox' })]);
    await expect
      .poll(async () => (exceptionId = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id)?.id ?? ''), { timeout: 15_000 })
      .not.toBe('');
    const ex = await client.call('exceptions.get', { id: exceptionId });
    // "down since HH:MM" is plant time (Europe/Berlin), not UTC.
    const since = /down since (\d\d:\d\d)/.exec(ex.detail)![1];
    const pt = plantTime(plant.site.timezone);
    expect([pt.clock(ex.raisedAt - 60_000), pt.clock(ex.raisedAt)]).toContain(since);
    expect(pt.zone).toBe('Europe/Berlin');
    expect(ex.detail).not.toMatch(/\d+\.\d{2,} min/); // minutes rounded

    await page.goto(`${core.url}#/decisions/${exceptionId}`);
    const table = page.getByTestId('options-table');
    await table.waitFor({ timeout: 30_000 });
    await expect(table.locator(':scope > thead').innerText()).resolves.toMatch(/Score[\s\S]*lower is better/);
    await expect(table.locator(':scope > thead').innerText()).resolves.toMatch(/Δ score[\s\S]*vs do nothing/);
    const first = page.locator('[data-testid="option-row"][data-rank="1"]');
    await expect(first.locator('[data-col="score"]').innerText()).resolves.toMatch(/^[\d,]+$/);
    const parts = page.getByTestId('score-parts');
    await parts.waitFor();
    await expect(parts.innerText()).resolves.toMatch(/lower is better[\s\S]*Lateness[\s\S]*Changeovers[\s\S]*Overtime[\s\S]*Premium freight/);
    // Why an option needs an approval, or why not.
    await expect(page.locator('[data-testid="approval-why"], [data-testid="no-approval-why"]').first().innerText()).resolves.toMatch(/because|no escalation rule applies/);
    // An operator is not offered Commit: greyed, with the reason.
    await actAs(withRole('operator'));
    await expect(page.getByTestId('commit').isDisabled()).resolves.toBe(true);
    await expect(page.locator('.wb-commit').innerText()).resolves.toMatch(/is a operator: committing a decision needs a /);
    await actAs(withRole('controller'));
    // A plan change (not "do nothing"), so actions are dispatched, some verified by a person.
    const change = page.locator('[data-testid="option-row"][data-feasible="true"]:not(:has(.wb-tag))').first();
    if (await change.count()) {
      if (!(await change.getAttribute('class'))?.includes('selected')) await change.locator('button.row-open').click();
      await page.getByTestId('score-parts').waitFor();
      await expect(page.getByTestId('score-parts').innerText()).resolves.toMatch(/vs do nothing/);
    }
    await page.screenshot({ path: '/tmp/ux-workbench.png' });
  });

  it('after a commit, Commit is off with the reason, and the exception shows its decision, linked both ways', async () => {
    await page.getByTestId('commit').click();
    await page.locator('[data-testid="receipt"]').first().waitFor({ timeout: 30_000 });
    decisionId = (await page.locator('[data-testid="receipt"]').first().getAttribute('data-id'))!;
    await expect.poll(() => page.getByTestId('commit').isDisabled(), { timeout: 10_000 }).toBe(true);
    await expect(page.locator('.wb-commit').innerText()).resolves.toMatch(new RegExp(`Already decided: .*${decisionId}`));
    // Approvals by people of their roles (not the committer), so the actions are dispatched.
    const committer = withRole('controller');
    for (const a of (await client.call('approvals.list', { decisionId })).items) await (await core.as(withRole(a.role, [committer]))).call('approvals.decide', { id: a.id, by: withRole(a.role, [committer]), verdict: 'approve', comment: 'e2e' });
    await expect.poll(async () => (await client.call('decisions.get', { id: decisionId })).decision.status, { timeout: 20_000 }).toBe('dispatched');

    // The receipt links back to the exception, whose row and panel show the decision and progress.
    await page.getByTestId('receipt-exception').first().click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/exceptions/${exceptionId}`);
    const row = page.locator(`[data-testid="exceptions-table"] tr[data-id="${exceptionId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.getByTestId('exception-decision').getAttribute('data-decision'), { timeout: 10_000 }).toBe(decisionId);
    await expect(row.getByTestId('exception-decision').innerText()).resolves.toMatch(/Dispatched[\s·]+\d+ of \d+ actions done/);
    const box = page.getByTestId('exception-decision-box');
    await expect(box.innerText()).resolves.toMatch(/Dispatched · \d+ of \d+ actions done/);
    // The Open column is not clipped at 1920 px.
    const open = row.locator('td.ex-open-col button');
    const vw = 1920;
    const r = (await open.boundingBox())!;
    expect(r.x + r.width).toBeLessThanOrEqual(vw);
    const wrap = (await page.locator('.ex-table-wrap').boundingBox())!;
    expect(r.x + r.width).toBeLessThanOrEqual(wrap.x + wrap.width);
    await page.screenshot({ path: '/tmp/ux-exception-panel.png' });
    // Who acknowledged is shown by name, as people read it, not by id.
    const acker = people().find((m) => m.id === withRole('controller'))!;
    await (await core.as(acker.id)).call('exceptions.acknowledge', { id: exceptionId, by: acker.id });
    await expect.poll(() => page.getByTestId('exception-acknowledged').innerText(), { timeout: 10_000 }).toContain(`Acknowledged by ${acker.name}`);
    await expect(page.getByTestId('exception-acknowledged').innerText()).resolves.not.toContain(acker.id);
    // …and the decision link goes to the workbench with the receipt.
    await box.getByTestId('exception-decision').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/decisions/${exceptionId}`);
    await page.locator(`[data-testid="receipt"][data-id="${decisionId}"]`).waitFor();
  });

  it('Verify is not offered to the person who did the action, and says why', async () => {
    const actions = (await client.call('actions.list', { decisionId })).items;
    const a = actions.find((x) => x.verification.by === 'person' && x.dependsOn.length === 0);
    expect(a, actions.map((x) => `${x.kind}:${x.verification.by}`).join(', ')).toBeTruthy();
    const doer = a!.ownerId || withRole(a!.role);
    for (const to of ['acknowledged', 'in-progress', 'done'] as const) await (await core.as(doer)).call('actions.transition', { id: a!.id, by: doer, to });
    await actAs(doer);
    await page.goto(`${core.url}#/inbox`);
    const card = page.locator(`[data-testid="action-card"][data-id="${a!.id}"]`);
    await card.waitFor({ timeout: 20_000 });
    const verify = card.getByRole('button', { name: 'Verify' });
    await expect(verify.isDisabled()).resolves.toBe(true);
    await expect(card.innerText()).resolves.toMatch(/You did this action; someone else verifies it/);
  });

  it('wall mode at 3840×2160 fills the wall and has no serious axe finding on the floor', { timeout: 180_000 }, async () => {
    const big = await (signedInPage(browser, core, VIEWER, { viewport: { width: 3840, height: 2160 } }));
    await big.goto(core.url);
    await big.waitForFunction(() => (window.__takt?.deltasApplied ?? 0) > 2 && (window.__takt?.frames ?? 0) > 2, null, { timeout: 90_000 });
    await big.keyboard.press('w');
    await big.locator('.app.wall-mode').waitFor();
    await big.waitForTimeout(800);
    await big.screenshot({ path: '/tmp/ux-wall-3840.png' });
    await big.getByTestId('wall-board').waitFor();
    const r = await new AxeBuilder({ page: big }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    await big.close();
  });
});
