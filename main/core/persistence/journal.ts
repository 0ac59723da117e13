/**
 * The durable journal: every accepted signal, in the order the twin applied it, on better-sqlite3.
 *
 * Durability. The database runs in WAL mode. With `synchronous = NORMAL` (default) a commit
 * appends to the WAL without an fsync; the WAL is fsynced at checkpoints. A killed process (kill -9,
 * crash, OOM) loses nothing that was committed: the WAL lives in the OS page cache and is replayed
 * on the next open. Only an OS crash or power loss can lose the last commits since the previous
 * checkpoint, and never corrupts the database. `synchronous: 'FULL'` fsyncs the WAL on every
 * commit (one per batch) and survives power loss too, at the cost of an fsync per batch.
 *
 * Speed: prepared multi-row INSERTs, one transaction per batch, the signal's original JSON text
 * stored as-is when the pipeline has it (no re-stringify), no secondary index on the hot table, and
 * only four columns per row (position, event_time, max_time, payload): source, id and type are read
 * from the payload when needed (`readFrom` parses it anyway; `recentKeys` uses `json_extract`; the
 * view `signals_view` shows them for people querying the file). Format 1 journals (seven columns)
 * are migrated on the first writable open; read-only opens read both formats.
 *
 * Writer thread (`writer: 'worker'`). The SQLite work (bind, B-tree, WAL, checkpoints) runs on a
 * worker thread, overlapping with validation and the twin on the other core. Per batch the worker
 * receives three transferred buffers (the payloads as UTF-8, their end offsets, their event times),
 * so nothing big is copied between threads; the worker never parses JSON and never makes a string of
 * a payload (its INSERTs cut each row's text out of the bytes in SQL, see BYTE_ROW). `append` then returns
 * the batch's position at once, *before* the commit; `durablePosition` tells how far the commits
 * have got and `waitDurable(p)` blocks until position p is committed. The ingest pipeline uses both
 * to deliver a batch to the twin only after its commit, so hand it the Journal itself (a wrapper
 * that hides `waitDurable` would make the pipeline deliver before the commit).
 *
 * Positions are `INTEGER PRIMARY KEY` (the rowid): 1, 2, 3, … with no gaps, assigned here.
 * `max_time` is the running maximum of event time, so it is monotone in position and
 * `positionAtOrBefore(time)` is a binary search over rowid point lookups.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { DeadLetter } from '../../../shared/protocol/api';
import type { Signal } from '../../../shared/signals/schema';

export interface JournalOptions {
  /** 'NORMAL' (default): survives process kill; 'FULL': survives power loss too. */
  synchronous?: 'NORMAL' | 'FULL';
  /** Open an existing journal read-only (time travel from another process). */
  readonly?: boolean;
  /**
   * 'inline' (default): appends commit on the calling thread. 'worker': appends are posted to a
   * writer thread (journal-worker.ts) and commit there, in order; positions are still assigned at
   * once, reads call `sync()` first. Frees the ingest thread of the SQLite cost.
   */
  writer?: 'inline' | 'worker';
}

export interface JournalRow {
  position: number;
  source: string;
  id: string;
  eventTime: number;
  type: string;
  signal: Signal;
}

export interface ReadOptions {
  /**
   * Stop after the last in-order signal with event time ≤ untilTime (`positionAtOrBefore`); late
   * signals inside that prefix with a later event time cannot exist (their time is older).
   */
  untilTime?: number;
  limit?: number;
}

export interface SnapshotRecord {
  position: number;
  time: number;
  version: number | string;
  hash: string;
  data: string;
}

export interface StoredSnapshot extends SnapshotRecord {
  version: string;
  savedAt?: number;
}

export interface LatestSnapshotQuery {
  /** Newest snapshot with position ≤ this. */
  atOrBeforePosition?: number;
  /** Newest snapshot with time ≤ this. */
  atOrBeforeTime?: number;
  /** Aliases, strictly before. */
  beforePosition?: number;
  beforeTime?: number;
}

export type DeadLetterInput = Omit<DeadLetter, 'n'> & { code?: string };

export interface RecentKey {
  source: string;
  id: string;
  eventTime: number;
}

