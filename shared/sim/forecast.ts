/**
 * Forecast: fork the twin and run it forward on a simulated clock over a horizon (default 24 h).
 *
 * The starting point is the twin's view (lines' current orders and progress, queues, machine
 * states including downs, inventory, holds, who is on shift), turned into a plain `ForecastState`
 * by `forkTwin`. `forecast()` then runs that state forward on the DES kernel (./kernel.ts) with the
 * twin's own sequencing (../twin/schedule.ts: line assignment, sequence by due/priority/id,
 * changeover look-up, run time from the rate, projection of what is left at the horizon):
 *
 * - a line runs its current order, then the head of its queue (planner pins first, then the
 *   twin's `compareBySequence`); each start pays the changeover from the line's last family, an
 *   allergen clean that needs a QA release also waits `qaReleaseMinutes`;
 * - material by BOM: a run segment reserves the material for the units it will make; when stock
 *   runs out the line starves until a receipt (planned, expedited, or the standard replenishment
 *   after the component's lead time);
 * - QA holds: a held order is skipped by the queue (a held current order blocks its line) and a
 *   held line does not run, until the expected release;
 * - crew coverage: each shift's operators and leads are matched to lines by skill; a line short of
 *   people runs at the covered share of its rate; running outside every shift is overtime;
 * - optional seeded stochastic breakdowns (exponential time between failures per machine, repair
 *   times by reason); without them the run is deterministic, with them deterministic for a seed.
 *
 * Orders not finished by the horizon get their completion from the twin's `projectQueue` (what the
 * live twin would show at that instant), so tardiness covers the whole book. Pure: no I/O, no
 * wall clock; randomness only from `createRng(seed)`.
 */
import type { Plant } from '../plant/schema';
import { HOUR, MINUTE, assignLine, compareBySequence, indexPlant, projectQueue, shiftAt, type PlantIndex } from '../twin/schedule';
import type { TwinState, TwinView } from '../twin/view';
import { Simulation, type EventHandle } from './kernel';
import { createRng, type Rng } from './random';

// ---------------------------------------------------------------- state

export interface ForecastOrder {
  id: string;
  sku: string;
  qty: number;
  /** Units still to make. */
  remaining: number;
  customer: string;
  due: number;
  priority: number;
  lineId: string | null;
  state: 'queued' | 'running' | 'done' | 'cancelled';
  /** Held (QA) until this plant time; null when not held. */
  heldUntil: number | null;
  /** Plant time it started (when it already had before the fork). */
  startedAt: number | null;
  /** Split from this order (an option or a manual move). */
  splitOf?: string;
}

export interface ForecastLine {
  id: string;
  currentOrderId: string | null;
  lastFamily: string | null;
  /** Down (expected repair at this plant time); null when up. */
  downUntil: number | null;
  /** Line-level QA hold until this plant time; null when none. */
  heldUntil: number | null;
  /** Minutes of a changeover/clean already in progress at the fork (for the current order). */
  setupRemainingMinutes: number;
  /** Planner's pinned sequence: these orders run first, in this order (then the twin's sequence). */
  pinned: string[];
}

export interface Absence {
  /** Plant time span. */
  from: number;
  until: number;
  /** Named people who are missing. */
  people?: string[];
  /** A number of people missing from one line's crew (or from the shift, without `lineId`). */
  count?: number;
  lineId?: string;
}

/** Things known to happen later (disruptions, receipts, changes); applied at their time. */
export type PlannedEvent =
  | { at: number; type: 'line-down'; lineId: string; minutes: number; reason?: string }
  | { at: number; type: 'receipt'; component: string; qty: number; expedited?: boolean }
  | { at: number; type: 'stock-loss'; component: string; qty: number }
  | { at: number; type: 'component-block'; component: string; until: number }
  | { at: number; type: 'order-add'; order: ForecastOrder }
  | { at: number; type: 'order-change'; orderId: string; qty?: number; due?: number; priority?: number };

export interface ForecastState {
  /** Plant time of the fork. */
  time: number;
  orders: ForecastOrder[];
  lines: ForecastLine[];
  /** Stock per component (all locations together). */
  inventory: Record<string, number>;
  planned: PlannedEvent[];
  absences: Absence[];
  /** Costs already committed by moves applied to this fork (premium freight). */
  premiumFreightCost: number;
}

// ---------------------------------------------------------------- options and results

export interface ForecastCosts {
  /** Cost per tier-weighted hour of tardiness. */
  tardinessPerWeightedHour: number;
  /** Cost per late order. */
  lateOrder: number;
  /** Cost per changeover (or clean) minute. */
  changeoverPerMinute: number;
  /** Cost per person-hour of overtime. */
  overtimePerPersonHour: number;
  /** Weight of lost utilisation (cost per line-hour of capacity not used); small, a tie-breaker. */
  idlePerLineHour: number;
  /** Per-tier cost per hour late (the rule set's `latePenaltyPerHour`); replaces `tardinessPerWeightedHour` when given. */
  latePenaltyPerHour?: Partial<Record<'A' | 'B' | 'C', number>>;
}

export const DEFAULT_TIER_WEIGHTS: Readonly<Record<'A' | 'B' | 'C', number>> = Object.freeze({ A: 3, B: 2, C: 1 });
export const DEFAULT_COSTS: Readonly<ForecastCosts> = Object.freeze({ tardinessPerWeightedHour: 100, lateOrder: 250, changeoverPerMinute: 5, overtimePerPersonHour: 45, idlePerLineHour: 1 });

export interface BreakdownOptions {
  /** Mean hours between failures per machine (default 40, the plant simulator's). */
  mtbfHours?: number;
}

export interface ForecastOptions {
  horizonHours?: number;
  seed?: number;
  /** Seeded stochastic breakdowns (off by default: the forecast is then deterministic). */
  breakdowns?: boolean | BreakdownOptions;
  tierWeights?: Partial<Record<'A' | 'B' | 'C', number>>;
  costs?: Partial<ForecastCosts>;
  /** Minutes a QA release takes after an allergen clean (default 15). */
  qaReleaseMinutes?: number;
  /** Keep per-line Gantt rows (default true). */
  gantt?: boolean;
}

