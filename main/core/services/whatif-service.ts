/**
 * The core's what-if service, the planners' sandbox (`whatIf.*`): parse a scenario file with
 * positioned errors, run one or compare up to 4 on a fork of the live twin (or the plant's opening
 * book), risk replications on worker threads with progress and cancellation, and named scenarios kept in memory and in `<dataDir>/scenarios.json`
 * (written atomically) so planners do not lose them.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProtocolFailure, type MethodHandlers } from '../../../shared/protocol/server';
import type { SavedScenario } from '../../../shared/protocol/api';
import type { Plant } from '../../../shared/plant/schema';
import type { Twin } from '../../../shared/twin/twin';
import { indexPlant } from '../../../shared/twin/schedule';
import { forkTwin, openingState, type ForecastState } from '../../../shared/sim/forecast';
import { aggregateRisk, applyScenario, checkScenario, compareScenarios, parseScenarioText, prepareRisk, runReplication, runScenario, type ReplicationResult, type RiskResult, type Scenario } from '../../../shared/sim/scenario';
import { problemFromPlant } from '../../../shared/schedule/from-plant';
import { replanCandidate } from '../../../shared/schedule/replan';
import { optimizedScenario, planToScenarioMoves } from '../../../shared/schedule/to-scenario';
import type { DecideService } from './decide-service';
import { ReplicationsCancelled, runReplications } from './replications';
import { ScheduleCancelled } from './schedule-runner';
import { personOf } from '../../../shared/auth/caller';

/** Real ms of simulation per slice before the core's event loop gets a turn (in-process risk). */
const RISK_SLICE_MS = 25;

export const SCENARIOS_FILE_FORMAT = 1;

export interface WhatIfServiceOptions {
  plant: Plant;
  twin: Twin;
  decide: DecideService;
  dataDir: string;
  /** Plant time the twin started (the opening book's time zero). */
  startTime: number;
  /**
   * Risk replications on worker threads (the pool of ./replications.ts) instead of in process.
   * Default false: for a plant the size of the demo, in-process replications (sliced, so the core's
   * loop keeps running) finish sooner than fresh workers, whose start-up and copies of the plant and
   * state dominate (figures in the README's benchmark table).
   */
  workers?: number | false;
  log?: (line: string) => void;
}

type WhatIfMethod = 'whatIf.parse' | 'whatIf.run' | 'whatIf.compare' | 'whatIf.risk' | 'whatIf.optimize' | 'whatIf.list' | 'whatIf.save' | 'whatIf.delete';

export interface WhatIfService {
  readonly methods: Pick<MethodHandlers, WhatIfMethod>;
  /** Saved scenarios, by name. */
  list(): SavedScenario[];
}

interface ScenariosFile {
  format: number;
  items: SavedScenario[];
}

