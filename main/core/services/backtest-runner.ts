/**
 * Runs a backtest off the core's event loop: a worker thread per run (./backtest-worker.ts) that
 * replays the journal and answers with the result. Progress comes back as it goes; an aborted
 * signal asks the worker to stop at its next detection pass (and ends the thread if it does not
 * answer within a few seconds).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BacktestCancelled, type BacktestProgress, type BacktestResult } from '../../../shared/decide/backtest';
import type { DataDirBacktest } from './backtest-data';
import type { BacktestReply, BacktestRequest } from './backtest-worker';

function startWorker(): Worker {
  for (const rel of ['./backtest-worker.mjs', './core/backtest-worker.mjs']) {
    const u = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(u))) return new Worker(u);
  }
  const entry = new URL('./backtest-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}

export function runBacktestInWorker(job: DataDirBacktest, opts: { signal?: AbortSignal; onProgress?: (p: BacktestProgress) => void } = {}): Promise<BacktestResult> {
  return new Promise((resolve, reject) => {
    const w = startWorker();
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | null = null;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      void w.terminate();
      f();
    };
    const onAbort = () => {
      w.postMessage({ op: 'cancel' } satisfies BacktestRequest);
      // A worker deep in one decision answers at its next pass; one that never does is ended.
      killTimer = setTimeout(() => done(() => reject(new BacktestCancelled(job.from ?? 0))), 5000);
    };
    w.on('message', (m: BacktestReply) => {
      if (m.op === 'progress') opts.onProgress?.(m.progress);
      else if (m.op === 'result') done(() => resolve(m.result));
      else if (m.op === 'cancelled') done(() => reject(new BacktestCancelled(job.from ?? 0)));
      else done(() => reject(new Error(m.message)));
    });
    w.on('error', (e) => done(() => reject(e)));
    w.on('exit', (code) => done(() => reject(new Error(`the backtest worker stopped (exit code ${code}) before it answered`))));
    if (opts.signal?.aborted) return done(() => reject(new BacktestCancelled(job.from ?? 0)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    w.postMessage({ op: 'run', job } satisfies BacktestRequest);
  });
}
