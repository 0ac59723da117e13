/**
 * Settings ▸ Rules ▸ Backtest end to end, against the real core in browser mode (embedded simulator
 * at ×600, so the journal holds plant hours after a few seconds) and the built renderer: a draft
 * with a lower changeover-overrun threshold is backtested over the last 8 hours on a worker thread, the
 * differences and KPI deltas are shown, and the record is in the audit log with both rule hashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
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
  page = await (signedInPage(browser, core, VIEWER, { viewport: { width: 1920, height: 1080 } }));
  watch = watchPage(page);
});

afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
});

describe('rules: backtest a draft in the console', () => {
  it('runs over a chosen period, shows the differences and KPI deltas, and audits the record', async () => {
    await page.goto(`${core.url}#/settings`);
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    const box = page.locator('[data-testid="rules-text"]');
    await page.waitForFunction(() => ((document.querySelector('[data-testid="rules-text"]') as HTMLTextAreaElement | null)?.value.length ?? 0) > 100, null, { timeout: SETUP_TIMEOUT_MS });
    const plant = await client.call('plant.get');
    const person = plant.crews[0]!.members[0]!.id;
    // The page is signed in as this person: the session is who acts.
    expect(person).toBe(VIEWER);
    const original = await box.inputValue();
    const draft = original.replace(/^version:.*$/m, 'version: "2026.12-backtest"').replace(/changeoverOverrunMinutes: \d+/, 'changeoverOverrunMinutes: 0').replace(/lateRiskMinutes: \d+/, 'lateRiskMinutes: 0');
    expect(draft).not.toBe(original);
    await box.fill(draft);
    await page.click('[data-testid="rules-backtest"]');
    await page.selectOption('[data-testid="backtest-period"]', '8h');
    await page.click('[data-testid="backtest-run"]');
    await page.locator('[data-testid="backtest-note"]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-testid="backtest-note"]').innerText()).toMatch(/Backtested .* difference/);
    expect(await page.locator('[data-testid="backtest-summary"]').innerText()).toMatch(/Draft 2026\.12-backtest: \d+ raised.*exceptions\.changeoverOverrunMinutes: 15 → 0/);
    await expect(page.locator('[data-testid="backtest-kpi"]').innerText()).resolves.toMatch(/lateness cost .* OEE .* pt/);
    const audit = await client.call('audit.list', {});
    const entry = audit.items.find((e) => e.kind === 'rules.backtested');
    const active = await client.call('rules.get');
    expect(entry?.payload).toMatchObject({ recordedHash: active.hash, candidateVersion: '2026.12-backtest' });
    expect(String((entry?.payload as { resultsHash?: string }).resultsHash)).toMatch(/^[0-9a-f]{16}$/);
    const r = await new AxeBuilder({ page }).include('[data-testid="backtest-panel"]').analyze();
    expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    expect(watch.errors).toEqual([]);
  });
});
