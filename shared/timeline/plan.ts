/**
 * Plan bars from a twin view: the current order (from its start to its projected end) and each
 * queued order (projected start → end). Taken from the live twin it is the current plan; taken from
 * the twin reconstructed at shift start it is the baseline plan, frozen for the shift.
 */
import type { TwinState } from '../twin/view';
import type { PlannedOrder } from '../kpi/execution';
import type { Bar } from './bars';

export function planFromView(view: TwinState): PlannedOrder[] {
  const orders = new Map(view.orders.map((o) => [o.id, o]));
  const out: PlannedOrder[] = [];
  for (const l of view.lines) {
    if (l.currentOrderId && l.currentProjectedEnd) {
      const o = orders.get(l.currentOrderId);
      out.push({ orderId: l.currentOrderId, start: o?.startedAt ?? view.time, end: l.currentProjectedEnd });
    }
    for (const q of l.queue) out.push({ orderId: q.orderId, start: q.projectedStart, end: q.projectedEnd });
  }
  return out;
}

export function planBars(view: TwinState, kind: 'plan' | 'baseline'): Bar[] {
  const orders = new Map(view.orders.map((o) => [o.id, o]));
  const out: Bar[] = [];
  for (const l of view.lines) {
    const add = (orderId: string, start: number, end: number) => {
      const o = orders.get(orderId);
      out.push({ lineId: l.id, kind, start, end, label: `${kind === 'baseline' ? 'Baseline' : 'Plan'} ${orderId}${o ? ` · ${o.sku}` : ''}`, orderId, ...(o ? { sku: o.sku, customer: o.customer } : {}) });
    };
    if (l.currentOrderId && l.currentProjectedEnd) add(l.currentOrderId, orders.get(l.currentOrderId)?.startedAt ?? view.time, l.currentProjectedEnd);
    for (const q of l.queue) add(q.orderId, q.projectedStart, q.projectedEnd);
  }
  return out.sort((a, b) => a.start - b.start);
}
