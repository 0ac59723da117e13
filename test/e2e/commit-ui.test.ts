/**
 * Commit, dispatch and track in the console, end to end: the real core in browser mode and the
 * built renderer in Chromium. A line-down is injected; a controller picks it in the workbench and
 * commits the best option; each required approval is given by a person of the right role (the
 * console switches person); the dispatched actions appear in the owner's inbox on a tablet-sized
 * window (1024×768, no sideways scroll, touch targets ≥ 44 px), where a dependent action's Start
 * is greyed with the reason; acknowledge → start → done moves the action, and a board open in a
 * second window follows live; the receipt re-runs from its journal position with the same
 * ranking; the audit view's hash-chain check is ok, and after an audit entry is altered in the
 * stored database (core stopped, row edited, core restarted) it names that entry as the first bad
 * record. axe-core finds no serious/critical violation.
 * Screenshots (test-results/screenshots/): workbench at 1920×1080, inbox at 1024×768 and 768×1024,
 * board and audit at 1920×1080.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { launchChromium, watchPage, SETUP_TIMEOUT_MS, signedInPage, VIEWER, handOver } from './browser';
import { repoRoot, startTestCore, type RunningCore } from './core';
import { signalMaker } from './signals';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { Plant } from '../../shared/plant/schema';
import type { ActionRecord, DecisionReceipt } from '../../shared/commit/records';

let core: RunningCore;
let browser: Browser;
let client: ProtocolClient & { close(): void };
let desk: Page;
let watch: { errors: string[] };
let plant: Plant;
const shots = join(repoRoot, 'test-results', 'screenshots');

beforeAll(async () => {
  // The data folder outlives a restart: the last test tampers with the stored audit chain.
  core = await startTestCore({ speed: 5, keepData: true });
  browser = await launchChromium();
  client = await core.connect();
  mkdirSync(shots, { recursive: true });
  desk = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
  watch = watchPage(desk);
  plant = await client.call('plant.get');
});

afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
  if (core?.dataDir) rmSync(core.dataDir, { recursive: true, force: true });
});

async function axe(p: Page, what: string) {
  const r = await new AxeBuilder({ page: p }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

const people = () => plant.crews.flatMap((c) => c.members);
function personWithRole(role: string): string {
  const p = people().find((m) => m.role === role);
  if (!p) throw new Error(`the demo plant has nobody with role ${role}`);
  return p.id;
}

/** The console is handed over to `id` (sign-out, their sign-in): the session is the person. */
async function actAs(page: Page, id: string) {
  await handOver(page, core, id);
}

