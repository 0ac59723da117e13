/**
 * A standby's warm twin from a real three-node cluster: a follower of the plant's signals stream,
 * started while the core ingests a burst, builds a twin with the same state hash as the core's at
 * the same journal position; a stream with a gap stops the follower with an error naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { startCore } from '../../../main/core/core';
import { startFederation } from '../../../main/federation/federation';
import { createSignalFollower } from '../../../main/federation/signal-follower';
import { ensureStream } from '../../../main/federation/streams';
import { signalsStream } from '../../../shared/federation/streams';
import { subjects } from '../../../shared/federation/subjects';
import { createTwin } from '../../../shared/twin/twin';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { startNatsCluster, type NatsCluster } from '../../helpers/nats-cluster';
import { until } from '../../helpers/until';

const plantFile = join(__dirname, '../../../test/fixtures/plants/small-plant.yaml');
let cluster: NatsCluster;
let nc: NatsConnection;
let js: JetStreamClient;
let dir: string;

beforeAll(async () => {
  cluster = await startNatsCluster();
  nc = await connect({ servers: cluster.urls.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  js = jetstream(nc, { timeout: 10_000 });
  dir = mkdtempSync(join(tmpdir(), 'takt-warm-'));
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a standby follows the signals stream into a warm twin', () => {
  it('reaches the same twin hash as the plant core at the same journal position', async () => {
    const core = await startCore({ dataDir: dir, plantFile, speed: 1, simulator: false });
    const fed = startFederation(core, { servers: cluster.urls.split(','), site: 'warm', log: () => undefined });
    const standby = createTwin(core.plant, { startTime: core.twin.startTime });
    const follower = createSignalFollower({ js, site: 'warm', from: 1, onBatch: (b, last) => standby.applyBatch(b, last), log: () => undefined });
    try {
      await until('the publisher to create the stream', async () => fed.status().signals?.state === 'idle', 60_000);
      follower.start();
      const [a, b] = memoryTransportPair();
      core.connect(a, SYSTEM_CALLER);
      const client = new ProtocolClient(b);
      const info = await client.call('core.info');
      let t = info.clock.now + 1;
      for (let i = 0; i < 2000; i += 100) {
        const signals = Array.from({ length: 100 }, (_, k) => {
          const n = i + k;
          t += 1;
          return n % 4 === 3
            ? { id: `w-${n}`, source: 'warm-test', seq: n, eventTime: t, receiveTime: t, type: 'production.count', machine: 'L1-FIL', good: 3, scrap: n % 8 === 3 ? 1 : 0 }
            : { id: `w-${n}`, source: 'warm-test', seq: n, eventTime: t, receiveTime: t, type: 'machine.state', machine: n % 2 ? 'L1-FIL' : 'L2-FIL', state: n % 3 ? 'running' : 'down' };
        });
        expect((await client.call('signals.ingest', { signals })).rejected).toEqual([]);
      }
      expect(await fed.drained(60_000)).toBe(true);
      await until('the standby to reach the core', async () => standby.position === core.twin.position && core.journal.lastPosition === core.twin.position, 60_000);
      expect(standby.position).toBeGreaterThanOrEqual(2000);
      expect(standby.hash()).toBe(core.twin.hash());
      expect(standby.view().machines.find((m) => m.id === 'L1-FIL')).toEqual(core.twin.view().machines.find((m) => m.id === 'L1-FIL'));
    } finally {
      await follower.stop();
      standby.stop();
      await fed.close();
      await core.close();
    }
  }, 180_000);

  it('stops on a gap in the stream, naming the positions', async () => {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, signalsStream('gappy'));
    const t = Date.UTC(2026, 0, 1);
    for (const seq of [1, 2, 4]) {
      const signal = { id: `g-${seq}`, source: 'x', seq, eventTime: t + seq, receiveTime: t + seq, type: 'machine.state', machine: 'L1-FIL', state: 'running' };
      await js.publish(subjects.signals('gappy'), JSON.stringify({ v: 1, site: 'gappy', seq, signal }));
    }
    const got: number[] = [];
    let error: Error | undefined;
    const follower = createSignalFollower({ js, site: 'gappy', from: 1, onBatch: (b, last) => got.push(...b.map((_, i) => last - b.length + 1 + i)), log: () => undefined, onError: (e) => (error = e) });
    follower.start();
    try {
      await until('the follower to stop at the gap', async () => error, 30_000);
      expect(error!.message).toMatch(/skips from journal position 2 to 4/);
      expect(got).toEqual([1, 2]);
    } finally {
      await follower.stop();
    }
  }, 60_000);
});
