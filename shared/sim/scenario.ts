/**
 * What-if scenarios: a named list of disruptions (line down N h from T, component short by a
 * quantity or until a time, rush order, absence, demand change) and manual moves (an order to
 * another line or queue slot, a split), run on a fork of the twin with the forecast
 * (./forecast/); up to 4 results compared side by side with deltas against the first (the
 * baseline). Risk mode: N replications with seeded stochastic breakdowns give each order's
 * on-time probability (`runReplication` is what the worker threads run, one index at a time, so
 * the pool and an in-process loop give the same numbers for the same seed).
 *
 * Scenario files are YAML or JSON with positioned errors, like the plant file. Times are hours
 * from the scenario's start (the base state's time). Pure.
 */
import { z } from 'zod';
import type { Plant } from '../plant/schema';
import { didYouMean, oneOf } from '../files/issues';
import { parseChecked, type FileIssue, type IssuePath, type RawIssue } from '../files/positioned';
import { HOUR, assignLine, indexPlant, type PlantIndex } from '../twin/schedule';
import { aggregateRisk, runReplication, type PreparedRisk, type ReplicationResult, type RiskResult } from './risk';
import {
  applyMove,
  cloneState,
  forecast,
  type ForecastKpis,
  type ForecastOptions,
  type ForecastOrder,
  type ForecastResult,
  type ForecastState,
  type GanttRow,
  type Move,
  type OrderForecast,
} from './forecast';

// ---------------------------------------------------------------- schema

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an id: letters, digits, _ . - (max 64), starting with a letter or digit');
const hours = z.number().finite().nonnegative();
const positiveHours = z.number().finite().positive();

export const disruptionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('line-down'), line: id, atHours: hours.default(0), hours: positiveHours, reason: z.string().max(200).optional() }).strict(),
  z
    .object({
      type: z.literal('component-short'),
      component: id,
      atHours: hours.default(0),
      /** Stock lost (found missing, scrapped, quarantined). */
      qty: z.number().finite().positive().optional(),
      /** Or: none of it usable until this hour. */
      untilHours: positiveHours.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('rush-order'),
      id,
      sku: id,
      qty: z.number().finite().positive(),
      customer: id,
      atHours: hours.default(0),
      dueInHours: positiveHours,
      priority: z.number().int().min(1).max(5).default(1),
      line: id.optional(),
      /** Run it next on its line (else it is sequenced by due date like any order). */
      front: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('absence'),
      atHours: hours.default(0),
      hours: positiveHours,
      /** Named people missing. */
      people: z.array(id).optional(),
      /** Or a number of people missing (from `line`'s crew, or from the shift). */
      count: z.number().int().positive().optional(),
      line: id.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('demand-change'),
      atHours: hours.default(0),
      /** One order, or every open order of a SKU. */
      order: id.optional(),
      sku: id.optional(),
      qty: z.number().finite().positive().optional(),
      factor: z.number().finite().positive().optional(),
      dueInHours: positiveHours.optional(),
    })
    .strict(),
]);

export const scenarioMoveSchema = z.discriminatedUnion('type', [
  /** Drag an order to another line (optionally to a queue slot, 0 = next). */
  z.object({ type: z.literal('move'), order: id, line: id, position: z.number().int().nonnegative().optional() }).strict(),
  /** Drag an order to a slot of its own line's queue. */
  z.object({ type: z.literal('sequence'), order: id, position: z.number().int().nonnegative() }).strict(),
  z.object({ type: z.literal('split'), order: id, line: id, qty: z.number().finite().positive(), newId: id.optional(), position: z.number().int().nonnegative().optional() }).strict(),
  /** Fix a line's queue: these orders run first, in this order (what the optimizing re-planner writes). */
  z.object({ type: z.literal('resequence'), line: id, orders: z.array(id).min(1).max(5000) }).strict(),
]);

