/**
 * For connector tests: a real ingest pipeline (validate, dedupe, journal in memory, deliver to a real
 * twin) behind a ConnectorSink whose `reject` records dead letters the way the core does.
 */
import { createIngestPipeline, type DeadLetterEntry } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { ConnectorSink } from '../../../shared/connectors/status';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin } from '../../../shared/twin/twin';
import { plant } from '../ingest/helpers';
import type { Plant } from '../../../shared/plant/schema';

export { plant };

export function createTestSink(startTime = Date.now() - 60_000, forPlant: Plant = plant) {
  const journal: Signal[] = [];
  const deadLetters: (Omit<DeadLetterEntry, 'code'> & { code?: string })[] = [];
  const twin = createTwin(forPlant, { startTime });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const pipeline = createIngestPipeline({
    index: createPlantIndex(forPlant),
    horizonMs: 3_600_000,
    maxBatchDelayMs: 20,
    journal: {
      append(batch) {
        journal.push(...batch);
        return journal.length;
      },
    },
    deliver: (batch, last) => twin.applyBatch(batch, last),
    onDeadLetter: (d) => deadLetters.push(d),
    scheduler: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        const t = setTimeout(() => (timers.delete(t), fn()), ms);
        timers.add(t);
        return t;
      },
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  });
  const sink: ConnectorSink = {
    push: (raw, meta) => pipeline.push(raw, meta),
    reject: (raw, reason, meta, source) => deadLetters.push({ at: Date.now(), source: source ?? 'unknown', reason, raw: String(raw), ...(meta?.origin ? { origin: meta.origin } : {}) }),
  };
  return {
    sink,
    pipeline,
    journal,
    deadLetters,
    twin,
    machine: (id: string) => twin.view().machines.find((m) => m.id === id),
    close() {
      pipeline.close();
      timers.forEach(clearTimeout);
      twin.stop();
    },
  };
}

/** Polls until `f` returns true (or throws after `ms`, with `what` in the message). */
export async function until(f: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
