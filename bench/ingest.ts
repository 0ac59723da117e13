/**
 * Ingest benchmark: a synthetic stream of canonical signals (JSON text lines; ~60% production.count,
 * ~25% machine.state, the rest ERP/MES others; ~1% duplicates; ~3% out of order inside the
 * lateness window, ~0.1% beyond it) through the whole pipeline: validate, dedupe, reorder, journal
 * to a real SQLite file in a temp dir, deliver (the twin's applyBatch when shared/twin/twin.ts
 * exists, else a fold). Compares with the ceiling: JSON.parse + Map update of the same lines.
 *
 * The stream comes from a seeded generator (the same seed gives the same lines) and is held as one
 * UTF-8 Buffer plus line offsets, not as a million JS strings: the timed loop cuts each line out of
 * the Buffer as a fresh string (as a socket or file connector would), and the input is released
 * before the RSS reading (after a full GC), so that RSS is the core's: dedupe keys, twin, journal.
 * The ceiling parses the same lines (cut out untimed, chunk by chunk; each chunk parsed twice, the
 * faster counts). The pipeline's clock covers cutting, pushing, the final flush and the wait until
 * the journal's writer thread has committed everything; it starts once that thread is up.
 *
 *   npx tsx bench/ingest.ts [--json] [--plant demo|large] [--seed N] [--signals N] [--short-ids] [--lateness MS] [--sync NORMAL] [--writer worker|inline] [--batch N] [--fold] [--delta-ms MS] [--profile FILE]
 *
 * `--delta-ms 16` also takes the twin's delta after a batch once 16 ms have passed since the last
 * (as the core does for its consoles, at most one per 16 ms): the twin's actors then get their
 * SYNCs and the view is rebuilt and diffed at that rate, which the default (no reader) leaves out.
 *
 * One JSON object per line; the last line is the summary.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Plant } from '../shared/plant/schema';
import type { Signal } from '../shared/signals/schema';
import { createPlantIndex } from '../shared/ingest/plant-index';
import { createIngestPipeline } from '../shared/ingest/pipeline';
import { createRng } from '../shared/sim/random';
import { openJournal } from '../main/core/persistence/journal';
import { benchArgs, numberFlag } from './_args';
import { demoPlant, largePlant, plantCase } from './_large-plant';

const args = benchArgs('ingest', {
  plant: { type: 'string' },
  signals: { type: 'string' },
  'short-ids': { type: 'boolean' },
  lateness: { type: 'string' },
  sync: { type: 'string' },
  writer: { type: 'string' },
  batch: { type: 'string' },
  uncommitted: { type: 'string' },
  fold: { type: 'boolean' },
  'delta-ms': { type: 'string' },
  profile: { type: 'string' },
  seed: { type: 'string' },
});
const num = (flag: string, value: string | undefined, def: number) => numberFlag('ingest', flag, value, def);
/** `--plant demo` (the default: 51 machines in 10 lines) or `--plant large` (bench/_large-plant.ts: 1,000 machines, 60 lines, 4 halls). */
const PLANT = args.plant ?? 'demo';
if (PLANT !== 'demo' && PLANT !== 'large') {
  console.error(`bench ingest: --plant must be 'demo' or 'large', got '${PLANT}'`);
  process.exit(2);
}
const N = num('signals', args.signals, 1_000_000);
const LATENESS = num('lateness', args.lateness, 2000);
// The journal's default (an fsync per batch) unless `--sync normal` (no fsync per commit) is asked for.
const SYNC = (args.sync ?? 'FULL').toUpperCase() === 'NORMAL' ? 'NORMAL' : 'FULL';
const WRITER = args.writer === 'inline' ? 'inline' : 'worker';
const BATCH = num('batch', args.batch, 4096);
const UNCOMMITTED = args.uncommitted === undefined ? undefined : num('uncommitted', args.uncommitted, 0);
const CHUNK = 65_536;
/** Wall milliseconds between the twin deltas taken (0: none). */
const DELTA_MS = num('delta-ms', args['delta-ms'], 0);
/** Seed of the signal stream (and of the large plant). */
const SEED = num('seed', args.seed, 42);
/**
 * Ids as the embedded simulator writes them: source, run (its start time in base 36), sequence
 * ("mes-mjuohs00-123456"). `--short-ids` gives "mes-123456" instead: V8's JSON.parse interns string
 * values of up to 10 characters, so unique ids that short cost a string-table insertion each
 * (~8% of the throughput here); none of Takt's own sources writes ids that short, a plant's MES may.
 */