export function createWhatIfService(opts: WhatIfServiceOptions): WhatIfService {
  const { plant, twin, decide } = opts;
  const log = opts.log ?? (() => undefined);
  const index = indexPlant(plant);
  // The re-planner's worker thread is the decide service's (one worker for options and what-ifs).
  const runner = decide.scheduleRunner;

  // --- saved scenarios
  const file = join(opts.dataDir, 'scenarios.json');
  const saved = new Map<string, SavedScenario>();
  if (existsSync(file)) {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as ScenariosFile;
      if (data.format !== SCENARIOS_FILE_FORMAT) throw new Error(`format ${data.format} is not ${SCENARIOS_FILE_FORMAT}`);
      for (const s of data.items) saved.set(s.name, s);
    } catch (e) {
      log(`what-if: cannot read saved scenarios from ${file} (${(e as Error).message}); starting with none (the file is left as it is until the next save)`);
    }
  }
  const writeSaved = () => {
    const data: ScenariosFile = { format: SCENARIOS_FILE_FORMAT, items: [...saved.values()] };
    writeFileSync(`${file}.tmp`, JSON.stringify(data, null, 1), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };

  // --- bases
  const liveBase = (): ForecastState => {
    const view = twin.peek();
    const base = forkTwin(plant, view);
    for (const p of decide.inbound()) if (p.eta >= view.time) base.planned.push({ at: p.eta, type: 'receipt', component: p.component, qty: p.qty });
    return base;
  };
  const baseFor = (from: 'live' | 'opening', scenario?: Scenario): ForecastState => (from === 'opening' ? openingState(plant, scenario?.start ? Date.parse(scenario.start) : opts.startTime) : liveBase());
  const knownOrders = () => twin.peek().orders.map((o) => o.id);

  /** Cross-reference checks the schema cannot make (lines, SKUs, orders…), as a bad_params naming where. */
  const mustFit = (s: Scenario, where: string) => {
    const errors = checkScenario(s, plant, knownOrders()).filter((i) => i.severity === 'error');
    if (errors.length === 0) return;
    const first = errors[0]!;
    const path = [where, ...first.path.map(String)].join('.');
    throw new ProtocolFailure('bad_params', `scenario '${s.name}': ${errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`, path);
  };
  const objective = () => {
    const t = decide.rules.rules.priority.tiers;
    return {
      tierWeights: { A: t.A.weight, B: t.B.weight, C: t.C.weight },
      costs: { latePenaltyPerHour: { A: t.A.latePenaltyPerHour, B: t.B.latePenaltyPerHour, C: t.C.latePenaltyPerHour } },
    };
  };

  /** Replications in time slices: same numbers as the worker pool (each is `runReplication(i)`), with progress and cancellation between slices. */
  const riskInProcess = async (base: ForecastState, scenario: Scenario, n: number, ro: { seed: number; horizonHours?: number; mtbfHours?: number }, ctx: { signal: AbortSignal; progress(done: number, total: number, label?: string): void }): Promise<RiskResult> => {
    const prepared = prepareRisk(plant, base, scenario, ro);
    const out: ReplicationResult[] = [];
    while (out.length < n) {
      await new Promise((r) => setImmediate(r));
      if (ctx.signal.aborted) throw new ReplicationsCancelled(out.length, n);
      const t0 = performance.now();
      do out.push(runReplication(plant, prepared, out.length, index));
      while (out.length < n && performance.now() - t0 < RISK_SLICE_MS);
      ctx.progress(out.length, n, 'replications');
    }
    return aggregateRisk(prepared, out);
  };

  const methods: Pick<MethodHandlers, WhatIfMethod> = {
    'whatIf.parse': (p) => parseScenarioText(p.text, p.file, plant, knownOrders()),
    'whatIf.run': (p) => {
      mustFit(p.scenario, 'params.scenario');
      return runScenario(plant, baseFor(p.from, p.scenario), p.scenario, { index, ...objective() });
    },
    'whatIf.compare': (p) => {
      p.scenarios.forEach((s, i) => mustFit(s, `params.scenarios.${i}`));
      const names = new Set<string>();
      p.scenarios.forEach((s, i) => {
        if (names.has(s.name)) throw new ProtocolFailure('bad_params', `two scenarios are named '${s.name}': give each scenario its own name`, `params.scenarios.${i}.name`);
        names.add(s.name);
      });
      // One base for all, so the comparison is fair (the live twin moves between calls).
      const base = baseFor(p.from, p.scenarios[0]);
      const results = p.scenarios.map((s) => runScenario(plant, base, s, { index, ...objective() }));
      return { results, comparison: compareScenarios(results) };
    },
    'whatIf.risk': async (p, ctx) => {
      mustFit(p.scenario, 'params.scenario');
      const base = baseFor(p.from, p.scenario);
      const ro = { seed: p.seed, ...(p.scenario.horizonHours !== undefined ? { horizonHours: p.scenario.horizonHours } : {}), ...(p.mtbfHours !== undefined ? { mtbfHours: p.mtbfHours } : {}) };
      try {
        if (opts.workers) {
          return await runReplications(plant, base, p.scenario, { replications: p.replications, ...ro, workers: opts.workers, signal: ctx.signal, onProgress: (done, total) => ctx.progress(done, total, 'replications') });
        }
        return await riskInProcess(base, p.scenario, p.replications, ro, ctx);
      } catch (e) {
        if (e instanceof ReplicationsCancelled) throw new ProtocolFailure('cancelled', e.message);
        throw e;
      }
    },
    'whatIf.optimize': async (p, ctx) => {
      mustFit(p.scenario, 'params.scenario');
      const base = baseFor(p.from, p.scenario);
      const state = applyScenario(plant, base, p.scenario, index);
      const pp = problemFromPlant({ plant, rules: decide.rules.rules, state, horizonHours: p.hours, index });
      let result;
      try {
        result = await runner.solve(pp.problem, pp.asIs, {
          timeLimitMs: p.timeLimitMs,
          seed: p.seed,
          sharedTools: pp.sharedTools,
          ...(p.maxMoved !== undefined ? { maxMoved: p.maxMoved } : {}),
          signal: ctx.signal,
          onProgress: (pr) => ctx.progress(Math.min(p.timeLimitMs, Math.round(pr.elapsedMs)), p.timeLimitMs, `re-plan: best objective ${Math.round(pr.objective)}`),
        });
      } catch (e) {
        if (e instanceof ScheduleCancelled) throw new ProtocolFailure('cancelled', `optimizing '${p.scenario.name}' was cancelled`);
        throw e;
      }
      const moves = planToScenarioMoves(pp, result.plan, state);
      const optimized = optimizedScenario(p.scenario, moves);
      const c = replanCandidate({ plant, pp, state, result, ...(p.maxMoved !== undefined ? { maxMoved: p.maxMoved } : {}) });
      const results = [runScenario(plant, base, p.scenario, { index, ...objective() }), runScenario(plant, base, optimized, { index, ...objective() })];
      return { scenario: optimized, results, comparison: compareScenarios(results), replan: c.replan!, explanation: c.explanation ?? [], moved: c.affected.length };
    },
    'whatIf.list': () => ({ items: [...saved.values()].sort((a, b) => a.name.localeCompare(b.name)) }),
    'whatIf.save': (p0, c) => {
      // Saved by the signed-in person, whatever the params say; the in-process host may name one.
      const p = { ...p0, by: personOf(c.caller) ?? p0.by };
      mustFit(p.scenario, 'params.scenario');
      if (!saved.has(p.scenario.name) && saved.size >= 200) throw new ProtocolFailure('conflict', `200 scenarios are saved already: delete some before saving '${p.scenario.name}'`, 'params.scenario.name');
      if (p.by !== undefined && !plant.crews.some((c) => c.members.some((m) => m.id === p.by))) throw new ProtocolFailure('bad_params', `unknown person '${p.by}': 'by' must be a person id from plant '${plant.site.id}' (its crews)`, 'params.by');
      const item: SavedScenario = { name: p.scenario.name, scenario: p.scenario, ...(p.text !== undefined ? { text: p.text } : {}), savedAt: twin.time, ...(p.by ? { by: p.by } : {}) };
      saved.set(item.name, item);
      writeSaved();
      return item;
    },
    'whatIf.delete': (p) => {
      if (!saved.delete(p.name)) throw new ProtocolFailure('not_found', `no saved scenario named '${p.name}'`, 'params.name');
      writeSaved();
      return { deleted: p.name };
    },
  };

  return { methods, list: () => [...saved.values()] };
}
