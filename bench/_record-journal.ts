/**
 * Records a plant's journal the way the core does with its embedded simulator at a given speed,
 * without waiting for it: the seeded simulator is run in the chunks the core's 50 ms pump would
 * take at that speed (30 plant seconds at ×600), each chunk is journaled and applied to the twin,
 * and a twin snapshot is saved every 10 real seconds' worth of plant time (100 plant minutes at
 * ×600), as the core's snapshot timer would. The data folder gets the identity a core would write,
 * so `takt backtest --data` (and `takt replay`) read it like any other.
 */
import { mkdirSync } from 'node:fs';
import type { Plant } from '../shared/plant/schema';
import { createPlantSimulator } from '../shared/sim/plant-simulator';
import { createTwin } from '../shared/twin/twin';
import { openDataDir, plantFingerprint } from '../main/core/persistence/data-dir';
import { openJournal } from '../main/core/persistence/journal';

export interface RecordJournalOptions {
  plant: Plant;
  plantFile: string;
  dir: string;
  seed: number;
  startTime: number;
  hours: number;
  /** Plant time per real time (default 600). */
  speed?: number;
}

export function recordJournal(o: RecordJournalOptions): { signals: number; snapshots: number; end: number } {
  mkdirSync(o.dir, { recursive: true });
  const speed = o.speed ?? 600;
  const dd = openDataDir(o.dir, { plantId: o.plant.site.id, plantHash: plantFingerprint(o.plant), plantFile: o.plantFile, startTime: o.startTime, seed: o.seed });
  const journal = openJournal(dd.journalPath, { synchronous: 'NORMAL' });
  const twin = createTwin(o.plant, { startTime: o.startTime });
  const sim = createPlantSimulator(o.plant, { seed: o.seed + Math.floor(o.startTime / 60_000), startTime: o.startTime, resumeFrom: twin.peek() });
  const chunk = 50 * speed;
  const snapshotEvery = 10_000 * speed;
  const end = o.startTime + o.hours * 3_600_000;
  let signals = 0;
  let snapshots = 0;
  let nextSnapshot = o.startTime + snapshotEvery;
  try {
    for (let t = o.startTime + chunk; t <= end; t += chunk) {
      const batch = sim.runUntil(t);
      if (batch.length) {
        const last = journal.append(batch);
        twin.applyBatch(batch, last);
        signals += batch.length;
      }
      if (t >= nextSnapshot) {
        const snap = twin.persist();
        journal.saveSnapshot({ position: twin.position, time: twin.time, version: snap.version, hash: twin.hash(), data: JSON.stringify(snap) });
        snapshots++;
        nextSnapshot += snapshotEvery;
      }
    }
    journal.checkpoint();
  } finally {
    twin.stop();
    journal.close();
  }
  return { signals, snapshots, end };
}
