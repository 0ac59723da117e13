/**
 * The soak run: `takt serve` on a fresh data folder for a number of plant days at a clock speed,
 * fed through the real paths (MQTT QoS 1 through a mosquitto it starts, the webhook POST
 * /api/signals, the embedded simulator), with two consoles open in Chromium, and faults on a seeded
 * schedule (kill -9 and restart, broker restart, disk full, wall-clock step, torn journal tail).
 * It records what was acknowledged, then checks the invariants (invariants.ts) and returns the
 * report (report.ts writes it).
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { parse, stringify } from 'yaml';
import { freePort, startMosquitto } from '../../test/helpers/mosquitto';
import { connectProtocolClient } from '../../main/core/hosts/browser/ws-transport';
import { coreProcess } from './core-process';
import { prepareAccess } from './access';
import { openConsoles, reconnectTimes } from './consoles';
import { fillDisk, freeDisk, mountSizeLimited, tearJournalTail, unmount } from './disk';
import { diskFullReport } from './disk-log';
import { checkJournal, checkResumeHashes, percentile, verifyChains } from './invariants';
import { detectionStats, rssSlope } from './steady';
import { faultSchedule, type Fault } from './schedule';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;
const RSS_WARMUP_MS = 60_000;
/** A process's post-warm-up RSS must span this much to give a slope (shorter: GC noise, not a trend). */
const RSS_MIN_SPAN_MS = 120_000;
const RSS_MIN_SPAN_DAYS = 0.25;
/** How often the core forces a full GC and writes its live heap (soak only: main/cli/heap-sampler.ts). */
const HEAP_EVERY_MS = 10_000;
/** Faulted-phase probes sent this soon after a restart are also reported apart (a slower core after a restart). */
const DETECT_SETTLE_MS = 30_000;
const MACHINES = ['DD-L1-MIX', 'DD-L1-FIL', 'DD-L1-CHK', 'DD-L1-PAK', 'DD-L1-PAL'];

export interface SoakOptions {
  plantDays: number;
  speed: number;
  seed: number;
  faults: boolean;
  out: string;
  /**
   * Plant days at the start kept free of faults (warm-up, the detection baseline, and one process
   * long-lived enough to fit an RSS slope). Default: the first 15 % of the run.
   */
  faultFreeDays?: number;
  /** Size of the data folder's tmpfs (MiB). */
  diskMb?: number;
  /** Lower bounds on fault counts (the CI soak). */
  minFaults?: Partial<Record<'kill' | 'broker' | 'disk-full' | 'clock-step' | 'torn', number>>;
  /** Reconnect bound the run reports against (ms). */
  reconnectLimitMs?: number;
  log?: (line: string) => void;
}

export interface FaultEvent {
  kind: Fault['kind'];
  /** Real ms since the run started, and plant days since it started. */
  t: number;
  plantDay: number;
  durationMs: number;
  detail: Record<string, unknown>;
}

export interface Sample {
  t: number;
  plantDay: number;
  incarnation: number;
  rssMb: number | null;
  /** Live heap after a forced full GC (MiB), when the core wrote a new heap sample since the last second. */
  heapMb: number | null;
  /** Round trip of GET /api/health (ms): the core's event-loop lag plus one HTTP exchange on loopback. */
  lagMs: number | null;
  ingestPerSec: number | null;
}

