// `npx tsx bench/schedule-demo.ts [--json] [--replan-ms N] [--skip-reference]`: the optimizing
// re-plan on the demo plant's ten scripted disruptions (resources/scenarios/*.yaml).
//  - For each scenario: the twin at its start with the scenario's disruptions known (a rush order
//    is in the book now), the exception it raises, and the options for it twice over the same
//    fork: today's hand-written candidates, and those plus "Re-plan (optimized)" (the engine for
//    --replan-ms, default 1000, then the same checks and 24 h forecast). The re-plan counts as
//    better / worse than the best hand-written option on the full forecast objective (cost).
//    options_with_replan_ms is the slowest scenario's wall time for the options with the re-plan
//    (problem, search, checks, forecasts), in process.
//  - A 24 h whole-plant re-plan (BS-L1 down 8 h): the objective after 5 s against after 60 s
//    (--skip-reference leaves the 60 s run out: replan_24h_gap_pct is then null).
// Goals: demo_worse = 0, demo_better >= 7, options_with_replan_ms <= 2000, replan_24h_gap_pct <= 1.
// One JSON object per line (with --json); the last line is the summary.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parsePlantText } from '../shared/plant/parse';
import { parseRulesText } from '../shared/decide/rules-parse';
import { createTwin } from '../shared/twin/twin';
import { forkTwin, type ForecastState } from '../shared/sim/forecast';
import { applyScenario, parseScenarioText, type Scenario } from '../shared/sim/scenario';
import { generateOptions, type OptionException } from '../shared/decide/options';
import { problemFromPlant } from '../shared/schedule/from-plant';
import { replanCandidate, solveReplan } from '../shared/schedule/replan';
import { evaluate } from '../shared/schedule/evaluate';
import { benchArgs, numberFlag } from './_args';

export interface DemoBenchOptions {
  /** Real ms the re-plan searches per scenario (default 1000). */
  replanMs?: number;
  /** The 24 h whole-plant re-plan: short run and reference run (defaults 5000 and 60000). */
  quickMs?: number;
  referenceMs?: number;
  skipReference?: boolean;
  emit?: (o: object) => void;
}

