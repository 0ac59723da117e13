/**
 * The Takt RxDatabase: the business-record collections of shared/store/collections.ts on the
 * durable SQLite storage, in the core's data folder (`<dataDir>/store/takt.sqlite`).
 *
 *   const db = await openTaktDatabase({ dataDir });
 *   await db.actions.insert({...});
 *   db.actions.find({ selector: { ownerId: 'p-7' } }).$.subscribe(...);
 *   await db.close();
 *
 * Documents are validated against their schema (RxDB's ajv validator wraps the storage; dev mode
 * requires a validating storage and also runs RxDB's schema checks). `multiInstance: false`: the
 * core is the only process that owns the file (the storage locks it), and the renderer reads
 * through the core's protocol, never the file.
 *
 * RxDB's open-source build allows 13 open collections per process (rx-collection.js
 * NON_PREMIUM_COLLECTION_LIMIT); Takt uses 9 and the storage itself is not limited.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import {
  TAKT_COLLECTIONS,
  type ActionDoc,
  type ApprovalDoc,
  type AuditDoc,
  type DecisionDoc,
  type ExceptionDoc,
  type OutboxDoc,
  type PlantVersionDoc,
  type RuleSetVersionDoc,
  type ScenarioDoc,
} from '../../shared/store/collections';
import { getRxStorageSQLite, type SQLiteStorageSettings } from './sqlite-storage';

export interface TaktCollections {
  plant_versions: RxCollection<PlantVersionDoc>;
  rule_set_versions: RxCollection<RuleSetVersionDoc>;
  exceptions: RxCollection<ExceptionDoc>;
  scenarios: RxCollection<ScenarioDoc>;
  decisions: RxCollection<DecisionDoc>;
  approvals: RxCollection<ApprovalDoc>;
  actions: RxCollection<ActionDoc>;
  outbox: RxCollection<OutboxDoc>;
  audit: RxCollection<AuditDoc>;
}

export type TaktDatabase = RxDatabase<TaktCollections>;

export interface OpenTaktDatabaseOptions {
  /** The core's data folder; the store lives in `<dataDir>/store/`. */
  dataDir: string;
  /** Database (and file) name; default `takt`. */
  name?: string;
  /** RxDB dev mode: schema checks and deep-frozen documents (tests, development). */
  devMode?: boolean;
  /** Default 'FULL': a commit survives power loss too (an fsync a commit); 'NORMAL' survives kill -9 only. */
  synchronous?: SQLiteStorageSettings['synchronous'];
}

let devModeAdded = false;
let opened = 0;

export async function openTaktDatabase(opts: OpenTaktDatabaseOptions): Promise<TaktDatabase> {
  if (opts.devMode && !devModeAdded) {
    const { RxDBDevModePlugin, disableWarnings } = await import('rxdb/plugins/dev-mode');
    disableWarnings();
    addRxPlugin(RxDBDevModePlugin);
    devModeAdded = true;
  }
  const base = opts.name ?? 'takt';
  const filename = join(opts.dataDir, 'store', `${base}.sqlite`);
  mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
  const storage = wrappedValidateAjvStorage({
    // FULL: a commit is fsynced before it returns. Decisions, approvals and the audit chain are
    // acknowledged to a person once written, and commits here are rare (people's actions, not signals).
    storage: getRxStorageSQLite({ filename, synchronous: opts.synchronous ?? 'FULL' }),
  });
  const db = await createRxDatabase<TaktCollections>({
    // RxDB refuses two open databases of one name and storage in a process, whatever their folders
    // (DB8), and tests run several cores in one process. The file is fixed by `filename`, so the
    // RxDB name only has to be unique while open.
    name: `${base}-${++opened}`,
    storage,
    multiInstance: false,
    eventReduce: true,
    closeDuplicates: false,
  });
  try {
    await db.addCollections(TAKT_COLLECTIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
