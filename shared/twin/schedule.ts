/**
 * Plant look-ups and the sequencing logic shared by the twin (to project queues) and the plant
 * simulator (to run them): line assignment, sequence-by-due (after a planner's pin), changeover look-up, projected
 * start/end, and the shift that covers an instant. Pure: no clock, no I/O.
 */
import type { Family, Plant, Product } from '../plant/schema';
import type { QueuedOrderView } from './view';
import { wallMinuteOfDay, wallTimeOn } from '../clock/zone';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface LineInfo {
  id: string;
  areaId: string;
  name: string;
  families: ReadonlySet<string>;
  machines: readonly string[];
  crewSize: number;
}

export interface MachineInfo {
  id: string;
  lineId: string;
  index: number;
  isFirst: boolean;
  isLast: boolean;
}

export interface ChangeoverSpec {
  minutes: number;
  clean: boolean;
  qaRelease: boolean;
}

/** Fast look-ups over a parsed plant, built once per twin or simulator. */
export interface PlantIndex {
  plant: Plant;
  lines: readonly LineInfo[];
  lineById: ReadonlyMap<string, LineInfo>;
  machineById: ReadonlyMap<string, MachineInfo>;
  productBySku: ReadonlyMap<string, Product>;
  familyById: ReadonlyMap<string, Family>;
  /** Changeover between two families (null `from`: a line with no history, no changeover). */
  changeover(from: string | null, to: string | null): ChangeoverSpec;
  /** Family of a SKU, or null when the SKU is unknown. */
  familyOf(sku: string): string | null;
  /** Units per hour of `sku` on `lineId`, or undefined when the line cannot run it. */
  rate(sku: string, lineId: string): number | undefined;
}

const NO_CHANGEOVER: ChangeoverSpec = Object.freeze({ minutes: 0, clean: false, qaRelease: false });
/** Changeover between different families that the matrix does not list, without a plant default. */
export const FALLBACK_CHANGEOVER_MINUTES = 30;

export function indexPlant(plant: Plant): PlantIndex {
  const lines: LineInfo[] = [];
  const lineById = new Map<string, LineInfo>();
  const machineById = new Map<string, MachineInfo>();
  for (const area of plant.areas) {
    for (const line of area.lines) {
      const info: LineInfo = {
        id: line.id,
        areaId: area.id,
        name: line.name,
        families: new Set(line.families),
        machines: line.machines.map((m) => m.id),
        crewSize: line.crew.size,
      };
      lines.push(info);
      lineById.set(line.id, info);
      line.machines.forEach((m, i) => {
        machineById.set(m.id, { id: m.id, lineId: line.id, index: i, isFirst: i === 0, isLast: i === line.machines.length - 1 });
      });
    }
  }
  const productBySku = new Map(plant.products.map((p) => [p.sku, p] as const));
  const familyById = new Map(plant.families.map((f) => [f.id, f] as const));
  const matrix = new Map<string, ChangeoverSpec>();
  for (const c of plant.changeovers.matrix) matrix.set(`${c.from}\u0000${c.to}`, { minutes: c.minutes, clean: c.clean, qaRelease: c.qaRelease });
  const def = plant.changeovers.defaultMinutes ?? FALLBACK_CHANGEOVER_MINUTES;
  return {
    plant,
    lines,
    lineById,
    machineById,
    productBySku,
    familyById,
    changeover(from, to) {
      if (from === null || to === null) return NO_CHANGEOVER;
      const hit = matrix.get(`${from}\u0000${to}`);
      if (hit) return hit;
      if (from === to) return NO_CHANGEOVER;
      return { minutes: def, clean: false, qaRelease: false };
    },
    familyOf(sku) {
      return productBySku.get(sku)?.family ?? null;
    },
    rate(sku, lineId) {
      return productBySku.get(sku)?.rates[lineId];
    },
  };
}

/** The planned line of an order: the one asked for when it exists, else the first capable line. */
export function assignLine(index: PlantIndex, sku: string, preferred?: string | null): string | null {
  if (preferred && index.lineById.has(preferred)) return preferred;
  const product = index.productBySku.get(sku);
  if (!product) return preferred ?? null;
  for (const line of index.lines) if (product.rates[line.id] !== undefined && line.families.has(product.family)) return line.id;
  for (const line of index.lines) if (product.rates[line.id] !== undefined) return line.id;
  return preferred ?? null;
}

