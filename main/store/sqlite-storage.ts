/**
 * A durable RxDB RxStorage on better-sqlite3: RxDB's own memory storage for every read, with a
 * synchronous write-through to SQLite (WAL) for every write, loaded back into memory at start.
 *
 *   const storage = getRxStorageSQLite({ directory: '/var/lib/takt' });   // file: <dir>/<db>.sqlite
 *
 * Why write-through and not a full SQL storage: queries, sort, skip/limit, count, change streams
 * and the checkpoint query of `getChangedDocumentsSince` are then *the same code* as RxDB's memory
 * storage (its sorted index arrays, `getQueryMatcher`, `getSortComparator`), so they cannot drift
 * from it; translating Mango selectors to SQL would be a second query engine to keep equal. The
 * business records (versions, exceptions, decisions, actions, outbox, audit) are far smaller than
 * memory, and 100k documents load in well under a second (see bench/store.ts).
 *
 * Write path (`bulkWrite`), all synchronous, so nothing can interleave:
 *   1. `categorizeBulkWriteRows` against the in-memory documents (revision check → 409 errors
 *      with `documentInDb`, exactly as the memory storage reports them);
 *   2. one SQLite transaction upserts every accepted row and COMMITs (WAL, synchronous=NORMAL:
 *      the commit is in the OS's page cache before the call returns, so it survives `kill -9` of
 *      this process; pass `synchronous: 'FULL'` to also survive power loss, at an fsync a commit);
 *      if it throws, memory is untouched and the returned promise rejects;
 *   3. the rows are applied to the memory state (the memory storage's own helpers);
 *   4. the EventBulk is emitted with checkpoint `{ id, lwt }` of the newest written row;
 *   5. the promise resolves: the write is acknowledged only after its COMMIT.
 *
 * Checkpoints: like the memory storage, `getChangedDocumentsSince` is not implemented on the
 * instance, so RxDB's helper of the same name runs its query `_meta.lwt > cp.lwt OR (lwt = cp.lwt
 * AND id > cp.id)` sorted by (lwt, id) through `query()`: the checkpoint is the (lwt, id) of the
 * last document returned; it pages and survives a restart because lwt and id are in the rows.
 *
 * One process owns a file: the connection runs `locking_mode=EXCLUSIVE`, so a second process
 * opening the same file gets a clear error instead of a stale cache. Within a process, instances
 * of the same file and collection share one connection and one memory state (ref-counted).
 *
 * Not supported: attachments (rejected at createStorageInstance; RxDB 17 hands attachment data
 * over as Blobs, whose bytes can only be read asynchronously, which would break the synchronous
 * commit-before-ack path), key compression and encryption (as RxDB's other free storages).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Observable } from 'rxjs';
import {
  RXDB_VERSION,
  categorizeBulkWriteRows,
  ensureRxStorageInstanceParamsAreCorrect,
  getPrimaryFieldOfPrimaryKey,
  newRxError,
  now,
  type BulkWriteRow,
  type EventBulk,
  type PreparedQuery,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorage,
  type RxStorageBulkWriteResponse,
  type RxStorageChangeEvent,
  type RxStorageCountResult,
  type RxStorageDefaultCheckpoint,
  type RxStorageInstance,
  type RxStorageInstanceCreationParams,
  type RxStorageQueryResult,
} from 'rxdb';
import {
  bulkInsertToState,
  createMemoryStorageInstance,
  getMemoryCollectionKey,
  getMemoryIndexName,
  putWriteRowToState,
  removeDocFromState,
  type MemoryStorageInternals,
  type MemoryStorageInternalsByIndex,
  type RxStorageInstanceMemory,
  type RxStorageMemory,
} from 'rxdb/plugins/storage-memory';

export interface SQLiteStorageSettings {
  /** Folder of the database files; one file per RxDatabase: `<directory>/<databaseName>.sqlite`. */
  directory?: string;
  /** Or one explicit file for every database name (tests, a single-database app). */
  filename?: string;
  /** 'NORMAL' (default) survives a process kill; 'FULL' also survives power loss (fsync a commit). */
  synchronous?: 'NORMAL' | 'FULL';
}