const SHORT_IDS = args['short-ids'] === true;
const out = (o: object) => console.log(JSON.stringify(o));
const root = join(fileURLToPath(import.meta.url), '..', '..');

// ---- plant: the demo plant, or the large one generated from the seed
function loadPlant(): { plant: Plant; from: string } {
  if (PLANT === 'large') return { plant: largePlant({ seed: SEED }), from: `bench/_large-plant.ts (seed ${SEED})` };
  return { plant: demoPlant(), from: 'resources/plants/demo-plant.yaml' };
}

// ---- stream: a seeded generator of JSON lines, consumed in chunks
interface StreamGen {
  next(max: number): string[];
}
function createStream(plant: Plant, n: number): StreamGen {
  const rng = createRng(SEED);
  const machines = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => m.id)));
  const lines = plant.areas.flatMap((a) => a.lines.map((l) => l.id));
  const skus = plant.products.map((p) => p.sku);
  const components = plant.components.map((c) => c.id);
  const locations = [...new Set([...plant.locations.map((l) => l.id), ...plant.components.flatMap((c) => c.stock.map((s) => s.location))])];
  const customers = plant.customers.map((c) => c.id);
  const states = ['running', 'idle', 'down', 'changeover', 'blocked', 'starved'] as const;
  const t0 = Date.UTC(2026, 0, 1);
  const runTag = SHORT_IDS ? '' : `${t0.toString(36)}-`;
  const recent: string[] = new Array(128); // ring of the last lines, for re-deliveries
  let produced = 0;
  let mesSeq = 0;
  let erpSeq = 0;
  let i = 0;
  const q = JSON.stringify;
  return {
    next(max) {
      const out: string[] = [];
      while (out.length < max && produced < n) {
        let line: string;
        if (produced > 100 && rng.chance(0.01)) {
          line = recent[(produced - 1 - rng.int(0, 100)) & 127]!; // a re-delivery
          i++;
        } else {
          let et = t0 + i * 10;
          const r = rng.next();
          if (r < 0.03) et -= rng.int(1, Math.max(1, LATENESS - 100)); // out of order, inside the window
          else if (r < 0.031) et -= LATENESS + rng.int(100, 5000); // beyond the window: late
          const env = (source: string, seq: number) => `{"id":"${source}-${runTag}${seq}","source":"${source}","seq":${seq},"eventTime":${et},"receiveTime":${et + 5},`;
          const k = rng.next();
          if (k < 0.6) line = `${env('mes', ++mesSeq)}"type":"production.count","machine":${q(rng.pick(machines))},"orderId":"SO-${rng.int(1000, 1100)}","good":${rng.int(0, 20)},"scrap":${rng.int(0, 1)}}`;
          else if (k < 0.85) line = `${env('mes', ++mesSeq)}"type":"machine.state","machine":${q(rng.pick(machines))},"state":"${rng.pick(states)}","reason":"auto"}`;
          else if (k < 0.88) line = `${env('erp', ++erpSeq)}"type":"inventory.issue","component":${q(rng.pick(components))},"location":${q(rng.pick(locations))},"qty":${rng.int(1, 50)},"line":${q(rng.pick(lines))}}`;
          else if (k < 0.9) line = `${env('erp', ++erpSeq)}"type":"inventory.receipt","component":${q(rng.pick(components))},"location":${q(rng.pick(locations))},"qty":${rng.int(100, 1000)},"lot":"LOT-${i}"}`;
          else if (k < 0.92) line = `${env('mes', ++mesSeq)}"type":"order.started","orderId":"SO-${rng.int(1000, 1100)}","line":${q(rng.pick(lines))}}`;
          else if (k < 0.94) line = `${env('mes', ++mesSeq)}"type":"order.completed","orderId":"SO-${rng.int(1000, 1100)}","line":${q(rng.pick(lines))}}`;
          else if (k < 0.96) line = `${env('mes', ++mesSeq)}"type":"labour.clockIn","person":"P${rng.int(1, 80)}","line":${q(rng.pick(lines))}}`;
          else if (k < 0.97) line = `${env('mes', ++mesSeq)}"type":"quality.deviation","line":${q(rng.pick(lines))},"description":"fill weight drift"}`;
          else if (k < 0.98) line = `${env('erp', ++erpSeq)}"type":"demand.changed","sku":${q(rng.pick(skus))},"qtyDelta":${rng.int(-100, 100)},"customer":${q(rng.pick(customers))}}`;
          else if (k < 0.99) line = `${env('erp', ++erpSeq)}"type":"po.eta","po":"PO-${rng.int(1, 200)}","component":${q(rng.pick(components))},"qty":500,"eta":${et + 86_400_000}}`;
          else line = `${env('erp', ++erpSeq)}"type":"order.priority","orderId":"SO-${rng.int(1000, 1100)}","priority":${rng.int(1, 5)}}`;
          i++;
        }
        recent[produced & 127] = line;
        produced++;
        out.push(line);
      }
      return out;
    },
  };
}

