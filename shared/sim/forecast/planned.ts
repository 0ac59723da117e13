/**
 * Planned events: what is known to happen later (a line down, receipts, stock losses, a blocked
 * component, orders added or changed), applied at their time.
 */
import { dispatch, goDown, interruptRun, onReceipt, startSegment } from './dispatch';
import { addOrder, toMin, type Run } from './run';
import type { ForecastOrder, PlannedEvent } from './types';

export function onPlanned(run: Run, e: PlannedEvent): void {
  const { sim, inv } = run;
  switch (e.type) {
    case 'line-down': {
      const l = run.lineById.get(e.lineId);
      if (l) goDown(run, l, sim.now + e.minutes);
      return;
    }
    case 'receipt':
      onReceipt(run, { component: e.component, qty: e.qty });
      return;
    case 'stock-loss':
      inv[e.component] = Math.max(0, (inv[e.component] ?? 0) - e.qty);
      return;
    case 'component-block': {
      const until = toMin(run, e.until);
      run.blocked.set(e.component, until);
      // lines running on it stop at once
      for (const l of run.lines) {
        if (l.phase !== 'run' || !l.segReserved?.has(e.component)) continue;
        interruptRun(run, l);
        startSegment(run, l);
      }
      if (until > sim.now) sim.schedule(until - sim.now, run.on.retryStarved, undefined);
      return;
    }
    case 'order-add': {
      const o = { ...e.order };
      if (run.orders.has(o.id)) return;
      addOrder(run, o);
      const l = o.lineId ? run.lineById.get(o.lineId) : undefined;
      if (l && l.phase === 'idle') dispatch(run, l);
      return;
    }
    case 'order-change': {
      const rt = run.orders.get(e.orderId);
      if (!rt) return;
      applyOrderChange(rt.o, e);
      return;
    }
  }
}

/** Schedules each planned event inside the horizon at its time (before other events at the same minute). */
export function schedulePlanned(run: Run): void {
  for (const e of [...run.st.planned].sort((a, b) => a.at - b.at)) {
    const m = Math.max(0, toMin(run, e.at));
    if (m <= run.H) run.sim.schedule(m, run.on.planned, e, -2);
  }
}

/** A planned order change applied to an order: a new quantity keeps what was already made. */
export function applyOrderChange(o: ForecastOrder, e: Extract<PlannedEvent, { type: 'order-change' }>): void {
  if (e.qty !== undefined) {
    const made = o.qty - o.remaining;
    o.qty = e.qty;
    o.remaining = Math.max(0, e.qty - made);
  }
  if (e.due !== undefined) o.due = e.due;
  if (e.priority !== undefined) o.priority = e.priority;
}
