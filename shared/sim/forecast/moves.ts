/** Moves: the changes options propose and a planner drags in the what-if sandbox, applied to a fork. */
import { compareBySequence } from '../../twin/schedule';
import type { ForecastLine, ForecastOrder, ForecastState, PlannedEvent } from './types';

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
      // Orders the fork adds later (a rush order) keep their slot too: the pin applies when they arrive.
      const onLine = (id: string) => state.orders.some((o) => o.id === id && o.lineId === line.id) || state.planned.some((e) => e.type === 'order-add' && e.order.id === id && e.order.lineId === line.id);
      line.pinned = move.orderIds.filter(onLine);
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