export interface OrderForecast {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  tier: 'A' | 'B' | 'C';
  lineId: string | null;
  due: number;
  /** Projected start (run start; null when it never starts, e.g. no capable line). */
  start: number | null;
  /** Projected completion (inside the horizon: simulated; after it: the twin's projection). */
  end: number | null;
  completedInHorizon: boolean;
  late: boolean;
  tardinessHours: number;
  weightedTardinessHours: number;
  changeoverMinutes: number;
  splitOf?: string;
}

export interface GanttRow {
  kind: 'run' | 'setup' | 'down' | 'held' | 'starved';
  orderId: string | null;
  sku: string | null;
  start: number;
  end: number;
  /** For setups: the changeover minutes and whether it was an allergen clean. */
  changeoverMinutes?: number;
  clean?: boolean;
  /** Runs: the order finished in this row. */
  complete?: boolean;
  reason?: string;
}

export interface LineForecast {
  id: string;
  runMinutes: number;
  changeoverMinutes: number;
  changeovers: number;
  cleans: number;
  downMinutes: number;
  utilisation: number;
  unitsProduced: number;
  gantt: GanttRow[];
}

export interface ForecastKpis {
  /** Σ hours late × customer tier weight, over every open order. */
  weightedTardinessHours: number;
  lateOrders: number;
  changeoverMinutes: number;
  /** Run time / line time over the horizon, all lines. */
  utilisation: number;
  overtimeHours: number;
  overtimeCost: number;
  premiumFreightCost: number;
  ordersCompleted: number;
  unitsProduced: number;
  /** The objective: weighted sum of the above (lower is better). */
  cost: number;
}

export interface ForecastResult {
  start: number;
  end: number;
  horizonHours: number;
  seed: number;
  stochastic: boolean;
  kpis: ForecastKpis;
  orders: OrderForecast[];
  lines: LineForecast[];
  /** Kernel events fired. */
  events: number;
}

// ---------------------------------------------------------------- fork

export interface ForkOptions {
  /** Expected repair per down line (plant time); else `defaultRepairMinutes` after the down began. */
  expectedRepair?: Record<string, number>;
  /** Minutes a down is expected to last when nothing better is known (default 60). */
  defaultRepairMinutes?: number;
  /** Minutes until an open QA hold is expected to be released (default 60 from the fork). */
  holdReleaseMinutes?: number;
}

const TERMINAL = new Set(['complete', 'closed', 'cancelled']);

/** The twin's view as a forecast starting state (a plain, serialisable copy). */
export function forkTwin(plant: Plant, view: TwinState, opts: ForkOptions = {}): ForecastState {
  const now = view.time;
  const holdUntil = now + (opts.holdReleaseMinutes ?? 60) * MINUTE;
  const orders: ForecastOrder[] = [];
  for (const o of view.orders) {
    if (TERMINAL.has(o.state)) continue;
    orders.push({
      id: o.id,
      sku: o.sku,
      qty: o.qty,
      remaining: Math.max(0, o.qty - o.good),
      customer: o.customer,
      due: o.due,
      priority: o.priority,
      lineId: o.lineId,
      state: 'queued',
      heldUntil: o.holds && o.holds.length ? holdUntil : o.state === 'held' ? holdUntil : null,
      startedAt: o.startedAt,
    });
  }
  const byId = new Map(orders.map((o) => [o.id, o]));
  const machinesByLine = new Map<string, TwinView['machines']>();
  for (const m of view.machines) {
    let list = machinesByLine.get(m.lineId);
    if (!list) machinesByLine.set(m.lineId, (list = []));
    list.push(m);
  }
  const lines: ForecastLine[] = [];
  for (const l of view.lines) {
    const cur = l.currentOrderId ? byId.get(l.currentOrderId) : undefined;
    if (cur) cur.state = 'running';
    const ms = machinesByLine.get(l.id) ?? [];
    let downUntil: number | null = null;
    let setupRemainingMinutes = 0;
    for (const m of ms) {
      if (m.state === 'down') {
        const until = opts.expectedRepair?.[l.id] ?? m.since + (opts.defaultRepairMinutes ?? 60) * MINUTE;
        downUntil = Math.max(downUntil ?? now, until, now);
      } else if ((m.state === 'changeover' || m.state === 'cleaning') && m.plannedMinutes) {
        setupRemainingMinutes = Math.max(setupRemainingMinutes, m.plannedMinutes - (now - m.since) / MINUTE, 0);
      }
    }
    if (downUntil === null && opts.expectedRepair?.[l.id] !== undefined) downUntil = Math.max(now, opts.expectedRepair[l.id] as number);
    // Line-level holds (not those of the current order, which the order carries).
    const lineHolds = l.holds.filter((h) => !(cur && view.orders.find((o) => o.id === cur.id)?.holds?.includes(h)));
    lines.push({
      id: l.id,
      currentOrderId: cur ? cur.id : null,
      lastFamily: l.lastFamily,
      downUntil,
      heldUntil: lineHolds.length ? holdUntil : null,
      setupRemainingMinutes: cur ? setupRemainingMinutes : 0,
      // The twin's pin (plan.sequence) runs first in the fork too, as on the live line.
      pinned: l.pinned ? [...l.pinned] : [],
    });
  }
  const inventory: Record<string, number> = {};
  for (const i of view.inventory) inventory[i.component] = (inventory[i.component] ?? 0) + i.qty;
  // A fresh twin's view has no inventory yet: start from the plant's stock.
  if (view.inventory.length === 0) for (const c of plant.components) for (const s of c.stock) inventory[c.id] = (inventory[c.id] ?? 0) + s.qty;
  return { time: now, orders, lines, inventory, planned: [], absences: [], premiumFreightCost: 0 };
}

/**
 * The plant's opening state (a fresh twin at `startTime`), built straight from the plant file with
 * the twin's own line assignment; equal to `forkTwin(plant, createTwin(plant, {startTime}).view())`.
 */
