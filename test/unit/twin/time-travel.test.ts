/**
 * The one snapshot-plus-replay loop (main/core/persistence/time-travel.ts) stopped by journal
 * position, as a decision replay uses it: the twin it rebuilds has the live twin's state hash at
 * that position, whether a snapshot lies before it, at it, or only after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwin } from '../../../shared/twin/twin';
import type { Signal } from '../../../shared/signals/schema';
import { openJournal, type Journal } from '../../../main/core/persistence/journal';
import { reconstructTwin } from '../../../main/core/persistence/time-travel';
import { smallPlant, T0, MIN } from './plant-fixture';

let dir = '';
let journal: Journal | undefined;
afterEach(() => {
  journal?.close();
  journal = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reconstructTwin until a journal position', () => {
  it('gives the live twin at every position, from the nearest snapshot at or before it', () => {
    dir = mkdtempSync(join(tmpdir(), 'takt-travel-'));
    journal = openJournal(join(dir, 'journal.sqlite'));
    const plant = smallPlant();
    const twin = createTwin(plant, { startTime: T0 });
    let seq = 0;
    const sig = (atMin: number, body: object): Signal => ({ id: `t-${++seq}`, source: 'test', seq, eventTime: T0 + atMin * MIN, receiveTime: T0 + atMin * MIN, ...body }) as Signal;
    const hashAt = new Map<number, string>();
    const feed = (signals: Signal[]) => {
      for (const s of signals) twin.applyBatch([s], journal!.append([s]));
      hashAt.set(twin.position, twin.hash());
    };
    feed([sig(0, { type: 'production.count', machine: 'L2-pack', good: 5, scrap: 0 })]);
    feed([sig(5, { type: 'plan.sequence', line: 'L1', orderIds: ['O2', 'O1'], decisionId: 'dec-1' })]);
    const snap = twin.persist();
    journal.saveSnapshot({ position: twin.position, time: twin.time, version: snap.version, hash: twin.hash(), data: JSON.stringify(snap) });
    feed([sig(60, { type: 'order.cancelled', orderId: 'O2' })]);
    feed([sig(90, { type: 'production.count', machine: 'L2-pack', good: 7, scrap: 1 })]);

    for (const [position, hash] of hashAt) {
      const r = reconstructTwin(plant, journal, T0, { untilPosition: position });
      expect(r.twin.position).toBe(position);
      expect(r.twin.hash()).toBe(hash);
      // The snapshot at position 2 serves every position from 2 on; before it, the replay starts at the beginning.
      expect(r.snapshotPosition).toBe(position >= 2 ? 2 : 0);
      expect(r.replayed).toBe(position >= 2 ? position - 2 : position);
      expect(reconstructTwin(plant, journal, T0, { untilPosition: position, fromScratch: true }).twin.hash()).toBe(hash);
    }
    // Without a limit it is the resume path: the end of the journal.
    expect(reconstructTwin(plant, journal, T0).twin.hash()).toBe(twin.hash());
  });
});
