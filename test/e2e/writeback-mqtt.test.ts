/**
 * Write-back end to end with real parts: a core (browser mode, commit fixture plant) whose plant file
 * has an MQTT connector (command topics on a real mosquitto) and a REST connector whose write-back
 * serves the ERP (a node:http server in this test). A line goes down → exception → decisions.commit →
 * the planner approves → dispatch: the outbox publishes the MES dispatch list to the MQTT command
 * topic (seen by a separate mqtt.js subscriber) and POSTs the ERP change with an Idempotency-Key
 * header; both outbox entries end 'acked'.
 *
 * Then both systems go away (mosquitto stopped, the HTTP server answers 503) and a second decision is
 * committed: its outbox entries stay 'pending' with attempts and a last error naming the cause
 * (visible over `outbox.list`); the broker comes back and the ERP recovers, and every message arrives,
 * once per idempotency key at the receiving side, and is acked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import mqtt, { type MqttClient } from 'mqtt';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import { signalMaker } from './signals';
import { until } from '../helpers/until';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { OutboxRecord } from '../../shared/commit/records';

interface Received {
  topic: string;
  idempotencyKey: string;
  decisionId: string;
  kind: string;
  payload: Record<string, unknown>;
}

const dir = mkdtempSync(join(tmpdir(), 'takt-writeback-'));
let broker: Mosquitto;
let bm: BrowserMode;
let sign: SignedIn;
let client: ProtocolClient & { close(): void };
let sub: MqttClient;
let http: Server;
let httpPort = 0;
/** What the "ERP" answers to write-back POSTs: 200, or 503 while it is down. */
let erpUp = true;
const viaMqtt: Received[] = [];
const viaRest: (Received & { header: string })[] = [];
let erpRefused = 0;

beforeAll(async () => {
  ensureRendererBuilt();
  broker = await startMosquitto();
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET') {
        // The REST connector's poll: no ERP orders.
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
        return;
      }
      if (!erpUp) {
        erpRefused++;
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('ERP maintenance');
        return;
      }
      const m = JSON.parse(body) as Received;
      viaRest.push({ ...m, topic: req.url ?? '', header: String(req.headers['idempotency-key'] ?? '') });
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ reference: `ERP-${viaRest.length}` }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  httpPort = (http.address() as { port: number }).port;

  // The subscriber stands for the MES: a persistent session, so messages published while it
  // reconnects after a broker restart are kept for it.
  sub = await mqtt.connectAsync(broker.url, { clientId: 'test-mes', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 100 });
  await sub.subscribeAsync('acme/test/#', { qos: 1 });
  sub.on('message', (topic, payload) => {
    const m = JSON.parse(payload.toString()) as Received;
    viaMqtt.push({ ...m, topic });
  });

  const plant = parse(readFileSync(join(repoRoot, 'test/fixtures/commit/commit-plant.yaml'), 'utf8')) as Record<string, unknown>;
  plant.connectors = [
    {
      id: 'mes-uns',
      kind: 'mqtt',
      options: {
        url: broker.url,
        clientId: 'takt-writeback-test',
        prefix: 'acme/test',
        subscribe: ['acme/test/in/#'],
        reconnect: { minMs: 100, maxMs: 500 },
        // Generous: a stall of the shared event loop past the timeout would send a message twice.
        ackTimeoutMs: 10_000,
      },
    },
    // Listed after MQTT: its write-back wins for the ERP; the MES stays on MQTT.
    { id: 'erp', kind: 'rest', options: { url: `http://127.0.0.1:${httpPort}/orders`, intervalMs: 60_000, writeBack: { url: `http://127.0.0.1:${httpPort}/writeback`, serves: ['erp'], timeoutMs: 10_000 } } },
  ];
  const plantFile = join(dir, 'plant.yaml');
  writeFileSync(plantFile, stringify(plant));
  bm = await startBrowserMode({
    port: 0,
    dataDir: join(dir, 'data'),
    plantFile,
    rulesFile: join(repoRoot, 'test/fixtures/commit/commit-rules.yaml'),
    simulator: false,
    speed: 60,
    quiet: true,
    // Quick retries, and never 'failed' within the test.
    outboxRetry: { baseMs: 200, capMs: 1000, maxAttempts: 1000, seed: 1 },
    auth: TEST_AUTH,
  });
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
}, 60_000);

afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await bm?.close();
  await sub?.endAsync();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PLAN_MOVES = new Set(['reroute', 'split', 'expedite', 'sequence', 'resequence']);

/** Takes the line's first machine down, commits a feasible option that changes the plan, and approves it. */
async function commitOnLineDown(lineId: string, machine: string): Promise<string> {
  const sm = await signalMaker(client, `e2e-wb-${lineId}`);
  await sm.send([sm.make('machine.state', { machine, state: 'down', reason: 'e2e: write-back test' })]);
  const exception = await until(`the line-down exception on ${lineId}`, async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === lineId));
  const { options } = await client.call('decide.options', { exceptionId: exception.id });
  const chosen = options.find((o) => o.feasible && o.moves.some((m) => PLAN_MOVES.has(m.kind)));
  expect(chosen, `a feasible plan change among ${options.map((o) => `${o.id}:${o.kind}:${o.feasible}`).join(', ')}`).toBeTruthy();
  const committed = await (await sign.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: chosen!.id, by: 'a-controller', comment: 'write-back test' });
  for (const a of committed.approvals) {
    const plant = await client.call('plant.get');
    const approver = plant.crews.flatMap((c) => c.members).find((m) => m.role === a.role)!;
    await (await sign.as(approver.id)).call('approvals.decide', { id: a.id, by: approver.id, verdict: 'approve', comment: 'ok' });
  }
  return committed.decision.id;
}

