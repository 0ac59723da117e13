/**
 * MQTT Unified Namespace connector (kind `mqtt`): subscribes to ISA-95 topic paths with QoS 1 on a
 * persistent session (fixed client id, clean: false), maps JSON payloads to canonical signals with
 * the declarative mapping of shared/connectors/mapping.ts (or takes canonical payloads as they are)
 * and pushes them into the ingest sink. Undecodable or unmapped messages are dead-lettered with the
 * topic as origin; ingest dead-letters wrong types. QoS 1 means at-least-once: a re-delivered
 * message has the same signal id, and ingest's dedupe on (source, id) makes it idempotent.
 *
 * Write-back: outbox messages are published QoS 1 to `<prefix>/erp/<kind>` and
 * `<prefix>/mes/dispatch`; `send` resolves on the broker's PUBACK.
 */
import { z } from 'zod';
import type { MqttClient } from 'mqtt';
import type { ConnectorStatus } from '../../shared/ingest/connector';
import type { WriteBackAck, WriteBackMessage, WriteBackTarget } from '../../shared/commit/writeback';
import { createMapper, mappingRuleSchema, type Mapper } from '../../shared/connectors/mapping';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink, type StatusConnector } from '../../shared/connectors/status';
import type { ConnectorKind, ConnectorContext } from './registry';
import { mqttConnectionOptions, openMqttClient, readTlsFiles, type ClientHandle } from './mqtt-client';

export const mqttOptionsSchema = z
  .object({
    ...mqttConnectionOptions,
    /** Topic prefix of the command topics (write-back), e.g. `acme/plant1`. */
    prefix: z.string().min(1).max(200).optional(),
    /** Command topics; `{kind}` is the outbox message kind. Defaults: `<prefix>/erp/{kind}`, `<prefix>/mes/dispatch`. */
    commandTopics: z.object({ erp: z.string().min(1).optional(), mes: z.string().min(1).optional() }).strict().optional(),
    /** Extra subscription filters (the mapping rules' filters are always subscribed). */
    subscribe: z.array(z.string().min(1)).default([]),
    mappings: z.array(mappingRuleSchema).default([]),
    /** Take payloads on topics no rule matches as canonical signals (ingest validates them). */
    canonicalByDefault: z.boolean().default(false),
    /** Signal source when a rule gives none; default the connector id. */
    source: z.string().min(1).max(64).optional(),
    /** MQTT 5 session expiry of the persistent session. */
    sessionExpirySeconds: z.number().int().min(0).max(0xffffffff).default(7 * 24 * 3600),
    /** Receive minus event time above which the connector reports 'lagging'. */
    lagWarnMs: z.number().int().min(0).default(10_000),
    /** How long `send` waits for the PUBACK. */
    ackTimeoutMs: z.number().int().min(100).default(15_000),
  })
  .strict()
  .refine((o) => o.mappings.length > 0 || o.subscribe.length > 0, { message: 'give `mappings` (topic rules) or `subscribe` filters', path: ['mappings'] });

export type MqttOptions = z.infer<typeof mqttOptionsSchema>;

export interface MqttConnectorParts {
  connector: StatusConnector;
  writeBack: WriteBackTarget;
}

