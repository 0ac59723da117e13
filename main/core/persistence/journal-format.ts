/**
 * How the journal lays out its SQLite file and writes rows, shared by the main thread's
 * connection (journal.ts) and the writer thread (journal-writer.ts): the schema and its format
 * migration, the writer's pragmas, the batch encoding handed to the thread, and the multi-row
 * INSERTs.
 */
import type Database from 'better-sqlite3';
import type { DeadLetter } from '../../../shared/protocol/api';
import type { Signal } from '../../../shared/signals/schema';

export interface SnapshotRecord {
  position: number;
  time: number;
  version: number | string;
  hash: string;
  data: string;
}

export type DeadLetterInput = Omit<DeadLetter, 'n'> & { code?: string };

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
 * right edge of one B-tree: four times fewer page splits and WAL frames than 4 KiB pages, so
 * less CPU on the writer thread; a no-op on an existing file, which keeps its page
 * size). WAL; `synchronous` as asked; an automatic checkpoint every 16,384 pages of 16 KiB, i.e.
 * 256 MiB of WAL (fewer, larger checkpoints: each fsyncs the database file) and the WAL file
 * truncated back to 64 MiB afterwards (journal_size_limit); page cache 8 MiB (appends touch few pages); temp data in memory.
 */
export function configureWriter(db: Database.Database, synchronous: 'NORMAL' | 'FULL'): void {
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma('journal_size_limit = 67108864');
  db.pragma('cache_size = -8192');
  db.pragma('temp_store = MEMORY');
}

/** Creates the schema and migrates a format 1 journal (one transaction). */
export function ensureSchema(db: Database.Database): void {
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

/**
 * Snapshot retention, run in the same transaction as each saved snapshot. A snapshot only speeds
 * up a rebuild (the twin is a function of the journal's signals, which are never removed), so old
 * ones can go without losing anything: kept are the newest SNAPSHOTS_KEPT and the first of each
 * plant hour, so a resume replays from the newest and a rebuild at any past time (time travel, a
 * decision's replay) replays at most about a plant hour of signals.
 */
export const SNAPSHOTS_KEPT = 24;
export const THIN_SNAPSHOTS = `DELETE FROM snapshots WHERE rowid NOT IN (SELECT rowid FROM snapshots ORDER BY position DESC, rowid DESC LIMIT ${SNAPSHOTS_KEPT}) AND rowid NOT IN (SELECT min(rowid) FROM snapshots GROUP BY time / 3600000)`;

/** Rows per multi-row INSERT (4 parameters each; SQLite allows 32766 parameters). */
export const CHUNK = 256;

export interface SignalRowRaw {
  position: number;
  event_time: number;
  payload: string;
}

export interface DeadLetterRowRaw {
  n: number;
  at: number;
  source: string;
  origin: string | null;
  reason: string;
  path: string | null;
  raw: string;
}

export function toDeadLetter(r: DeadLetterRowRaw): DeadLetter {
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
export function encodeBatch(
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
      // `g + k < n`, the length of `ends`, so the element exists.
      for (let k = 0; k < m; k++) ends[g + k]! += o;
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
export function insertRows(
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
export const BYTE_ROW = '(?, ?, ?, CAST(substr(@b, ?, ?) AS TEXT))';

/**
 * Inserts the rows of an encoded batch (see encodeBatch) at positions first, first+1, …; returns
 * the new running max event time. Runs inside the caller's transaction.
 */
export function insertEncodedRows(
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
