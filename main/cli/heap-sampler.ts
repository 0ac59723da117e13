/**
 * For the soak run only: the honest leak signal. Resident memory (RSS) includes the allocator's
 * slack and the GC's sawtooth, so a slope fitted over minutes of RSS can read tens of MB a day
 * either way without anything leaking. What a leak grows is the live heap: `heapUsed` right after a
 * full collection. Active only when TAKT_SOAK_HEAP_FILE names a file and the process runs with
 * `--expose-gc` (the soak starts the core so); then every TAKT_SOAK_HEAP_INTERVAL_MS (default 10 s)
 * it collects and appends one JSON line `{"seq","heapUsed","external","arrayBuffers","rss"}` (bytes).
 * A normal `takt serve` never forces a collection.
 */
import { appendFileSync } from 'node:fs';

export const HEAP_FILE_ENV = 'TAKT_SOAK_HEAP_FILE';
export const HEAP_INTERVAL_ENV = 'TAKT_SOAK_HEAP_INTERVAL_MS';

/** Installs the sampler when the variable is set; returns what stops it (for tests). */
export function installHeapSampler(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => console.error(l)): () => void {
  const file = env[HEAP_FILE_ENV];
  if (!file) return () => undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    log(`takt: ${HEAP_FILE_ENV} is set but node runs without --expose-gc: no heap samples`);
    return () => undefined;
  }
  const every = Number(env[HEAP_INTERVAL_ENV] ?? 10_000);
  let seq = 0;
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    try {
      appendFileSync(file, `${JSON.stringify({ seq: seq++, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss })}\n`);
    } catch (e) {
      log(`takt: cannot write a heap sample to ${file}: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(sample, Number.isFinite(every) && every >= 100 ? every : 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
