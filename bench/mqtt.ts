/**
 * MQTT benchmark, end to end: a publisher process (bench/_mqtt-publisher.mjs) sends QoS 1 messages
 * to a real mosquitto (started here on a free port, persistence on); the MQTT connector (QoS 1,
 * persistent session, declarative mapping, PUBACK only after the journal commit as in the core)
 * receives them, pushes them into the ingest pipeline (validate, dedupe, batch), the journal
 * commits them on its writer thread (SQLite file in a temp dir, an fsync per commit: group commit,
 * durability is not traded for speed) and the twin applies them. Like bench/ingest.ts, the core's
 * parts are assembled here rather than through startCore, so decide/what-if services do not take
 * part in the measurement.
 *
 * Phases, one after the other on the same broker, so that every rate comes from the same minutes
 * of a shared machine (`--phases` picks some):
 *   solo       the publisher alone, to topics nobody subscribes to: the ceiling of publisher + broker.
 *   bare       the same stream to a bare mqtt.js QoS 1 subscriber (bench/_mqtt-bare.ts, its own
 *              process) that parses each JSON payload and acknowledges it: the cheapest correct consumer.
 *   takt       the same stream through Takt's connector into the journal and the twin.
 *              `ratio_vs_bare_client` = Takt's journaled msgs/s ÷ the bare subscriber's msgs/s.
 *   latency    the publisher paced at `--latency-rate` (10,000/s) for `--latency-seconds` (60 s):
 *              publish → journaled (and applied), p50/p99 of every 8th message.
 *   sparkplug  Sparkplug B DDATA with `--metrics` (100) metrics each, by alias after the births, as
 *              edge nodes send them (one node per line, one device per machine), through Takt's
 *              Sparkplug connector: metrics of the DDATA whose signals were journaled, per second.
 *              (The connector turns the state and counter metrics into signals; the other metrics
 *              are decoded and checked against the birth certificate, not journaled one by one.)
 *
 * Rates are messages over the time from the first publish to the last one journaled (Takt) or
 * parsed (bare). CPU time per message is reported for this process (connector, ingest, journal
 * writer thread, twin), the broker, the publisher and the bare subscriber.
 *
 *   npx tsx bench/mqtt.ts [--json] [--messages N] [--rate R] [--window W] [--phases solo,bare,takt,latency,sparkplug]
 *     [--latency-rate R] [--latency-seconds S] [--sparkplug-messages N] [--metrics M]
 *     diagnostics: [--ack received] [--canonical] [--journal memory] [--sink null] [--qos 0] [--broker-config 'a;b'] [--profile FILE]
 *
 * `--qos 0` (diagnostic): the publisher sends QoS 0; deliveries are QoS 0 (MQTT delivers at the
 * lower of the two): no PUBACKs either side and no delivery guarantee.
 *
 * One JSON object per line; the last line is the summary:
 * {"bench":"mqtt","messages":...,"ratio_vs_bare_client":...,"latency_p99_ms_at_10k":...,"sparkplug_metrics_per_s":...}
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type sparkplugPayloadModule from 'sparkplug-payload';
import { openJournal } from '../main/core/persistence/journal';
import { createMqttConnector, mqttOptionsSchema } from '../main/connectors/mqtt';
import { createSparkplugConnector, sparkplugOptionsSchema } from '../main/connectors/sparkplug';
import { createIngestPipeline } from '../shared/ingest/pipeline';
import type { ConnectorSink } from '../shared/connectors/status';
import { createPlantIndex } from '../shared/ingest/plant-index';
import type { Signal } from '../shared/signals/schema';
import { createTwin } from '../shared/twin/twin';
import { startMosquitto } from '../test/helpers/mosquitto';
import { benchArgs, numberFlag } from './_args';
import { demoPlant } from './_large-plant';

const args = benchArgs('mqtt', {
  messages: { type: 'string' },
  rate: { type: 'string' },
  window: { type: 'string' },
  phases: { type: 'string' },
  'latency-rate': { type: 'string' },
  'latency-seconds': { type: 'string' },
  'sparkplug-messages': { type: 'string' },
  metrics: { type: 'string' },
  canonical: { type: 'boolean' },
  ack: { type: 'string' },
  journal: { type: 'string' },
  sink: { type: 'string' },
  qos: { type: 'string' },
  'broker-config': { type: 'string' },
  profile: { type: 'string' },
});
const num = (flag: keyof typeof args & string, def: number) => numberFlag('mqtt', flag, args[flag] as string | undefined, def);
const refuse = (msg: string): never => {
  console.error(`bench mqtt: ${msg}`);
  process.exit(2);
};
const N = num('messages', 300_000);
/** Throughput phases: unpaced by default (as fast as the window of unacknowledged messages allows). */
const RATE = num('rate', 1e9);
/** Unacknowledged messages the publisher keeps in flight. */
const WINDOW = num('window', 20_000);
const ALL_PHASES = ['solo', 'bare', 'takt', 'latency', 'sparkplug'] as const;
type Phase = (typeof ALL_PHASES)[number];
const PHASES = new Set((args.phases ?? ALL_PHASES.join(',')).split(',').map((p) => (ALL_PHASES.includes(p as Phase) ? (p as Phase) : refuse(`--phases: unknown phase '${p}'; phases: ${ALL_PHASES.join(', ')}`))));
const LATENCY_RATE = num('latency-rate', 10_000);
const LATENCY_SECONDS = num('latency-seconds', 60);
const SPB_MESSAGES = num('sparkplug-messages', 20_000);
const METRICS = num('metrics', 100);
if (METRICS < 3) refuse('--metrics must be at least 3 (state, good and scrap)');
const CANONICAL = args.canonical === true;
const QOS = args.qos === undefined ? 1 : args.qos === '0' ? 0 : args.qos === '1' ? 1 : refuse(`--qos must be 0 or 1, got '${args.qos}'`);
/** Diagnostic: `--ack received` acknowledges on receipt (what the connector did before the PUBACK waited for the journal). */
const ACK_WHEN = args.ack === undefined || args.ack === 'journaled' ? 'journaled' : args.ack === 'received' ? 'received' : refuse(`--ack must be journaled or received, got '${args.ack}'`);
/** Diagnostic: `--journal memory` replaces the SQLite journal (to see what the journal costs). */
const MEMORY_JOURNAL = args.journal === 'memory';
/** Diagnostic: `--sink null` counts the connector's signals as applied without ingest, journal or twin (the connector's own cost). */
const NULL_SINK = args.sink === 'null';
const out = (o: object) => console.log(JSON.stringify(o));
const load = () => loadavg().map((l) => +l.toFixed(2));
const root = join(fileURLToPath(import.meta.url), '..', '..');

