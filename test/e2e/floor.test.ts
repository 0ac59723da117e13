/**
 * The console end to end: the real core in browser mode, the built renderer in Debian's Chromium.
 * Proves the page connects over /ws, draws the Floor canvas and the line table, and shows live state
 * (the scene applies twin deltas and the table changes) within 5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { distinctColours, launchChromium, watchPage, SETUP_TIMEOUT_MS, signedInPage, VIEWER } from './browser';
import { startTestCore, type RunningCore } from './core';

let core: RunningCore;
let browser: Browser;

beforeAll(async () => {
  core = await startTestCore();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await core?.close();
});

/** Text of every table row, to tell whether anything in it changed. */
const tableText = (page: Page) => page.locator('[data-testid="line-table"] tbody').innerText();

describe('floor view against the real core', () => {
  it('connects, draws the floor and the table, and shows a live change within 5 s', async () => {
    const page = await signedInPage(browser, core, VIEWER, { viewport: { width: 1600, height: 900 } });
    const watch = watchPage(page);
    await page.goto(core.url);

    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    await page.locator('canvas.floor-canvas').waitFor({ state: 'visible', timeout: SETUP_TIMEOUT_MS });
    await page.locator('[data-testid="line-table"] tbody tr').first().waitFor({ timeout: SETUP_TIMEOUT_MS });
    const rows = await page.locator('[data-testid="line-table"] tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    // Every row states its status in words, not only by colour.
    const statuses = await page.locator('[data-testid="line-table"] tbody .status-word').allInnerTexts();
    expect(statuses).toHaveLength(rows);
    statuses.forEach((s) => expect(s).toMatch(/^(Running|Idle|Down|Changeover|Cleaning|Starved|Blocked|Held|Unknown)$/));
    await expect(page.locator('[data-testid="plant-name"]').innerText()).resolves.not.toBe('');

    // The canvas is really rendering frames.
    await page.waitForFunction(() => (window.__takt?.frames ?? 0) > 2, null, { timeout: SETUP_TIMEOUT_MS });

    // Live: within 5 s the scene applies a newer journal position AND the table text changes.
    const before = await page.evaluate(() => ({ pos: window.__takt!.lastAppliedPosition }));
    const tableBefore = await tableText(page);
    const t0 = Date.now();
    await page.waitForFunction((p) => window.__takt!.lastAppliedPosition > p, before.pos, { timeout: 5_000, polling: 50 });
    await expect.poll(() => tableText(page), { timeout: 5_000 - (Date.now() - t0), interval: 100 }).not.toBe(tableBefore);
    expect(Date.now() - t0).toBeLessThan(5_000);

    // lineStatus() agrees with the table.
    const first = page.locator('[data-testid="line-table"] tbody tr').first();
    const id = (await first.getAttribute('data-line'))!;
    const status = await page.evaluate((i) => window.__takt!.lineStatus(i), id);
    expect(['running', 'idle', 'down', 'changeover', 'cleaning', 'starved', 'blocked', 'held', 'unknown']).toContain(status);

    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("draws with pixi's 2D canvas renderer by default, with WebGL once chosen under Settings ▸ Display or on ?renderer=webgl", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await core.signIn(context, VIEWER);
    await core.signIn(context, VIEWER);
    for (const [query, want] of [['', 'canvas'], ['#/settings', 'webgl'], ['?renderer=canvas', 'canvas'], ['?renderer=webgl', 'webgl']] as const) {
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(core.url + query);
      if (query === '#/settings') {
        // The choice is kept per console (localStorage) and applies after the offered reload.
        await page.getByRole('radio', { name: /WebGL/ }).check();
        await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload now' }).click()]);
        await page.getByRole('radio', { name: /WebGL/ }).waitFor();
        await expect(page.getByRole('radio', { name: /WebGL/ }).isChecked()).resolves.toBe(true);
        await page.goto(core.url); // the Floor, in the same console (its localStorage)
      }
      await page.waitForFunction(() => (window.__takt?.frames ?? 0) > 2 && (window.__takt?.deltasApplied ?? 0) > 0, null, { timeout: SETUP_TIMEOUT_MS });
      expect(await page.evaluate(() => window.__takt!.renderer)).toBe(want);
      // Something is drawn: the floor's area shows many colours, not one background.
      expect(await distinctColours(page), `${want}: distinct colours on the floor`).toBeGreaterThan(20);
      expect(watch.errors).toEqual([]);
      await page.close();
    }
    await context.close();
  });

  it('sorts the table from the keyboard and exposes the sort to assistive tech', async () => {
    const page = await signedInPage(browser, core, VIEWER, { viewport: { width: 1600, height: 900 } });
    await page.goto(core.url);
    await page.locator('[data-testid="line-table"] tbody tr').first().waitFor({ timeout: SETUP_TIMEOUT_MS });
    const header = page.getByRole('columnheader', { name: /Good/ });
    await header.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect(header.getAttribute('aria-sort')).resolves.toBe('descending');
    // Values are live, so read the column in ONE page evaluation. Playwright's allInnerTexts() is two
    // (query the cells, then read their text): a re-sort in between pairs the old row order with new
    // values and reads as out of order although every rendered frame was sorted.
    const goods = () =>
      page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-testid="line-table"] tbody td[data-col="good"]')].map((e) => Number(e.innerText.replace(/,/g, ''))));
    const g = await goods();
    expect(g.length).toBeGreaterThan(1);
    expect([...g].sort((a, b) => b - a)).toEqual(g);
    await page.keyboard.press('Enter');
    await expect(header.getAttribute('aria-sort')).resolves.toBe('ascending');
    await expect(page.locator('[data-testid="abnormal-summary"]').getAttribute('aria-live')).resolves.toBe('polite');
    await page.close();
  });

  it('has no serious or critical axe violations on the Floor', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await core.signIn(context, VIEWER);
    await core.signIn(context, VIEWER);
    const page = await context.newPage();
    await page.goto(core.url);
    await page.waitForFunction(() => (window.__takt?.deltasApplied ?? 0) > 0, null, { timeout: SETUP_TIMEOUT_MS });
    const r = await new AxeBuilder({ page }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
    await context.close();
  });

  it('keyboard shortcuts: 1–6 switch views, ? shows the overlay, w toggles wall mode', async () => {
    const page = await signedInPage(browser, core, VIEWER, { viewport: { width: 1600, height: 900 } });
    await page.goto(core.url);
    await page.locator('canvas.floor-canvas').waitFor({ timeout: SETUP_TIMEOUT_MS });
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    const titles = ['Floor', 'Exceptions', 'What-if', 'Decisions & actions', 'Timeline', 'Settings & connectors'];
    for (let i = 6; i >= 1; i--) {
      await page.keyboard.press(String(i));
      await expect.poll(() => page.locator('h1').innerText(), { timeout: 3_000 }).toBe(titles[i - 1]);
    }
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.keyboard.press('w');
    await page.locator('.app.wall-mode').waitFor();
    await expect(page.locator('[data-testid="line-table"]').count()).resolves.toBe(0);
    await page.keyboard.press('w');
    await page.locator('[data-testid="line-table"]').waitFor();
    await page.close();
  });
});
