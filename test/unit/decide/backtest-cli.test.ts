import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../../main/cli/backtest';
import { recordJournal } from '../../../bench/_record-journal';
import { loadPlantFile } from '../../../main/core/persistence/plant-file';
import { openJournal } from '../../../main/core/persistence/journal';
import { runBacktest } from '../../../shared/decide/backtest';
import { parseRulesText } from '../../../shared/decide/rules-parse';
import { defaultRulesText, HOUR, T0 } from './helpers';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'takt-backtest-cli-'));
  data = join(dir, 'data');
  const { plant, file } = await loadPlantFile();
  recordJournal({ plant, plantFile: file, dir: data, seed: 3, startTime: T0, hours: 8 });
  writeFileSync(join(dir, 'candidate.yaml'), defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 5'));
  writeFileSync(join(dir, 'bad.yaml'), defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: -5'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(o: Partial<Parameters<typeof backtestCommand>[0]>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await backtestCommand({ data, rules: join(dir, 'candidate.yaml'), print: (t) => out.push(t), warn: (t) => err.push(t), ...o });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('takt backtest', () => {
  it('replays a recorded data folder from a snapshot and prints the result as JSON', async () => {
    const r = await run({ json: true, from: String(T0 + 3 * HOUR) });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { ok: boolean; result: { period: { from: number; to: number }; ruleChanges: string[]; passes: number; resultsHash: string } };
    expect(j.ok).toBe(true);
    expect(j.result.ruleChanges).toEqual(['exceptions.changeoverOverrunMinutes: 15 → 5']);
    expect(j.result.period.from).toBe(T0 + 3 * HOUR);
    expect(j.result.period.to).toBeLessThanOrEqual(T0 + 8 * HOUR);
    expect(j.result.passes).toBeGreaterThan(50);
    // The snapshot is a starting point, not another history: replaying the whole journal finds the same differences.
    const { plant } = await loadPlantFile();
    const journal = openJournal(join(data, 'journal.sqlite'), { readonly: true });
    const entries = [...journal.readFrom(1)].map((row) => ({ position: row.position, signal: row.signal }));
    journal.close();
    const recorded = parseRulesText(defaultRulesText(), 'default-rules.yaml', plant);
    const candidate = parseRulesText(readFileSync(join(dir, 'candidate.yaml'), 'utf8'), 'candidate.yaml', plant);
    if (!recorded.ok || !candidate.ok) throw new Error('rules');
    const full = await runBacktest({ plant, startTime: T0, entries, recorded: recorded.loaded, candidate: { ...candidate.loaded, file: join(dir, 'candidate.yaml') }, recordedHistory: [], from: j.result.period.from, to: j.result.period.to });
    const { signals: _s, resultsHash: _h, ...fromScratch } = full;
    const { signals: _s2, resultsHash: _h2, ...fromSnapshot } = j.result as unknown as typeof full;
    expect(fromSnapshot).toEqual(fromScratch);
    expect(full.signals).toBeGreaterThan((j.result as unknown as typeof full).signals);
  }, 120_000);

  it('prints a summary with progress for people', async () => {
    const r = await run({ from: new Date(T0 + 6 * HOUR).toISOString() });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^backtest .* a detection pass every 5 min/);
    expect(r.out).toMatch(/candidate rules 2026\.11-1 \([0-9a-f]{16}\)/);
    expect(r.out).toMatch(/results hash [0-9a-f]{16}/);
    expect(r.err).toMatch(/backtest: 100 %/);
  }, 60_000);

  it('evaluates at most --max-decisions decision points, counts the rest, and says so in the progress and the summary', async () => {
    const json = await run({ json: true, maxDecisions: 0 });
    expect(json.code).toBe(0);
    const { result } = JSON.parse(json.out) as { result: { decisionsEvaluated: number; decisionsSkipped: number; differences: { kind: string; decision?: unknown }[] } };
    const decisionPoints = result.differences.filter((d) => d.kind !== 'suppression').length;
    expect(decisionPoints).toBeGreaterThan(0);
    expect(result.decisionsEvaluated).toBe(0);
    expect(result.decisionsSkipped).toBe(decisionPoints);
    expect(result.differences.filter((d) => d.decision)).toHaveLength(0);
    const text = await run({ maxDecisions: 0 });
    expect(text.out).toContain(`decisions compared: 0 (${decisionPoints} more past the limit, counted only: raise it with --max-decisions)`);
    expect(text.err).toMatch(/backtest: 100 % .* 0 decisions compared, \d+ past --max-decisions counted only/);
  }, 60_000);

  it('names the path of a missing or invalid rules file, and of a folder without a journal', async () => {
    const missing = await run({ rules: join(dir, 'nope.yaml') });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(join(dir, 'nope.yaml'));
    const bad = await run({ rules: join(dir, 'bad.yaml') });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(new RegExp(`${join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ exceptions\\.changeoverOverrunMinutes`));
    const nodata = await run({ data: join(dir, 'empty') });
    expect(nodata.code).toBe(1);
    expect(nodata.err).toContain(`no journal in ${join(dir, 'empty')}`);
    const period = await run({ from: String(T0 - HOUR) });
    expect(period.code).toBe(1);
    expect(period.err).toMatch(/before the journal of .* does/);
  }, 60_000);
});