const plant = demoPlant();
const machines = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => ({ area: a.id, line: l.id, machine: m.id }))));

const broker = await startMosquitto({ extraConfig: (args['broker-config'] ?? '').split(';').filter(Boolean) });
const dir = mkdtempSync(join(tmpdir(), 'takt-bench-mqtt-'));
const journal = MEMORY_JOURNAL
  ? (() => {
      let position = 0;
      return { append: (b: readonly Signal[]) => (position += b.length), get lastPosition() { return position; }, close() {}, waitWriterReady() {} };
    })()
  : openJournal(join(dir, 'journal.db'), { writer: 'worker' });
journal.waitWriterReady?.();
const twin = createTwin(plant, { startTime: Date.now() - 60_000 });

// What the current phase counts: signals applied (journaled, then delivered), latency samples.
const counter = { applied: 0, lastAppliedAt: 0, samples: null as number[] | null };
let deadLetters = 0;
const pipeline = createIngestPipeline({
  index: createPlantIndex(plant),
  horizonMs: 3_600_000,
  journal,
  deliver(batch: Signal[], last: number) {
    twin.applyBatch(batch, last);
    const now = Date.now();
    const samples = counter.samples;
    if (samples) {
      for (let i = 0; i < batch.length; i++) {
        const s = batch[i]!;
        if ((s.seq & 7) === 0 && s.source === 'bench') samples.push(now - s.eventTime);
      }
    }
    counter.applied += batch.length;
    counter.lastAppliedAt = now;
  },
  onDeadLetter: (d) => {
    if (deadLetters++ < 3) out({ note: 'dead letter', reason: d.reason, origin: d.origin });
  },
  scheduler: { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
});
const sink: ConnectorSink = NULL_SINK
  ? {
      push(raw) {
        const s = raw as Signal;
        if (counter.samples && (s.seq & 7) === 0) counter.samples.push(Date.now() - s.eventTime);
        counter.applied++;
        counter.lastAppliedAt = Date.now();
      },
      whenDurable: (cb) => setImmediate(cb),
    }
  : { push: (raw, meta) => pipeline.push(raw, meta), whenDurable: (cb) => pipeline.whenDurable(cb) };

interface PublisherRun {
  started: Promise<number>;
  done: Promise<{ ms: number; cpuUs: number }>;
  kill(): void;
}
let publisherRuns = 0;
function startPublisher(cfg: { n: number; rate: number; root?: string; file?: string; index?: string }): PublisherRun {
  const child = spawn(process.execPath, [join(root, 'bench', '_mqtt-publisher.mjs')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      TAKT_BENCH_PUBLISHER: JSON.stringify({ port: broker.port, window: WINDOW, machines, canonical: CANONICAL, qos: QOS, clientId: `bench-pub-${++publisherRuns}`, idPrefix: `b${publisherRuns}-`, ...cfg }),
    },
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
const perMsg = (us: number, n: number) => +(us / Math.max(1, n)).toFixed(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

out({ note: `machine: ${cpus().length} cores, load average ${load().join(' ')} (other processes share these cores)` });
const summary: Record<string, unknown> = { bench: 'mqtt', messages: N, machines: machines.length, lines: plant.areas.reduce((n, a) => n + a.lines.length, 0), rate: RATE >= 1e9 ? 'unpaced' : RATE, window: WINDOW, qos: QOS };

// 1. The publisher alone: the same stream to topics nobody subscribes to (the broker takes and
//    acknowledges each message and drops it): the ceiling of publisher + broker here.
if (PHASES.has('solo')) {
  const b0 = procCpuUs(broker.pid());
  const r = await startPublisher({ n: N, rate: RATE, root: 'solo' }).done;
  const solo = { msgs_per_s: Math.round(N / (r.ms / 1000)), publisher_cpu_us_per_msg: perMsg(r.cpuUs, N), broker_cpu_us_per_msg: perMsg(procCpuUs(broker.pid()) - b0, N), load: load() };
  out({ phase: 'solo', messages: N, ...solo });
  summary.publisher_alone_msgs_per_s = solo.msgs_per_s;
}

// 2. The bare subscriber: its own process, the same stream under its own topic root.
if (PHASES.has('bare')) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', '_mqtt-bare.ts')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, TAKT_BENCH_BARE: JSON.stringify({ url: broker.url, n: N, filter: 'bare/#' }) },
  });
  const msgs: { ready?: boolean; done?: boolean; lastAt?: number; cpuUs?: number; bad?: number }[] = [];
  child.on('message', (m: (typeof msgs)[number]) => msgs.push(m));
  while (!msgs.some((m) => m.ready)) await sleep(20);
  const b0 = procCpuUs(broker.pid());
  const p = startPublisher({ n: N, rate: RATE, root: 'bare' });
  const first = await p.started;
  const deadline = Date.now() + Math.max(300_000, (N / Math.min(RATE, 1e5)) * 4000);
  while (!msgs.some((m) => m.done) && Date.now() < deadline) await sleep(20);
  const brokerUs = procCpuUs(broker.pid()) - b0;
  const pub = await Promise.race([p.done, sleep(5000).then(() => ({ ms: NaN, cpuUs: NaN }))]);
  const done = msgs.find((m) => m.done);
  child.kill();
  if (!done) refuse('the bare subscriber did not receive every message before the deadline');
  const bare = { msgs_per_s: Math.round(N / ((done!.lastAt! - first) / 1000)), cpu_us_per_msg: perMsg(done!.cpuUs!, N), broker_cpu_us_per_msg: perMsg(brokerUs, N), publisher_cpu_us_per_msg: perMsg(pub.cpuUs, N), unparsable: done!.bad, load: load() };
  out({ phase: 'bare', messages: N, ...bare });
  summary.bare_msgs_per_s = bare.msgs_per_s;
  summary.bare_cpu_us_per_msg = bare.cpu_us_per_msg;
}

// Takt's connector (JSON UNS), used by the takt and latency phases.
const needsConnector = PHASES.has('takt') || PHASES.has('latency');
const mqttConnector = needsConnector
  ? createMqttConnector(
      'bench',
      mqttOptionsSchema.parse({
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
      }),
      { now: () => Date.now(), log: () => undefined, defaultClientId: 'takt-bench' },
    ).connector
  : undefined;
if (mqttConnector) await mqttConnector.start(sink);

/** Runs `n` messages (paced at `rate`) through Takt's connector; returns what it measured. */
async function taktRun(name: string, n: number, rate: number, withLatency: boolean, build?: { file: string; index: string; expected: number }) {
  counter.applied = 0;
  counter.samples = withLatency ? [] : null;
  const expected = build?.expected ?? n;
  const b0 = procCpuUs(broker.pid());
  const publisher = startPublisher({ n, rate, ...(build ? { file: build.file, index: build.index } : { root: 'acme' }) });
  out({ note: `${name}: publishing ${n} messages at ${rate >= 1e9 ? 'full speed' : `${rate}/s`} (QoS ${QOS}, at most ${WINDOW} unacknowledged); PUBACK to the broker ${ACK_WHEN === 'journaled' ? 'after the journal commit' : 'on receipt'}` });
  const firstPublish = await publisher.started;
  const cpu0 = process.cpuUsage();
  let published = false;
  let pub = { ms: NaN, cpuUs: NaN };
  void publisher.done.then((r) => ((published = true), (pub = r)));
  const deadline = Date.now() + Math.max(300_000, (n / Math.min(rate, 1e5)) * 4000);
  let lastReport = Date.now();
  let lastCount = -1;
  let stableSince = Date.now();
  while (counter.applied + deadLetters < expected && Date.now() < deadline) {
    await sleep(50);
    if (counter.applied !== lastCount) {
      lastCount = counter.applied;
      stableSince = Date.now();
    }
    // Everything acknowledged by the broker and nothing new for 3 s: what was not applied will not come.
    if (published && Date.now() - stableSince > 3000 && !(QOS === 1 && ACK_WHEN === 'journaled' && !build)) break;
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      out({ progress: counter.applied, phase: name, load: load() });
    }
  }
  pipeline.flush();
  const cpu = process.cpuUsage(cpu0);
  const brokerUs = procCpuUs(broker.pid()) - b0;
  await Promise.race([publisher.done, sleep(5000)]);
  publisher.kill();
  const applied = counter.applied;
  const samples = (counter.samples ?? []).sort((a, b) => a - b);
  counter.samples = null;
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;
  const seconds = (counter.lastAppliedAt - firstPublish) / 1000;
  return {
    applied,
    complete: applied >= expected,
    msgs_per_s: Math.round((build ? n : applied) / seconds),
    signals_per_s: Math.round(applied / seconds),
    seconds: +seconds.toFixed(2),
    ...(withLatency ? { latency_p50_ms: pct(50), latency_p99_ms: pct(99), latency_max_ms: samples[samples.length - 1] ?? NaN, latency_samples: samples.length } : {}),
    cpu_us_per_msg: perMsg(cpu.user + cpu.system, n),
    cpu_system_us_per_msg: perMsg(cpu.system, n),
    broker_cpu_us_per_msg: perMsg(brokerUs, n),
    publisher_cpu_us_per_msg: perMsg(pub.cpuUs, n),
    load: load(),
  };
}