export type SQLiteInstanceCreationOptions = Record<string, never>;

/** What `internals` of an instance holds: the memory state plus where it persists. */
export interface SQLiteStorageInternals<RxDocType> {
  memory: MemoryStorageInternals<RxDocType>;
  /** The shared state: lazily built indexes, load and warm-up times (diagnostics, the bench). */
  state: CollectionState<RxDocType>;
  file: string;
  /** `<collection>-<schema version>`: the key of this collection's rows in the `docs` table. */
  collectionKey: string;
}

export const SQLITE_STORAGE_NAME = 'takt-sqlite';

/* ------------------------------------------------------------------------------------------- */
/* One connection per file, shared and ref-counted within this process.                        */

interface SharedConnection {
  db: Database.Database;
  refs: number;
  upsert: Database.Statement<[string, string, string]>;
  remove: Database.Statement<[string, string]>;
  removeCollection: Database.Statement<[string]>;
  loadCollection: Database.Statement<[string]>;
  /** Memory states of this file by collection key; kept while any instance holds them. */
  states: Map<string, CollectionState<unknown>>;
}

const CONNECTIONS = new Map<string, SharedConnection>();

/** A PRAGMA's value on this process's open connection to `file` (diagnostics and tests); undefined when none is open. */
export function connectionPragma(file: string, name: 'synchronous' | 'journal_mode' | 'locking_mode'): unknown {
  return CONNECTIONS.get(resolve(file))?.db.pragma(name, { simple: true });
}

function openConnection(file: string, synchronous: 'NORMAL' | 'FULL'): SharedConnection {
  const existing = CONNECTIONS.get(file);
  if (existing) {
    existing.refs++;
    return existing;
  }
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 2000 });
    // EXCLUSIVE before the first access: no shared-memory wal-index, and the file stays locked by
    // this process, so a second process cannot write behind our in-memory state.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(
      `CREATE TABLE IF NOT EXISTS docs (
         coll TEXT NOT NULL,
         id   TEXT NOT NULL,
         data TEXT NOT NULL,
         PRIMARY KEY (coll, id)
       ) WITHOUT ROWID`,
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `store: cannot open the database file ${file}: ${reason}. ` +
        (/locked|busy/i.test(reason)
          ? 'Another process (a second Takt core?) holds it; stop that process or use another data folder.'
          : 'Check that the folder exists and is writable.'),
      { cause: err },
    );
  }
  const conn: SharedConnection = {
    db,
    refs: 1,
    upsert: db.prepare('INSERT OR REPLACE INTO docs (coll, id, data) VALUES (?, ?, ?)'),
    remove: db.prepare('DELETE FROM docs WHERE coll = ? AND id = ?'),
    removeCollection: db.prepare('DELETE FROM docs WHERE coll = ?'),
    loadCollection: db.prepare('SELECT data FROM docs WHERE coll = ?').pluck(),
    states: new Map(),
  };
  CONNECTIONS.set(file, conn);
  return conn;
}

function releaseConnection(file: string): void {
  const conn = CONNECTIONS.get(file);
  if (!conn) return;
  conn.refs--;
  if (conn.refs <= 0) {
    CONNECTIONS.delete(file);
    conn.db.close();
  }
}

/* ------------------------------------------------------------------------------------------- */

/**
 * One collection's memory state, shared by its instances in this process, with lazily built
 * indexes. Building RxDB's sorted index arrays is the dominant start-up cost (an index string per
 * document per index, then a sort), so the load only fills the documents map; each index is built
 * the first time a query plans on it, and all are built in the background one per macrotask
 * right after the load (`warm`). Writes update only the indexes already built; an index built
 * later is built from the documents map, which always holds every write.
 */
