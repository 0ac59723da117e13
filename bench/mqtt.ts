/**
 * MQTT benchmark, end to end: a publisher in a worker thread sends JSON UNS messages with QoS 1 to
 * a real mosquitto (started here on a free port, persistence on); the MQTT connector (QoS 1,
 * persistent session, declarative mapping) receives them, pushes them into the ingest pipeline
 * (validate, dedupe, batch), the journal commits them on its writer thread (SQLite file in a temp
 * dir) and the twin applies them. Like bench/ingest.ts, the core's parts are assembled here rather
 * than through startCore, so decide/what-if services do not take part in the measurement.
 *
 * Latency is publish → applied: each payload carries its publish time (`ts`, wall clock, the same
 * machine) and is measured when the twin has applied its batch. The publisher sends at a fixed rate
 * (`--rate`, messages/s) so that latency is not the queue of an overrun broker; msgs/s is messages
 * over the time from the first publish to the last apply.
 *
 *   npx tsx bench/mqtt.ts [--json] [--messages N] [--rate R] [--canonical] [--journal memory]
 *
 * One JSON object per line; the last line is the summary:
 * {"bench":"mqtt","messages":...,"msgs_per_s":...,"latency_p99_ms":...}
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openJournal } from '../main/core/journal';
import { createMqttConnector, mqttOptionsSchema } from '../main/connectors/mqtt';
import { createIngestPipeline } from '../shared/ingest/pipeline';
import { createPlantIndex } from '../shared/ingest/plant-index';
import { parsePlantText } from '../shared/plant/parse';
import type { Signal } from '../shared/signals/schema';
import { createTwin } from '../shared/twin/twin';
import { startMosquitto } from '../test/helpers/mosquitto';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const N = Number(arg('--messages') ?? 500_000);
const RATE = Number(arg('--rate') ?? 60_000);
const CANONICAL = args.includes('--canonical');
/** Diagnostic: `--journal memory` replaces the SQLite journal (to see what the journal costs). */
const MEMORY_JOURNAL = arg('--journal') === 'memory';
const out = (o: object) => console.log(JSON.stringify(o));
const root = join(fileURLToPath(import.meta.url), '..', '..');

const parsed = parsePlantText(readFileSync(join(root, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
if (!parsed.ok) throw new Error('demo plant does not parse');
const plant = parsed.plant;
const machines = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => ({ area: a.id, line: l.id, machine: m.id }))));

const broker = await startMosquitto();
const dir = mkdtempSync(join(tmpdir(), 'takt-bench-mqtt-'));
const journal = MEMORY_JOURNAL
  ? (() => {
      let position = 0;
      return { append: (b: readonly Signal[]) => (position += b.length), get lastPosition() { return position; }, close() {} };
    })()
  : openJournal(join(dir, 'journal.db'), { writer: 'worker' });
const startTime = Date.now() - 60_000;
const twin = createTwin(plant, { startTime });

// Latency samples (every 8th message) and progress.
const samples: number[] = [];
let applied = 0;
let lastAppliedAt = 0;
const pipeline = createIngestPipeline({
  index: createPlantIndex(plant),
  horizonMs: 3_600_000,
  journal,
  deliver(batch: Signal[], last: number) {
    twin.applyBatch(batch, last);
    const now = Date.now();
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      if ((s.seq & 7) === 0 && s.source === 'bench') samples.push(now - s.eventTime);
    }
    applied += batch.length;
    lastAppliedAt = now;
  },
  onDeadLetter: (d) => {
    if (deadLetters++ < 3) out({ note: 'dead letter', reason: d.reason, origin: d.origin });
  },
  scheduler: { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
});
let deadLetters = 0;