// --profile FILE: a V8 CPU profile of this process over the takt and sparkplug phases (the last one run wins; open it in Chrome DevTools).
async function profiled<T>(run: () => Promise<T>): Promise<T> {
  if (!args.profile) return run();
  const session = new Session();
  session.connect();
  await new Promise<void>((res, rej) => session.post('Profiler.enable', () => session.post('Profiler.start', (e) => (e ? rej(e) : res()))));
  const r = await run();
  const { profile } = await new Promise<{ profile: object }>((res, rej) => session.post('Profiler.stop', (e, p) => (e ? rej(e) : res(p as { profile: object }))));
  writeFileSync(args.profile, JSON.stringify(profile));
  session.disconnect();
  return r;
}

// 3. Takt, the same stream as the bare subscriber's.
if (PHASES.has('takt')) {
  const r = await profiled(() => taktRun('takt', N, RATE, false));
  out({ phase: 'takt', messages: N, ...r });
  summary.msgs_per_s = r.msgs_per_s;
  summary.cpu_us_per_msg = r.cpu_us_per_msg;
  summary.broker_cpu_us_per_msg = r.broker_cpu_us_per_msg;
  summary.publisher_cpu_us_per_msg = r.publisher_cpu_us_per_msg;
  if (typeof summary.bare_msgs_per_s === 'number') summary.ratio_vs_bare_client = +(r.msgs_per_s / summary.bare_msgs_per_s).toFixed(3);
  if (!r.complete) summary.incomplete = `${r.applied} of ${N} journaled before the deadline`;
}