export const scenarioSchema = z
  .object({
    takt: z.literal('scenario', { message: 'the scenario file marker: `takt: scenario`' }),
    name: z.string().min(1).max(120),
    description: z.string().max(2000).optional(),
    horizonHours: positiveHours.max(24 * 14).optional(),
    seed: z.number().int().nonnegative().optional(),
    /** Start instant when run from the plant's opening state (ISO 8601); the CLI defaults to 06:00 UTC today. */
    start: z.string().datetime({ offset: true }).optional(),
    disruptions: z.array(disruptionSchema).default([]),
    moves: z.array(scenarioMoveSchema).default([]),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Disruption = z.infer<typeof disruptionSchema>;
export type ScenarioMove = z.infer<typeof scenarioMoveSchema>;

export type ScenarioParseResult = { ok: true; scenario: Scenario; warnings: FileIssue[] } | { ok: false; errors: FileIssue[] };

/**
 * Parses and checks a scenario file (YAML or JSON). With a plant, references are checked too
 * (lines, components, SKUs, customers, people; orders against the plant's book and `knownOrders`).
 */
export function parseScenarioText(text: string, file: string, plant?: Plant, knownOrders?: readonly string[]): ScenarioParseResult {
  const r = parseChecked(text, file, {
    schema: scenarioSchema,
    check: (s) => checkScenario(s, plant, knownOrders),
    emptyHint: 'a scenario file is a mapping that starts with `takt: scenario`',
  });
  return r.ok ? { ok: true, scenario: r.value, warnings: r.warnings } : { ok: false, errors: r.errors };
}

type Issue = RawIssue & { severity: 'error' | 'warning' };

/** Cross-reference and consistency checks (positioned by path). */
export function checkScenario(s: Scenario, plant?: Plant, knownOrders?: readonly string[]): Issue[] {
  const issues: Issue[] = [];
  const err = (path: IssuePath, message: string, expected?: string, found?: string) => issues.push({ severity: 'error', path, message, ...(expected ? { expected } : {}), ...(found ? { found } : {}) });
  const lines = plant ? plant.areas.flatMap((a) => a.lines.map((l) => l.id)) : null;
  const comps = plant ? plant.components.map((c) => c.id) : null;
  const skus = plant ? plant.products.map((p) => p.sku) : null;
  const customers = plant ? plant.customers.map((c) => c.id) : null;
  const people = plant ? plant.crews.flatMap((c) => c.members.map((m) => m.id)) : null;
  const orders = plant ? [...plant.orders.map((o) => o.id), ...(knownOrders ?? [])] : null;
  const rushIds = s.disruptions.flatMap((d) => (d.type === 'rush-order' ? [d.id] : []));
  const ref = (path: IssuePath, what: string, value: string, known: readonly string[] | null) => {
    if (!known || known.includes(value)) return;
    const guess = didYouMean(value, known);
    err(path, `unknown ${what} '${value}'${guess ? ` (did you mean '${guess}'?)` : ''}`, oneOf(known, 12), `'${value}'`);
  };
  s.disruptions.forEach((d, i) => {
    const p = (k: string): IssuePath => ['disruptions', i, k];
    switch (d.type) {
      case 'line-down':
        ref(p('line'), 'line', d.line, lines);
        break;
      case 'component-short':
        ref(p('component'), 'component', d.component, comps);
        if ((d.qty === undefined) === (d.untilHours === undefined)) err(['disruptions', i], 'a component shortage needs exactly one of `qty` (stock lost) or `untilHours` (unusable until then)', '`qty` or `untilHours`');
        if (d.untilHours !== undefined && d.untilHours <= d.atHours) err(p('untilHours'), `untilHours (${d.untilHours}) must be after atHours (${d.atHours})`);
        break;
      case 'rush-order':
        ref(p('sku'), 'SKU', d.sku, skus);
        ref(p('customer'), 'customer', d.customer, customers);
        if (d.line) ref(p('line'), 'line', d.line, lines);
        if (orders?.includes(d.id)) err(p('id'), `order id '${d.id}' is already in the order book`);
        if (d.dueInHours <= d.atHours) err(p('dueInHours'), `dueInHours (${d.dueInHours}) must be after atHours (${d.atHours})`);
        if (plant && d.line) {
          const product = plant.products.find((x) => x.sku === d.sku);
          if (product && product.rates[d.line] === undefined) err(p('line'), `line '${d.line}' has no run rate for ${d.sku}`, oneOf(Object.keys(product.rates)), `'${d.line}'`);
        }
        break;
      case 'absence':
        if (d.line) ref(p('line'), 'line', d.line, lines);
        (d.people ?? []).forEach((x, j) => ref(['disruptions', i, 'people', j], 'person', x, people));
        if (!d.people?.length && !d.count) err(['disruptions', i], 'an absence needs `people` (who is missing) or `count` (how many)', '`people` or `count`');
        break;
      case 'demand-change':
        if (d.order) ref(p('order'), 'order', d.order, orders ? [...orders, ...rushIds] : null);
        if (d.sku) ref(p('sku'), 'SKU', d.sku, skus);
        if ((d.order === undefined) === (d.sku === undefined)) err(['disruptions', i], 'a demand change names exactly one of `order` or `sku`', '`order` or `sku`');
        if (d.qty !== undefined && d.factor !== undefined) err(p('factor'), 'give `qty` or `factor`, not both');
        if (d.qty === undefined && d.factor === undefined && d.dueInHours === undefined) err(['disruptions', i], 'a demand change needs `qty`, `factor` or `dueInHours`');
        break;
    }
  });
  s.moves.forEach((m, i) => {
    const p = (k: string): IssuePath => ['moves', i, k];
    if (m.type === 'resequence') {
      ref(p('line'), 'line', m.line, lines);
      m.orders.forEach((o, j) => ref(['moves', i, 'orders', j], 'order', o, orders ? [...orders, ...rushIds] : null));
      return;
    }
    ref(p('order'), 'order', m.order, orders ? [...orders, ...rushIds] : null);
    if (m.type !== 'sequence') ref(p('line'), 'line', m.line, lines);
    if (plant && m.type !== 'sequence') {
      const sku = plant.orders.find((o) => o.id === m.order)?.sku ?? s.disruptions.find((d): d is Extract<Disruption, { type: 'rush-order' }> => d.type === 'rush-order' && d.id === m.order)?.sku;
      const product = sku ? plant.products.find((x) => x.sku === sku) : undefined;
      if (product && lines?.includes(m.line) && product.rates[m.line] === undefined) err(p('line'), `line '${m.line}' has no run rate for ${product.sku} (order ${m.order})`, oneOf(Object.keys(product.rates)), `'${m.line}'`);
    }
  });
  return issues;
}

// ---------------------------------------------------------------- apply and run

export interface ScenarioRunOptions extends Omit<ForecastOptions, 'gantt'> {
  /** Plant index, when the caller has one. */
  index?: PlantIndex;
}

/** The base state with the scenario's disruptions and moves applied (a new state). */
export function applyScenario(plant: Plant, base: ForecastState, scenario: Scenario, index: PlantIndex = indexPlant(plant)): ForecastState {
  const st = cloneState(base);
  const t0 = st.time;
  const at = (h: number) => Math.round(t0 + h * HOUR);
  for (const d of scenario.disruptions) {
    switch (d.type) {
      case 'line-down':
        st.planned.push({ at: at(d.atHours), type: 'line-down', lineId: d.line, minutes: d.hours * 60, ...(d.reason ? { reason: d.reason } : {}) });
        break;
      case 'component-short':
        if (d.qty !== undefined) st.planned.push({ at: at(d.atHours), type: 'stock-loss', component: d.component, qty: d.qty });
        else st.planned.push({ at: at(d.atHours), type: 'component-block', component: d.component, until: at(d.untilHours ?? d.atHours) });
        break;
      case 'rush-order': {
        const lineId = assignLine(index, d.sku, d.line);
        const order: ForecastOrder = { id: d.id, sku: d.sku, qty: d.qty, remaining: d.qty, customer: d.customer, due: at(d.dueInHours), priority: d.priority, lineId, state: 'queued', heldUntil: null, startedAt: null };
        st.planned.push({ at: at(d.atHours), type: 'order-add', order });
        if (d.front && lineId) {
          const line = st.lines.find((l) => l.id === lineId);
          if (line) line.pinned = [d.id, ...line.pinned.filter((x) => x !== d.id)];
        }
        break;
      }
      case 'absence':
        st.absences.push({ from: at(d.atHours), until: at(d.atHours + d.hours), ...(d.people ? { people: [...d.people] } : {}), ...(d.count ? { count: d.count } : {}), ...(d.line ? { lineId: d.line } : {}) });
        break;
      case 'demand-change': {
        const targets = d.order ? [d.order] : st.orders.filter((o) => o.sku === d.sku && o.state !== 'done' && o.state !== 'cancelled').map((o) => o.id);
        for (const orderId of targets) {
          const o = st.orders.find((x) => x.id === orderId) ?? st.planned.find((e): e is Extract<ForecastState['planned'][number], { type: 'order-add' }> => e.type === 'order-add' && e.order.id === orderId)?.order;
          if (!o) continue;
          const qty = d.qty ?? (d.factor !== undefined ? Math.round(o.qty * d.factor) : undefined);
          st.planned.push({ at: at(d.atHours), type: 'order-change', orderId, ...(qty !== undefined ? { qty } : {}), ...(d.dueInHours !== undefined ? { due: at(d.dueInHours) } : {}) });
        }
        break;
      }
    }
  }
  // A rush order that a move names must exist before the move: add those at the start.
  for (const m of scenario.moves) {
    // A resequence keeps a rush order's slot for when it arrives (../sim/forecast.ts applyMove).
    const add = m.type === 'resequence' ? undefined : st.planned.find((e): e is Extract<ForecastState['planned'][number], { type: 'order-add' }> => e.type === 'order-add' && e.order.id === m.order);
    if (add && !st.orders.some((o) => o.id === add.order.id)) {
      st.orders.push(add.order);
      st.planned = st.planned.filter((e) => e !== add);
    }
    applyMove(st, toMove(m));
  }
  return st;
}

/** A scenario's move as the forecast's move. */
export function toMove(m: ScenarioMove): Move {
  switch (m.type) {
    case 'move':
      return { kind: 'reroute', orderId: m.order, toLine: m.line, ...(m.position !== undefined ? { position: m.position } : {}) };
    case 'sequence':
      return { kind: 'sequence', orderId: m.order, position: m.position };
    case 'split':
      return { kind: 'split', orderId: m.order, toLine: m.line, qty: m.qty, ...(m.newId ? { newId: m.newId } : {}), ...(m.position !== undefined ? { position: m.position } : {}) };
    case 'resequence':
      return { kind: 'resequence', lineId: m.line, orderIds: [...m.orders] };
  }
}

export interface GanttLine {
  lineId: string;
  rows: GanttRow[];
  changeovers: number;
  cleans: number;
  changeoverMinutes: number;
  utilisation: number;
}

export interface ScenarioResult {
  name: string;
  description?: string;
  start: number;
  end: number;
  horizonHours: number;
  seed: number;
  kpis: ForecastKpis;
  orders: OrderForecast[];
  gantt: GanttLine[];
  events: number;
}

/** Runs a scenario on a fork of `base` (not mutated). */
export function runScenario(plant: Plant, base: ForecastState, scenario: Scenario, opts: ScenarioRunOptions = {}): ScenarioResult {
  const index = opts.index ?? indexPlant(plant);
  const st = applyScenario(plant, base, scenario, index);
  const { index: _i, ...fo } = opts;
  const r = forecast(plant, st, { ...fo, horizonHours: fo.horizonHours ?? scenario.horizonHours, seed: fo.seed ?? scenario.seed, gantt: true }, index);
  return toResult(scenario, r);
}

function toResult(scenario: Scenario, r: ForecastResult): ScenarioResult {
  return {
    name: scenario.name,
    ...(scenario.description ? { description: scenario.description } : {}),
    start: r.start,
    end: r.end,
    horizonHours: r.horizonHours,
    seed: r.seed,
    kpis: r.kpis,
    orders: r.orders,
    gantt: r.lines.map((l) => ({ lineId: l.id, rows: l.gantt, changeovers: l.changeovers, cleans: l.cleans, changeoverMinutes: l.changeoverMinutes, utilisation: l.utilisation })),
    events: r.events,
  };
}

// ---------------------------------------------------------------- compare

export const KPI_COLUMNS: readonly { key: keyof ForecastKpis; label: string; unit: string; better: 'lower' | 'higher' }[] = [
  { key: 'weightedTardinessHours', label: 'Tier-weighted tardiness', unit: 'h', better: 'lower' },
  { key: 'lateOrders', label: 'Late orders', unit: '', better: 'lower' },
  { key: 'changeoverMinutes', label: 'Changeover', unit: 'min', better: 'lower' },
  { key: 'utilisation', label: 'Utilisation', unit: '', better: 'higher' },
  { key: 'overtimeHours', label: 'Overtime', unit: 'person-h', better: 'lower' },
  { key: 'overtimeCost', label: 'Overtime cost', unit: '', better: 'lower' },
  { key: 'premiumFreightCost', label: 'Premium freight', unit: '', better: 'lower' },
  { key: 'ordersCompleted', label: 'Orders completed', unit: '', better: 'higher' },
  { key: 'unitsProduced', label: 'Units produced', unit: '', better: 'higher' },
  { key: 'cost', label: 'Objective cost', unit: '', better: 'lower' },
];

export interface ScenarioComparison {
  /** Scenario names; the first is the baseline. */
  scenarios: string[];
  rows: { kpi: keyof ForecastKpis; label: string; unit: string; better: 'lower' | 'higher'; values: number[]; deltas: (number | null)[]; best: number }[];
}

/** KPI table for 1–4 results, with deltas against the first. */
export function compareScenarios(results: readonly ScenarioResult[]): ScenarioComparison {
  if (results.length < 1 || results.length > 4) throw new RangeError(`compareScenarios: compare 1 to 4 scenarios, got ${results.length}`);
  const base = results[0] as ScenarioResult;
  return {
    scenarios: results.map((r) => r.name),
    rows: KPI_COLUMNS.map((c) => {
      const values = results.map((r) => r.kpis[c.key]);
      const best = values.reduce((bi, v, i) => ((c.better === 'lower' ? v < (values[bi] as number) : v > (values[bi] as number)) ? i : bi), 0);
      return { kpi: c.key, label: c.label, unit: c.unit, better: c.better, values, deltas: values.map((v, i) => (i === 0 ? null : Math.round((v - base.kpis[c.key]) * 1000) / 1000)), best };
    }),
  };
}

// ---------------------------------------------------------------- risk mode

export { aggregateRisk, replicationSeed, runReplication, type PreparedRisk, type ReplicationResult, type RiskResult } from './risk';

/** Everything a replication needs, as plain data (it crosses to worker threads). */
export function prepareRisk(plant: Plant, base: ForecastState, scenario: Scenario, opts: { horizonHours?: number; seed?: number; mtbfHours?: number } & Omit<ForecastOptions, 'gantt' | 'breakdowns'> = {}): PreparedRisk {
  const index = indexPlant(plant);
  const state = applyScenario(plant, base, scenario, index);
  const ids = [...state.orders.map((o) => o.id), ...state.planned.flatMap((e) => (e.type === 'order-add' ? [e.order.id] : []))];
  const { horizonHours, seed, mtbfHours, ...rest } = opts;
  return { state, horizonHours: horizonHours ?? scenario.horizonHours ?? 24, seed: seed ?? scenario.seed ?? 1, orderIds: [...new Set(ids)].sort(), options: { ...rest, ...(mtbfHours !== undefined ? { mtbfHours } : {}) } };
}

/** Risk mode in process (the worker pool in main/core/services/replications.ts gives the same result). */
export function runRisk(plant: Plant, base: ForecastState, scenario: Scenario, opts: { replications: number; seed?: number; horizonHours?: number; mtbfHours?: number; onProgress?: (done: number, total: number) => void }): RiskResult {
  const p = prepareRisk(plant, base, scenario, { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.horizonHours !== undefined ? { horizonHours: opts.horizonHours } : {}), ...(opts.mtbfHours !== undefined ? { mtbfHours: opts.mtbfHours } : {}) });
  const index = indexPlant(plant);
  const out: ReplicationResult[] = [];
  for (let i = 0; i < opts.replications; i++) {
    out.push(runReplication(plant, p, i, index));
    opts.onProgress?.(i + 1, opts.replications);
  }
  return aggregateRisk(p, out);
}
