/**
 * What each signal does to the twin, one handler per signal type. A handler folds its signal into
 * the batch's working copies (see ./twin.ts: each touched actor gets one SYNC at the end of the
 * batch) through `TwinWork`, never into the actors themselves. A reference the twin does not know
 * is counted as ignored; a `plan.sequence` it cannot apply is refused with why and where.
 */
import type { AnyActorRef } from 'xstate';
import type { Signal, SignalOf, SignalType } from '../signals/schema';
import { foldMachineState, type LineContext, type MachineContext, type OrderContext, type OrderOp, type PlantContext, type TwinTimings } from './fold';
import { assignLine, type MachineInfo, type PlantIndex } from './schedule';
import { TERMINAL_ORDER_STATES as TERMINAL } from './view';

export type Snap<C> = { context: C; value: unknown };

export interface MachineSlot {
  info: MachineInfo;
  ref: AnyActorRef;
  line: LineSlot;
  /** Working context during a batch. */
  work: MachineContext | null;
  entered: boolean;
}

export interface LineSlot {
  id: string;
  ref: AnyActorRef;
  work: LineContext | null;
}

export type RootWork = Omit<PlantContext, 'finished'>;

export type NewOrder = Omit<OrderContext, 'state' | 'resume' | 'good' | 'scrap' | 'startedAt' | 'completedAt' | 'cancelledAt' | 'deadline' | 'holds' | 'deviations'>;

/** The twin during a batch: its actors' working copies and the operations handlers fold signals with. */
export interface TwinWork {
  /** Plant time (the batch's latest event time so far). */
  readonly time: number;
  readonly index: PlantIndex;
  readonly timings: TwinTimings;
  readonly machines: ReadonlyMap<string, MachineSlot>;
  readonly lines: ReadonlyMap<string, LineSlot>;
  /** Counts a signal that named something the twin does not know. */
  ignore(): void;
  /** Refuses a signal as bad input (counted as ignored, kept for `takeRejected`). */
  reject(signal: Signal, reason: string, path: string): void;
  machineWork(m: MachineSlot): MachineContext;
  lineCtx(l: LineSlot): LineContext;
  lineWork(l: LineSlot): LineContext;
  orderCtx(id: string): OrderContext | undefined;
  orderWorkOf(id: string): OrderContext | undefined;
  orderOp(id: string, op: OrderOp): OrderContext | undefined;
  newOrder(o: NewOrder): void;
  root<K extends keyof RootWork>(part: K): RootWork[K];
  rootCtx(): RootWork;
  addInventory(component: string, location: string, delta: number): void;
  unpin(lineId: string | null, orderId: string): void;
  /** Forgets the cached queue head of a line (its queue or current order changed). */
  forgetHead(lineId: string): void;
  queueHead(line: LineSlot): OrderContext | null;
  plannedSetupMs(line: LineSlot): number;
}

type Handlers = { [K in SignalType]: (w: TwinWork, s: SignalOf<K>) => void };

