import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type BacktestInput, type JournalEntry } from '../../../shared/decide/backtest';
import { parseRulesText, type LoadedRules } from '../../../shared/decide/rules-parse';
import { createPlantSimulator } from '../../../shared/sim/plant-simulator';
import type { Plant } from '../../../shared/plant/schema';
import { defaultRulesText, demoPlant, HOUR, MIN, T0 } from './helpers';
import { overrunWindows } from './overrun-oracle';

const DAY = 24 * HOUR;
const STEP = 5 * MIN;
/** The activation in the middle of the period: a grid point, so the switch is at that very pass. */
const SWITCH = T0 + 12 * HOUR;
let plant: Plant;
let entries: JournalEntry[];

function rulesFrom(text: string, file: string): LoadedRules {
  const r = parseRulesText(text, file, plant);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.loaded;
}
const withOverrun = (minutes: number, version: string) =>
  rulesFrom(defaultRulesText().replace('changeoverOverrunMinutes: 15', `changeoverOverrunMinutes: ${minutes}`).replace(/^version: .*$/m, `version: "${version}"`), `${version}.yaml`);

beforeAll(() => {
  plant = demoPlant();
  const sim = createPlantSimulator(plant, { seed: 7, startTime: T0 });
  entries = [];
  for (let t = T0 + 30_000; t <= T0 + DAY; t += 30_000) for (const signal of sim.runUntil(t)) entries.push({ position: entries.length + 1, signal });
});

interface Expected {
  key: string;
  kind: 'extra' | 'missing';
  from: number;
  until: number | null;
}

/**
 * The oracle, from the twin alone: at each pass a line's overrun is its worst timed machine's
 * minutes past plan. With the candidate at 10 min, the recorded 15 min (before the switch) misses
 * what the candidate raises for 10 < overrun ≤ 15 (extra); the recorded 5 min (from the switch on)
 * raises what the candidate does not for 5 < overrun ≤ 10 (missing). Contiguous passes make one
 * difference, ending at the first pass outside its band, or at the switch.
 */
function expectedDifferences(switchAt: number): Expected[] {
  return overrunWindows<Expected['kind']>(plant, entries, { from: T0, to: T0 + DAY, step: STEP }, (t, over) => {
    const [kind, lo, hi] = t < switchAt ? (['extra', 10, 15] as const) : (['missing', 5, 10] as const);
    return over > lo && over <= hi ? kind : null;
  }).sort((a, b) => a.from - b.from || (a.key < b.key ? -1 : 1));
}

describe('backtest against the rule sets that were active', () => {
  let before: LoadedRules;
  let after: LoadedRules;
  let candidate: LoadedRules;
  let input: (over: Partial<BacktestInput>) => BacktestInput;
  beforeAll(() => {
    before = rulesFrom(defaultRulesText(), 'default-rules.yaml');
    after = withOverrun(5, '2026.12-strict');
    candidate = withOverrun(10, '2026.12-draft');
    // `recorded` is the stand-in (the rules active now): here `after`, as a folder would have it.
    input = (over) => ({ plant, startTime: T0, entries, recorded: after, candidate, from: T0, to: T0 + DAY, maxDecisions: 0, ...over });
  });

  it('switches at an activation inside the period: each stretch shows the differences of its own rule set', async () => {
    const r = await runBacktest(input({ recordedHistory: [{ at: T0 - HOUR, rules: before }, { at: SWITCH, rules: after }] }));
    const expected = expectedDifferences(SWITCH);
    expect(expected.some((d) => d.kind === 'extra')).toBe(true);
    expect(expected.some((d) => d.kind === 'missing')).toBe(true);
    expect(r.differences.map((d) => ({ key: d.key, kind: d.kind, from: d.from, until: d.until }))).toEqual(expected);
    for (const d of r.differences) expect(d.rules).toEqual([d.from < SWITCH ? 'exceptions.changeoverOverrunMinutes: 15 → 10' : 'exceptions.changeoverOverrunMinutes: 5 → 10']);
    expect(r.recordedRules).toEqual([
      { from: T0, version: before.version, hash: before.hash, fromHistory: true },
      { from: SWITCH, version: after.version, hash: after.hash, fromHistory: true },
    ]);
    expect(r.recordedStandIn).toBeNull();
    expect(r.recorded.hash).toBe(after.hash);
    expect(r.ruleChanges).toEqual(['exceptions.changeoverOverrunMinutes: 15 → 10', 'exceptions.changeoverOverrunMinutes: 5 → 10']);
  }, 120_000);

  it('where the history does not reach (an older folder), the stand-in judges and the result says until when', async () => {
    // The history begins at the switch; before it the stand-in (here `before`) judges.
    const r = await runBacktest(input({ recorded: before, recordedHistory: [{ at: SWITCH, rules: after }] }));
    expect(r.differences.map((d) => ({ key: d.key, kind: d.kind, from: d.from, until: d.until }))).toEqual(expectedDifferences(SWITCH));
    expect(r.recordedRules.map((s) => [s.from, s.hash, s.fromHistory])).toEqual([
      [T0, before.hash, false],
      [SWITCH, after.hash, true],
    ]);
    expect(r.recordedStandIn).toEqual({ until: SWITCH });
    // No history at all: the stand-in judges the whole period, and says so.
    const none = await runBacktest(input({ to: T0 + 2 * HOUR, recordedHistory: [] }));
    expect(none.recordedStandIn).toEqual({ until: null });
    expect(none.recordedRules).toEqual([{ from: T0, version: after.version, hash: after.hash, fromHistory: false }]);
    // An explicit baseline (no history asked for) is not a stand-in.
    const baseline = await runBacktest(input({ to: T0 + 2 * HOUR }));
    expect(baseline.recordedStandIn).toBeNull();
  }, 120_000);
});
