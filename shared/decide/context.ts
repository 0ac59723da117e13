/**
 * What rule evaluation reads: the plant, the rule set, a twin view, and what the view does not
 * carry yet (inbound purchase orders). Plus small pure helpers shared by constraints, priority
 * and exception detection. No clock: every function takes the time it needs.
 */
import { plantTime, quantity } from '../clock/plant-time';
import type { Plant } from '../plant/schema';
import { indexPlant, type PlantIndex } from '../twin/schedule';
import type { OrderState, TwinState } from '../twin/view';
import type { RuleSet } from './rules-schema';

/** A purchase order on its way (from `po.eta` signals). */
export interface InboundPo {
  po: string;
  component: string;
  qty: number;
  eta: number;
}

export interface DecideContext {
  plant: Plant;
  rules: RuleSet;
  view: TwinState;
  /** Purchase orders on their way; none when absent. */
  inbound?: readonly InboundPo[];
}

const indexes = new WeakMap<Plant, PlantIndex>();

/** The plant index, built once per plant object. */
export function plantIndex(plant: Plant): PlantIndex {
  let idx = indexes.get(plant);
  if (!idx) {
    idx = indexPlant(plant);
    indexes.set(plant, idx);
  }
  return idx;
}

/** Orders whose material has not been issued yet (kitting happens on `inventory.issue`). */
export const UNISSUED: ReadonlySet<OrderState> = new Set(['released', 'ready']);
export const TERMINAL: ReadonlySet<OrderState> = new Set(['complete', 'closed', 'cancelled']);

/**
 * Times in the plant's zone for rule and detection texts: `21:55`, with the weekday when not on
 * the same plant day as `ref` (`Tue 01:16`). One formatter for every text a person reads.
 */
export function timesOf(plant: Plant): (t: number, ref?: number) => string {
  const f = plantTime(plant.site.timezone);
  return (t, ref) => f.relative(t, ref);
}

/** A quantity for people: thousands separated, sensible decimals (`62,014 kg`, `12.35`). */
export const num: (n: number) => string = quantity;

/** Component stock usable for production (location kinds not excluded), summed over locations. */
export function usableStock(plant: Plant, view: TwinState, component: string, excludeKinds: readonly string[]): number {
  const kind = new Map(plant.locations.map((l) => [l.id, l.kind] as const));
  let sum = 0;
  for (const i of view.inventory) {
    if (i.component !== component) continue;
    const k = kind.get(i.location);
    if (k !== undefined && excludeKinds.includes(k)) continue;
    sum += i.qty;
  }
  return sum;
}

/** Inbound quantity of `component` arriving at or before `by`. */
export function inboundBefore(inbound: readonly InboundPo[] | undefined, component: string, by: number): { qty: number; pos: string[] } {
  let qty = 0;
  const pos: string[] = [];
  for (const p of inbound ?? []) {
    if (p.component === component && p.eta <= by) {
      qty += p.qty;
      pos.push(p.po);
    }
  }
  return { qty, pos };
}

export interface PlannedRun {
  orderId: string;
  lineId: string;
  sku: string;
  /** Units still to make. */
  remaining: number;
  start: number;
  end: number;
  current: boolean;
}

/** Every projected run in the view (current orders and queues), in start order. */
export function plannedRuns(view: TwinState): PlannedRun[] {
  const good = new Map(view.orders.map((o) => [o.id, o] as const));
  const runs: PlannedRun[] = [];
  for (const l of view.lines) {
    if (l.currentOrderId && l.currentSku) {
      const o = good.get(l.currentOrderId);
      const remaining = o ? Math.max(0, o.qty - o.good) : 0;
      runs.push({ orderId: l.currentOrderId, lineId: l.id, sku: l.currentSku, remaining, start: view.time, end: l.currentProjectedEnd ?? view.time, current: true });
    }
    for (const q of l.queue) {
      const o = good.get(q.orderId);
      runs.push({ orderId: q.orderId, lineId: l.id, sku: q.sku, remaining: o ? Math.max(0, o.qty - o.good) : q.qty, start: q.projectedStart, end: q.projectedEnd, current: false });
    }
  }
  return runs.sort((a, b) => a.start - b.start || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
}
