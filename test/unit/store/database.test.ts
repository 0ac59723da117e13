/**
 * main/store/database.ts: the Takt database with every business collection, in dev mode (RxDB's
 * schema checks run on shared/store/collections.ts), persisted across a close and reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openTaktDatabase } from '../../../main/store/database';
import { connectionPragma } from '../../../main/store/sqlite-storage';
import { TAKT_COLLECTIONS, type ActionDoc } from '../../../shared/store/collections';
import { until } from '../../helpers/until';

const dataDir = mkdtempSync(join(tmpdir(), 'takt-store-db-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const action = (id: string, over: Partial<ActionDoc> = {}): ActionDoc => ({
  id,
  decisionId: 'dec-1',
  kind: 'kitting',
  role: 'warehouse',
  ownerId: 'p-7',
  status: 'assigned',
  lineId: 'L1',
  dueAt: 1_700_000_600_000,
  updatedAt: 1_700_000_000_000,
  dependsOn: [],
  history: [],
  ...over,
});

it('creates every business collection, validates, reacts, and persists across a reopen', { timeout: 60_000 }, async () => {
  let db = await openTaktDatabase({ dataDir, devMode: true });
  expect(Object.keys(db.collections).sort()).toEqual(Object.keys(TAKT_COLLECTIONS).sort());

  const inbox: string[][] = [];
  const sub = db.actions
    .find({ selector: { ownerId: 'p-7', status: { $in: ['assigned', 'acknowledged'] } }, sort: [{ dueAt: 'asc' }] })
    .$.subscribe((docs) => inbox.push(docs.map((d) => `${d.id}:${d.status}`)));
  await db.actions.insert(action('act-1'));
  await db.actions.insert(action('act-2', { dueAt: 1_700_000_100_000 }));
  await (await db.actions.findOne('act-1').exec())!.incrementalPatch({ status: 'done' });
  await expect(db.actions.insert({ ...action('act-3'), status: 7 as unknown as ActionDoc['status'] })).rejects.toThrow();
  await db.outbox.insert({
    id: 'out-1', target: 'erp', idempotencyKey: 'dec-1/erp/1', decisionId: 'dec-1', status: 'pending',
    attempts: 0, nextAttemptAt: 0, createdAt: 1_700_000_000_000, ackedAt: 0, payload: { order: 'PO-1' },
  });
  await db.audit.insert({
    id: 'aud-0', seq: 0, at: 1_700_000_000_000, actor: 'p-7', kind: 'decision.committed', subjectId: 'dec-1',
    prevHash: '', hash: 'h0', payload: {},
  });
  // The query re-runs asynchronously: wait for its latest result rather than a fixed time.
  await until('the inbox query to drop act-1', async () => inbox.at(-1)?.join() === 'act-2:assigned', 10_000);
  sub.unsubscribe();
  expect(inbox[inbox.length - 1]).toEqual(['act-2:assigned']);
  expect(inbox).toContainEqual(['act-2:assigned', 'act-1:assigned']);
  await db.close();

  db = await openTaktDatabase({ dataDir, devMode: true });
  expect((await db.actions.find({ sort: [{ dueAt: 'asc' }] }).exec()).map((d) => `${d.id}:${d.status}`)).toEqual(['act-2:assigned', 'act-1:done']);
  expect((await db.outbox.find({ selector: { status: 'pending' } }).exec()).map((d) => d.idempotencyKey)).toEqual(['dec-1/erp/1']);
  expect(await db.audit.count().exec()).toBe(1);
  await db.close();
});

it('commits with synchronous=FULL: what a person was told is recorded survives a power cut', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'takt-store-sync-'));
  const db = await openTaktDatabase({ dataDir: dir, name: 'sync' });
  try {
    // SQLite reports FULL as 2 (NORMAL is 1).
    expect(connectionPragma(join(dir, 'store', 'sync.sqlite'), 'synchronous')).toBe(2);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
