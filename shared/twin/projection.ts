/**
 * Projection: the twin's actors' contexts as the view consumers read (lines with status, queue and
 * projected ends, machines, orders, inventory, who is on shift), and the deltas between views.
 * Pure over the contexts it is given; ./twin.ts caches the view per state version.
 */
import type { Plant } from '../plant/schema';
import type { LineContext, MachineContext, OrderContext, PlantContext } from './fold';
import { compareWithPin, projectQueue, shiftAt, type PlantIndex } from './schedule';
import { TERMINAL_ORDER_STATES as TERMINAL, type LineStatus, type LineView, type MachineView, type OrderState, type OrderView, type TwinDelta, type TwinState } from './view';

// A machine whose source went silent shows as unknown on the machine itself; the line is unknown only when no machine says anything.
const STATUS_ORDER: readonly LineStatus[] = ['down', 'cleaning', 'changeover', 'blocked', 'starved', 'running', 'idle'];

/** What a view is built from: the actors' contexts, in the twin's iteration order. */
export interface ProjectionSource {
  plant: Plant;
  index: PlantIndex;
  startTime: number;
  time: number;
  position: number;
  plantContext: PlantContext;
  /** Every order actor's context. */
  orders: Iterable<OrderContext>;
  /** Every machine actor's context. */
  machines: Iterable<MachineContext>;
  lineContext(lineId: string): LineContext;
}

/** The twin's state as consumers see it (the view without its hash). */
export function buildView(src: ProjectionSource): TwinState {
  const { plant, index, time: now, position } = src;
  const elapsed = now - src.startTime;
  const plantCtx = src.plantContext;

  // orders, grouped by line
  const orders: OrderView[] = [];
  const orderCtx = new Map<string, { ctx: OrderContext; state: OrderState; view: OrderView }>();
  const byLine = new Map<string, { ctx: OrderContext; state: OrderState }[]>();
  for (const c of src.orders) {
    const state = c.state;
    const view: OrderView = {
      id: c.id,
      sku: c.sku,
      qty: c.qty,
      customer: c.customer,
      due: c.due,
      priority: c.priority,
      state,
      lineId: c.lineId,
      good: c.good,
      scrap: c.scrap,
      startedAt: c.startedAt,
      completedAt: c.completedAt,
      late: c.completedAt !== null ? c.completedAt > c.due : now > c.due,
      holds: c.holds,
    };
    orders.push(view);
    orderCtx.set(c.id, { ctx: c, state, view });
    if (c.lineId !== null && !TERMINAL.has(state)) {
      let list = byLine.get(c.lineId);
      if (!list) byLine.set(c.lineId, (list = []));
      list.push({ ctx: c, state });
    }
  }

  // machines
  const machines: MachineView[] = [];
  const machineCtx = new Map<string, { ctx: MachineContext; view: MachineView }>();
  for (const c of src.machines) {
    const cnt = src.lineContext(c.lineId).counts[c.id] ?? { good: 0, scrap: 0 };
    const v: MachineView = { id: c.id, lineId: c.lineId, state: c.state, since: c.since, alarm: c.alarm, plannedMinutes: c.plannedMinutes, good: cnt.good, scrap: cnt.scrap };
    if (c.reason !== null) v.reason = c.reason;
    machines.push(v);
    machineCtx.set(c.id, { ctx: c, view: v });
  }

  // crews
  const crewByLine = new Map<string, number>();
  for (const p in plantCtx.onShift) {
    const l = plantCtx.onShift[p];
    if (l) crewByLine.set(l, (crewByLine.get(l) ?? 0) + 1);
  }

  // lines
  const lines: LineView[] = [];
  for (const info of index.lines) {
    const lc = src.lineContext(info.id);
    const ms = info.machines.map((id) => (machineCtx.get(id) as { ctx: MachineContext }).ctx);
    const current = lc.currentOrderId !== null ? orderCtx.get(lc.currentOrderId) : undefined;
    const holds = [...lc.holds];
    if (current) for (const h of current.ctx.holds) if (!holds.includes(h)) holds.push(h);
    let status: LineStatus = 'unknown';
    if (holds.length) status = 'held';
    else if (ms.length === 0) status = current ? 'running' : 'idle';
    else {
      for (const st of STATUS_ORDER) {
        if (ms.some((m) => m.state === st)) {
          status = st;
          break;
        }
      }
    }
    let alarm: 'overrun' | 'escalated' | null = null;
    for (const m of ms) if (m.alarm === 'escalated' || (m.alarm === 'overrun' && alarm === null)) alarm = m.alarm;

    const sequence = compareWithPin(lc.pinned);
    const waiting = (byLine.get(info.id) ?? []).filter((o) => o.ctx.id !== lc.currentOrderId).sort((a, b) => sequence(a.ctx, b.ctx));
    const projection = projectQueue(index, {
      now,
      lineId: info.id,
      lastFamily: lc.lastFamily,
      current: current && !TERMINAL.has(current.state) ? { sku: current.ctx.sku, remaining: Math.max(0, current.ctx.qty - current.ctx.good) } : null,
      queue: waiting.map((o) => ({ id: o.ctx.id, sku: o.ctx.sku, qty: o.ctx.qty, remaining: Math.max(0, o.ctx.qty - o.ctx.good), due: o.ctx.due })),
    });
    if (current && projection.currentEnd !== null) current.view.late = projection.currentEnd > current.ctx.due;
    for (const q of projection.queue) {
      const ov = orderCtx.get(q.orderId);
      if (ov) ov.view.late = q.late;
    }

    const counts = info.machines.map((id) => lc.counts[id] ?? { good: 0, scrap: 0 });
    const first = counts[0];
    const last = counts[counts.length - 1];
    let scrap = 0;
    let laterScrap = 0;
    counts.forEach((m, i) => {
      scrap += m.scrap;
      if (i > 0) laterScrap += m.scrap;
    });
    let run = 0;
    for (const m of ms) run += m.runMs + (m.state === 'running' ? Math.max(0, now - m.since) : 0);
    lines.push({
      id: info.id,
      areaId: info.areaId,
      name: info.name,
      status,
      currentOrderId: lc.currentOrderId,
      currentSku: lc.currentSku,
      lastFamily: lc.lastFamily,
      queue: projection.queue,
      good: last ? last.good : 0,
      scrap,
      wip: first && last ? Math.max(0, first.good - last.good - laterScrap) : 0,
      availability: ms.length && elapsed > 0 ? Math.min(1, run / ms.length / elapsed) : 0,
      crewOnShift: crewByLine.get(info.id) ?? 0,
      crewNeeded: info.crewSize,
      holds,
      currentProjectedEnd: projection.currentEnd,
      alarm,
      ...(lc.pinned?.length ? { pinned: [...lc.pinned] } : {}),
    });
  }

  orders.sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const inventory = Object.keys(plantCtx.inventory)
    .sort()
    .map((k) => {
      const at = k.lastIndexOf('@');
      return { component: k.slice(0, at), location: k.slice(at + 1), qty: plantCtx.inventory[k] as number };
    });
  return {
    time: now,
    position,
    lines,
    machines,
    orders,
    inventory,
    onShift: { shiftId: shiftAt(plant, now)?.id ?? null, people: Object.keys(plantCtx.onShift).sort() },
  };
}

