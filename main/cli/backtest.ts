/**
 * `takt backtest --data DIR --rules candidate.yaml [--baseline recorded.yaml] [--from T] [--to T]
 * [--step MIN] [--json] [--out report.pdf]`: replays the data folder's journal from its snapshots
 * and compares exception detection, the decisions and their forecast KPIs under the recorded rule
 * sets (each one the folder's rule history says was active at that plant time; where the history
 * does not reach, the folder's active rules, else the shipped default; --baseline names one rule
 * set for the whole period instead) and under the candidate. Read only: it can run beside the core serving the folder. Ctrl-C cancels.
 * Exit codes: 0 ran, 1 bad input (rules, period, data folder), 2 unreadable file, 130 cancelled.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plantTime } from '../../shared/clock/plant-time';
import { BacktestCancelled, backtestReportHtml, backtestSummaryText } from '../../shared/decide/backtest';
import { genericRules, type LoadedRules } from '../../shared/decide/rules-parse';
import { PlantFileError, loadPlantFile } from '../core/persistence/plant-file';
import { formatPlantIssues } from '../../shared/plant/parse';
import { RulesFileError, defaultRulesPath, loadRulesFile } from '../core/services/decide-service';
import { backtestDataDir } from '../core/services/backtest-data';
import { parseInstant } from './replay';

export interface BacktestCommandOptions {
  data: string;
  rules: string;
  baseline?: string;
  plant?: string;
  from?: string;
  to?: string;
  step?: number;
  /** Most decision points evaluated (default 200); later ones are counted only. */
  maxDecisions?: number;
  json?: boolean;
  out?: string;
  /** Where output goes (tests); stdout and stderr by default. */
  print?: (text: string) => void;
  warn?: (text: string) => void;
  signal?: AbortSignal;
}

/** The rules the folder's journal was recorded under: what the core there would start with. */
export async function recordedRules(dataDir: string, plant: Parameters<typeof loadRulesFile>[1], baseline?: string): Promise<LoadedRules> {
  if (baseline !== undefined) return (await loadRulesFile(baseline, plant)).loaded;
  const active = join(dataDir, 'rules-active.yaml');
  if (existsSync(active)) return (await loadRulesFile(active, plant)).loaded;
  try {
    return (await loadRulesFile(defaultRulesPath(), plant)).loaded;
  } catch (e) {
    if (!(e instanceof RulesFileError)) throw e;
    return genericRules();
  }
}

export async function backtestCommand(o: BacktestCommandOptions): Promise<number> {
  const print = o.print ?? ((t: string) => void process.stdout.write(t + '\n'));
  const warn = o.warn ?? ((t: string) => void process.stderr.write(t + '\n'));
  const fail = (code: number, message: string) => {
    if (o.json) print(JSON.stringify({ ok: false, error: message }));
    else warn(`takt backtest: ${message}`);
    return code;
  };
  let plant;
  let plantFile: string;
  try {
    ({ plant, file: plantFile } = await loadPlantFile(o.plant));
  } catch (e) {
    if (!(e instanceof PlantFileError)) throw e;
    return fail(e.kind === 'unreadable' ? 2 : 1, e.kind === 'unreadable' ? e.message : `${e.issues.length} problem(s) in the plant file ${e.file}\n${formatPlantIssues(e.issues)}`);
  }
  let recorded: LoadedRules;
  let candidate: LoadedRules;
  try {
    candidate = (await loadRulesFile(o.rules, plant)).loaded;
    recorded = await recordedRules(o.data, plant, o.baseline);
  } catch (e) {
    if (!(e instanceof RulesFileError)) throw e;
    return fail(e.kind === 'unreadable' ? 2 : 1, e.message);
  }
  const pt = plantTime(plant.site.timezone);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  o.signal?.addEventListener('abort', onSigint);
  process.once('SIGINT', onSigint);
  let lastTenth = -1;
  try {
    const from = o.from !== undefined ? parseInstant(o.from) : undefined;
    const to = o.to !== undefined ? parseInstant(o.to) : undefined;
    const result = await backtestDataDir(
      { dataDir: o.data, plant, plantFile, recorded, candidate, rulesHistory: o.baseline !== undefined ? 'none' : 'folder', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(o.step !== undefined ? { stepMinutes: o.step } : {}), ...(o.maxDecisions !== undefined ? { maxDecisions: o.maxDecisions } : {}) },
      {
        signal: controller.signal,
        yieldNow: () => new Promise((r) => setImmediate(r)),
        onProgress: (p) => {
          const tenth = p.total ? Math.floor((p.done / p.total) * 10) : 10;
          if (o.json || tenth === lastTenth) return;
          lastTenth = tenth;
          warn(`backtest: ${tenth * 10} % (plant time ${pt.day(p.at)}, ${p.differences} differences so far, ${p.decisionsEvaluated} decisions compared${p.decisionsSkipped ? `, ${p.decisionsSkipped} past --max-decisions counted only` : ''})`);
        },
      },
    );
    if (o.out) {
      const { htmlToPdf } = await import('../report/pdf');
      const { pdf } = await htmlToPdf(backtestReportHtml(result, { plantName: plant.site.name, timeZone: plant.site.timezone }));
      writeFileSync(o.out, pdf);
    }
    if (o.json) print(JSON.stringify({ ok: true, ...(o.out ? { out: o.out } : {}), result }));
    else {
      print(backtestSummaryText(result, plant.site.timezone));
      if (o.out) print(`report → ${o.out}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof BacktestCancelled) return fail(130, e.message);
    return fail(1, (e as Error).message);
  } finally {
    process.off('SIGINT', onSigint);
    o.signal?.removeEventListener('abort', onSigint);
  }
}
