/**
 * Runs the built CLI's `takt serve` as a child process (for tests that kill the core with SIGKILL
 * and start it again on the same data folder) and waits for the URL it announces. Every child
 * started here is killed by `killChildCores()` (call it in afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './core';

const children = new Set<ChildProcess>();

export interface ChildCore {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/ as printed by serve. */
  url: string;
  /** The WebSocket endpoint of that URL. */
  wsUrl: string;
}

/** `takt serve --port 0` plus `args`; rejects with its output when it exits or prints no URL in time. */
export function startChildCore(args: readonly string[], timeoutMs = 30_000): Promise<ChildCore> {
  const child = spawn(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`core did not start: ${out} ${err}`)), timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, wsUrl: `${m[1]!.replace('http', 'ws')}ws` });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`core exited with ${code}: ${err}`));
    });
  });
}

export function killChildCores(): void {
  for (const c of children) c.kill('SIGKILL');
}
