/**
 * A started core acknowledges ingest only after the journal's commit, and never blocks its thread
 * on one: `signals.ingest` answers (and `whenDurable`, what MQTT's PUBACK and the webhook wait on,
 * calls back) only once the commit that holds the signal is done, the twin applies nothing before
 * it, and meanwhile the core's timers run and nothing calls the journal's blocking `waitDurable`
 * for an uncommitted position. The commit is held by a wrapper around the real worker journal that
 * hides commits from the core until the test lets them through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import type { Journal, JournalOptions } from '../../../main/core/persistence/journal';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const hold = vi.hoisted(() => ({ on: false, committed: 0, queued: [] as (() => void)[], blockingWaits: 0 }));

vi.mock('../../../main/core/persistence/journal', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../main/core/persistence/journal')>();
  const held = (p: number) => hold.on && p > hold.committed;
  return {
    ...real,
    openJournal(path: string, opts?: JournalOptions): Journal {
      const j = real.openJournal(path, opts);
      return new Proxy(j, {
        get(t, k) {
          if (k === 'durablePosition') return hold.on ? Math.min(hold.committed, t.durablePosition) : t.durablePosition;
          if (k === 'onDurable') return (p: number, cb: () => void) => (held(p) ? hold.queued.push(() => t.onDurable(p, cb)) : t.onDurable(p, cb));
          if (k === 'waitDurable')
            return (p: number) => {
              if (held(p)) hold.blockingWaits++;
              t.waitDurable(p);
            };
          const v: unknown = Reflect.get(t, k);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
    },
  };
});

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'takt-core-commit-'));
let core: TaktCore;
let system: ProtocolClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  core = await startCore({
    dataDir: dir,
    plantFile: join(root, 'test/fixtures/commit/commit-plant.yaml'),
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
  });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  system = new ProtocolClient(b);
}, 60_000);
afterAll(async () => {
  hold.on = false;
  hold.queued.splice(0).forEach((f) => f());
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the core's ingest and the journal's commit", () => {
  it('answers signals.ingest and whenDurable only after the commit, without blocking on it', async () => {
    core.journal.sync();
    hold.committed = core.journal.durablePosition;
    hold.on = true;
    const before = core.twin.position;
    const t = Math.round(core.twin.time);
    const signal = (n: number, state: string) => ({ id: `commit-${n}`, source: 'commit-test', seq: n, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state });

    let answered = false;
    const answer = system.call('signals.ingest', { signals: [signal(1, 'down')] }).then((r) => ((answered = true), r));
    // A connector's path (MQTT PUBACK): push, then wait for durability.
    let durable = false;
    core.pipeline.push(signal(2, 'running'), { origin: 'test', receiveTime: t });
    core.pipeline.whenDurable(() => (durable = true));

    // Several pump periods (50 ms) and group delays pass: the core's timers run (it is not blocked).
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    await sleep(400);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(10);
    // Appended to the journal (with any clock tick the core journals), but not committed: not
    // applied, not acknowledged.
    expect(core.journal.lastPosition).toBeGreaterThanOrEqual(before + 2);
    expect(core.twin.position).toBe(before);
    expect(answered).toBe(false);
    expect(durable).toBe(false);
    expect(hold.blockingWaits).toBe(0);
    expect(hold.queued.length).toBeGreaterThan(0);

    hold.on = false;
    hold.queued.splice(0).forEach((f) => f());
    expect(await answer).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    await vi.waitFor(() => expect(durable).toBe(true));
    expect(core.twin.position).toBeGreaterThanOrEqual(before + 2);
  });
});
