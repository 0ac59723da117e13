/**
 * Fault test with real parts: a core (startCore, simulator replaced by an MQTT connector from the
 * plant file) subscribes QoS 1 on a persistent session to a real mosquitto with persistence; an
 * external publisher sends 12,000 production counts with QoS 1 and the broker is restarted in the
 * middle of the stream. Nothing may be lost and nothing counted twice: the journal holds exactly the
 * sent set, and the twin's counts equal the sent totals (ingest's dedupe on (source, id) absorbs
 * QoS 1 re-deliveries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import mqtt from 'mqtt';
import { startCore, type TaktCore } from '../../main/core/core';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { repoRoot } from './core';
import { memoryTransportPair } from '../../shared/protocol/transport';
import { ProtocolClient } from '../../shared/protocol/client';
import { SYSTEM_CALLER } from '../../shared/auth/caller';

const N = Number(process.env.TAKT_FAULT_N ?? 12_000);
const MACHINES = ['DD-L1-MIX', 'DD-L1-FIL', 'DD-L1-CHK', 'DD-L1-PAK', 'DD-L1-PAL'];

let broker: Mosquitto;
let dir: string;
let core: TaktCore | undefined;
beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'takt-mqtt-fault-'));
});
afterAll(async () => {
  await core?.close();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

let describeState: () => string = () => '';
async function until(f: () => boolean, what: string, ms = 60_000) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${describeState()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('MQTT connector under a broker restart', () => {
  it(`loses nothing and counts nothing twice across a broker restart in a QoS 1 stream of ${N} messages`, { timeout: 240_000 }, async () => {
    const plant = parse(readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')) as Record<string, unknown>;
    plant.connectors = [
      {
        id: 'uns',
        kind: 'mqtt',
        replacesSimulator: true,
        options: {
          url: broker.url,
          clientId: 'takt-fault-test',
          reconnect: { minMs: 100, maxMs: 1000 },
          mappings: [{ topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } }],
        },
      },
    ];
    const plantFile = join(dir, 'plant.yaml');
    writeFileSync(plantFile, stringify(plant));
    core = await startCore({ dataDir: join(dir, 'data'), plantFile, speed: 1 });
    expect(core.pipeline.stats().accepted).toBe(0);
    // Over the protocol: the simulator is replaced, and the connector reports itself connected.
    const [a, b] = memoryTransportPair();
    core.connect(a, SYSTEM_CALLER);
    const client = new ProtocolClient(b);
    expect((await client.call('core.info')).source).toBe('external connectors');
    await expect.poll(async () => (await client.call('connectors.status')).items, { timeout: 30_000 }).toEqual([expect.objectContaining({ id: 'uns', kind: 'mqtt', state: 'connected', deadLetters: 0 })]);

    const pub = await mqtt.connectAsync(broker.url, { clientId: 'fault-publisher', clean: false, reconnectPeriod: 100, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } });
    const expected = new Map<string, number>(MACHINES.map((m) => [m, 0]));
    let acked = 0;
    let restarted = false;
    let atRestart = { acked: 0, received: 0 };
    describeState = () => JSON.stringify({ acked, firstDeadLetter: core!.journal.listDeadLetters(1)[0], stats: core!.pipeline.stats(), status: core!.health(), connector: (core as unknown as { connectors?: unknown }).connectors, broker: broker.log().slice(-500) });
    const acks: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const machine = MACHINES[i % MACHINES.length]!;
      const good = 1 + (i % 3);
      expected.set(machine, expected.get(machine)! + good);
      const body = JSON.stringify({ id: `cnt-${i}`, ts: Date.now(), good, scrap: 0 });
      acks.push(
        new Promise<void>((resolve, reject) =>
          pub.publish(`acme/DD/DD-L1/${machine}/count`, body, { qos: 1 }, (err) => {
            if (err) reject(err);
            else {
              acked++;
              resolve();
            }
          }),
        ),
      );
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      // Restart the broker in the middle of the stream, while messages are in flight both ways.
      if (!restarted && i === Math.floor(N / 2)) {
        restarted = true;
        await until(() => core!.pipeline.stats().pushed > N / 10, 'the connector to receive part of the stream');
        atRestart = { acked, received: core!.pipeline.stats().pushed };
        await broker.restart();
      }
    }
    const allAcked = Promise.all(acks);
    await until(() => acked === N, 'the publisher to get every PUBACK');
    await allAcked;
    expect(acked).toBe(N);
    expect(restarted).toBe(true);
    // The restart really was mid-stream: neither side had everything yet.
    expect(atRestart.acked).toBeLessThan(N);
    expect(atRestart.received).toBeLessThan(N);

    const good = (id: string) => core!.twin.view().machines.find((m) => m.id === id)?.good ?? 0;
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await until(() => MACHINES.reduce((a, m) => a + good(m), 0) >= total, 'the twin to count every message');
    // Give late re-deliveries a moment to show up (they must not change anything).
    await new Promise((r) => setTimeout(r, 1000));
    core.pipeline.flush();
    for (const m of MACHINES) expect(good(m), m).toBe(expected.get(m));

    const ids = new Set<string>();
    let journaled = 0;
    for (const row of core.journal.readFrom(0)) {
      if (row.source !== 'uns') continue;
      journaled++;
      ids.add(row.id);
    }
    expect(journaled).toBe(N);
    expect(ids.size).toBe(N);
    const after = (await client.call('connectors.status')).items[0]!;
    expect(after).toMatchObject({ state: 'connected', deadLetters: 0 });
    expect(after.detail).toMatch(/ \d+ messages/);
    const st = core.pipeline.stats();
    expect(st.deadLettered).toBe(0);
    expect(st.accepted).toBeGreaterThanOrEqual(N);
    expect(st.pushed - st.duplicates).toBe(st.accepted);
    await pub.endAsync();
  });

  it('refuses to start on a bad connector entry, naming the plant file and the option', async () => {
    const plant = parse(readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')) as Record<string, unknown>;
    plant.connectors = [{ id: 'uns', kind: 'mqtt', options: { url: 'http://broker', mappings: [{ topic: 'a/{line}', type: 'order.started', fields: { line: '{machine}' } }] } }];
    const plantFile = join(dir, 'bad-plant.yaml');
    writeFileSync(plantFile, stringify(plant));
    const err = await startCore({ dataDir: join(dir, 'bad-data'), plantFile, speed: 1 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`${plantFile}: connectors[0].options.url: a broker URL such as mqtt://broker:1883`);
  });
});
