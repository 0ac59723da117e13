/**
 * The default write-back target when no connector provides one: appends each acknowledged
 * message as one JSON line to `<dataDir>/writeback/<target>.ndjson` (erp.ndjson, mes.ndjson),
 * fsynced before it acknowledges. Idempotent on `idempotencyKey`: the keys already in the file are
 * read at start, and a re-send (after a crash between the append and the outbox's ack) is
 * acknowledged without appending twice.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteBackAck, WriteBackMessage, WriteBackTarget } from '../../../../shared/commit/writeback';

export interface FileWriteBackTarget extends WriteBackTarget {
  /** Path of the file a target's messages go to. */
  fileOf(target: 'erp' | 'mes'): string;
  /** Re-sends detected (acknowledged without appending). */
  readonly duplicates: number;
}

export function createFileWriteBackTarget(dataDir: string, now: () => number): FileWriteBackTarget {
  const dir = join(dataDir, 'writeback');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fileOf = (t: 'erp' | 'mes') => join(dir, `${t}.ndjson`);
  const seen = new Map<string, number>();
  for (const t of ['erp', 'mes'] as const) {
    if (!existsSync(fileOf(t))) continue;
    for (const line of readFileSync(fileOf(t), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { idempotencyKey?: string; ackedAt?: number };
        if (r.idempotencyKey) seen.set(r.idempotencyKey, r.ackedAt ?? 0);
      } catch {
        // A torn last line (killed mid-append) is not a message; the outbox re-sends it.
      }
    }
  }
  let duplicates = 0;
  return {
    id: 'file',
    serves: ['erp', 'mes'],
    fileOf,
    get duplicates() {
      return duplicates;
    },
    async send(msg: WriteBackMessage): Promise<WriteBackAck> {
      const prior = seen.get(msg.idempotencyKey);
      if (prior !== undefined) {
        duplicates++;
        return { ackedAt: prior, reference: `${msg.target}.ndjson:${msg.idempotencyKey} (already written)` };
      }
      const ackedAt = now();
      const fd = openSync(fileOf(msg.target), 'a', 0o600);
      try {
        appendFileSync(fd, `${JSON.stringify({ ...msg, ackedAt })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      seen.set(msg.idempotencyKey, ackedAt);
      return { ackedAt, reference: `${msg.target}.ndjson:${msg.idempotencyKey}` };
    },
  };
}
