/**
 * Pure reducers ("folds") for the twin's actors. The twin folds every signal of a batch into a
 * working copy of each touched actor's context, then delivers ONE `SYNC` event per touched actor
 * carrying the result; the actor takes the transition that the folded state asks for (and arms
 * its delayed transitions). Timers are time-aware in the folds: an op at time t first applies any
 * timer due at or before t (overrun, escalation, close), so a batch gives exactly the state that
 * one signal at a time gives.
 */
import type { MachineState } from '../signals/schema';
import type { OrderState } from './view';

export interface TwinTimings {
  /** A `down` longer than this escalates. */
  downEscalateMs: number;
  /** A complete order closes after this. */
  closeAfterMs: number;
  /** Closed and cancelled orders kept as actors before the oldest are retired. */
  finishedKept: number;
}

export const DEFAULT_TIMINGS: TwinTimings = { downEscalateMs: 30 * 60_000, closeAfterMs: 60 * 60_000, finishedKept: 500 };

// ---------------------------------------------------------------- machine

export interface MachineContext {
  id: string;
  lineId: string;
  state: MachineState | 'unknown';
  reason: string | null;
  since: number;
  /** Running time accumulated before `since`. */
  runMs: number;
  /** Plant time the timing sub-state is due (planned end of a changeover/clean, escalation of a down). */
  deadline: number | null;
  plannedMinutes: number | null;
  alarm: 'overrun' | 'escalated' | null;
}

export function machineAlarmDue(c: MachineContext, t: number): void {
  if (c.alarm === null && c.deadline !== null && c.deadline <= t) c.alarm = c.state === 'down' ? 'escalated' : 'overrun';
}

/** Applies a state change at `at`: 'entered' a new state, changed only the 'reason', or 'none'. Mutates `c`. */
export function foldMachineState(c: MachineContext, state: MachineState, reason: string | null, at: number, plannedMs: number, t: TwinTimings): 'entered' | 'reason' | 'none' {
  machineAlarmDue(c, at);
  if (c.state === state) {
    if (c.reason === reason) return 'none';
    c.reason = reason;
    return 'reason';
  }
  if (c.state === 'running') c.runMs += Math.max(0, at - c.since);
  const timed = state === 'changeover' || state === 'cleaning';
  c.state = state;
  c.reason = reason;
  c.since = at;
  c.deadline = timed ? at + plannedMs : state === 'down' ? at + t.downEscalateMs : null;
  c.plannedMinutes = timed ? plannedMs / 60_000 : null;
  c.alarm = null;
  return 'entered';
}

// ---------------------------------------------------------------- line

export interface LineContext {
  id: string;
  /** Good and scrap counted per machine of the line (kept here, not on the machine actors, so counts touch one actor per line). */
  counts: Record<string, { good: number; scrap: number }>;
  currentOrderId: string | null;
  currentSku: string | null;
  lastFamily: string | null;
  holds: string[];
  /**
   * The planner's pin (`plan.sequence`): these orders run first, in this order, before the
   * due/priority sequence. Only orders waiting on the line; an order that leaves the line, starts,
   * completes or is cancelled drops out. Absent (or undefined) when there is none, so a twin without
   * pins persists and hashes exactly as before pins existed.
   */
  pinned?: string[] | undefined;
}

// ---------------------------------------------------------------- order

export interface OrderContext {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  due: number;
  release: number;
  priority: number;
  lineId: string | null;
  /** Mirror of the actor's lifecycle state (kept in context so folds can read it). */
  state: OrderState;
  /** The state a hold interrupted, resumed on the last release. */
  resume: OrderState | null;
  good: number;
  scrap: number;
  kitted: boolean;
  startedAt: number | null;
  completedAt: number | null;
  cancelledAt: number | null;
  /** When a complete order closes (its timer's deadline). */
  deadline: number | null;
  holds: string[];
  deviations: number;
}

export type OrderOp =
  | { type: 'KIT' }
  | { type: 'READY' }
  | { type: 'START'; at: number; lineId: string }
  | { type: 'PAUSE' }
  | { type: 'COMPLETE'; at: number }
  | { type: 'CANCEL'; at: number }
  | { type: 'HOLD'; holdId: string }
  | { type: 'RELEASE'; holdId: string }
  | { type: 'CHANGE'; qty?: number; due?: number; sku?: string; lineId?: string }
  | { type: 'PRIORITY'; priority: number };

const PRE_COMPLETE: ReadonlySet<OrderState> = new Set(['released', 'kitted', 'ready', 'running', 'paused']);

export function orderTimerDue(c: OrderContext, t: number): void {
  if (c.state === 'complete' && c.deadline !== null && c.deadline <= t) c.state = 'closed';
}

/** Applies one lifecycle op at plant time `t`. Mutates `c` (arrays are replaced, never mutated). */
export function foldOrder(c: OrderContext, op: OrderOp, t: number, timings: TwinTimings): void {
  orderTimerDue(c, t);
  const s = c.state;
  switch (op.type) {
    case 'KIT':
      c.kitted = true;
      if (s === 'released') c.state = 'kitted';
      return;
    case 'READY':
      if (s === 'released' || s === 'kitted') c.state = 'ready';
      return;
    case 'START':
      if (PRE_COMPLETE.has(s) || s === 'held') {
        c.startedAt ??= op.at;
        c.lineId = op.lineId;
        if (s === 'held') c.resume = 'running';
        else c.state = 'running';
      }
      return;
    case 'PAUSE':
      if (s === 'running') c.state = 'paused';
      else if (s === 'held' && c.resume === 'running') c.resume = 'paused';
      return;
    case 'COMPLETE':
      if (PRE_COMPLETE.has(s) || s === 'held') {
        c.state = 'complete';
        c.resume = null;
        c.completedAt = op.at;
        c.deadline = op.at + timings.closeAfterMs;
      }
      return;
    case 'CANCEL':
      if (PRE_COMPLETE.has(s) || s === 'held') {
        c.state = 'cancelled';
        c.resume = null;
        c.cancelledAt = op.at;
      }
      return;
    case 'HOLD':
      if (!c.holds.includes(op.holdId)) c.holds = [...c.holds, op.holdId];
      if (PRE_COMPLETE.has(s)) {
        c.resume = s;
        c.state = 'held';
      }
      return;
    case 'RELEASE':
      if (!c.holds.includes(op.holdId)) return;
      c.holds = c.holds.filter((h) => h !== op.holdId);
      if (s === 'held' && c.holds.length === 0) {
        c.state = c.resume ?? 'released';
        c.resume = null;
      }
      return;
    case 'CHANGE':
      if (op.qty !== undefined) c.qty = op.qty;
      if (op.due !== undefined) c.due = op.due;
      if (op.sku !== undefined) c.sku = op.sku;
      if (op.lineId !== undefined) c.lineId = op.lineId;
      return;
    case 'PRIORITY':
      c.priority = op.priority;
      return;
  }
}

// ---------------------------------------------------------------- plant (root)

export interface PlantContext {
  /** Stock by `component@location`. */
  inventory: Record<string, number>;
  /** People clocked in, and the line they clocked in to (null: not line-bound). */
  onShift: Record<string, string | null>;
  /** Open quality holds and what they hold. */
  holds: Record<string, { orderId: string | null; lineId: string | null }>;
  /** Closed and cancelled orders as [time, id], in (time, id) order; the oldest are retired beyond `finishedKept`. */
  finished: [number, string][];
  pos: Record<string, { component: string; qty: number; eta: number }>;
  /** Net demand change per SKU reported by the ERP. */
  demand: Record<string, number>;
}
