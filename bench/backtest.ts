/**
 * Backtest: 30 plant days of the demo plant's journal, recorded from the seeded simulator as the
 * core would at ×600 (bench/_record-journal.ts: 30-plant-second chunks, a snapshot every 100
 * plant minutes), then backtested with a changed rule set (changeover-overrun threshold 15 → 5 min,
 * late-risk threshold 30 → 60 min) through the same code `takt backtest` runs (a data folder read
 * from SQLite, the twin replayed, detection every 5 plant minutes under both rule sets, decisions
 * compared where they differ).
 *
 *   npm run bench -- backtest [--json] [--days N] [--seed N] [--step MIN]
 *
 * Timed: the backtest only (`backtest_30d_ms`); recording the journal is reported apart. Goal ≤ 60 s.
 * The machine's load average is printed with the result, and the backtest's CPU time: on a shared
 * machine the wall time is longer than an idle one's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchArgs, numberFlag } from './_args';
import { recordJournal } from './_record-journal';
import { loadPlantFile } from '../main/core/persistence/plant-file';
import { defaultRulesPath, loadRulesFile } from '../main/core/services/decide-service';
import { backtestDataDir } from '../main/core/services/backtest-data';
import { parseRulesText } from '../shared/decide/rules-parse';
import { readFileSync } from 'node:fs';

const args = benchArgs('backtest', { days: { type: 'string' }, seed: { type: 'string' }, step: { type: 'string' } });
const DAYS = numberFlag('backtest', 'days', args.days, 30);
const SEED = numberFlag('backtest', 'seed', args.seed, 1);
const STEP = numberFlag('backtest', 'step', args.step, 5);
const GOAL_MS = 60_000;
/** Monday 2026-03-02 06:00 UTC: a shift start. */
const T0 = Date.UTC(2026, 2, 2, 6, 0);
const round = (x: number) => Math.round(x * 100) / 100;

const { plant, file: plantFile } = await loadPlantFile();
const recorded = (await loadRulesFile(defaultRulesPath(), plant)).loaded;
const text = readFileSync(defaultRulesPath(), 'utf8').replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 5').replace('lateRiskMinutes: 30', 'lateRiskMinutes: 60').replace(/^version: .*$/m, 'version: "bench-draft"');
const parsed = parseRulesText(text, 'bench-candidate.yaml', plant);
if (!parsed.ok) throw new Error(`the bench's candidate rules are invalid: ${JSON.stringify(parsed.errors)}`);
const candidate = parsed.loaded;

const dir = mkdtempSync(join(tmpdir(), 'takt-bench-backtest-'));
const load = loadavg().map(round);
let error: string | null = null;
let summary: Record<string, unknown> = {};
try {
  let t = performance.now();
  const rec = recordJournal({ plant, plantFile, dir, seed: SEED, startTime: T0, hours: DAYS * 24, speed: 600 });
  const recordMs = Math.round(performance.now() - t);
  console.log(JSON.stringify({ bench: 'backtest', detail: true, phase: 'record', days: DAYS, seed: SEED, speed: 600, signals: rec.signals, snapshots: rec.snapshots, record_ms: recordMs }));
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await backtestDataDir({ dataDir: dir, plant, plantFile, recorded, candidate, from: T0, to: rec.end, stepMinutes: STEP });
  const ms = Math.round(performance.now() - t);
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ bench: 'backtest', detail: true, phase: 'backtest', rule_changes: r.ruleChanges, counts: r.counts, recorded: r.recorded, candidate: r.candidate, decisions_evaluated: r.decisionsEvaluated, decisions_skipped: r.decisionsSkipped, kpi_delta: r.kpiDelta, results_hash: r.resultsHash }));
  summary = {
    days: DAYS,
    signals: r.signals,
    passes: r.passes,
    exceptions: { recorded: r.recorded.raised, candidate: r.candidate.raised },
    differences: r.differences.length,
    decisions_evaluated: r.decisionsEvaluated,
    backtest_30d_ms: ms,
    /** CPU time of the backtest (user + system): on a shared machine, closer to what an idle one would take than the wall time. */
    backtest_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    signals_per_s: Math.round(r.signals / (ms / 1000)),
    record_ms: recordMs,
  };
} catch (e) {
  error = (e as Error).stack ?? String(e);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ms = Number(summary.backtest_30d_ms ?? NaN);
console.log(JSON.stringify({ bench: 'backtest', ...summary, goal_ms: GOAL_MS, within_goal: ms <= GOAL_MS, load_before: load, load_after: loadavg().map(round), ...(error ? { error } : {}) }));
process.exit(error ? 1 : 0);
