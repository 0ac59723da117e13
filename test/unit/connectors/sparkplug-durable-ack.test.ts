/**
 * The Sparkplug B host over MQTT 5 acknowledges QoS 1 messages once they are journaled, like the
 * UNS connector: it receives while the PUBACKs wait, asks the sink's whenDurable, and the data
 * still reaches the twin.
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

describe('Sparkplug B host: PUBACK once journaled', () => {
  it('defers each turn’s acknowledgements to the sink’s whenDurable', async () => {
    const t = createTestSink();
    const held: (() => void)[] = [];
    const sink = { ...t.sink, whenDurable: (cb: () => void) => held.push(cb) };
    const host = createSparkplugConnector('spb', sparkplugOptionsSchema.parse({ url: broker.url, hostId: 'takt-ack', groups: ['ack'], machines: { 'edge9/filler': 'L1-M2' } }), { now: () => Date.now(), log: () => undefined, siteId: 'test-site' });
    const edge = await mqtt.connectAsync(broker.url, { clientId: 'edge9' });
    let seq = 0;
    const send = (type: string, metrics: object[], device?: string) =>
      edge.publishAsync(`spBv1.0/ack/${type}/edge9${device ? `/${device}` : ''}`, Buffer.from(sp.encodePayload({ timestamp: Date.now(), seq: seq++, metrics: metrics as never })), { qos: 1 });
    await host.start(sink);
    try {
      await send('NBIRTH', [{ name: 'bdSeq', type: 'UInt64', value: 1 }]);
      await send('DBIRTH', [{ name: 'Machine/State', alias: 1, type: 'String', value: 'running' }], 'filler');
      await until(() => held.length >= 1, 'whenDurable asked for the received messages');
      t.pipeline.flush();
      held.splice(0).forEach((cb) => cb());
      await until(() => t.machine('L1-M2')?.state === 'running', 'the DBIRTH state in the twin');
      expect(host.status().errors).toBe(0);
    } finally {
      await host.stop();
      await edge.endAsync();
      t.close();
    }
  });
});