export function openingState(plant: Plant, startTime: number): ForecastState {
  const index = indexPlant(plant);
  const inventory: Record<string, number> = {};
  for (const c of plant.components) for (const s of c.stock) inventory[c.id] = (inventory[c.id] ?? 0) + s.qty;
  return {
    time: startTime,
    orders: plant.orders.map((o) => ({
      id: o.id,
      sku: o.sku,
      qty: o.qty,
      remaining: o.qty,
      customer: o.customer,
      due: startTime + o.dueInHours * HOUR,
      priority: o.priority,
      lineId: assignLine(index, o.sku, o.line),
      state: 'queued' as const,
      heldUntil: null,
      startedAt: null,
    })),
    lines: index.lines.map((l) => ({ id: l.id, currentOrderId: null, lastFamily: null, downUntil: null, heldUntil: null, setupRemainingMinutes: 0, pinned: [] })),
    inventory,
    planned: [],
    absences: [],
    premiumFreightCost: 0,
  };
}

/** A deep copy, so moves can be applied to a fork without touching the original. */
export function cloneState(s: ForecastState): ForecastState {
  return {
    time: s.time,
    orders: s.orders.map((o) => ({ ...o })),
    lines: s.lines.map((l) => ({ ...l, pinned: [...l.pinned] })),
    inventory: { ...s.inventory },
    planned: s.planned.map((e) => (e.type === 'order-add' ? { ...e, order: { ...e.order } } : { ...e })),
    absences: s.absences.map((a) => ({ ...a, ...(a.people ? { people: [...a.people] } : {}) })),
    premiumFreightCost: s.premiumFreightCost,
  };
}

// ---------------------------------------------------------------- simulation

const REPAIR_REASONS: readonly { weight: number; repairMin: number }[] = [
  { weight: 5, repairMin: 6 },
  { weight: 2, repairMin: 15 },
  { weight: 1, repairMin: 45 },
  { weight: 1, repairMin: 20 },
];
const EPS = 1e-6;

type Phase = 'idle' | 'setup' | 'run' | 'down' | 'held' | 'starved';

interface LineRt {
  s: ForecastLine;
  idx: number;
  phase: Phase;
  crewSize: number;
  factor: number;
  overtime: boolean;
  /** Pending event of the current phase (setup end, segment end). */
  handle: EventHandle;
  segStart: number;
  segRate: number;
  segUnits: number;
  /** Material reserved for the segment, per component (returned when interrupted). */
  segReserved: Map<string, number> | null;
  waitingFor: string | null;
  phaseStart: number;
  phaseOrder: string | null;
  rowSetup: { minutes: number; clean: boolean } | null;
  runMinutes: number;
  changeoverMinutes: number;
  changeovers: number;
  cleans: number;
  downMinutes: number;
  units: number;
  gantt: GanttRow[];
  rng: Rng | null;
  failureHandle: EventHandle;
  /** Down by a breakdown or a planned line-down until this sim minute. */
  downUntilMin: number;
  heldUntilMin: number;
}

interface OrderRt {
  o: ForecastOrder;
  start: number | null;
  end: number | null;
  changeoverMinutes: number;
}

