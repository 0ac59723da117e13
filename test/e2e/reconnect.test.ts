/**
 * The console survives its core going away: it says so in words, reconnects with backoff when the
 * core comes back on the same port and data folder, and goes live again. In its own file because
 * each core opens the business store (RxDB), and RxDB's open-source build caps open collections per
 * process: one core at a time per test file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { rmSync } from 'node:fs';
import { launchChromium, SETUP_TIMEOUT_MS, signedInPage, VIEWER } from './browser';
import { startTestCore, type RunningCore } from './core';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('console reconnect', () => {
  it('shows the lost connection, reconnects with backoff when the core comes back, and goes live again', async () => {
    const own = await startTestCore({ keepData: true });
    const page = await signedInPage(browser, own, VIEWER, { viewport: { width: 1280, height: 800 } });
    let second: RunningCore | null = null;
    try {
      await page.goto(own.url);
      await page.waitForFunction(() => (window.__takt?.lastAppliedPosition ?? -1) >= 0, null, { timeout: SETUP_TIMEOUT_MS });
      await own.close();
      // The header says so, in words (not only colour).
      await page.locator('[data-testid="connection"][data-status="reconnecting"]').waitFor({ timeout: 5_000 });
      await expect(page.locator('[data-testid="connection"]').innerText()).resolves.toMatch(/Reconnecting/);
      second = await startTestCore({ port: own.port, dataDir: own.dataDir });
      await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
      const p = await page.evaluate(() => window.__takt!.deltasApplied);
      await page.waitForFunction((n) => window.__takt!.deltasApplied > n, p, { timeout: 5_000 });
    } finally {
      await page.close();
      await second?.close();
      rmSync(own.dataDir, { recursive: true, force: true });
    }
  });

});
