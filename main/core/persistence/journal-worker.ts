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
const state = new Int32Array(shared); // [0] messages committed, [1] error flag, [2] closed flag, [3] ready flag
const writer = openWriter(path, synchronous);
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
    writer.apply(op);
    // The batch's byte buffer goes back to the main thread for a later batch (see startWriterThread).
    if (op.op === 'append' && recycle) recycle.postMessage(op.bytes.buffer, [op.bytes.buffer as ArrayBuffer]);
  } catch (e) {
    Atomics.store(state, 1, 1);
    parentPort!.postMessage({ error: String((e as Error)?.stack ?? e) });
  }
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
});
