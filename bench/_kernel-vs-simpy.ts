// Kernel against SimPy (used by bench/simulate-kernel.ts and bench/simulate.ts): events per second
// of Takt's simulation kernel (shared/sim/kernel.ts) on the reference plant model
// (shared/sim/reference-lines.ts) against SimPy 2.3 running the same model
// (../shared/bench/simpy_lines.py). Both sides time only the simulation (SimPy: its own
// `simulate()` timer; Takt: model set-up plus run, after a JIT warm-up), on wall time; kernel
// samples and SimPy runs alternate so a change of load on a shared machine hits both. The summary's
// events_per_s / simpy_events_per_s / ratio_vs_simpy are medians of the largest case.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReferenceLines, type ReferenceLinesResult } from '../shared/sim/reference-lines';

const SEED = 7;
const MIN_SAMPLE_MS = 200; // each kernel sample repeats the model until at least this long
export const KERNEL_CASES: Array<[lines: number, orders: number, days: number]> = [
  [40, 9000, 30],
  [200, 45000, 30],
];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const simpyCandidates = [
  process.env.TAKT_SIMPY_SCRIPT,
  resolve(repoRoot, '..', 'shared', 'bench', 'simpy_lines.py'),
  '/work/shared/bench/simpy_lines.py',
].filter((p): p is string => !!p);
const python = process.env.TAKT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Stats {
  best: number;
  median: number;
  samples: number[];
}
const stats = (rates: number[]): Stats => ({ best: Math.max(...rates), median: Math.round(median(rates)), samples: rates });

export interface CaseSummary {
  lines: number;
  orders: number;
  days: number;
  takt: Stats & { events: number; completed: number; runs_per_sample: number };
  simpy: (Stats & { events: number; completed: number }) | null;
  simpy_reason?: string;
  ratio_median: number | null;
  ratio_best: number | null;
}

/** Warm up the JIT on this size; returns how many model runs make one timed sample. */
function warmUpTakt(lines: number, orders: number, days: number): { reps: number; one: ReferenceLinesResult } {
  let one = runReferenceLines({ lines, orders, days, seed: SEED });
  const t0 = performance.now();
  let warm = 0;
  while (performance.now() - t0 < 300 || warm < 5) {
    one = runReferenceLines({ lines, orders, days, seed: SEED });
    warm++;
  }
  const perRunMs = (performance.now() - t0) / warm;
  return { reps: Math.max(1, Math.ceil(MIN_SAMPLE_MS / perRunMs)), one };
}

function taktSample(emit: (o: object) => void, lines: number, orders: number, days: number, reps: number, one: ReferenceLinesResult, s: number): number {
  let events = 0;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) events += runReferenceLines({ lines, orders, days, seed: SEED }).events;
  const wall = (performance.now() - t0) / 1000;
  const rate = Math.round(events / wall);
  emit({ kernel: 'takt', lines, orders, days, sample: s + 1, runs: reps, completed: one.completed, events: one.events, wall_s: +wall.toFixed(4), events_per_s: rate });
  return rate;
}

type SimpyRun = { events: number; completed: number; events_per_s: number; wall_s: number };

/** One run of the SimPy script, or why it could not run. */
function simpyRun(emit: (o: object) => void, lines: number, orders: number, days: number, s: number): { run: SimpyRun | null; reason?: string } {
  const script = simpyCandidates.find((p) => existsSync(p));
  if (!script) return { run: null, reason: `SimPy reference script not found (looked in ${simpyCandidates.join(', ')}); set TAKT_SIMPY_SCRIPT` };
  const r = spawnSync(python, [script, String(lines), String(orders), String(days)], { encoding: 'utf8', timeout: 300_000 });
  if (r.error || r.status !== 0) {
    const err = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop() ?? '';
    const reason = /No module named ['"]?SimPy/.test(err)
      ? `SimPy 2.3 is not installed for ${python} (Debian: apt-get install python3-simpy): ${err}`
      : `${python} ${script} failed (exit ${r.status ?? 'none'}): ${err}`;
    return { run: null, reason };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let o: SimpyRun;
  try {
    o = JSON.parse(line) as SimpyRun;
  } catch {
    return { run: null, reason: `${script} printed no JSON summary line: ${line.slice(0, 200)}` };
  }
  emit({ ...o, sample: s + 1 });
  return { run: o };
}

export interface KernelVsSimpyOptions {
  samples?: number;
  cases?: Array<[lines: number, orders: number, days: number]>;
  /** One JSON object per timed run (default: printed). */
  emit?: (o: object) => void;
  /** A human line per case (default: stderr). */
  log?: (line: string) => void;
}

export interface KernelVsSimpySummary {
  bench: 'simulate-kernel';
  events_per_s: number;
  events_per_s_best: number;
  simpy_events_per_s: number | null;
  simpy_events_per_s_best: number | null;
  ratio_vs_simpy: number | null;
  simpy_reason?: string;
  samples: number;
  seed: number;
  runs: CaseSummary[];
}

export function kernelVsSimpy(opts: KernelVsSimpyOptions = {}): KernelVsSimpySummary {
  const samples = opts.samples ?? 3;
  const cases = opts.cases ?? KERNEL_CASES;
  const emit = opts.emit ?? ((o: object) => console.log(JSON.stringify(o)));
  const log = opts.log ?? ((l: string) => console.error(l));
  const runs: CaseSummary[] = [];
  for (const [lines, orders, days] of cases) {
    // Kernel samples and SimPy runs alternate, so a change of load on a shared machine hits both.
    const { reps, one } = warmUpTakt(lines, orders, days);
    const taktRates: number[] = [];
    const simpyRuns: SimpyRun[] = [];
    let reason: string | undefined;
    for (let s = 0; s < samples; s++) {
      taktRates.push(taktSample(emit, lines, orders, days, reps, one, s));
      if (reason === undefined) {
        const r = simpyRun(emit, lines, orders, days, s);
        if (r.run) simpyRuns.push(r.run);
        else reason = r.reason;
      }
    }
    const takt: CaseSummary['takt'] = { ...stats(taktRates), events: one.events, completed: one.completed, runs_per_sample: reps };
    const simpy: CaseSummary['simpy'] = reason === undefined && simpyRuns.length > 0
      ? { ...stats(simpyRuns.map((r) => r.events_per_s)), events: simpyRuns[0]!.events, completed: simpyRuns[0]!.completed }
      : null;
    runs.push({
      lines,
      orders,
      days,
      takt,
      simpy,
      ...(reason ? { simpy_reason: reason } : {}),
      ratio_median: simpy ? +(takt.median / simpy.median).toFixed(1) : null,
      ratio_best: simpy ? +(takt.best / simpy.best).toFixed(1) : null,
    });
    {
      const s = simpy ? `SimPy best ${simpy.best} median ${simpy.median} ev/s, ratio ${(takt.median / simpy.median).toFixed(1)}x` : `SimPy: ${reason}`;
      log(`# ${lines} lines / ${orders} orders / ${days} d: takt best ${takt.best} median ${takt.median} ev/s; ${s}`);
    }
  }
  const big = runs[runs.length - 1]!;
  return {
    bench: 'simulate-kernel',
    events_per_s: big.takt.median,
    events_per_s_best: big.takt.best,
    simpy_events_per_s: big.simpy ? big.simpy.median : null,
    simpy_events_per_s_best: big.simpy ? big.simpy.best : null,
    ratio_vs_simpy: big.ratio_median,
    ...(big.simpy_reason ? { simpy_reason: big.simpy_reason } : {}),
    samples: samples,
    seed: SEED,
    runs,
  };
}
