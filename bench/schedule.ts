/**
 * Re-planner benchmark against problems with known answers.
 *
 *   npm run bench -- schedule [--json] [--only orlib40,orlib100,wtsds,demo] [--limit N]
 *                             [--orlib40-ms N] [--orlib100-ms N] [--wtsds-ms N] [--seed S]
 *                             [--skip-reference] [--cpu-clock]
 *
 * - orlib40: OR-Library single-machine weighted tardiness, 40 jobs, 125 instances with proven
 *   optima; each run stops when it reaches the optimum (the time to reach it is what is reported)
 *   or at its time limit (default 1 s).
 * - orlib100: the 100-job set against the best known values (wtbest100b), same rule (default 2 s).
 * - wtsds: Cicirello's weighted tardiness with sequence-dependent setups (60 jobs), Takt at
 *   --wtsds-ms (default 10 s) against ATCS (best of a k1 × k2 grid, ./schedule/atcs.ts).
 * - demo: the demo plant's ten scripted disruptions (./schedule-demo.ts): the re-plan against
 *   today's best hand-written option by the full forecast, and a 24 h whole-plant re-plan after
 *   5 s against 60 s (--skip-reference leaves out the 60 s run).
 * --cpu-clock: the time limits count this process's CPU time instead of wall-clock time, so that
 * a run on a machine shared with other work still gets the search time it asks for.
 * Every objective reported is recomputed by evaluate() from the plan's sequences.
 * One JSON object per line (per instance), the last line the summary.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluate } from '../shared/schedule/evaluate';
import type { ScheduleProblem } from '../shared/schedule/model';
import { solve } from '../shared/schedule/solve';
import { benchArgs, numberFlag } from './_args';
import { atcs } from './schedule/atcs';
import { demoBench } from './schedule-demo';
import { dataDir, orlib, references, wtsds, type Instance } from './schedule/formats';

const flags = benchArgs('schedule', {
  only: { type: 'string' },
  limit: { type: 'string' },
  seed: { type: 'string' },
  'orlib40-ms': { type: 'string' },
  'orlib100-ms': { type: 'string' },
  'wtsds-ms': { type: 'string' },
  'skip-reference': { type: 'boolean' },
  'cpu-clock': { type: 'boolean' },
});
const json = flags.json === true;
const SETS = ['orlib40', 'orlib100', 'wtsds', 'demo'];
const only = new Set((flags.only ?? SETS.join(',')).split(','));
for (const set of only) {
  if (!SETS.includes(set)) {
    console.error(`bench schedule: --only: unknown set '${set}' (sets: ${SETS.join(', ')})`);
    process.exit(2);
  }
}
const limit = numberFlag('schedule', 'limit', flags.limit, Infinity);
const seed = numberFlag('schedule', 'seed', flags.seed, 1);
const ms = {
  orlib40: numberFlag('schedule', 'orlib40-ms', flags['orlib40-ms'], 1000),
  orlib100: numberFlag('schedule', 'orlib100-ms', flags['orlib100-ms'], 2000),
  wtsds: numberFlag('schedule', 'wtsds-ms', flags['wtsds-ms'], 10_000),
};

const print = (o: object) => console.log(json ? JSON.stringify(o) : Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`).join(' '));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const p95 = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
};
const gapPct = (value: number, ref: number) => (ref === 0 ? (value === 0 ? 0 : 100) : (100 * (value - ref)) / ref);

/** Milliseconds of this process's CPU time (user + system), read every 32nd call: the syscall is not free. */
function cpuClock(): () => number {
  const start = process.cpuUsage();
  let calls = 0;
  let last = 0;
  return () => {
    if ((calls++ & 31) === 0) {
      const u = process.cpuUsage(start);
      last = (u.user + u.system) / 1000;
    }
    return last;
  };
}

/** Solves, stopping early once `target` is reached; the objective is recomputed by evaluate(). */
function run(problem: ScheduleProblem, timeLimitMs: number, target?: number) {
  let reachedAt: number | undefined;
  const r = solve(problem, {
    timeLimitMs,
    seed,
    now: flags['cpu-clock'] === true ? cpuClock() : () => performance.now(),
    onProgress: (p) => {
      if (target !== undefined && reachedAt === undefined && p.objective <= target) reachedAt = p.elapsedMs;
    },
    cancelled: () => reachedAt !== undefined,
  });
  const ev = evaluate(problem, r.plan);
  if (ev.violations.length) throw new Error(`${problem.name}: infeasible plan: ${ev.violations[0]}`);
  return { objective: ev.objective, ms: reachedAt ?? r.elapsedMs, iterations: r.iterations };
}

function againstReferences(set: 'orlib40' | 'orlib100', instances: Instance[], refs: number[]) {
  const gaps: number[] = [];
  const times: number[] = [];
  let reached = 0;
  instances.slice(0, limit).forEach((inst, k) => {
    const ref = refs[k]!;
    const r = run(inst.problem, ms[set], ref);
    const gap = gapPct(r.objective, ref);
    if (r.objective <= ref) reached++;
    gaps.push(Math.max(0, gap));
    times.push(r.ms);
    print({ set, instance: inst.name, objective: r.objective, reference: ref, gap_pct: gap, ms: r.ms, iterations: r.iterations });
  });
  return { reached, gap: mean(gaps), p95: p95(times), count: gaps.length };
}

const summary: Record<string, number | string> = { bench: 'schedule', seed };
if (only.has('orlib40')) {
  const dir = dataDir('orlib-wt');
  const r = againstReferences('orlib40', orlib(dir, 40), references(join(dir, 'wtopt40.txt')));
  Object.assign(summary, { orlib40_instances: r.count, orlib40_optimal: r.reached, orlib40_gap_pct: r.gap, orlib40_p95_ms: r.p95, orlib40_limit_ms: ms.orlib40 });
}
if (only.has('orlib100')) {
  const dir = dataDir('orlib-wt');
  const r = againstReferences('orlib100', orlib(dir, 100), references(join(dir, 'wtbest100b.txt')));
  Object.assign(summary, { orlib100_instances: r.count, orlib100_best_found: r.reached, orlib100_gap_pct: r.gap, orlib100_p95_ms: r.p95, orlib100_limit_ms: ms.orlib100 });
}
if (only.has('wtsds')) {
  const dir = dataDir('wtsds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.instance')).sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]));
  const ratios: number[] = [];
  let worse = 0;
  for (const f of files.slice(0, limit)) {
    const inst = wtsds(join(dir, f), f.replace(/\.instance$/, ''));
    const base = atcs(inst.problem);
    const r = run(inst.problem, ms.wtsds);
    const ratio = base.objective === 0 ? (r.objective === 0 ? 1 : Infinity) : r.objective / base.objective;
    if (r.objective > base.objective) worse++;
    ratios.push(ratio);
    print({ set: 'wtsds', instance: inst.name, objective: r.objective, atcs: base.objective, ratio, ms: r.ms, iterations: r.iterations });
  }
  Object.assign(summary, { wtsds_instances: ratios.length, wtsds_ratio_vs_atcs: mean(ratios), wtsds_worse_than_atcs: worse, wtsds_limit_ms: ms.wtsds });
}
if (only.has('demo')) {
  const d = await demoBench({ skipReference: flags['skip-reference'] === true, emit: (o) => print({ set: 'demo', ...o }) });
  Object.assign(summary, {
    demo_scenarios: d.scenarios,
    demo_better: d.demo_better,
    demo_worse: d.demo_worse,
    options_with_replan_ms: d.options_with_replan_ms,
    replan_24h_gap_pct: d.replan_24h_gap_pct ?? 'skipped',
  });
}
print(summary);