export interface Journal {
  readonly path: string;
  /** Position of the last signal (0 when empty). */
  readonly lastPosition: number;
  /** Newest event time journaled (−Infinity when empty). */
  readonly maxEventTime: number;
  /**
   * One transaction; returns the position of the batch's last signal. `raws[i]` is JSON text of
   * batch[i] when known. Inline writer: returns after the commit. Worker writer: returns at once
   * with the assigned position; the batch is committed when `durablePosition` reaches it.
   */
  append(batch: readonly Signal[], raws?: readonly (string | undefined)[]): number;
  /** Position up to which every append is committed (equals `lastPosition` for the inline writer). */
  readonly durablePosition: number;
  /** Blocks until every append up to `position` is committed (no-op for the inline writer). */
  waitDurable(position: number): void;
  /** Rows from `position` on, in position order, streamed from SQLite (constant memory). */
  readFrom(position: number, opts?: ReadOptions): IterableIterator<JournalRow>;
  /** Last position whose running-max event time is ≤ time (0 if none). */
  positionAtOrBefore(time: number): number;
  /** Keys journaled with event time ≥ sinceTime: prime the dedupe stage after a restart. */
  recentKeys(sinceTime: number): IterableIterator<RecentKey>;
  addDeadLetter(dl: DeadLetterInput): DeadLetter;
  addDeadLetters(list: readonly DeadLetterInput[]): void;
  /** Newest first. */
  listDeadLetters(limit: number, offset?: number): DeadLetter[];
  countDeadLetters(): number;
  saveSnapshot(s: SnapshotRecord): void;
  latestSnapshot(q?: LatestSnapshotQuery): StoredSnapshot | undefined;
  /** Checkpoints the WAL into the database file. */
  checkpoint(): void;
  /** Waits until every write posted so far is committed (no-op for the inline writer). */
  sync(): void;
  /**
   * Waits until the writer thread has started and opened its connection (no-op for the inline
   * writer). Appends never need it (they queue); a benchmark of sustained throughput does, so that
   * the thread's start is not counted as ingest time.
   */
  waitWriterReady(): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS signals (
  position   INTEGER PRIMARY KEY,
  event_time INTEGER NOT NULL,
  max_time   INTEGER NOT NULL,
  payload    TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  n      INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  source TEXT    NOT NULL,
  origin TEXT,
  reason TEXT    NOT NULL,
  path   TEXT,
  code   TEXT,
  raw    TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
  position INTEGER NOT NULL,
  time     INTEGER NOT NULL,
  version  TEXT    NOT NULL,
  hash     TEXT    NOT NULL,
  data     TEXT    NOT NULL,
  saved_at INTEGER
);
CREATE INDEX IF NOT EXISTS snapshots_position ON snapshots(position);
CREATE INDEX IF NOT EXISTS snapshots_time ON snapshots(time);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS signals_view AS
  SELECT position, json_extract(payload, '$.source') AS source, json_extract(payload, '$.id') AS id,
         event_time, max_time, json_extract(payload, '$.type') AS type, payload
  FROM signals;
`;

/** Journal format: 2 = four columns per signal row (format 1 had source, id and type columns too). */
const FORMAT = '2';

/**
 * Pragmas of a write connection. 16 KiB pages for new journals (rows are ~200 bytes appended at the
 * right edge of one B-tree: four times fewer page splits and WAL frames than 4 KiB pages; measured
 * about a quarter less CPU on the writer thread; a no-op on an existing file, which keeps its page
 * size). WAL; `synchronous` as asked; a 64 MiB WAL between automatic
 * checkpoints (fewer, larger checkpoints: each fsyncs) and the WAL file truncated back to that
 * size afterwards; page cache 8 MiB (appends touch few pages); temp data in memory.
 */
function configureWriter(db: Database.Database, synchronous: 'NORMAL' | 'FULL'): void {
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma('journal_size_limit = 67108864');
  db.pragma('cache_size = -8192');
  db.pragma('temp_store = MEMORY');
}

/** Creates the schema and migrates a format 1 journal (one transaction). */
function ensureSchema(db: Database.Database): void {
  const cols = (db.prepare(`SELECT name FROM pragma_table_info('signals')`).pluck().all() as string[]) ?? [];
  if (cols.includes('source')) {
    db.transaction(() => {
      db.exec('DROP VIEW IF EXISTS signals_view');
      db.exec('ALTER TABLE signals RENAME TO signals_v1');
      db.exec(SCHEMA);
      db.exec('INSERT INTO signals (position, event_time, max_time, payload) SELECT position, event_time, max_time, payload FROM signals_v1 ORDER BY position');
      db.exec('DROP TABLE signals_v1');
    })();
  } else {
    db.exec(SCHEMA);
  }
  db.prepare(`INSERT INTO meta(key, value) VALUES ('format', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(FORMAT);
}

/** Rows per multi-row INSERT (4 parameters each; SQLite allows 32766 parameters). */
const CHUNK = 256;

interface SignalRowRaw {
  position: number;
  event_time: number;
  payload: string;
}

interface DeadLetterRowRaw {
  n: number;
  at: number;
  source: string;
  origin: string | null;
  reason: string;
  path: string | null;
  raw: string;
}

function toDeadLetter(r: DeadLetterRowRaw): DeadLetter {
  const d: DeadLetter = { n: r.n, at: r.at, source: r.source, reason: r.reason, raw: r.raw };
  if (r.origin !== null) d.origin = r.origin;
  if (r.path !== null) d.path = r.path;
  return d;
}

/** Node's Buffer method without the argument checks of `write` (one call per row). */
interface FastBuffer extends Buffer {
  utf8Write(text: string, offset: number): number;
}
const fast = (b: Buffer): FastBuffer => (typeof (b as Partial<FastBuffer>).utf8Write === 'function' ? (b as FastBuffer) : Object.assign(b, { utf8Write: (t: string, o: number) => b.write(t, o, 'utf8') }));

/** Rows per native UTF-8 write in encodeBatch. */
const ENCODE_GROUP = 32;

/**
 * Encodes a batch's payloads (the raw text when known, else a stringify) as UTF-8 into one
 * transferable buffer, with each line's end offset and event time: the writer thread gets three
 * transferred buffers and cuts its rows out of them, no copy of a big string, no JSON parse.
 */
function encodeBatch(
  batch: readonly Signal[],
  raws: readonly (string | undefined)[] | undefined,
  capacityHint: number,
  bufferOf: (minBytes: number) => ArrayBuffer = (n) => new ArrayBuffer(n),
): { bytes: Buffer; ends: Uint32Array; times: Float64Array } {
  const n = batch.length;
  const times = new Float64Array(n);
  const ends = new Uint32Array(n);
  let cap = Math.max(capacityHint, 4096);
  let bytes = fast(Buffer.from(bufferOf(cap)));
  cap = bytes.length;
  let o = 0;
  const group = new Array<string>(ENCODE_GROUP);
  for (let g = 0; g < n; g += ENCODE_GROUP) {
    // Rows are encoded in groups: one native write per group, not per row. A group's text stays
    // small (a young-generation string); one string for the whole batch would be a large object.
    const m = Math.min(ENCODE_GROUP, n - g);
    let chars = 0;
    for (let k = 0; k < m; k++) {
      const i = g + k;
      const s = batch[i]!;
      times[i] = s.eventTime;
      const text = raws?.[i] ?? JSON.stringify(s);
      group[k] = text;
      chars += text.length;
      ends[i] = chars; // UTF-16 offsets within the group; made byte offsets below
    }
    group.length = m;
    const text = m === 1 ? group[0]! : group.join('');
    if (cap - o < text.length * 3) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: with that much room a write is never cut.
      const grown = fast(Buffer.from(bufferOf(Math.max(cap * 2, o + text.length * 3))));
      cap = grown.length;
      bytes.copy(grown, 0, 0, o);
      bytes = grown;
    }
    const written = bytes.utf8Write(text, o);
    if (written === text.length) {
      // All ASCII (the usual case): bytes and UTF-16 units coincide.
      for (let k = 0; k < m; k++) ends[g + k] += o;
    } else {
      for (let k = 0, at = o; k < m; k++) ends[g + k] = at += Buffer.byteLength(group[k]!, 'utf8');
    }
    o += written;
  }
  return { bytes: bytes.subarray(0, o), ends, times };
}

