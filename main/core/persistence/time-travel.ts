/**
 * Rebuilds the twin from the nearest persisted snapshot plus the journal after it: used to resume
 * after a restart (no limit) and for time travel (`untilTime`). The twin is a pure function of the
 * journal, so both give the same state hash as the live twin had.
 */
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin, type Twin, type TwinSnapshot } from '../../../shared/twin/twin';
import type { Journal } from './journal';

export interface ReconstructOptions {
  /** Stop before the first signal with an event time after this instant, then advance the clock to it. */
  untilTime?: number;
  /** Ignore snapshots (replay from the start). */
  fromScratch?: boolean;
}

const BATCH = 4096;

export function reconstructTwin(plant: Plant, journal: Journal, startTime: number, opts: ReconstructOptions = {}): { twin: Twin; replayed: number; snapshotPosition: number } {
  const snap = opts.fromScratch ? undefined : journal.latestSnapshot(opts.untilTime === undefined ? {} : { atOrBeforeTime: opts.untilTime });
  const twin = createTwin(plant, { startTime, snapshot: snap ? (JSON.parse(snap.data) as TwinSnapshot) : undefined });
  let replayed = 0;
  let batch: Signal[] = [];
  let last = twin.position;
  for (const row of journal.readFrom(twin.position + 1, opts.untilTime === undefined ? {} : { untilTime: opts.untilTime })) {
    batch.push(row.signal);
    last = row.position;
    if (batch.length === BATCH) {
      twin.applyBatch(batch, last);
      replayed += batch.length;
      batch = [];
    }
  }
  if (batch.length) {
    twin.applyBatch(batch, last);
    replayed += batch.length;
  }
  if (opts.untilTime !== undefined && opts.untilTime > twin.time) twin.advanceTo(opts.untilTime);
  return { twin, replayed, snapshotPosition: snap?.position ?? 0 };
}
