/**
 * The leadership lease in a JetStream KV bucket on a real three-node cluster: one holder at a time;
 * a holder that stops renewing loses it within the lease time and a standby takes over; the old
 * holder, returning, is fenced by the revision (its renewal fails, `fenced` refuses); a released
 * lease passes at once; killing one NATS node never leaves two leaders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { createLease, LeaseLostError, openLeaseBucket, type Lease } from '../../../main/federation/lease';
import { holdsLease, leaseValidUntil } from '../../../shared/federation/lease';
import { startNatsCluster, type NatsCluster } from '../../helpers/nats-cluster';
import { until } from '../../helpers/until';

const TTL = 2000;
let cluster: NatsCluster;
let ncA: NatsConnection;
let ncB: NatsConnection;
let kvA: KV;
let kvB: KV;
const logs: string[] = [];
const leases: Lease[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster();
  const opts = { servers: cluster.urls.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 200 };
  ncA = await connect(opts);
  ncB = await connect(opts);
  kvA = (await openLeaseBucket(ncA, { ttlMs: TTL, replicas: 3 })).kv;
  kvB = (await openLeaseBucket(ncB, { ttlMs: TTL, replicas: 3 })).kv;
}, 120_000);
afterAll(async () => {
  for (const l of leases) await l.stop();
  await ncA?.close();
  await ncB?.close();
  await cluster?.close();
});

const lease = (kv: KV, site: string, holder: string) => {
  const l = createLease({ kv, site, holder, ttlMs: TTL, now: () => performance.now(), wallNow: () => Date.now(), log: (s) => logs.push(`${holder}: ${s}`) });
  leases.push(l);
  return l;
};

describe('lease rule (pure)', () => {
  it('counts a holder leader only until the lease time less the margin after it sent its write', () => {
    const held = { revision: 7, sentAt: 1000 };
    expect(leaseValidUntil(held, 2000)).toBe(2600);
    expect(holdsLease(held, 2000, 2599)).toBe(true);
    expect(holdsLease(held, 2000, 2600)).toBe(false);
    expect(holdsLease(undefined, 2000, 0)).toBe(false);
  });
});

describe('leadership lease in JetStream KV', () => {
  it('has one holder; a silent holder loses it to the standby within 5 s and is fenced when it returns', async () => {
    const a = lease(kvA, 'site-1', 'core-a');
    const b = lease(kvB, 'site-1', 'core-b');
    a.run();
    await until('core-a to lead', async () => a.isLeader(), 30_000);
    const revA = a.revision!;
    b.run();
    // B keeps trying while A renews: for two lease times nobody else leads.
    const t0 = Date.now();
    while (Date.now() - t0 < 2 * TTL) {
      expect(b.isLeader()).toBe(false);
      expect(a.isLeader()).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(b.otherHolder).toBe('core-a');
    expect(a.revision).toBeGreaterThan(revA); // renewed

    // A goes silent (a paused or cut-off process: no renewals, no release).
    await a.stop();
    const silentAt = performance.now();
    await until('core-b to take over', async () => b.isLeader(), 10_000);
    const took = performance.now() - silentAt;
    expect(took).toBeLessThan(5000);
    // A's own view ended before B could take it.
    expect(a.isLeader()).toBe(false);
    await expect(a.fenced(async () => 'write')).rejects.toBeInstanceOf(LeaseLostError);

    // A returns and tries to renew at its old revision: refused, it stays a follower.
    expect(await a.renew()).toBe(false);
    expect(a.isLeader()).toBe(false);
    // Even a write made directly at A's last revision is refused by the server.
    await expect(kvA.update('site-1', new TextEncoder().encode('{}'), revA)).rejects.toThrow(/wrong last sequence/);
    expect(await b.fenced(async (rev) => rev)).toBe(b.revision);
    expect(b.revision!).toBeGreaterThan(revA);
    expect(logs.some((l) => l.startsWith('core-a: lease: site') && /taken over/.test(l))).toBe(true);
  }, 60_000);

  it('never has two leaders while a NATS node is killed, and passes at once when released', async () => {
    const a = lease(kvA, 'site-2', 'core-a');
    const b = lease(kvB, 'site-2', 'core-b');
    a.run();
    await until('core-a to lead', async () => a.isLeader(), 30_000);
    b.run();
    const info = await (await import('@nats-io/jetstream')).jetstreamManager(ncA).then((m) => m.streams.info(`KV_takt_leases`));
    const node = cluster.nodes.find((n) => n.name === info.cluster?.leader) ?? cluster.nodes[0]!;
    await node.kill();
    // Through the re-election the two never lead at once (the lease may pass to B if the election
    // outlasts the lease time: A's own view ends first), and afterwards exactly one leads.
    const t0 = Date.now();
    while (Date.now() - t0 < 4 * TTL) {
      expect(a.isLeader() && b.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until('one leader after the re-election', async () => a.isLeader() !== b.isLeader(), 20_000);
    const [holder, other] = a.isLeader() ? [a, b] : [b, a];
    const released = performance.now();
    await holder.stop({ release: true });
    await until('the other core to lead after the release', async () => other.isLeader(), 10_000);
    expect(performance.now() - released).toBeLessThan(TTL);
    await node.start();
    await cluster.healthy();
  }, 90_000);
});
