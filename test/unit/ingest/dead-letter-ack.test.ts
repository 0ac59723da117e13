/**
 * An acknowledged dead letter is durable. A message the core dead-letters becomes no signal, so the
 * pipeline's `whenDurable` has nothing to wait for; the connectors' acknowledgement (whenAckable, as
 * the core wires MQTT's PUBACK) also waits for the journal's dead-letter writes, which the writer
 * thread commits on its own. Checked from a second connection, as a restarted core would read them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal } from '../../../main/core/persistence/journal';
import { whenAckable } from '../../../main/core/persistence/durable-ack';
import { createIngestPipeline } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import { count, plant, T0 } from './helpers';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const committedDeadLetters = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM dead_letters').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('acknowledging dead-lettered messages', () => {
  it('waits until the dead letters written so far are committed (writer thread)', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-dl-ack-'));
    dirs.push(dir);
    const path = join(dir, 'journal.sqlite');
    const journal = openJournal(path, { writer: 'worker' });
    journal.waitWriterReady();
    try {
      // As the core wires it: dead letters are stored one by one by onDeadLetter, not through the pipeline's journal.
      const pipeline = createIngestPipeline({
        index: createPlantIndex(plant),
        journal: { append: (b, r) => journal.append(b, r), get durablePosition() { return journal.durablePosition; }, waitDurable: (p) => journal.waitDurable(p) },
        deliver: () => undefined,
        onDeadLetter: (dl) => void journal.addDeadLetter(dl),
      });
      const ackable = whenAckable(pipeline, journal);
      for (let round = 1; round <= 3; round++) {
        // A valid signal, then many that are dead-lettered (each its own write on the thread, after the
        // signal's batch: waiting for that batch alone would acknowledge them early).
        pipeline.push(count('L1-M1', T0 + round, `ok-${round}`));
        pipeline.flush();
        for (let i = 0; i < 300; i++) pipeline.push(i % 2 ? '{not json' : JSON.stringify({ ...count('L1-M1', T0 + round, `bad-${round}-${i}`), machine: 'NO-SUCH-MACHINE' }));
        pipeline.flush();
        const seen = await new Promise<number>((resolve) => ackable(() => resolve(committedDeadLetters(path))));
        expect(seen, `round ${round}: every dead letter committed when the acknowledgement may go out`).toBe(300 * round);
      }
    } finally {
      journal.close();
    }
  });

  it('acknowledges at once with the inline writer, which commits before it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-dl-ack-'));
    dirs.push(dir);
    const path = join(dir, 'journal.sqlite');
    const journal = openJournal(path);
    try {
      const pipeline = createIngestPipeline({ index: createPlantIndex(plant), journal: { append: (b, r) => journal.append(b, r) }, deliver: () => undefined, onDeadLetter: (dl) => void journal.addDeadLetter(dl) });
      pipeline.push('{not json');
      pipeline.flush();
      await new Promise<void>((resolve) => whenAckable(pipeline, journal)(resolve));
      expect(committedDeadLetters(path)).toBe(1);
    } finally {
      journal.close();
    }
  });
});
