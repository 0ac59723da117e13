/**
 * The REST connector against a real node:http server started here: polling with ETag and
 * Last-Modified (304 pushes nothing), only new items pushed, backoff on errors, unmappable items
 * dead-lettered, canonical signals; and the REST write-back target (Idempotency-Key, 2xx and 409
 * acknowledge, 5xx and timeouts reject).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRestConnector, createRestWriteBack, restKind, restOptionsSchema, type RestOptions } from '../../../main/connectors/rest';
import { createIngestPipeline, type DeadLetterEntry } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { WriteBackMessage } from '../../../shared/commit/writeback';
import type { Signal } from '../../../shared/signals/schema';
import type { StatusConnector } from '../../../shared/connectors/status';
import { demoPlant } from '../import/helpers';

const plant = demoPlant();
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_q, res) => res.end();
const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string; at: number }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body, at: Date.now() });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function harness() {
  const accepted: Signal[] = [];
  const dead: DeadLetterEntry[] = [];
  const pipeline = createIngestPipeline({ index: createPlantIndex(plant), journal: { append: (b) => (accepted.push(...b), accepted.length) }, deliver: () => undefined, onDeadLetter: (d) => dead.push(d) });
  const sink = {
    push(raw: unknown, meta?: { origin?: string; receiveTime?: number }) {
      const r = pipeline.push(raw, meta);
      pipeline.flush();
      return r;
    },
    reject(raw: unknown, reason: string, meta?: { origin?: string; receiveTime?: number }, source?: string) {
      dead.push({ at: meta?.receiveTime ?? 0, source: source ?? 'unknown', reason, raw: String(raw), origin: meta?.origin, code: 'shape' });
    },
  };
  return { accepted, dead, sink };
}

let running: StatusConnector | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  requests.length = 0;
});

const opts = (o: Record<string, unknown>): RestOptions => restOptionsSchema.parse({ intervalMs: 100, backoff: { initialMs: 100, maxMs: 2000 }, ...o });
const erpOrder = (no: string, qty: number | string, extra: Record<string, unknown> = {}) => ({ orderNo: no, material: 'Y-NAT-125', quantity: qty, soldTo: 'NM', delivery: { date: '2026-11-28T14:00:00Z' }, ...extra });
const mapped = { fields: { id: 'orderNo', sku: 'material', qty: 'quantity', customer: 'soldTo', due: 'delivery.date' }, values: { customer: { NM: 'nordmarkt', FW: 'freshway' } } };
const ordersIn = (s: Signal[]) => s.flatMap((x) => (x.type === 'order.created' ? [x.order.id] : []));
const poll = { timeout: 15_000, interval: 50 };

describe('REST polling', () => {
  it('maps ERP orders, honours ETag (304 pushes nothing) and sends only what changed', async () => {
    let version = 1;
    let list = [erpOrder('ERP-1', 100), erpOrder('ERP-2', '250.5')];
    handler = (req, res) => {
      if (req.headers['if-none-match'] === `"v${version}"`) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: `"v${version}"` }).end(JSON.stringify({ data: { orders: list } }));
    };
    const h = harness();
    const { connector } = createRestConnector('erp-poll', opts({ url: `${base}/orders`, itemsPath: 'data.orders', token: 's3cret', ...mapped }), { now: () => Date.now() + 0.25, log: () => undefined });
    running = connector;
    await connector.start(h.sink);
    expect(connector.status().state).toBe('connected');
    expect(h.accepted.map((s) => s.type === 'order.created' && s.order)).toEqual([
      { id: 'ERP-1', sku: 'Y-NAT-125', qty: 100, customer: 'nordmarkt', due: Date.parse('2026-11-28T14:00:00Z'), priority: 3 },
      { id: 'ERP-2', sku: 'Y-NAT-125', qty: 250.5, customer: 'nordmarkt', due: Date.parse('2026-11-28T14:00:00Z'), priority: 3 },
    ]);
    expect(requests[0]!.headers.authorization).toBe('Bearer s3cret');
    // Later polls carry the ETag and get 304: nothing new is pushed.
    await expect.poll(() => requests.filter((r) => r.headers['if-none-match'] === '"v1"').length, poll).toBeGreaterThanOrEqual(3);
    expect(h.accepted).toHaveLength(2);
    expect(connector.status().detail).toMatch(/not modified/);
    // The ERP adds an order: only that one is pushed.
    list = [...list, erpOrder('ERP-3', 40, { soldTo: 'FW' })];
    version = 2;
    await expect.poll(() => ordersIn(h.accepted), poll).toEqual(['ERP-1', 'ERP-2', 'ERP-3']);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.accepted).toHaveLength(3);
    expect(h.dead).toEqual([]);
  });

  it('honours Last-Modified / If-Modified-Since', async () => {
    const modified = 'Thu, 26 Nov 2026 10:00:00 GMT';
    handler = (req, res) => {
      if (req.headers['if-modified-since'] === modified) return void res.writeHead(304).end();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Last-Modified': modified }).end(JSON.stringify([erpOrder('ERP-LM', 5)]));
    };
    const h = harness();
    const { connector } = createRestConnector('erp-lm', opts({ url: `${base}/lm`, ...mapped }), { now: () => Date.now(), log: () => undefined });
    running = connector;
    await connector.start(h.sink);
    await expect.poll(() => requests.filter((r) => r.headers['if-modified-since'] === modified).length, poll).toBeGreaterThanOrEqual(2);
    expect(ordersIn(h.accepted)).toEqual(['ERP-LM']);
  });

  it('backs off on errors, reports them, and recovers', async () => {
    let fails = 3;
    handler = (_req, res) => {
      if (fails-- > 0) return void res.writeHead(503, { 'Content-Type': 'text/plain' }).end('maintenance');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([erpOrder('ERP-B', 7)]));
    };
    const h = harness();
    const logs: string[] = [];
    const { connector } = createRestConnector('erp-flaky', opts({ url: `${base}/flaky`, ...mapped }), { now: () => Date.now(), log: (l) => logs.push(l) });
    running = connector;
    await connector.start(h.sink);
    expect(connector.status()).toMatchObject({ state: 'error', errors: 1 });
    expect(connector.status().detail).toMatch(/HTTP 503 Service Unavailable: maintenance; next try in 100 ms/);
    await expect.poll(() => ordersIn(h.accepted), poll).toEqual(['ERP-B']);
    expect(connector.status()).toMatchObject({ state: 'connected', errors: 3 });
    // Delays double: 100, 200, 400 ms (never shorter than asked; the machine may be slower).
    const t = requests.map((r) => r.at);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(190);
    expect(t[3]! - t[2]!).toBeGreaterThanOrEqual(390);
    expect(logs.join('\n')).toMatch(/next try in 400 ms/);
  });

  it('dead-letters items it cannot map and bodies that are not JSON, with the origin', async () => {
    let body = JSON.stringify([erpOrder('ERP-OK', 1), erpOrder('ERP-BAD', 'lots', { soldTo: 'XX' }), { orderNo: 'ERP-NOSKU', quantity: 1, soldTo: 'NM', delivery: { date: 'soon' } }]);
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    const h = harness();
    const { connector } = createRestConnector('erp-bad', opts({ url: `${base}/bad`, ...mapped }), { now: () => Date.now(), log: () => undefined });
    running = connector;
    await connector.start(h.sink);
    expect(ordersIn(h.accepted)).toEqual(['ERP-OK']);
    expect(h.dead.map((d) => [d.origin, d.reason])).toEqual([
      [`${base}/bad#[1]`, `order item [1] of GET ${base}/bad: qty: 'lots' is not a number; customer: 'XX' (at soldTo) is not in values.customer`],
      [`${base}/bad#[2]`, expect.stringMatching(/^order item \[2\] of GET .*: sku: missing \(looked at material\); due: 'soon' is not an ISO 8601 date/)],
    ]);
    // Polling again does not report the same bad items again.
    await expect.poll(() => requests.length, poll).toBeGreaterThanOrEqual(3);
    expect(h.dead).toHaveLength(2);
    body = '<html>oops</html>';
    await expect.poll(() => h.dead.length, poll).toBe(3);
    expect(h.dead[2]!.reason).toMatch(/the response is not JSON/);
    expect(connector.status().deadLetters).toBe(3);
  });

  it('takes canonical signals as they are (ingest validates them)', async () => {
    const now = Date.now();
    const sig = (id: string, extra: Record<string, unknown>) => ({ id, source: 'erp', seq: 1, eventTime: now, receiveTime: now, ...extra });
    handler = (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([sig('r1', { type: 'inventory.receipt', component: 'cocoa', location: 'WH-RAW', qty: 10 }), sig('r2', { type: 'inventory.receipt', component: 'cocoa', location: 'WH-RAW', qty: -1 })]));
    const h = harness();
    const { connector } = createRestConnector('erp-sig', opts({ url: `${base}/signals`, payload: 'signals' }), { now: () => Date.now(), log: () => undefined });
    running = connector;
    await connector.start(h.sink);
    expect(h.accepted.map((s) => s.id)).toEqual(['r1']);
    expect(h.dead).toHaveLength(1);
    expect(h.dead[0]).toMatchObject({ origin: `${base}/signals#[1]` });
    expect(h.dead[0]!.reason).toMatch(/qty/);
    expect(connector.status().deadLetters).toBe(1);
  });

  it('checks its options', () => {
    expect(restOptionsSchema.safeParse({ url: 'ftp://x' }).error!.issues[0]!.path).toEqual(['url']);
    const o = restOptionsSchema.parse({ url: 'http://x', payload: 'signals', fields: { id: 'no' } });
    expect(() => restKind.create({ id: 'r', kind: 'rest', enabled: true, replacesSimulator: false, options: o }, { plant, now: () => 0, dataDir: '/tmp', log: () => undefined })).toThrow(/^fields: /);
  });
});

describe('REST write-back', () => {
  const msg: WriteBackMessage = { id: 'wb-1', target: 'erp', kind: 'production-order.sequence', idempotencyKey: 'dec-7:seq', decisionId: 'dec-7', payload: { line: 'DD-L1', sequence: ['SO-1', 'SO-2'] } };

  it('POSTs with an Idempotency-Key; 2xx and 409 acknowledge', async () => {
    let status = 201;
    handler = (_req, res, _body) => res.writeHead(status, { 'Content-Type': 'application/json', Location: '/changes/77' }).end(status === 201 ? JSON.stringify({ reference: 'ERP-CHG-77' }) : '');
    const target = createRestWriteBack('erp-wb', restOptionsSchema.parse({ url: 'http://x', writeBack: { url: `${base}/changes`, token: 'wb' } }).writeBack!, { now: () => 1234.4 }); // the core's clock has fractions; acks are whole ms
    expect(target.serves).toEqual(['erp']);
    await expect(target.send(msg)).resolves.toEqual({ ackedAt: 1234, reference: 'ERP-CHG-77' });
    const r = requests.at(-1)!;
    expect(r.method).toBe('POST');
    expect(r.headers['idempotency-key']).toBe('dec-7:seq');
    expect(r.headers.authorization).toBe('Bearer wb');
    expect(JSON.parse(r.body)).toEqual({ id: 'wb-1', target: 'erp', kind: 'production-order.sequence', idempotencyKey: 'dec-7:seq', decisionId: 'dec-7', payload: { line: 'DD-L1', sequence: ['SO-1', 'SO-2'] } });
    status = 409; // the ERP already has it: a duplicate is an acknowledgement
    await expect(target.send(msg)).resolves.toEqual({ ackedAt: 1234, reference: '/changes/77' });
  });

  it('rejects 5xx, other 4xx and timeouts so the outbox retries', async () => {
    const target = createRestWriteBack('erp-wb', { url: `${base}/changes`, serves: ['erp', 'mes'], headers: {}, timeoutMs: 300 }, { now: () => 0 });
    handler = (_req, res) => res.writeHead(503).end('busy');
    await expect(target.send(msg)).rejects.toThrow(/HTTP 503 Service Unavailable: busy/);
    handler = (_req, res) => res.writeHead(422).end('bad sequence');
    await expect(target.send(msg)).rejects.toThrow(/HTTP 422/);
    handler = () => undefined; // never answers
    await expect(target.send(msg)).rejects.toThrow(/no answer within 300 ms/);
    const closed = createRestWriteBack('erp-wb', { url: 'http://127.0.0.1:9/changes', serves: ['erp'], headers: {}, timeoutMs: 2000 }, { now: () => 0 });
    await expect(closed.send(msg)).rejects.toThrow(/POST http:\/\/127\.0\.0\.1:9\/changes: fetch failed/);
  });
});

describe('credentials in a REST URL', () => {
  it('never reach dead letters, status or write-back errors', async () => {
    handler = (_q, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('not json');
    const h = harness();
    const { connector, writeBack } = createRestConnector(
      'erp-key',
      opts({ url: `${base}/orders?api_key=K-POLL-SECRET&site=x`, ...mapped, writeBack: { url: `${base}/back?api_key=K-WB-SECRET` } }),
      { now: () => Date.now(), log: () => undefined },
    );
    running = connector;
    await connector.start(h.sink);
    await expect.poll(() => h.dead.length, poll).toBeGreaterThan(0);
    expect(requests[0]!.url).toContain('K-POLL-SECRET'); // the connector itself uses the real URL
    const shown = JSON.stringify({ dead: h.dead.map(({ origin, reason }) => ({ origin, reason })), status: connector.status() });
    expect(shown).toContain('api_key=[redacted]');
    expect(shown).not.toContain('K-POLL-SECRET');
    handler = (_q, res) => res.writeHead(500).end('down');
    const msg: WriteBackMessage = { id: 'o1', target: 'erp', kind: 'order.update', idempotencyKey: 'k1', decisionId: 'd1', payload: {} };
    const err = await writeBack!.send(msg).then(() => null, (e: Error) => e.message);
    expect(err).toMatch(/POST .*\/back\?api_key=\[redacted\]: HTTP 500/);
    expect(err).not.toContain('K-WB-SECRET');
  });
});
