/**
 * A backtest over a data folder's journal: the twin starts from the newest snapshot at or before
 * the period's start (or from the start of the journal), the journal after it is streamed from
 * SQLite, and the pure backtest (shared/decide/backtest/) compares the two rule sets. Read only:
 * the folder is checked, never written, so it can run beside the core that serves it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Plant } from '../../../shared/plant/schema';
import type { LoadedRules } from '../../../shared/decide/rules-parse';
import type { TwinSnapshot } from '../../../shared/twin/twin';
import { runBacktest, type BacktestControl, type BacktestResult, type JournalEntry } from '../../../shared/decide/backtest';
import { checkDataDir, JOURNAL_FILE, plantFingerprint } from '../persistence/data-dir';
import { openJournal, type Journal } from '../persistence/journal';
import { loadRulesHistory } from '../persistence/rules-history';

export interface DataDirBacktest {
  dataDir: string;
  plant: Plant;
  /** The plant file's name, for the data folder's identity check. */
  plantFile: string;
  /** The stand-in for the recorded side where the folder's rule history does not reach (or the whole period, see `rulesHistory`). */
  recorded: LoadedRules;
  candidate: LoadedRules;
  /**
   * `folder` (default): the recorded side follows the folder's activation history
   * (`rules-history.jsonl`), switching at each activation; `none`: `recorded` judges the whole
   * period (an explicit baseline).
   */
  rulesHistory?: 'folder' | 'none';
  /** Plant-time period; the journal's start and end when absent. */
  from?: number;
  to?: number;
  stepMinutes?: number;
  horizonHours?: number;
  maxDecisions?: number;
  /** Start at the journal's start when `from` is before it (a console's "last 7 days" on a young folder), instead of refusing. */
  clampToJournal?: boolean;
}

/** The data folder's journal period (start time, newest event time), without replaying anything. */
export function journalPeriod(dataDir: string, plant: Plant, plantFile: string): { start: number; end: number } {
  const { identity, journal } = openReadOnly(dataDir, plant, plantFile);
  try {
    return { start: identity.startTime, end: Number.isFinite(journal.maxEventTime) ? journal.maxEventTime : identity.startTime };
  } finally {
    journal.close();
  }
}

function openReadOnly(dataDir: string, plant: Plant, plantFile: string): { identity: NonNullable<ReturnType<typeof checkDataDir>>; journal: Journal } {
  if (!existsSync(join(dataDir, JOURNAL_FILE))) throw new Error(`no journal in ${dataDir}: run the core first (npm start) or pass --data <folder>`);
  const identity = checkDataDir(dataDir, { plantId: plant.site.id, plantHash: plantFingerprint(plant), plantFile });
  if (!identity) throw new Error(`${dataDir} has no history to backtest yet (no takt-data.json with a journal): run the core first (npm start) or pass --data <folder>`);
  return { identity, journal: openJournal(join(dataDir, JOURNAL_FILE), { readonly: true }) };
}

export async function backtestDataDir(o: DataDirBacktest, control: BacktestControl = {}): Promise<BacktestResult> {
  const { identity, journal } = openReadOnly(o.dataDir, o.plant, o.plantFile);
  try {
    const end = Number.isFinite(journal.maxEventTime) ? journal.maxEventTime : identity.startTime;
    const from = o.from === undefined || (o.clampToJournal && o.from < identity.startTime) ? identity.startTime : o.from;
    const to = o.to ?? end;
    if (from < identity.startTime) throw new Error(`the period starts ${new Date(from).toISOString()}, before the journal of ${o.dataDir} does (${new Date(identity.startTime).toISOString()}): pick --from at or after it`);
    if (to < from) throw new Error(`the period ends ${new Date(to).toISOString()} before it starts ${new Date(from).toISOString()}: --to must be after --from`);
    // The newest snapshot before the period: replaying up to it again would give the same twin.
    const snap = from > identity.startTime ? journal.latestSnapshot({ atOrBeforeTime: from }) : undefined;
    const snapshot = snap ? (JSON.parse(snap.data) as TwinSnapshot) : undefined;
    function* entries(): Generator<JournalEntry> {
      for (const row of journal.readFrom((snapshot?.position ?? 0) + 1)) yield { position: row.position, signal: row.signal };
    }
    const recordedHistory = o.rulesHistory === 'none' ? undefined : loadRulesHistory(o.dataDir, o.plant);
    return await runBacktest(
      {
        ...(recordedHistory ? { recordedHistory } : {}),
        plant: o.plant,
        startTime: identity.startTime,
        ...(snapshot ? { snapshot } : {}),
        entries: entries(),
        recorded: o.recorded,
        candidate: o.candidate,
        from,
        to,
        ...(o.stepMinutes !== undefined ? { stepMinutes: o.stepMinutes } : {}),
        ...(o.horizonHours !== undefined ? { horizonHours: o.horizonHours } : {}),
        ...(o.maxDecisions !== undefined ? { maxDecisions: o.maxDecisions } : {}),
      },
      control,
    );
  } finally {
    journal.close();
  }
}
