/**
 * Start-up with `deferStore` (browser mode's): the core serves before the business store (RxDB) is
 * open. Records calls, the `records` stream and write-back registrations made before it is open
 * wait for it and then work; ingest does not wait; the store opens once a console has its opening
 * twin view; a core closed before its store opened still closes cleanly.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import type { RecordChange } from '../../../shared/commit/records';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const root = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
let core: TaktCore | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Only the first console's twin view (or close) opens the store here: the fallback timer is an hour.
const start = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'takt-deferred-store-'));
  dirs.push(dataDir);
  core = await startCore({
    dataDir,
    plantFile: join(root, 'test/fixtures/commit/commit-plant.yaml'),
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
    deferStore: 3_600_000,
  });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  return { core, client: new ProtocolClient(b), dataDir };
};
const storeIsOpen = (c: TaktCore) => {
  try {
    void c.commit.store;
    return true;
  } catch {
    return false;
  }
};

describe('deferred business store', () => {
  it('answers records calls, the records stream and write-back registrations issued before the store is open', async () => {
    const { core: c, client } = await start();
    expect(storeIsOpen(c)).toBe(false);
    expect(() => c.commit.store).toThrow(/not open yet/);

    // All issued while the store is closed.
    const changes: RecordChange[] = [];
    client.subscribe('records', (x) => changes.push(x), { collections: ['decisions', 'audit'] });
    const sent: string[] = [];
    c.commit.registerWriteBack({ id: 'early-target', serves: ['mes'], send: async (m) => (sent.push(m.id), { ackedAt: Date.now() }) });
    const lists = Promise.all([client.call('decisions.list'), client.call('actions.list'), client.call('audit.verify')]);
    const t = Math.round(c.twin.time);
    await client.call('signals.ingest', { signals: [{ id: 'early-1', source: 'svc', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    let exceptionId = '';
    for (let i = 0; i < 300 && !exceptionId; i++) {
      exceptionId = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down')?.id ?? '';
      if (!exceptionId) await new Promise((r) => setTimeout(r, 50));
    }
    expect(exceptionId).not.toBe('');
    const { options } = await client.call('decide.options', { exceptionId });
    const option = options.find((o) => o.feasible && o.approvals.length === 0) ?? options.find((o) => o.feasible)!;
    const committed = client.call('decisions.commit', { exceptionId, optionId: option.id, by: 'a-controller' });
    // Still closed: nothing above could have been answered by the store yet.
    expect(storeIsOpen(c)).toBe(false);

    // A console's first twin view opens the store; everything above then completes.
    const views: unknown[] = [];
    client.subscribe('twin.deltas', (d) => views.push(d));
    await c.storeReady;
    expect(storeIsOpen(c)).toBe(true);
    const [decisions, actions, audit] = await lists;
    expect(decisions.items).toEqual([]);
    expect(actions.items).toEqual([]);
    expect(audit).toMatchObject({ ok: true });
    const receipt = await committed;
    expect(receipt.decision.exceptionId).toBe(exceptionId);
    expect(c.commit.store.decisions.get(receipt.decision.id)?.id).toBe(receipt.decision.id);
    for (let i = 0; i < 200 && !changes.some((x) => x.collection === 'decisions'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(changes.some((x) => x.collection === 'decisions' && x.doc.id === receipt.decision.id)).toBe(true);
    expect(views.length).toBeGreaterThan(0);
  }, 60_000);

  it('keeps ingesting while the store is closed: the journal and the twin never wait for it', async () => {
    const { core: c, client } = await start();
    const t = Math.round(c.twin.time);
    // Delivered to the twin while the store is closed.
    await client.call('signals.ingest', { signals: [1, 2, 3].map((seq) => ({ id: `held-${seq}`, source: 'svc', seq, eventTime: t + seq, receiveTime: t + seq, type: 'machine.state', machine: 'L1-FIL', state: seq % 2 ? 'down' : 'running' })) });
    expect(storeIsOpen(c)).toBe(false);
    expect(c.twin.position).toBe(3);
    client.subscribe('twin.deltas', () => undefined);
    await c.storeReady;
    // The journal and the twin never waited for the store (position 3 above, with it closed); the store
    // opens a while after the first view, and the core's own plant-clock signals may follow meanwhile.
    expect(c.twin.position).toBeGreaterThanOrEqual(3);
    expect((await client.call('audit.verify')).ok).toBe(true);
  }, 60_000);

  it('closes a core whose store never opened: the store opens, calls waiting on it settle, and it closes', async () => {
    const { core: c, client, dataDir } = await start();
    const waiting = client.call('decisions.list').then(
      () => 'answered',
      () => 'failed',
    );
    expect(storeIsOpen(c)).toBe(false);
    await c.close();
    core = undefined;
    expect(['answered', 'failed']).toContain(await waiting);
    expect(existsSync(join(dataDir, 'store'))).toBe(true);
  }, 60_000);
});
