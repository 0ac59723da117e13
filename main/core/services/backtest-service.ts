/**
 * The core's backtest service: `rules.backtest` replays the data folder's journal under the active
 * rule set and a draft (on a worker thread: ./backtest-runner.ts), with progress and cancel, and
 * writes the record (period, both rule hashes, results hash) to the audit log. It keeps the
 * latest backtests in `<dataDir>/backtests.json` so that activation can require a backtest of that
 * exact draft (`activation.requireBacktest` in the active rule set): `checkActivation` refuses a
 * draft whose content hash was not backtested against the rules active now.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plant } from '../../../shared/plant/schema';
import { ProtocolFailure, type MethodHandlers } from '../../../shared/protocol/server';
import { formatRulesIssues, parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import { BacktestCancelled, DEFAULT_MAX_DECISIONS, type BacktestResult } from '../../../shared/decide/backtest';
import { findPerson } from '../../../shared/commit/workflows';
import type { CommitStore } from '../persistence/commit-store';
import type { DataDirBacktest } from './backtest-data';
import { runBacktestInWorker } from './backtest-runner';
import { actingPerson } from '../../../shared/auth/authorize';

/** A backtest on record: what was compared, over which period, with which outcome. */
export interface BacktestRecord {
  candidateHash: string;
  candidateVersion: string;
  recordedHash: string;
  recordedVersion: string;
  from: number;
  to: number;
  resultsHash: string;
  differences: number;
  by: string;
  at: number;
}

const KEEP = 50;

export interface BacktestServiceOptions {
  plant: Plant;
  plantFile: string;
  dataDir: string;
  /** The rule set active now (the recorded side). */
  activeRules: () => LoadedRules;
  /** Plant time now: the latest end a backtest can have. */
  now: () => number;
  store: () => Promise<CommitStore>;
  /** Runs the job (a worker thread by default; tests may run it inline). */
  run?: typeof runBacktestInWorker;
  log?: (line: string) => void;
}

export interface BacktestService {
  readonly methods: Pick<MethodHandlers, 'rules.backtest'>;
  /** Throws a `conflict` when the active rules require a backtest of this exact draft and there is none. */
  checkActivation(text: string, file?: string): void;
  records(): BacktestRecord[];
}

export function createBacktestService(o: BacktestServiceOptions): BacktestService {
  const file = join(o.dataDir, 'backtests.json');
  let records: BacktestRecord[] = [];
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { format: number; records: BacktestRecord[] };
      if (saved.format === 1 && Array.isArray(saved.records)) records = saved.records;
    } catch (e) {
      o.log?.(`backtest: cannot read ${file} (${(e as Error).message}); earlier backtests are not on record, run them again`);
    }
  }
  const save = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ format: 1, records }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  const run = o.run ?? runBacktestInWorker;
  let running = false;

  const methods: BacktestService['methods'] = {
    'rules.backtest': async (p, ctx) => {
      const byId = actingPerson(ctx.caller, p.by);
      const who = findPerson(o.plant, byId);
      if (!who) throw new ProtocolFailure('bad_params', `unknown person '${byId}': 'by' must be a person id from plant '${o.plant.site.id}' (its crews)`, 'params.by');
      const parsed = parseRulesText(p.text, p.file ?? 'draft-rules.yaml', o.plant);
      if (!parsed.ok) throw new ProtocolFailure('bad_params', `the draft rule set cannot be backtested: ${formatRulesIssues(parsed.errors)}`, 'params.text');
      if (running) throw new ProtocolFailure('conflict', 'a backtest is already running on this core: wait for it or cancel it, then run this one');
      const recorded = o.activeRules();
      const now = Math.floor(o.now());
      const to = Math.min(p.to ?? now, now);
      const from = p.from ?? to - 7 * 24 * 3_600_000;
      if (from >= to) throw new ProtocolFailure('bad_params', `the period ${new Date(from).toISOString()} – ${new Date(to).toISOString()} is empty: 'from' must be before 'to' and before now`, 'params.from');
      const job: DataDirBacktest = { dataDir: o.dataDir, plant: o.plant, plantFile: o.plantFile, recorded, candidate: parsed.loaded, from, to, clampToJournal: true, ...(p.stepMinutes !== undefined ? { stepMinutes: p.stepMinutes } : {}), ...(p.maxDecisions !== undefined ? { maxDecisions: p.maxDecisions } : {}) };
      running = true;
      let result: BacktestResult;
      try {
        result = await run(job, { signal: ctx.signal, onProgress: (pr) => ctx.progress(pr.done, pr.total, `${pr.differences} difference${pr.differences === 1 ? '' : 's'} so far, ${pr.decisionsEvaluated} decision${pr.decisionsEvaluated === 1 ? '' : 's'} compared${pr.decisionsSkipped ? ` (${pr.decisionsSkipped} past the limit of ${job.maxDecisions ?? DEFAULT_MAX_DECISIONS}, counted only)` : ''}`) });
      } catch (e) {
        if (e instanceof BacktestCancelled) throw new ProtocolFailure('cancelled', 'the backtest was cancelled');
        // The journal starts later than asked (a young data folder): said in the message.
        throw new ProtocolFailure('bad_params', `the backtest failed: ${(e as Error).message}`);
      } finally {
        running = false;
      }
      const record: BacktestRecord = {
        candidateHash: result.candidate.hash,
        candidateVersion: result.candidate.version,
        recordedHash: result.recorded.hash,
        recordedVersion: result.recorded.version,
        from: result.period.from,
        to: result.period.to,
        resultsHash: result.resultsHash,
        differences: result.differences.length,
        by: byId,
        at: now,
      };
      records = [...records.filter((r) => !(r.candidateHash === record.candidateHash && r.recordedHash === record.recordedHash)), record].slice(-KEEP);
      save();
      const s = await o.store();
      await s.serial(() =>
        s.appendAudit({
          at: now,
          actor: byId,
          role: who.role,
          kind: 'rules.backtested',
          subjectId: `rules-${record.candidateHash}`,
          payload: { period: { from: record.from, to: record.to }, recordedHash: record.recordedHash, recordedVersion: record.recordedVersion, candidateHash: record.candidateHash, candidateVersion: record.candidateVersion, resultsHash: record.resultsHash, differences: record.differences, counts: result.counts },
        }),
      );
      o.log?.(`backtest: rules ${record.candidateVersion} (${record.candidateHash}) against ${record.recordedVersion} (${record.recordedHash}) by ${byId}: ${record.differences} differences, results ${record.resultsHash}`);
      return result;
    },
  };

  return {
    methods,
    records: () => records.map((r) => ({ ...r })),
    checkActivation(text, name) {
      const active = o.activeRules();
      if (!active.rules.activation?.requireBacktest) return;
      const parsed = parseRulesText(text, name ?? 'rules.yaml', o.plant);
      if (!parsed.ok) return; // activation itself refuses it, with the issues
      const hash = parsed.loaded.hash;
      if (hash === active.hash) return;
      if (records.some((r) => r.candidateHash === hash && r.recordedHash === active.hash)) return;
      throw new ProtocolFailure(
        'conflict',
        `the active rules ${active.version} require a backtest before activation: this draft (version ${parsed.loaded.version}, hash ${hash}) has not been backtested against them. Run Backtest on this exact draft, then activate it.`,
        'params.text',
      );
    },
  };
}