const options = mqttOptionsSchema.parse({
  url: broker.url,
  clientId: 'takt-bench',
  source: 'bench',
  mappings: CANONICAL
    ? [{ topic: 'acme/{area}/{line}/{machine}/signal', canonical: true }]
    : [
        { topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', seq: '$.n', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } },
        { topic: 'acme/{area}/{line}/{machine}/state', type: 'machine.state', id: '$.id', seq: '$.n', eventTime: '$.ts', fields: { machine: '{machine}', state: '$.state' }, values: { state: { RUN: 'running', IDLE: 'idle' } } },
      ],
});
const { connector } = createMqttConnector('bench', options, { now: () => Date.now(), log: () => undefined, defaultClientId: 'takt-bench' });
await connector.start({ push: (raw, meta) => pipeline.push(raw, meta) });

// The publisher: its own thread, paced to RATE. A minimal MQTT 3.1.1 client over a raw socket
// (CONNECT, QoS 1 PUBLISH, PUBACK counting): mqtt.js publishes about 15k QoS 1 messages/s here,
// below the rate to measure, because it stores and writes each packet on its own; this one writes
// a tick's packets in one buffer. It is the load generator only; the connector under test is mqtt.js.
const publisherCode = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { port, n, rate, machines, canonical } = workerData;
const varint = (len) => { const b = []; do { let d = len % 128; len = Math.floor(len / 128); if (len > 0) d |= 128; b.push(d); } while (len > 0); return Buffer.from(b); };
const str = (s) => { const b = Buffer.from(s, 'utf8'); const h = Buffer.alloc(2); h.writeUInt16BE(b.length); return Buffer.concat([h, b]); };
const packet = (first, body) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
const sock = net.connect(port, '127.0.0.1');
sock.setNoDelay(true);
const connect = packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('bench-publisher')]));
sock.write(connect);
let acked = 0, sent = 0, t0 = 0, started = false, rest = Buffer.alloc(0);
sock.on('data', (d) => {
  let buf = rest.length ? Buffer.concat([rest, d]) : d;
  let i = 0;
  while (i + 2 <= buf.length) {
    const type = buf[i] >> 4, len = buf[i + 1];
    if (i + 2 + len > buf.length) break;
    if (type === 2 && !started) { started = true; t0 = Date.now(); parentPort.postMessage({ started: t0 }); tick(); }
    if (type === 4) acked++;
    i += 2 + len;
  }
  rest = buf.subarray(i);
  if (acked === n) { parentPort.postMessage({ done: true, ms: Date.now() - t0 }); sock.end(); }
});
const tick = () => {
  const due = Math.min(n, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
  const parts = [];
  // Keep at most one second of unacknowledged messages in flight.
  while (sent < due && sent - acked < rate) {
    const m = machines[sent % machines.length];
    const ts = Date.now();
    let topic, body;
    if (canonical) {
      topic = 'acme/' + m.area + '/' + m.line + '/' + m.machine + '/signal';
      body = '{"id":"b-' + sent + '","source":"bench","seq":' + sent + ',"eventTime":' + ts + ',"receiveTime":' + ts + ',"type":"production.count","machine":"' + m.machine + '","good":1,"scrap":0}';
    } else if (sent % 10 === 9) {
      topic = 'acme/' + m.area + '/' + m.line + '/' + m.machine + '/state';
      body = '{"id":"b-' + sent + '","n":' + sent + ',"ts":' + ts + ',"state":"' + (sent % 20 === 9 ? 'IDLE' : 'RUN') + '"}';
    } else {
      topic = 'acme/' + m.area + '/' + m.line + '/' + m.machine + '/count';
      body = '{"id":"b-' + sent + '","n":' + sent + ',"ts":' + ts + ',"good":1,"scrap":0}';
    }
    const id = Buffer.alloc(2); id.writeUInt16BE((sent % 65535) + 1);
    parts.push(packet(0x32, Buffer.concat([str(topic), id, Buffer.from(body, 'utf8')])));
    sent++;
  }
  if (parts.length) sock.write(Buffer.concat(parts));
  if (sent < n) setTimeout(tick, 2);
};
`;
const worker = new Worker(publisherCode, { eval: true, workerData: { port: broker.port, n: N, rate: RATE, machines, canonical: CANONICAL } });
let firstPublish = 0;
let publishMs = 0;
worker.on('message', (m: { started?: number; done?: boolean; ms?: number }) => {
  if (m.started) firstPublish = m.started;
  if (m.done) publishMs = m.ms ?? 0;
});
out({ note: `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share these cores)` });
out({ note: `publishing ${N} messages at ${RATE}/s (QoS 1, ${CANONICAL ? 'canonical payloads' : 'mapped UNS payloads'}) to ${broker.url}` });

const deadline = Date.now() + Math.max(120_000, (N / RATE) * 4000);
let lastReport = Date.now();
while (applied + deadLetters < N && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50));
  if (Date.now() - lastReport > 2000) {
    lastReport = Date.now();
    out({ progress: applied, connector: connector.status().messagesPerSecond, pushed: pipeline.stats().pushed });
  }
}
pipeline.flush();
const stats = pipeline.stats();
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;
const seconds = (lastAppliedAt - firstPublish) / 1000;
out({ detail: 'pipeline', pushed: stats.pushed, accepted: stats.accepted, duplicates: stats.duplicates, deadLettered: stats.deadLettered, journal_position: journal.lastPosition, publish_ms: publishMs, latency_p50_ms: pct(50), latency_max_ms: samples[samples.length - 1] });

await connector.stop();
await worker.terminate();
pipeline.close();
journal.close();
twin.stop();
await broker.close();
rmSync(dir, { recursive: true, force: true });
const complete = applied === N;
out({ bench: 'mqtt', messages: applied, msgs_per_s: Math.round(applied / seconds), latency_p99_ms: pct(99), ...(complete ? {} : { incomplete: `${applied} of ${N} applied before the deadline` }) });
process.exit(0);