describe('commit, dispatch and track in the console', () => {
  let exceptionId = '';
  let decision: DecisionReceipt;
  let actions: ActionRecord[] = [];
  let board: Page;

  it('commits an option of a line-down as a controller; the receipt shows', async () => {
    // Line-downs on lines with work queued until one has a feasible option that needs an approval
    // (so the approval step runs); else the best option of the last one.
    const sm = await signalMaker(client, 'e2e-commit-ui');
    const view = await client.call('twin.view');
    let optionId = '';
    for (const line of view.lines.filter((l) => l.queue.length > 0 && l.status !== 'down').slice(0, 5)) {
      const machine = view.machines.find((m) => m.lineId === line.id)!;
      await sm.sync();
      await sm.send([sm.make('machine.state', { machine: machine.id, state: 'down', reason: 'e2e: gearbox failure' })]);
      let id = '';
      await expect
        .poll(async () => (id = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id)?.id ?? ''), { timeout: 10_000 })
        .not.toBe('');
      const res = await client.call('decide.options', { exceptionId: id, horizonHours: 24 });
      exceptionId = id;
      optionId = (res.options.find((o) => o.feasible && !o.baseline && o.approvals.length > 0) ?? res.options.find((o) => o.rank === 1)!).id;
      if (res.options.find((o) => o.id === optionId)!.approvals.length > 0) break;
    }

    await desk.goto(`${core.url}#/decisions/${exceptionId}`);
    await desk.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    const row = desk.locator(`[data-testid="option-row"][data-id="${optionId}"]`);
    await row.waitFor({ timeout: 20_000 });
    if ((await row.getAttribute('class'))?.includes('selected') !== true) await row.locator('button.row-open').click();
    await desk.getByTestId('commit').waitFor();
    // An operator may not commit: Commit is not offered (greyed), and the console says why.
    await actAs(desk, personWithRole('operator'));
    await expect.poll(() => desk.getByTestId('commit').isDisabled(), { timeout: 10_000 }).toBe(true);
    await expect(desk.locator('.wb-commit').innerText()).resolves.toMatch(/operator: committing a decision needs a /i);
    expect(await desk.locator('[data-testid="receipt"]').count()).toBe(0);

    await actAs(desk, personWithRole('controller'));
    await desk.getByTestId('commit').click();
    const receipt = desk.locator('[data-testid="receipt"]').first();
    // Either the receipt or the core's refusal: a refusal fails here with its words.
    await desk.locator('[data-testid="receipt"], [data-testid="commit-error"]').first().waitFor({ timeout: 20_000 });
    if (await desk.getByTestId('commit-error').count()) await desk.screenshot({ path: join(shots, 'commit-error.png') });
    expect(await desk.getByTestId('commit-error').allInnerTexts()).toEqual([]);
    await expect(desk.getByTestId('commit-done').innerText()).resolves.toMatch(/Committed as/);
    const id = (await receipt.getAttribute('data-id'))!;
    decision = (await client.call('decisions.get', { id })).decision;
    expect(decision.exceptionId).toBe(exceptionId);
    expect(decision.committedBy).toBe(personWithRole('controller'));
    await expect(receipt.innerText()).resolves.toContain(`journal position ${decision.journalPosition}`);
  });

  it('each required approval is given by a person of its role, with a comment', async () => {
    const approvals = (await client.call('approvals.list', { decisionId: decision.id })).items;
    for (const a of approvals) {
      const row = desk.locator(`[data-testid="approval"][data-id="${a.id}"]`);
      await row.waitFor();
      // The committer (a controller) cannot approve for another role: greyed, with the reason.
      if (a.role !== 'controller') {
        await expect(row.getByTestId('approve').isDisabled()).resolves.toBe(true);
        await expect(row.innerText()).resolves.toMatch(new RegExp(`Needs a ${a.role}`));
      }
      await actAs(desk, personWithRole(a.role));
      await row.getByTestId('approval-comment').fill('e2e: checked the allergen matrix');
      await row.getByTestId('approve').click();
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    }
    await expect.poll(() => desk.getByTestId('decision-status').getAttribute('data-status'), { timeout: 15_000 }).toMatch(/dispatched|closed/);
    actions = (await client.call('actions.list', { decisionId: decision.id })).items;
    expect(actions.length).toBeGreaterThan(0);
    await expect.poll(() => desk.locator('[data-testid="receipt"] [data-testid="action-card"]').count(), { timeout: 10_000 }).toBe(actions.length);
    // Scroll the workbench pane itself (the shell must not move): receipt top, then its timeline.
    const scrollPaneTo = (sel: string, at: 'top' | 'bottom') =>
      desk.locator(sel).first().evaluate((el, at) => {
        const pane = el.closest('.wb-main')!;
        const r = el.getBoundingClientRect();
        const p = pane.getBoundingClientRect();
        pane.scrollTop += at === 'top' ? r.top - p.top : r.bottom - p.bottom;
      }, at);
    await scrollPaneTo('[data-testid="receipt"]', 'top');
    expect(await desk.evaluate(() => [document.documentElement.scrollTop, document.querySelector('.app-main')!.scrollTop])).toEqual([0, 0]);
    await desk.screenshot({ path: join(shots, 'commit-workbench-1920x1080.png') });
    await scrollPaneTo('[data-testid="decision-timeline"]', 'bottom');
    await desk.screenshot({ path: join(shots, 'commit-workbench-timeline-1920x1080.png') });
    await axe(desk, 'workbench with receipt');
  });

  it('the owner sees the actions in the inbox at 1024×768 and moves one through; the board follows live', async () => {
    board = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
    await board.goto(`${core.url}#/board`);
    await board.locator('[data-testid="board"][data-ready="true"]').waitFor({ timeout: SETUP_TIMEOUT_MS });

    // An action someone owns and that waits for nothing; and, where there is one, an action that depends on it.
    const first = actions.find((a) => a.ownerId && a.dependsOn.length === 0 && (a.status === 'assigned' || a.status === 'created'));
    expect(first, 'an owned action with no dependencies').toBeTruthy();
    const dependent = actions.find((a) => a.dependsOn.includes(first!.id) && a.ownerId === first!.ownerId);

    const tablet = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1024, height: 768 }, hasTouch: true }));
    const tabletWatch = watchPage(tablet);
    await tablet.goto(`${core.url}#/inbox`);
    await actAs(tablet, first!.ownerId);
    const card = tablet.locator(`[data-testid="action-card"][data-id="${first!.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    await expect(card.innerText()).resolves.toMatch(/due .*(in \d+|overdue \d+|due now)/);
    // Tablet: no sideways scroll, touch targets at least 44 px.
    expect(await tablet.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    for (const b of await card.locator('button').all()) expect((await b.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    if (dependent) {
      const dep = tablet.locator(`[data-testid="action-card"][data-id="${dependent.id}"]`);
      await dep.waitFor();
      await expect(dep.getByTestId('disabled-reason').innerText()).resolves.toMatch(new RegExp(`Waits for .*${first!.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|Acknowledge it first`));
    }
    await tablet.screenshot({ path: join(shots, 'commit-inbox-1024x768.png') });
    await axe(tablet, 'inbox');

    const boardCard = board.locator(`[data-testid="board-card"][data-id="${first!.id}"]`);
    await boardCard.waitFor({ timeout: 10_000 });
    // Keyboard (listed in the ? overlay): j moves focus onto a card; a acknowledges the focused card.
    await tablet.keyboard.press('j');
    await expect(tablet.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('action-card');
    await card.focus();
    await tablet.keyboard.press('a');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('acknowledged');
    await expect.poll(() => boardCard.getAttribute('data-status'), { timeout: 10_000 }).toBe('acknowledged');
    // The rest by touch.
    for (const [move, status] of [
      ['start', 'in-progress'],
      ['done', /^(done|verified)$/],
    ] as const) {
      await card.locator(`button[data-move="${move}"]`).tap();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toMatch(status);
      // The other window was not touched: the board moved the card by itself.
      await expect.poll(() => boardCard.getAttribute('data-status'), { timeout: 10_000 }).toMatch(status);
    }
    if (dependent) {
      // Its dependency is done now: the card says so live; Blocked asks for a reason, and the board follows.
      const dep = tablet.locator(`[data-testid="action-card"][data-id="${dependent.id}"]`);
      await expect.poll(() => dep.getByTestId('action-deps').innerText(), { timeout: 10_000 }).toMatch(/all done/);
      await dep.locator('button[data-move="block"]').tap();
      await expect(dep.getByTestId('reason-submit').isDisabled()).resolves.toBe(true);
      await dep.getByLabel(/Why is it blocked/).fill('e2e: label printer jammed');
      await dep.getByTestId('reason-submit').tap();
      await expect.poll(() => dep.getAttribute('data-status'), { timeout: 10_000 }).toBe('blocked');
      await expect(dep.innerText()).resolves.toContain('Blocked: e2e: label printer jammed');
      const depOnBoard = board.locator(`[data-testid="board-card"][data-id="${dependent.id}"]`);
      await expect.poll(() => depOnBoard.evaluate((el) => el.closest('td')?.getAttribute('data-col')), { timeout: 10_000 }).toBe('blocked');
      await expect((await client.call('actions.get', { id: dependent.id })).blockedReason).toBe('e2e: label printer jammed');
    }
    const rec = await client.call('actions.get', { id: first!.id });
    expect(rec.history.map((h) => h.to)).toEqual(expect.arrayContaining(['acknowledged', 'in-progress', 'done']));
    expect(rec.history.filter((h) => h.to !== 'verified' && h.to !== 'assigned' && h.to !== 'created').every((h) => h.by === first!.ownerId)).toBe(true);
    // Done column on the board.
    await expect(boardCard.evaluate((el) => el.closest('td')?.getAttribute('data-col'))).resolves.toMatch(/done|verified/);
    await board.screenshot({ path: join(shots, 'commit-board-1920x1080.png') });
    await axe(board, 'board');

    // Readiness-gated dispatch on the floor: a line whose next run waits for actions says so in the line table.
    const gates = (await client.call('dispatch.gates')).items.filter((g) => !g.ready);
    if (gates.length) {
      await board.goto(`${core.url}#/floor`);
      const badge = board.locator(`[data-testid="line-table"] tr[data-line="${gates[0]!.lineId}"] [data-testid="gate-badge"]`);
      await expect.poll(() => badge.innerText().catch(() => ''), { timeout: 10_000 }).toMatch(/^waiting: /);
      await badge.scrollIntoViewIfNeeded();
      await board.screenshot({ path: join(shots, 'commit-floor-gate-1920x1080.png') });
    }

    // Portrait tablet: still one readable column, no sideways scroll.
    await tablet.setViewportSize({ width: 768, height: 1024 });
    await tablet.waitForTimeout(300);
    expect(await tablet.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    await tablet.screenshot({ path: join(shots, 'commit-inbox-768x1024.png') });
    expect(tabletWatch.errors).toEqual([]);
    await tablet.close();
  });

  it('re-runs the decision from its journal position with the same ranking', async () => {
    await desk.getByTestId('replay').first().click();
    await expect.poll(() => desk.getByTestId('replay-result').first().getAttribute('data-same'), { timeout: 60_000 }).toBe('true');
    await expect(desk.getByTestId('replay-result').first().innerText()).resolves.toMatch(/Same ranking/);
  });

  it('the audit view shows the entries and the hash chains verify', async () => {
    await desk.goto(`${core.url}#/audit`);
    await desk.getByTestId('chain-result').waitFor({ timeout: SETUP_TIMEOUT_MS }).catch(async (e: Error) => {
      await desk.screenshot({ path: join(shots, 'commit-audit-failed.png') });
      throw new Error(`the audit view did not show: ${e.message}\n${watch.errors.join('\n')}`);
    });
    await expect.poll(() => desk.getByTestId('chain-result').getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    await expect(desk.getByTestId('chain-result').innerText()).resolves.toMatch(/Chains verify/);
    await expect.poll(() => desk.locator('[data-testid="audit-row"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const kinds = await desk.locator('[data-testid="audit-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds.some((k) => k?.startsWith('decision.'))).toBe(true);
    // `v` checks again (listed in the ? overlay).
    await desk.keyboard.press('v');
    await expect.poll(() => desk.getByTestId('chain-result').getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    await desk.keyboard.press('?');
    await expect(desk.getByRole('dialog').innerText()).resolves.toMatch(/Audit log: check the hash chains/);
    await desk.keyboard.press('Escape');
    await desk.screenshot({ path: join(shots, 'commit-audit-1920x1080.png') });
    await axe(desk, 'audit');
    expect(watch.errors).toEqual([]);
  });

  it('after an audit entry is altered in the stored database, the audit view names it as the first bad record', async () => {
    const entries = (await client.call('audit.list', { limit: 1000 })).items;
    const victim = entries.find((e) => e.kind === 'approval.approved') ?? entries[Math.floor(entries.length / 2)]!;
    client.close();
    await desk.close();
    const dataDir = core.dataDir;
    await core.close();
    const db = new Database(join(dataDir, 'store', 'takt.sqlite'));
    const row = db.prepare("SELECT coll, data FROM docs WHERE coll LIKE '%audit%' AND id = ?").get(victim.id) as { coll: string; data: string } | undefined;
    expect(row, `audit entry ${victim.id} in the stored database`).toBeTruthy();
    const doc = JSON.parse(row!.data) as { actor: string };
    doc.actor = 'intruder';
    db.prepare('UPDATE docs SET data = ? WHERE coll = ? AND id = ?').run(JSON.stringify(doc), row!.coll, victim.id);
    db.close();

    core = await startTestCore({ speed: 5, dataDir });
    const page = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
    await page.goto(`${core.url}#/audit`);
    await expect.poll(() => page.getByTestId('chain-result').getAttribute('data-ok'), { timeout: 20_000 }).toBe('false');
    await expect(page.getByTestId('chain-result').innerText()).resolves.toContain(`#${victim.seq} (${victim.id})`);
    const bad = page.locator('[data-testid="audit-row"].cm-bad');
    await expect(bad.innerText()).resolves.toMatch(/does not verify/);
    await expect(bad.innerText()).resolves.toContain('intruder');
    await page.screenshot({ path: join(shots, 'commit-audit-tampered-1920x1080.png') });
  });
});