/**
 * Inserts rows (first, first+1, …) with payload `line(i)` and event time `times[i]`; returns the new running max event time. Runs inside the caller's transaction.
 */
function insertRows(
  insertChunk: Database.Statement,
  insertOne: Database.Statement,
  params: unknown[],
  first: number,
  times: ArrayLike<number>,
  maxTime: number,
  line: (i: number) => string,
): number {
  const n = times.length;
  let m = maxTime;
  let p = first;
  let i = 0;
  for (; i + CHUNK <= n; i += CHUNK) {
    for (let j = 0, k = 0; j < CHUNK; j++) {
      const t = times[i + j]!;
      if (t > m) m = t;
      params[k++] = p++;
      params[k++] = t;
      params[k++] = m;
      params[k++] = line(i + j);
    }
    insertChunk.run(params);
  }
  for (; i < n; i++) {
    const t = times[i]!;
    if (t > m) m = t;
    insertOne.run(p++, t, m, line(i));
  }
  return m;
}

/**
 * The writer thread's INSERTs take each payload as a byte range of the batch's UTF-8 buffer:
 * `CAST(substr(@b, start, length) AS TEXT)`, with `@b` the bytes of CHUNK rows bound once as a
 * BLOB. So no JS string is made per row (and no UTF-8 re-encoding of it by the binding): the
 * thread binds numbers only, SQLite copies the bytes; the stored value is TEXT, byte for byte the
 * text the main thread encoded (CAST of a BLOB to TEXT reinterprets its bytes in the database's
 * encoding, UTF-8).
 */