/** Deltas between successive views: changed entities with only their changed fields. */
export class DeltaTracker {
  private lastAt: { time: number; position: number } | null = null;
  private last: { lines: Map<string, LineView>; machines: Map<string, MachineView>; orders: Map<string, OrderView>; onShift: string } | null = null;

  /** The change since the last call (the whole view the first time); null when nothing changed, time and position included. */
  take(v: TwinState): TwinDelta | null {
    const prev = this.last;
    const delta: TwinDelta = { time: v.time, position: v.position };
    let changed = false;
    const lines = diffEntities(prev?.lines, v.lines);
    if (lines.length) {
      delta.lines = lines;
      changed = true;
    }
    const machines = diffEntities(prev?.machines, v.machines);
    if (machines.length) {
      delta.machines = machines;
      changed = true;
    }
    const orders = diffEntities(prev?.orders, v.orders);
    if (orders.length) {
      delta.orders = orders;
      changed = true;
    }
    if (prev) {
      const ids = new Set(v.orders.map((o) => o.id));
      const removed = [...prev.orders.keys()].filter((id) => !ids.has(id));
      if (removed.length) {
        delta.removedOrders = removed;
        changed = true;
      }
    }
    const onShiftKey = JSON.stringify(v.onShift);
    if (!prev || prev.onShift !== onShiftKey) {
      delta.onShift = v.onShift;
      changed = true;
    }
    this.last = {
      lines: new Map(v.lines.map((l) => [l.id, l])),
      machines: new Map(v.machines.map((m) => [m.id, m])),
      orders: new Map(v.orders.map((o) => [o.id, o])),
      onShift: onShiftKey,
    };
    const prevTime = this.lastAt;
    this.lastAt = { time: v.time, position: v.position };
    if (!changed && prevTime && prevTime.time === v.time && prevTime.position === v.position) return null;
    return delta;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Changed entities with only their changed fields (new entities whole). */
function diffEntities<T extends { id: string }>(prev: Map<string, T> | undefined, next: readonly T[]): (Partial<T> & { id: string })[] {
  const out: (Partial<T> & { id: string })[] = [];
  for (const e of next) {
    const p = prev?.get(e.id);
    if (!p) {
      out.push(e);
      continue;
    }
    let d: (Partial<T> & { id: string }) | null = null;
    const keys = new Set([...Object.keys(e), ...Object.keys(p)]) as Set<keyof T & string>;
    for (const k of keys) {
      if (!sameValue(e[k], p[k])) {
        d ??= { id: e.id } as Partial<T> & { id: string };
        (d as Record<string, unknown>)[k] = e[k] === undefined ? null : e[k];
      }
    }
    if (d) out.push(d);
  }
  return out;
}
