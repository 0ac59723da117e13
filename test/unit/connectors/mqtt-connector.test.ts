/**
 * The MQTT/UNS connector against a real mosquitto (started on a free port): mapping into the twin,
 * status, dead letters with the topic as origin, the persistent session, reconnect after a broker
 * restart, and write-back resolved on PUBACK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto';
import { createMqttConnector, mqttOptionsSchema } from '../../../main/connectors/mqtt';
import { createTestSink, until } from './mqtt-sink';

let broker: Mosquitto;
let pub: MqttClient;
beforeAll(async () => {
  broker = await startMosquitto();
  pub = await mqtt.connectAsync(broker.url, { clientId: 'test-publisher' });
});
afterAll(async () => {
  await pub?.endAsync();
  await broker?.close();
});

const options = (clientId: string, extra: Record<string, unknown> = {}) =>
  mqttOptionsSchema.parse({
    url: broker.url,
    clientId,
    prefix: 'acme/site1',
    reconnect: { minMs: 100, maxMs: 1000 },
    mappings: [
      { topic: 'acme/site1/{area}/{line}/{machine}/state', type: 'machine.state', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', state: '$.state', reason: '$.reason' }, values: { state: { RUN: 'running', STOP: 'idle', FAULT: 'down' } } },
      { topic: 'acme/site1/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } },
      { topic: 'acme/site1/signals/#', canonical: true },
    ],
    subscribe: ['acme/site1/unmapped/#'],
    ...extra,
  });
const ctx = (clientId: string) => ({ now: () => Date.now(), log: () => undefined, defaultClientId: clientId });
const publish = (topic: string, body: unknown) => pub.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });

describe('MQTT UNS connector', () => {
  it('maps UNS payloads into the twin, passes canonical signals, and dead-letters bad messages with the topic and reason', async () => {
    const t = createTestSink();
    const { connector } = createMqttConnector('uns', options('takt-test-1'), ctx('x'));
    await connector.start(t.sink);
    try {
      expect(connector.status().state).toBe('connected');
      const ts = Date.now();
      await publish('acme/site1/A1/L1/L1-M1/state', { id: 's-1', ts, state: 'FAULT', reason: 'jam' });
      await publish('acme/site1/A1/L1/L1-M2/count', { id: 'c-1', ts, good: 10, scrap: 1 });
      await publish('acme/site1/A1/L1/L1-M2/count', { id: 'c-2', ts: ts + 1, good: 5, scrap: 0 });
      await publish('acme/site1/signals/x', { id: 'canon-1', source: 'mes', seq: 1, eventTime: ts + 2, receiveTime: ts + 2, type: 'machine.state', machine: 'L2-M1', state: 'running' });
      // bad ones
      await publish('acme/site1/A1/L1/L1-M1/state', '{"id": "s-2", "ts": ');
      await publish('acme/site1/A1/L1/L1-M1/state', { id: 's-3', ts, state: 'WARP' });
      await publish('acme/site1/A1/L1/L1-M2/count', { id: 'c-3', ts, good: 'many', scrap: 0 });
      await publish('acme/site1/unmapped/thing', { hello: 1 });
      await until(() => t.journal.length === 4 && t.deadLetters.length === 4, 'four signals and four dead letters');
      await until(() => t.machine('L1-M1')?.state === 'down', 'the twin to apply the state');
      expect(t.machine('L1-M1')).toMatchObject({ state: 'down', reason: 'jam' });
      expect(t.machine('L2-M1')?.state).toBe('running');
      expect(t.machine('L1-M2')).toMatchObject({ good: 15, scrap: 1 });
      const byOrigin = Object.fromEntries(t.deadLetters.map((d) => [d.origin + ' ' + (d.raw.includes('WARP') ? 'warp' : ''), d]));
      expect(t.deadLetters.map((d) => d.origin)).toEqual(['mqtt acme/site1/A1/L1/L1-M1/state', 'mqtt acme/site1/A1/L1/L1-M1/state', 'mqtt acme/site1/A1/L1/L1-M2/count', 'mqtt acme/site1/unmapped/thing']);
      expect(t.deadLetters[0]!.reason).toMatch(/^invalid JSON/);
      expect(byOrigin['mqtt acme/site1/A1/L1/L1-M1/state warp']!.reason).toMatch(/value 'WARP' of 'state' is not in mappings\[0\]\.values\.state/);
      expect(t.deadLetters[2]).toMatchObject({ path: 'good', code: 'shape' });
      expect(t.deadLetters[3]!.reason).toBe("no mapping rule matches topic 'acme/site1/unmapped/thing'");
      const st = connector.status();
      expect(st).toMatchObject({ id: 'uns', kind: 'mqtt', state: 'connected', deadLetters: 4 });
      expect(st.messagesPerSecond).toBeGreaterThan(0);
      expect(st.detail).toContain('8 messages');
    } finally {
      await connector.stop();
      t.close();
    }
    expect(connector.status().state).toBe('stopped');
  });

  it('keeps its persistent session: messages published while it is away arrive after it comes back, re-deliveries are dropped by id', async () => {
    const t = createTestSink();
    const first = createMqttConnector('uns', options('takt-test-2'), ctx('x'));
    await first.connector.start(t.sink);
    await first.connector.stop();
    const ts = Date.now();
    for (let i = 0; i < 50; i++) await publish('acme/site1/A1/L2/L2-M2/count', { id: `away-${i}`, ts: ts + i, good: 1, scrap: 0 });
    // The same message twice (an at-least-once re-delivery from the source): one effect.
    await publish('acme/site1/A1/L2/L2-M2/count', { id: 'away-7', ts: ts + 7, good: 1, scrap: 0 });
    const second = createMqttConnector('uns', options('takt-test-2'), ctx('x'));
    await second.connector.start(t.sink);
    try {
      await until(() => t.pipeline.stats().pushed === 51, 'the 51 queued messages');
      await until(() => t.machine('L2-M2')?.good === 50, 'the twin to count 50');
      expect(t.pipeline.stats()).toMatchObject({ accepted: 50, duplicates: 1, deadLettered: 0 });
    } finally {
      await second.connector.stop();
      t.close();
    }
  });

  it('reconnects after a broker restart and publishes write-back messages, resolving on PUBACK', async () => {
    const t = createTestSink();
    const { connector, writeBack } = createMqttConnector('uns', options('takt-test-3'), ctx('x'));
    await connector.start(t.sink);
    const received: { topic: string; body: Record<string, unknown> }[] = [];
    const erp = await mqtt.connectAsync(broker.url, { clientId: 'test-erp', reconnectPeriod: 100 });
    erp.on('message', (topic, p) => received.push({ topic, body: JSON.parse(p.toString()) }));
    await erp.subscribeAsync({ 'acme/site1/erp/#': { qos: 1 }, 'acme/site1/mes/#': { qos: 1 } });
    try {
      const msg = { id: 'ob-1', target: 'erp' as const, kind: 'production-order.sequence', idempotencyKey: 'k-1', decisionId: 'D-1', payload: { line: 'L1', orders: ['SO-2', 'SO-1'] } };
      const ack = await writeBack.send(msg);
      expect(ack.reference).toMatch(/^mqtt:acme\/site1\/erp\/production-order\.sequence#\d+$/);
      await writeBack.send({ ...msg, id: 'ob-2', target: 'mes', kind: 'dispatch-list.update', idempotencyKey: 'k-2' });
      await until(() => received.length === 2, 'the ERP and MES subscribers to receive the commands');
      expect(received[0]).toEqual({ topic: 'acme/site1/erp/production-order.sequence', body: { id: 'ob-1', idempotencyKey: 'k-1', decisionId: 'D-1', target: 'erp', kind: 'production-order.sequence', payload: { line: 'L1', orders: ['SO-2', 'SO-1'] } } });
      expect(received[1]!.topic).toBe('acme/site1/mes/dispatch');

      await broker.stop();
      await until(() => connector.status().state !== 'connected', 'the connector to notice the broker is gone');
      await expect(writeBack.send({ ...msg, id: 'ob-3' })).rejects.toThrow(/not connected to mqtt:\/\/127\.0\.0\.1:\d+; the outbox will retry/);
      await broker.start();
      await until(() => connector.status().state === 'connected', 'the connector to reconnect');
      await until(() => pub.connected, 'the publisher to reconnect');
      await publish('acme/site1/A1/L1/L1-M1/state', { id: 'after-restart', ts: Date.now(), state: 'RUN' });
      await until(() => t.machine('L1-M1')?.state === 'running', 'a message after the restart to reach the twin');
    } finally {
      await erp.endAsync();
      await connector.stop();
      t.close();
    }
  });

  it('reports lagging while messages arrive far behind their event time, and connected again once they catch up', async () => {
    const t = createTestSink();
    const { connector } = createMqttConnector('uns', options('takt-test-lag', { lagWarnMs: 5_000 }), ctx('x'));
    await connector.start(t.sink);
    try {
      await publish('acme/site1/A1/L1/L1-M2/count', { id: 'old-1', ts: Date.now() - 60_000, good: 1, scrap: 0 });
      await until(() => connector.status().state === 'lagging', 'the lagging state');
      expect(connector.status().lagMs).toBeGreaterThan(50_000);
      await publish('acme/site1/A1/L1/L1-M2/count', { id: 'new-1', ts: Date.now(), good: 1, scrap: 0 });
      await until(() => connector.status().state === 'connected', 'the connected state after catching up');
    } finally {
      await connector.stop();
      t.close();
    }
  });

  it('logs in with username and password, and reports a refused login as an error', async () => {
    const secured = await startMosquitto({ users: { takt: 's3cret' } });
    const t = createTestSink();
    const good = createMqttConnector('uns', mqttOptionsSchema.parse({ url: secured.url, clientId: 'takt-auth-ok', username: 'takt', password: 's3cret', subscribe: ['x/#'], canonicalByDefault: true }), ctx('x'));
    const bad = createMqttConnector('uns', mqttOptionsSchema.parse({ url: secured.url, clientId: 'takt-auth-bad', username: 'takt', password: 'wrong', subscribe: ['x/#'], reconnect: { minMs: 200, maxMs: 400 } }), ctx('x'));
    try {
      await good.connector.start(t.sink);
      expect(good.connector.status().state).toBe('connected');
      await bad.connector.start(t.sink);
      await until(() => bad.connector.status().state === 'error', 'the refused login to show as an error');
      expect(bad.connector.status().detail).toMatch(/last error: .*(Not authorized|Bad User Name or Password)/i);
    } finally {
      await good.connector.stop();
      await bad.connector.stop();
      t.close();
      await secured.close();
    }
  });

  it('connects over TLS with the CA, client certificate and key files (mutual TLS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-tls-'));
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=takt-test-ca');
    for (const who of ['server', 'client']) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'takt'}`);
      ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '1', ...(who === 'server' ? ['-extfile', 'san.ext'] : []));
    }
    const secured = await startMosquitto({ extraConfig: [`cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`, 'require_certificate true'] });
    const url = secured.url.replace('mqtt://', 'mqtts://');
    const t = createTestSink();
    const tlsOk = createMqttConnector('uns', mqttOptionsSchema.parse({ url, clientId: 'takt-tls', tls: { ca: `${dir}/ca.crt`, cert: `${dir}/client.crt`, key: `${dir}/client.key` }, mappings: [{ topic: 'takt/signals/#', canonical: true }] }), ctx('x'));
    const noCert = createMqttConnector('uns', mqttOptionsSchema.parse({ url, clientId: 'takt-tls-nocert', tls: { ca: `${dir}/ca.crt` }, subscribe: ['x/#'], reconnect: { minMs: 200, maxMs: 400 } }), ctx('x'));
    try {
      await tlsOk.connector.start(t.sink);
      expect(tlsOk.connector.status().state).toBe('connected');
      const client = await mqtt.connectAsync(url, { clientId: 'tls-pub', ca: readFileSync(`${dir}/ca.crt`), cert: readFileSync(`${dir}/client.crt`), key: readFileSync(`${dir}/client.key`) });
      const ts = Date.now();
      await client.publishAsync('takt/signals/tls', JSON.stringify({ id: 'tls-1', source: 'mes', seq: 1, eventTime: ts, receiveTime: ts, type: 'machine.state', machine: 'L2-M2', state: 'starved' }), { qos: 1 });
      await until(() => t.machine('L2-M2')?.state === 'starved', 'a signal over TLS');
      await client.endAsync();
      await noCert.connector.start(t.sink);
      expect(noCert.connector.status().state).not.toBe('connected');
    } finally {
      await tlsOk.connector.stop();
      await noCert.connector.stop();
      t.close();
      await secured.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects options that cannot work, naming the field', () => {
    expect(mqttOptionsSchema.safeParse({ url: 'http://x' }).error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['url', 'mappings']));
    expect(() => createMqttConnector('uns', options('c', { tls: { ca: '/no/such/ca.pem' } }), ctx('x'))).toThrow("options.tls.ca: cannot read '/no/such/ca.pem': ENOENT");
  });
});
