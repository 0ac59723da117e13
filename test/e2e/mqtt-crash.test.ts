/**
 * A core killed with SIGKILL in the middle of a QoS 1 stream loses nothing and journals nothing
 * twice. The core runs as a child process (`takt serve`, built CLI) with an MQTT connector on a
 * persistent session (fixed client id, clean: false) to a real mosquitto; an external publisher
 * sends production counts with QoS 1. The core is killed while the stream flows, started again on
 * the same data folder (same plant file, so the same client id and session), and once the publisher
 * has every PUBACK and the stream has drained, the journal holds every published id exactly once.
 *
 * Why it holds: the connector sends each PUBACK only after the ingest pipeline reports the message
 * committed in the journal (`whenDurable`), so what the broker dropped is journaled; the broker
 * re-sends the rest to the resumed session, and the restarted pipeline's dedupe (re-armed with the
 * journal's recent keys) drops what was journaled but not yet acknowledged.
 * `TAKT_CRASH_ACK=received` runs the same test with acknowledgement on receipt, to see the loss.
 * Needs the built CLI (`npm run build`): the child core runs dist/cli.mjs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { openJournal } from '../../main/core/persistence/journal';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { repoRoot } from './core';
import { childSignIn } from './child-core';
import type { ProtocolClient } from '../../shared/protocol/client';

const N = Number(process.env.TAKT_CRASH_N ?? 20_000);
const ACK = process.env.TAKT_CRASH_ACK === 'received' ? 'received' : 'journaled';
const MACHINES = ['DD-L1-MIX', 'DD-L1-FIL', 'DD-L1-CHK', 'DD-L1-PAK', 'DD-L1-PAL'];

let broker: Mosquitto;
let dir: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  // The core runs as `takt serve` from the built CLI, so what it tests is the last `npm run build`.
  if (!existsSync(join(repoRoot, 'dist', 'cli.mjs'))) throw new Error('dist/cli.mjs is missing: run `npm run build` before this test');
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'takt-mqtt-crash-'));
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  url: string;
  /** Signed in with a token of every scope (a machine reading the connectors' status). */
  connect(): Promise<ProtocolClient & { close(): void }>;
  log: () => string;
}

