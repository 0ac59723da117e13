/**
 * REST connector (kind `rest`): polls an ERP endpoint and, optionally, writes decisions back.
 *
 * Polling: GET `url` every `intervalMs` with `If-None-Match` / `If-Modified-Since` from the last
 * answer's `ETag` / `Last-Modified`; a 304 pushes nothing. The body is a JSON array (or the array at
 * `itemsPath`) of canonical signals (`payload: signals`) or of ERP orders mapped field by field
 * (`payload: orders`, `fields` name the JSON path of each order field, `values` translate codes).
 * Order signals get an id from their content, and an item already pushed is not pushed again, so a
 * changed list only sends what changed (and ingest's dedupe makes a repeat harmless anyway).
 * Errors (network, timeout, HTTP ≥ 400, a body that is not JSON) back off exponentially up to
 * `backoff.maxMs`; items that cannot be mapped are dead-lettered with `url#[index]` as origin.
 *
 * Write-back (`writeBack.url`): each outbox message is POSTed as JSON with an `Idempotency-Key`
 * header. 2xx acknowledges it (the reference is the body's `reference`/`id` or the Location
 * header); 409 means the ERP has it already, also an acknowledgement; anything else (5xx, 4xx,
 * timeouts, network) rejects, and the outbox retries.
 */
import { z } from 'zod';
import type { WriteBackAck, WriteBackMessage, WriteBackTarget } from '../../shared/commit/writeback';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink, type StatusConnector } from '../../shared/connectors/status';
import { signalId } from '../../shared/import/preview';
import { parseInstant, parseNumber } from '../../shared/import/values';
import type { ConnectorContext, ConnectorKind, ConnectorStatus } from '../../shared/connectors/connector';
import { redactUrl, redactUrlsIn } from '../../shared/plant/redact';

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'an http:// or https:// URL');
const headers = z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), z.string()).default({});
const orderFields = ['id', 'sku', 'qty', 'customer', 'due', 'release', 'priority', 'line'] as const;
const constant = z.union([z.string(), z.number()]);

