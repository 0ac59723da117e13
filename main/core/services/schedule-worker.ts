/**
 * The re-planner's worker thread: solves one problem at a time with the pure engine
 * (shared/schedule/replan.ts) on this thread's clock, posts the best objective as it improves
 * (at most every 100 ms) and stops when the main thread sets the shared cancel flag. Bundled by the
 * build to dist/core/schedule-worker.mjs; from source it is started with tsx registered (see
 * ./schedule-runner.ts).
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { ScheduleProblem, SchedulePlan, SolveProgress } from '../../../shared/schedule/model';
import type { SharedTool } from '../../../shared/schedule/from-plant';
import { solveReplan, type ReplanResult } from '../../../shared/schedule/replan';

export interface SolveRequest {
  op: 'solve';
  id: number;
  problem: ScheduleProblem;
  asIs: SchedulePlan;
  timeLimitMs: number;
  seed: number;
  maxMoved?: number;
  maxIterations?: number;
  sharedTools: SharedTool[];
  /** Int32Array view: non-zero = cancel. */
  cancel: SharedArrayBuffer;
}

export type WorkerReply = { op: 'progress'; id: number; progress: SolveProgress } | { op: 'result'; id: number; result: ReplanResult } | { op: 'error'; id: number; message: string };

const port = parentPort!;
port.on('message', (m: SolveRequest | { op: 'close' }) => {
  if (m.op === 'close') {
    port.close();
    return;
  }
  const flag = new Int32Array(m.cancel);
  let lastPost = -Infinity;
  try {
    const result = solveReplan(m.problem, m.asIs, {
      timeLimitMs: m.timeLimitMs,
      seed: m.seed,
      now: () => performance.now(),
      cancelled: () => Atomics.load(flag, 0) !== 0,
      sharedTools: m.sharedTools,
      ...(m.maxMoved !== undefined ? { maxMoved: m.maxMoved } : {}),
      ...(m.maxIterations !== undefined ? { maxIterations: m.maxIterations } : {}),
      onProgress: (progress) => {
        const t = performance.now();
        if (t - lastPost < 100) return;
        lastPost = t;
        port.postMessage({ op: 'progress', id: m.id, progress } satisfies WorkerReply);
      },
    });
    port.postMessage({ op: 'result', id: m.id, result } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ op: 'error', id: m.id, message: String((e as Error)?.stack ?? e) } satisfies WorkerReply);
  }
});
