import { beforeAll, describe, expect, it } from 'vitest';
import { BacktestCancelled, runBacktest, type BacktestInput, type JournalEntry } from '../../../shared/decide/backtest';
import { parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import { createPlantSimulator } from '../../../shared/sim/plant-simulator';
import type { Plant } from '../../../shared/plant/schema';
import { defaultRulesText, demoPlant, HOUR, MIN, T0 } from './helpers';
import { overrunWindows } from './overrun-oracle';

const DAY = 24 * HOUR;
const STEP = 5 * MIN;
let plant: Plant;
let entries: JournalEntry[];
let recorded: LoadedRules;

function rulesFrom(text: string, file: string): LoadedRules {
  const r = parseRulesText(text, file, plant);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.loaded;
}

/** A day of the demo plant, recorded from the seeded simulator in the chunks the core takes at ×600. */
beforeAll(() => {
  plant = demoPlant();
  const sim = createPlantSimulator(plant, { seed: 7, startTime: T0 });
  entries = [];
  for (let t = T0 + 30_000; t <= T0 + DAY; t += 30_000) for (const signal of sim.runUntil(t)) entries.push({ position: entries.length + 1, signal });
  recorded = rulesFrom(defaultRulesText(), 'default-rules.yaml');
});

const input = (candidate: LoadedRules, over: Partial<BacktestInput> = {}): BacktestInput => ({ plant, startTime: T0, entries, recorded, candidate, from: T0, to: T0 + DAY, ...over });

/**
 * The oracle for a lower changeover-overrun threshold, from the twin alone (not from exception
 * detection): at each pass, a line's overrun is its worst timed machine's minutes past plan; the
 * candidate (5 min) raises it where the recorded rules (15 min) do not exactly when 5 < overrun ≤ 15.
 * Contiguous passes make one difference, ending at the first pass outside the band.
 */
function expectedOverrunExtras(): { key: string; from: number; until: number | null }[] {
  return overrunWindows(plant, entries, { from: T0, to: T0 + DAY, step: STEP }, (_t, over) => (over > 5 && over <= 15 ? 'extra' : null)).map(({ key, from, until }) => ({ key, from, until }));
}

describe('backtest', () => {
  it('a lower changeover-overrun threshold raises exactly the overruns between the two thresholds, and names that rule', async () => {
    // Two changes detection sees; only the threshold changes what is raised.
    const text = defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 5').replace('shelveMaxMinutes: 480', 'shelveMaxMinutes: 240').replace(/^version: .*$/m, 'version: "2026.12-draft"');
    const candidate = rulesFrom(text, 'candidate.yaml');
    const r = await runBacktest(input(candidate));
    expect(r.ruleChanges).toEqual(['exceptions.changeoverOverrunMinutes: 15 → 5', 'exceptions.shelveMaxMinutes: 480 → 240']);
    expect(r.decisionRulesDiffer).toBe(false);
    const expected = expectedOverrunExtras();
    expect(expected.length).toBeGreaterThan(2);
    expect(r.differences.map((d) => ({ key: d.key, from: d.from, until: d.until }))).toEqual(expected.sort((a, b) => a.from - b.from || (a.key < b.key ? -1 : 1)));
    for (const d of r.differences) {
      expect(d.kind).toBe('extra');
      expect(d.rules).toEqual(['exceptions.changeoverOverrunMinutes: 15 → 5']);
      expect(d.recorded).toBeNull();
      expect(d.candidate?.detail).toMatch(/over \(threshold 5 min\)$/);
      // The candidate decides on the exception it raises; the recorded rules ran the plan as is.
      expect(d.decision?.recorded.option).toBeNull();
      expect(d.decision?.candidate.option).not.toBeNull();
    }
    // An overrun that goes on past 15 min is raised by both (the candidate earlier): more raises, not one per difference.
    expect(r.candidate.raised).toBeGreaterThan(r.recorded.raised);
    expect(r.counts).toEqual({ extra: expected.length, missing: 0, priority: 0, suppression: 0 });
  }, 120_000);

  it('the recorded rule set against itself shows no difference', async () => {
    const r = await runBacktest(input(recorded));
    expect(r.ruleChanges).toEqual([]);
    expect(r.differences).toEqual([]);
    expect(r.decisions).toEqual([]);
    expect(r.decisionsEvaluated).toBe(0);
    expect(r.kpiDelta).toEqual({ latenessCost: 0, lateOrders: 0, changeoverMinutes: 0, oee: 0, cost: 0 });
    expect(r.recorded.raised).toBe(r.candidate.raised);
    expect(r.recorded.raised).toBeGreaterThan(0);
    expect(r.passes).toBe(DAY / STEP + 1);
  }, 60_000);

  it('is deterministic: two runs give equal results and hash; a decision-rule change is compared on shared exceptions', async () => {
    // Tier-A lateness costs far more: the same exceptions, possibly other top options.
    const text = defaultRulesText().replace(/A: \{ weight: 3, latePenaltyPerHour: (\d+)/, 'A: { weight: 3, latePenaltyPerHour: 5000').replace('lateRiskMinutes: 30', 'lateRiskMinutes: 60');
    const candidate = rulesFrom(text, 'candidate.yaml');
    const half = { to: T0 + 12 * HOUR, maxDecisions: 12 };
    const a = await runBacktest(input(candidate, half));
    const b = await runBacktest(input(candidate, half));
    expect(a.resultsHash).toBe(b.resultsHash);
    expect(a).toEqual(b);
    expect(a.differences.length).toBeGreaterThan(0);
    for (const d of a.differences) expect(d.kind === 'missing' && d.rules.join() === 'exceptions.lateRiskMinutes: 30 → 60').toBe(true);
    expect(a.decisionsEvaluated).toBe(12);
  }, 120_000);

  it('reports progress and stops when cancelled', async () => {
    const ctl = new AbortController();
    const seen: number[] = [];
    const run = runBacktest(input(recorded), {
      signal: ctl.signal,
      yieldNow: () => new Promise((r) => setImmediate(r)),
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done >= 64) ctl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(BacktestCancelled);
    expect(seen).toEqual([32, 64]);
  });
});