export function createMqttConnector(id: string, o: MqttOptions, ctx: Pick<ConnectorContext, 'now' | 'log'> & { defaultClientId: string }): MqttConnectorParts {
  // Errors name `mappings[i].<field>`; the manager puts `connectors[n].options.` in front.
  const mapper: Mapper = createMapper(o.mappings, { defaultCanonical: o.canonicalByDefault });
  const tls = readTlsFiles(o);
  const filters = [...new Set([...mapper.filters, ...o.subscribe])];
  const source = o.source ?? id;
  const rate = createRateMeter();
  let handle: ClientHandle | undefined;
  let state: ConnectorStatus['state'] = 'stopped';
  let seq = 0;
  let decodeErrors = 0;
  let deadLetters = 0;
  let lastMessageAt: number | undefined;
  let lagMs: number | undefined;
  let messages = 0;

  function onMessage(sink: ConnectorSink, topic: string, payload: Buffer) {
    const now = Math.round(ctx.now()); // the core's plant clock has sub-millisecond precision; signal times are whole ms
    messages++;
    rate.add(now);
    lastMessageAt = now;
    const meta = { origin: `mqtt ${topic}`, receiveTime: now };
    const text = payload.toString('utf8');
    const r = mapper.map(topic, text, { receiveTime: now, seq: seq++, source });
    if (!r.ok) {
      decodeErrors++;
      deadLetters++;
      rejectVia(sink, text, r.path ? `${r.reason} (field ${r.path})` : r.reason, meta, source);
      return;
    }
    if (r.text === undefined) {
      const et = (r.signal as { eventTime?: unknown }).eventTime;
      if (typeof et === 'number') lagMs = now - et;
    }
    if (pushCounted(sink, r.signal, meta)) deadLetters++;
  }

  const connector: MqttConnectorParts['connector'] = {
    id,
    kind: 'mqtt',
    async start(sink: ConnectorSink) {
      state = 'connecting';
      handle = openMqttClient(o, { clean: false, expirySeconds: o.sessionExpirySeconds }, ctx.defaultClientId, tls);
      const client = handle.client;
      client.on('message', (topic, payload) => {
        try {
          onMessage(sink, topic, payload);
        } catch (e) {
          decodeErrors++;
          ctx.log(`mqtt connector ${id}: message on ${topic} failed: ${(e as Error).message}`);
        }
      });
      client.on('connect', (ack) => {
        state = 'connected';
        ctx.log(`mqtt connector ${id}: connected to ${o.url} (session ${ack.sessionPresent ? 'resumed' : 'new'})`);
        // Subscribing again on a resumed session is harmless and picks up filters added to the plant file.
        client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err) => {
          if (err) ctx.log(`mqtt connector ${id}: subscribe failed: ${err.message}`);
          client.emit('takt:subscribed' as 'connect', ack);
        });
      });
      client.on('offline', () => {
        if (state !== 'stopped') state = 'connecting';
      });
      // Receiving means subscribed: wait for the first SUBACK (or give up waiting after 5 s; it keeps trying).
      await waitFor(client, 'takt:subscribed', 5_000);
    },
    async stop() {
      state = 'stopped';
      if (handle) await handle.client.endAsync();
    },
    status() {
      const now = ctx.now();
      const connected = handle?.client.connected === true;
      let st = state;
      if (st !== 'stopped') st = connected ? (lagMs !== undefined && lagMs > o.lagWarnMs ? 'lagging' : 'connected') : handle && handle.errors() > 0 ? 'error' : 'connecting';
      const lastErr = handle?.lastError();
      return {
        id,
        kind: 'mqtt',
        state: st,
        messagesPerSecond: rate.rate(now),
        errors: decodeErrors + (handle?.errors() ?? 0),
        deadLetters,
        ...(lastMessageAt !== undefined ? { lastMessageAt } : {}),
        ...(lagMs !== undefined ? { lagMs } : {}),
        detail: `${o.url} · ${filters.join(', ')} · ${messages} messages${lastErr ? ` · last error: ${lastErr}` : ''}`,
      };
    },
  };

  const prefix = o.prefix ?? 'takt';
  const erpTopic = o.commandTopics?.erp ?? `${prefix}/erp/{kind}`;
  const mesTopic = o.commandTopics?.mes ?? `${prefix}/mes/dispatch`;
  const writeBack: WriteBackTarget = {
    id,
    serves: ['erp', 'mes'],
    send(msg: WriteBackMessage): Promise<WriteBackAck> {
      const client = handle?.client;
      if (!client || !client.connected) return Promise.reject(new Error(`MQTT connector ${id}: not connected to ${o.url}; the outbox will retry`));
      const topic = (msg.target === 'erp' ? erpTopic : mesTopic).replaceAll('{kind}', msg.kind);
      const body = JSON.stringify({ id: msg.id, idempotencyKey: msg.idempotencyKey, decisionId: msg.decisionId, target: msg.target, kind: msg.kind, payload: msg.payload });
      return new Promise<WriteBackAck>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`MQTT connector ${id}: no PUBACK for ${topic} within ${o.ackTimeoutMs} ms`)), o.ackTimeoutMs);
        client.publish(topic, body, { qos: 1 }, (err, packet) => {
          clearTimeout(timer);
          if (err) reject(new Error(`MQTT connector ${id}: publish to ${topic} failed: ${err.message}`));
          else resolve({ ackedAt: Math.round(ctx.now()), reference: `mqtt:${topic}#${packet?.messageId ?? ''}` });
        });
      });
    },
  };
  return { connector, writeBack };
}

/** Resolves on the client's next `event` or after `ms` (the client keeps retrying either way). */
export function waitFor(client: MqttClient, event: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      client.off(event as 'connect', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    client.on(event as 'connect', done);
  });
}

export const mqttKind: ConnectorKind<MqttOptions> = {
  kind: 'mqtt',
  options: mqttOptionsSchema as unknown as z.ZodType<MqttOptions>,
  create(config, ctx) {
    return createMqttConnector(config.id, config.options, { now: ctx.now, log: ctx.log, defaultClientId: `takt-${ctx.plant.site.id}-${config.id}` });
  },
};
