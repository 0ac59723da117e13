/**
 * The Sparkplug B host against a real mosquitto: an edge node (an mqtt.js client encoding with
 * sparkplug-payload) births a device, sends data by alias, skips a sequence number, sends a
 * historical metric and garbage, and dies; the host maps, asks for a rebirth, keeps live state,
 * dead-letters the garbage, marks the device stale, and publishes its STATE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { createSparkplugConnector, sparkplugOptionsSchema } from '../../../main/connectors/sparkplug';
import { createTestSink, until } from './mqtt-sink';

const sp = sparkplugPayload.get('spBv1.0')!;
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.close();
});

describe('Sparkplug B host', () => {
  it('births, updates by alias, asks for a rebirth on a gap, keeps historical data from live state, dead-letters bad protobuf, and marks dead devices stale', async () => {
    const t = createTestSink();
    const options = sparkplugOptionsSchema.parse({ url: broker.url, hostId: 'takt-test', groups: ['plant'], machines: { 'edge1/filler': 'L1-M2' }, stateValues: { '1': 'running', '2': 'down' }, rebirthEveryMs: 0 });
    const host = createSparkplugConnector('spb', options, { now: () => Date.now(), log: () => undefined, siteId: 'test-site' });

    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'state-watcher' });
    const states: { online: boolean; timestamp: number; retain: boolean }[] = [];
    watcher.on('message', (topic, p, packet) => topic === 'spBv1.0/STATE/takt-test' && states.push({ ...JSON.parse(p.toString()), retain: packet.retain }));
    const edge = await mqtt.connectAsync(broker.url, { clientId: 'edge1' });
    const commands: { topic: string; metrics: { name?: string | null; value?: unknown }[] }[] = [];
    edge.on('message', (topic, p) => commands.push({ topic, metrics: sp.decodePayload(new Uint8Array(p)).metrics ?? [] }));
    await edge.subscribeAsync('spBv1.0/plant/NCMD/edge1', { qos: 1 });
    let seq = 0;
    const send = (type: string, metrics: object[], device?: string, opts: { seq?: number } = {}) => {
      const s = opts.seq ?? seq;
      seq = (s + 1) % 256;
      return edge.publishAsync(`spBv1.0/plant/${type}/edge1${device ? `/${device}` : ''}`, Buffer.from(sp.encodePayload({ timestamp: Date.now(), seq: s, metrics: metrics as never })), { qos: 1 });
    };

    await host.start(t.sink);
    try {
      await watcher.subscribeAsync('spBv1.0/STATE/+', { qos: 1 });
      await until(() => states.length > 0, 'the retained STATE birth');
      expect(states[0]).toMatchObject({ online: true, retain: true });

      await send('NBIRTH', [{ name: 'bdSeq', type: 'UInt64', value: 1 }, { name: 'Node Control/Rebirth', type: 'Boolean', value: false }]);
      await send('DBIRTH', [
        { name: 'Machine/State', alias: 1, type: 'Int32', value: 1 },
        { name: 'Production/Good', alias: 2, type: 'UInt64', value: 100 },
        { name: 'Production/Scrap', alias: 3, type: 'UInt64', value: 2 },
      ], 'filler');
      await until(() => t.machine('L1-M2')?.state === 'running', 'the DBIRTH state in the twin');
      expect(host.status().devices).toEqual(expect.arrayContaining([expect.objectContaining({ node: 'edge1', device: 'filler', machine: 'L1-M2', online: true })]));

      await send('DDATA', [{ alias: 2, type: 'UInt64', value: 112 }, { alias: 3, type: 'UInt64', value: 3 }], 'filler');
      await until(() => t.machine('L1-M2')?.good === 12, 'the counted delta');
      expect(t.machine('L1-M2')?.scrap).toBe(1);

      // A sequence gap: the host asks the node for a rebirth.
      await send('DDATA', [{ alias: 2, type: 'UInt64', value: 113 }], 'filler', { seq: seq + 3 });
      await until(() => commands.length > 0, 'the rebirth NCMD');
      expect(commands[0]).toMatchObject({ topic: 'spBv1.0/plant/NCMD/edge1', metrics: [expect.objectContaining({ name: 'Node Control/Rebirth', value: true })] });

      // Historical data (older than what the twin applied) does not overwrite live state.
      await send('DDATA', [{ alias: 1, type: 'Int32', value: 2, isHistorical: true, timestamp: Date.now() - 60_000 }], 'filler');
      await until(() => t.deadLetters.some((d) => d.code === 'late'), 'the historical state to be refused as late');
      expect(t.machine('L1-M2')?.state).toBe('running');
      expect(t.deadLetters.find((d) => d.code === 'late')).toMatchObject({ origin: 'sparkplug spBv1.0/plant/DDATA/edge1/filler', raw: expect.stringContaining('historical (Sparkplug is_historical)') });

      // Garbage instead of protobuf.
      await edge.publishAsync('spBv1.0/plant/DDATA/edge1/filler', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), { qos: 1 });
      await until(() => t.deadLetters.some((d) => /bad Sparkplug B protobuf/.test(d.reason)), 'the bad protobuf dead letter');
      expect(t.deadLetters.find((d) => /bad Sparkplug B protobuf/.test(d.reason))).toMatchObject({ origin: 'sparkplug spBv1.0/plant/DDATA/edge1/filler', source: 'spb', raw: '/////w8=' });

      await send('DDEATH', [], 'filler');
      await until(() => host.status().devices?.find((d) => d.device === 'filler')?.online === false, 'the DDEATH');
      expect(host.status().devices?.find((d) => d.device === 'filler')?.staleReason).toMatch(/DDEATH/);
      await send('DBIRTH', [{ name: 'Machine/State', alias: 1, type: 'Int32', value: 1 }], 'filler');
      await until(() => host.status().devices?.every((d) => d.online) === true, 'the device to come back with its DBIRTH');
      await send('NDEATH', [{ name: 'bdSeq', type: 'UInt64', value: 1 }]);
      await until(() => host.status().devices?.every((d) => !d.online) === true, 'the NDEATH to make node and device stale');
      expect(host.status()).toMatchObject({ state: 'connected', kind: 'sparkplug', deadLetters: 2 });
      expect(host.status().detail).toMatch(/0 online, 2 stale · \d+ rebirth requests/);
    } finally {
      await host.stop();
      t.close();
    }
    await until(() => states.length >= 2, 'the STATE death on stop');
    expect(states[states.length - 1]).toMatchObject({ online: false });
    await edge.endAsync();
    await watcher.endAsync();
  });
});
