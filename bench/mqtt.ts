/**
 * MQTT benchmark, end to end: a publisher process sends JSON UNS messages with QoS 1 to a real
 * mosquitto (started here on a free port, persistence on); the MQTT connector (QoS 1, persistent
 * session, declarative mapping, PUBACK only after the journal commit as in the core) receives them,
 * pushes them into the ingest pipeline (validate, dedupe, batch), the journal commits them on its
 * writer thread (SQLite file in a temp dir) and the twin applies them. Like bench/ingest.ts, the
 * core's parts are assembled here rather than through startCore, so decide/what-if services do not
 * take part in the measurement.
 *
 * First the publisher runs alone (unpaced, to topics nobody subscribes to) for the ceiling of
 * publisher + broker on this machine, then the end-to-end run follows at once: both rates come
 * from the same minute of a shared machine. CPU time per message is reported for this process (the
 * connector, ingest, journal writer thread and twin: what the core spends), the broker and the publisher.
 *
 * Latency is publish → applied: each payload carries its publish time (`ts`, wall clock, the same
 * machine) and is measured when the twin has applied its batch. The publisher sends at a fixed rate
 * (`--rate`, messages/s) so that latency is not the queue of an overrun broker; msgs/s is messages
 * over the time from the first publish to the last apply.
 *
 *   npx tsx bench/mqtt.ts [--json] [--messages N] [--rate R] [--window W] [--no-solo] [--ack received] [--canonical] [--journal memory] [--qos 0]
 *
 * `--qos 0` (diagnostic): the publisher sends QoS 0, as high-rate telemetry publishers often do; the
 * connector's subscription stays QoS 1, so deliveries are QoS 0 (MQTT delivers at the lower of the
 * two): no PUBACKs either side and no delivery guarantee. It shows what the broker's
 * acknowledgements cost; the budget is for the QoS 1 path.
 *
 * One JSON object per line; the last line is the summary:
 * {"bench":"mqtt","messages":...,"msgs_per_s":...,"latency_p99_ms":...}
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { openJournal } from '../main/core/persistence/journal';
import { createMqttConnector, mqttOptionsSchema } from '../main/connectors/mqtt';
import { createIngestPipeline } from '../shared/ingest/pipeline';
import type { ConnectorSink } from '../shared/connectors/status';
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
/** Unacknowledged messages the publisher keeps in flight. */
const WINDOW = Number(arg('--window') ?? 20_000);
const SOLO = !args.includes('--no-solo');
const QOS = arg('--qos') === '0' ? 0 : 1;
/** Diagnostic: `--ack received` acknowledges on receipt (what the connector did before the PUBACK waited for the journal). */
const ACK_WHEN = arg('--ack') === 'received' ? 'received' : 'journaled';
/** Diagnostic: `--journal memory` replaces the SQLite journal (to see what the journal costs). */
const MEMORY_JOURNAL = arg('--journal') === 'memory';
const out = (o: object) => console.log(JSON.stringify(o));
const root = join(fileURLToPath(import.meta.url), '..', '..');

const parsed = parsePlantText(readFileSync(join(root, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
if (!parsed.ok) throw new Error('demo plant does not parse');
const plant = parsed.plant;
const machines = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => ({ area: a.id, line: l.id, machine: m.id }))));

// Diagnostic: extra mosquitto.conf lines (e.g. 'set_tcp_nodelay false'), separated by ';'.
const broker = await startMosquitto({ extraConfig: (arg('--broker-config') ?? '').split(';').filter(Boolean) });
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
  ackWhen: ACK_WHEN,
  mappings: CANONICAL
    ? [{ topic: 'acme/{area}/{line}/{machine}/signal', canonical: true }]
    : [
        { topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', seq: '$.n', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } },
        { topic: 'acme/{area}/{line}/{machine}/state', type: 'machine.state', id: '$.id', seq: '$.n', eventTime: '$.ts', fields: { machine: '{machine}', state: '$.state' }, values: { state: { RUN: 'running', IDLE: 'idle' } } },
      ],
});
const { connector } = createMqttConnector('bench', options, { now: () => Date.now(), log: () => undefined, defaultClientId: 'takt-bench' });
/** Diagnostic: `--sink null` counts the connector's signals as applied without ingest, journal or twin (the connector's own cost). */
const NULL_SINK = arg('--sink') === 'null';
const sink: ConnectorSink = NULL_SINK
  ? {
      push(raw) {
        const s = raw as Signal;
        if ((s.seq & 7) === 0) samples.push(Date.now() - s.eventTime);
        applied++;
        lastAppliedAt = Date.now();
      },
      whenDurable: (cb) => setImmediate(cb),
    }
  : { push: (raw, meta) => pipeline.push(raw, meta), whenDurable: (cb) => pipeline.whenDurable(cb) };