export const signalHandlers: Handlers = {
  'production.count': (w, s) => {
    const m = w.machines.get(s.machine);
    if (!m) {
      w.ignore();
      return;
    }
    const lw = w.lineWork(m.line);
    const cnt = lw.counts[s.machine] ?? (lw.counts[s.machine] = { good: 0, scrap: 0 });
    cnt.good += s.good;
    cnt.scrap += s.scrap;
    const orderId = s.orderId ?? w.lineCtx(m.line).currentOrderId;
    if (orderId == null) return;
    const good = m.info.isLast ? s.good : 0;
    if (good === 0 && s.scrap === 0) return;
    const o = w.orderWorkOf(orderId);
    if (!o) return;
    o.good += good;
    o.scrap += s.scrap;
  },
  'machine.state': (w, s) => {
    const m = w.machines.get(s.machine);
    if (!m) {
      w.ignore();
      return;
    }
    const cur = m.work ?? (m.ref.getSnapshot() as Snap<MachineContext>).context;
    const reason = s.reason ?? null;
    if (cur.state === s.state && cur.reason === reason) return;
    const plannedMs = s.state === 'changeover' || s.state === 'cleaning' ? w.plannedSetupMs(m.line) : 0;
    if (foldMachineState(w.machineWork(m), s.state, reason, w.time, plannedMs, w.timings) === 'entered') m.entered = true;
  },
  'clock.tick': () => undefined,
  'inventory.issue': (w, s) => {
    w.addInventory(s.component, s.location, -s.qty);
    if (s.orderId !== undefined) {
      const c = w.orderCtx(s.orderId);
      if (c && !c.kitted) w.orderOp(s.orderId, { type: 'KIT' });
    }
  },
  'inventory.receipt': (w, s) => {
    w.addInventory(s.component, s.location, s.qty);
  },
  'inventory.adjustment': (w, s) => {
    w.addInventory(s.component, s.location, s.qtyDelta);
  },
  'labour.clockIn': (w, s) => {
    w.root('onShift')[s.person] = s.line ?? null;
  },
  'labour.clockOut': (w, s) => {
    delete w.root('onShift')[s.person];
  },
  'order.created': (w, s) => {
    const o = s.order;
    const product = w.index.productBySku.get(o.sku);
    w.newOrder({
      id: o.id,
      sku: o.sku,
      qty: o.qty,
      customer: o.customer,
      due: o.due,
      release: o.release ?? w.time,
      priority: o.priority,
      lineId: assignLine(w.index, o.sku, o.line),
      kitted: !product || product.bom.length === 0,
    });
  },
  'order.changed': (w, s) => {
    const op: OrderOp = { type: 'CHANGE' };
    if (s.qty !== undefined) op.qty = s.qty;
    if (s.due !== undefined) op.due = s.due;
    if (s.sku !== undefined) op.sku = s.sku;
    if (s.line !== undefined) op.lineId = s.line;
    w.orderOp(s.orderId, op);
  },
  'order.priority': (w, s) => {
    w.orderOp(s.orderId, { type: 'PRIORITY', priority: s.priority });
  },
  'order.cancelled': (w, s) => {
    const c = w.orderOp(s.orderId, { type: 'CANCEL', at: w.time });
    const line = c?.lineId ? w.lines.get(c.lineId) : undefined;
    if (line && w.lineCtx(line).currentOrderId === s.orderId) {
      const lw = w.lineWork(line);
      lw.currentOrderId = null;
      lw.currentSku = null;
    }
  },
  'order.started': (w, s) => {
    const line = w.lines.get(s.line);
    const exists = w.orderCtx(s.orderId) !== undefined;
    if (!line && !exists) {
      w.ignore();
      return;
    }
    if (line) {
      const prev = w.lineCtx(line).currentOrderId;
      if (prev !== null && prev !== s.orderId && w.orderCtx(prev)) w.orderOp(prev, { type: 'PAUSE' });
    }
    const c = exists ? w.orderOp(s.orderId, { type: 'START', at: w.time, lineId: s.line }) : undefined;
    if (line) {
      // A started order has left the queue: its place in the pin is used up.
      w.unpin(line.id, s.orderId);
      const lw = w.lineWork(line);
      lw.currentOrderId = s.orderId;
      lw.currentSku = c?.sku ?? null;
      w.forgetHead(line.id);
    }
  },
  'order.completed': (w, s) => {
    const line = w.lines.get(s.line);
    const exists = w.orderCtx(s.orderId) !== undefined;
    if (!line && !exists) {
      w.ignore();
      return;
    }
    const c = exists ? w.orderOp(s.orderId, { type: 'COMPLETE', at: w.time }) : undefined;
    if (line) {
      const lw = w.lineWork(line);
      if (lw.currentOrderId === s.orderId) {
        lw.currentOrderId = null;
        lw.currentSku = null;
      }
      const family = c ? w.index.familyOf(c.sku) : null;
      if (family !== null) lw.lastFamily = family;
      w.forgetHead(line.id);
      const next = w.queueHead(line);
      if (next && (next.state === 'released' || next.state === 'kitted')) w.orderOp(next.id, { type: 'READY' });
    }
  },
  'quality.hold': (w, s) => {
    const orderId = s.orderId ?? null;
    const lineId = s.line ?? null;
    w.root('holds')[s.holdId] = { orderId, lineId };
    if (orderId && w.orderCtx(orderId)) w.orderOp(orderId, { type: 'HOLD', holdId: s.holdId });
    const line = lineId ? w.lines.get(lineId) : undefined;
    if (line) {
      const lw = w.lineWork(line);
      if (!lw.holds.includes(s.holdId)) lw.holds = [...lw.holds, s.holdId];
    }
  },
  'quality.release': (w, s) => {
    const reg = w.rootCtx().holds[s.holdId];
    if (!reg) {
      w.ignore();
      return;
    }
    delete w.root('holds')[s.holdId];
    if (reg.orderId && w.orderCtx(reg.orderId)) w.orderOp(reg.orderId, { type: 'RELEASE', holdId: s.holdId });
    const line = reg.lineId ? w.lines.get(reg.lineId) : undefined;
    if (line) {
      const lw = w.lineWork(line);
      lw.holds = lw.holds.filter((h) => h !== s.holdId);
    }
  },
  'quality.deviation': (w, s) => {
    const c = s.orderId ? w.orderWorkOf(s.orderId) : undefined;
    if (c) c.deviations++;
  },
  'po.eta': (w, s) => {
    w.root('pos')[s.po] = { component: s.component, qty: s.qty, eta: s.eta };
  },
  'demand.changed': (w, s) => {
    const d = w.root('demand');
    d[s.sku] = (d[s.sku] ?? 0) + s.qtyDelta;
  },
  'plan.sequence': (w, s) => {
    pin(w, s);
  },
};