/** Seeds per line so options compared with the same seed see the same breakdowns (common random numbers). */
function lineSeed(seed: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Runs `state` forward over the horizon. Does not mutate `state`. */
export function forecast(plant: Plant, state: ForecastState, opts: ForecastOptions = {}, index: PlantIndex = indexPlant(plant)): ForecastResult {
  const horizonHours = opts.horizonHours ?? 24;
  const seed = opts.seed ?? 1;
  const stochastic = !!opts.breakdowns;
  const mtbfHours = typeof opts.breakdowns === 'object' ? (opts.breakdowns.mtbfHours ?? 40) : 40;
  const tierWeights = { ...DEFAULT_TIER_WEIGHTS, ...opts.tierWeights };
  const costs = { ...DEFAULT_COSTS, ...opts.costs };
  const qaMinutes = opts.qaReleaseMinutes ?? 15;
  const keepGantt = opts.gantt !== false;
  const t0 = state.time;
  const H = horizonHours * 60;
  const toMs = (m: number) => Math.round(t0 + m * MINUTE);
  const toMin = (ms: number) => (ms - t0) / MINUTE;
  const st = cloneState(state);
  const sim = new Simulation(64);

  // --- orders
  const orders = new Map<string, OrderRt>();
  const byLine = new Map<string, OrderRt[]>();
  const addOrder = (o: ForecastOrder) => {
    const rt: OrderRt = { o, start: o.startedAt !== null && o.startedAt <= t0 ? o.startedAt : null, end: null, changeoverMinutes: 0 };
    orders.set(o.id, rt);
    if (o.lineId !== null) {
      let list = byLine.get(o.lineId);
      if (!list) byLine.set(o.lineId, (list = []));
      list.push(rt);
    }
  };
  for (const o of st.orders) addOrder(o);

  const inv = st.inventory;
  const resumeSetup = new Map<LineRt, number>();
  const blocked = new Map<string, number>(); // component → until (sim minutes)
  const replenishing = new Set<string>();

  // --- lines
  const lines: LineRt[] = [];
  const lineById = new Map<string, LineRt>();
  st.lines.forEach((s, idx) => {
    const info = index.lineById.get(s.id);
    const rt: LineRt = {
      s,
      idx,
      phase: 'idle',
      crewSize: info?.crewSize ?? 1,
      factor: 1,
      overtime: false,
      handle: -1,
      segStart: 0,
      segRate: 0,
      segUnits: 0,
      segReserved: null,
      waitingFor: null,
      phaseStart: 0,
      phaseOrder: null,
      rowSetup: null,
      runMinutes: 0,
      changeoverMinutes: 0,
      changeovers: 0,
      cleans: 0,
      downMinutes: 0,
      units: 0,
      gantt: [],
      rng: stochastic ? createRng(lineSeed(seed, idx)) : null,
      failureHandle: -1,
      downUntilMin: s.downUntil !== null ? Math.max(0, toMin(s.downUntil)) : 0,
      heldUntilMin: s.heldUntil !== null ? Math.max(0, toMin(s.heldUntil)) : 0,
    };
    lines.push(rt);
    lineById.set(s.id, rt);
  });

  // --- crews
  const crewCache = new Map<string, Map<string, number>>();
  const hasShifts = plant.shifts.length > 0;
  const crewAt = (min: number): { factors: Map<string, number> | null; overtime: boolean } => {
    if (!hasShifts) return { factors: null, overtime: false };
    const at = toMs(min);
    const shift = shiftAt(plant, at);
    if (!shift) return { factors: null, overtime: true };
    const active = st.absences.filter((a) => a.from <= at && at < a.until);
    const key = `${shift.id}|${active.map((a) => st.absences.indexOf(a)).join(',')}`;
    let f = crewCache.get(key);
    if (!f) crewCache.set(key, (f = crewCoverage(plant, index, shift.crew, active)));
    return { factors: f, overtime: false };
  };
  const applyCrew = (min: number) => {
    const c = crewAt(min);
    for (const l of lines) {
      const factor = c.factors ? (c.factors.get(l.s.id) ?? 1) : 1;
      if (factor !== l.factor || c.overtime !== l.overtime) {
        const wasRunning = l.phase === 'run';
        if (wasRunning) interruptRun(l);
        l.factor = factor;
        l.overtime = c.overtime;
        if (wasRunning) startSegment(l);
      } else if (l.phase === 'starved' && l.waitingFor === 'crew') startSegment(l);
    }
  };

  // --- KPIs accumulated
  let overtimePersonHours = 0;

  const row = (l: LineRt, r: GanttRow) => {
    if (keepGantt && r.end > r.start) l.gantt.push(r);
  };
  const setPhase = (l: LineRt, p: Phase) => {
    const now = sim.now;
    if (l.phase === 'down') l.downMinutes += now - l.phaseStart;
    if (keepGantt && (l.phase === 'down' || l.phase === 'held' || l.phase === 'starved') && now > l.phaseStart) {
      const cur = l.s.currentOrderId ? orders.get(l.s.currentOrderId) : undefined;
      row(l, { kind: l.phase, orderId: cur?.o.id ?? null, sku: cur?.o.sku ?? null, start: toMs(l.phaseStart), end: toMs(now), ...(l.waitingFor ? { reason: `waiting for ${l.waitingFor}` } : {}) });
    }
    l.phase = p;
    l.phaseStart = now;
  };

  /** Queue head of a line: pinned orders first (in pin order), then the twin's sequence. Held orders are skipped. */
  const head = (l: LineRt): OrderRt | null => {
    const list = byLine.get(l.s.id);
    if (!list) return null;
    const nowMs = toMs(sim.now);
    for (const id of l.s.pinned) {
      const rt = orders.get(id);
      if (rt && rt.o.lineId === l.s.id && rt.o.state === 'queued' && (rt.o.heldUntil === null || rt.o.heldUntil <= nowMs)) return rt;
    }
    let best: OrderRt | null = null;
    for (const rt of list) {
      const o = rt.o;
      if (o.lineId !== l.s.id || o.state !== 'queued' || (o.heldUntil !== null && o.heldUntil > nowMs)) continue;
      if (!best || compareBySequence(o, best.o) < 0) best = rt;
    }
    return best;
  };

  /** Decide what the line does next (called whenever something that blocks it may have cleared). */
  const dispatch = (l: LineRt) => {
    if (l.phase === 'run' || l.phase === 'setup') return;
    const now = sim.now;
    if (l.downUntilMin > now + EPS) {
      if (l.phase !== 'down') setPhase(l, 'down');
      return;
    }
    if (l.heldUntilMin > now + EPS) {
      if (l.phase !== 'held') setPhase(l, 'held');
      return;
    }
    let cur = l.s.currentOrderId ? orders.get(l.s.currentOrderId) : undefined;
    if (cur && cur.o.heldUntil !== null && cur.o.heldUntil > toMs(now)) {
      if (l.phase !== 'held') setPhase(l, 'held');
      return;
    }
    const left = resumeSetup.get(l);
    if (left !== undefined && cur) {
      // a setup interrupted by a down resumes with its remaining minutes (counted already)
      resumeSetup.delete(l);
      setPhase(l, 'setup');
      l.rowSetup = { minutes: left, clean: false };
      l.phaseOrder = cur.o.id;
      l.handle = sim.schedule(left, setupDone, l);
      return;
    }
    let setup = 0;
    let clean = false;
    if (!cur) {
      const next = head(l);
      if (!next) {
        if (l.phase !== 'idle') setPhase(l, 'idle');
        return;
      }
      cur = next;
      next.o.state = 'running';
      l.s.currentOrderId = next.o.id;
      const spec = index.changeover(l.s.lastFamily, index.familyOf(next.o.sku));
      setup = spec.minutes + (spec.clean && spec.qaRelease ? qaMinutes : 0);
      clean = spec.clean;
      if (spec.minutes > 0) {
        l.changeoverMinutes += spec.minutes;
        next.changeoverMinutes += spec.minutes;
        if (spec.clean) l.cleans++;
        else l.changeovers++;
      }
    } else if (l.s.setupRemainingMinutes > 0) {
      setup = l.s.setupRemainingMinutes;
      l.s.setupRemainingMinutes = 0;
      l.changeoverMinutes += setup;
      cur.changeoverMinutes += setup;
    }
    if (setup > EPS) {
      setPhase(l, 'setup');
      l.rowSetup = { minutes: setup, clean };
      l.phaseOrder = cur.o.id;
      l.handle = sim.schedule(setup, setupDone, l);
      return;
    }
    startSegment(l);
  };

  const setupDone = (l: LineRt) => {
    l.handle = -1;
    const cur = l.phaseOrder ? orders.get(l.phaseOrder) : undefined;
    row(l, { kind: 'setup', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(l.phaseStart), end: toMs(sim.now), changeoverMinutes: l.rowSetup?.minutes ?? 0, clean: l.rowSetup?.clean ?? false });
    l.rowSetup = null;
    setPhase(l, 'idle');
    l.s.lastFamily = cur ? (index.familyOf(cur.o.sku) ?? l.s.lastFamily) : l.s.lastFamily;
    startSegment(l);
  };

  /** Units of `sku` the stock allows now (blocked components allow none). */
  const producible = (sku: string, want: number): { units: number; short: string | null } => {
    const bom = index.productBySku.get(sku)?.bom ?? [];
    let units = want;
    let short: string | null = null;
    for (const b of bom) {
      const until = blocked.get(b.component);
      const have = until !== undefined && until > sim.now + EPS ? 0 : Math.max(0, inv[b.component] ?? 0);
      const can = have / b.perUnit;
      if (can < units - EPS) {
        units = Math.max(0, can);
        short = b.component;
      }
    }
    return { units, short };
  };

  const startSegment = (l: LineRt) => {
    const cur = l.s.currentOrderId ? orders.get(l.s.currentOrderId) : undefined;
    if (!cur) {
      dispatch(l);
      return;
    }
    const o = cur.o;
    if (o.remaining <= EPS) {
      completeOrder(l, cur);
      return;
    }
    const rate = (index.rate(o.sku, l.s.id) ?? 1) * l.factor; // the twin's UNKNOWN_RATE is 1/h
    if (rate <= EPS) {
      // no crew: wait for the next crew change
      if (l.phase !== 'starved') setPhase(l, 'starved');
      l.waitingFor = 'crew';
      return;
    }
    const { units, short } = producible(o.sku, o.remaining);
    if (units <= EPS) {
      if (l.phase !== 'starved') setPhase(l, 'starved');
      l.waitingFor = short;
      if (short) ensureReplenishment(short);
      return;
    }
    if (short) ensureReplenishment(short);
    l.waitingFor = null;
    if (cur.start === null) cur.start = toMs(sim.now);
    const reserved = new Map<string, number>();
    for (const b of index.productBySku.get(o.sku)?.bom ?? []) {
      const q = b.perUnit * units;
      inv[b.component] = (inv[b.component] ?? 0) - q;
      reserved.set(b.component, q);
    }
    setPhase(l, 'run');
    l.phaseOrder = o.id;
    l.segStart = sim.now;
    l.segRate = rate / 60; // per minute
    l.segUnits = units;
    l.segReserved = reserved;
    l.handle = sim.schedule(units / l.segRate, segmentDone, l);
  };

  const closeRun = (l: LineRt, made: number, complete: boolean) => {
    const now = sim.now;
    const minutes = now - l.segStart;
    l.runMinutes += minutes;
    l.units += made;
    if (l.overtime) overtimePersonHours += (minutes / 60) * l.crewSize;
    const cur = l.phaseOrder ? orders.get(l.phaseOrder) : undefined;
    row(l, { kind: 'run', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(l.segStart), end: toMs(now), complete });
    l.phase = 'idle';
    l.phaseStart = now;
  };

  const segmentDone = (l: LineRt) => {
    l.handle = -1;
    const cur = orders.get(l.s.currentOrderId as string) as OrderRt;
    cur.o.remaining -= l.segUnits;
    if (cur.o.remaining < 1e-6) cur.o.remaining = 0;
    l.segReserved = null;
    const complete = cur.o.remaining <= EPS;
    closeRun(l, l.segUnits, complete);
    if (complete) completeOrder(l, cur);
    else startSegment(l);
  };

  /** Stops a run part-way: counts what was made, gives back unused material. */
  const interruptRun = (l: LineRt) => {
    if (l.phase !== 'run') return;
    sim.cancel(l.handle);
    l.handle = -1;
    const made = Math.min(l.segUnits, (sim.now - l.segStart) * l.segRate);
    const cur = orders.get(l.s.currentOrderId as string) as OrderRt;
    cur.o.remaining = Math.max(0, cur.o.remaining - made);
    if (l.segReserved && l.segUnits > 0) {
      const back = 1 - made / l.segUnits;
      for (const [c, q] of l.segReserved) inv[c] = (inv[c] ?? 0) + q * back;
    }
    l.segReserved = null;
    closeRun(l, made, false);
  };

  /** Stops whatever the line does (a breakdown or a planned down): a setup resumes with its remaining minutes. */
  const interrupt = (l: LineRt) => {
    if (l.phase === 'run') interruptRun(l);
    else if (l.phase === 'setup') {
      sim.cancel(l.handle);
      l.handle = -1;
      const left = Math.max(0, (l.rowSetup?.minutes ?? 0) - (sim.now - l.phaseStart));
      const cur = l.phaseOrder ? orders.get(l.phaseOrder) : undefined;
      row(l, { kind: 'setup', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(l.phaseStart), end: toMs(sim.now), changeoverMinutes: l.rowSetup?.minutes ?? 0, clean: l.rowSetup?.clean ?? false });
      // the minutes already counted stay counted; the remainder resumes without being counted again
      l.s.setupRemainingMinutes = 0;
      l.rowSetup = null;
      if (left > EPS && cur) {
        l.phase = 'idle';
        l.phaseStart = sim.now;
        resumeSetup.set(l, left);
        return;
      }
      l.phase = 'idle';
      l.phaseStart = sim.now;
    }
  };

  const completeOrder = (l: LineRt, cur: OrderRt) => {
    cur.o.state = 'done';
    cur.end = toMs(sim.now);
    l.s.lastFamily = index.familyOf(cur.o.sku) ?? l.s.lastFamily;
    l.s.currentOrderId = null;
    dispatch(l);
  };

  const ensureReplenishment = (component: string) => {
    if (replenishing.has(component)) return;
    // Planned receipts cover it when one is still to come.
    const nowMs = toMs(sim.now);
    if (st.planned.some((e) => e.type === 'receipt' && e.component === component && e.at >= nowMs)) return;
    const comp = plant.components.find((c) => c.id === component);
    if (!comp) return;
    replenishing.add(component);
    const qty = Math.max(1, comp.stock.reduce((a, s) => a + s.qty, 0));
    const at = sim.now + comp.leadTimeHours * 60;
    sim.schedule(at - sim.now, onReceipt, { component, qty, standard: true });
  };

  const retryStarved = () => {
    for (const l of lines) if (l.phase === 'starved') startSegment(l);
  };

  const onReceipt = (r: { component: string; qty: number; standard?: boolean }) => {
    inv[r.component] = (inv[r.component] ?? 0) + r.qty;
    if (r.standard) replenishing.delete(r.component);
    retryStarved();
  };

  const resume = (l: LineRt) => {
    if (l.phase === 'run' || l.phase === 'setup' || l.phase === 'starved') return;
    dispatch(l);
  };

  const goDown = (l: LineRt, untilMin: number) => {
    interrupt(l);
    l.downUntilMin = Math.max(l.downUntilMin, untilMin);
    if (l.phase !== 'down') setPhase(l, 'down');
    sim.schedule(l.downUntilMin - sim.now, resume, l);
  };

  // --- stochastic breakdowns: a failure clock per line (machines × per-machine rate), only bites while the line works
  const scheduleFailure = (l: LineRt) => {
    const rng = l.rng as Rng;
    const machines = Math.max(1, index.lineById.get(l.s.id)?.machines.length ?? 1);
    l.failureHandle = sim.schedule(rng.exponential((mtbfHours * 60) / machines), onFailure, l);
  };
  const onFailure = (l: LineRt) => {
    const rng = l.rng as Rng;
    if (l.phase === 'run' || l.phase === 'setup') {
      const total = REPAIR_REASONS.reduce((a, r) => a + r.weight, 0);
      let pick = rng.next() * total;
      const r = REPAIR_REASONS.find((x) => (pick -= x.weight) < 0) ?? (REPAIR_REASONS[0] as (typeof REPAIR_REASONS)[number]);
      goDown(l, sim.now + Math.max(1, rng.exponential(r.repairMin)));
    }
    scheduleFailure(l);
  };

  // --- planned events
  const onPlanned = (e: PlannedEvent) => {
    switch (e.type) {
      case 'line-down': {
        const l = lineById.get(e.lineId);
        if (l) goDown(l, sim.now + e.minutes);
        return;
      }
      case 'receipt':
        onReceipt({ component: e.component, qty: e.qty });
        return;
      case 'stock-loss':
        inv[e.component] = Math.max(0, (inv[e.component] ?? 0) - e.qty);
        return;
      case 'component-block': {
        const until = toMin(e.until);
        blocked.set(e.component, until);
        // lines running on it stop at once
        for (const l of lines) {
          if (l.phase !== 'run' || !l.segReserved?.has(e.component)) continue;
          interruptRun(l);
          startSegment(l);
        }
        if (until > sim.now) sim.schedule(until - sim.now, retryStarved, undefined);
        return;
      }
      case 'order-add': {
        const o = { ...e.order };
        if (orders.has(o.id)) return;
        addOrder(o);
        const l = o.lineId ? lineById.get(o.lineId) : undefined;
        if (l && l.phase === 'idle') dispatch(l);
        return;
      }
      case 'order-change': {
        const rt = orders.get(e.orderId);
        if (!rt) return;
        if (e.qty !== undefined) {
          const made = rt.o.qty - rt.o.remaining;
          rt.o.qty = e.qty;
          rt.o.remaining = Math.max(0, e.qty - made);
        }
        if (e.due !== undefined) rt.o.due = e.due;
        if (e.priority !== undefined) rt.o.priority = e.priority;
        return;
      }
    }
  };

  // --- start
  applyCrew(0);
  const crewTimes = new Set<number>();
  if (hasShifts) {
    const day0 = Math.floor(t0 / 86_400_000) * 86_400_000;
    for (let d = 0; d * 24 <= horizonHours + 24; d++) {
      for (const s of plant.shifts) {
        for (const hhmm of [s.start, s.end]) {
          const at = day0 + d * 86_400_000 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * MINUTE;
          if (at > t0 && at < t0 + H * MINUTE) crewTimes.add(at);
        }
      }
    }
  }
  for (const a of st.absences) for (const at of [a.from, a.until]) if (at > t0 && at < t0 + H * MINUTE) crewTimes.add(at);
  for (const at of [...crewTimes].sort((a, b) => a - b)) sim.schedule(toMin(at), applyCrew, toMin(at), -1);
  for (const e of [...st.planned].sort((a, b) => a.at - b.at)) {
    const m = Math.max(0, toMin(e.at));
    if (m <= H) sim.schedule(m, onPlanned, e, -2);
  }
  for (const rt of orders.values()) {
    const h = rt.o.heldUntil;
    if (h !== null && h > t0 && h <= t0 + H * MINUTE) sim.schedule(toMin(h), () => { for (const l of lines) if (l.phase === 'idle' || l.phase === 'held') resume(l); }, undefined);
  }
  for (const l of lines) {
    if (l.downUntilMin > 0) {
      setPhase(l, 'down');
      sim.schedule(l.downUntilMin, resume, l);
    } else if (l.heldUntilMin > 0) {
      setPhase(l, 'held');
      sim.schedule(l.heldUntilMin, resume, l);
    }
  }
  for (const l of lines) dispatch(l);
  if (stochastic) for (const l of lines) scheduleFailure(l);
  sim.run(H);

  // --- close at the horizon
  for (const l of lines) {
    if (l.phase === 'run') interruptRun(l);
    else if (l.phase === 'setup') {
      const cur = l.phaseOrder ? orders.get(l.phaseOrder) : undefined;
      row(l, { kind: 'setup', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(l.phaseStart), end: toMs(H), changeoverMinutes: l.rowSetup?.minutes ?? 0, clean: l.rowSetup?.clean ?? false });
      l.s.setupRemainingMinutes = Math.max(0, (l.rowSetup?.minutes ?? 0) - (H - l.phaseStart));
      l.phase = 'idle';
    } else setPhase(l, 'idle');
  }

  // Beyond the horizon: the twin's own projection of each line's queue.
  const endMs = toMs(H);
  const tierOf = new Map(plant.customers.map((c) => [c.id, c.tier] as const));
  for (const l of lines) {
    const waiting = (byLine.get(l.s.id) ?? []).filter((rt) => rt.o.lineId === l.s.id && rt.o.state === 'queued');
    waiting.sort((a, b) => {
      const pa = l.s.pinned.indexOf(a.o.id);
      const pb = l.s.pinned.indexOf(b.o.id);
      if (pa >= 0 || pb >= 0) return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
      return compareBySequence(a.o, b.o);
    });
    const cur = l.s.currentOrderId ? orders.get(l.s.currentOrderId) : undefined;
    const base = Math.max(endMs, l.downUntilMin > H ? toMs(l.downUntilMin) : endMs, l.heldUntilMin > H ? toMs(l.heldUntilMin) : endMs) + l.s.setupRemainingMinutes * MINUTE;
    const p = projectQueue(index, {
      now: base,
      lineId: l.s.id,
      lastFamily: l.s.lastFamily,
      current: cur ? { sku: cur.o.sku, remaining: cur.o.remaining } : null,
      queue: waiting.map((rt) => ({ id: rt.o.id, sku: rt.o.sku, qty: rt.o.qty, remaining: rt.o.remaining, due: rt.o.due })),
    });
    if (cur && p.currentEnd !== null) {
      cur.end = p.currentEnd;
      if (cur.start === null) cur.start = base;
    }
    p.queue.forEach((q, i) => {
      const rt = waiting[i] as OrderRt;
      rt.start = q.projectedStart;
      rt.end = q.projectedEnd;
      rt.changeoverMinutes += q.changeoverMinutes;
    });
  }

  // --- results
  const outOrders: OrderForecast[] = [];
  let wt = 0;
  let tardCost = 0;
  let late = 0;
  let completed = 0;
  for (const rt of orders.values()) {
    const o = rt.o;
    if (o.state === 'cancelled') continue;
    const tier = tierOf.get(o.customer) ?? 'C';
    const end = rt.end;
    // never started (no capable line): late, and at least as late as the horizon's end
    const tard = Math.max(0, (end ?? endMs) - o.due) / HOUR;
    const isLate = end === null || end > o.due;
    const w = tard * (tierWeights[tier] ?? 1);
    const done = o.state === 'done';
    if (done) completed++;
    if (isLate) late++;
    wt += w;
    tardCost += costs.latePenaltyPerHour ? tard * (costs.latePenaltyPerHour[tier] ?? 0) : w * costs.tardinessPerWeightedHour;
    outOrders.push({
      id: o.id,
      sku: o.sku,
      qty: o.qty,
      customer: o.customer,
      tier,
      lineId: o.lineId,
      due: o.due,
      start: rt.start,
      end,
      completedInHorizon: done,
      late: isLate,
      tardinessHours: round3(tard),
      weightedTardinessHours: round3(w),
      changeoverMinutes: round3(rt.changeoverMinutes),
      ...(o.splitOf ? { splitOf: o.splitOf } : {}),
    });
  }
  outOrders.sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let run = 0;
  let co = 0;
  let units = 0;
  const outLines: LineForecast[] = lines.map((l) => {
    run += l.runMinutes;
    co += l.changeoverMinutes;
    units += l.units;
    return {
      id: l.s.id,
      runMinutes: round3(l.runMinutes),
      changeoverMinutes: round3(l.changeoverMinutes),
      changeovers: l.changeovers,
      cleans: l.cleans,
      downMinutes: round3(l.downMinutes),
      utilisation: round3(l.runMinutes / H),
      unitsProduced: Math.round(l.units),
      gantt: l.gantt,
    };
  });
  const utilisation = lines.length ? run / (H * lines.length) : 0;
  const overtimeCost = overtimePersonHours * costs.overtimePerPersonHour;
  const idleLineHours = (H * lines.length - run) / 60;
  const cost =
    tardCost + late * costs.lateOrder + co * costs.changeoverPerMinute + overtimeCost + st.premiumFreightCost + idleLineHours * costs.idlePerLineHour;
  return {
    start: t0,
    end: endMs,
    horizonHours,
    seed,
    stochastic,
    kpis: {
      weightedTardinessHours: round3(wt),
      lateOrders: late,
      changeoverMinutes: round3(co),
      utilisation: round3(utilisation),
      overtimeHours: round3(overtimePersonHours),
      overtimeCost: round3(overtimeCost),
      premiumFreightCost: round3(st.premiumFreightCost),
      ordersCompleted: completed,
      unitsProduced: Math.round(units),
      cost: round3(cost),
    },
    orders: outOrders,
    lines: outLines,
    events: sim.events,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Rate factor per line for a shift's crew with absences: the people a line gets from the roster as
 * planned count as full coverage (the live twin runs every line with its rostered crew); absences
 * cut a line's rate by the share of those people who are missing. 1 for every line without absences.
 */
export function crewCoverage(plant: Plant, index: PlantIndex, crewId: string, absences: readonly Absence[]): Map<string, number> {
  const out = new Map<string, number>();
  if (absences.length === 0) {
    for (const l of index.lines) out.set(l.id, 1);
    return out;
  }
  const normal = crewAssignment(plant, index, crewId, []);
  const now = crewAssignment(plant, index, crewId, absences);
  for (const l of index.lines) {
    const n = normal.get(l.id) ?? 0;
    out.set(l.id, n === 0 ? (absences.some((a) => a.lineId === l.id && a.count) ? 0 : 1) : Math.min(1, (now.get(l.id) ?? 0) / n));
  }
  return out;
}

/**
 * People per line for a shift's crew, less absences: operators and leads are matched to lines by
 * skill (lines with the fewest qualified people first), then lines still short take any unassigned
 * operator; a line-bound absence count comes off that line.
 */
export function crewAssignment(plant: Plant, index: PlantIndex, crewId: string, absences: readonly Absence[]): Map<string, number> {
  const crew = plant.crews.find((c) => c.id === crewId);
  const out = new Map<string, number>();
  if (!crew) {
    for (const l of index.lines) out.set(l.id, l.crewSize);
    return out;
  }
  const missing = new Set<string>();
  for (const a of absences) for (const p of a.people ?? []) missing.add(p);
  let pool = crew.members.filter((m) => (m.role === 'operator' || m.role === 'lead') && !missing.has(m.id));
  // unnamed absences from the shift as a whole: the last people on the roster
  const shiftWide = absences.filter((a) => a.count && !a.lineId).reduce((n, a) => n + (a.count ?? 0), 0);
  if (shiftWide > 0) pool = pool.slice(0, Math.max(0, pool.length - shiftWide));
  const lineSkills = new Map<string, string[]>();
  for (const area of plant.areas) for (const l of area.lines) lineSkills.set(l.id, l.crew.skills);
  const qualified = (skills: readonly string[], p: (typeof pool)[number]) => skills.length === 0 || p.skills.some((s) => skills.includes(s));
  const lineOrder = index.lines
    .map((l, i) => ({ l, i, q: pool.filter((p) => qualified(lineSkills.get(l.id) ?? [], p)).length }))
    .sort((a, b) => a.q - b.q || a.i - b.i);
  const taken = new Set<string>();
  const assigned = new Map<string, number>();
  for (const { l } of lineOrder) {
    let n = 0;
    const skills = lineSkills.get(l.id) ?? [];
    for (const p of pool) {
      if (n >= l.crewSize) break;
      if (taken.has(p.id) || !qualified(skills, p)) continue;
      taken.add(p.id);
      n++;
    }
    assigned.set(l.id, n);
  }
  for (const { l } of lineOrder) {
    let n = assigned.get(l.id) ?? 0;
    for (const p of pool) {
      if (n >= l.crewSize) break;
      if (taken.has(p.id)) continue;
      taken.add(p.id);
      n++;
    }
    assigned.set(l.id, n);
  }
  for (const a of absences) if (a.count && a.lineId) assigned.set(a.lineId, Math.max(0, (assigned.get(a.lineId) ?? 0) - a.count));
  for (const l of index.lines) out.set(l.id, assigned.get(l.id) ?? 0);
  return out;
}

// ---------------------------------------------------------------- moves

/** A change to a fork: what options propose and what a planner drags in the what-if sandbox. */
export type Move =
  /** Move an order (its remaining quantity) to another line; `position` pins it at that queue slot (0 = next). */
  | { kind: 'reroute'; orderId: string; toLine: string; position?: number }
  /** Put an order at a slot of its own line's queue (0 = next). */
  | { kind: 'sequence'; orderId: string; position: number }
  /** Fix a line's queue order (the listed orders first, in this order). */
  | { kind: 'resequence'; lineId: string; orderIds: string[] }
  /** Move `qty` of an order's remaining quantity to another line as a new order `newId`. */
  | { kind: 'split'; orderId: string; toLine: string; qty: number; newId?: string; position?: number }
  /** A receipt of `qty` at plant time `at` for a premium freight `cost`. */
  | { kind: 'expedite'; component: string; qty: number; at: number; cost: number }
  /** Pause a line's current order (back to the queue) so the line can run others meanwhile. */
  | { kind: 'pause-current'; lineId: string }
  /** Leave the plan as it is. */
  | { kind: 'wait' };

/** The queue of a line as the forecast would run it: pinned orders first, then the twin's sequence. */
export function lineQueue(state: ForecastState, lineId: string): ForecastOrder[] {
  const line = state.lines.find((l) => l.id === lineId);
  const waiting = state.orders.filter((o) => o.lineId === lineId && o.state === 'queued');
  const pins = line?.pinned ?? [];
  return waiting.sort((a, b) => {
    const pa = pins.indexOf(a.id);
    const pb = pins.indexOf(b.id);
    if (pa >= 0 || pb >= 0) return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
    return compareBySequence(a, b);
  });
}

function pinAt(state: ForecastState, line: ForecastLine, order: ForecastOrder, position: number): void {
  const q = lineQueue(state, line.id).filter((o) => o.id !== order.id);
  const p = Math.max(0, Math.min(position, q.length));
  q.splice(p, 0, order);
  line.pinned = q.slice(0, p + 1).map((o) => o.id);
}

/** Takes an order off the line it is current on (it goes back to the queue). */
function detach(state: ForecastState, order: ForecastOrder): void {
  for (const l of state.lines) {
    if (l.currentOrderId === order.id) {
      l.currentOrderId = null;
      l.setupRemainingMinutes = 0;
    }
    if (l.pinned.includes(order.id)) l.pinned = l.pinned.filter((id) => id !== order.id);
  }
  if (order.state === 'running') order.state = 'queued';
}

/** Applies a move to `state` (mutates it: apply to a `cloneState` fork). Throws on a reference it cannot resolve. */
export function applyMove(state: ForecastState, move: Move): void {
  const orderOf = (id: string) => {
    const o = state.orders.find((x) => x.id === id) ?? state.planned.find((e): e is Extract<PlannedEvent, { type: 'order-add' }> => e.type === 'order-add' && e.order.id === id)?.order;
    if (!o) throw new Error(`move ${move.kind}: no open order '${id}' in the forecast state`);
    return o;
  };
  const lineOf = (id: string) => {
    const l = state.lines.find((x) => x.id === id);
    if (!l) throw new Error(`move ${move.kind}: no line '${id}'`);
    return l;
  };
  switch (move.kind) {
    case 'wait':
      return;
    case 'reroute': {
      const o = orderOf(move.orderId);
      const to = lineOf(move.toLine);
      detach(state, o);
      o.lineId = to.id;
      if (move.position !== undefined) pinAt(state, to, o, move.position);
      return;
    }
    case 'sequence': {
      const o = orderOf(move.orderId);
      if (!o.lineId) throw new Error(`move sequence: order '${o.id}' has no line`);
      const line = lineOf(o.lineId);
      if (line.currentOrderId === o.id) detach(state, o);
      pinAt(state, line, o, move.position);
      return;
    }
    case 'resequence': {
      const line = lineOf(move.lineId);
      line.pinned = move.orderIds.filter((id) => state.orders.some((o) => o.id === id && o.lineId === line.id));
      return;
    }
    case 'split': {
      const o = orderOf(move.orderId);
      const to = lineOf(move.toLine);
      const qty = Math.max(0, Math.min(move.qty, o.remaining));
      if (qty <= 0) throw new Error(`move split: order '${o.id}' has ${o.remaining} left, cannot split ${move.qty}`);
      o.remaining -= qty;
      o.qty -= qty;
      const part: ForecastOrder = { ...o, id: move.newId ?? `${o.id}-S`, qty, remaining: qty, lineId: to.id, state: 'queued', startedAt: null, splitOf: o.id };
      state.orders.push(part);
      if (move.position !== undefined) pinAt(state, to, part, move.position);
      return;
    }
    case 'expedite':
      state.planned.push({ at: move.at, type: 'receipt', component: move.component, qty: move.qty, expedited: true });
      state.premiumFreightCost += move.cost;
      return;
    case 'pause-current': {
      const line = lineOf(move.lineId);
      const cur = line.currentOrderId ? state.orders.find((o) => o.id === line.currentOrderId) : undefined;
      if (cur) detach(state, cur);
      return;
    }
  }
}
