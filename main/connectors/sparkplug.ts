/**
 * Sparkplug B host application (kind `sparkplug`, namespace spBv1.0): subscribes to the configured
 * groups, decodes payloads with `sparkplug-payload`, keeps births/aliases/sequence per edge node in
 * shared/connectors/sparkplug.ts, pushes the resulting machine signals into ingest, publishes
 * `Node Control/Rebirth` NCMDs when that asks for one, and publishes its own STATE
 * (`spBv1.0/STATE/<hostId>`, retained, QoS 1, JSON `{online, timestamp}` per Sparkplug 3.0; the
 * will says offline). Undecodable protobuf is dead-lettered with the topic and the decoder's reason.
 *
 * Sparkplug 3.0 has a host connect with a clean session: after a reconnect it does not rely on
 * queued messages but on sequence checks and rebirths.
 */
import { z } from 'zod';
import { createSparkplugHost, parseSparkplugTopic, SPARKPLUG_NAMESPACE, type SparkplugHost, type SpPayload } from '../../shared/connectors/sparkplug';
import { machineStates } from '../../shared/signals/schema';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink, type StatusConnector } from '../../shared/connectors/status';
import type { ConnectorContext, ConnectorKind, ConnectorStatus } from '../../shared/connectors/connector';
import { createDeferredAcks, DEFERRED_ACK, mqttConnectionOptions, openMqttClient, readTlsFiles, type ClientHandle } from './mqtt-client';
import { waitFor } from './mqtt';
import { redactUrl, redactUrlsIn } from '../../shared/plant/redact';
import { decodeSparkplug, sparkplugCodec } from './sparkplug-decode';

