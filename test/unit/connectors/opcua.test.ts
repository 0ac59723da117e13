/**
 * The OPC UA connector against a real node-opcua server started here: machine state through the
 * value map, counter deltas as production counts, bad values dead-lettered with the node id as
 * origin, the server killed and brought back on the same port (the connector reconnects and
 * resumes), SignAndEncrypt with Basic256Sha256, and option errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType } from 'node-opcua';
import { OpcUaConnector, opcuaKind, opcuaOptionsSchema, type OpcUaOptions } from '../../../main/connectors/opcua';
import { createIngestPipeline } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import type { DeadLetterEntry } from '../../../shared/ingest/pipeline';
import type { Signal } from '../../../shared/signals/schema';
import { demoPlant } from '../import/helpers';
import { freePort, startOpcServer, type TestOpcServer, type VariableSpec } from './opcua-server';

const plant = demoPlant();
const pki = mkdtempSync(join(tmpdir(), 'takt-opcua-'));
afterAll(() => rmSync(pki, { recursive: true, force: true }));

const variables: VariableSpec[] = [
  { nodeId: 'DD-L1-FIL.State', dataType: DataType.Int32, value: 1 },
  { nodeId: 'DD-L1-FIL.Good', dataType: DataType.UInt32, value: 100 },
  { nodeId: 'DD-L1-FIL.Scrap', dataType: DataType.UInt32, value: 2 },
  { nodeId: 'DD-L1-MIX.State', dataType: DataType.String, value: 'running' },
  // A counter that is configured on a String node: every value is a bad type.
  { nodeId: 'DD-L1-MIX.Good', dataType: DataType.String, value: 'n/a' },
];

/** A real ingest pipeline (shape and plant checks, dead letters) behind the connector. */
function harness() {
  const accepted: Signal[] = [];
  const dead: DeadLetterEntry[] = [];
  const pipeline = createIngestPipeline({
    index: createPlantIndex(plant),
    journal: { append: (b) => (accepted.push(...b), accepted.length) },
    deliver: () => undefined,
    onDeadLetter: (d) => dead.push(d),
  });
  // The core's sink: the pipeline, plus dead letters for values that never became a signal.
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

function options(endpoint: string, extra: Partial<OpcUaOptions> = {}): OpcUaOptions {
  return opcuaOptionsSchema.parse({
    endpoint,
    pkiDir: join(pki, 'client'),
    samplingIntervalMs: 50,
    publishingIntervalMs: 100,
    reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
    machines: [
      { machine: 'DD-L1-FIL', state: 'ns=1;s=DD-L1-FIL.State', good: 'ns=1;s=DD-L1-FIL.Good', scrap: { nodeId: 'ns=1;s=DD-L1-FIL.Scrap', samplingIntervalMs: 100 } },
      { machine: 'DD-L1-MIX', state: { nodeId: 'ns=1;s=DD-L1-MIX.State', map: { RUN: 'running', STOP: 'down' } }, good: 'ns=1;s=DD-L1-MIX.Good' },
    ],
    ...extra,
  });
}

const states = (s: Signal[], machine: string) => s.flatMap((x) => (x.type === 'machine.state' && x.machine === machine ? [x.state] : []));
const counted = (s: Signal[], machine: string) =>
  s.reduce((acc, x) => (x.type === 'production.count' && x.machine === machine ? { good: acc.good + x.good, scrap: acc.scrap + x.scrap } : acc), { good: 0, scrap: 0 });
const poll = { timeout: 20_000, interval: 100 };

describe('OPC UA connector', () => {
  let port: number;
  let server: TestOpcServer;
  let connector: OpcUaConnector;
  const h = harness();
  const logs: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    server = await startOpcServer({ port, pkiDir: pki, variables });
    connector = new OpcUaConnector('opcua-dd-l1', options(server.endpoint), { now: () => Date.now() + 0.25, log: (l) => logs.push(l), pkiDir: join(pki, 'client') });
    await connector.start(h.sink);
  }, 120_000);
  afterAll(async () => {
    await connector?.stop();
    await server?.shutdown();
  }, 60_000);

  it('maps machine state through the value map and counter deltas into production counts', async () => {
    expect(connector.status().state).toBe('connected');
    // Initial values: FIL Int32 1 → idle; MIX 'running' is a state name; counters are baselines.
    await expect.poll(() => states(h.accepted, 'DD-L1-FIL'), poll).toEqual(['idle']);
    await expect.poll(() => states(h.accepted, 'DD-L1-MIX'), poll).toEqual(['running']);
    server.set('DD-L1-FIL.State', 0);
    await expect.poll(() => states(h.accepted, 'DD-L1-FIL'), poll).toEqual(['idle', 'running']);
    server.set('DD-L1-FIL.Good', 130);
    server.set('DD-L1-FIL.Scrap', 5);
    await expect.poll(() => counted(h.accepted, 'DD-L1-FIL'), poll).toEqual({ good: 30, scrap: 3 });
    server.set('DD-L1-FIL.Good', 145);
    await expect.poll(() => counted(h.accepted, 'DD-L1-FIL'), poll).toEqual({ good: 45, scrap: 3 });
    server.set('DD-L1-MIX.State', 'STOP');
    await expect.poll(() => states(h.accepted, 'DD-L1-MIX'), poll).toEqual(['running', 'down']);
    const sig = h.accepted.find((s) => s.type === 'machine.state' && s.state === 'running' && s.machine === 'DD-L1-FIL')!;
    expect(sig.source).toBe('opcua-dd-l1');
    expect(sig.id).toMatch(/^opcua-dd-l1:DD-L1-FIL\.state@\d{4}-\d\d-\d\dT/);
    expect(connector.status().messagesPerSecond).toBeGreaterThan(0);
  }, 60_000);

  it('dead-letters values of a bad type or outside the map, with the node id as origin', async () => {
    // The String counter's initial 'n/a' is already a dead letter.
    await expect.poll(() => h.dead.filter((d) => d.origin === 'ns=1;s=DD-L1-MIX.Good').length, poll).toBeGreaterThan(0);
    const bad = h.dead.find((d) => d.origin === 'ns=1;s=DD-L1-MIX.Good')!;
    expect(bad.reason).toBe("node ns=1;s=DD-L1-MIX.Good (DD-L1-MIX good): a counter needs a number ≥ 0; found String 'n/a'");
    expect(bad.source).toBe('opcua-dd-l1');
    expect(bad.raw).toContain('n/a');
    server.set('DD-L1-FIL.State', 9);
    await expect.poll(() => h.dead.find((d) => d.origin === 'ns=1;s=DD-L1-FIL.State'), poll).toBeDefined();
    const unmapped = h.dead.find((d) => d.origin === 'ns=1;s=DD-L1-FIL.State')!;
    expect(unmapped.reason).toMatch(/^node ns=1;s=DD-L1-FIL\.State \(DD-L1-FIL state\): Int32 9 is not in the state map \(0 → running, 1 → idle, .*6 → starved, 7 → unknown\)/);
    expect(JSON.parse(unmapped.raw)).toEqual({ nodeId: 'ns=1;s=DD-L1-FIL.State', dataType: 'Int32', value: 9 });
    expect(connector.status().deadLetters).toBe(h.dead.length);
    // The counter baseline is untouched by the bad state.
    server.set('DD-L1-FIL.State', 0);
    await expect.poll(() => states(h.accepted, 'DD-L1-FIL').at(-1), poll).toBe('running');
  }, 60_000);

  it('reconnects after the server is killed and brought back on the same port, and resumes', async () => {
    // A known counter before the outage (the subscription's first values have arrived by now).
    await expect.poll(() => states(h.accepted, 'DD-L1-FIL').length, poll).toBeGreaterThan(0);
    const g0 = counted(h.accepted, 'DD-L1-FIL').good;
    server.set('DD-L1-FIL.Good', 200);
    await expect.poll(() => counted(h.accepted, 'DD-L1-FIL').good, poll).toBeGreaterThan(g0);
    const g1 = counted(h.accepted, 'DD-L1-FIL').good;
    const before = h.accepted.length;
    await server.shutdown();
    await expect.poll(() => connector.status().state, { timeout: 30_000, interval: 100 }).toBe('connecting');
    expect(connector.status().errors).toBeGreaterThan(0);
    // The same port, a fresh server (certificates reused); the PLC counted 50 more meanwhile.
    server = await startOpcServer({ port, pkiDir: pki, variables: variables.map((v) => (v.nodeId === 'DD-L1-FIL.Good' ? { ...v, value: 250 } : v.nodeId === 'DD-L1-FIL.State' ? { ...v, value: 0 } : v)) });
    await expect.poll(() => connector.status().state, { timeout: 60_000, interval: 200 }).toBe('connected');
    // The production during the outage arrives as one count, once.
    await expect.poll(() => counted(h.accepted, 'DD-L1-FIL').good, { timeout: 60_000, interval: 200 }).toBe(g1 + 50);
    // Changes made after the restart arrive.
    server.set('DD-L1-FIL.State', 2);
    await expect.poll(() => states(h.accepted.slice(before), 'DD-L1-FIL').includes('down'), { timeout: 60_000, interval: 200 }).toBe(true);
    server.set('DD-L1-FIL.Good', 260);
    await expect.poll(() => counted(h.accepted, 'DD-L1-FIL').good, { timeout: 30_000, interval: 100 }).toBe(g1 + 60);
    expect(logs.some((l) => /connection to .* lost/.test(l))).toBe(true);
    expect(connector.subscriptionsCreated).toBeGreaterThanOrEqual(2);
  }, 180_000);
});