const BYTE_ROW = '(?, ?, ?, CAST(substr(@b, ?, ?) AS TEXT))';

/**
 * Inserts the rows of an encoded batch (see encodeBatch) at positions first, first+1, …; returns
 * the new running max event time. Runs inside the caller's transaction.
 */
function insertEncodedRows(
  insertChunk: Database.Statement,
  insertOne: Database.Statement,
  params: number[],
  first: number,
  bytes: Buffer,
  ends: Uint32Array,
  times: ArrayLike<number>,
  maxTime: number,
): number {
  const n = times.length;
  let m = maxTime;
  let p = first;
  let i = 0;
  for (; i + CHUNK <= n; i += CHUNK) {
    const base = i === 0 ? 0 : ends[i - 1]!;
    for (let j = 0, k = 0, at = base; j < CHUNK; j++) {
      const t = times[i + j]!;
      if (t > m) m = t;
      const end = ends[i + j]!;
      params[k++] = p++;
      params[k++] = t;
      params[k++] = m;
      params[k++] = at - base + 1; // substr is 1-based
      params[k++] = end - at;
      at = end;
    }
    insertChunk.run(params, { b: bytes.subarray(base, ends[i + CHUNK - 1]!) });
  }
  for (; i < n; i++) {
    const t = times[i]!;
    if (t > m) m = t;
    const start = i === 0 ? 0 : ends[i - 1]!;
    insertOne.run(p++, t, m, 1, ends[i]! - start, { b: bytes.subarray(start, ends[i]!) });
  }
  return m;
}

