/**
 * `takt schedule --data DIR [--hours N]`: re-plans the twin of a data folder (rebuilt from its
 * snapshots and journal, as `takt replay` does, at the journal's end) for the next N hours and
 * writes the result as a what-if scenario file: a `move` per rerouted order and a `resequence`
 * per changed line, which the What-if view opens, runs, compares and commits like any scenario.
 * The rule set is the data folder's active one (`rules-active.yaml`) or the shipped default; the
 * purchase orders on their way are those the decide service kept (`exceptions.json`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadPlantFile } from '../core/persistence/plant-file';
import { openJournal } from '../core/persistence/journal';
import { openDataDir, plantFingerprint } from '../core/persistence/data-dir';
import { reconstructTwin } from '../core/persistence/time-travel';
import { defaultRulesPath, loadRulesFile } from '../core/services/decide-service';
import type { InboundPo } from '../../shared/decide/context';
import { forkTwin } from '../../shared/sim/forecast';
import { problemFromPlant } from '../../shared/schedule/from-plant';
import { evaluate } from '../../shared/schedule/evaluate';
import { replanCandidate, solveReplan } from '../../shared/schedule/replan';
import { planToScenarioMoves } from '../../shared/schedule/to-scenario';
import type { Scenario } from '../../shared/sim/scenario';

export interface ScheduleDataOptions {
  data: string;
  hours: number;
  plant?: string;
  out?: string;
  maxMoved?: number;
  timeLimitMs: number;
  seed: number;
  json?: boolean;
  outFn?: (text: string) => void;
  err?: (text: string) => void;
}

export async function scheduleDataCommand(o: ScheduleDataOptions): Promise<number> {
  const out = o.outFn ?? ((t: string) => void process.stdout.write(t + '\n'));
  const err = o.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  try {
    const dir = resolve(o.data);
    if (!existsSync(join(dir, 'journal.sqlite'))) throw new Error(`no journal in ${dir}: give the data folder of a core that has run (npm start, or takt serve --data DIR)`);
    const { plant, file } = await loadPlantFile(o.plant);
    const dd = openDataDir(dir, { plantId: plant.site.id, plantHash: plantFingerprint(plant), plantFile: file, startTime: 0, seed: 0 });
    const journal = openJournal(dd.journalPath, { readonly: true });
    let view;
    try {
      view = reconstructTwin(plant, journal, dd.identity.startTime).twin.view();
    } finally {
      journal.close();
    }
    const active = join(dir, 'rules-active.yaml');
    const rules = (await loadRulesFile(existsSync(active) ? active : defaultRulesPath(), plant)).loaded;
    let inbound: InboundPo[] = [];
    try {
      const saved = JSON.parse(readFileSync(join(dir, 'exceptions.json'), 'utf8')) as { inbound?: InboundPo[] };
      inbound = saved.inbound ?? [];
    } catch {
      // no decide state saved yet: no purchase orders known to be on their way
    }
    const state = forkTwin(plant, view);
    for (const p of inbound) if (p.eta >= view.time) state.planned.push({ at: p.eta, type: 'receipt', component: p.component, qty: p.qty });
    const pp = problemFromPlant({ plant, rules: rules.rules, state, horizonHours: o.hours });
    const result = solveReplan(pp.problem, pp.asIs, { timeLimitMs: o.timeLimitMs, seed: o.seed, now: () => performance.now(), sharedTools: pp.sharedTools, ...(o.maxMoved !== undefined ? { maxMoved: o.maxMoved } : {}) });
    const moves = planToScenarioMoves(pp, result.plan, state);
    const cand = replanCandidate({ plant, pp, state, result, ...(o.maxMoved !== undefined ? { maxMoved: o.maxMoved } : {}) });
    const at = new Date(view.time).toISOString();
    const scenario: Scenario = {
      takt: 'scenario',
      name: `Re-plan ${at.slice(0, 16).replace('T', ' ')} (${o.hours} h)`.slice(0, 120),
      description: `Optimized re-plan of the next ${o.hours} h from the twin of ${dir} at journal position ${view.position} (${at}), rules ${rules.version}: ${cand.affected.length} orders moved. ${cand.explanation?.[1] ?? ''}`.slice(0, 2000),
      horizonHours: Math.max(24, o.hours),
      seed: o.seed,
      start: at,
      disruptions: [],
      moves,
    };
    const target = resolve(o.out ?? join(dir, `replan-${at.replace(/[:.]/g, '-')}.yaml`));
    const header = `# Written by takt schedule --data ${o.data} --hours ${o.hours}: open it in the What-if view (or takt simulate --scenario) to compare and commit.\n`;
    writeFileSync(target, header + stringify(scenario));
    const before = evaluate(pp.problem, pp.asIs).objective;
    if (o.json) {
      out(JSON.stringify({ scenario: target, at: view.time, position: view.position, orders: pp.problem.orders.length, moved: cand.affected.length, objective_before: before, objective: result.objective, elapsed_ms: Math.round(result.elapsedMs), stopped_by: result.stoppedBy }));
    } else {
      out(`re-plan of ${pp.problem.orders.length} orders on ${pp.problem.lines.length} lines from ${at} (journal position ${view.position}), ${o.hours} h:`);
      for (const l of cand.explanation ?? []) out(`  ${l}`);
      out(`scenario written to ${target}`);
    }
    return 0;
  } catch (e) {
    err(`takt schedule --data ${o.data}: ${(e as Error).message}`);
    return 1;
  }
}