export async function runSoak(o: SoakOptions) {
  const log = o.log ?? ((l: string) => console.log(l));
  mkdirSync(o.out, { recursive: true });
  const work = join(o.out, 'run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dataDir = join(work, 'data');
  const sizeLimited = mountSizeLimited(dataDir, o.diskMb ?? 256);
  if (!sizeLimited) log('soak: cannot mount a size-limited tmpfs here (needs root): the disk-full fault is left out');
  const broker = await startMosquitto();
  const plant = parse(readFileSync(join(repoRoot, 'resources/plants/demo-plant.yaml'), 'utf8')) as Record<string, unknown>;
  plant.connectors = [
    {
      id: 'uns',
      kind: 'mqtt',
      replacesSimulator: false,
      options: {
        url: broker.url,
        clientId: 'takt-soak',
        ackWhen: 'journaled',
        reconnect: { minMs: 100, maxMs: 1000 },
        mappings: [{ topic: 'acme/{area}/{line}/{machine}/count', type: 'production.count', id: '$.id', eventTime: '$.ts', fields: { machine: '{machine}', good: '$.good', scrap: '$.scrap' } }],
      },
    },
  ];
  const plantFile = join(work, 'plant.yaml');
  writeFileSync(plantFile, stringify(plant));
  const wallClockFile = join(work, 'wall-clock-offset');
  writeFileSync(wallClockFile, '0');
  const core = coreProcess({ repoRoot, port: await freePort(), dataDir, plantFile, speed: o.speed, seed: o.seed, wallClockFile, logFile: join(o.out, 'core.log'), heapFile: join(work, 'heap.jsonl'), heapEveryMs: HEAP_EVERY_MS });
  writeFileSync(join(o.out, 'core.log'), '');

  const crews = (plant.crews ?? []) as { members?: { id: string; role?: string }[] }[];
  const controllerId = crews.flatMap((c) => c.members ?? []).find((m) => m.role === 'controller')?.id;
  if (!controllerId) throw new Error('soak: the demo plant has no controller to sign in as');
  const access = prepareAccess(repoRoot, dataDir, work, controllerId);
  const auth = access.headers;
  const t0 = Date.now();
  const acked = new Set<string>();
  const faults: FaultEvent[] = [];
  const samples: Sample[] = [];
  const restarts: { down: number; listening: number; healthy: number }[] = [];
  const probes: { t: number; plantDay: number; latencyMs: number; phase: 'baseline' | 'faults' }[] = [];
  let incarnation = 0;
  let up = false;
  let health = { time: 0, position: 0, at: 0 };
  let startPlant = 0;
  let clockOffset = 0;
  let webhookRefused = 0;
  const plantDay = () => (health.time - startPlant) / DAY;

  await core.start();
  up = true;
  const session = await access.signIn(core.url);
  const consoles = await openConsoles(core.url, 2, session);
  const h0 = (await (await fetch(`${core.url}api/health`, { headers: auth })).json()) as { time: number; position: number };
  startPlant = h0.time;
  health = { time: h0.time, position: h0.position, at: Date.now() };
  log(`soak: core at ${core.url}, data ${dataDir}${sizeLimited ? ` (tmpfs ${o.diskMb ?? 256} MiB)` : ''}, broker ${broker.url}; ${o.plantDays} plant days at ×${o.speed}`);

  let stopping = false;
  const loops: Promise<void>[] = [];
  const every = (ms: number, f: () => Promise<void>) =>
    loops.push(
      (async () => {
        while (!stopping) {
          try {
            await f();
          } catch {
            /* a fault in progress: the next round tries again */
          }
          await new Promise((r) => setTimeout(r, ms));
        }
      })(),
    );

  // Health, memory, lag and ingest rate, once a second.
  let lastPos = { position: 0, at: 0 };
  every(1000, async () => {
    const rss = core.rss();
    const heap = core.heapSample();
    let lagMs: number | null = null;
    let ingest: number | null = null;
    if (up) {
      const a = performance.now();
      const r = await fetch(`${core.url}api/health`, { headers: auth, signal: AbortSignal.timeout(5000) });
      const h = (await r.json()) as { time: number; position: number };
      lagMs = performance.now() - a;
      health = { time: h.time, position: h.position, at: Date.now() };
      if (lastPos.at > 0 && h.position >= lastPos.position) ingest = ((h.position - lastPos.position) * 1000) / (health.at - lastPos.at);
      lastPos = { position: h.position, at: health.at };
    }
    samples.push({ t: Date.now() - t0, plantDay: plantDay(), incarnation, rssMb: rss === undefined ? null : rss / 2 ** 20, heapMb: heap ? heap.heapUsed / 2 ** 20 : null, lagMs, ingestPerSec: ingest });
  });

  // The webhook: a batch of counts every half second; acknowledged = 2xx and not rejected.
  let whSeq = 0;
  every(500, async () => {
    if (!up) return;
    const batch = Array.from({ length: 5 }, (_, i) => {
      const n = ++whSeq;
      return { id: `wh-${n}`, source: 'soak-webhook', seq: n, eventTime: health.time, receiveTime: health.time, type: 'production.count', machine: MACHINES[i % MACHINES.length], good: 1, scrap: 0 };
    });
    const r = await fetch(`${core.url}api/signals`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ signals: batch }), signal: AbortSignal.timeout(20_000) });
    if (r.status === 503) webhookRefused++;
    if (!r.ok) return;
    const res = (await r.json()) as { rejected: { index: number }[] };
    const bad = new Set(res.rejected.map((x) => x.index));
    batch.forEach((s, i) => !bad.has(i) && acked.add(`soak-webhook ${s.id}`));
  });

  // MQTT: one QoS 1 count every 200 ms on a persistent session; acknowledged = PUBACK.
  const pub = await mqtt.connectAsync(broker.url, { clientId: 'soak-publisher', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 86_400 }, reconnectPeriod: 200 });
  pub.on('error', () => undefined);
  let mqSeq = 0;
  const pending = new Set<Promise<void>>();
  every(200, async () => {
    if (!pub.connected || pending.size > 500) return;
    const n = ++mqSeq;
    const machine = MACHINES[n % MACHINES.length]!;
    const p = pub
      .publishAsync(`acme/DD/DD-L1/${machine}/count`, JSON.stringify({ id: `mq-${n}`, ts: health.time, good: 1, scrap: 0 }), { qos: 1 })
      .then(
        () => void acked.add(`uns mq-${n}`),
        () => undefined,
      );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });

  // Exception detection: a line-down through the webhook, timed until GET /api/exceptions shows it.
  let probeSeq = 0;
  const warmup = o.faultFreeDays === undefined ? 0.15 : Math.min(0.9, Math.max(0, o.faultFreeDays / o.plantDays));
  // Probes that got no timing: refused (503 while the disk is full), cut off by a kill, or not shown in 60 s.
  const probeMisses = { refused: 0, aborted: 0, timedOut: 0 };
  // Rounds that sent no probe because no line could take one, by why (the last reason that ruled out the last line).
  const probeSkipped = { noQueuedWork: 0, lineDown: 0, lineDownActive: 0, noMachineUp: 0, failed: 0, lastError: '' };
  // After each timed probe the machine is set running again: whether its line-down's condition cleared.
  const probeReturn = { returned: 0, stillActive: 0 };
  every(3000, async () => {
    if (!up) return;
    try {
      await probe();
    } catch (e) {
      // Counted (the loop would swallow it): a round that failed sent no probe and timed nothing.
      probeSkipped.failed++;
      probeSkipped.lastError = String((e as Error).message ?? e).slice(0, 200);
      throw e;
    }
  });
  // A person acknowledges each detected line-down, and every other one gets a decision committed:
  // audit entries and decision receipts, so the hash chains checked at the end have links to check.
  let controller: string | undefined;
  const commits = { ok: 0, failed: 0, acknowledged: 0 };
  async function decideOn(ws: Awaited<ReturnType<typeof connectProtocolClient>>, lineId: string): Promise<void> {
    try {
      if (!controller) controller = (await ws.call('plant.get')).crews.flatMap((c) => c.members).find((m) => m.role === 'controller')?.id;
      if (!controller) return;
      const ex = (await ws.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === lineId);
      if (!ex) return;
      await ws.call('exceptions.acknowledge', { id: ex.id, by: controller });
      commits.acknowledged++;
      if (probeSeq % 4 !== 1) return;
      const { options } = await ws.call('decide.options', { exceptionId: ex.id });
      const chosen = options.find((op) => op.feasible);
      if (!chosen) return;
      await ws.call('decisions.commit', { exceptionId: ex.id, optionId: chosen.id, by: controller, comment: 'soak' });
      commits.ok++;
    } catch {
      commits.failed++; // a refusal (approval rules, a fault in progress): the chains only need some links
    }
  }
  // The staffed shift: every plant half hour the operator, signed in as the controller, acknowledges
  // what is annunciated and unacknowledged, so exceptions that returned to normal close as they
  // would in a staffed control room (ISA-18.2: a return to normal stays open until acknowledged).
  const operator = { rounds: 0, acknowledged: 0, failed: 0, openMax: 0, openLast: 0 };
  every(Math.max(1000, (30 * 60_000) / o.speed), async () => {
    if (!up) return;
    const ws = await connectProtocolClient(`${core.url.replace('http', 'ws')}ws`, 10_000, { session });
    try {
      if (!controller) controller = (await ws.call('plant.get')).crews.flatMap((c) => c.members).find((m) => m.role === 'controller')?.id;
      if (!controller) return;
      const items = (await ws.call('exceptions.list')).items;
      operator.rounds++;
      for (const ex of items.filter((e) => e.state === 'active-unacknowledged' || e.state === 'rtn-unacknowledged')) {
        try {
          await ws.call('exceptions.acknowledge', { id: ex.id, by: controller });
          operator.acknowledged++;
        } catch {
          operator.failed++; // acknowledged meanwhile by the probe, or a fault in progress
        }
      }
      const left = (await ws.call('exceptions.list')).items.length;
      operator.openLast = left;
      operator.openMax = Math.max(operator.openMax, left);
    } finally {
      ws.close();
    }
  });
  async function probe(): Promise<void> {
    const ws = await connectProtocolClient(`${core.url.replace('http', 'ws')}ws`, 10_000, { session });
    try {
      const view = await ws.call('twin.view');
      const open = (await ws.call('exceptions.list')).items;
      // A line whose line-down returned to normal but is not yet acknowledged can take a probe: the
      // condition coming back re-annunciates that same record (ISA-18.2), which is what is timed.
      const line = view.lines.find((l) => l.queue.length > 0 && l.status !== 'down' && !open.some((e) => e.type === 'line-down' && e.subject.lineId === l.id && e.conditionActive));
      const machine = line && view.machines.find((m) => m.lineId === line.id && m.state !== 'down');
      if (!line || !machine) {
        if (line) probeSkipped.noMachineUp++;
        else if (view.lines.every((l) => l.queue.length === 0)) probeSkipped.noQueuedWork++;
        else if (view.lines.every((l) => l.queue.length === 0 || l.status === 'down')) probeSkipped.lineDown++;
        else probeSkipped.lineDownActive++;
        return;
      }
      const info = await ws.call('core.info');
      const stamp = (extra: number) => {
        const n = ++probeSeq;
        const t = info.clock.now + extra;
        return { id: `probe-${n}`, source: 'soak-probe', seq: n, eventTime: t, receiveTime: t, type: 'machine.state' };
      };
      const down = { ...stamp(1), machine: machine.id, state: 'down', reason: 'soak probe' };
      const r = await fetch(`${core.url}api/signals`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ signals: [down] }), signal: AbortSignal.timeout(20_000) });
      if (!r.ok) {
        probeMisses.refused++;
        return;
      }
      if (((await r.json()) as { rejected: unknown[] }).rejected.length) return;
      acked.add(`soak-probe ${down.id}`);
      const sent = Date.now();
      const day = plantDay();
      try {
        for (;;) {
          if (Date.now() - sent > 60_000) {
            probeMisses.timedOut++;
            return;
          }
          const ex = (await (await fetch(`${core.url}api/exceptions?lineId=${encodeURIComponent(line.id)}`, { headers: auth, signal: AbortSignal.timeout(5000) })).json()) as { items: { type: string; conditionActive?: boolean }[] };
          if (ex.items.some((e) => e.type === 'line-down' && e.conditionActive !== false)) break;
          await new Promise((res) => setTimeout(res, 50));
        }
      } catch (e) {
        probeMisses.aborted++;
        throw e;
      }
      probes.push({ t: sent - t0, plantDay: day, latencyMs: Date.now() - sent, phase: day < warmup * o.plantDays || !o.faults ? 'baseline' : 'faults' });
      await decideOn(ws, line.id);
      const info2 = await ws.call('core.info');
      const n = ++probeSeq;
      const back = { id: `probe-${n}`, source: 'soak-probe', seq: n, eventTime: info2.clock.now + 1, receiveTime: info2.clock.now + 1, type: 'machine.state', machine: machine.id, state: 'running' };
      const r2 = await fetch(`${core.url}api/signals`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ signals: [back] }), signal: AbortSignal.timeout(20_000) });
      if (r2.ok && ((await r2.json()) as { rejected: unknown[] }).rejected.length === 0) acked.add(`soak-probe ${back.id}`);
      else return;
      // The probe's line-down must return to normal (the operator then closes it); another machine
      // of the line down by the simulator keeps it active, which is counted, not failed.
      const until = Date.now() + 10_000;
      for (;;) {
        const still = (await ws.call('exceptions.list')).items.some((e) => e.type === 'line-down' && e.subject.lineId === line.id && e.conditionActive);
        if (!still) {
          probeReturn.returned++;
          break;
        }
        if (Date.now() > until) {
          probeReturn.stillActive++;
          break;
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    } finally {
      ws.close();
    }
  }

  // --- faults
  const schedule = o.faults ? faultSchedule({ plantDays: o.plantDays, seed: o.seed, warmup, min: o.minFaults, diskFull: sizeLimited }) : [];
  log(`soak: ${schedule.length} faults scheduled (${['kill', 'broker', 'disk-full', 'clock-step'].map((k) => `${schedule.filter((f) => f.kind === k).length} ${k}`).join(', ')}, ${schedule.filter((f) => f.torn).length} torn tails)`);
  let next = 0;
  let lastProgress = 0;
  const storeBytes = () => dirBytes(join(dataDir, 'store'));
  const journalBytes = () => ['journal.sqlite', 'journal.sqlite-wal'].reduce((a, f) => a + (existsSync(join(dataDir, f)) ? statSync(join(dataDir, f)).size : 0), 0);
  const growth: { plantDay: number; journal: number; store: number }[] = [];
  while (plantDay() < o.plantDays) {
    await new Promise((r) => setTimeout(r, 200));
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      growth.push({ plantDay: plantDay(), journal: journalBytes(), store: storeBytes() });
      log(`soak: plant day ${plantDay().toFixed(3)} / ${o.plantDays}, position ${health.position}, acknowledged ${acked.size}, faults ${faults.length}/${schedule.length}`);
    }
    const f = schedule[next];
    if (!f || plantDay() < f.at * o.plantDays) continue;
    next++;
    const at = Date.now();
    const detail: Record<string, unknown> = {};
    if (f.kind === 'kill') {
      up = false;
      await core.kill9();
      const down = Date.now();
      incarnation++;
      if (f.torn) detail.tornBytes = tearJournalTail(dataDir);
      const back = await core.start();
      up = true;
      restarts.push({ down, ...back });
      detail.restartMs = back.healthy - down;
    } else if (f.kind === 'broker') {
      await broker.stop();
      await new Promise((r) => setTimeout(r, 2000));
      await broker.start();
    } else if (f.kind === 'disk-full') {
      const from = core.logLength();
      const filler = fillDisk(dataDir);
      // The core notices when a write needs a new block: the WAL reuses its file after a checkpoint,
      // so that can take a while; the disk stays full until it does (or two minutes).
      const deadline = Date.now() + 120_000;
      let banner = false;
      while (Date.now() < deadline && !/journal cannot be written/.test(core.logSince(from))) await new Promise((r) => setTimeout(r, 200));
      // Whichever part of the core meets the full disk first must say so in the log, clearly: the
      // cause and the folder it could not write (the exceptions file or the store often run out
      // before the journal, whose WAL reuses its file after a checkpoint). A line without the
      // folder ("database or disk is full") does not count.
      const first = diskFullReport(core.logSince(from), dataDir);
      detail.pausedLogged = first !== undefined;
      detail.firstReport = first?.slice(0, 160);
      detail.journalPausedLogged = /journal cannot be written/.test(core.logSince(from));
      for (let i = 0; i < 50 && !banner; i++) {
        banner = await consoles.showsPaused();
        if (!banner) await new Promise((r) => setTimeout(r, 200));
      }
      detail.consoleShowed = banner;
      await new Promise((r) => setTimeout(r, 3000));
      freeDisk(filler);
      const d2 = Date.now() + 30_000;
      while (Date.now() < d2 && !/journal is written again/.test(core.logSince(from))) await new Promise((r) => setTimeout(r, 200));
      detail.resumed = /journal is written again/.test(core.logSince(from));
    } else {
      clockOffset += f.stepMs ?? 0;
      writeFileSync(wallClockFile, String(clockOffset));
      detail.stepMs = f.stepMs;
      detail.offsetMs = clockOffset;
    }
    faults.push({ kind: f.kind, t: at - t0, plantDay: plantDay(), durationMs: Date.now() - at, detail });
    log(`soak: fault ${f.kind}${f.torn ? ' (torn tail)' : ''} at plant day ${plantDay().toFixed(3)}: ${JSON.stringify(detail)}`);
  }

  // --- drain and stop
  stopping = true;
  await Promise.all(loops);
  await Promise.race([Promise.all([...pending]), new Promise((r) => setTimeout(r, 30_000))]);
  await new Promise((r) => setTimeout(r, 2000));
  growth.push({ plantDay: plantDay(), journal: journalBytes(), store: storeBytes() });
  const consoleEvents = await consoles.events();
  const consoleErrors = consoles.errors();
  await consoles.close();
  await pub.endAsync(true);
  await core.stop();
  await broker.close();

  const report = { ...(await summarise({ o, dataDir, plantFile, acked, faults, samples, restarts, probes, consoleEvents, consoleErrors, core, growth, webhookRefused, sizeLimited, realMs: Date.now() - t0, days: plantDay() })), commits, operator, probeMisses, probeSkipped, probeReturn, faultFreeDays: Number((warmup * o.plantDays).toFixed(3)) };
  unmount(dataDir);
  return report;
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

