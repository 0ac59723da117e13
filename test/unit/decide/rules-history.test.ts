import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../../main/cli/backtest';
import { recordJournal } from '../../../bench/_record-journal';
import { loadPlantFile } from '../../../main/core/persistence/plant-file';
import { RULES_HISTORY_DIR, loadRulesHistory, readRulesActivations, recordRulesActivation, recordRulesIfChanged } from '../../../main/core/persistence/rules-history';
import { parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import type { BacktestResult } from '../../../shared/decide/backtest';
import type { Plant } from '../../../shared/plant/schema';
import { defaultRulesText, HOUR, T0 } from './helpers';

let dir: string;
let data: string;
let plant: Plant;
const strictText = defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 5').replace(/^version: .*$/m, 'version: "2026.12-strict"');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'takt-rules-history-'));
  data = join(dir, 'data');
  const loaded = await loadPlantFile();
  plant = loaded.plant;
  recordJournal({ plant, plantFile: loaded.file, dir: data, seed: 3, startTime: T0, hours: 6 });
  writeFileSync(join(dir, 'candidate.yaml'), strictText.replace('version: "2026.12-strict"', 'version: "2026.12-draft"'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = (text: string): LoadedRules => {
  const r = parseRulesText(text, 'r.yaml', plant);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.loaded;
};

async function backtest(): Promise<{ result: BacktestResult; text: string }> {
  const out: string[] = [];
  const code = await backtestCommand({ data, rules: join(dir, 'candidate.yaml'), json: true, print: (t) => out.push(t), warn: () => undefined });
  expect(code).toBe(0);
  const lines: string[] = [];
  expect(await backtestCommand({ data, rules: join(dir, 'candidate.yaml'), print: (t) => lines.push(t), warn: () => undefined })).toBe(0);
  return { result: (JSON.parse(out.join('')) as { result: BacktestResult }).result, text: lines.join('\n') };
}

describe('rule history in the data folder', () => {
  it('keeps each rule text under its hash and each activation in order; a start with the same rules adds nothing', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'takt-rules-history-unit-'));
    try {
      const a = rules(defaultRulesText());
      const b = rules(strictText);
      expect(recordRulesIfChanged(scratch, a, defaultRulesText(), { at: T0, position: 0, by: 'takt', source: 'startup' })).toBe(true);
      expect(recordRulesIfChanged(scratch, a, defaultRulesText(), { at: T0 + HOUR, position: 10, by: 'takt', source: 'startup' })).toBe(false);
      recordRulesActivation(scratch, b, strictText, { at: T0 + 2 * HOUR, position: 20, by: 'ana', source: 'activate' });
      recordRulesActivation(scratch, a, defaultRulesText(), { at: T0 + 3 * HOUR, position: 30, by: 'ana', source: 'activate' });
      expect(readRulesActivations(scratch).map((x) => [x.at, x.hash, x.by, x.source])).toEqual([
        [T0, a.hash, 'takt', 'startup'],
        [T0 + 2 * HOUR, b.hash, 'ana', 'activate'],
        [T0 + 3 * HOUR, a.hash, 'ana', 'activate'],
      ]);
      expect(readFileSync(join(scratch, RULES_HISTORY_DIR, `${b.hash}.yaml`), 'utf8')).toBe(strictText);
      expect(loadRulesHistory(scratch, plant).map((h) => [h.at, h.rules.hash])).toEqual([
        [T0, a.hash],
        [T0 + 2 * HOUR, b.hash],
        [T0 + 3 * HOUR, a.hash],
      ]);
      // A line cut short by a crash is skipped; a missing rule text is an error naming the file.
      writeFileSync(join(scratch, 'rules-history.jsonl'), `${readFileSync(join(scratch, 'rules-history.jsonl'), 'utf8')}{"at":`);
      expect(readRulesActivations(scratch)).toHaveLength(3);
      rmSync(join(scratch, RULES_HISTORY_DIR, `${b.hash}.yaml`));
      expect(() => loadRulesHistory(scratch, plant)).toThrow(new RegExp(`${b.hash}\\.yaml.*--baseline`));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('takt backtest says when the folder has no rule history, and follows the history once it has one', async () => {
    expect(existsSync(join(data, 'rules-history.jsonl'))).toBe(false);
    const old = await backtest();
    expect(old.result.recordedStandIn).toEqual({ until: null });
    expect(old.text).toMatch(/no rule history for the whole period .*rules active now/);
    expect(old.result.differences.length).toBeGreaterThan(0);

    // The strict set (the candidate's detection) from the start, the default rules from 4 h on.
    const switchAt = T0 + 4 * HOUR;
    recordRulesActivation(data, rules(strictText), strictText, { at: T0, position: 0, by: 'takt', source: 'startup' });
    recordRulesActivation(data, rules(defaultRulesText()), defaultRulesText(), { at: switchAt, position: 1, by: 'ana', source: 'activate' });
    const now = await backtest();
    expect(now.result.recordedStandIn).toBeNull();
    expect(now.result.recordedRules.map((s) => [s.from, s.version, s.fromHistory])).toEqual([
      [T0, '2026.12-strict', true],
      [switchAt, rules(defaultRulesText()).version, true],
    ]);
    expect(now.text).toMatch(/recorded rules switched inside the period: 2026\.12-strict .* then /);
    expect(now.text).not.toMatch(/no rule history/);
    // Before the switch both judge alike; from it on the differences are those of the default rules
    // (one still open at the switch begins there).
    expect(old.result.differences.some((d) => d.until === null || d.until > switchAt)).toBe(true);
    expect(now.result.differences).toEqual(
      old.result.differences
        .filter((d) => d.until === null || d.until > switchAt)
        .map((d) => expect.objectContaining({ key: d.key, kind: d.kind, from: Math.max(d.from, switchAt), until: d.until })),
    );
  }, 180_000);
});
