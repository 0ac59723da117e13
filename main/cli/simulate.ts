/**
 * `takt simulate --plant <file> --scenario <file> [--json] [--replications N] [--seed N]`: runs a
 * what-if scenario headless from the plant's opening state (a fresh twin at the scenario's start,
 * 06:00 UTC today by default) next to the plain baseline, and prints the KPIs (a table, or JSON).
 * With `--replications N` it adds risk mode (seeded stochastic breakdowns on worker threads): each
 * order's on-time probability. Exit codes: 0 ran, 1 invalid scenario or plant, 2 unreadable file.
 */
import { plantTime } from '../../shared/clock/plant-time';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlantFileError, loadPlantFile } from '../core/persistence/plant-file';
import { formatPlantIssues, type PlantIssue } from '../../shared/plant/parse';
import { openingState } from '../../shared/sim/forecast';
import { compareScenarios, parseScenarioText, runScenario, scenarioSchema, type RiskResult, type Scenario, type ScenarioComparison, type ScenarioResult } from '../../shared/sim/scenario';
import { runReplications } from '../core/services/replications';
import { wallTimeOn } from '../../shared/clock/zone';

export interface SimulateOptions {
  plant?: string;
  scenario: string;
  json?: boolean;
  replications?: number;
  seed?: number;
  /** Where output goes (tests); defaults to stdout and stderr. */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** 06:00 on the plant's wall clock today: the same day gives the same numbers, and shifts line up with a morning start. */
export function defaultStart(timeZone?: string, now = Date.now()): number {
  return wallTimeOn(timeZone, now, 0, 6 * 60);
}

export async function simulateCommand(o: SimulateOptions): Promise<number> {
  const out = o.out ?? ((t: string) => void process.stdout.write(t + '\n'));
  const err = o.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  let plantFile: string;
  let plant;
  try {
    const loaded = await loadPlantFile(o.plant);
    plant = loaded.plant;
    plantFile = loaded.file;
  } catch (e) {
    if (!(e instanceof PlantFileError)) throw e;
    return fail(o, out, err, e.kind === 'unreadable' ? 2 : 1, e.file, e.issues, e.kind === 'unreadable' ? e.message : `${formatPlantIssues(e.issues)}\n${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in the plant file ${e.file}`);
  }
  const file = resolve(o.scenario);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : (e as Error).message;
    const message = `cannot read scenario file ${file}: ${why}${code === 'ENOENT' ? ` (relative paths start from ${process.cwd()})` : ''}`;
    return fail(o, out, err, 2, file, [{ file, path: '', message }], message);
  }
  const parsed = parseScenarioText(text, file, plant);
  if (!parsed.ok) {
    return fail(o, out, err, 1, file, parsed.errors, `${formatPlantIssues(parsed.errors)}\n${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'} in the scenario file ${file}`);
  }
  const scenario: Scenario = { ...parsed.scenario, ...(o.seed !== undefined ? { seed: o.seed } : {}) };
  const start = scenario.start ? Date.parse(scenario.start) : defaultStart(plant.site.timezone);
  const base = openingState(plant, start);
  const baseline = runScenario(plant, base, scenarioSchema.parse({ takt: 'scenario', name: 'Baseline (plan as is)', horizonHours: scenario.horizonHours, seed: scenario.seed }));
  const result = runScenario(plant, base, scenario);
  const comparison = compareScenarios([baseline, result]);
  let risk: RiskResult | null = null;
  if (o.replications && o.replications > 0) {
    let last = 0;
    risk = await runReplications(plant, base, scenario, {
      replications: o.replications,
      seed: scenario.seed ?? 1,
      ...(scenario.horizonHours !== undefined ? { horizonHours: scenario.horizonHours } : {}),
      onProgress: (done, total) => {
        if (!o.json && (done === total || done - last >= Math.max(1, Math.floor(total / 10)))) {
          last = done;
          err(`risk: ${done}/${total} replications`);
        }
      },
    });
  }
  if (o.json) {
    out(JSON.stringify({ ok: true, plant: plantFile, scenario: file, start, comparison, result: summarize(result), baseline: summarize(baseline), ...(risk ? { risk } : {}) }, null, 2));
  } else {
    const pt = plantTime(plant.site.timezone);
    out(`${scenario.name} — ${plant.site.name}, ${result.horizonHours} h from ${pt.full(start)} plant time (${pt.zone})`);
    if (scenario.description) out(scenario.description);
    out(kpiTable(comparison));
    const late = result.orders.filter((x) => x.late);
    if (late.length) out(`\nlate orders (${late.length}): ${late.slice(0, 12).map((x) => `${x.id} +${x.tardinessHours} h`).join(', ')}${late.length > 12 ? ', …' : ''}`);
    if (risk) {
      const atRisk = risk.orders.filter((x) => x.onTimeProbability < 0.95).sort((a, b) => a.onTimeProbability - b.onTimeProbability);
      out(`\nrisk: ${risk.replications} replications with stochastic breakdowns (seed ${risk.seed}); cost mean ${risk.kpis.cost.mean}, p90 ${risk.kpis.cost.p90}; late orders mean ${risk.kpis.lateOrders.mean}`);
      out(atRisk.length ? `orders below 95 % on time: ${atRisk.slice(0, 15).map((x) => `${x.id} ${Math.round(x.onTimeProbability * 100)} %`).join(', ')}${atRisk.length > 15 ? ', …' : ''}` : 'every order is on time in at least 95 % of the replications');
    }
  }
  return 0;
}

function summarize(r: ScenarioResult) {
  return { name: r.name, start: r.start, end: r.end, horizonHours: r.horizonHours, seed: r.seed, kpis: r.kpis, orders: r.orders, gantt: r.gantt.map((g) => ({ ...g, rows: g.rows.filter((x) => x.kind === 'run' || x.kind === 'setup' || x.kind === 'down') })) };
}

function fail(o: SimulateOptions, out: (t: string) => void, err: (t: string) => void, code: 1 | 2, file: string, issues: PlantIssue[], text: string): number {
  if (o.json) out(JSON.stringify({ ok: false, file, unreadable: code === 2, errors: issues }, null, 2));
  else err(text);
  return code;
}

/** The KPI table: one row per KPI, one column per scenario, deltas against the first. */
export function kpiTable(c: ScenarioComparison): string {
  const head = ['KPI', ...c.scenarios.map((s, i) => (i === 0 ? s : `${s} (Δ)`))];
  const fmt = (v: number) => (Math.abs(v) >= 1000 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
  const rows = c.rows.map((r) => [
    `${r.label}${r.unit ? ` (${r.unit})` : ''}`,
    ...r.values.map((v, i) => (i === 0 ? fmt(v) : `${fmt(v)} (${(r.deltas[i] as number) > 0 ? '+' : ''}${fmt(r.deltas[i] as number)})`)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
