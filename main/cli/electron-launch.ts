/**
 * Finds the Electron binary without evaluating `electron` in this process: its package fetches
 * the binary lazily on first require and throws when it cannot, so the probe runs in a child.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type ElectronProbe = { ok: true; binary: string } | { ok: false; reason: string };

export function probeElectron(cwd: string, timeoutMs = 180_000): ElectronProbe {
  if (!existsSync(`${cwd}/node_modules/electron/package.json`)) return { ok: false, reason: 'the electron package is not installed' };
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], { cwd, timeout: timeoutMs, encoding: 'utf8' });
  if (r.error) return { ok: false, reason: r.error.message };
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').filter((l) => /Error|failed/i.test(l)).pop() ?? `exit code ${r.status}`;
    return { ok: false, reason: last.replace(/^.*Error:\s*/, '').slice(0, 200) };
  }
  const binary = r.stdout.trim();
  if (!binary || !existsSync(binary)) return { ok: false, reason: `electron reported a binary that does not exist: ${binary}` };
  return { ok: true, binary };
}

export function launchElectron(binary: string, mainFile: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(binary, [mainFile, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 0));
    child.on('error', () => resolve(1));
  });
}
