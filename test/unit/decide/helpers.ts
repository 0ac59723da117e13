import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlantText } from '../../../shared/plant/parse';
import type { Plant } from '../../../shared/plant/schema';
import { ruleSetSchema, type RuleSet, type RuleSetInput } from '../../../shared/decide/rules-schema';
import { parseRulesText } from '../../../shared/decide/rules-parse';
import type { LineView, MachineView, OrderView, TwinView } from '../../../shared/twin/view';

export const root = join(import.meta.dirname, '..', '..', '..');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** Monday 2026-03-02 06:00 UTC: the start of the small plant's early shift. */
export const T0 = Date.UTC(2026, 2, 2, 6, 0);

export function smallPlant(): Plant {
  const r = parsePlantText(readFileSync(join(root, 'test/fixtures/plants/small-plant.yaml'), 'utf8'), 'small-plant.yaml');
  if (!r.ok) throw new Error('small plant fixture invalid');
  return r.plant;
}

export function demoPlant(): Plant {
  const r = parsePlantText(readFileSync(join(root, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
  if (!r.ok) throw new Error('demo plant invalid');
  return r.plant;
}

export const defaultRulesText = () => readFileSync(join(root, 'resources/rules/default-rules.yaml'), 'utf8');

/** Rules for the small plant: generic, with overrides. */
export function rules(over: (r: RuleSetInput) => void = () => undefined): RuleSet {
  const input: RuleSetInput = {
    takt: 'rules',
    version: 'test-1',
    name: 'test rules',
    priority: {
      tiers: { A: { weight: 3, latePenaltyPerHour: 500 }, B: { weight: 2, latePenaltyPerHour: 150 }, C: { weight: 1, latePenaltyPerHour: 40 } },
      orderPriority: { 1: 2, 2: 1.5, 3: 1, 4: 0.8, 5: 0.6 },
    },
  };
  over(input);
  return ruleSetSchema.parse(input);
}

export function parsedDefaultRules(plant: Plant): RuleSet {
  const r = parseRulesText(defaultRulesText(), 'default-rules.yaml', plant);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.loaded.rules;
}

export function line(id: string, over: Partial<LineView> = {}): LineView {
  return {
    id,
    areaId: 'dairy',
    name: `Line ${id}`,
    status: 'idle',
    currentOrderId: null,
    currentSku: null,
    lastFamily: null,
    queue: [],
    good: 0,
    scrap: 0,
    wip: 0,
    availability: 1,
    crewOnShift: 2,
    crewNeeded: 2,
    holds: [],
    currentProjectedEnd: null,
    alarm: null,
    ...over,
  };
}

export function order(id: string, over: Partial<OrderView> = {}): OrderView {
  return { id, sku: 'Y-PLAIN-125', qty: 12000, customer: 'big-retail', due: T0 + 8 * HOUR, priority: 3, state: 'released', lineId: 'L1', good: 0, scrap: 0, startedAt: null, completedAt: null, late: false, holds: [], ...over };
}

export function machine(id: string, lineId: string, over: Partial<MachineView> = {}): MachineView {
  return { id, lineId, state: 'idle', since: T0, alarm: null, plannedMinutes: null, good: 0, scrap: 0, ...over };
}

/** A hand-made view of the small plant at `time` (default T0): both lines idle, stock from the plant file. */
export function view(over: Partial<TwinView> = {}): TwinView {
  return {
    time: T0,
    position: 0,
    hash: 'test',
    lines: [line('L1'), line('L2')],
    machines: [machine('L1-MIX', 'L1'), machine('L1-FIL', 'L1'), machine('L1-PAK', 'L1'), machine('L2-FIL', 'L2'), machine('L2-PAK', 'L2')],
    orders: [],
    inventory: [
      { component: 'cup', location: 'LS1', qty: 5000 },
      { component: 'cup', location: 'WH', qty: 150000 },
      { component: 'milk', location: 'WH', qty: 20000 },
    ],
    onShift: { shiftId: 'early', people: ['p1', 'p2', 'p3'] },
    ...over,
  };
}
