/**
 * Risk replications worker thread: receives the plant and a prepared scenario (plain data) once,
 * then runs the replication indices it is sent with the pure code (shared/sim/risk.ts) and
 * posts the results back. Bundled by the build to dist/core/replications-worker.mjs; from source
 * it is started with tsx registered (see ./replications.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Plant } from '../../../shared/plant/schema';
import { runReplication, type PreparedRisk, type ReplicationResult } from '../../../shared/sim/risk';
import { indexPlant } from '../../../shared/twin/schedule';

export type WorkerRequest = { op: 'run'; from: number; to: number } | { op: 'close' };
export type WorkerReply = { op: 'results'; results: ReplicationResult[] } | { op: 'error'; message: string };

const { plant, prepared } = workerData as { plant: Plant; prepared: PreparedRisk };
const index = indexPlant(plant);
const port = parentPort!;

port.on('message', (m: WorkerRequest) => {
  if (m.op === 'close') {
    port.close();
    return;
  }
  try {
    const results: ReplicationResult[] = [];
    for (let i = m.from; i < m.to; i++) results.push(runReplication(plant, prepared, i, index));
    port.postMessage({ op: 'results', results } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ op: 'error', message: String((e as Error)?.stack ?? e) } satisfies WorkerReply);
  }
});