export interface SequencedOrder {
  id: string;
  due: number;
  priority: number;
}

/** Sequence by due, then priority (1 is most urgent), then id: total and deterministic. */
export function compareBySequence(a: SequencedOrder, b: SequencedOrder): number {
  return a.due - b.due || a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function sequenceOrders<T extends SequencedOrder>(orders: readonly T[]): T[] {
  return [...orders].sort(compareBySequence);
}

/**
 * The order a line runs its waiting orders in when a planner pinned its queue head: the pinned
 * orders first, in pin order, then the rest by `compareBySequence`. Without a pin it is
 * `compareBySequence` itself.
 */
export function compareWithPin(pinned: readonly string[] | undefined): (a: SequencedOrder, b: SequencedOrder) => number {
  if (!pinned || pinned.length === 0) return compareBySequence;
  const rank = new Map(pinned.map((id, i) => [id, i] as const));
  return (a, b) => {
    const pa = rank.get(a.id);
    const pb = rank.get(b.id);
    if (pa === undefined && pb === undefined) return compareBySequence(a, b);
    return (pa ?? Infinity) - (pb ?? Infinity);
  };
}

export interface ProjectionInput {
  now: number;
  lineId: string;
  /** Family the line last ran (or is set up for). */
  lastFamily: string | null;
  current: { sku: string; remaining: number } | null;
  /** Waiting orders, already sequenced. */
  queue: readonly { id: string; sku: string; qty: number; remaining: number; due: number }[];
}

export interface Projection {
  /** When the current order is projected to finish, or null without one. */
  currentEnd: number | null;
  queue: QueuedOrderView[];
}

/** Units per hour used when a line is asked to run a SKU it has no rate for: visibly slow. */
export const UNKNOWN_RATE = 1;

/** Run time of `qty` units of `sku` on `lineId`, in ms. */
export function runMs(index: PlantIndex, sku: string, lineId: string, qty: number): number {
  const rate = index.rate(sku, lineId) ?? UNKNOWN_RATE;
  return Math.max(0, qty) / rate * HOUR;
}

/**
 * Projected start and end of each waiting order: the current order runs out its remaining
 * quantity at the line's rate, then each order in turn pays its changeover from the previous
 * family and runs its remaining quantity.
 */
export function projectQueue(index: PlantIndex, input: ProjectionInput): Projection {
  let t = input.now;
  let family = input.lastFamily;
  let currentEnd: number | null = null;
  if (input.current) {
    t += runMs(index, input.current.sku, input.lineId, input.current.remaining);
    currentEnd = t;
    family = index.familyOf(input.current.sku) ?? family;
  }
  const queue: QueuedOrderView[] = [];
  for (const o of input.queue) {
    const f = index.familyOf(o.sku);
    const co = index.changeover(family, f).minutes;
    const start = t + co * MINUTE;
    const end = start + runMs(index, o.sku, input.lineId, o.remaining);
    queue.push({ orderId: o.id, sku: o.sku, qty: o.qty, projectedStart: start, projectedEnd: end, changeoverMinutes: co, late: end > o.due });
    t = end;
    family = f ?? family;
  }
  return { currentEnd, queue };
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * The shift covering `time` on the plant's wall clock (`site.timezone`), or null. Shifts that
 * cross midnight (22:00–06:00) are handled.
 */
export function shiftAt(plant: Pick<Plant, 'shifts' | 'site'>, time: number): Plant['shifts'][number] | null {
  if (plant.shifts.length === 0) return null;
  const m = wallMinuteOfDay(plant.site.timezone, time);
  for (const s of plant.shifts) {
    const a = minutesOf(s.start);
    const b = minutesOf(s.end);
    if (a === b) return s;
    if (a < b ? m >= a && m < b : m >= a || m < b) return s;
  }
  return null;
}

/** Next instant strictly after `time` at which some shift starts (plant wall clock), or null without shifts. */
export function nextShiftStart(plant: Pick<Plant, 'shifts' | 'site'>, time: number): { at: number; shift: Plant['shifts'][number] } | null {
  let best: { at: number; shift: Plant['shifts'][number] } | null = null;
  for (const s of plant.shifts) {
    for (let d = 0; d <= 1; d++) {
      const at = wallTimeOn(plant.site.timezone, time, d, minutesOf(s.start));
      if (at > time && (!best || at < best.at)) best = { at, shift: s };
    }
  }
  return best;
}