describe('OPC UA security and options', () => {
  it('connects with SignAndEncrypt / Basic256Sha256', async () => {
    const port = await freePort();
    const server = await startOpcServer({ port, pkiDir: join(pki, 'secure'), variables: variables.slice(0, 1), secure: true });
    const h = harness();
    const c = new OpcUaConnector('opcua-secure', options(server.endpoint, { securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', machines: [{ machine: 'DD-L1-FIL', state: 'ns=1;s=DD-L1-FIL.State' }] }), {
      now: () => Date.now(),
      log: () => undefined,
      pkiDir: join(pki, 'client'),
    });
    try {
      await c.start(h.sink);
      await expect.poll(() => states(h.accepted, 'DD-L1-FIL'), poll).toEqual(['idle']);
      expect(c.status().detail).toMatch(/opc\.tcp:\/\/127\.0\.0\.1/);
    } finally {
      await c.stop();
      await server.shutdown();
    }
  }, 120_000);

  it('reports an unreachable endpoint without blocking start, and keeps retrying', async () => {
    const port = await freePort();
    const c = new OpcUaConnector('opcua-down', options(`opc.tcp://127.0.0.1:${port}`), { now: () => Date.now(), log: () => undefined, pkiDir: join(pki, 'client') });
    await c.start(harness().sink);
    expect(c.status().state).toBe('connecting');
    expect(c.status().detail).toMatch(/not reachable, retry/);
    await c.stop();
    expect(c.status().state).toBe('stopped');
  }, 60_000);

  it('checks its options and the plant’s machines', () => {
    const bad = opcuaOptionsSchema.safeParse({ endpoint: 'http://x', securityMode: 'Sign', machines: [{ machine: 'M' }] });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['endpoint', 'machines.0']));
    const mismatch = opcuaOptionsSchema.safeParse({ endpoint: 'opc.tcp://h:4840', securityMode: 'Sign', machines: [{ machine: 'M', state: 'ns=1;i=5' }] });
    expect(mismatch.error!.issues[0]).toMatchObject({ path: ['securityPolicy'] });
    const opts = opcuaOptionsSchema.parse({ endpoint: 'opc.tcp://h:4840', machines: [{ machine: 'NOPE', state: 'ns=1;i=5' }] });
    expect(() => opcuaKind.create({ id: 'x', kind: 'opcua', enabled: true, replacesSimulator: false, options: opts }, { plant, now: () => 0, dataDir: pki, log: () => undefined })).toThrow(
      /^machines\[0\]\.machine: 'NOPE' is not a machine of the plant/,
    );
  });
});
