import { beforeAll, describe, expect, it } from 'vitest';
import { actualEvents, reviewDecision, weeklyDecisionQuality, type ReviewedReceipt } from '../../../shared/decide/review';
import { generateOptions } from '../../../shared/decide/options';
import { evaluateScenarioCommit } from '../../../shared/commit/scenario-commit';
import type { Scenario } from '../../../shared/sim/scenario';
import { createPlantSimulator } from '../../../shared/sim/plant-simulator';
import { createTwin } from '../../../shared/twin/twin';
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import type { TwinState } from '../../../shared/twin/view';
import type { RuleSet } from '../../../shared/decide/rules-schema';
import { demoPlant, HOUR, MIN, parsedDefaultRules, T0 } from './helpers';

let plant: Plant;
let rules: RuleSet;
let signals: Signal[];
const FORK = T0 + 2 * HOUR;
const HORIZON = 6;

function twinAt(t: number): TwinState {
  const twin = createTwin(plant, { startTime: T0 });
  const upTo = signals.filter((s) => s.eventTime <= t);
  twin.applyBatch(upTo, upTo.length);
  if (t > twin.time) twin.advanceTo(t);
  const v = structuredClone(twin.peek());
  twin.stop();
  return v;
}

beforeAll(() => {
  plant = demoPlant();
  rules = parsedDefaultRules(plant);
  signals = createPlantSimulator(plant, { seed: 11, startTime: T0 }).runUntil(T0 + 10 * HOUR);
});

