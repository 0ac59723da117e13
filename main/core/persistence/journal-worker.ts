/**
 * Journal writer thread: owns the write connection and commits what the main thread's journal
 * (journal.ts, `writer: 'worker'`) posts, in order, one transaction per message: an append is three
 * transferred buffers (payloads as UTF-8, their end offsets, their event times), so nothing is
 * parsed here, and the payload bytes go to SQLite as they are (no JS string per row). Positions and dead-letter numbers are assigned on the main thread, so appends never wait
 * for this thread; `Journal.waitDurable()` / `sync()` wait (Atomics) until what was posted is
 * committed. Bundled by the build to dist/core/journal-worker.mjs.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openWriter, type WriterOp } from './journal-writer';

const { path, synchronous, shared, recycle } = workerData as { path: string; synchronous: 'NORMAL' | 'FULL'; shared: SharedArrayBuffer; recycle?: MessagePort };
const state = new Int32Array(shared); // [0] messages committed, [1] error flag, [2] closed flag, [3] ready flag, [4] paused (disk full)
const writer = openWriter(path, synchronous);
/** Never notified: Atomics.wait on it is a plain sleep of this thread. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const RETRY_MS = 1000;

/**
 * SQLite's answer when the file system has no room (ENOSPC on write: SQLITE_FULL; growing the
 * shared-memory index: SQLITE_IOERR_SHMSIZE). The transaction was rolled back, so the same write
 * can be tried again once there is room: nothing committed is touched, nothing half-written stays.
 */
function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_SHMSIZE' || (code === 'SQLITE_IOERR_WRITE' && /ENOSPC|disk is full/i.test(String((e as Error).message)));
}

/**
 * Applies one write; while the disk is full it keeps the write (and, behind it in the port, every
 * later one, in order) and retries each second, with the paused flag raised so the main thread
 * stops acknowledging instead of failing. Any other error fails the writer as before.
 */
function applyWithRetry(op: WriterOp): void {
  for (;;) {
    try {
      writer.apply(op);
      if (Atomics.load(state, 4) !== 0) {
        Atomics.store(state, 4, 0);
        parentPort!.postMessage({ resumed: true });
      }
      return;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (Atomics.load(state, 4) === 0) {
        Atomics.store(state, 4, 1);
        parentPort!.postMessage({ paused: `${(e as { code?: string }).code}: ${(e as Error).message}` });
      }
      Atomics.wait(sleeper, 0, 0, RETRY_MS);
    }
  }
}
Atomics.store(state, 3, 1);
Atomics.notify(state, 3);

parentPort!.on('message', (op: WriterOp | { op: 'close' }) => {
  if (op.op === 'close') {
    writer.close();
    Atomics.store(state, 2, 1);
    Atomics.notify(state, 2);
    parentPort!.postMessage({ closed: true });
    return;
  }
  try {
    applyWithRetry(op);
    // The batch's byte buffer goes back to the main thread for a later batch (see startWriterThread).
    if (op.op === 'append' && recycle) recycle.postMessage(op.bytes.buffer, [op.bytes.buffer as ArrayBuffer]);
  } catch (e) {
    Atomics.store(state, 1, 1);
    parentPort!.postMessage({ error: String((e as Error)?.stack ?? e) });
  }
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
});