export const sparkplugOptionsSchema = z
  .object({
    ...mqttConnectionOptions,
    /** Sparkplug group ids to follow; default all (`+`). */
    groups: z.array(z.string().min(1).regex(/^[^/+#]+$/, { message: 'a group id without /, + or #' })).default(['+']),
    /** Host application id for the STATE topic; default `takt-<site id>`. */
    hostId: z.string().min(1).regex(/^[^/+#]+$/).optional(),
    /** `<edge node>/<device>` (or `<edge node>`) → machine id; default the device id is the machine id. */
    machines: z.record(z.string(), z.string().min(1)).default({}),
    stateMetric: z.string().min(1).default('Machine/State'),
    goodMetric: z.string().min(1).default('Production/Good'),
    scrapMetric: z.string().min(1).default('Production/Scrap'),
    /** Raw state value → canonical machine state (e.g. PackML or vendor codes). */
    stateValues: z.record(z.string(), z.enum(machineStates)).default({}),
    counters: z.enum(['total', 'delta']).default('total'),
    rebirthEveryMs: z.number().int().min(0).default(5_000),
    source: z.string().min(1).max(64).optional(),
  })
  .strict();
export type SparkplugOptions = z.infer<typeof sparkplugOptionsSchema>;

export function createSparkplugConnector(id: string, o: SparkplugOptions, ctx: Pick<ConnectorContext, 'now' | 'log'> & { siteId: string }): StatusConnector {
  // What leaves the connector (status, origins, errors, logs) names the URL without its credentials.
  const shownUrl = redactUrl(o.url);
  const hostId = o.hostId ?? `takt-${ctx.siteId}`;
  const tls = readTlsFiles(o);
  const stateTopic = `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
  const source = o.source ?? id;
  const rate = createRateMeter();
  const host: SparkplugHost = newHost();
  let handle: ClientHandle | undefined;
  const acks = createDeferredAcks(() => handle?.client);
  let state: ConnectorStatus['state'] = 'stopped';
  let errors = 0;
  let deadLetters = 0;
  let rebirths = 0;
  let historicalSkipped = 0;
  let lastMessageAt: number | undefined;
  let lagMs: number | undefined;

  function newHost() {
    return createSparkplugHost({
      machines: o.machines,
      stateMetric: o.stateMetric,
      goodMetric: o.goodMetric,
      scrapMetric: o.scrapMetric,
      stateValues: o.stateValues,
      counters: o.counters,
      rebirthEveryMs: o.rebirthEveryMs,
      source,
    });
  }

  function rebirth(group: string, node: string, reason: string) {
    const client = handle?.client;
    if (!client?.connected) return;
    rebirths++;
    ctx.log(`sparkplug connector ${id}: asking ${group}/${node} to rebirth (${reason})`);
    const payload = sparkplugCodec().encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
    client.publish(`${SPARKPLUG_NAMESPACE}/${group}/NCMD/${node}`, Buffer.from(payload), { qos: 0 });
  }

  function onMessage(sink: ConnectorSink, topic: string, payload: Buffer) {
    const now = Math.round(ctx.now()); // the core's plant clock has sub-millisecond precision; signal times are whole ms
    rate.add(now);
    lastMessageAt = now;
    const meta = { origin: `sparkplug ${topic}`, receiveTime: now };
    const t = parseSparkplugTopic(topic);
    if (typeof t === 'string') return; // not ours (STATE of other hosts is parsed; anything else is ignored)
    if (t.kind === 'state') return;
    let decoded: SpPayload;
    try {
      decoded = decodeSparkplug(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    } catch (e) {
      errors++;
      deadLetters++;
      rejectVia(sink, payload.toString('base64'), `bad Sparkplug B protobuf in ${t.type}: ${String((e as Error).message).slice(0, 200)} (raw kept as base64)`, meta, source);
      return;
    }
    const out = host.handle(t, decoded, now);
    historicalSkipped += out.historicalSkipped;
    for (const r of out.rejects) {
      errors++;
      deadLetters++;
      rejectVia(sink, JSON.stringify(decoded), r.reason, meta, source);
    }
    for (const s of out.signals) {
      if (typeof s.eventTime === 'number') lagMs = now - s.eventTime;
      if (pushCounted(sink, s, meta)) deadLetters++;
    }
    if (out.rebirth) rebirth(out.rebirth.group, out.rebirth.node, out.rebirth.reason);
  }

  const stateBody = (online: boolean, timestamp: number) => JSON.stringify({ online, timestamp });

  return {
    id,
    kind: 'sparkplug',
    async start(sink: ConnectorSink) {
      state = 'connecting';
      const birthAt = Date.now();
      const receive = (topic: string, payload: Buffer) => {
        try {
          onMessage(sink, topic, payload);
        } catch (e) {
          errors++;
          ctx.log(`sparkplug connector ${id}: message on ${topic} failed: ${(e as Error).message}`);
        }
      };
      // MQTT 5: QoS 1 messages are acknowledged once journaled, a turn's PUBACKs in one write (as
      // the UNS connector does); a clean session loses unacknowledged ones on a reconnect anyway,
      // and the sequence checks ask for a rebirth then.
      const deferred = o.protocolVersion === 5 && typeof sink.whenDurable === 'function';
      handle = openMqttClient(
        o,
        { clean: true, will: { topic: stateTopic, payload: Buffer.from(stateBody(false, birthAt)), qos: 1, retain: true } },
        `takt-${ctx.siteId}-${id}`,
        tls,
        deferred
          ? (topic, payload, packet: { qos: number; messageId: number }, done) => {
              if (packet.qos !== 1) return done(0);
              receive(topic, payload);
              acks.defer(sink, packet.messageId);
              done(DEFERRED_ACK);
            }
          : undefined,
      );
      const client = handle.client;
      client.on('message', receive);
      client.on('close', () => acks.closed());
      client.on('connect', () => {
        state = 'connected';
        // Clean session: messages missed while away show as sequence gaps, which ask for rebirths.
        const ts = Date.now();
        // The will of the next connection must carry this birth's timestamp (Sparkplug 3.0 STATE).
        if (client.options.will) client.options.will.payload = Buffer.from(stateBody(false, ts));
        client.subscribe(Object.fromEntries([...o.groups.map((g) => [`${SPARKPLUG_NAMESPACE}/${g}/#`, { qos: 1 as const }])]), (err) => {
          if (err) {
            ctx.log(`sparkplug connector ${id}: subscribe failed: ${err.message}`);
            return;
          }
          client.publish(stateTopic, stateBody(true, ts), { qos: 1, retain: true }, () => client.emit('takt:online' as 'connect', undefined as never));
        });
      });
      client.on('offline', () => {
        if (state !== 'stopped') state = 'connecting';
      });
      // Ready once subscribed and STATE online is published (or after 5 s; it keeps trying).
      await waitFor(client, 'takt:online', 5_000);
    },
    async stop() {
      state = 'stopped';
      const client = handle?.client;
      if (!client) return;
      if (client.connected) await client.publishAsync(stateTopic, stateBody(false, Date.now()), { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync();
    },
    status() {
      const now = ctx.now();
      const connected = handle?.client.connected === true;
      const st: ConnectorStatus['state'] = state === 'stopped' ? 'stopped' : connected ? 'connected' : handle && handle.errors() > 0 ? 'error' : 'connecting';
      const devices = host.devices();
      const stale = devices.filter((d) => !d.online).length;
      const lastErr = handle?.lastError();
      return {
        id,
        kind: 'sparkplug',
        state: st,
        messagesPerSecond: rate.rate(now),
        errors: errors + (handle?.errors() ?? 0),
        deadLetters,
        ...(lastMessageAt !== undefined ? { lastMessageAt } : {}),
        ...(lagMs !== undefined ? { lagMs } : {}),
        devices,
        detail: `${shownUrl} · host ${hostId} · ${devices.length - stale} online, ${stale} stale · ${rebirths} rebirth requests${historicalSkipped ? ` · ${historicalSkipped} historical totals skipped` : ''}${lastErr ? ` · last error: ${redactUrlsIn(lastErr)}` : ''}`,
      };
    },
  };
}

export const sparkplugKind: ConnectorKind<SparkplugOptions> = {
  kind: 'sparkplug',
  options: sparkplugOptionsSchema as unknown as z.ZodType<SparkplugOptions>,
  create(config, ctx) {
    return { connector: createSparkplugConnector(config.id, config.options, { now: ctx.now, log: ctx.log, siteId: ctx.plant.site.id }) };
  },
};
