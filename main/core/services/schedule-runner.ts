/**
 * Runs the re-planner off the core's event loop: one worker thread (./schedule-worker.ts), started
 * on first use and kept for the next solve (starting one costs more than a short solve), one solve
 * at a time in call order. A solve has a deadline (the engine is anytime: it answers with the best
 * plan found), reports progress, and is cancelled through a shared flag the engine checks between
 * iterations, so a cancel stops it within one iteration rather than at the deadline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScheduleProblem, SchedulePlan, SolveProgress } from '../../../shared/schedule/model';
import type { SharedTool } from '../../../shared/schedule/from-plant';
import type { ReplanResult } from '../../../shared/schedule/replan';
import type { SolveRequest, WorkerReply } from './schedule-worker';

export class ScheduleCancelled extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('the re-plan was cancelled');
  }
}

export interface RunnerSolveOptions {
  timeLimitMs: number;
  seed?: number;
  maxMoved?: number;
  maxIterations?: number;
  sharedTools?: SharedTool[];
  signal?: AbortSignal;
  onProgress?: (p: SolveProgress) => void;
}

export interface ScheduleRunner {
  solve(problem: ScheduleProblem, asIs: SchedulePlan, opts: RunnerSolveOptions): Promise<ReplanResult>;
  close(): Promise<void>;
}

function startWorker(url?: URL): Worker {
  if (url) return new Worker(url);
  for (const rel of ['./schedule-worker.mjs', './core/schedule-worker.mjs']) {
    const u = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(u))) return new Worker(u);
  }
  const entry = new URL('./schedule-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}

export function createScheduleRunner(opts: { workerUrl?: URL; log?: (line: string) => void } = {}): ScheduleRunner {
  let worker: Worker | null = null;
  let nextId = 1;
  let chain: Promise<unknown> = Promise.resolve();
  const pending = new Map<number, { resolve: (r: ReplanResult) => void; reject: (e: Error) => void; onProgress?: (p: SolveProgress) => void }>();

  const ensure = (): Worker => {
    if (worker) return worker;
    const w = startWorker(opts.workerUrl);
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const p = pending.get(m.id);
      if (!p) return;
      if (m.op === 'progress') p.onProgress?.(m.progress);
      else {
        pending.delete(m.id);
        if (pending.size === 0) w.unref();
        if (m.op === 'result') p.resolve(m.result);
        else p.reject(new Error(`re-plan worker: ${m.message}`));
      }
    });
    const fail = (e: Error) => {
      if (worker === w) worker = null;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(e);
      }
    };
    w.on('error', (e) => {
      opts.log?.(`schedule: the re-plan worker failed: ${e.message}`);
      fail(e);
    });
    w.on('exit', (code) => fail(new Error(`the re-plan worker stopped (exit code ${code})`)));
    worker = w;
    return w;
  };

  const run = (problem: ScheduleProblem, asIs: SchedulePlan, o: RunnerSolveOptions): Promise<ReplanResult> => {
    if (o.signal?.aborted) return Promise.reject(new ScheduleCancelled());
    const w = ensure();
    // Held only while a solve runs: an idle worker does not keep the process alive.
    w.ref();
    const id = nextId++;
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    return new Promise<ReplanResult>((resolve, reject) => {
      const onAbort = () => Atomics.store(flag, 0, 1);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: (r) => {
          o.signal?.removeEventListener('abort', onAbort);
          if (r.stoppedBy === 'cancelled' || o.signal?.aborted) reject(new ScheduleCancelled());
          else resolve(r);
        },
        reject: (e) => {
          o.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      const msg: SolveRequest = {
        op: 'solve',
        id,
        problem,
        asIs,
        timeLimitMs: o.timeLimitMs,
        seed: o.seed ?? 1,
        sharedTools: o.sharedTools ?? [],
        cancel,
        ...(o.maxMoved !== undefined ? { maxMoved: o.maxMoved } : {}),
        ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}),
      };
      w.postMessage(msg);
    });
  };

  return {
    solve(problem, asIs, o) {
      // One at a time: a second solve waits for the first (each has its own deadline from its start).
      const p = chain.then(() => run(problem, asIs, o));
      chain = p.catch(() => undefined);
      return p;
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
