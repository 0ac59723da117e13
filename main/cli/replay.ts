import { plantTime } from '../../shared/clock/plant-time';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlantFile } from '../core/persistence/plant-file';
import { openJournal } from '../core/persistence/journal';
import { checkDataDir, JOURNAL_FILE, plantFingerprint } from '../core/persistence/data-dir';
import { reconstructTwin } from '../core/persistence/time-travel';

export function parseInstant(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new Error(`'${text}' is not an instant: use ISO 8601 (2026-11-26T10:30:00Z) or epoch milliseconds`);
  return n;
}

/** `takt replay --until <time>`: prints the twin as it was at that instant. */
export async function replayCommand(o: { until: string; data: string; plant?: string; json?: boolean }): Promise<number> {
  try {
    const until = parseInstant(o.until);
    if (!existsSync(join(o.data, 'journal.sqlite'))) throw new Error(`no journal in ${o.data}: run the core first (npm start) or pass --data`);
    const { plant, file } = await loadPlantFile(o.plant);
    // Read only: the folder is checked, never written (no identity made, no modes changed).
    const identity = checkDataDir(o.data, { plantId: plant.site.id, plantHash: plantFingerprint(plant), plantFile: file });
    if (!identity) throw new Error(`${o.data} has no history to replay yet (no takt-data.json with a journal): run the core first (npm start) or pass --data`);
    const dd = { identity, journalPath: join(o.data, JOURNAL_FILE) };
    const journal = openJournal(dd.journalPath, { readonly: true });
    try {
      const pt = plantTime(plant.site.timezone);
      if (until < dd.identity.startTime) throw new Error(`${pt.full(until)} is before the twin started (${pt.full(dd.identity.startTime)}, plant time ${pt.zone})`);
      const { twin, replayed, snapshotPosition } = reconstructTwin(plant, journal, dd.identity.startTime, { untilTime: until });
      const view = twin.view();
      if (o.json) console.log(JSON.stringify(view));
      else {
        console.log(`twin at ${pt.full(view.time)} plant time (${pt.zone}) — journal position ${view.position} (snapshot ${snapshotPosition} + ${replayed} signals), hash ${view.hash}`);
        for (const l of view.lines) console.log(`  ${l.id.padEnd(8)} ${l.status.padEnd(11)} ${(l.currentOrderId ?? '-').padEnd(12)} ${(l.currentSku ?? '-').padEnd(12)} good ${l.good} scrap ${l.scrap} queue ${l.queue.length}`);
      }
      return 0;
    } finally {
      journal.close();
    }
  } catch (e) {
    console.error(`takt replay: ${(e as Error).message}`);
    return 1;
  }
}