/**
 * `plan.sequence`: all or nothing. Every named order must exist, be on the line and not be
 * finished (else the signal is refused and the pin stays as it was); the line's current order,
 * if named, is left out (a started order's place in the pin is used up). Replaces the previous pin.
 */
function pin(w: TwinWork, s: SignalOf<'plan.sequence'>): void {
  const line = w.lines.get(s.line);
  if (!line) {
    w.reject(s, `plan.sequence: unknown line "${s.line}"; the plant has lines ${[...w.lines.keys()].join(', ')}`, 'line');
    return;
  }
  const current = w.lineCtx(line).currentOrderId;
  const seen = new Set<string>();
  for (let i = 0; i < s.orderIds.length; i++) {
    const id = s.orderIds[i] as string;
    const path = `orderIds.${i}`;
    const at = `plan.sequence for ${line.id}${s.decisionId ? ` (decision ${s.decisionId})` : ''}: order "${id}" at orderIds[${i}]`;
    if (seen.has(id)) return w.reject(s, `${at} is named twice; name each order once, in the order it should run`, path);
    seen.add(id);
    const c = w.orderCtx(id);
    if (!c) return w.reject(s, `${at} is not in the twin (never created, or finished and retired); only orders waiting on ${line.id} can be sequenced`, path);
    if (c.lineId !== line.id) return w.reject(s, `${at} is on ${c.lineId === null ? 'no line' : `line ${c.lineId}`}, not ${line.id}; reroute it to ${line.id} first (order.changed with line) or sequence it on its own line`, path);
    if (TERMINAL.has(c.state)) return w.reject(s, `${at} is ${c.state}; only orders waiting on ${line.id} can be sequenced`, path);
  }
  const pinned = s.orderIds.filter((id) => id !== current);
  w.lineWork(line).pinned = pinned.length ? pinned : undefined;
  w.forgetHead(line.id);
}

/** Folds one signal into the batch's working copies. */
export function applySignal(w: TwinWork, s: Signal): void {
  (signalHandlers[s.type] as (w: TwinWork, s: Signal) => void)(w, s);
}