export const restOptionsSchema = z
  .object({
    url: httpUrl,
    intervalMs: z.number().int().min(100).max(86_400_000).default(30_000),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    headers,
    /** Sent as `Authorization: Bearer <token>`. */
    token: z.string().min(1).optional(),
    /** Dotted path of the array in the response (`data.orders`); the response itself when absent. */
    itemsPath: z.string().min(1).max(200).optional(),
    payload: z.enum(['signals', 'orders']).default('orders'),
    /** Order field → dotted JSON path in an item (default: the field's own name). */
    fields: z.partialRecord(z.enum(orderFields), z.string().min(1).max(200)).default({}),
    /** Order field → (raw value → Takt value), e.g. customer codes to customer ids. */
    values: z.partialRecord(z.enum(orderFields), z.record(z.string(), constant)).default({}),
    /** Order field → value when the item has none. */
    defaults: z.partialRecord(z.enum(orderFields), constant).default({}),
    backoff: z.object({ initialMs: z.number().int().min(10).default(1000), maxMs: z.number().int().min(100).default(60_000) }).strict().default({ initialMs: 1000, maxMs: 60_000 }),
    writeBack: z
      .object({
        url: httpUrl,
        serves: z.array(z.enum(['erp', 'mes'])).min(1).default(['erp']),
        headers,
        token: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RestOptions = z.infer<typeof restOptionsSchema>;

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) && /^\d+$/.test(key) ? cur[Number(key)] : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const authHeaders = (h: Record<string, string>, token: string | undefined) => (token ? { ...h, Authorization: `Bearer ${token}` } : { ...h });

/** One ERP order item → the body of an `order.created`, or the reason it cannot be one. */
export function mapOrder(item: unknown, o: Pick<RestOptions, 'fields' | 'values' | 'defaults'>): { ok: true; order: Record<string, unknown> } | { ok: false; reason: string } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { ok: false, reason: 'an order item must be a JSON object' };
  const order: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const f of orderFields) {
    const path = o.fields[f] ?? f;
    let v = at(item, path);
    const map = o.values[f];
    if (map && v !== undefined && v !== null) {
      const key = String(v);
      if (!Object.hasOwn(map, key)) {
        problems.push(`${f}: '${key.slice(0, 60)}' (at ${path}) is not in values.${f}`);
        continue;
      }
      v = map[key];
    }
    if (v === undefined || v === null || v === '') v = o.defaults[f];
    if (v === undefined) {
      if (f === 'release' || f === 'priority' || f === 'line') continue;
      problems.push(`${f}: missing (looked at ${path})`);
      continue;
    }
    if (f === 'due' || f === 'release') {
      if (typeof v === 'number') order[f] = v;
      else {
        const t = parseInstant(String(v));
        if (!t.ok) problems.push(`${f}: '${String(v).slice(0, 60)}' is not ${t.expected}`);
        else order[f] = t.value;
      }
    } else if (f === 'qty' || f === 'priority') {
      const n = typeof v === 'number' ? { ok: true as const, value: v } : parseNumber(String(v));
      if (!n.ok) problems.push(`${f}: '${String(v).slice(0, 60)}' is not ${n.expected}`);
      else order[f] = n.value;
    } else order[f] = String(v);
  }
  return problems.length ? { ok: false, reason: problems.join('; ') } : { ok: true, order };
}

export function createRestConnector(id: string, o: RestOptions, ctx: Pick<ConnectorContext, 'now' | 'log'>): { connector: StatusConnector; writeBack?: WriteBackTarget } {
  // What leaves the connector (status, origins, errors, logs) names the URL without its credentials.
  const shownUrl = redactUrl(o.url);
  const rate = createRateMeter();
  let state: ConnectorStatus['state'] = 'stopped';
  let detail = '';
  let errors = 0;
  let deadLetters = 0;
  let lastMessageAt: number | undefined;
  let seq = 0;
  let etag: string | undefined;
  let lastModified: string | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let sink: ConnectorSink | undefined;
  let stopped = true;
  let polls = 0;
  let notModified = 0;
  /** Ids already pushed (bounded): a list that grows only sends its new items. */
  const sent = new Set<string>();

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = poll().finally(() => (inFlight = undefined));
    }, ms);
  };

  const fail = (why: string) => {
    errors++;
    failures++;
    state = 'error';
    const delay = Math.min(o.backoff.maxMs, o.backoff.initialMs * 2 ** (failures - 1));
    detail = `${redactUrlsIn(why)}; next try in ${delay} ms`;
    ctx.log(`rest ${id}: GET ${shownUrl}: ${detail}`);
    schedule(delay);
  };

  async function poll(): Promise<void> {
    if (stopped) return;
    polls++;
    const h: Record<string, string> = { Accept: 'application/json', ...authHeaders(o.headers, o.token) };
    if (etag) h['If-None-Match'] = etag;
    if (lastModified) h['If-Modified-Since'] = lastModified;
    abort = new AbortController();
    const timeout = setTimeout(() => abort?.abort(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(o.url, { headers: h, signal: abort.signal });
      text = res.status === 304 ? '' : await res.text();
    } catch (e) {
      clearTimeout(timeout);
      if (stopped) return;
      const err = e as Error & { cause?: Error };
      return fail(abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? 'timed out') : `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`);
    }
    clearTimeout(timeout);
    if (stopped) return;
    if (res.status === 304) {
      notModified++;
      failures = 0;
      state = 'connected';
      detail = 'not modified';
      return schedule(o.intervalMs);
    }
    if (!res.ok) return fail(`HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      deadLetters++;
      rejectVia(sink!, text, `GET ${shownUrl}: the response is not JSON (${(e as Error).message.slice(0, 120)})`, { origin: shownUrl, receiveTime: ctx.now() }, id);
      return fail('the response is not JSON');
    }
    const items = o.itemsPath ? at(body, o.itemsPath) : body;
    if (!Array.isArray(items)) {
      deadLetters++;
      rejectVia(sink!, text, `GET ${shownUrl}: expected a JSON array${o.itemsPath ? ` at ${o.itemsPath}` : ''}, found ${items === null ? 'null' : typeof items}`, { origin: shownUrl, receiveTime: ctx.now() }, id);
      return fail('no array in the response');
    }
    etag = res.headers.get('etag') ?? undefined;
    lastModified = res.headers.get('last-modified') ?? undefined;
    failures = 0;
    state = 'connected';
    detail = `${items.length} items`;
    deliver(items);
    schedule(o.intervalMs);
  }

  function deliver(items: unknown[]): void {
    const now = Math.round(ctx.now()); // signal times are whole ms; the plant clock is not
    items.forEach((item, i) => {
      const origin = `${shownUrl}#[${i}]`;
      if (o.payload === 'signals') {
        const key = JSON.stringify(item);
        if (sent.has(key)) return;
        remember(key);
        push(item, origin, now);
        return;
      }
      const m = mapOrder(item, o);
      if (!m.ok) {
        const key = `bad:${JSON.stringify(item)}`;
        if (sent.has(key)) return; // reported once, not at every poll
        remember(key);
        deadLetters++;
        errors++;
        rejectVia(sink!, JSON.stringify(item), `order item [${i}] of GET ${shownUrl}: ${m.reason}`, { origin, receiveTime: now }, id);
        return;
      }
      const sid = signalId({ type: 'order.created', body: { order: m.order }, key: String(m.order.id), where: { path: origin }, fields: {} });
      if (sent.has(sid)) return;
      remember(sid);
      push({ id: sid, source: id, seq: ++seq, eventTime: now, receiveTime: now, type: 'order.created', order: m.order }, origin, now);
    });
  }

  function remember(key: string): void {
    if (sent.size >= 200_000) sent.clear();
    sent.add(key);
  }

  function push(signal: unknown, origin: string, now: number): void {
    rate.add(Date.now());
    lastMessageAt = now;
    if (pushCounted(sink!, signal, { origin, receiveTime: now })) deadLetters++;
  }

  const connector: StatusConnector = {
    id,
    kind: 'rest',
    async start(s) {
      sink = s as ConnectorSink;
      stopped = false;
      state = 'connecting';
      // The first poll at once; start resolves when it has an answer (or an error).
      inFlight = poll().finally(() => (inFlight = undefined));
      await inFlight;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      abort?.abort(new Error('stopped'));
      await inFlight?.catch(() => undefined);
      state = 'stopped';
    },
    status() {
      return {
        id,
        kind: 'rest',
        state,
        messagesPerSecond: rate.rate(Date.now()),
        errors,
        deadLetters,
        ...(lastMessageAt !== undefined ? { lastMessageAt } : {}),
        detail: `${shownUrl}: ${detail || state} (${polls} polls, ${notModified} not modified)`,
      };
    },
  };
  return { connector, writeBack: o.writeBack ? createRestWriteBack(`${id}:write-back`, o.writeBack, ctx) : undefined };
}