// ---- deliver: the twin when it exists, else a fold
type Deliver = (batch: Signal[], last: number) => void;
/** Deltas taken (`--delta-ms`). */
let deltas = 0;
async function makeDeliver(plant: Plant, startTime: number): Promise<{ deliver: Deliver; kind: string; check: () => string }> {
  if (existsSync(join(root, 'shared/twin/twin.ts')) && !args.fold) {
    try {
      const mod = (await import('../shared/twin/twin' as string)) as { createTwin?: (p: Plant, o: object) => { applyBatch(b: Signal[], p: number): void; hash?(): string; takeDelta?(): unknown } };
      if (mod.createTwin) {
        const twin = mod.createTwin(plant, { startTime });
        let lastDelta = performance.now();
        const deliver: Deliver = (b, p) => {
          twin.applyBatch(b, p);
          if (DELTA_MS > 0 && performance.now() - lastDelta >= DELTA_MS) {
            twin.takeDelta?.();
            deltas++;
            lastDelta = performance.now();
          }
        };
        return { deliver, kind: 'twin', check: () => String(twin.hash?.() ?? '') };
      }
    } catch (e) {
      out({ note: `twin not used (${(e as Error).message}); folding instead` });
    }
  }
  const state = new Map<string, { state: string; good: number; scrap: number }>();
  let other = 0;
  return {
    kind: 'fold',
    deliver: (b) => {
      for (let i = 0; i < b.length; i++) {
        const s = b[i]!;
        if (s.type === 'production.count') {
          let m = state.get(s.machine);
          if (!m) state.set(s.machine, (m = { state: 'idle', good: 0, scrap: 0 }));
          m.good += s.good;
          m.scrap += s.scrap;
        } else if (s.type === 'machine.state') {
          let m = state.get(s.machine);
          if (!m) state.set(s.machine, (m = { state: 'idle', good: 0, scrap: 0 }));
          m.state = s.state;
        } else other++;
      }
    },
    check: () => String([...state.values()].reduce((a, m) => a + m.good, 0) + other),
  };
}

/** Seconds to JSON.parse every line and update a Map (the ceiling), best of two passes over the chunk. */
function ceilingSecs(lines: string[], m: Map<string, unknown>): number {
  let best = Infinity;
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    for (let i = 0; i < lines.length; i++) {
      const o = JSON.parse(lines[i]!) as { machine?: string; source: string };
      m.set(o.machine ?? o.source, o);
    }
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
}

/**
 * CPU seconds per thread of this process (Linux /proc; empty elsewhere): the main thread's CPU time
 * per signal is the figure to compare on a shared, noisy machine, where wall-clock rates swing.
 */
function threadCpu(): Map<number, number> {
  const m = new Map<number, number>();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      try {
        const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
        m.set(Number(t), (Number(f[11]) + Number(f[12])) / 100); // utime + stime, in USER_HZ (100)
      } catch {
        /* thread ended */
      }
    }
  } catch {
    /* not Linux */
  }
  return m;
}