export class CollectionState<RxDocType> {
  refs = 1;
  loadMs = 0;
  /** Time at which every index was built (ms after the load began), once they are. */
  warmMs: number | undefined;
  readonly built: MemoryStorageInternalsByIndex<RxDocType>[] = [];
  private readonly builtNames = new Set<string>();
  private warmTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly memory: MemoryStorageInternals<RxDocType>) {}

  ensureIndex(index: string[] | undefined): void {
    if (!index) return;
    const name = getMemoryIndexName(index);
    if (this.builtNames.has(name)) return;
    const byIndex = this.memory.byIndex[name];
    if (!byIndex) return; // the memory storage reports the missing index itself
    const docs = this.memory.documents;
    const entries = new Array<[string, RxDocumentData<RxDocType>, string]>(docs.size);
    const getIndexableString = byIndex.getIndexableString;
    let i = 0;
    for (const [id, doc] of docs) entries[i++] = [getIndexableString(doc), doc, id];
    entries.sort(compareIndexEntries);
    byIndex.docsWithIndex = entries;
    this.builtNames.add(name);
    this.built.push(byIndex);
  }

  ensureAllIndexes(): void {
    for (const byIndex of this.memory.byIndexArray) this.ensureIndex(byIndex.index);
  }

  /** Builds the remaining indexes one per macrotask, so requests interleave with the build. */
  warm(startedAt: number): void {
    const next = (): void => {
      this.warmTimer = undefined;
      const todo = this.memory.byIndexArray.find((b) => !this.builtNames.has(getMemoryIndexName(b.index)));
      if (!todo || this.memory.removed) {
        this.warmMs ??= performance.now() - startedAt;
        return;
      }
      this.ensureIndex(todo.index);
      this.warmTimer = setTimeout(next, 0);
      this.warmTimer.unref?.();
    };
    this.warmTimer = setTimeout(next, 0);
    this.warmTimer.unref?.();
  }

  stopWarming(): void {
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.warmTimer = undefined;
  }
}

function compareIndexEntries(a: [string, unknown, string], b: [string, unknown, string]): number {
  return a[0] < b[0] ? -1 : 1;
}

/** The memory storage object handed to `createMemoryStorageInstance`: a private state map. */
function privateMemoryStorage(): RxStorageMemory {
  return {
    name: 'memory',
    rxdbVersion: RXDB_VERSION,
    collectionStates: new Map(),
    createStorageInstance() {
      throw new Error('store: the private memory storage creates no instances by itself');
    },
  };
}

