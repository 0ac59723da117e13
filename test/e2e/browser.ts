/**
 * Launches Debian's Chromium through playwright-core for e2e tests and benchmarks.
 * CHROMIUM_PATH overrides /usr/bin/chromium.
 *
 * Chromium as it runs on a PC without a GPU: page raster and compositing on its CPU paths, WebGL on
 * SwiftShader (`--use-angle=swiftshader-webgl`; `--enable-unsafe-swiftshader` keeps that fallback
 * allowed). `--use-angle=swiftshader` would instead make SwiftShader the GPU for everything, so
 * the compositor and every 2D canvas would run through an emulated GPU: a set-up no real seat has,
 * where the Floor's 2D canvas ran at 13 fps against 60 fps here (1600×900, demo plant).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--use-angle=swiftshader-webgl', '--enable-unsafe-swiftshader'];

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(p)) {
    throw new Error(
      `Chromium not found at ${p}. Install it with \`sudo apt-get install chromium\` (Debian/Ubuntu), ` +
        'or point CHROMIUM_PATH at a Chromium/Chrome binary (e.g. CHROMIUM_PATH=/usr/bin/google-chrome).',
    );
  }
  return p;
}

/** Launches Chromium and warms it with one WebGL page (its GPU process starts on the first one). */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage();
  await page.setContent('<canvas id=c></canvas><script>document.getElementById("c").getContext("webgl2")</script>');
  await page.close();
  return browser;
}

/** Generous limit for setup steps (page load, connecting) on a loaded CI machine; live checks keep their own. */
export const SETUP_TIMEOUT_MS = 30_000;

/** Collects page errors and console errors so a test can show them when it fails. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  return { errors };
}

/**
 * Distinct colours (sampled) in a screenshot of the Floor's canvas area, all its layers as shown: a
 * read-back from the screenshot, since a WebGL canvas's buffer is cleared after compositing.
 */
export async function distinctColours(page: Page): Promise<number> {
  const png = (await page.locator('canvas.floor-canvas').screenshot()).toString('base64');
  return page.evaluate(async (b64) => {
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
}

/** Who a viewing-only page signs in as when a test does not act as anyone (the demo plant's crew A lead). */
export const VIEWER = 'A-001';

/**
 * A page in its own context, signed in as `personId` (a session cookie from the core's `signIn`):
 * every console page of a test is signed in, as the person the test acts as.
 */
export async function signedInPage(
  browser: Browser,
  core: { signIn(context: BrowserContext, personId: string): Promise<void> },
  personId: string = VIEWER,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext(options);
  await core.signIn(context, personId);
  const page = await context.newPage();
  // Closing the page closes its context (each page here has its own).
  page.once('close', () => void context.close().catch(() => undefined));
  return page;
}

/**
 * Hands this console over to `personId`, as a shift hand-over does (the next person signs in, e.g.
 * in another tab): the context's session is replaced, the page comes back to the front, asks who
 * is signed in and renews its connection as them; what is on the page stays.
 */
export async function handOver(page: Page, core: { signIn(context: BrowserContext, personId: string): Promise<void> }, personId: string): Promise<void> {
  // The page knows who it was before (its first whoami answered), and the cookie is replaced in one
  // step: a page asking meanwhile without a cookie would be sent to the sign-in page.
  await page.locator('[data-testid="signed-in"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
  await core.signIn(page.context(), personId);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.locator(`[data-testid="signed-in-as"][data-person="${personId}"]`).waitFor({ timeout: SETUP_TIMEOUT_MS });
  await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
}
