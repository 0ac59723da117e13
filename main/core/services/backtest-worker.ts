/**
 * The backtest's worker thread: one backtest per worker (a backtest is long and rare; the thread
 * ends with it). It opens the data folder's journal read-only beside the core's writer, runs the
 * pure backtest (./backtest-data.ts), posts progress at most every 200 ms, and stops at the next
 * detection pass when the main thread posts `cancel`. Bundled by the build to
 * dist/core/backtest-worker.mjs; from source it is started with tsx registered (./backtest-runner.ts).
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { BacktestCancelled, type BacktestProgress, type BacktestResult } from '../../../shared/decide/backtest';
import { backtestDataDir, type DataDirBacktest } from './backtest-data';

export type BacktestRequest = { op: 'run'; job: DataDirBacktest } | { op: 'cancel' };
export type BacktestReply = { op: 'progress'; progress: BacktestProgress } | { op: 'result'; result: BacktestResult } | { op: 'cancelled'; message: string } | { op: 'error'; message: string };

const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: BacktestRequest) => {
  if (m.op === 'cancel') {
    controller.abort();
    return;
  }
  let lastPost = -Infinity;
  const post = (r: BacktestReply) => port.postMessage(r);
  backtestDataDir(m.job, {
    signal: controller.signal,
    // Lets the `cancel` message in between slices of detection passes.
    yieldNow: () => new Promise((r) => setImmediate(r)),
    onProgress: (progress) => {
      const t = performance.now();
      if (t - lastPost < 200 && progress.done < progress.total) return;
      lastPost = t;
      post({ op: 'progress', progress });
    },
  }).then(
    (result) => post({ op: 'result', result }),
    (e: Error) => post(e instanceof BacktestCancelled ? { op: 'cancelled', message: e.message } : { op: 'error', message: e.message }),
  );
});
