// `npx tsx bench/simulate.ts [--json] [--samples N]` (or `npm run bench -- simulate`): on the demo
// plant,
//  - fork + simulate 24 h: forkTwin(twin view with BS-L1 down) + forecast(24 h), median of ≥ 5;
//  - options for a line-down exception (BS-L1, repair expected in 4 h) generated and scored;
//  - 100 risk replications (24 h, seeded stochastic breakdowns) on 2 worker threads, cold (worker
//    start included; the worker is bundled with esbuild first, as the build does);
//  - the kernel against SimPy (bench/_kernel-vs-simpy.ts) for 40/9,000/30 and 200/45,000/30.
// Budgets: fork_sim_24h_ms ≤ 150, options_ms ≤ 1000, replications_100_ms ≤ 5000, ratio ≥ 3.
// One JSON object per measurement; the last line is the summary (medians; the line before: bests).
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { parsePlantText } from '../shared/plant/parse';
import { createTwin } from '../shared/twin/twin';
import { forecast, forkTwin } from '../shared/sim/forecast';
import { generateOptions } from '../shared/decide/options';
import { parseRulesText, genericRules } from '../shared/decide/rules-parse';
import { prepareRisk, runRisk, scenarioSchema } from '../shared/sim/scenario';
import { runPreparedReplications } from '../main/core/services/replications';
import { kernelVsSimpy } from './_kernel-vs-simpy';
import { benchArgs, numberFlag } from './_args';

const args = benchArgs('simulate', { samples: { type: 'string' } });
const json = args.json === true;
const SAMPLES = Math.max(5, numberFlag('simulate', 'samples', args.samples, 7));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const emit = (o: object) => console.log(JSON.stringify(o));
const log = (l: string) => {
  if (!json) console.error(l);
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

const parsed = parsePlantText(readFileSync(join(root, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
if (!parsed.ok) throw new Error('demo plant invalid');
const plant = parsed.plant;
const rulesFile = join(root, 'resources/rules/default-rules.yaml');
let rules = genericRules();
try {
  const rr = parseRulesText(readFileSync(rulesFile, 'utf8'), rulesFile, plant);
  if (rr.ok) rules = rr.loaded;
} catch {
  /* the generic rules */
}
const T0 = Date.UTC(2026, 0, 5, 6);
const twin = createTwin(plant, { startTime: T0 });
twin.applyBatch([{ id: 'b1', source: 'bench', seq: 1, eventTime: T0 + 60_000, receiveTime: T0 + 60_000, type: 'machine.state', machine: 'BS-L1-OVN', state: 'down', reason: 'burner' }], 1);
const view = twin.view();

function measure(name: string, n: number, warm: number, f: () => unknown): { best: number; median: number; samples: number[] } {
  for (let i = 0; i < warm; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    xs.push(r2(performance.now() - t));
  }
  const s = { best: Math.min(...xs), median: r2(median(xs)), samples: xs };
  emit({ measure: name, ...s });
  return s;
}

// 1. fork + simulate 24 h
let events = 0;
const fork = measure('fork_sim_24h_ms', SAMPLES, 3, () => {
  const st = forkTwin(plant, view, { expectedRepair: { 'BS-L1': T0 + 60_000 + 4 * 3_600_000 } });
  events = forecast(plant, st, { horizonHours: 24 }).events;
});
log(`# fork + simulate 24 h: best ${fork.best} ms, median ${fork.median} ms (${events} kernel events)`);

// 2. options for a line-down
let nOptions = 0;
let nFeasible = 0;
const options = measure('options_ms', Math.max(5, SAMPLES - 2), 1, () => {
  const o = generateOptions({ plant, rules, twinState: view, exception: { type: 'line-down', lineId: 'BS-L1', expectedRepairMinutes: 240 } });
  nOptions = o.length;
  nFeasible = o.filter((x) => x.feasible).length;
});
log(`# options for BS-L1 down (rules ${rules.version}): ${nOptions} candidates (${nFeasible} feasible): best ${options.best} ms, median ${options.median} ms`);

// 3. 100 risk replications on worker threads (cold: worker start included)
// Under node_modules so the bundle's external packages (zod, yaml) resolve, as dist/ does.
const dir = join(root, 'node_modules', '.cache', 'takt-bench-simulate');
mkdirSync(dir, { recursive: true });
await build({ entryPoints: { 'replications-worker': join(root, 'main/core/services/replications-worker.ts') }, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', outdir: dir, outExtension: { '.js': '.mjs' }, logLevel: 'warning', absWorkingDir: root });
const workerUrl = pathToFileURL(join(dir, 'replications-worker.mjs'));
const scenario = scenarioSchema.parse({ takt: 'scenario', name: 'risk', disruptions: [{ type: 'line-down', line: 'BS-L1', atHours: 0, hours: 4 }] });
const base = forkTwin(plant, view);
const prepared = prepareRisk(plant, base, scenario, { seed: 1, horizonHours: 24 });
const repl: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await runPreparedReplications(plant, prepared, { replications: 100, workers: 2, workerUrl });
  repl.push(r2(performance.now() - t));
}
const replications = { best: Math.min(...repl), median: r2(median(repl)), samples: repl };
emit({ measure: 'replications_100_ms', workers: 2, ...replications });
const inproc = measure('replications_100_in_process_ms', 3, 0, () => runRisk(plant, base, scenario, { replications: 100, seed: 1 }));
log(`# 100 replications on 2 workers: best ${replications.best} ms, median ${replications.median} ms (in process, one thread: best ${inproc.best}, median ${inproc.median})`);
twin.stop();

// 4. kernel vs SimPy
const k = kernelVsSimpy({ samples: 3, emit, log });

// The best samples (a shared machine: compare best with best), then the summary line, exactly these keys.
emit({ measure: 'best', fork_sim_24h_ms: fork.best, options_ms: options.best, replications_100_ms: replications.best, events_per_s: k.events_per_s_best, simpy_events_per_s: k.simpy_events_per_s_best, ...(k.simpy_reason ? { simpy_reason: k.simpy_reason } : {}) });
emit({
  bench: 'simulate',
  fork_sim_24h_ms: fork.median,
  options_ms: options.median,
  replications_100_ms: replications.median,
  events_per_s: k.events_per_s,
  simpy_events_per_s: k.simpy_events_per_s,
  ratio_vs_simpy: k.ratio_vs_simpy,
});
