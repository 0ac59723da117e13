/**
 * A plant core publishing its journal to a real three-node JetStream cluster: every accepted signal
 * lands exactly once, in journal order, with its journal position as `Nats-Msg-Id`; one NATS node
 * killed mid-burst loses nothing; a restarted core continues where the stream ends (including what
 * it journaled while it ran without NATS); with every NATS node down, ingest goes on unhindered
 * and the stream catches up once the cluster is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { startCore, type TaktCore } from '../../../main/core/core';
import { startFederation, type Federation } from '../../../main/federation/federation';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { startNatsCluster, type NatsCluster } from '../../helpers/nats-cluster';
import { until } from '../../helpers/until';
import { readSignalStream } from './stream-reader';
import { streamNames } from '../../../shared/federation/subjects';

const root = join(__dirname, '../../..');
const plantFile = join(root, 'test/fixtures/plants/small-plant.yaml');
const SITE = 'plant-a';
const STREAM = streamNames.signals(SITE);

let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;
let dir: string;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster();
  nc = await connect({ servers: cluster.urls.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  jsm = await jetstreamManager(nc, { timeout: 10_000 });
  dir = mkdtempSync(join(tmpdir(), 'takt-fed-'));
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(federated: boolean): Promise<{ core: TaktCore; fed?: Federation; client: ProtocolClient }> {
  const core = await startCore({ dataDir: dir, plantFile, speed: 1, simulator: false, log: (l) => logs.push(l) });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  const client = new ProtocolClient(b);
  const fed = federated ? startFederation(core, { servers: cluster.urls.split(','), site: SITE, summaryEveryMs: 1000, log: (l) => logs.push(l) }) : undefined;
  return { core, fed, client };
}

/** Sends `n` machine-state signals in chunks, stamped at the core's present; returns how many were accepted. */
async function burst(client: ProtocolClient, tag: string, n: number, during?: (sent: number) => Promise<void> | void): Promise<number> {
  const info = await client.call('core.info');
  const ref = { plant: info.clock.now, real: Date.now() };
  let accepted = 0;
  let last = 0;
  for (let i = 0; i < n; i += 100) {
    // Increasing event times: a state-setting signal behind the watermark would be refused as late.
    const t = Math.max(last + 1, Math.round(ref.plant + (Date.now() - ref.real)) + 1);
    last = t + 99;
    const signals = Array.from({ length: Math.min(100, n - i) }, (_, k) => ({
      id: `${tag}-${i + k}`,
      source: 'fed-test',
      seq: i + k,
      eventTime: t + k,
      receiveTime: t + k,
      type: 'machine.state',
      machine: (i + k) % 2 ? 'L1-FIL' : 'L2-FIL',
      state: (i + k) % 3 ? 'running' : 'idle',
    }));
    const r = await client.call('signals.ingest', { signals });
    accepted += r.accepted;
    await during?.(i + 100);
  }
  return accepted;
}

/** The stream equals the journal: positions 1..end, each once, in order, same signal ids. */
async function expectStreamIsJournal(core: TaktCore) {
  const end = core.journal.lastPosition;
  const rows = [...core.journal.readFrom(1)];
  const got = await readSignalStream(jsm, STREAM);
  expect(got.length).toBe(end);
  got.forEach((m, i) => {
    if (m.envelope.seq !== i + 1 || m.envelope.signal.id !== rows[i]!.id || m.msgId !== `${SITE}:${i + 1}`) {
      throw new Error(`stream message ${i + 1} is journal position ${m.envelope.seq} (${m.envelope.signal.id}, msg id ${m.msgId}); journal has ${rows[i]?.id}`);
    }
  });
  expect(new Set(got.map((m) => `${m.envelope.signal.source}/${m.envelope.signal.id}`)).size).toBe(end);
}

describe('a plant core publishes its journal to JetStream', () => {
  it('publishes every accepted signal once, in journal order, while a NATS node is killed mid-burst; a restart continues where the stream ends', async () => {
    let { core, fed, client } = await open(true);
    try {
      await until('the publisher to sync with the stream', async () => fed!.status().signals?.state === 'idle', 60_000);
      const info = await jsm.streams.info(STREAM);
      expect(info.config.num_replicas).toBe(3);
      // The stream's leader dies mid-burst: the hardest node to lose.
      const leader = cluster.nodes.find((n) => n.name === info.cluster?.leader) ?? cluster.nodes[0]!;
      let killed = false;
      const accepted = await burst(client, 'a', 3000, async (sent) => {
        if (!killed && sent >= 1000) {
          killed = true;
          await leader.kill();
        }
      });
      expect(killed).toBe(true);
      expect(accepted).toBeGreaterThan(2900);
      expect(await fed!.drained(60_000)).toBe(true);
      await expectStreamIsJournal(core);

      // The core goes down, journals more while running without NATS, and comes back federated.
      await fed!.close();
      await core.close();
      ({ core, client } = await open(false));
      expect(await burst(client, 'b', 500)).toBeGreaterThan(450);
      await core.close();
      ({ core, fed, client } = await open(true));
      expect(await burst(client, 'c', 500)).toBeGreaterThan(450);
      expect(await fed!.drained(60_000)).toBe(true);
      await expectStreamIsJournal(core);
      expect(logs.some((l) => /publishing takt\.plant-a\.signals from journal position \d+ \(stream .* ends at [1-9]/.test(l))).toBe(true);

      await leader.start();
      await cluster.healthy();
    } finally {
      await fed?.close();
      await core.close();
    }
  }, 240_000);

  it('keeps accepting signals with every NATS node down and catches up when the cluster is back', async () => {
    const { core, fed, client } = await open(true);
    try {
      await until('the publisher to catch up', async () => fed!.drained(1000), 60_000);
      for (const n of cluster.nodes) await n.stop();
      const t0 = Date.now();
      const accepted = await burst(client, 'd', 1000);
      // Without NATS ingest answers as fast as ever: nothing waits on the publisher.
      expect(accepted).toBeGreaterThan(950);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(fed!.status().signals!.behind).toBeGreaterThan(0);
      await Promise.all(cluster.nodes.map((n) => n.start()));
      await cluster.healthy();
      expect(await fed!.drained(90_000)).toBe(true);
      await expectStreamIsJournal(core);
    } finally {
      await fed?.close();
      await core.close();
    }
  }, 240_000);

  it('publishes twin summaries that parse against the schema', async () => {
    const { core, fed } = await open(true);
    try {
      const { parseFederationMessage, twinSummarySchema } = await import('../../../shared/federation/messages');
      const msg = await until(
        'a summary in the stream',
        async () => {
          try {
            return await jsm.streams.getMessage(streamNames.summaries, { last_by_subj: `takt.${SITE}.summary` });
          } catch {
            return undefined;
          }
        },
        60_000,
      );
      const p = parseFederationMessage(twinSummarySchema, msg.string());
      if (!p.ok) throw new Error(p.reason);
      expect(p.value.site).toBe(SITE);
      expect(p.value.lines.map((l) => l.id)).toEqual(['L1', 'L2']);
      expect(p.value.position).toBe(core.twin.position);
    } finally {
      await fed?.close();
      await core.close();
    }
  }, 120_000);
});
