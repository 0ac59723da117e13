/**
 * Which rule set was active when: every activation (and every start with another rule set than the
 * last one recorded) appends a line to `<data>/rules-history.jsonl`, and the rule text itself is
 * kept content-addressed as `<data>/rules-history/<hash>.yaml`. A backtest replays each stretch of
 * the journal under the rules that were active then, not under the ones active now.
 *
 * Written durably (temporary file, fsync, rename; the log line appended and fsynced) before the
 * activation takes effect, so a crash never leaves an active rule set the history does not know.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Plant } from '../../../shared/plant/schema';
import { formatRulesIssues, parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import type { RecordedRulesSwitch } from '../../../shared/decide/backtest';

export const RULES_HISTORY_FILE = 'rules-history.jsonl';
export const RULES_HISTORY_DIR = 'rules-history';

export interface RulesActivation {
  /** Plant time the rule set became active, and the journal position then. */
  at: number;
  position: number;
  hash: string;
  version: string;
  by: string;
  /** `activate`: from a console or the API; `startup`: the core started with another rule set than the last recorded. */
  source: 'activate' | 'startup';
}

const versionFile = (dataDir: string, hash: string) => join(dataDir, RULES_HISTORY_DIR, `${hash.replace(/[^0-9a-zA-Z]/g, '')}.yaml`);

function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The activations recorded in the folder, oldest first; empty when it has no history (an older folder). Lines that do not parse are skipped. */
export function readRulesActivations(dataDir: string): RulesActivation[] {
  const file = join(dataDir, RULES_HISTORY_FILE);
  if (!existsSync(file)) return [];
  const out: RulesActivation[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const a = JSON.parse(line) as RulesActivation;
      if (typeof a.at === 'number' && typeof a.hash === 'string' && a.hash) out.push(a);
    } catch {
      // A line cut short by a crash mid-append: the activation it began never took effect.
    }
  }
  return out;
}

/** Keeps the rule text under its hash and appends the activation, both fsynced. */
export function recordRulesActivation(dataDir: string, rules: LoadedRules, text: string, a: Omit<RulesActivation, 'hash' | 'version'>): void {
  mkdirSync(join(dataDir, RULES_HISTORY_DIR), { recursive: true, mode: 0o700 });
  const vf = versionFile(dataDir, rules.hash);
  if (!existsSync(vf)) writeDurably(vf, text);
  const entry: RulesActivation = { at: a.at, position: a.position, hash: rules.hash, version: rules.version, by: a.by, source: a.source };
  const file = join(dataDir, RULES_HISTORY_FILE);
  appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Records `rules` as active from `at` unless the last recorded activation already is that rule set. */
export function recordRulesIfChanged(dataDir: string, rules: LoadedRules, text: string, a: Omit<RulesActivation, 'hash' | 'version'>): boolean {
  const last = readRulesActivations(dataDir).at(-1);
  if (last?.hash === rules.hash) return false;
  recordRulesActivation(dataDir, rules, text, a);
  return true;
}

/**
 * The recorded activations as rule sets to switch to, for a backtest. A version whose text is
 * missing or no longer fits the plant is an error naming the file and what to do.
 */
export function loadRulesHistory(dataDir: string, plant: Plant): RecordedRulesSwitch[] {
  const cache = new Map<string, LoadedRules>();
  return readRulesActivations(dataDir).map((a) => {
    let rules = cache.get(a.hash);
    if (!rules) {
      const file = versionFile(dataDir, a.hash);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new Error(`the rule set ${a.version} (${a.hash}) active from ${new Date(a.at).toISOString()} is missing from ${file} (${(e as Error).message}): restore it from a backup, or pass --baseline to backtest against one rule set`);
      }
      const r = parseRulesText(text, file, plant);
      if (!r.ok) throw new Error(`the rule set kept in ${file} no longer fits the plant: ${formatRulesIssues(r.errors)}; pass --baseline to backtest against one rule set`);
      rules = r.loaded;
      cache.set(a.hash, rules);
    }
    return { at: a.at, rules };
  });
}
