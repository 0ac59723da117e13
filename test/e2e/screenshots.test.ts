/**
 * Screenshots of the Floor at 1920×1080 for people to look at (test-results/screenshots/, gitignored):
 * the default Floor, the shortcut overlay and wall mode. Also checks the canvas is not blank.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, SETUP_TIMEOUT_MS } from './browser';
import { repoRoot, startTestCore, type RunningCore } from './core';

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

describe('floor screenshots at 1920×1080', () => {
  it('captures floor, shortcut overlay and wall mode', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(core.url);
    await page.waitForFunction(() => (window.__takt?.deltasApplied ?? 0) > 2, null, { timeout: SETUP_TIMEOUT_MS });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(dir, 'floor-1920x1080.png') });

    // Not blank: the canvas has more than a handful of distinct colours.
    // (Read back from a screenshot of the canvas: a WebGL canvas's buffer is cleared after compositing.)
    const png = (await page.locator('canvas.floor-canvas').screenshot()).toString('base64');
    const colours = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const o = new OffscreenCanvas(img.width, img.height);
      const g = o.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, o.width, o.height).data;
      const set = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 97) set.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return set.size;
    }, png);
    expect(colours).toBeGreaterThan(10);

    await page.keyboard.press('?');
    await page.getByRole('dialog').waitFor();
    await page.screenshot({ path: join(dir, 'shortcuts-1920x1080.png') });
    await page.keyboard.press('Escape');

    await page.keyboard.press('w');
    await page.locator('.app.wall-mode').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(dir, 'wall-1920x1080.png') });
    await page.close();
  });
});