await connector.start(sink);

// The publisher: its own process (so the CPU time of this one is the connector side's), paced to
// RATE. A minimal MQTT 3.1.1 client over a raw socket (CONNECT, QoS 1 PUBLISH, PUBACK counting):
// mqtt.js publishes about 15k QoS 1 messages/s here, below the rate to measure, because it stores
// and writes each packet on its own; this one writes a tick's packets in one buffer and keeps at
// most WINDOW messages unacknowledged. (mosquitto_pub is not used: its package, mosquitto-clients,
// is not installed here, and `-l` sends every line to one topic.) It is the load generator only;
// the connector under test is mqtt.js.
const publisherCode = `
const net = require('node:net');
const { port, n, rate, window, machines, canonical, root, clientId, qos } = JSON.parse(process.env.TAKT_BENCH_PUBLISHER);
const varint = (len) => { const b = []; do { let d = len % 128; len = Math.floor(len / 128); if (len > 0) d |= 128; b.push(d); } while (len > 0); return Buffer.from(b); };
const str = (s) => { const b = Buffer.from(s, 'utf8'); const h = Buffer.alloc(2); h.writeUInt16BE(b.length); return Buffer.concat([h, b]); };
const packet = (first, body) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
const sock = net.connect(port, '127.0.0.1');
sock.setNoDelay(true);
sock.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)])));
let acked = 0, sent = 0, t0 = 0, started = false, rest = Buffer.alloc(0);
sock.on('data', (d) => {
  let buf = rest.length ? Buffer.concat([rest, d]) : d;
  let i = 0;
  while (i + 2 <= buf.length) {
    const type = buf[i] >> 4, len = buf[i + 1];
    if (i + 2 + len > buf.length) break;
    if (type === 2 && !started) { started = true; t0 = Date.now(); process.send({ started: t0 }); tick(); }
    if (type === 4) acked++;
    i += 2 + len;
  }
  rest = buf.subarray(i);
  if (acked === n) finish();
});
const finish = () => { const c = process.cpuUsage(); process.send({ done: true, ms: Date.now() - t0, cpuUs: c.user + c.system }, () => process.exit(0)); sock.end(); };
const tick = () => {
  const due = Math.min(n, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
  const parts = [];
  while (sent < due && (qos === 0 || sent - acked < window)) {
    const m = machines[sent % machines.length];
    const ts = Date.now();
    let topic, body;
    if (canonical) {
      topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/signal';
      body = '{"id":"b-' + sent + '","source":"bench","seq":' + sent + ',"eventTime":' + ts + ',"receiveTime":' + ts + ',"type":"production.count","machine":"' + m.machine + '","good":1,"scrap":0}';
    } else if (sent % 10 === 9) {
      topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/state';
      body = '{"id":"b-' + sent + '","n":' + sent + ',"ts":' + ts + ',"state":"' + (sent % 20 === 9 ? 'IDLE' : 'RUN') + '"}';
    } else {
      topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/count';
      body = '{"id":"b-' + sent + '","n":' + sent + ',"ts":' + ts + ',"good":1,"scrap":0}';
    }
    if (qos === 0) parts.push(packet(0x30, Buffer.concat([str(topic), Buffer.from(body, 'utf8')])));
    else {
      const id = Buffer.alloc(2); id.writeUInt16BE((sent % 65535) + 1);
      parts.push(packet(0x32, Buffer.concat([str(topic), id, Buffer.from(body, 'utf8')])));
    }
    sent++;
  }
  // QoS 0: done once the last packet is written (nothing comes back to count).
  if (parts.length) sock.write(Buffer.concat(parts), qos === 0 && sent === n ? finish : undefined);
  if (sent < n && (qos === 0 ? !sock.writableNeedDrain : true)) setTimeout(tick, 2);
  else if (sent < n) sock.once('drain', tick);
};
`;

interface PublisherRun {
  started: Promise<number>;
  done: Promise<{ ms: number; cpuUs: number }>;
  kill(): void;
}
function startPublisher(cfg: { n: number; rate: number; root: string; clientId: string }): PublisherRun {
  const child = spawn(process.execPath, ['-e', publisherCode], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, TAKT_BENCH_PUBLISHER: JSON.stringify({ port: broker.port, window: WINDOW, machines, canonical: CANONICAL, qos: QOS, ...cfg }) },
  });
  let onStart: (t: number) => void = () => undefined;
  let onDone: (r: { ms: number; cpuUs: number }) => void = () => undefined;
  const started = new Promise<number>((r) => (onStart = r));
  const done = new Promise<{ ms: number; cpuUs: number }>((r) => (onDone = r));
  child.on('message', (m: { started?: number; done?: boolean; ms?: number; cpuUs?: number }) => {
    if (m.started) onStart(m.started);
    if (m.done) onDone({ ms: m.ms ?? 0, cpuUs: m.cpuUs ?? 0 });
  });
  return { started, done, kill: () => child.kill('SIGKILL') };
}

