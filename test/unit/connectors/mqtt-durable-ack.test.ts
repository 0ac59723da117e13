/**
 * PUBACK after the journal commit. The ingest pipeline's `whenDurable` runs its callback only once
 * everything pushed before it is committed and delivered; the MQTT connector (MQTT 5, real
 * mosquitto) holds each QoS 1 PUBACK until then, so messages it received but that were never
 * committed come again on the resumed persistent session, and committed ones do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { createIngestPipeline } from '../../../shared/ingest/pipeline';
import type { ConnectorSink } from '../../../shared/connectors/status';
import type { Signal } from '../../../shared/signals/schema';
import { createMqttConnector, mqttOptionsSchema } from '../../../main/connectors/mqtt';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { until } from './mqtt-sink';

const T0 = 1_700_000_000_000;
const sig = (i: number, eventTime = T0 + i) => ({ id: `s-${i}`, source: 'test', seq: i, eventTime, receiveTime: eventTime, type: 'production.count', machine: 'M1', good: 1, scrap: 0 });

/** A journal that commits on a writer "thread" the test drives: append returns at once, commit() later. */
function asyncJournal() {
  let last = 0;
  let durable = 0;
  return {
    journal: {
      append: (b: readonly Signal[]) => (last += b.length),
      get durablePosition() {
        return durable;
      },
      waitDurable: (p: number) => {
        durable = Math.max(durable, p);
      },
    },
    commit: () => (durable = last),
    get last() {
      return last;
    },
  };
}

describe('ingest pipeline whenDurable', () => {
  it('runs a waiter only after the batches holding what was pushed before it are committed and delivered', () => {
    const j = asyncJournal();
    const delivered: number[] = [];
    const p = createIngestPipeline({ journal: j.journal, deliver: (b) => delivered.push(...b.map((s) => s.seq)), batchSize: 2, maxUncommittedBatches: 10 });
    const fired: string[] = [];
    p.whenDurable(() => fired.push('empty'));
    expect(fired).toEqual(['empty']);
    p.push(sig(1));
    p.push(sig(2)); // batch 1 appended, not committed
    p.push(sig(3)); // in the open batch
    p.whenDurable(() => fired.push('after-3'));
    p.push(sig(4)); // batch 2 appended
    p.push(sig(5));
    p.whenDurable(() => fired.push('after-5'));
    expect(fired).toEqual(['empty']);
    j.commit(); // batches 1 and 2 committed; delivered at the next boundary
    p.push(sig(6)); // batch 3 appended → delivers 1 and 2
    expect(delivered).toEqual([1, 2, 3, 4]);
    expect(fired).toEqual(['empty', 'after-3']);
    // A duplicate or a dead letter adds nothing to wait for.
    p.push(sig(1));
    p.push('{not json');
    j.commit();
    p.flushBatch();
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fired).toEqual(['empty', 'after-3', 'after-5']);
    p.whenDurable(() => fired.push('nothing-pending'));
    expect(fired.at(-1)).toBe('nothing-pending');
  });

  it('waits for signals held in the reorder window', () => {
    const delivered: number[] = [];
    let last = 0;
    const p = createIngestPipeline({ journal: { append: (b) => (last += b.length) }, deliver: (b) => delivered.push(...b.map((s) => s.seq)), latenessMs: 1000 });
    const fired: string[] = [];
    p.push(sig(1, T0 + 500));
    p.push(sig(2, T0));
    p.whenDurable(() => fired.push('held'));
    p.flushBatch(); // hands on the batch; the reorder window still holds both signals
    expect(fired).toEqual([]);
    p.push(sig(3, T0 + 5000)); // releases 1 and 2 (more than 1 s behind), holds 3
    p.flushBatch();
    expect(delivered).toEqual([2, 1]);
    expect(fired).toEqual([]);
    p.flush();
    expect(delivered).toEqual([2, 1, 3]);
    expect(fired).toEqual(['held']);
    expect(last).toBe(3);
  });
});