export interface DemoBenchSummary {
  bench: 'schedule-demo';
  scenarios: number;
  demo_better: number;
  demo_worse: number;
  demo_equal: number;
  options_with_replan_ms: number;
  options_without_replan_ms: number;
  replan_24h_quick_objective: number;
  replan_24h_reference_objective: number | null;
  replan_24h_gap_pct: number | null;
  replan_24h_orders: number;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = Date.UTC(2026, 0, 5, 6);

/** The exception a scenario's first disruption raises (what today's options answer). */
function exceptionFor(s: Scenario, state: ForecastState): OptionException {
  const d = s.disruptions[0]!;
  const id = `bench-${s.name}`;
  switch (d.type) {
    case 'line-down':
      return { type: 'line-down', id, lineId: d.line, expectedRepairMinutes: (d.atHours + d.hours) * 60 };
    case 'component-short':
      return { type: 'material-shortage', id, component: d.component, ...(d.qty !== undefined ? { shortQty: d.qty } : {}) };
    case 'rush-order':
      return { type: 'rush-order', id, orderId: d.id };
    case 'absence':
      return { type: 'crew-gap', id, lineId: d.line ?? null };
    case 'demand-change':
      return { type: 'late-risk', id, orderId: d.order ?? state.orders.find((o) => o.sku === d.sku)?.id ?? null };
  }
}

export async function demoBench(opts: DemoBenchOptions = {}): Promise<DemoBenchSummary> {
  const emit = opts.emit ?? (() => undefined);
  const replanMs = opts.replanMs ?? 1000;
  const pr = parsePlantText(readFileSync(join(root, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
  if (!pr.ok) throw new Error('the demo plant does not parse');
  const plant = pr.plant;
  const rulesFile = join(root, 'resources/rules/default-rules.yaml');
  const rr = parseRulesText(readFileSync(rulesFile, 'utf8'), rulesFile, plant);
  if (!rr.ok) throw new Error(`${rulesFile} does not fit the demo plant`);
  const rules = rr.loaded;
  const twin = createTwin(plant, { startTime: T0 });
  const view = twin.view();
  twin.stop();
  const dir = join(root, 'resources/scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

  const stateOf = (s: Scenario): ForecastState => {
    const st = applyScenario(plant, forkTwin(plant, view), s);
    // The disruption is known now: a rush order is in the book (options can move it).
    for (const e of [...st.planned]) {
      if (e.type !== 'order-add' || st.orders.some((o) => o.id === e.order.id)) continue;
      st.orders.push({ ...e.order });
      st.planned = st.planned.filter((x) => x !== e);
    }
    return st;
  };

  let better = 0;
  let worse = 0;
  let equal = 0;
  let slowest = 0;
  let slowestWithout = 0;
  for (const f of files) {
    const parsed = parseScenarioText(readFileSync(join(dir, f), 'utf8'), join(dir, f), plant);
    if (!parsed.ok) throw new Error(`${f}: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const s = parsed.scenario;
    const state = stateOf(s);
    const exception = exceptionFor(s, state);
    let t = performance.now();
    const today = generateOptions({ plant, rules, twinState: view, exception, state });
    const withoutMs = performance.now() - t;
    t = performance.now();
    const pp = problemFromPlant({ plant, rules: rules.rules, state });
    const res = solveReplan(pp.problem, pp.asIs, { timeLimitMs: replanMs, seed: 1, now: () => performance.now(), sharedTools: pp.sharedTools });
    const cand = replanCandidate({ plant, pp, state, result: res });
    const options = generateOptions({ plant, rules, twinState: view, exception, state, extraCandidates: [cand] });
    const ms = performance.now() - t;
    const heuristic = today.filter((o) => o.feasible).sort((a, b) => a.score! - b.score!)[0]!;
    const replan = options.find((o) => o.kind === 'replan')!;
    const eps = 1e-6 * Math.max(1, Math.abs(heuristic.score!));
    const verdict = !replan.feasible ? 'worse' : replan.score! < heuristic.score! - eps ? 'better' : replan.score! > heuristic.score! + eps ? 'worse' : 'equal';
    if (verdict === 'better') better++;
    else if (verdict === 'worse') worse++;
    else equal++;
    slowest = Math.max(slowest, ms);
    slowestWithout = Math.max(slowestWithout, withoutMs);
    emit({
      bench: 'schedule-demo',
      scenario: s.name,
      file: f,
      exception: exception.type,
      verdict,
      best_heuristic: { title: heuristic.title, cost: heuristic.score },
      replan: { cost: replan.score, feasible: replan.feasible, rank: replan.rank, moved: replan.affectedOrders.length, violations: replan.violations.map((v) => v.detail).slice(0, 3) },
      engine: { orders: pp.problem.orders.length, before: round(evaluate(pp.problem, pp.asIs).objective), after: round(res.objective), iterations: res.iterations, stoppedBy: res.stoppedBy },
      options_ms: Math.round(withoutMs),
      options_with_replan_ms: Math.round(ms),
    });
  }

  // 24 h whole-plant re-plan: 5 s against 60 s on the same problem and seed.
  const big = parseScenarioText(readFileSync(join(dir, 'line-down-8h.yaml'), 'utf8'), 'line-down-8h.yaml', plant);
  if (!big.ok) throw new Error('line-down-8h.yaml does not parse');
  const st = stateOf(big.scenario);
  const pp = problemFromPlant({ plant, rules: rules.rules, state: st, horizonHours: 24 });
  const run = (ms: number) => solveReplan(pp.problem, pp.asIs, { timeLimitMs: ms, seed: 1, now: () => performance.now(), sharedTools: pp.sharedTools });
  const quick = run(opts.quickMs ?? 5000);
  emit({ bench: 'schedule-demo', replan24h: 'quick', ms: Math.round(quick.elapsedMs), objective: round(quick.objective), iterations: quick.iterations, orders: pp.problem.orders.length });
  let reference: number | null = null;
  if (!opts.skipReference) {
    const ref = run(opts.referenceMs ?? 60_000);
    reference = Math.min(ref.objective, quick.objective);
    emit({ bench: 'schedule-demo', replan24h: 'reference', ms: Math.round(ref.elapsedMs), objective: round(ref.objective), iterations: ref.iterations });
  }
  const gap = reference === null ? null : reference > 0 ? round(((quick.objective - reference) / reference) * 100) : quick.objective > 0 ? Infinity : 0;
  const summary: DemoBenchSummary = {
    bench: 'schedule-demo',
    scenarios: files.length,
    demo_better: better,
    demo_worse: worse,
    demo_equal: equal,
    options_with_replan_ms: Math.round(slowest),
    options_without_replan_ms: Math.round(slowestWithout),
    replan_24h_quick_objective: round(quick.objective),
    replan_24h_reference_objective: reference === null ? null : round(reference),
    replan_24h_gap_pct: gap,
    replan_24h_orders: pp.problem.orders.length,
  };
  emit(summary);
  return summary;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('schedule-demo.ts')) {
  const flags = benchArgs('schedule-demo', {
    'replan-ms': { type: 'string' },
    'quick-ms': { type: 'string' },
    'reference-ms': { type: 'string' },
    'skip-reference': { type: 'boolean' },
  });
  const json = flags.json === true;
  const at = (flag: 'replan-ms' | 'quick-ms' | 'reference-ms') => (flags[flag] === undefined ? undefined : numberFlag('schedule-demo', flag, flags[flag], 0));
  demoBench({
    ...(at('replan-ms') !== undefined ? { replanMs: at('replan-ms')! } : {}),
    ...(at('quick-ms') !== undefined ? { quickMs: at('quick-ms')! } : {}),
    ...(at('reference-ms') !== undefined ? { referenceMs: at('reference-ms')! } : {}),
    skipReference: flags['skip-reference'] === true,
    emit: (o) => console.log(json ? JSON.stringify(o) : JSON.stringify(o, null, 1)),
  }).catch((e: unknown) => {
    console.error(`schedule-demo: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  });
}