describe('decision review', () => {
  it('hindsight events: one line-down from the first machine down to the last one up, and arrivals', () => {
    const line = plant.areas[0]!.lines[0]!;
    const [m1, m2] = line.machines;
    const at = (min: number) => T0 + min * MIN;
    const sig = (min: number, x: Record<string, unknown>) => ({ id: `s${min}`, source: 't', seq: min, eventTime: at(min), receiveTime: at(min), ...x }) as unknown as Signal;
    const evs = actualEvents(plant, [sig(10, { type: 'machine.state', machine: m1!.id, state: 'down' }), sig(15, { type: 'machine.state', machine: m2!.id, state: 'down' }), sig(20, { type: 'machine.state', machine: m1!.id, state: 'running' }), sig(30, { type: 'machine.state', machine: m2!.id, state: 'idle' }), sig(40, { type: 'order.created', order: { id: 'NEW-1', sku: plant.products[0]!.sku, qty: 100, customer: plant.customers[0]!.id, due: at(600), priority: 2 } })], T0, at(120));
    expect(evs).toEqual([
      { at: at(10), type: 'line-down', lineId: line.id, minutes: 20, reason: 'as it happened' },
      { at: at(40), type: 'order-add', order: expect.objectContaining({ id: 'NEW-1', remaining: 100, lineId: null, state: 'queued' }) },
    ]);
  });

  it("compares the chosen option's projected order ends with the journal's, and finds the regret against the best option in hindsight", () => {
    const forkView = twinAt(FORK);
    const endView = twinAt(FORK + HORIZON * HOUR);
    const line = forkView.lines.find((l) => l.currentOrderId && l.queue.length > 1)!;
    const exception = { type: 'line-down', key: `line-down:${line.id}`, subject: { lineId: line.id }, numbers: { expectedRepairMinutes: 90 } };
    const options = generateOptions({ plant, rules, twinState: forkView, exception: { type: 'line-down', lineId: line.id, expectedRepairMinutes: 90 }, horizonHours: HORIZON, seed: 1 }).filter((o) => o.feasible);
    expect(options.length).toBeGreaterThanOrEqual(2);
    const receipt = (chosenOptionId: string): ReviewedReceipt => ({ id: 'DEC-1', forkAt: FORK, horizonHours: HORIZON, seed: 1, committedAt: FORK + 10 * MIN, chosenOptionId, options: options.map((o) => ({ id: o.id, title: o.title, feasible: o.feasible, moves: o.moves })), replayInput: { exception, inbound: [] } });
    const window = signals.filter((s) => s.eventTime > FORK && s.eventTime <= FORK + HORIZON * HOUR);
    const worst = options[options.length - 1]!;
    const r = reviewDecision({ plant, rules, receipt: receipt(worst.id), forkView, endView, signals: window, raisedAt: FORK - 5 * MIN });
    // Actual ends are the journal's order.completed times, read here straight from the signals.
    const completed = new Map(window.filter((s) => s.type === 'order.completed').map((s) => [(s as Extract<Signal, { type: 'order.completed' }>).orderId, s.eventTime] as const));
    expect(r.endErrors.length).toBeGreaterThan(0);
    for (const e of r.endErrors) {
      expect(e.actualEnd).toBe(completed.get(e.orderId));
      expect(e.errorMinutes).toBeCloseTo((e.actualEnd - e.projectedEnd) / MIN, 1);
    }
    expect(r.endMaeMinutes).toBeCloseTo(r.endErrors.reduce((s, e) => s + Math.abs(e.errorMinutes), 0) / r.endErrors.length, 1);
    for (const id of r.unforeseenEnds) expect(completed.has(id)).toBe(true);
    expect(r.cycleMinutes).toBe(15);
    expect(r.regret).toBeGreaterThanOrEqual(0);
    expect(r.best.cost).toBeLessThanOrEqual(r.hindsightCost);
    // Choosing the best option in hindsight has no regret; the review is deterministic.
    const again = reviewDecision({ plant, rules, receipt: receipt(r.best.id), forkView, endView, signals: window });
    expect(again.regret).toBe(0);
    expect(again.best.id).toBe(r.best.id);
    expect(reviewDecision({ plant, rules, receipt: receipt(worst.id), forkView, endView, signals: window, raisedAt: FORK - 5 * MIN })).toEqual(r);
    const weeks = weeklyDecisionQuality([r, again]);
    expect(weeks).toHaveLength(1);
    expect(weeks[0]).toMatchObject({ decisions: 2, meanRegret: Math.round((r.regret / 2) * 10) / 10, meanCycleMinutes: 15, withHindsightGaps: 0, hindsightGapKinds: [] });
  }, 60_000);

  it("reviews a committed what-if scenario: forecast under its assumptions, hindsight under what happened, regret against the plan as is", () => {
    const forkView = twinAt(FORK);
    const endView = twinAt(FORK + HORIZON * HOUR);
    const line = forkView.lines.find((l) => l.queue.length > 1)!;
    const window = signals.filter((s) => s.eventTime > FORK && s.eventTime <= FORK + HORIZON * HOUR);
    const review = (disruptions: Scenario['disruptions']) => {
      const scenario: Scenario = { takt: 'scenario', name: 'front', horizonHours: HORIZON, seed: 1, disruptions, moves: [{ type: 'sequence', order: line.queue[1]!.orderId, position: 0 }] };
      const ev = evaluateScenarioCommit({ plant, rules: { rules, version: 't', hash: 't', file: 't' }, view: forkView, scenario, inbound: [] });
      const receipt: ReviewedReceipt = { id: 'DEC-S', forkAt: FORK, horizonHours: HORIZON, seed: 1, committedAt: FORK, chosenOptionId: ev.chosen.id, options: ev.options.map((o) => ({ id: o.id, title: o.title, feasible: o.feasible, moves: o.moves })), replayInput: { exception: {}, inbound: [], scenario: { name: 'front', scenario } } };
      return { ev, r: reviewDecision({ plant, rules, receipt, forkView, endView, signals: window }) };
    };
    const plain = review([]);
    const assumed = review([{ type: 'line-down', line: line.id, atHours: 0, hours: 4 }, { type: 'absence', atHours: 0, hours: 2, count: 1 }]);
    // The forecast is the receipt's: the scenario's cost in its comparison, assumptions included.
    for (const { ev, r } of [plain, assumed]) expect(r.forecastCost).toBeCloseTo(ev.comparison.rows.find((x) => x.kpi === 'cost')!.values[1]!, 3);
    expect(assumed.r.forecastCost).not.toBeCloseTo(plain.r.forecastCost, 3);
    // In hindsight the assumptions give way to what the journal recorded: same costs, same best, same regret.
    expect(assumed.r.hindsightCost).toBe(plain.r.hindsightCost);
    expect(assumed.r.best).toEqual(plain.r.best);
    expect(assumed.r.regret).toBe(plain.r.regret);
    expect(plain.ev.options.map((o) => o.id)).toContain(plain.r.best.id);
    expect(plain.r.endErrors.length).toBeGreaterThan(0);
    expect(plain.r.endMaeMinutes).not.toBeNull();
    expect(assumed.r.scenario).toEqual({ name: 'front', assumptions: 2 });
    expect(assumed.r.hindsightGaps).toEqual([expect.stringMatching(/^disruptions\.1 \(absence\)/)]);
    expect(plain.r.hindsightGaps).toBeUndefined();
    // The weekly roll-up counts the decisions whose regret leaves an assumption unchecked, and names its kind.
    expect(weeklyDecisionQuality([plain.r, assumed.r])[0]).toMatchObject({ decisions: 2, withHindsightGaps: 1, hindsightGapKinds: ['absence'] });
  }, 60_000);

  it('refuses a decision whose horizon has not passed yet', () => {
    const forkView = twinAt(FORK);
    const receipt: ReviewedReceipt = { id: 'DEC-2', forkAt: FORK, horizonHours: 24, seed: 1, committedAt: FORK, chosenOptionId: 'x', options: [{ id: 'x', title: 'x', feasible: true, moves: [] }], replayInput: { exception: { type: 'late-risk' }, inbound: [] } };
    expect(() => reviewDecision({ plant, rules, receipt, forkView, endView: forkView, signals: [] })).toThrow(/review it once the horizon has passed/);
  });
});
