/**
 * An OPC UA machine drives a line: a real core (browser mode) started from a plant file whose
 * `connectors:` entry is an OPC UA connector that replaces the simulator, against a node-opcua
 * server started here. Machine state and counts reach the twin, a bad value lands in the core's
 * dead letters with the node id, and the server killed and brought back on the same port is
 * reconnected and drives the twin again. A REST polling connector in the same plant file brings
 * an ERP order list from a node:http server into the twin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType } from 'node-opcua';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import { freePort, startOpcServer, type TestOpcServer, type VariableSpec } from '../unit/connectors/opcua-server';
import type { ProtocolClient } from '../../shared/protocol/client';

const dir = mkdtempSync(join(tmpdir(), 'takt-e2e-opcua-'));
const variables: VariableSpec[] = [
  { nodeId: 'DD-L1-FIL.State', dataType: DataType.Int32, value: 1 },
  { nodeId: 'DD-L1-FIL.Good', dataType: DataType.UInt32, value: 1000 },
  { nodeId: 'DD-L1-FIL.Scrap', dataType: DataType.UInt32, value: 10 },
  { nodeId: 'DD-L1-PAL.State', dataType: DataType.String, value: 'RUN' },
];
let port: number;
let server: TestOpcServer;
let bm: BrowserMode;
let sign: SignedIn;
let client: ProtocolClient & { close(): void };
let erp: Server;
let erpPolls = 0;
const erpOrders = [{ no: 'ERP-E2E-1', material: 'Y-NAT-125', qty: 4800, soldTo: 'nordmarkt', due: '2026-11-29T12:00:00Z' }];

beforeAll(async () => {
  ensureRendererBuilt();
  port = await freePort();
  server = await startOpcServer({ port, pkiDir: join(dir, 'pki'), variables });
  erp = createServer((req, res) => {
    erpPolls++;
    if (req.headers['if-none-match'] === '"orders-1"') return void res.writeHead(304).end();
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"orders-1"' }).end(JSON.stringify(erpOrders));
  });
  await new Promise<void>((r) => erp.listen(0, '127.0.0.1', () => r()));
  const erpUrl = `http://127.0.0.1:${(erp.address() as { port: number }).port}/orders`;
  const plantFile = join(dir, 'plant.yaml');
  writeFileSync(
    plantFile,
    `${readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')}
connectors:
  - id: opcua-dd-l1
    kind: opcua
    replacesSimulator: true
    options:
      endpoint: ${server.endpoint}
      samplingIntervalMs: 50
      publishingIntervalMs: 100
      reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }
      machines:
        - { machine: DD-L1-FIL, state: "ns=1;s=DD-L1-FIL.State", good: "ns=1;s=DD-L1-FIL.Good", scrap: "ns=1;s=DD-L1-FIL.Scrap" }
        - machine: DD-L1-PAL
          state: { nodeId: "ns=1;s=DD-L1-PAL.State", map: { RUN: running, STOP: down, STARVED: starved } }
  - id: erp-orders
    kind: rest
    options:
      url: ${erpUrl}
      intervalMs: 200
      fields: { id: no, sku: material, customer: soldTo }
`,
  );
  bm = await startBrowserMode({ port: 0, dataDir: join(dir, 'data'), plantFile, speed: 60, quiet: true, auth: TEST_AUTH });
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
}, 180_000);
afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await bm?.close();
  await server?.shutdown().catch(() => undefined);
  await new Promise((r) => erp?.close(r));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const machine = async (id: string) => (await client.call('twin.view')).machines.find((m) => m.id === id);
const status = async () => (await client.call('connectors.status')).items.find((i) => i.id === 'opcua-dd-l1')!;
const poll = { timeout: 30_000, interval: 200 };

describe('OPC UA connector in a running core', () => {
  it('drives machine state and counts in the twin', async () => {
    expect((await client.call('core.info')).source).toBe('external connectors');
    await expect.poll(async () => (await status()).state, poll).toBe('connected');
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.state, poll).toBe('idle');
    await expect.poll(async () => (await machine('DD-L1-PAL'))?.state, poll).toBe('running');
    server.set('DD-L1-FIL.State', 2);
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.state, poll).toBe('down');
    server.set('DD-L1-FIL.State', 0);
    server.set('DD-L1-FIL.Good', 1250);
    server.set('DD-L1-FIL.Scrap', 14);
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.state, poll).toBe('running');
    await expect.poll(async () => [(await machine('DD-L1-FIL'))?.good, (await machine('DD-L1-FIL'))?.scrap], poll).toEqual([250, 4]);
    server.set('DD-L1-PAL.State', 'STARVED');
    await expect.poll(async () => (await machine('DD-L1-PAL'))?.state, poll).toBe('starved');
  }, 120_000);

  it('brings ERP orders in through the REST polling connector', async () => {
    await expect.poll(async () => (await client.call('twin.view')).orders.find((o) => o.id === 'ERP-E2E-1'), poll).toMatchObject({ sku: 'Y-NAT-125', qty: 4800, customer: 'nordmarkt', due: Date.parse('2026-11-29T12:00:00Z') });
    const polls = erpPolls;
    await expect.poll(() => erpPolls, poll).toBeGreaterThan(polls + 2);
    const rest = (await client.call('connectors.status')).items.find((i) => i.id === 'erp-orders')!;
    expect(rest).toMatchObject({ kind: 'rest', state: 'connected', errors: 0 });
    expect(rest.detail).toMatch(/not modified/);
  }, 60_000);

  it('dead-letters a value outside the map with the node id as origin', async () => {
    server.set('DD-L1-PAL.State', 'JAMMED');
    await expect.poll(async () => (await client.call('deadLetters.list', { limit: 100, offset: 0 })).items.find((d) => d.origin === 'ns=1;s=DD-L1-PAL.State'), poll).toBeDefined();
    const dl = (await client.call('deadLetters.list', { limit: 100, offset: 0 })).items.find((d) => d.origin === 'ns=1;s=DD-L1-PAL.State')!;
    expect(dl.source).toBe('opcua-dd-l1');
    expect(dl.reason).toMatch(/String 'JAMMED' is not in the state map \(RUN → running, STOP → down, STARVED → starved\)/);
    expect((await status()).deadLetters).toBeGreaterThanOrEqual(1);
    expect((await machine('DD-L1-PAL'))?.state).toBe('starved');
  }, 60_000);

  it('reconnects after the OPC UA server is killed and brought back, and drives the line again', async () => {
    await server.shutdown();
    await expect.poll(async () => (await status()).state, poll).toBe('connecting');
    server = await startOpcServer({ port, pkiDir: join(dir, 'pki'), variables: variables.map((v) => (v.nodeId === 'DD-L1-FIL.Good' ? { ...v, value: 1300 } : v.nodeId === 'DD-L1-FIL.Scrap' ? { ...v, value: 14 } : v)) });
    await expect.poll(async () => (await status()).state, { timeout: 60_000, interval: 200 }).toBe('connected');
    // The restarted server's values arrive: state 1 → idle, and the 50 counted during the outage.
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.state, poll).toBe('idle');
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.good, poll).toBe(300);
    server.set('DD-L1-FIL.State', 3);
    await expect.poll(async () => (await machine('DD-L1-FIL'))?.state, poll).toBe('changeover');
    expect((await status()).errors).toBeGreaterThan(0);
  }, 180_000);
});
