/**
 * NATS connector (kind `nats`): subscribes to subjects and maps their JSON payloads to canonical
 * signals with the same declarative mapping as the MQTT connector (shared/connectors/mapping.ts),
 * written with NATS subject patterns (shared/connectors/subject.ts): `{name}` captures a token,
 * `*` and `>` are NATS wildcards. A rule with `canonical: true` takes payloads that already are
 * canonical signals. What cannot become a signal (no rule, bad JSON, a value outside its map) is
 * dead-lettered with the subject as origin and the reason; ingest dead-letters wrong types.
 *
 * Delivery is core NATS: at most once, as NATS publishes are (a message sent while the core is
 * down is not kept). Without an `id` rule the signal id is a hash of subject and payload, so a
 * publisher that repeats a message is deduplicated by ingest. A `queue` group shares the subjects
 * between several cores (only one of them gets each message).
 */
import { z } from 'zod';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { createMapper, mappingRuleSchema, type MappingRule, type Mapper } from '../../shared/connectors/mapping';
import { natsSubscription, subjectPatternToTopic, subjectToTopic } from '../../shared/connectors/subject';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink, type ConnectorStatusView, type StatusConnector } from '../../shared/connectors/status';
import type { ConnectorContext, ConnectorKind } from '../../shared/connectors/connector';
import { redactUrl, redactUrlsIn } from '../../shared/plant/redact';

/** A mapping rule with `subject` (a NATS subject pattern) where the MQTT rule has `topic`. */
const natsRuleSchema = z
  .object({ subject: z.string().min(1).max(500) })
  .catchall(z.unknown())
  .transform((r, ctx) => {
    const { subject, ...rest } = r;
    if ('topic' in rest) {
      ctx.addIssue({ code: 'custom', message: 'a NATS mapping names a `subject`, not a `topic`', path: ['topic'] });
      return z.NEVER;
    }
    const parsed = mappingRuleSchema.safeParse({ ...rest, topic: subject });
    if (!parsed.success) {
      for (const iss of parsed.error.issues) ctx.addIssue({ code: 'custom', message: iss.message, path: iss.path.map((p) => (p === 'topic' ? 'subject' : p)) as (string | number)[] });
      return z.NEVER;
    }
    return { ...parsed.data, subject };
  });

export const natsOptionsSchema = z
  .object({
    /** One server or several, comma-separated: nats://host:4222,nats://host2:4222 (any node of a cluster will do). */
    url: z.string().regex(/^(nats|tls):\/\/[^\s,]+(,\s*(nats|tls):\/\/[^\s,]+)*$/, { message: 'one or more server URLs such as nats://host:4222, comma-separated' }),
    username: z.string().max(256).optional(),
    password: z.string().max(1024).optional(),
    token: z.string().max(1024).optional(),
    /** Queue group: several cores share the subjects, each message goes to one of them. */
    queue: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/).optional(),
    mappings: z.array(natsRuleSchema).min(1, { message: 'give at least one mapping rule (a subject and how it becomes a signal)' }),
    /** Signal source when a rule gives none; default the connector id. */
    source: z.string().min(1).max(64).optional(),
    /** Receive minus event time above which the connector reports 'lagging'. */
    lagWarnMs: z.number().int().min(0).default(10_000),
  })
  .strict();

export type NatsOptions = z.infer<typeof natsOptionsSchema>;

