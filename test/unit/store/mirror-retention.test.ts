/**
 * The store mirror's retention of pruned exceptions: the store keeps every document in memory
 * (main/store/sqlite-storage.ts), so the copies of exceptions the registry has forgotten are kept
 * for the newest `keepRemoved` only; older ones are deleted and purged, in memory and in the file.
 * Without it the core's memory grows with every exception raised, for as long as it runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCommitStore, type CommitStore } from '../../../main/core/persistence/commit-store';
import { createStoreMirror } from '../../../main/core/persistence/store-mirror';
import type { ExceptionChange, ExceptionRecord } from '../../../shared/decide/exceptions';

const dirs: string[] = [];
const stores: CommitStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const record = (i: number, state: ExceptionRecord['state']): ExceptionRecord =>
  ({
    id: `EX-${i}`,
    key: `late-risk:SO-${i}`,
    type: 'late-risk',
    priority: 'high',
    state,
    title: `SO-${i} at risk of being late`,
    subject: { lineId: 'L1', orderId: `SO-${i}` },
    raisedAt: 1_000 * i,
    updatedAt: 1_000 * i,
    conditionActive: false,
    history: [{ at: 1_000 * i, by: 'system', event: 'raised', from: null, to: state }],
    comments: [],
  }) as unknown as ExceptionRecord;

/** Documents of the exceptions collection held in memory (tombstones included). */
const inMemory = (s: CommitStore) => (s.db.exceptions.storageInstance as unknown as { internals?: { memory: { documents: Map<string, unknown> } }; originalStorageInstance?: { internals: { memory: { documents: Map<string, unknown> } } } });

describe('store mirror: pruned exceptions', () => {
  it('keeps the newest removed ones only, in memory and in the file', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-mirror-'));
    dirs.push(dir);
    const store = await openCommitStore(dir);
    stores.push(store);
    const mirror = createStoreMirror(store, () => undefined, { keepRemoved: 50 });
    const open = 20;
    for (let i = 1; i <= 600; i++) {
      await mirror.exceptions([{ kind: 'raised', exception: record(i, 'active-unacknowledged') }]);
      await mirror.exceptions([{ kind: 'transition', exception: record(i, 'closed'), from: 'active-unacknowledged', event: 'condition-cleared' } as ExceptionChange]);
      // The registry forgets a closed exception some time later (keepClosed): here 20 behind.
      if (i > open) await mirror.exceptions([{ kind: 'removed', id: `EX-${i - open}` }]);
    }
    await store.serial(async () => undefined); // every queued mirror write done
    const removed = await store.db.exceptions.count({ selector: { state: 'removed' } }).exec();
    expect(removed).toBeGreaterThanOrEqual(50);
    expect(removed).toBeLessThan(50 + 100); // trimmed every 100 removals
    const all = await store.db.exceptions.find().exec();
    expect(all.length).toBe(removed + open);
    // The oldest went, the newest stayed.
    expect(all.some((d) => d.id === 'EX-1')).toBe(false);
    expect(all.some((d) => d.id === `EX-${600 - open}`)).toBe(true);
    // Purged, not tombstones: the memory state holds no more documents than the collection.
    const inst = inMemory(store);
    const docs = (inst.internals ?? inst.originalStorageInstance?.internals)?.memory.documents;
    expect(docs, "the memory state of the exceptions collection").toBeDefined();
    expect(docs!.size).toBe(all.length);
    await store.close();
    stores.pop();
    // And the file: a reopened store loads the same bounded set.
    const again = await openCommitStore(dir);
    stores.push(again);
    expect(await again.db.exceptions.count().exec()).toBe(all.length);
  });
});
