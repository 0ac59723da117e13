/**
 * The NATS connector against a real nats-server (started on a free port): subject mappings into
 * the twin, canonical payloads, dead letters naming the subject and the reason, option errors
 * naming `mappings[i].subject`, status, and reconnect after a server restart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createNatsConnector, natsOptionsSchema } from '../../../main/connectors/nats';
import { natsSubscription, subjectPatternToTopic } from '../../../shared/connectors/subject';
import { startNatsCluster, type NatsCluster } from '../../helpers/nats-cluster';
import { createTestSink, plant, until } from './mqtt-sink';
import { ConnectorConfigError, createConnectors } from '../../../main/connectors/plant-connectors';
import { until as untilAsync } from '../../helpers/until';

let server: NatsCluster;
let pub: NatsConnection;
beforeAll(async () => {
  server = await startNatsCluster({ size: 1 });
  pub = await connect({ servers: server.urls, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
}, 60_000);
afterAll(async () => {
  await pub?.close();
  await server?.close();
});

const options = (extra: Record<string, unknown> = {}) =>
  natsOptionsSchema.parse({
    url: server.urls,
    mappings: [
      { subject: 'acme.site1.{area}.{line}.{machine}.state', type: 'machine.state', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', state: '$.state', reason: '$.reason' }, values: { state: { RUN: 'running', STOP: 'idle', FAULT: 'down' } } },
      { subject: 'acme.site1.{area}.{line}.{machine}.count', type: 'production.count', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } },
      { subject: 'acme.site1.signals.>', canonical: true },
    ],
    ...extra,
  });
const ctx = { now: () => Date.now(), log: () => undefined, name: 'test' };
const publish = async (subject: string, body: unknown) => {
  pub.publish(subject, typeof body === 'string' ? body : JSON.stringify(body));
  await pub.flush();
};

describe('subject patterns', () => {
  it('translate to topic patterns and subscriptions, and refuse what NATS cannot mean', () => {
    expect(subjectPatternToTopic('a.{x}.*.>')).toBe('a/{x}/+/#');
    expect(natsSubscription('a.{x}.*.>')).toBe('a.*.*.>');
    expect(() => subjectPatternToTopic('a.>.b')).toThrow("'>' must be the last token of 'a.>.b'");
    expect(() => subjectPatternToTopic('a..b')).toThrow(/empty token/);
    expect(() => subjectPatternToTopic('a.b/c')).toThrow(/token 2 \('b\/c'\)/);
  });

  it('names the rule and the field of a bad mapping', () => {
    const r = natsOptionsSchema.safeParse({ url: 'nats://x:4222', mappings: [{ subject: 'a.b' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['mappings', 0, 'type'] });
    expect(() => createNatsConnector('n', natsOptionsSchema.parse({ url: 'nats://x:4222', mappings: [{ subject: 'a.>.b', canonical: true }] }), ctx)).toThrow("mappings[0].subject: '>' must be the last token of 'a.>.b'");
    expect(() => createNatsConnector('n', natsOptionsSchema.parse({ url: 'nats://x:4222', mappings: [{ subject: 'a.{m}', type: 'machine.state', fields: { machine: '{mm}' } }] }), ctx)).toThrow(/^mappings\[0\]\.fields\.machine: '\{mm\}' is not a capture/);
    expect(natsOptionsSchema.safeParse({ url: 'mqtt://x:1883', mappings: [{ subject: 'a', canonical: true }] }).success).toBe(false);
  });

  it('is a kind of the plant file: errors name the file and connectors[i].options.<field>', () => {
    const c = (options: Record<string, unknown>) => ({ id: 'bus', kind: 'nats', enabled: true, replacesSimulator: false, options });
    let err: unknown;
    try {
      createConnectors([c({ url: 'nats://x:4222', mappings: [{ subject: 'a.>.b', canonical: true }] }), c({ url: 'http://x', mappings: [] })], { plant, plantFile: 'plants/site.yaml', now: () => Date.now(), dataDir: '/tmp', log: () => undefined });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorConfigError);
    const issues = (err as ConnectorConfigError).issues;
    expect(issues).toContain("plants/site.yaml: connectors[0].options.mappings[0].subject: '>' must be the last token of 'a.>.b'");
    expect(issues.some((i) => i.startsWith('plants/site.yaml: connectors[1].options.url: one or more server URLs'))).toBe(true);
    expect(issues.some((i) => i.startsWith("plants/site.yaml: connectors[1].id: 'bus' is used by another connector"))).toBe(true);
  });
});

describe('the README example', () => {
  it('is a valid connectors entry whose rules map the subjects it shows', async () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const block = /```yaml\n( {2}- id: plant-bus\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'the README has the nats connector example').toBeDefined();
    const { connectors } = parseYaml(`connectors:\n${block!.replace('nats://127.0.0.1:4222,nats://127.0.0.1:4223', server.urls)}`) as { connectors: { id: string; kind: string; options: Record<string, unknown> }[] };
    const [built] = createConnectors(
      connectors.map((c) => ({ ...c, enabled: true, replacesSimulator: false })),
      { plant, plantFile: 'README.md', now: () => Date.now(), dataDir: '/tmp', log: () => undefined },
    );
    const t = createTestSink();
    await built!.connector.start(t.sink);
    try {
      const ts = Date.now();
      await publish('acme.lindenau.A1.L1.L1-M1.state', { ts, state: 'STOP' });
      await until(() => t.machine('L1-M1')?.state === 'down', 'the README mapping to reach the twin');
    } finally {
      await built!.connector.stop();
      t.close();
    }
  });
});

describe('NATS connector', () => {
  it('maps subjects into the twin, passes canonical signals, and dead-letters bad messages with the subject and reason', async () => {
    const t = createTestSink();
    const connector = createNatsConnector('plant-bus', options(), ctx);
    await connector.start(t.sink);
    try {
      expect(connector.status().state).toBe('connected');
      const ts = Date.now();
      await publish('acme.site1.A1.L1.L1-M1.state', { id: 's-1', ts, state: 'FAULT', reason: 'jam' });
      await publish('acme.site1.A1.L1.L1-M2.count', { id: 'c-1', ts, good: 10, scrap: 1 });
      await publish('acme.site1.A1.L1.L1-M2.count', { id: 'c-2', ts: ts + 1, good: 5, scrap: 0 });
      await publish('acme.site1.signals.mes', { id: 'canon-1', source: 'mes', seq: 1, eventTime: ts + 2, receiveTime: ts + 2, type: 'machine.state', machine: 'L2-M1', state: 'running' });
      // bad ones
      await publish('acme.site1.A1.L1.L1-M1.state', '{"id": "s-2", "ts": ');
      await publish('acme.site1.A1.L1.L1-M1.state', { id: 's-3', ts, state: 'WARP' });
      await publish('acme.site1.A1.L1.L1-M2.count', { id: 'c-3', ts, good: 'many', scrap: 0 });
      await publish('acme.site1.A1/x.L1.L1-M1.state', { id: 's-4', ts, state: 'RUN' });
      // a repeated message (same id) is dropped by ingest's dedupe
      await publish('acme.site1.A1.L1.L1-M2.count', { id: 'c-2', ts: ts + 1, good: 5, scrap: 0 });
      await until(() => t.journal.length === 4 && t.deadLetters.length === 4, 'four signals and four dead letters');
      await until(() => t.machine('L1-M1')?.state === 'down', 'the twin to apply the state');
      expect(t.machine('L1-M1')).toMatchObject({ state: 'down', reason: 'jam' });
      expect(t.machine('L2-M1')?.state).toBe('running');
      expect(t.machine('L1-M2')).toMatchObject({ good: 15, scrap: 1 });
      expect(t.deadLetters.map((d) => d.origin)).toEqual(['nats acme.site1.A1.L1.L1-M1.state', 'nats acme.site1.A1.L1.L1-M1.state', 'nats acme.site1.A1.L1.L1-M2.count', 'nats acme.site1.A1/x.L1.L1-M1.state']);
      expect(t.deadLetters[0]!.reason).toMatch(/^invalid JSON/);
      expect(t.deadLetters[1]!.reason).toMatch(/value 'WARP' of 'state' is not in mappings\[0\]\.values\.state/);
      expect(t.deadLetters[2]).toMatchObject({ path: 'good', code: 'shape' });
      expect(t.deadLetters[3]!.reason).toBe("subject 'acme.site1.A1/x.L1.L1-M1.state' has a '/' in a token, which no mapping can match");
      const st = connector.status();
      expect(st).toMatchObject({ id: 'plant-bus', kind: 'nats', state: 'connected', deadLetters: 4 });
      expect(st.detail).toContain('9 messages');
      expect(st.detail).toContain('acme.site1.*.*.*.state');
    } finally {
      await connector.stop();
      t.close();
    }
    expect(connector.status().state).toBe('stopped');
  });

  it('receives again after the server restarts', async () => {
    const t = createTestSink();
    const connector = createNatsConnector('plant-bus', options(), ctx);
    await connector.start(t.sink);
    try {
      await server.nodes[0]!.stop();
      await until(() => connector.status().state === 'connecting', 'the connector to notice the server is gone');
      await server.nodes[0]!.start();
      await until(() => connector.status().state === 'connected', 'the connector to reconnect', 30_000);
      const ts = Date.now();
      // Until the subscriptions are back on the server a message may go nowhere (core NATS): repeat, ingest drops the repeats.
      await untilAsync(
        'a message after the restart',
        async () => {
          await publish('acme.site1.A1.L1.L1-M1.state', { id: 'after-restart', ts, state: 'RUN' });
          return t.journal.some((s) => s.id === 'after-restart');
        },
        30_000,
      );
      expect(t.journal.filter((s) => s.id === 'after-restart')).toHaveLength(1);
    } finally {
      await connector.stop();
      t.close();
    }
  }, 60_000);
});
