/**
 * `takt serve --nats … --site …` as a process against a real three-node JetStream cluster: the
 * embedded simulator's signals reach the plant's stream; the core killed with SIGKILL mid-stream and
 * started again continues the stream without a gap or a repeat; a site id that cannot be a subject
 * token is refused before anything starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { repoRoot } from './core';
import { killChildCores, startChildCore } from './child-core';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster';
import { until } from '../helpers/until';
import { readSignalStream } from '../unit/federation/stream-reader';
import { openJournal } from '../../main/core/persistence/journal';

const plantFile = join(repoRoot, 'test/fixtures/plants/small-plant.yaml');
let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;
let dir: string;

beforeAll(async () => {
  cluster = await startNatsCluster();
  nc = await connect({ servers: cluster.urls.split(',') });
  jsm = await jetstreamManager(nc, { timeout: 10_000 });
  dir = mkdtempSync(join(tmpdir(), 'takt-nats-serve-'));
});
afterAll(async () => {
  killChildCores();
  await nc?.close();
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const streamCount = async (name: string) => {
  try {
    return (await jsm.streams.info(name)).state.messages;
  } catch {
    return 0;
  }
};

describe('takt serve --nats', () => {
  it('refuses a site id that is not one subject token, naming the flag', () => {
    const r = spawnSync(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--data', join(dir, 'refused'), '--nats', cluster.urls, '--site', 'acme.lindenau'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/takt: --site: the site id 'acme\.lindenau' cannot be a NATS subject token/);
    const bad = spawnSync(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--data', join(dir, 'refused'), '--nats', 'http://x'], { cwd: repoRoot, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--nats: 'http:\/\/x' is not a NATS server URL/);
  });

  it('publishes the simulated plant; after kill -9 and a restart the stream goes on without a gap or a repeat', async () => {
    const data = join(dir, 'plant');
    const args = ['--data', data, '--plant', plantFile, '--speed', '120', '--nats', cluster.urls, '--site', 'e2e-a', '--summary-every', '1'];
    let core = await startChildCore(args, 60_000);
    await until('signals in the stream', async () => (await streamCount('TAKT_SIGNALS_e2e-a')) >= 20, 60_000);
    await until('a summary', async () => (await streamCount('TAKT_SUMMARIES')) >= 1, 60_000);
    core.child.kill('SIGKILL');
    await new Promise((r) => core.child.once('exit', r));
    const before = await streamCount('TAKT_SIGNALS_e2e-a');

    core = await startChildCore(args, 60_000);
    await until('the stream to grow after the restart', async () => (await streamCount('TAKT_SIGNALS_e2e-a')) >= before + 20, 60_000);
    core.child.kill('SIGTERM');
    await new Promise((r) => core.child.once('exit', r));

    const got = await readSignalStream(jsm, 'TAKT_SIGNALS_e2e-a');
    const journal = openJournal(join(data, 'journal.sqlite'), { readonly: true });
    try {
      const rows = [...journal.readFrom(1, { limit: got.length })];
      expect(got.length).toBeGreaterThan(before);
      expect(got.length).toBeLessThanOrEqual(journal.lastPosition);
      got.forEach((m, i) => {
        if (m.envelope.seq !== i + 1 || m.envelope.signal.id !== rows[i]!.id) throw new Error(`stream message ${i + 1} is position ${m.envelope.seq} (${m.envelope.signal.id}); journal has ${rows[i]!.id}`);
      });
    } finally {
      journal.close();
    }
  }, 180_000);
});
