/**
 * The connector manager (plant file `connectors:` → registry → running connectors) and the replay
 * script, against a real mosquitto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { parsePlantText } from '../../../shared/plant/parse';
import { connectorConfigSchema } from '../../../shared/plant/schema';
import { ConnectorConfigError, createConnectorManager } from '../../../main/connectors/plant-connectors';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { createTestSink, plant, until } from './mqtt-sink';

let broker: Mosquitto;
let dir: string;
beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'takt-mqtt-manager-'));
});
afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = { plant, plantFile: 'plants/site.yaml', now: () => Date.now(), dataDir: '/tmp', log: () => undefined };
const configs = (list: unknown[]) => list.map((c) => connectorConfigSchema.parse(c));

describe('connector manager', () => {
  it('names the plant file and connectors[i].options.<field> for every bad entry, before starting anything', () => {
    let err: unknown;
    try {
      createConnectorManager(
        configs([
          { id: 'a', kind: 'mqtt', options: { url: 'http://nope', mappings: [{ topic: 'a/{x}', type: 'machine.state', fields: { machine: '{y}' } }] } },
          { id: 'b', kind: 'mqtt', options: { url: 'mqtt://x', mappings: [{ topic: 'a/{x}', type: 'machine.state', fields: { machine: '{y}' } }] } },
          { id: 'c', kind: 'carrier-pigeon' },
          { id: 'd', kind: 'sparkplug', options: { url: 'mqtt://x', counters: 'sometimes' } },
          { id: 'e', kind: 'mqtt', enabled: false, options: { nonsense: true } },
        ]),
        ctx,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorConfigError);
    const issues = (err as ConnectorConfigError).issues;
    expect(issues).toEqual([
      expect.stringMatching(/^plants\/site\.yaml: connectors\[0\]\.options\.url: a broker URL/),
      "plants/site.yaml: connectors[1].options.mappings[0].fields.machine: '{y}' is not a capture of the topic pattern (captures: {x}, and {topic})",
      expect.stringMatching(/^plants\/site\.yaml: connectors\[2\]\.kind: unknown connector kind 'carrier-pigeon' \(known: .*mqtt.*sparkplug/),
      expect.stringMatching(/^plants\/site\.yaml: connectors\[3\]\.options\.counters: /),
    ]);
  });

  it('starts enabled connectors, serves their statuses, exposes write-back targets and stops them', async () => {
    const m = createConnectorManager(
      configs([
        { id: 'uns', kind: 'mqtt', replacesSimulator: true, options: { url: broker.url, clientId: 'takt-manager-test', mappings: [{ topic: 'takt/signals/#', canonical: true }] } },
        { id: 'spb', kind: 'sparkplug', options: { url: broker.url, hostId: 'takt-manager-test' } },
        { id: 'off', kind: 'mqtt', enabled: false, options: {} },
      ]),
      ctx,
    );
    expect(m.replacesSimulator).toBe(true);
    expect(m.writeBackTargets.map((w) => w.id)).toEqual(['uns']);
    const t = createTestSink();
    const dead: unknown[] = [];
    await m.start({ push: t.sink.push, deadLetter: (d) => dead.push(d) });
    try {
      expect(m.methods['connectors.status']().items.map((s) => [s.id, s.kind, s.state])).toEqual([
        ['uns', 'mqtt', 'connected'],
        ['spb', 'sparkplug', 'connected'],
      ]);
      const items: { items: { id: string }[] }[] = [];
      const unsubscribe = m.streams.connectors(undefined, (i) => items.push(i));
      expect(items[0]!.items.map((s) => s.id)).toEqual(['uns', 'spb']);
      unsubscribe();

      // The replay script (README example) drives the connector from an NDJSON file.
      const file = join(dir, 'signals.ndjson');
      const t0 = Date.UTC(2026, 0, 1, 6);
      writeFileSync(
        file,
        [
          { id: 'r-1', source: 'mes', seq: 1, eventTime: t0, receiveTime: t0, type: 'machine.state', machine: 'L2-M1', state: 'down', reason: 'replayed' },
          { id: 'r-2', source: 'mes', seq: 2, eventTime: t0 + 10, receiveTime: t0 + 10, type: 'production.count', machine: 'L2-M2', good: 7, scrap: 0 },
        ]
          .map((s) => JSON.stringify(s))
          .join('\n') + '\n{broken\n',
      );
      const r = await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../../scripts/mqtt-replay.mjs'), '--file', file, '--url', broker.url, '--topic', 'takt/signals/replay', '--rate', '0', '--restamp', '--speed', '10'], { cwd: join(import.meta.dirname, '../../..') });
      expect(r.stderr).toMatch(/:3: not JSON .*skipped[\s\S]*2 signals published to takt\/signals\/replay/);
      await until(() => t.machine('L2-M1')?.state === 'down' && t.machine('L2-M2')?.good === 7, 'the replayed signals in the twin');
      expect(t.journal.map((s) => s.eventTime - t.journal[0]!.eventTime)).toEqual([0, 1]);
      expect(t.journal[0]!.eventTime).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await m.stop();
      t.close();
    }
    expect(m.statuses().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });

  it('runs the README example: its plant snippet validates, and the mosquitto_pub payloads reach the twin', async () => {
    const demo = readFileSync(join(import.meta.dirname, '../../../resources/plants/demo-plant.yaml'), 'utf8');
    const parsed = parsePlantText(`${demo}\n${README_CONNECTORS.replaceAll('mqtt://localhost:1883', broker.url)}`, 'my-plant.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const m = createConnectorManager(parsed.plant.connectors, { ...ctx, plant: parsed.plant });
    expect(m.replacesSimulator).toBe(true);
    const t = createTestSink(Date.now() - 60_000, parsed.plant);
    await m.start({ push: t.sink.push, deadLetter: () => undefined });
    const pub = await mqtt.connectAsync(broker.url);
    try {
      // What the README's mosquitto_pub lines send (mosquitto-clients is not installed here).
      await pub.publishAsync('acme/lindenau/DD/DD-L1/DD-L1-FIL/state', `{"ts": ${Date.now()}, "state": "STOP", "reason": "film jam"}`, { qos: 1 });
      await pub.publishAsync('acme/lindenau/DD/DD-L1/DD-L1-FIL/count', `{"id": "cnt-${Date.now()}", "good": 24, "scrap": 1}`, { qos: 1 });
      await until(() => t.machine('DD-L1-FIL')?.state === 'down' && t.machine('DD-L1-FIL')?.good === 24, 'the README messages in the twin');
      expect(t.machine('DD-L1-FIL')).toMatchObject({ reason: 'film jam', scrap: 1 });
      expect(m.statuses().map((s) => [s.id, s.state])).toEqual([
        ['uns', 'connected'],
        ['edge', 'connected'],
      ]);
    } finally {
      await pub.endAsync();
      await m.stop();
      t.close();
    }
  });
});

/** The plant-file snippet of the README's MQTT section, verbatim. */
const README_CONNECTORS = `connectors:
  - id: uns
    kind: mqtt                      # MQTT Unified Namespace, QoS 1, persistent session
    replacesSimulator: true
    options:
      url: mqtt://localhost:1883    # mqtts:// with tls: { ca, cert, key } files; username/password too
      clientId: takt-lindenau       # fixed: the broker keeps the session (and queued messages) under it
      prefix: acme/lindenau         # write-back goes to acme/lindenau/erp/<kind> and acme/lindenau/mes/dispatch
      mappings:
        - topic: acme/lindenau/{area}/{line}/{machine}/state
          type: machine.state
          eventTime: $.ts
          fields: { machine: '{machine}', state: $.state, reason: $.reason }
          values: { state: { RUN: running, IDLE: idle, STOP: down, CIP: cleaning } }
        - topic: acme/lindenau/{area}/{line}/{machine}/count
          type: production.count
          id: $.id
          fields: { machine: '{machine}', good: $.good, scrap: $.scrap }
        - topic: takt/signals/#     # payloads that already are canonical signals
          canonical: true
  - id: edge
    kind: sparkplug                 # Sparkplug B host application (spBv1.0)
    options:
      url: mqtt://localhost:1883
      groups: [ lindenau ]
      machines: { 'filler-edge/filler': DD-L1-FIL }   # <edge node>/<device> → machine
      stateValues: { '1': running, '2': idle, '3': down }
`;
