/**
 * The durable journal: every accepted signal, in the order the twin applied it, on better-sqlite3.
 *
 * Durability. The database runs in WAL mode with `synchronous = FULL` (default): every commit
 * fsyncs the WAL before it returns, one fsync per batch (a group commit: a batch holds up to 4,096
 * signals, as many as arrived while the previous one was being written). What is committed
 * survives a killed process and an OS crash or power cut, and the pipeline acknowledges a signal
 * (delivery, MQTT PUBACK via whenDurable, the answer to signals.ingest and POST /api/signals) only
 * once its batch is committed, so only what is on disk is acknowledged. `synchronous: 'NORMAL'`
 * skips that fsync (the WAL is synced at checkpoints only): faster, survives a killed process but
 * not an OS crash or power cut, which could lose acknowledged signals; for tests and benchmarks.
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
 * a payload (its INSERTs cut each row's text out of the bytes in SQL, see BYTE_ROW in journal-format.ts;
 * the thread itself is journal-writer.ts). `append` then returns
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
import type { DeadLetter } from '../../../shared/protocol/api';
import type { Signal } from '../../../shared/signals/schema';
import { CHUNK, THIN_SNAPSHOTS, configureWriter, encodeBatch, ensureSchema, insertRows, toDeadLetter, type DeadLetterInput, type DeadLetterRowRaw, type SignalRowRaw, type SnapshotRecord } from './journal-format';
import { startWriterThread } from './journal-writer';

export type { DeadLetterInput, SnapshotRecord } from './journal-format';

export interface JournalOptions {
  /** 'FULL' (default): an fsync per commit, survives power loss; 'NORMAL': survives a process kill only. */
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
  /**
   * Blocks until every append up to `position` is committed (no-op for the inline writer). Returns
   * early while the writer is paused for disk space: check `durablePosition` after it.
   */
  waitDurable(position: number): void;
  /** Calls `cb` on a later turn of the event loop once `position` is committed, without blocking. */
  onDurable(position: number, cb: () => void): void;
  /**
   * Calls `cb` on a later turn of the event loop once every write made so far is committed: appends
   * and also dead letters and snapshots, which have no position. An acknowledgement of a message
   * that was dead-lettered waits for this, so a crash cannot lose an acknowledged dead letter.
   */
  onWritesDurable(cb: () => void): void;
  /**
   * Worker writer: why it cannot commit now (the file system is full: it retries each second and
   * resumes by itself, in order), or undefined. Reads throw while it is set.
   */
  readonly paused: string | undefined;
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

export function openJournal(path: string, opts: JournalOptions = {}): Journal {
  const db = new Database(path, { readonly: opts.readonly ?? false });
  const synchronous = opts.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL';
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
  const thinSnaps = opts.readonly ? undefined : db.prepare(THIN_SNAPSHOTS);
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
    onDurable(position, cb) {
      if (thread) thread.onDurable(position, cb);
      else setImmediate(cb);
    },
    onWritesDurable(cb) {
      if (thread) thread.onPostedDurable(cb);
      else setImmediate(cb); // the inline writer commits before it returns
    },
    get paused() {
      return thread?.paused();
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
      db.transaction(() => {
        insertSnap!.run(s.position, s.time, String(s.version), s.hash, s.data, null);
        thinSnaps!.run();
      })();
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