const outboxOf = async (decisionId: string): Promise<OutboxRecord[]> => (await client.call('outbox.list', { decisionId })).items;

/** Waits until the decision's outbox satisfies `ok`; a timeout shows the entries and the connectors. */
async function outboxUntil(decisionId: string, what: string, ok: (items: OutboxRecord[]) => boolean, ms = 30_000): Promise<OutboxRecord[]> {
  let last: OutboxRecord[] = [];
  try {
    return await until(what, async () => ((last = await outboxOf(decisionId)), last.length > 0 && ok(last) && last), ms);
  } catch (e) {
    const status = (await client.call('connectors.status')).items.map((s) => `${s.id} ${s.state} ${s.detail ?? ''}`);
    throw new Error(`${(e as Error).message}: outbox ${JSON.stringify(last)}; connectors ${JSON.stringify(status)}`);
  }
}

describe('decisions write back through MQTT and REST', () => {
  let first = '';
  it('publishes the dispatch list to the MQTT command topic and POSTs the ERP change; the outbox acks both', { timeout: 90_000 }, async () => {
    await expect
      .poll(async () => (await client.call('connectors.status')).items.map((s) => [s.id, s.state]), { timeout: 30_000 })
      .toEqual([
        ['mes-uns', 'connected'],
        ['erp', 'connected'],
      ]);
    first = await commitOnLineDown('L1', 'L1-FIL');
    const outbox = await outboxUntil(first, 'the first decision\u2019s outbox acked', (items) => items.every((m) => m.status === 'acked'));
    const mes = outbox.filter((m) => m.target === 'mes');
    const erp = outbox.filter((m) => m.target === 'erp');
    expect(mes.length).toBeGreaterThan(0);
    expect(erp.length).toBeGreaterThan(0);
    await until('the MQTT messages at the subscriber', async () => mes.every((m) => viaMqtt.some((r) => r.idempotencyKey === m.idempotencyKey)));
    for (const m of mes) {
      const got = viaMqtt.filter((r) => r.idempotencyKey === m.idempotencyKey);
      expect(got.length, m.idempotencyKey).toBe(1);
      expect(got[0]).toMatchObject({ topic: 'acme/test/mes/dispatch', decisionId: first, kind: m.kind });
    }
    for (const m of erp) {
      const got = viaRest.filter((r) => r.idempotencyKey === m.idempotencyKey);
      expect(got.length, m.idempotencyKey).toBe(1);
      expect(got[0]).toMatchObject({ topic: '/writeback', header: m.idempotencyKey, decisionId: first, kind: m.kind });
    }
    // The acks are on the audit trail with the other side's reference.
    const { audit } = await client.call('decisions.get', { id: first });
    const acked = audit.filter((a) => a.kind === 'outbox.acked');
    expect(acked.length).toBe(outbox.length);
    expect(acked.map((a) => String(a.payload['reference'])).sort().join(' ')).toMatch(/^(ERP-\d+ )*(mqtt:acme\/test\/mes\/dispatch#\d+ ?)+$/);
  });

  it('retries while the broker and the ERP are down, then delivers each message once by idempotency key', { timeout: 120_000 }, async () => {
    // L1 runs again, so an order of L2 can be rerouted there when L2 goes down.
    const sm = await signalMaker(client, 'e2e-wb-repair');
    await sm.send([sm.make('machine.state', { machine: 'L1-FIL', state: 'running', reason: 'repaired' })]);
    await broker.stop();
    erpUp = false;
    await until('the connector to see the broker gone', async () => (await client.call('connectors.status')).items.find((s) => s.id === 'mes-uns')!.state !== 'connected');
    const second = await commitOnLineDown('L2', 'L2-FIL');
    // Visible status: pending with failed attempts and the cause.
    const retrying = await outboxUntil(second, 'both outbox targets retrying', (items) => items.every((m) => m.status === 'pending' && m.attempts >= 2 && m.lastError));
    const mes = retrying.filter((m) => m.target === 'mes');
    const erp = retrying.filter((m) => m.target === 'erp');
    expect(mes.length).toBeGreaterThan(0);
    for (const m of mes) expect(m.lastError).toMatch(/mes-uns: MQTT connector mes-uns: not connected/);
    for (const m of erp) expect(m.lastError).toMatch(/HTTP 503/);
    expect(erpRefused).toBeGreaterThan(0);
    expect(viaMqtt.some((r) => r.decisionId === second)).toBe(false);
    expect(viaRest.some((r) => r.decisionId === second)).toBe(false);

    await broker.start();
    erpUp = true;
    const done = await outboxUntil(second, 'the second decision\u2019s outbox acked', (items) => items.every((m) => m.status === 'acked'), 60_000);
    await until('the MQTT messages at the subscriber after the restart', async () => mes.every((m) => viaMqtt.some((r) => r.idempotencyKey === m.idempotencyKey)));
    // Let late re-sends show up before counting.
    await new Promise((r) => setTimeout(r, 1000));
    for (const m of done) {
      const seen = m.target === 'mes' ? viaMqtt : viaRest;
      expect(seen.filter((r) => r.idempotencyKey === m.idempotencyKey).length, `${m.target} ${m.kind} ${m.idempotencyKey}`).toBe(1);
      expect(m.attempts).toBeGreaterThanOrEqual(3);
      expect(m.lastError).toBeUndefined();
    }
    // The receivers saw exactly the outbox's keys, no other message of these decisions.
    const keys = (await client.call('outbox.list', {})).items.map((m) => m.idempotencyKey).sort();
    expect([...viaMqtt, ...viaRest].map((r) => r.idempotencyKey).sort()).toEqual(keys);
    expect((await outboxOf(first)).every((m) => m.status === 'acked' && m.attempts === 1)).toBe(true);
  });
});