export class RxStorageInstanceSQLite<RxDocType>
  implements
    RxStorageInstance<RxDocType, SQLiteStorageInternals<RxDocType>, SQLiteInstanceCreationOptions, RxStorageDefaultCheckpoint>
{
  readonly primaryPath: string;
  closed = false;
  private removed = false;

  constructor(
    readonly storage: RxStorageSQLite,
    readonly databaseName: string,
    readonly collectionName: string,
    readonly schema: Readonly<RxJsonSchema<RxDocumentData<RxDocType>>>,
    readonly internals: SQLiteStorageInternals<RxDocType>,
    readonly options: Readonly<SQLiteInstanceCreationOptions>,
    private readonly conn: SharedConnection,
    private readonly mem: RxStorageInstanceMemory<RxDocType>,
  ) {
    this.primaryPath = getPrimaryFieldOfPrimaryKey(schema.primaryKey) as string;
  }

  private ensureOpen(op: string): void {
    if (this.closed) {
      throw new Error(`store: ${op}() on closed storage instance ${this.databaseName}/${this.collectionName}`);
    }
  }

  bulkWrite(documentWrites: BulkWriteRow<RxDocType>[], context: string): Promise<RxStorageBulkWriteResponse<RxDocType>> {
    try {
      this.ensureOpen('bulkWrite');
      const memory = this.internals.memory;
      const primaryPath = this.primaryPath;
      const categorized = categorizeBulkWriteRows<RxDocType>(this, primaryPath as never, memory.documents, documentWrites, context);
      const inserts = categorized.bulkInsertDocs;
      const updates = categorized.bulkUpdateDocs;

      if (inserts.length + updates.length > 0) {
        // 2. commit first: if SQLite refuses, memory and subscribers see nothing.
        const coll = this.internals.collectionKey;
        const upsert = this.conn.upsert;
        const tx = this.conn.db.transaction(() => {
          for (const row of inserts) upsert.run(coll, (row.document as Record<string, string>)[primaryPath]!, JSON.stringify(row.document));
          for (const row of updates) upsert.run(coll, (row.document as Record<string, string>)[primaryPath]!, JSON.stringify(row.document));
        });
        tx.immediate();

        // 3. apply to the memory state with the memory storage's own helpers.
        //    Only the indexes built so far; the others are built from `documents` when needed.
        const built = this.internals.state.built;
        if (inserts.length > 0) bulkInsertToState(primaryPath, memory, built, inserts);
        for (const row of updates) {
          const docId = (row.document as Record<string, string>)[primaryPath]!;
          putWriteRowToState(docId, memory, built, row.document, memory.documents.get(docId));
        }
      }

      // 4. events, after the commit, with the checkpoint of the newest written row.
      if (categorized.eventBulk.events.length > 0 && categorized.newestRow) {
        const last = categorized.newestRow.document;
        categorized.eventBulk.checkpoint = { id: (last as Record<string, string>)[primaryPath]!, lwt: last._meta.lwt };
        memory.changes$.next(categorized.eventBulk);
      }
      return Promise.resolve({ error: categorized.errors });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  // Reads after close() answer from the last state, as RxDB's memory storage does; writes reject.
  findDocumentsById(ids: string[], withDeleted: boolean): Promise<RxDocumentData<RxDocType>[]> {
    return this.mem.findDocumentsById(ids, withDeleted);
  }

  query(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageQueryResult<RxDocType>> {
    try {
      this.internals.state.ensureIndex(preparedQuery.queryPlan.index);
      return this.mem.query(preparedQuery);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  count(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageCountResult> {
    try {
      this.internals.state.ensureIndex(preparedQuery.queryPlan.index);
      return this.mem.count(preparedQuery);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  getAttachmentData(documentId: string, attachmentId: string): Promise<Blob> {
    return Promise.reject(
      new Error(`store: attachments are not supported by ${SQLITE_STORAGE_NAME} (${this.collectionName}/${documentId}/${attachmentId})`),
    );
  }

  changeStream(): Observable<EventBulk<RxStorageChangeEvent<RxDocumentData<RxDocType>>, RxStorageDefaultCheckpoint>> {
    return this.internals.memory.changes$.asObservable();
  }

  /** Purges documents deleted more than `minimumDeletedTime` ms ago, from SQLite then memory. */
  cleanup(minimumDeletedTime: number): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error(`store: cleanup() on closed storage instance ${this.collectionName}`));
    const maxDeletionTime = now() - minimumDeletedTime;
    const memory = this.internals.memory;
    const purge: RxDocumentData<RxDocType>[] = [];
    for (const doc of memory.documents.values()) {
      if (doc._deleted && doc._meta.lwt <= maxDeletionTime) purge.push(doc);
    }
    if (purge.length > 0) {
      const coll = this.internals.collectionKey;
      const remove = this.conn.remove;
      this.conn.db.transaction(() => {
        for (const doc of purge) remove.run(coll, (doc as Record<string, string>)[this.primaryPath]!);
      }).immediate();
      for (const doc of purge) removeDocFromState(this.primaryPath, this.schema, memory, doc);
    }
    return Promise.resolve(true);
  }

  async remove(): Promise<void> {
    this.ensureOpen('remove');
    this.conn.removeCollection.run(this.internals.collectionKey);
    this.internals.memory.removed = true;
    this.internals.state.stopWarming();
    this.conn.states.delete(this.internals.collectionKey);
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mem.close();
    const key = this.internals.collectionKey;
    const state = this.conn.states.get(key);
    if (state && --state.refs <= 0) {
      // Last holder gone: the next open reloads from the file (what a restart does).
      this.conn.states.delete(key);
      state.stopWarming();
      state.memory.changes$.complete();
    }
    releaseConnection(this.internals.file);
  }
}

export interface RxStorageSQLite
  extends RxStorage<SQLiteStorageInternals<unknown>, SQLiteInstanceCreationOptions> {
  readonly settings: SQLiteStorageSettings;
  /** The file a database name persists to. */
  fileFor(databaseName: string): string;
}

export function getRxStorageSQLite(settings: SQLiteStorageSettings = {}): RxStorageSQLite {
  if (!settings.directory && !settings.filename) {
    throw new Error('store: getRxStorageSQLite needs { directory } (one file a database) or { filename }');
  }
  const storage: RxStorageSQLite = {
    name: SQLITE_STORAGE_NAME,
    rxdbVersion: RXDB_VERSION,
    settings,
    fileFor(databaseName: string): string {
      if (settings.filename) return resolve(settings.filename);
      if (!/^[A-Za-z0-9_.-]+$/.test(databaseName)) {
        throw new Error(`store: database name '${databaseName}' cannot be a file name; use letters, digits, '_', '.', '-'`);
      }
      return resolve(join(settings.directory!, `${databaseName}.sqlite`));
    },
    async createStorageInstance<RxDocType>(
      params: RxStorageInstanceCreationParams<RxDocType, SQLiteInstanceCreationOptions>,
    ): Promise<RxStorageInstance<RxDocType, SQLiteStorageInternals<unknown>, SQLiteInstanceCreationOptions>> {
      ensureRxStorageInstanceParamsAreCorrect(params);
      if (params.schema.attachments) {
        throw newRxError('SNH', {
          args: { message: `store: ${SQLITE_STORAGE_NAME} does not support attachments (collection ${params.collectionName})` },
        });
      }
      const file = storage.fileFor(params.databaseName);
      if (settings.directory) mkdirSync(settings.directory, { recursive: true, mode: 0o700 });
      const conn = openConnection(file, settings.synchronous ?? 'NORMAL');
      try {
        return await createInstance(storage, conn, file, params);
      } catch (err) {
        releaseConnection(file);
        throw err;
      }
    },
  };
  return storage;
}

async function createInstance<RxDocType>(
  storage: RxStorageSQLite,
  conn: SharedConnection,
  file: string,
  params: RxStorageInstanceCreationParams<RxDocType, SQLiteInstanceCreationOptions>,
): Promise<RxStorageInstance<RxDocType, SQLiteStorageInternals<unknown>, SQLiteInstanceCreationOptions>> {
  const collectionKey = `${params.collectionName}-${params.schema.version}`;
  let state = conn.states.get(collectionKey) as CollectionState<RxDocType> | undefined;
  const memStorage = privateMemoryStorage();
  let mem: RxStorageInstanceMemory<RxDocType>;
  if (state) {
    state.refs++;
    memStorage.collectionStates.set(
      getMemoryCollectionKey(params.databaseName, params.collectionName, params.schema.version),
      state.memory,
    );
    mem = await createMemoryStorageInstance(memStorage, params, {});
  } else {
    mem = await createMemoryStorageInstance(memStorage, params, {});
    const t0 = performance.now();
    const primaryPath = getPrimaryFieldOfPrimaryKey(params.schema.primaryKey) as string;
    const documents = mem.internals.documents;
    for (const json of conn.loadCollection.all(collectionKey) as string[]) {
      const doc = JSON.parse(json) as RxDocumentData<RxDocType>;
      documents.set((doc as Record<string, string>)[primaryPath]!, doc);
    }
    state = new CollectionState(mem.internals);
    state.loadMs = performance.now() - t0;
    if (documents.size === 0) state.ensureAllIndexes(); // empty: nothing to defer
    else state.warm(t0);
    conn.states.set(collectionKey, state as CollectionState<unknown>);
  }
  const internals: SQLiteStorageInternals<RxDocType> = { memory: state.memory, state, file, collectionKey };
  const instance = new RxStorageInstanceSQLite<RxDocType>(
    storage,
    params.databaseName,
    params.collectionName,
    params.schema,
    internals,
    params.options,
    conn,
    mem,
  );
  return instance as unknown as RxStorageInstance<RxDocType, SQLiteStorageInternals<unknown>, SQLiteInstanceCreationOptions>;
}
