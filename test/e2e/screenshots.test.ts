/**
 * Screenshots of the Floor for people to look at (test-results/screenshots/, gitignored), at
 * 1920×1080 and 3840×2160, in a normal and a disturbed state (breakdown, QA hold, changeover,
 * starved machine injected with signals.ingest), plus the open drawer, the shortcut overlay, wall
 * mode and the smallest supported screen (1366×768). Also checks the canvas is not blank.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { distinctColours, launchChromium, SETUP_TIMEOUT_MS, signedInPage, VIEWER } from './browser';
import { repoRoot, startTestCore, type RunningCore } from './core';
import { keepReporting, signalMaker } from './signals';

const dir = join(repoRoot, 'test-results', 'screenshots');
let core: RunningCore;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  core = await startTestCore();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await core?.close();
});

async function open(size: { width: number; height: number }, query = ''): Promise<Page> {
  const page = await signedInPage(browser, core, VIEWER, { viewport: size });
  await page.goto(core.url + query);
  await page.waitForFunction(() => (window.__takt?.deltasApplied ?? 0) > 2 && (window.__takt?.frames ?? 0) > 2, null, { timeout: SETUP_TIMEOUT_MS });
  await page.waitForTimeout(700); // let the tokens' tweens settle for the picture
  return page;
}

describe('floor screenshots', () => {
  it('normal state at 1920×1080 and 3840×2160, drawer, shortcut overlay, wall mode, 1366×768', async () => {
    const page = await open({ width: 1920, height: 1080 });
    await page.screenshot({ path: join(dir, 'floor-normal-1920x1080.png') });
    expect(await distinctColours(page)).toBeGreaterThan(10);

    await page.keyboard.press('?');
    await page.getByRole('dialog').waitFor();
    await page.screenshot({ path: join(dir, 'shortcuts-1920x1080.png') });
    await page.keyboard.press('Escape');

    const first = page.locator('[data-testid="line-table"] tbody tr .row-open').first();
    await first.click();
    await page.getByTestId('drawer').waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(dir, 'floor-line-drawer-1920x1080.png') });
    await page.getByTestId('drill-bar').getByRole('button').filter({ hasNotText: /Plant|Area/ }).first().click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(dir, 'floor-machine-drawer-1920x1080.png') });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');

    await page.keyboard.press('w');
    await page.locator('.app.wall-mode').waitFor();
    await page.waitForTimeout(600);
    await page.screenshot({ path: join(dir, 'wall-normal-1920x1080.png') });
    await page.close();

    const big = await open({ width: 3840, height: 2160 });
    await big.screenshot({ path: join(dir, 'floor-normal-3840x2160.png') });
    await big.keyboard.press('w');
    await big.locator('.app.wall-mode').waitFor();
    await big.waitForTimeout(600);
    await big.screenshot({ path: join(dir, 'wall-normal-3840x2160.png') });
    await big.close();

    const small = await open({ width: 1366, height: 768 });
    await small.screenshot({ path: join(dir, 'floor-normal-1366x768.png') });
    await small.close();
  });

  it('disturbed state: breakdown, QA hold, changeover and starved machine at both sizes', async () => {
    const client = await core.connect();
    let reporting: ReturnType<typeof keepReporting> | undefined;
    try {
      const plant = await client.call('plant.get');
      const lines = plant.areas.flatMap((a) => a.lines);
      const sig = await signalMaker(client, 'screens');
      const disturb = () => [
        sig.make('machine.state', { machine: lines[0]!.machines[1]!.id, state: 'down', reason: 'seal jaw fault' }),
        sig.make('quality.hold', { holdId: 'QH-shot-1', line: lines[2]!.id, reason: 'metal detector reject rate' }),
        sig.make('machine.state', { machine: lines[4]!.machines[0]!.id, state: 'changeover', reason: 'format change' }),
        sig.make('machine.state', { machine: lines[6]!.machines[2]!.id, state: 'starved', reason: 'no cartons' }),
        sig.make('machine.state', { machine: lines[8]!.machines[1]!.id, state: 'down', reason: 'oven burner trip' }),
      ];
      await sig.send(disturb());
      // The simulator drives the same machines: the disturbance stays reported while we look at it.
      reporting = keepReporting(sig, () => disturb().filter((s) => (s as { type: string }).type === 'machine.state'), 500);
      for (const size of [
        { width: 1920, height: 1080 },
        { width: 3840, height: 2160 },
      ]) {
        const page = await open(size);
        await page.waitForFunction((id) => window.__takt!.sceneMachineState(id) === 'down', lines[0]!.machines[1]!.id, { timeout: 5_000 });
        await page.screenshot({ path: join(dir, `floor-disturbed-${size.width}x${size.height}.png`) });
        await page.keyboard.press('w');
        await page.locator('.app.wall-mode').waitFor();
        await page.waitForTimeout(600);
        await page.screenshot({ path: join(dir, `wall-disturbed-${size.width}x${size.height}.png`) });
        await page.close();
      }
    } finally {
      await reporting?.stop();
      client.close();
    }
  });
});