// 4. Latency at a plant's rate.
if (PHASES.has('latency')) {
  const n = Math.round(LATENCY_RATE * LATENCY_SECONDS);
  const r = await taktRun('latency', n, LATENCY_RATE, true);
  out({ phase: 'latency', messages: n, rate: LATENCY_RATE, ...r });
  summary.latency_messages = n;
  summary.latency_rate = LATENCY_RATE;
  summary.latency_msgs_per_s = r.msgs_per_s;
  summary.latency_p50_ms_at_10k = r.latency_p50_ms;
  summary.latency_p99_ms_at_10k = r.latency_p99_ms;
  summary.latency_cpu_us_per_msg = r.cpu_us_per_msg;
  if (LATENCY_RATE !== 10_000) summary.latency_note = `paced at ${LATENCY_RATE}/s, not 10,000/s`;
  if (!r.complete) summary.latency_incomplete = `${r.applied} of ${n} journaled before the deadline`;
}
if (mqttConnector) await mqttConnector.stop();

// 5. Sparkplug B: births, then DDATA by alias, prepared (encoded) before the clock.
if (PHASES.has('sparkplug')) {
  const sp = (createRequire(import.meta.url)('sparkplug-payload') as typeof sparkplugPayloadModule).get('spBv1.0')!;
  const nodes = plant.areas.flatMap((a) => a.lines.map((l) => ({ node: l.id, devices: l.machines.map((m) => m.id) })));
  const devices = nodes.flatMap((nd) => nd.devices.map((d) => ({ node: nd.node, device: d })));
  const names = ['Machine/State', 'Production/Good', 'Production/Scrap', ...Array.from({ length: METRICS - 3 }, (_, i) => `Process/Value${String(i + 1).padStart(3, '0')}`)];
  const packets: Buffer[] = [];
  const index: number[] = [];
  let at = 0;
  const seq = new Map<string, number>();
  const push = (topic: string, payload: Uint8Array) => {
    const t = Buffer.from(topic, 'utf8');
    const remaining = 2 + t.length + 2 + payload.length;
    const len: number[] = [];
    let x = remaining;
    do {
      let d = x % 128;
      x = Math.floor(x / 128);
      if (x > 0) d |= 128;
      len.push(d);
    } while (x > 0);
    const head = Buffer.from([QOS === 1 ? 0x32 : 0x30, ...len, t.length >> 8, t.length & 0xff]);
    index.push(at, at + head.length + t.length);
    const pkt = Buffer.concat([head, t, Buffer.from([0, 0]), payload]);
    packets.push(pkt);
    at += pkt.length;
  };
  const nextSeq = (node: string) => {
    const s = seq.get(node) ?? -1;
    seq.set(node, (s + 1) % 256);
    return (s + 1) % 256;
  };
  const t0 = Date.now();
  const good = new Map<string, number>();
  for (const nd of nodes) {
    push(`spBv1.0/bench/NBIRTH/${nd.node}`, sp.encodePayload({ timestamp: t0, seq: nextSeq(nd.node), metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Node Control/Rebirth', type: 'Boolean', value: false }] }));
    for (const d of nd.devices) {
      good.set(d, 1000);
      const metrics = names.map((name, k) => ({ name, alias: k + 1, type: k === 0 ? 'String' : k < 3 ? 'UInt64' : 'Float', value: k === 0 ? 'running' : k === 1 ? 1000 : k === 2 ? 0 : 20 + k / 10 }));
      push(`spBv1.0/bench/DBIRTH/${nd.node}/${d}`, sp.encodePayload({ timestamp: t0, seq: nextSeq(nd.node), metrics: metrics as never }));
    }
  }
  const births = packets.length;
  for (let i = 0; i < SPB_MESSAGES; i++) {
    const { node, device } = devices[i % devices.length]!;
    const g = good.get(device)! + 1 + (i % 3);
    good.set(device, g);
    const ts = t0 + 1 + i; // unique per device message: the signal ids carry it
    const metrics = names.map((_, k) => ({ alias: k + 1, type: k === 0 ? 'String' : k < 3 ? 'UInt64' : 'Float', value: k === 0 ? ((i / devices.length) % 10 === 9 ? 'idle' : 'running') : k === 1 ? g : k === 2 ? Math.floor(i / 97) : 20 + ((k * 7 + i) % 100) / 10 }));
    push(`spBv1.0/bench/DDATA/${node}/${device}`, sp.encodePayload({ timestamp: ts, seq: nextSeq(node), metrics: metrics as never }));
  }
  const file = join(dir, 'sparkplug.bin');
  const indexFile = join(dir, 'sparkplug.idx');
  writeFileSync(file, Buffer.concat(packets));
  writeFileSync(indexFile, Buffer.from(new Uint32Array(index).buffer));
  const avgBytes = Math.round((at - packets.slice(0, births).reduce((a, p) => a + p.length, 0)) / SPB_MESSAGES);
  out({ note: `sparkplug: ${births} births then ${SPB_MESSAGES} DDATA of ${METRICS} metrics (about ${avgBytes} bytes each), prepared in ${Date.now() - t0} ms` });

  const host = createSparkplugConnector('spb', sparkplugOptionsSchema.parse({ url: broker.url, groups: ['bench'], source: 'spb', protocolVersion: 5 }), { now: () => Date.now(), log: (l) => out({ note: l }), siteId: 'bench' });
  await host.start(sink);
  // Every DBIRTH gives a state signal; every DDATA a state and a count signal.
  const r = await profiled(() => taktRun('sparkplug', births + SPB_MESSAGES, RATE, false, { file, index: indexFile, expected: devices.length + 2 * SPB_MESSAGES }));
  await host.stop();
  const metricsPerS = Math.round((SPB_MESSAGES * METRICS) / r.seconds);
  out({ phase: 'sparkplug', births, messages: SPB_MESSAGES, metrics_per_message: METRICS, ...r, metrics_per_s: metricsPerS, errors: host.status().errors });
  summary.sparkplug_messages = SPB_MESSAGES;
  summary.sparkplug_metrics_per_message = METRICS;
  summary.sparkplug_metrics_per_s = metricsPerS;
  summary.sparkplug_signals_per_s = r.signals_per_s;
  summary.sparkplug_cpu_us_per_msg = r.cpu_us_per_msg;
  if (!r.complete) summary.sparkplug_incomplete = `${r.applied} of ${devices.length + 2 * SPB_MESSAGES} signals journaled`;
}

pipeline.close();
journal.close();
twin.stop();
await broker.close();
rmSync(dir, { recursive: true, force: true });
summary.load = load();
out(summary);
process.exit(0);
