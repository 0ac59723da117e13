/** Starting states for a forecast: a fork of the twin's view, the plant's opening book, a deep copy. */
import type { Plant } from '../../plant/schema';
import { HOUR, MINUTE, assignLine, indexPlant } from '../../twin/schedule';
import type { TwinState, TwinView } from '../../twin/view';
import type { ForecastLine, ForecastOrder, ForecastState } from './types';

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