let broker: Mosquitto;
let pub: MqttClient;
beforeAll(async () => {
  broker = await startMosquitto();
  pub = await mqtt.connectAsync(broker.url, { clientId: 'durable-publisher' });
});
afterAll(async () => {
  await pub?.endAsync();
  await broker?.close();
});

/** A sink that records signal ids and holds whenDurable callbacks until the test releases them. */
function heldSink() {
  const ids: string[] = [];
  const held: (() => void)[] = [];
  const sink: ConnectorSink = {
    push: (raw) => void ids.push((JSON.parse(raw as string) as { id: string }).id),
    whenDurable: (cb) => void held.push(cb),
  };
  return { sink, ids, held, release: () => held.splice(0).forEach((cb) => cb()) };
}

const options = (ackWhen: 'journaled' | 'received', clientId: string) =>
  mqttOptionsSchema.parse({ url: broker.url, clientId, ackWhen, reconnect: { minMs: 100, maxMs: 500 }, subscribe: [`durable/${clientId}/#`], canonicalByDefault: true });
const ctx = { now: () => Date.now(), log: () => undefined, defaultClientId: 'x' };

async function publishAll(clientId: string, n: number) {
  for (let i = 0; i < n; i++) await pub.publishAsync(`durable/${clientId}/m`, JSON.stringify({ id: `${clientId}-${i}` }), { qos: 1 });
}

describe('MQTT connector: PUBACK once journaled', () => {
  it('gets unacknowledged messages again on the resumed session, and committed ones not', { timeout: 30_000 }, async () => {
    const id = 'takt-durable';
    const first = heldSink();
    const a = createMqttConnector('uns', options('journaled', id), ctx);
    await a.connector.start(first.sink);
    await publishAll(id, 20);
    await until(() => first.ids.length === 20, 'the first connector to receive 20 messages');
    await until(() => first.held.length > 0, 'a durability wait');
    expect(a.connector.status().detail).toContain('20 awaiting the journal before PUBACK');
    // Gone without a commit (as after a crash): nothing was acknowledged.
    await a.connector.stop();
    first.release(); // late: belongs to a closed connection, so no PUBACK may go out

    const second = heldSink();
    const b = createMqttConnector('uns', options('journaled', id), ctx);
    await b.connector.start(second.sink);
    await until(() => second.ids.length === 20, 'the broker to re-send all 20 to the resumed session');
    expect(new Set(second.ids)).toEqual(new Set(first.ids));
    // Committed this time: the PUBACKs go out.
    await until(() => second.held.length > 0, 'a durability wait');
    // Released as they come: the 20 may arrive in several chunks (and a re-delivery in one more).
    await until(() => (second.release(), !b.connector.status().detail?.includes('awaiting')), 'the PUBACKs');
    await b.connector.stop();

    const third = heldSink();
    const c = createMqttConnector('uns', options('journaled', id), ctx);
    await c.connector.start(third.sink);
    await pub.publishAsync(`durable/${id}/m`, JSON.stringify({ id: 'marker' }), { qos: 1 }); // after the acknowledged ones
    await until(() => third.ids.length >= 1, 'the marker');
    await new Promise((r) => setTimeout(r, 300));
    expect(third.ids).toEqual(['marker']);
    await c.connector.stop();
  });

  it('with ackWhen: received, acknowledges on receipt (an uncommitted message is not sent again)', { timeout: 30_000 }, async () => {
    const id = 'takt-on-receipt';
    const first = heldSink();
    const a = createMqttConnector('uns', options('received', id), ctx);
    await a.connector.start(first.sink);
    await publishAll(id, 5);
    await until(() => first.ids.length === 5, 'the 5 messages');
    expect(first.held).toEqual([]);
    await a.connector.stop();
    const second = heldSink();
    const b = createMqttConnector('uns', options('received', id), ctx);
    await b.connector.start(second.sink);
    await new Promise((r) => setTimeout(r, 500));
    expect(second.ids).toEqual([]);
    await b.connector.stop();
  });
});
