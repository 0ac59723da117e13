/**
 * Starts the real browser mode (core + static renderer + /ws) in this process on a free port with a
 * temporary data folder, for e2e tests. Needs `dist/renderer` (`npm run build`, or
 * `node scripts/build.mjs renderer`); builds the renderer once if it is missing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startBrowserMode } from '../../main/core/hosts/browser/browser-mode';

export const repoRoot = join(import.meta.dirname, '..', '..');

export function ensureRendererBuilt(): void {
  if (existsSync(join(repoRoot, 'dist', 'renderer', 'index.html'))) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), 'renderer'], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, TAKT_QUIET: '1' } });
}

export interface TestCoreOptions {
  speed?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Reuse a data folder (e.g. to restart the same plant); a temporary one otherwise. */
  dataDir?: string;
  /** Keep the data folder on close (default: remove it when this helper made it). */
  keepData?: boolean;
}

export interface RunningCore {
  url: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestCore(opts: TestCoreOptions = {}): Promise<RunningCore> {
  ensureRendererBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'takt-e2e-'));
  const bm = await startBrowserMode({ port: opts.port ?? 0, dataDir, speed: opts.speed ?? 120, quiet: true });
  const u = new URL(bm.url);
  return {
    url: bm.url,
    wsUrl: `ws://${u.host}/ws`,
    port: Number(u.port),
    dataDir,
    async close() {
      await bm.close();
      if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
