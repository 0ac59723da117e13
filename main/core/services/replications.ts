/**
 * Risk mode on worker threads: N replications of a scenario with seeded stochastic breakdowns,
 * spread over a small pool of workers (2 by default, at most the machine's parallelism), with
 * progress and cancellation. Each replication is `runReplication(plant, prepared, i)` from
 * shared/sim/scenario.ts, keyed by its index, so the pool gives exactly what an in-process loop
 * (`runRisk`) gives for the same seed, whatever the number of workers or the chunking.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Plant } from '../../../shared/plant/schema';
import type { ForecastState } from '../../../shared/sim/forecast';
import { aggregateRisk, prepareRisk, type PreparedRisk, type ReplicationResult, type RiskResult, type Scenario } from '../../../shared/sim/scenario';
import type { WorkerReply, WorkerRequest } from './replications-worker';

export interface ReplicationOptions {
  replications: number;
  seed?: number;
  horizonHours?: number;
  /** Mean hours between failures per machine (default 40). */
  mtbfHours?: number;
  /** Worker threads (default min(2, available parallelism)). */
  workers?: number;
  /** Replications per message to a worker (default: about 4 rounds per worker). */
  chunk?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Worker entry to start (a prebuilt bundle, e.g. from a benchmark); found automatically when absent. */
  workerUrl?: URL;
}

export class ReplicationsCancelled extends Error {
  override readonly name = 'AbortError';
  constructor(readonly done: number, readonly total: number) {
    super(`risk replications cancelled after ${done} of ${total}`);
  }
}

/** Starts a worker on the built bundle when there is one, else on the TypeScript source with tsx registered. */
function createWorker(workerData: unknown, url?: URL): Worker {
  if (url) return new Worker(url, { workerData });
  for (const rel of ['./replications-worker.mjs', './core/replications-worker.mjs']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData });
  }
  const entry = new URL('./replications-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Runs prepared replications 0..n-1 on worker threads. Rejects with `ReplicationsCancelled` when the signal aborts. */
export function runPreparedReplications(plant: Plant, prepared: PreparedRisk, opts: ReplicationOptions): Promise<RiskResult> {
  const total = Math.max(0, Math.floor(opts.replications));
  const nWorkers = Math.max(1, Math.min(opts.workers ?? Math.min(2, availableParallelism()), Math.max(1, total)));
  const chunk = Math.max(1, opts.chunk ?? Math.ceil(total / (nWorkers * 4)));
  if (opts.signal?.aborted) return Promise.reject(new ReplicationsCancelled(0, total));
  if (total === 0) return Promise.resolve(aggregateRisk(prepared, []));
  return new Promise<RiskResult>((resolve, reject) => {
    const results: ReplicationResult[] = [];
    const workers: Worker[] = [];
    let next = 0;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(aggregateRisk(prepared, results));
    };
    const onAbort = () => finish(new ReplicationsCancelled(results.length, total));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const feed = (w: Worker) => {
      if (next >= total) return;
      const from = next;
      next = Math.min(total, next + chunk);
      w.postMessage({ op: 'run', from, to: next } satisfies WorkerRequest);
    };
    for (let k = 0; k < nWorkers; k++) {
      const w = createWorker({ plant, prepared }, opts.workerUrl);
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (settled) return;
        if (m.op === 'error') return finish(new Error(`risk replication worker failed: ${m.message}`));
        results.push(...m.results);
        opts.onProgress?.(results.length, total);
        if (results.length >= total) return finish(null);
        feed(w);
      });
      w.on('error', (e) => finish(new Error(`risk replication worker failed: ${e.stack ?? e.message}`)));
      w.on('exit', (code) => {
        if (!settled && code !== 0) finish(new Error(`risk replication worker exited with code ${code}`));
      });
      feed(w);
      feed(w);
    }
  });
}

/** Risk mode for a scenario on a base state, on worker threads. */
export function runReplications(plant: Plant, base: ForecastState, scenario: Scenario, opts: ReplicationOptions): Promise<RiskResult> {
  const prepared = prepareRisk(plant, base, scenario, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.horizonHours !== undefined ? { horizonHours: opts.horizonHours } : {}),
    ...(opts.mtbfHours !== undefined ? { mtbfHours: opts.mtbfHours } : {}),
  });
  return runPreparedReplications(plant, prepared, opts);
}
