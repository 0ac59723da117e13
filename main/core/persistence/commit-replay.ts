/**
 * The twin as it was at a journal position: the nearest snapshot at or before it plus the journal
 * up to it (main/core/persistence/time-travel.ts stops by time; a decision receipt names a position).
 */
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin, type Twin, type TwinSnapshot } from '../../../shared/twin/twin';
import type { Journal } from './journal';

export function twinAtPosition(plant: Plant, journal: Journal, startTime: number, position: number): Twin {
  const snap = journal.latestSnapshot({ atOrBeforePosition: position });
  const twin = createTwin(plant, { startTime, snapshot: snap ? (JSON.parse(snap.data) as TwinSnapshot) : undefined });
  let batch: Signal[] = [];
  let last = twin.position;
  const flush = () => {
    if (batch.length) twin.applyBatch(batch, last);
    batch = [];
  };
  for (const row of journal.readFrom(twin.position + 1)) {
    if (row.position > position) break;
    batch.push(row.signal);
    last = row.position;
    if (batch.length === 4096) flush();
  }
  flush();
  return twin;
}