async function summarise(x: {
  o: SoakOptions;
  dataDir: string;
  plantFile: string;
  acked: Set<string>;
  faults: FaultEvent[];
  samples: Sample[];
  restarts: { down: number; listening: number; healthy: number }[];
  probes: { t: number; plantDay: number; latencyMs: number; phase: 'baseline' | 'faults' }[];
  consoleEvents: { t: number; status: string; paused: boolean }[][];
  consoleErrors: string[];
  core: ReturnType<typeof coreProcess>;
  growth: { plantDay: number; journal: number; store: number }[];
  webhookRefused: number;
  sizeLimited: boolean;
  realMs: number;
  days: number;
}) {
  const { o } = x;
  const limit = o.reconnectLimitMs ?? 5000;
  const j = checkJournal(x.dataDir, x.acked);
  const hashes = await checkResumeHashes(x.plantFile, x.dataDir, x.core.resumes);
  const chains = verifyChains(repoRoot, x.dataDir);
  // "Back" is when the restarted core listens again (it accepts consoles from then on, a little before
  // /api/health answers ok): the stricter of the two readings; the one from health is reported too.
  const rc = reconnectTimes(x.consoleEvents, x.restarts.map((r) => ({ down: r.down, back: r.listening })), Math.max(limit, 30_000));
  const rcHealthy = reconnectTimes(x.consoleEvents, x.restarts.map((r) => ({ down: r.down, back: r.healthy })), Math.max(limit, 30_000));
  // Outages: a kill until the restarted core answered healthy; a full disk from filling to resuming.
  const outages = x.faults.filter((f) => f.kind === 'kill' || f.kind === 'disk-full').map((f) => ({ kind: f.kind, from: f.t, to: f.t + f.durationMs }));
  const detection = detectionStats(x.probes, outages, outages.filter((w) => w.kind === 'kill').map((w) => w.to), DETECT_SETTLE_MS);
  // RSS after warm-up: each process's first RSS_WARMUP_MS of real time left out (boot, the consoles'
  // first views, the deferred store, the first decision loading the commit and planning code: its
  // memory rises for about a minute, then stays flat); the slope only over processes that then lived
  // long enough for a trend to stand out of the GC's sawtooth (steady.ts), else null with the reason.
  const slopePolicy = { warmupMs: RSS_WARMUP_MS, minSpanMs: RSS_MIN_SPAN_MS, minSpanDays: RSS_MIN_SPAN_DAYS, preferIncarnation: 0 };
  const rss = rssSlope(x.samples, slopePolicy);
  const slope = rss.slope;
  // The same rule on the live heap after a forced GC: what a leak grows, without the allocator's slack.
  const heap = rssSlope(
    x.samples.map((s) => ({ ...s, rssMb: s.heapMb })),
    slopePolicy,
  );
  const g0 = x.growth[0]!;
  const g1 = x.growth[x.growth.length - 1]!;
  const perDay = (a: number, b: number) => (g1.plantDay > g0.plantDay ? (b - a) / (g1.plantDay - g0.plantDay) : null);
  const count = (k: string) => x.faults.filter((f) => f.kind === k).length;
  const disk = x.faults.filter((f) => f.kind === 'disk-full');
  const summary = {
    bench: 'soak',
    plant_days: Number(x.days.toFixed(3)),
    kills: count('kill'),
    broker_restarts: count('broker'),
    disk_full_events: disk.length,
    lost: j.lost.length,
    duplicate_effects: j.duplicates.length,
    hash_mismatches: hashes.mismatches.length,
    chain_failures: chains.ok ? 0 : 1,
    reconnect_p95_ms: percentile(rc.times, 95),
    detect_p95_ratio: detection.ratio,
    rss_slope_mb_per_day: slope === null ? null : Number(slope.toFixed(2)),
    heap_slope_mb_per_day: heap.slope === null ? null : Number(heap.slope.toFixed(2)),
  };
  return {
    summary,
    speed: o.speed,
    seed: o.seed,
    realSeconds: Math.round(x.realMs / 1000),
    acknowledged: x.acked.size,
    journalRows: j.rows,
    ackedDeadLettered: j.ackedDeadLettered,
    lostIds: j.lost.slice(0, 20),
    duplicateIds: j.duplicates.slice(0, 20),
    hashes: { checked: hashes.checked, mismatches: hashes.mismatches.slice(0, 5) },
    chains,
    reconnect: { restarts: x.restarts.length, pages: x.consoleEvents.length, missed: rc.missed, limitMs: limit, p50: percentile(rc.times, 50), p95: percentile(rc.times, 95), max: rc.times.length ? Math.max(...rc.times) : null, p95AfterHealthy: percentile(rcHealthy.times, 95) },
    detection,
    disk: { sizeLimited: x.sizeLimited, events: disk.map((d) => d.detail), webhookRefused: x.webhookRefused },
    rssSteady: rss,
    heapSteady: heap,
    heapEveryMs: HEAP_EVERY_MS,
    tornTails: x.faults.filter((f) => f.detail.tornBytes !== undefined).length,
    clockSteps: count('clock-step'),
    growthPerPlantDay: { journalMB: nullMB(perDay(g0.journal, g1.journal)), storeMB: nullMB(perDay(g0.store, g1.store)), journalFinalMB: g1.journal / 2 ** 20, storeFinalMB: g1.store / 2 ** 20 },
    consoleErrors: x.consoleErrors.slice(0, 20),
    faults: x.faults,
    samples: x.samples,
    probes: x.probes,
    growth: x.growth,
  };
}

const nullMB = (b: number | null) => (b === null ? null : Number((b / 2 ** 20).toFixed(3)));
