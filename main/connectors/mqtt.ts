/**
 * MQTT Unified Namespace connector (kind `mqtt`): subscribes to ISA-95 topic paths with QoS 1 on a
 * persistent session (fixed client id, clean: false), maps JSON payloads to canonical signals with
 * the declarative mapping of shared/connectors/mapping.ts (or takes canonical payloads as they are)
 * and pushes them into the ingest sink. Undecodable or unmapped messages are dead-lettered with the
 * topic as origin; ingest dead-letters wrong types. QoS 1 means at-least-once: a re-delivered
 * message has the same signal id, and ingest's dedupe on (source, id) makes it idempotent.
 *
 * Acknowledgement (`ackWhen: journaled`, the default, MQTT 5 with a sink that has `whenDurable`):
 * the PUBACK of a QoS 1 message goes out only once the ingest pipeline reports everything pushed
 * before it committed in the journal, so a core crash loses nothing the broker already dropped: the
 * broker re-sends the unacknowledged messages to the resumed session and dedupe drops the ones
 * that were journaled. PUBACKs owed on a connection that has since closed are not sent (packet ids
 * belong to their connection); the broker re-sends those messages. With MQTT 3.1.1, or
 * `ackWhen: received`, mqtt.js acknowledges on receipt (a crash can lose the last uncommitted batch).
 *
 * Write-back: outbox messages are published QoS 1 to `<prefix>/erp/<kind>` and
 * `<prefix>/mes/dispatch`; `send` resolves on the broker's PUBACK.
 */
import { z } from 'zod';
import type { MqttClient } from 'mqtt';
import type { WriteBackAck, WriteBackMessage, WriteBackTarget } from '../../shared/commit/writeback';
import { createMapper, mappingRuleSchema, type Mapper } from '../../shared/connectors/mapping';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink, type StatusConnector } from '../../shared/connectors/status';
import type { ConnectorContext, ConnectorKind, ConnectorStatus } from '../../shared/connectors/connector';
import { createDeferredAcks, DEFERRED_ACK, mqttConnectionOptions, openMqttClient, readTlsFiles, type ClientHandle } from './mqtt-client';
import { redactUrl, redactUrlsIn } from '../../shared/plant/redact';

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
    /** When received QoS 1 messages are acknowledged: once journaled (MQTT 5), or on receipt. */
    ackWhen: z.enum(['journaled', 'received']).default('journaled'),
  })
  .strict()
  .refine((o) => o.mappings.length > 0 || o.subscribe.length > 0, { message: 'give `mappings` (topic rules) or `subscribe` filters', path: ['mappings'] });

export type MqttOptions = z.infer<typeof mqttOptionsSchema>;

export interface MqttConnectorParts {
  connector: StatusConnector;
  writeBack: WriteBackTarget;
}

export function createMqttConnector(id: string, o: MqttOptions, ctx: Pick<ConnectorContext, 'now' | 'log'> & { defaultClientId: string }): MqttConnectorParts {
  // What leaves the connector (status, origins, errors, logs) names the URL without its credentials.
  const shownUrl = redactUrl(o.url);
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
  // Deferred PUBACKs (ackWhen: journaled): one chunk per turn of the event loop, sent once committed.
  const acks = createDeferredAcks(() => handle?.client);

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
      const receive = (topic: string, payload: Buffer) => {
        try {
          onMessage(sink, topic, payload);
        } catch (e) {
          decodeErrors++;
          ctx.log(`mqtt connector ${id}: message on ${topic} failed: ${(e as Error).message}`);
        }
      };
      const deferred = o.ackWhen === 'journaled' && o.protocolVersion === 5 && typeof sink.whenDurable === 'function';
      handle = openMqttClient(
        o,
        { clean: false, expirySeconds: o.sessionExpirySeconds },
        ctx.defaultClientId,
        tls,
        deferred
          ? (topic, payload, packet: { qos: number; messageId: number }, done) => {
              // QoS 2 cannot come (we subscribe with QoS 1); should it, mqtt.js does its own handshake and emits 'message'.
              if (packet.qos !== 1) return done(0);
              receive(topic, payload);
              acks.defer(sink, packet.messageId);
              done(DEFERRED_ACK);
            }
          : undefined,
      );
      const client = handle.client;
      client.on('message', (topic, payload) => receive(topic, payload));
      client.on('close', () => acks.closed());
      client.on('connect', (ack) => {
        state = 'connected';
        ctx.log(`mqtt connector ${id}: connected to ${shownUrl} (session ${ack.sessionPresent ? 'resumed' : 'new'})`);
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
        detail: `${shownUrl} · ${filters.join(', ')} · ${messages} messages${acks.awaiting() > 0 ? ` · ${acks.awaiting()} awaiting the journal before PUBACK` : ''}${lastErr ? ` · last error: ${redactUrlsIn(lastErr)}` : ''}`,
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
      if (!client || !client.connected) return Promise.reject(new Error(`MQTT connector ${id}: not connected to ${shownUrl}; the outbox will retry`));
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
