/**
 * The console's records feed over the real protocol runtime (ProtocolClient ↔ serveConnection on
 * an in-memory transport pair): one `records` subscription however many views read it, the
 * stream opened before the lists are asked for, a newer stream copy kept when an older list answer
 * arrives after it, and a burst of changes handed to React as one batch. The core's side is a
 * small in-test service; the commit service itself is tested in test/unit/commit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../../../shared/protocol/client';
import { serveConnection, type MethodHandlers, type StreamHandlers } from '../../../shared/protocol/server';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import type { ActionRecord, RecordChange } from '../../../shared/commit/records';
import { RecordsFeed } from '../../../renderer/src/commit/records-feed';

const T0 = Date.UTC(2026, 10, 26, 8, 0);
const action = (id: string, status: ActionRecord['status'], updatedAt: number): ActionRecord => ({
  id,
  decisionId: 'D-1',
  kind: 'kitting',
  title: id,
  detail: '',
  role: 'warehouse',
  ownerId: 'A-024',
  ownerName: 'Hannah Haddad',
  status,
  lineId: 'BS-L1',
  createdAt: T0,
  dueAt: T0,
  updatedAt,
  dependsOn: [],
  verification: { by: 'signal', signalType: 'x', description: 'x' },
  overdue: false,
  history: [],
});

function setup() {
  let emit: ((c: RecordChange) => void) | null = null;
  const log: string[] = [];
  let releaseActions: () => void = () => undefined;
  const actionsHeld = new Promise<void>((r) => (releaseActions = r));
  const stored = [action('A1', 'assigned', T0)];
  const methods = {
    'decisions.list': () => ({ items: [] }),
    'approvals.list': () => ({ items: [] }),
    'outbox.list': () => ({ items: [] }),
    'audit.list': () => ({ total: 0, items: [] }),
    // The list answer is computed now (old copy) but held back, so a stream change overtakes it.
    'actions.list': async () => {
      log.push('actions.list');
      const snapshot = stored.map((a) => ({ ...a }));
      await actionsHeld;
      return { items: snapshot };
    },
  } as unknown as MethodHandlers;
  const streams = {
    records: (_p: unknown, e: (c: RecordChange) => void) => {
      log.push('records.subscribe');
      emit = e;
      return () => {
        log.push('records.unsubscribe');
        emit = null;
      };
    },
  } as unknown as StreamHandlers;
  const [a, b] = memoryTransportPair();
  const stop = serveConnection(a, { name: 'test-core', methods, streams });
  const client = new ProtocolClient(b);
  return { client, log, emit: (c: RecordChange) => emit?.(c), releaseActions, stop: () => (stop(), b.close()) };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

describe('RecordsFeed', () => {
  it('opens one records subscription for many readers, before asking for the lists', async () => {
    const s = setup();
    cleanup = s.stop;
    const feed = new RecordsFeed(s.client);
    let n1 = 0;
    let n2 = 0;
    const off1 = feed.subscribe(() => n1++);
    const off2 = feed.subscribe(() => n2++);
    await tick(20);
    expect(s.log.filter((l) => l === 'records.subscribe')).toHaveLength(1);
    expect(s.log.indexOf('records.subscribe')).toBeLessThan(s.log.indexOf('actions.list'));
    s.releaseActions();
    await tick(100);
    expect(feed.get().ready).toBe(true);
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBe(n1);
    off1();
    off2();
  });

  it('keeps the newer stream copy when the older list answer arrives after it', async () => {
    const s = setup();
    cleanup = s.stop;
    const feed = new RecordsFeed(s.client);
    const off = feed.subscribe(() => undefined);
    await tick(20);
    // The action moved on after the list was read, and the stream said so first.
    s.emit({ collection: 'actions', doc: action('A1', 'acknowledged', T0 + 60_000) });
    await tick(100);
    expect(feed.get().actions.get('A1')?.status).toBe('acknowledged');
    s.releaseActions();
    await tick(100);
    expect(feed.get().ready).toBe(true);
    expect(feed.get().actions.get('A1')?.status).toBe('acknowledged');
    off();
  });

  it('hands a burst of stream changes to its readers in a few batches, not one render per change', async () => {
    const s = setup();
    cleanup = s.stop;
    s.releaseActions();
    const feed = new RecordsFeed(s.client);
    let notified = 0;
    const off = feed.subscribe(() => notified++);
    await tick(100);
    const before = notified;
    for (let i = 0; i < 200; i++) s.emit({ collection: 'actions', doc: action(`B${i}`, 'assigned', T0 + i) });
    await tick(200);
    expect(feed.get().actions.size).toBe(201);
    expect(notified - before).toBeGreaterThanOrEqual(1);
    expect(notified - before).toBeLessThanOrEqual(3);
    off();
  });
});