export function createRestWriteBack(id: string, w: NonNullable<RestOptions['writeBack']>, ctx: Pick<ConnectorContext, 'now'>): WriteBackTarget {
  // What leaves the connector (status, origins, errors, logs) names the URL without its credentials.
  const shownWbUrl = redactUrl(w.url);
  return {
    id,
    serves: w.serves,
    async send(msg: WriteBackMessage): Promise<WriteBackAck> {
      const controller = new AbortController();
      const timeout = setTimeout(() => controller.abort(), w.timeoutMs);
      let res: Response;
      let text: string;
      try {
        res = await fetch(w.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': msg.idempotencyKey, ...authHeaders(w.headers, w.token) },
          body: JSON.stringify({ id: msg.id, target: msg.target, kind: msg.kind, idempotencyKey: msg.idempotencyKey, decisionId: msg.decisionId, payload: msg.payload }),
          signal: controller.signal,
        });
        text = await res.text();
      } catch (e) {
        const err = e as Error & { cause?: Error };
        throw new Error(controller.signal.aborted ? `POST ${shownWbUrl}: no answer within ${w.timeoutMs} ms` : `POST ${shownWbUrl}: ${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`);
      } finally {
        clearTimeout(timeout);
      }
      if (res.ok || res.status === 409) {
        let reference: string | undefined;
        try {
          const b = JSON.parse(text) as { reference?: unknown; id?: unknown };
          const r = b.reference ?? b.id;
          if (typeof r === 'string' || typeof r === 'number') reference = String(r);
        } catch {
          /* no JSON body: the Location header, if any, is the reference */
        }
        reference ??= res.headers.get('location') ?? undefined;
        // Whole milliseconds: the core's plant clock has sub-millisecond precision and the outbox
        // record's ackedAt is an integer field (a fraction makes the store refuse the ack).
        const ackedAt = Math.round(ctx.now());
        return reference !== undefined ? { ackedAt, reference } : { ackedAt };
      }
      throw new Error(`POST ${shownWbUrl}: HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
    },
  };
}

export const restKind: ConnectorKind<RestOptions> = {
  kind: 'rest',
  options: restOptionsSchema,
  create(config, ctx) {
    if (config.options.payload === 'signals' && (Object.keys(config.options.fields).length || Object.keys(config.options.values).length))
      throw new Error('fields: field mappings apply to payload orders; canonical signals are taken as they are');
    return createRestConnector(config.id, config.options, ctx);
  },
};
