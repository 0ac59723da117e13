/**
 * One forecast run's working state: the kernel, the orders and lines as the run moves them, stock,
 * and the event handlers bound to this run. The concerns (./dispatch.ts, ./material.ts, ./crew.ts,
 * ./breakdowns.ts, ./planned.ts, ./kpis.ts) are functions over a `Run`; ./forecast.ts builds one,
 * binds the handlers and drives the kernel.
 */
import type { Plant } from '../../plant/schema';
import { MINUTE, type PlantIndex } from '../../twin/schedule';
import { Simulation, type EventHandle } from '../kernel';
import { createRng, type Rng } from '../random';
import type { ForecastLine, ForecastOrder, ForecastState, GanttRow, PlannedEvent } from './types';

export const EPS = 1e-6;

export type Phase = 'idle' | 'setup' | 'run' | 'down' | 'held' | 'starved';

export interface LineRt {
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

export interface OrderRt {
  o: ForecastOrder;
  start: number | null;
  end: number | null;
  changeoverMinutes: number;
}

export interface Receipt {
  component: string;
  qty: number;
  standard?: boolean;
}

/**
 * The kernel's continuations, bound to one run (the kernel calls a handler with its one argument).
 * Bound once per run, not per event, so scheduling allocates no closure.
 */
export interface RunHandlers {
  setupDone(l: LineRt): void;
  segmentDone(l: LineRt): void;
  resume(l: LineRt): void;
  receipt(r: Receipt): void;
  retryStarved(_: undefined): void;
  crewChange(min: number): void;
  planned(e: PlannedEvent): void;
  failure(l: LineRt): void;
  /** An order's QA hold ends: idle and held lines look again. */
  holdReleased(_: undefined): void;
}

export interface Run {
  plant: Plant;
  index: PlantIndex;
  sim: Simulation;
  /** Plant time of the fork (sim minute 0). */
  t0: number;
  /** Horizon in sim minutes. */
  H: number;
  keepGantt: boolean;
  qaMinutes: number;
  /** The run's own copy of the starting state (moved as the run goes). */
  st: ForecastState;
  inv: Record<string, number>;
  orders: Map<string, OrderRt>;
  byLine: Map<string, OrderRt[]>;
  lines: LineRt[];
  lineById: Map<string, LineRt>;
  /** Setups interrupted by a down: the minutes left, resumed when the line comes back. */
  resumeSetup: Map<LineRt, number>;
  /** Blocked components: until this sim minute. */
  blocked: Map<string, number>;
  /** Components with a standard replenishment on its way. */
  replenishing: Set<string>;
  overtimePersonHours: number;
  /** Rate factor per line by shift and set of absences (see ./crew.ts). */
  crewCache: Map<string, Map<string, number>>;
  on: RunHandlers;
}

export const toMs = (run: Run, m: number): number => Math.round(run.t0 + m * MINUTE);
export const toMin = (run: Run, ms: number): number => (ms - run.t0) / MINUTE;

/** Seeds per line so options compared with the same seed see the same breakdowns (common random numbers). */
function lineSeed(seed: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface RunSetup {
  plant: Plant;
  index: PlantIndex;
  st: ForecastState;
  horizonMinutes: number;
  keepGantt: boolean;
  qaMinutes: number;
  /** Seeded per-line generators for breakdowns; null for a deterministic run. */
  seed: number | null;
}

/** A run over a copy of the starting state; its handlers are bound by the caller (see `RunHandlers`). */
export function createRun(setup: RunSetup): Run {
  const { st } = setup;
  const run: Run = {
    plant: setup.plant,
    index: setup.index,
    sim: new Simulation(64),
    t0: st.time,
    H: setup.horizonMinutes,
    keepGantt: setup.keepGantt,
    qaMinutes: setup.qaMinutes,
    st,
    inv: st.inventory,
    orders: new Map(),
    byLine: new Map(),
    lines: [],
    lineById: new Map(),
    resumeSetup: new Map(),
    blocked: new Map(),
    replenishing: new Set(),
    overtimePersonHours: 0,
    crewCache: new Map(),
    on: null as unknown as RunHandlers,
  };
  for (const o of st.orders) addOrder(run, o);
  st.lines.forEach((s, idx) => {
    const info = setup.index.lineById.get(s.id);
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
      rng: setup.seed !== null ? createRng(lineSeed(setup.seed, idx)) : null,
      failureHandle: -1,
      downUntilMin: s.downUntil !== null ? Math.max(0, toMin(run, s.downUntil)) : 0,
      heldUntilMin: s.heldUntil !== null ? Math.max(0, toMin(run, s.heldUntil)) : 0,
    };
    run.lines.push(rt);
    run.lineById.set(s.id, rt);
  });
  return run;
}

export function addOrder(run: Run, o: ForecastOrder): void {
  const rt: OrderRt = { o, start: o.startedAt !== null && o.startedAt <= run.t0 ? o.startedAt : null, end: null, changeoverMinutes: 0 };
  run.orders.set(o.id, rt);
  if (o.lineId !== null) {
    let list = run.byLine.get(o.lineId);
    if (!list) run.byLine.set(o.lineId, (list = []));
    list.push(rt);
  }
}

/** Keeps a Gantt row (when the run keeps them) that spans some time. */
export function row(run: Run, l: LineRt, r: GanttRow): void {
  if (run.keepGantt && r.end > r.start) l.gantt.push(r);
}

/** Ends the line's phase (down minutes, a Gantt row for down/held/starved) and starts `p` now. */
export function setPhase(run: Run, l: LineRt, p: Phase): void {
  const now = run.sim.now;
  if (l.phase === 'down') l.downMinutes += now - l.phaseStart;
  if (run.keepGantt && (l.phase === 'down' || l.phase === 'held' || l.phase === 'starved') && now > l.phaseStart) {
    const cur = l.s.currentOrderId ? run.orders.get(l.s.currentOrderId) : undefined;
    row(run, l, { kind: l.phase, orderId: cur?.o.id ?? null, sku: cur?.o.sku ?? null, start: toMs(run, l.phaseStart), end: toMs(run, now), ...(l.waitingFor ? { reason: `waiting for ${l.waitingFor}` } : {}) });
  }
  l.phase = p;
  l.phaseStart = now;
}

/** A Gantt row for the setup the line is in, from its start to `end` (sim minutes). */
export function setupRow(run: Run, l: LineRt, end: number): void {
  const cur = l.phaseOrder ? run.orders.get(l.phaseOrder) : undefined;
  row(run, l, { kind: 'setup', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(run, l.phaseStart), end: toMs(run, end), changeoverMinutes: l.rowSetup?.minutes ?? 0, clean: l.rowSetup?.clean ?? false });
}