/** `takt serve` on a free port; resolves with its URL once the MQTT connector reports itself connected. */
async function startChild(plantFile: string, dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', '--no-simulator', '--speed', '1', '--data', dataDir, '--plant', plantFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const end = Date.now() + 60_000;
  let url = '';
  while (!url) {
    const m = /running in browser mode at (http:\/\/\S+)/.exec(out);
    if (m) url = m[1]!;
    else if (proc.exitCode !== null) throw new Error(`takt serve exited with ${proc.exitCode}: ${out}`);
    else if (Date.now() > end) throw new Error(`takt serve did not start: ${out}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  // The page is served before the core is up: ask until the connector answers connected.
  for (;;) {
    try {
      const c = await childSignIn(dataDir, `ws://${new URL(url).host}/ws`).connect();
      try {
        const s = (await c.call('connectors.status')).items[0];
        if (s?.state === 'connected') break;
      } finally {
        c.close();
      }
    } catch {
      /* not up yet */
    }
    if (proc.exitCode !== null || Date.now() > end) throw new Error(`the core's MQTT connector did not connect: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const signIn = childSignIn(dataDir, `ws://${new URL(url).host}/ws`);
  return { proc, url, connect: () => signIn.connect(), log: () => out };
}

/** Rows journaled by the connector, read from the journal file (WAL: a second reader sees committed rows). */
function journaledCount(journalPath: string): number {
  if (!existsSync(journalPath)) return 0;
  const db = new Database(journalPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM signals').get() as { n: number }).n;
  } catch {
    return 0; // the table is not created yet
  } finally {
    db.close();
  }
}

async function connectorMessages(core: Child): Promise<number> {
  const c = await core.connect();
  try {
    const d = (await c.call('connectors.status')).items[0]?.detail ?? '';
    return Number(/ (\d+) messages/.exec(d)?.[1] ?? NaN);
  } finally {
    c.close();
  }
}

describe('MQTT connector across a core crash', () => {
  it(`journals each of ${N} QoS 1 messages exactly once when the core is killed (SIGKILL) mid-stream and restarted (ack ${ACK})`, { timeout: 300_000 }, async () => {
    const plant = parse(readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')) as Record<string, unknown>;
    plant.connectors = [
      {
        id: 'uns',
        kind: 'mqtt',
        replacesSimulator: true,
        options: {
          url: broker.url,
          clientId: 'takt-crash-test',
          ackWhen: ACK,
          reconnect: { minMs: 100, maxMs: 1000 },
          mappings: [{ topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } }],
        },
      },
    ];
    const plantFile = join(dir, 'plant.yaml');
    writeFileSync(plantFile, stringify(plant));
    const dataDir = join(dir, 'data');
    const journalPath = join(dataDir, 'journal.sqlite');
    let core = await startChild(plantFile, dataDir);
    // Whatever the core journals of its own (clock ticks) is not from the connector.
    const base = journaledCount(journalPath);

    const pub = await mqtt.connectAsync(broker.url, { clientId: 'crash-publisher', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 100 });
    let acked = 0;
    const acks: Promise<void>[] = [];
    let killedAt = { published: 0, journaled: 0, acked: 0 };
    for (let i = 0; i < N; i++) {
      const machine = MACHINES[i % MACHINES.length]!;
      const body = JSON.stringify({ id: `cnt-${i}`, ts: Date.now(), good: 1, scrap: 0 });
      acks.push(pub.publishAsync(`acme/DD/DD-L1/${machine}/count`, body, { qos: 1 }).then(() => void acked++));
      // The kill, before the pause below so that the burst just published is still in flight (not yet
      // sent or not yet journaled): once past a third of the stream and the core has journaled part of it.
      if (killedAt.published === 0 && i >= N / 3 && i % 200 === 199 && journaledCount(journalPath) - base > N / 10) {
        core.proc.kill('SIGKILL');
        await new Promise((r) => core.proc.once('exit', r));
        killedAt = { published: i + 1, journaled: journaledCount(journalPath) - base, acked };
      }
      // Pace the stream so the core keeps up with it while it runs (the kill must land mid-stream).
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
    }
    expect(killedAt.published, 'the kill happened mid-stream').toBeGreaterThan(0);
    expect(killedAt.published).toBeLessThan(N);
    expect(killedAt.journaled).toBeLessThan(killedAt.published);

    core = await startChild(plantFile, dataDir);
    await Promise.all(acks);
    expect(acked).toBe(N);
    // Drained: every message is journaled once the restarted core has caught up (or it never will).
    const end = Date.now() + 120_000;
    while (journaledCount(journalPath) - base < N && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000)); // late re-deliveries must not add anything
    const received2 = await connectorMessages(core);
    core.proc.kill('SIGTERM');
    await new Promise((r) => core.proc.once('exit', r));
    await pub.endAsync();

    const journal = openJournal(journalPath, { readonly: true });
    const count = new Map<string, number>();
    try {
      for (const row of journal.readFrom(0)) if (row.source === 'uns') count.set(row.id, (count.get(row.id) ?? 0) + 1);
    } finally {
      journal.close();
    }
    const missing = Array.from({ length: N }, (_, i) => `cnt-${i}`).filter((id) => !count.has(id));
    const twice = [...count].filter(([, n]) => n > 1).map(([id]) => id);
    const summary = { N, ack: ACK, killedAt, journaledAfter: count.size, receivedByRestartedCore: received2, missing: missing.length, firstMissing: missing.slice(0, 5), twice: twice.length };
    console.log(JSON.stringify(summary));
    expect(twice, 'journaled twice').toEqual([]);
    expect(missing, `lost ids ${JSON.stringify(summary)}`).toEqual([]);
    expect(count.size).toBe(N);
    // The broker re-sent to the restarted core everything that was not journaled before the kill
    // (with acknowledgement on receipt, what the first core had received but not committed is missing).
    expect(received2).toBeGreaterThanOrEqual(N - killedAt.journaled);
  });
});