/** A full GC when the runtime lets us ask for one (it is exposed on demand, no flag needed). */
const gc: () => void = (() => {
  const exposed = global.gc;
  // Called with no options, gc() collects synchronously (the async form is the one that returns a promise).
  if (exposed) return () => exposed();
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  }
})();

const { plant, from } = loadPlant();
const shape = plantCase(plant);
gc();
const rssStart = process.memoryUsage().rss;

// The input: every line in one Buffer (newline-terminated) and its start offsets.
const tg = performance.now();
const starts = new Float64Array(N + 1);
// Generation and the ceiling run in functions so that no frame keeps their garbage alive.
function generateInput(): Buffer {
  const gen = createStream(plant, N);
  const parts: Buffer[] = [];
  let at = 0;
  let n = 0;
  for (let chunk = gen.next(CHUNK); chunk.length > 0; chunk = gen.next(CHUNK)) {
    const text = `${chunk.join('\n')}\n`;
    const buf = Buffer.from(text, 'utf8');
    for (let i = 0, off = at; i < chunk.length; i++) {
      starts[n++] = off;
      off += Buffer.byteLength(chunk[i]!, 'utf8') + 1;
    }
    at += buf.length;
    parts.push(buf);
  }
  starts[n] = at;
  return Buffer.concat(parts, at);
}
let input: Buffer | undefined = generateInput();
const bytes = starts[N]! - N;
const line = (buf: Buffer, i: number) => buf.toString('utf8', starts[i]!, starts[i + 1]! - 1);
out({ phase: 'generated', signals: N, avg_bytes: Math.round(bytes / N), plant: from, ms: Math.round(performance.now() - tg) });

// The ceiling, on the same lines.
function ceilingPass(buf: Buffer): number {
  let secs = 0;
  const m = new Map<string, unknown>();
  for (let c = 0; c < N; c += CHUNK) {
    const chunk: string[] = [];
    for (let i = c; i < Math.min(N, c + CHUNK); i++) chunk.push(line(buf, i));
    secs += ceilingSecs(chunk, m);
  }
  return secs;
}
const ceilSecs = ceilingPass(input);
const ceil = N / ceilSecs;
out({ phase: 'ceiling', per_s: Math.round(ceil) });

const dir = mkdtempSync(join(tmpdir(), 'takt-ingest-bench-'));
const journal = openJournal(join(dir, 'journal.sqlite'), { synchronous: SYNC, writer: WRITER });
// Sustained throughput: the writer thread starts (and opens its connection) before the clock, as in
// the core, where it starts at boot. Its start-up (~0.1–0.2 s under tsx) is not ingest time.
journal.waitWriterReady();
const t0 = Date.UTC(2026, 0, 1);
const { deliver, kind, check } = await makeDeliver(plant, t0 - 1000);
let delivered = 0;
const pipeline = createIngestPipeline({
  index: createPlantIndex(plant),
  journal,
  deliver: (b, p) => {
    delivered += b.length;
    deliver(b, p);
  },
  latenessMs: LATENESS,
  clockSkewMs: 5 * 60_000,
  batchSize: BATCH,
  ...(UNCOMMITTED === undefined ? {} : { maxUncommittedBatches: UNCOMMITTED }),
});