export function createNatsConnector(id: string, o: NatsOptions, ctx: Pick<ConnectorContext, 'now' | 'log'> & { name: string }): StatusConnector {
  const servers = o.url.split(',').map((s) => s.trim());
  const shown = servers.map(redactUrl).join(',');
  // Subject patterns become topic patterns, so one mapper serves NATS and MQTT; errors name `mappings[i].subject`.
  const rules: MappingRule[] = o.mappings.map((r, i) => {
    let topic: string;
    try {
      topic = subjectPatternToTopic(r.subject);
    } catch (e) {
      throw new Error(`mappings[${i}].subject: ${(e as Error).message}`);
    }
    const { subject: _subject, ...rule } = r;
    return { ...rule, topic };
  });
  let mapper: Mapper;
  try {
    mapper = createMapper(rules);
  } catch (e) {
    throw new Error((e as Error).message.replace(/^(mappings\[\d+\])\.topic/, '$1.subject'));
  }
  const subscriptions = [...new Set(o.mappings.map((r) => natsSubscription(r.subject)))];
  const source = o.source ?? id;
  const rate = createRateMeter();
  const decoder = new TextDecoder();
  let nc: NatsConnection | undefined;
  const subs: Subscription[] = [];
  let state: ConnectorStatusView['state'] = 'stopped';
  let connected = false;
  let stopped = false;
  let seq = 0;
  let messages = 0;
  let errors = 0;
  let deadLetters = 0;
  let lastMessageAt: number | undefined;
  let lagMs: number | undefined;
  let lastError: string | undefined;

  function onMessage(sink: ConnectorSink, subject: string, data: Uint8Array) {
    const now = Math.round(ctx.now());
    messages++;
    rate.add(now);
    lastMessageAt = now;
    const meta = { origin: `nats ${subject}`, receiveTime: now };
    const text = decoder.decode(data);
    const topic = subjectToTopic(subject);
    const r = topic === undefined ? ({ ok: false, reason: `subject '${subject}' has a '/' in a token, which no mapping can match` } as const) : mapper.map(topic, text, { receiveTime: now, seq: seq++, source });
    if (!r.ok) {
      deadLetters++;
      rejectVia(sink, text, 'path' in r && r.path ? `${r.reason} (field ${r.path})` : r.reason.replace(/topic '([^']*)'/, (_m, t: string) => `subject '${t.replaceAll('/', '.')}'`), meta, source);
      return;
    }
    if (r.text === undefined) {
      const et = (r.signal as { eventTime?: unknown }).eventTime;
      if (typeof et === 'number') lagMs = now - et;
    }
    if (pushCounted(sink, r.signal, meta)) deadLetters++;
  }

  async function connectLoop(sink: ConnectorSink, first: (ok: boolean) => void) {
    const { connect } = await import('@nats-io/transport-node');
    for (let attempt = 1; !stopped; attempt++) {
      try {
        nc = await connect({
          servers,
          name: ctx.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          timeout: 5000,
          ...(o.username !== undefined ? { user: o.username } : {}),
          ...(o.password !== undefined ? { pass: o.password } : {}),
          ...(o.token !== undefined ? { token: o.token } : {}),
        });
        break;
      } catch (e) {
        errors++;
        lastError = (e as Error).message;
        state = 'error';
        if (attempt === 1) first(false);
        if (attempt === 1 || attempt % 30 === 0) ctx.log(`nats connector ${id}: cannot connect to ${shown} (${lastError}); trying again every second`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (!nc) return;
    if (stopped) return void (await nc.close());
    connected = true;
    state = 'connected';
    ctx.log(`nats connector ${id}: connected to ${redactUrl(nc.getServer())}, subscribed to ${subscriptions.join(', ')}`);
    for (const subject of subscriptions) {
      subs.push(
        nc.subscribe(subject, {
          ...(o.queue ? { queue: o.queue } : {}),
          callback: (err, msg) => {
            if (err) {
              errors++;
              lastError = err.message;
              return;
            }
            try {
              onMessage(sink, msg.subject, msg.data);
            } catch (e) {
              errors++;
              ctx.log(`nats connector ${id}: message on ${msg.subject} failed: ${(e as Error).message}`);
            }
          },
        }),
      );
    }
    // Subscriptions are sent to the server with the next flush: receiving starts once it answers.
    await nc.flush().catch(() => undefined);
    first(true);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') connected = false;
        else if (s.type === 'reconnect') connected = true;
        else if (s.type === 'error') {
          errors++;
          lastError = String((s as { error?: Error }).error?.message ?? s.type);
        }
      }
    })().catch(() => undefined);
  }

  return {
    id,
    kind: 'nats',
    async start(sink) {
      state = 'connecting';
      stopped = false;
      // Resolves once subscribed, or once the first try failed (it keeps trying in the background).
      await new Promise<void>((resolve) => {
        let done = false;
        const first = () => {
          if (done) return;
          done = true;
          resolve();
        };
        connectLoop(sink, first).catch((e: Error) => {
          errors++;
          lastError = e.message;
          state = 'error';
          first();
        });
      });
    },
    async stop() {
      stopped = true;
      state = 'stopped';
      for (const s of subs.splice(0)) s.unsubscribe();
      await nc?.close().catch(() => undefined);
    },
    status() {
      const now = ctx.now();
      let st = state;
      if (st === 'connected' && !connected) st = 'connecting';
      if (st === 'connected' && lagMs !== undefined && lagMs > o.lagWarnMs) st = 'lagging';
      return {
        id,
        kind: 'nats',
        state: st,
        messagesPerSecond: rate.rate(now),
        errors,
        deadLetters,
        ...(lastMessageAt !== undefined ? { lastMessageAt } : {}),
        ...(lagMs !== undefined ? { lagMs } : {}),
        detail: `${shown} · ${subscriptions.join(', ')}${o.queue ? ` (queue ${o.queue})` : ''} · ${messages} messages${lastError ? ` · last error: ${redactUrlsIn(lastError)}` : ''}`,
      };
    },
  };
}

export const natsKind: ConnectorKind<NatsOptions> = {
  kind: 'nats',
  options: natsOptionsSchema as unknown as z.ZodType<NatsOptions>,
  create(config, ctx) {
    return { connector: createNatsConnector(config.id, config.options, { now: ctx.now, log: ctx.log, name: `takt-${ctx.plant.site.id}-${config.id}` }) };
  },
};