export function openJournal(path: string, opts: JournalOptions = {}): Journal {
  const db = new Database(path, { readonly: opts.readonly ?? false });
  const synchronous = opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL';
  if (!opts.readonly) {
    configureWriter(db, synchronous);
    ensureSchema(db);
  } else {
    db.pragma('temp_store = MEMORY');
  }

  const last = db.prepare('SELECT position, max_time FROM signals ORDER BY position DESC LIMIT 1').get() as { position: number; max_time: number } | undefined;
  let lastPosition = last?.position ?? 0;
  let maxTime = last?.max_time ?? -Infinity;
  const thread = opts.writer === 'worker' && !opts.readonly ? startWriterThread(path, synchronous, lastPosition) : undefined;
  let nextDeadLetter = ((db.prepare('SELECT max(n) FROM dead_letters').pluck().get() as number | null) ?? 0) + 1;
  const sync = () => thread?.sync();
  let encodeCapacity = 0; // bytes of the last encoded batch: the next one's first guess

  // Reads name only the columns both formats have (position, event_time, max_time, payload).
  const maxTimeAt = db.prepare('SELECT max_time FROM signals WHERE position = ?').pluck();
  const readAll = db.prepare('SELECT position, event_time, payload FROM signals WHERE position >= ? AND position <= ? ORDER BY position LIMIT ?');
  const recent = db.prepare(
    `SELECT json_extract(payload, '$.source') AS source, json_extract(payload, '$.id') AS id, event_time FROM signals WHERE position >= ? AND event_time >= ? ORDER BY position`,
  );
  const insertDl = opts.readonly ? undefined : db.prepare('INSERT INTO dead_letters (n, at, source, origin, reason, path, code, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const listDl = db.prepare('SELECT n, at, source, origin, reason, path, raw FROM dead_letters ORDER BY n DESC LIMIT ? OFFSET ?');
  const countDl = db.prepare('SELECT count(*) FROM dead_letters').pluck();
  const insertSnap = opts.readonly ? undefined : db.prepare('INSERT INTO snapshots (position, time, version, hash, data, saved_at) VALUES (?, ?, ?, ?, ?, ?)');
  const snapBy = {
    any: db.prepare('SELECT * FROM snapshots ORDER BY position DESC, rowid DESC LIMIT 1'),
    position: db.prepare('SELECT * FROM snapshots WHERE position <= ? ORDER BY position DESC, rowid DESC LIMIT 1'),
    time: db.prepare('SELECT * FROM snapshots WHERE time <= ? ORDER BY time DESC, position DESC, rowid DESC LIMIT 1'),
    both: db.prepare('SELECT * FROM snapshots WHERE position <= ? AND time <= ? ORDER BY position DESC, rowid DESC LIMIT 1'),
  };

  const insertOne = opts.readonly || thread ? undefined : db.prepare('INSERT INTO signals (position, event_time, max_time, payload) VALUES (?, ?, ?, ?)');
  // Multi-row INSERTs: one native call per CHUNK rows instead of one per row.
  const insertChunk = opts.readonly || thread ? undefined : db.prepare(`INSERT INTO signals (position, event_time, max_time, payload) VALUES ${Array.from({ length: CHUNK }, () => '(?, ?, ?, ?)').join(', ')}`);
  const params: unknown[] = new Array(CHUNK * 4);
  let times = new Float64Array(0);

  const appendTx = db.transaction((batch: readonly Signal[], raws: readonly (string | undefined)[] | undefined) => {
    const n = batch.length;
    if (times.length < n) times = new Float64Array(Math.max(n, 2 * times.length));
    for (let i = 0; i < n; i++) times[i] = batch[i]!.eventTime;
    return insertRows(insertChunk!, insertOne!, params, lastPosition + 1, times.subarray(0, n), maxTime, (i) => {
      const raw = raws?.[i];
      return raw !== undefined ? raw : JSON.stringify(batch[i]);
    });
  });

  const addDlTx = db.transaction((list: readonly (DeadLetterInput & { n?: number })[]) => {
    for (const d of list) insertDl!.run(d.n, d.at, d.source, d.origin ?? null, d.reason, d.path ?? null, d.code ?? null, d.raw);
  });

  function positionAtOrBefore(time: number): number {
    // Largest position p with max_time(p) <= time; max_time is non-decreasing in position.
    let lo = 0; // invariant: lo == 0 or max_time(lo) <= time
    let hi = lastPosition; // answer <= hi
    if (hi === 0) return 0;
    if ((maxTimeAt.get(hi) as number) <= time) return hi;
    hi -= 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if ((maxTimeAt.get(mid) as number) <= time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  function toSnapshot(r: { position: number; time: number; version: string; hash: string; data: string; saved_at: number | null } | undefined): StoredSnapshot | undefined {
    if (!r) return undefined;
    const s: StoredSnapshot = { position: r.position, time: r.time, version: r.version, hash: r.hash, data: r.data };
    if (r.saved_at !== null) s.savedAt = r.saved_at;
    return s;
  }

  return {
    path,
    get lastPosition() {
      return lastPosition;
    },
    get maxEventTime() {
      return maxTime;
    },
    get durablePosition() {
      return thread ? thread.durablePosition() : lastPosition;
    },
    waitDurable(position) {
      thread?.waitDurable(position);
    },
    append(batch, raws) {
      if (batch.length === 0) return lastPosition;
      if (thread) {
        const { bytes, ends, times: t } = encodeBatch(batch, raws, encodeCapacity + (encodeCapacity >> 3), thread.takeBuffer);
        encodeCapacity = bytes.length;
        let m = maxTime;
        for (let i = 0; i < t.length; i++) if (t[i]! > m) m = t[i]!;
        const first = lastPosition + 1;
        lastPosition += batch.length;
        maxTime = m;
        thread.postAppend(first, lastPosition, bytes, ends, t);
        return lastPosition;
      }
      maxTime = appendTx(batch, raws);
      lastPosition += batch.length;
      return lastPosition;
    },
    *readFrom(position, ro = {}) {
      sync();
      const until = ro.untilTime === undefined ? lastPosition : positionAtOrBefore(ro.untilTime);
      const limit = ro.limit ?? -1;
      for (const r of readAll.iterate(Math.max(1, position), until, limit) as IterableIterator<SignalRowRaw>) {
        const signal = JSON.parse(r.payload) as Signal;
        yield { position: r.position, source: signal.source, id: signal.id, eventTime: r.event_time, type: signal.type, signal };
      }
    },
    positionAtOrBefore(time) {
      sync();
      return positionAtOrBefore(time);
    },
    sync() {
      sync();
    },
    waitWriterReady() {
      thread?.waitReady();
    },
    *recentKeys(sinceTime) {
      sync();
      // Rows before the first position whose running max reaches sinceTime have event time < sinceTime.
      const from = positionAtOrBefore(sinceTime - 1) + 1;
      for (const r of recent.iterate(from, sinceTime) as IterableIterator<{ source: string; id: string; event_time: number }>) {
        yield { source: r.source, id: r.id, eventTime: r.event_time };
      }
    },
    addDeadLetter(dl) {
      const n = nextDeadLetter++;
      if (thread) thread.post({ op: 'deadLetters', first: n, list: [dl] });
      else addDlTx([{ ...dl, n } as DeadLetterInput]);
      const d: DeadLetter = { n, at: dl.at, source: dl.source, reason: dl.reason, raw: dl.raw };
      if (dl.origin !== undefined) d.origin = dl.origin;
      if (dl.path !== undefined) d.path = dl.path;
      return d;
    },
    addDeadLetters(list) {
      if (list.length === 0) return;
      const first = nextDeadLetter;
      nextDeadLetter += list.length;
      if (thread) thread.post({ op: 'deadLetters', first, list: list.map((d) => ({ ...d })) });
      else addDlTx(list.map((d, i) => ({ ...d, n: first + i })));
    },
    listDeadLetters(limit, offset = 0) {
      sync();
      return (listDl.all(limit, offset) as DeadLetterRowRaw[]).map(toDeadLetter);
    },
    countDeadLetters() {
      sync();
      return countDl.get() as number;
    },
    saveSnapshot(s) {
      if (thread) return thread.post({ op: 'snapshot', s: { ...s } });
      insertSnap!.run(s.position, s.time, String(s.version), s.hash, s.data, null);
    },
    latestSnapshot(q = {}) {
      sync();
      let pos = q.atOrBeforePosition ?? (q.beforePosition !== undefined ? q.beforePosition - 1 : undefined);
      const time = q.atOrBeforeTime ?? (q.beforeTime !== undefined ? q.beforeTime - 1 : undefined);
      if (pos !== undefined && time !== undefined) return toSnapshot(snapBy.both.get(pos, time) as never);
      if (pos !== undefined) return toSnapshot(snapBy.position.get(pos) as never);
      if (time !== undefined) return toSnapshot(snapBy.time.get(time) as never);
      pos = undefined;
      return toSnapshot(snapBy.any.get() as never);
    },
    checkpoint() {
      sync();
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    close() {
      thread?.close();
      if (db.open) db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The writer thread's side.
// ---------------------------------------------------------------------------------------------

export type WriterOp =
  | { op: 'append'; first: number; bytes: Uint8Array; ends: Uint32Array; times: Float64Array }
  | { op: 'deadLetters'; first: number; list: DeadLetterInput[] }
  | { op: 'snapshot'; s: SnapshotRecord };

/**
 * Write connection for the worker: a batch's UTF-8 payloads, their end offsets and event times in,
 * rows out. It never parses JSON (the columns it needs come with the batch). The schema exists already: the
 * main thread's openJournal created or migrated it before starting this thread.
 */
export function openWriter(path: string, synchronous: 'NORMAL' | 'FULL') {
  const db = new Database(path);
  configureWriter(db, synchronous);
  ensureSchema(db);
  let maxTime = (db.prepare('SELECT max_time FROM signals ORDER BY position DESC LIMIT 1').pluck().get() as number | undefined) ?? -Infinity;
  const insertOne = db.prepare(`INSERT INTO signals (position, event_time, max_time, payload) VALUES ${BYTE_ROW}`);
  const insertChunk = db.prepare(`INSERT INTO signals (position, event_time, max_time, payload) VALUES ${Array.from({ length: CHUNK }, () => BYTE_ROW).join(', ')}`);
  const params: number[] = new Array<number>(CHUNK * 5).fill(0);
  const insertDl = db.prepare('INSERT INTO dead_letters (n, at, source, origin, reason, path, code, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertSnap = db.prepare('INSERT INTO snapshots (position, time, version, hash, data, saved_at) VALUES (?, ?, ?, ?, ?, ?)');
  const apply = db.transaction((op: WriterOp) => {
    if (op.op === 'append') {
      const bytes = Buffer.from(op.bytes.buffer, op.bytes.byteOffset, op.bytes.byteLength);
      maxTime = insertEncodedRows(insertChunk, insertOne, params, op.first, bytes, op.ends, op.times, maxTime);
    } else if (op.op === 'deadLetters') {
      let n = op.first;
      for (const d of op.list) insertDl.run(n++, d.at, d.source, d.origin ?? null, d.reason, d.path ?? null, d.code ?? null, d.raw);
    } else {
      insertSnap.run(op.s.position, op.s.time, String(op.s.version), op.s.hash, op.s.data, null);
    }
  });
  return { apply: (op: WriterOp) => apply(op), close: () => db.close() };
}

function createWriterWorker(workerData: unknown, transferList: MessagePort[]): Worker {
  for (const rel of ['./journal-worker.mjs', './core/journal-worker.mjs']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData, transferList, stdout: false });
  }
  // Running from source (tsx, vitest): register tsx inside the worker, then load the TypeScript entry.
  const entry = new URL('./journal-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData, transferList, stdout: false });
}

/**
 * Posts writes to the writer thread; positions/numbers are assigned by the caller. Every message
 * is one transaction; the worker counts committed messages in a shared Int32Array, and the
 * positions that appends end at are remembered here, so `durablePosition` is a lookup.
 */
export function startWriterThread(path: string, synchronous: 'NORMAL' | 'FULL', startPosition = 0) {
  const shared = new SharedArrayBuffer(16);
  const state = new Int32Array(shared); // [0] messages committed, [1] error flag, [2] closed flag, [3] ready flag
  const { port1, port2 } = new MessageChannel();
  // The writer hands each batch's byte buffer back on `recycle` once committed, for the next batch:
  // a fresh ~1 MB buffer per batch is a fresh mmap, and its page faults cost about as much as the
  // encoding into it (encode time in the ingest bench went from ~0.3 to ~0.15-0.25 s per 1M signals).
  const recycle = new MessageChannel();
  recycle.port1.unref();
  const pool: ArrayBuffer[] = [];
  const worker = createWriterWorker({ path, synchronous, shared, recycle: recycle.port2 }, [recycle.port2]);
  worker.on('message', (m) => port2.postMessage(m));
  worker.on('error', (e) => {
    Atomics.store(state, 1, 1);
    port2.postMessage({ error: String(e?.stack ?? e) });
  });
  worker.unref();
  let posted = 0;
  // Appends in flight: message number → last position, oldest first.
  const inFlightMsg: number[] = [];
  const inFlightPos: number[] = [];
  let durable = startPosition;
  const MAX_IN_FLIGHT = 8;
  function check(): void {
    if (Atomics.load(state, 1) !== 0) {
      let msg = 'journal writer thread failed';
      for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) if (m.message?.error) msg = `journal writer thread failed: ${m.message.error}`;
      throw new Error(msg);
    }
  }
  function waitFor(target: number): void {
    let last = Atomics.load(state, 0);
    let since = performance.now();
    for (;;) {
      const done = Atomics.load(state, 0);
      if (done >= target) break;
      if (done !== last) {
        last = done;
        since = performance.now();
      } else if (performance.now() - since > 60_000) {
        throw new Error(`journal writer thread made no progress for 60 s (${target - done} writes pending): ${path}`);
      }
      Atomics.wait(state, 0, done, 200);
      check();
    }
    check();
  }
  function post(op: WriterOp, transfer?: ArrayBuffer[]): void {
    check();
    worker.postMessage(op, transfer);
    posted++;
    // Backpressure: never more than a few batches queued (bounded memory).
    if (posted - Atomics.load(state, 0) > MAX_IN_FLIGHT) waitFor(posted - MAX_IN_FLIGHT);
  }
  function settle(): number {
    const done = Atomics.load(state, 0);
    while (inFlightMsg.length > 0 && inFlightMsg[0]! <= done) {
      inFlightMsg.shift();
      durable = inFlightPos.shift()!;
    }
    check();
    return done;
  }
  /** A buffer of at least `minBytes`: a recycled one when one is back, else a new one. */
  function takeBuffer(minBytes: number): ArrayBuffer {
    for (let m = receiveMessageOnPort(recycle.port1); m; m = receiveMessageOnPort(recycle.port1)) {
      if (pool.length < MAX_IN_FLIGHT + 2) pool.push(m.message as ArrayBuffer);
    }
    for (let i = pool.length - 1; i >= 0; i--) {
      const b = pool[i]!;
      if (b.byteLength >= minBytes) {
        pool[i] = pool[pool.length - 1]!;
        pool.pop();
        return b;
      }
    }
    // None big enough: the batches grew; let the small ones go.
    pool.length = 0;
    return new ArrayBuffer(minBytes);
  }
  return {
    takeBuffer,
    post: (op: WriterOp) => post(op),
    postAppend(first: number, lastPos: number, bytes: Buffer, ends: Uint32Array, times: Float64Array): void {
      post({ op: 'append', first, bytes, ends, times }, [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, times.buffer as ArrayBuffer]);
      inFlightMsg.push(posted);
      inFlightPos.push(lastPos);
    },
    durablePosition(): number {
      settle();
      return durable;
    },
    waitDurable(position: number): void {
      settle();
      let i = 0;
      while (i < inFlightPos.length && inFlightPos[i]! < position) i++;
      if (i < inFlightPos.length) waitFor(inFlightMsg[i]!);
      else if (inFlightMsg.length > 0) waitFor(inFlightMsg[inFlightMsg.length - 1]!);
      settle();
    },
    sync: () => waitFor(posted),
    waitReady(): void {
      for (let i = 0; i < 600 && Atomics.load(state, 3) === 0; i++) {
        Atomics.wait(state, 3, 0, 100);
        check();
      }
      if (Atomics.load(state, 3) === 0) throw new Error(`journal writer thread did not start within 60 s: ${path}`);
    },
    close(): void {
      waitFor(posted);
      worker.postMessage({ op: 'close' });
      // The worker closes its connection and raises the closed flag; wait for it synchronously.
      for (let i = 0; i < 500 && Atomics.load(state, 2) === 0; i++) Atomics.wait(state, 2, 0, 10);
      void worker.terminate();
      port1.close();
      port2.close();
      recycle.port1.close();
      pool.length = 0;
    },
  };
}
