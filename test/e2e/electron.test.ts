/**
 * The desktop shell end to end: Playwright launches the real Electron with the built main bundle,
 * the console window opens, its title is 'Takt', the preload global is there, the window's sign-in
 * form creates the first administrator on a fresh data folder, and the page then shows a live plant
 * within 5 s (the core runs in the utilityProcess and talks over the MessagePort).
 *
 * Runs only where an Electron binary is installed. The binary is found from
 * node_modules/electron/path.txt without evaluating `require('electron')` (which, with no binary,
 * tries to download one).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectronApplication } from 'playwright-core';

const root = process.cwd();
const mainBundle = join(root, 'dist', 'electron', 'main.cjs');

/** The Electron executable if it is installed (and the app is built), else the reason it is not usable. */
function findElectron(): { executable: string } | { missing: string } {
  const pathTxt = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathTxt)) return { missing: 'node_modules/electron/path.txt is absent (binary never downloaded)' };
  const executable = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(executable)) return { missing: `${executable} is absent` };
  for (const f of [mainBundle, join(root, 'dist', 'preload', 'preload.cjs'), join(root, 'dist', 'core', 'utility-entry.mjs'), join(root, 'dist', 'renderer', 'index.html')]) {
    if (!existsSync(f)) return { missing: `${f} is absent (run npm run build)` };
  }
  return { executable };
}

const found = findElectron();
const available = 'executable' in found;

describe('Electron shell', () => {
  let app: ElectronApplication | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'takt-e2e-electron-'));
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const live = async () => {
    const { _electron } = await import('playwright-core');
    app = await _electron.launch({
      executablePath: (found as { executable: string }).executable,
      args: [mainBundle, `--data-dir=${dataDir}`, ...(process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: root,
      timeout: 30_000,
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.title()).toBe('Takt');
    expect(await page.evaluate(() => (window as unknown as { takt?: { shell?: string } }).takt?.shell)).toBe('electron');
    // A fresh data folder: the window's sign-in form creates the first administrator, and the window is then signed in as them.
    await page.getByTestId('desktop-signin').waitFor({ timeout: 10_000 });
    const person = page.getByTestId('desktop-signin-person');
    await page.waitForFunction(() => ((document.querySelector('[data-testid="desktop-signin-person"]') as HTMLSelectElement | null)?.options.length ?? 0) > 1);
    await person.selectOption({ index: 1 });
    await page.getByTestId('desktop-signin-username').fill('first-admin');
    await page.getByTestId('desktop-signin-password').fill('a long enough password');
    await page.getByRole('button', { name: /create administrator/i }).click();
    await page.getByTestId('signed-in-as').waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      () => {
        const d = (window as unknown as { __takt?: { connection: string; deltasApplied: number; lastAppliedPosition: number } }).__takt;
        return d !== undefined && d.connection === 'open' && (d.deltasApplied > 0 || d.lastAppliedPosition >= 0);
      },
      undefined,
      { timeout: 5_000 },
    );
    // The page cannot reach Node or raw IPC.
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
  };

  if (available) it('opens the console window, titled Takt, signs the first administrator in, with a live plant within 5 s', live);
  else it.skip(`Electron binary not available here: skipped (${found.missing})`, live);
});
