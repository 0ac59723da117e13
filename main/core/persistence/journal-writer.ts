/**
 * The journal's writer thread (`writer: 'worker'` in journal.ts): the worker's write connection
 * (`openWriter`, run by journal-worker.ts) and the main thread's handle on the thread
 * (`startWriterThread`): posting batches with backpressure, and how far the commits have got.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { BYTE_ROW, CHUNK, THIN_SNAPSHOTS, configureWriter, ensureSchema, insertEncodedRows, type DeadLetterInput, type SnapshotRecord } from './journal-format';
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
  const thinSnaps = db.prepare(THIN_SNAPSHOTS);
  const apply = db.transaction((op: WriterOp) => {
    if (op.op === 'append') {
      const bytes = Buffer.from(op.bytes.buffer, op.bytes.byteOffset, op.bytes.byteLength);
      maxTime = insertEncodedRows(insertChunk, insertOne, params, op.first, bytes, op.ends, op.times, maxTime);
    } else if (op.op === 'deadLetters') {
      let n = op.first;
      for (const d of op.list) insertDl.run(n++, d.at, d.source, d.origin ?? null, d.reason, d.path ?? null, d.code ?? null, d.raw);
    } else {
      insertSnap.run(op.s.position, op.s.time, String(op.s.version), op.s.hash, op.s.data, null);
      thinSnaps.run();
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
// Atomics.waitAsync (Node ≥ 16) is not in the TypeScript lib this project targets.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: true; value: Promise<string> } | { async: false; value: string } }).waitAsync;

export function startWriterThread(path: string, synchronous: 'NORMAL' | 'FULL', startPosition = 0) {
  const shared = new SharedArrayBuffer(32);
  const state = new Int32Array(shared); // [0] messages committed, [1] error flag, [2] closed flag, [3] ready flag, [4] paused (disk full)
  // Why the writer is paused, as SQLite said it (the flag in `state` is the truth; this is the words).
  let pausedReason = 'the disk is full';
  const { port1, port2 } = new MessageChannel();
  // The writer hands each batch's byte buffer back on `recycle` once committed, for the next batch:
  // a fresh ~1 MB buffer per batch is a fresh mmap, and its page faults cost about as much as the
  // encoding into it (encode time in the ingest bench went from ~0.3 to ~0.15-0.25 s per 1M signals).
  const recycle = new MessageChannel();
  recycle.port1.unref();
  const pool: ArrayBuffer[] = [];
  const worker = createWriterWorker({ path, synchronous, shared, recycle: recycle.port2 }, [recycle.port2]);
  worker.on('message', (m: { paused?: string; resumed?: boolean }) => {
    if (m?.paused !== undefined) pausedReason = m.paused;
    else if (!m?.resumed) port2.postMessage(m);
  });
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
  const paused = () => Atomics.load(state, 4) !== 0;
  /**
   * Blocks until `target` messages are committed. `whilePaused`: what to do while the writer waits
   * for disk space: 'return' at once (the caller copes with an uncommitted tail: delivery and
   * acknowledgement follow `durablePosition` only), 'throw' (a read cannot be answered), or 'block'.
   */
  function waitFor(target: number, whilePaused: 'return' | 'throw' | 'block' = 'block'): void {
    let last = Atomics.load(state, 0);
    let since = performance.now();
    for (;;) {
      const done = Atomics.load(state, 0);
      if (done >= target) break;
      if (paused()) {
        if (whilePaused === 'return') return;
        if (whilePaused === 'throw') throw new Error(`the journal ${path} is paused, waiting for disk space (${pausedReason}); free space on its file system`);
        since = performance.now(); // no progress is expected while the disk is full
      }
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
    // While the disk is full the writes queue in the thread's port instead (the core stops taking
    // signals in then, so the queue holds what arrived in flight).
    if (posted - Atomics.load(state, 0) > MAX_IN_FLIGHT) waitFor(posted - MAX_IN_FLIGHT, 'return');
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
      if (i < inFlightPos.length) waitFor(inFlightMsg[i]!, 'return');
      else if (inFlightMsg.length > 0) waitFor(inFlightMsg[inFlightMsg.length - 1]!, 'return');
      settle();
    },
    /**
     * Calls `cb` on a later turn of the event loop once `position` is committed, without blocking
     * this thread (Atomics.waitAsync on the commit counter). Stops watching when the writer thread
     * failed: the next write or wait throws its error.
     */
    onDurable(position: number, cb: () => void): void {
      const watch = (): void => {
        try {
          settle();
        } catch {
          return;
        }
        if (durable >= position || inFlightMsg.length === 0) {
          setImmediate(cb);
          return;
        }
        const r = waitAsync(state, 0, Atomics.load(state, 0), 1000);
        if (r.async) void r.value.then(watch);
        else setImmediate(watch);
      };
      watch();
    },
    /**
     * Calls `cb` on a later turn of the event loop once every write posted so far (appends, dead
     * letters, snapshots) is committed, without blocking. A dead letter has no position, so
     * `onDurable` cannot wait for it; an acknowledgement of a message the core dead-lettered waits
     * here. Stops watching when the writer thread failed, like `onDurable`.
     */
    onPostedDurable(cb: () => void): void {
      const target = posted;
      const watch = (): void => {
        try {
          check();
        } catch {
          return;
        }
        const done = Atomics.load(state, 0);
        if (done >= target) {
          setImmediate(cb);
          return;
        }
        const r = waitAsync(state, 0, done, 1000);
        if (r.async) void r.value.then(watch);
        else setImmediate(watch);
      };
      watch();
    },
    sync: () => waitFor(posted, 'throw'),
    /** Why the writer waits for disk space, or undefined when it is writing. */
    paused: (): string | undefined => (paused() ? pausedReason : undefined),
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
