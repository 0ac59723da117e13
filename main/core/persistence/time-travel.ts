/**
 * Rebuilds the twin from the nearest persisted snapshot plus the journal after it: used to resume
 * after a restart (no limit), for time travel (`untilTime`) and to replay a decision at the
 * journal position its receipt names (`untilPosition`). The twin is a pure function of the
 * journal, so each gives the same state hash as the live twin had at that point.
 */
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin, type Twin, type TwinSnapshot } from '../../../shared/twin/twin';
import type { Journal } from './journal';

export interface ReconstructOptions {
  /** Stop before the first signal with an event time after this instant, then advance the clock to it. */
  untilTime?: number;
  /** Stop after the signal at this journal position; the clock stays where that signal left it. */
  untilPosition?: number;
  /** Ignore snapshots (replay from the start). */
  fromScratch?: boolean;
}

const BATCH = 4096;

export function reconstructTwin(plant: Plant, journal: Journal, startTime: number, opts: ReconstructOptions = {}): { twin: Twin; replayed: number; snapshotPosition: number } {
  const { untilTime, untilPosition } = opts;
  const snap = opts.fromScratch
    ? undefined
    : journal.latestSnapshot({ ...(untilTime === undefined ? {} : { atOrBeforeTime: untilTime }), ...(untilPosition === undefined ? {} : { atOrBeforePosition: untilPosition }) });
  const twin = createTwin(plant, { startTime, snapshot: snap ? (JSON.parse(snap.data) as TwinSnapshot) : undefined });
  let replayed = 0;
  let batch: Signal[] = [];
  let last = twin.position;
  const flush = () => {
    if (batch.length === 0) return;
    twin.applyBatch(batch, last);
    replayed += batch.length;
    batch = [];
  };
  for (const row of journal.readFrom(twin.position + 1, untilTime === undefined ? {} : { untilTime })) {
    if (untilPosition !== undefined && row.position > untilPosition) break;
    batch.push(row.signal);
    last = row.position;
    if (batch.length === BATCH) flush();
  }
  flush();
  if (untilTime !== undefined && untilTime > twin.time) twin.advanceTo(untilTime);
  return { twin, replayed, snapshotPosition: snap?.position ?? 0 };
}
