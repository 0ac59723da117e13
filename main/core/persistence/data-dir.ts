/**
 * The core's data folder: the journal database and a small identity file that pins the folder to
 * one plant, one twin start instant and one simulator seed, so a restart resumes the same twin.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export interface DataDirIdentity {
  format: 1;
  plantId: string;
  plantHash: string;
  plantFile: string;
  startTime: number;
  seed: number;
  createdAt: string;
}

export function plantFingerprint(plant: unknown): string {
  return createHash('sha256').update(JSON.stringify(plant)).digest('hex').slice(0, 16);
}

export function openDataDir(dir: string, fresh: Omit<DataDirIdentity, 'format' | 'createdAt'>): { identity: DataDirIdentity; created: boolean; journalPath: string } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'takt-data.json');
  const journalPath = join(dir, 'journal.sqlite');
  if (existsSync(file)) {
    let identity: DataDirIdentity;
    try {
      identity = JSON.parse(readFileSync(file, 'utf8')) as DataDirIdentity;
    } catch (e) {
      throw new Error(`${file} is not readable JSON (${(e as Error).message}); move the data folder away to start afresh`);
    }
    if (identity.plantId !== fresh.plantId || identity.plantHash !== fresh.plantHash) {
      throw new Error(
        `the data folder ${dir} belongs to plant '${identity.plantId}' (${identity.plantFile}, fingerprint ${identity.plantHash}), ` +
          `not to '${fresh.plantId}' (${fresh.plantFile}, fingerprint ${fresh.plantHash}): use another --data folder or the matching plant file`,
      );
    }
    return { identity, created: false, journalPath };
  }
  const identity: DataDirIdentity = { format: 1, ...fresh, createdAt: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, JSON.stringify(identity, null, 2));
  renameSync(`${file}.tmp`, file);
  return { identity, created: true, journalPath };
}