/** CPU time (user + system, µs) of a process from /proc (Linux), e.g. the broker. */
function procCpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100); // utime + stime, in USER_HZ (100/s)
  } catch {
    return NaN;
  }
}

out({ note: `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share these cores)` });

// 1. The publisher alone: the same stream, unpaced, to topics nobody subscribes to (the broker
//    takes and acknowledges each message and drops it): the ceiling of publisher + broker here.
let solo: { msgs_per_s: number; publisher_cpu_us_per_msg: number; broker_cpu_us_per_msg: number } | undefined;
if (SOLO) {
  const b0 = procCpuUs(broker.pid());
  const p = startPublisher({ n: N, rate: 1e9, root: 'solo', clientId: 'bench-solo' });
  const r = await p.done;
  solo = { msgs_per_s: Math.round(N / (r.ms / 1000)), publisher_cpu_us_per_msg: +(r.cpuUs / N).toFixed(2), broker_cpu_us_per_msg: +((procCpuUs(broker.pid()) - b0) / N).toFixed(2) };
  out({ detail: 'publisher alone', messages: N, ...solo });
}

// 2. End to end, right after: paced to RATE, through the connector into the twin.
const b0 = procCpuUs(broker.pid());
const publisher = startPublisher({ n: N, rate: RATE, root: 'acme', clientId: 'bench-publisher' });
out({ note: `publishing ${N} messages at ${RATE}/s (QoS ${QOS}, ${CANONICAL ? 'canonical payloads' : 'mapped UNS payloads'}, ${QOS === 1 ? `at most ${WINDOW} unacknowledged` : 'no acknowledgements'}) to ${broker.url}; PUBACK to the broker ${ACK_WHEN === 'journaled' ? 'after the journal commit' : 'on receipt'}` });
const firstPublish = await publisher.started;
const cpu0 = process.cpuUsage();
let publishMs = 0;
let publisherCpuUs = 0;
void publisher.done.then((r) => ((publishMs = r.ms), (publisherCpuUs = r.cpuUs)));

// Generous: on a shared machine the run can take minutes; an unfinished run says so in its summary.
const deadline = Date.now() + Math.max(300_000, (N / RATE) * 4000);
let lastReport = Date.now();
// QoS 0 has no redelivery: a message the broker dropped never comes, so stop 5 s after the last one
// applied once the publisher is done.
let published = false;
void publisher.done.then(() => (published = true));
while (applied + deadLetters < N && Date.now() < deadline && !(QOS === 0 && published && Date.now() - lastAppliedAt > 5000)) {
  await new Promise((r) => setTimeout(r, 50));
  if (Date.now() - lastReport > 2000) {
    lastReport = Date.now();
    out({ progress: applied, connector: connector.status().messagesPerSecond, pushed: pipeline.stats().pushed });
  }
}
pipeline.flush();
const cpu = process.cpuUsage(cpu0);
const brokerCpuUs = procCpuUs(broker.pid()) - b0;
await Promise.race([publisher.done, new Promise((r) => setTimeout(r, 5000))]);
const stats = pipeline.stats();
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;
const seconds = (lastAppliedAt - firstPublish) / 1000;
const perMsg = (us: number) => +(us / Math.max(1, applied)).toFixed(2);
const cpuUs = { connector_process: perMsg(cpu.user + cpu.system), connector_process_system: perMsg(cpu.system), broker: perMsg(brokerCpuUs), publisher: perMsg(publisherCpuUs) };
out({ detail: 'pipeline', pushed: stats.pushed, accepted: stats.accepted, duplicates: stats.duplicates, deadLettered: stats.deadLettered, journal_position: journal.lastPosition, publish_ms: publishMs, latency_p50_ms: pct(50), latency_max_ms: samples[samples.length - 1] });
out({ detail: 'cpu µs per message (user + system)', ...cpuUs, note: 'connector_process: this process (connector, ingest, journal writer thread, twin)' });

await connector.stop();
publisher.kill();
pipeline.close();
journal.close();
twin.stop();
await broker.close();
rmSync(dir, { recursive: true, force: true });
const complete = applied === N;
out({
  bench: 'mqtt',
  messages: applied,
  ...(QOS === 0 ? { qos: 0 } : {}),
  msgs_per_s: Math.round(applied / seconds),
  latency_p99_ms: pct(99),
  ...(solo ? { publisher_alone_msgs_per_s: solo.msgs_per_s } : {}),
  cpu_us_per_msg: cpuUs.connector_process,
  ...(complete ? {} : { incomplete: `${applied} of ${N} applied before the deadline` }),
});
process.exit(0);