gc();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
/** The timed section, in a function so that no frame keeps the input alive afterwards. */
let cpuBefore = new Map<number, number>();
let cpuAfter = new Map<number, number>();
function run(buf: Buffer): number {
  cpuBefore = threadCpu();
  const start = performance.now();
  let lastReport = start;
  for (let i = 0; i < N; i++) {
    pipeline.push(line(buf, i));
    if ((i & 0xffff) === 0xffff) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const now = performance.now();
      if (now - lastReport > 1000 && !args.json) {
        out({ phase: 'progress', pushed: i + 1, per_s: Math.round((i + 1) / ((now - start) / 1000)), rss_mb: Math.round(peakRss / 2 ** 20) });
        lastReport = now;
      }
    }
  }
  pipeline.flush();
  journal.sync(); // everything committed before the clock stops
  const secs = (performance.now() - start) / 1000;
  cpuAfter = threadCpu();
  return secs;
}
// --profile FILE: a V8 CPU profile of the main thread over the timed section only (open it in Chrome DevTools).
const profileFile = args.profile;
const session = profileFile ? new Session() : undefined;
if (session) {
  session.connect();
  await new Promise<void>((res, rej) => session.post('Profiler.enable', () => session.post('Profiler.start', (e) => (e ? rej(e) : res()))));
}
const timed = run(input);
if (session) {
  const { profile } = await new Promise<{ profile: object }>((res, rej) => session.post('Profiler.stop', (e, r) => (e ? rej(e) : res(r as { profile: object }))));
  writeFileSync(profileFile!, JSON.stringify(profile));
  session.disconnect();
}
const pushed = N;
const inputMb = Math.round(input.length / 2 ** 20);
input = undefined; // the input is the bench's, not the core's
const secs = timed;
// CPU seconds in the timed section: the main thread (tid = pid) and the busiest other thread (the journal writer).
const cpuOf = (tid: number) => (cpuAfter.get(tid) ?? 0) - (cpuBefore.get(tid) ?? 0);
const mainCpu = cpuOf(process.pid);
const others = [...cpuAfter.keys()].filter((t) => t !== process.pid).map(cpuOf).sort((a, b) => b - a);
// Full GCs, with a pause between for the background sweeping of array buffers (the input's memory).
gc();
await new Promise((r) => setTimeout(r, 100));
gc();
const mem = process.memoryUsage();
const rss = mem.rss;
const st = pipeline.stats();
const dbBytes = ['journal.sqlite', 'journal.sqlite-wal'].reduce((a, f) => a + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0);
out({
  phase: 'stats',
  deliver: kind,
  ...(DELTA_MS > 0 ? { delta_ms: DELTA_MS, deltas } : {}),
  synchronous: SYNC,
  writer: WRITER,
  batch: BATCH,
  max_uncommitted: UNCOMMITTED ?? 'default',
  lateness_ms: LATENESS,
  accepted: st.accepted,
  duplicates: st.duplicates,
  dead_lettered: st.deadLettered,
  late_applied: st.late,
  rejected_by: st.rejectedBy,
  delivered,
  journal_position: journal.lastPosition,
  durable_position: journal.durablePosition,
  batches: st.batches,
  dedupe_keys: st.dedupeKeys,
  journal_mb: Math.round(dbBytes / 2 ** 20),
  rss_start_mb: Math.round(rssStart / 2 ** 20), // node, tsx, the plant: before any input
  rss_before_mb: Math.round(rssBefore / 2 ** 20), // includes the input Buffer
  rss_peak_mb: Math.round(peakRss / 2 ** 20), // includes the input Buffer
  heap_mb: Math.round(mem.heapUsed / 2 ** 20),
  heap_total_mb: Math.round(mem.heapTotal / 2 ** 20),
  external_mb: Math.round(mem.external / 2 ** 20),
  input_mb: inputMb,
  check: check(),
  wall_s: Number(secs.toFixed(2)),
  main_cpu_s: Number(mainCpu.toFixed(2)),
  main_cpu_us_per_signal: Number(((mainCpu / N) * 1e6).toFixed(2)),
  writer_cpu_s: Number((others[0] ?? 0).toFixed(2)),
  other_threads_cpu_s: Number(others.slice(1).reduce((a, b) => a + b, 0).toFixed(2)),
});
if (st.accepted + st.duplicates + st.deadLettered !== N || pushed !== N || journal.lastPosition !== st.accepted || journal.durablePosition !== st.accepted || delivered !== st.accepted) {
  out({ error: 'accounting mismatch', expected: N, ...st });
  process.exitCode = 1;
}
journal.close();
rmSync(dir, { recursive: true, force: true });
const perS = N / secs;
out({ bench: 'ingest', plant: PLANT, ...shape, signals: N, signals_per_s: Math.round(perS), ceiling_per_s: Math.round(ceil), ratio: Number((perS / ceil).toFixed(3)), rss_mb: Math.round(rss / 2 ** 20) });
