/**
 * What the twin shows to consoles: plain, serialisable views, and the compact deltas the core
 * publishes instead of whole snapshots.
 */
import type { MachineState } from '../signals/schema';

/** A line's status, derived from its machines and orders (ISA-101: colour only when abnormal). */
export type LineStatus = 'running' | 'idle' | 'down' | 'changeover' | 'cleaning' | 'blocked' | 'starved' | 'held' | 'unknown';

export type OrderState = 'released' | 'kitted' | 'ready' | 'running' | 'paused' | 'held' | 'complete' | 'closed' | 'cancelled';

/** States no order leaves: it no longer waits on or runs on a line. */
export const TERMINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set(['complete', 'closed', 'cancelled']);

export interface MachineView {
  id: string;
  lineId: string;
  state: MachineState | 'unknown';
  reason?: string;
  /** Plant time the current state began. */
  since: number;
  /** A changeover/clean past its planned minutes (`overrun`) or a long stop (`escalated`). */
  alarm?: 'overrun' | 'escalated' | null;
  /** Planned minutes of the changeover or clean in progress. */
  plannedMinutes?: number | null;
  good?: number;
  scrap?: number;
}

export interface QueuedOrderView {
  orderId: string;
  sku: string;
  qty: number;
  /** Projected from rates, changeovers and the current order's remaining quantity. */
  projectedStart: number;
  projectedEnd: number;
  changeoverMinutes: number;
  late: boolean;
}

export interface LineView {
  id: string;
  areaId: string;
  name: string;
  status: LineStatus;
  currentOrderId: string | null;
  currentSku: string | null;
  lastFamily: string | null;
  queue: QueuedOrderView[];
  good: number;
  scrap: number;
  /** Units started but not finished on the line (between first and last machine). */
  wip: number;
  /** Running share of the plant time observed so far (0..1), a live availability proxy. */
  availability: number;
  crewOnShift: number;
  crewNeeded: number;
  holds: string[];
  /** Projected end of the current order (from its remaining quantity and the line's rate). */
  currentProjectedEnd?: number | null;
  /** Worst machine alarm on the line. */
  alarm?: 'overrun' | 'escalated' | null;
  /** The planner's pin (`plan.sequence`): these waiting orders run first, in this order; absent without one. */
  pinned?: string[] | null;
}

export interface OrderView {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  due: number;
  priority: number;
  state: OrderState;
  lineId: string | null;
  good: number;
  scrap: number;
  startedAt: number | null;
  completedAt: number | null;
  /** Projected (or actual) completion after the due time. */
  late?: boolean;
  holds?: string[];
}

export interface TwinView {
  /** Plant time of this view. */
  time: number;
  /** Journal position of the last signal applied. */
  position: number;
  /** Hash of the twin's state; equal hashes mean equal twins. */
  hash: string;
  lines: LineView[];
  machines: MachineView[];
  orders: OrderView[];
  inventory: { component: string; location: string; qty: number }[];
  onShift: { shiftId: string | null; people: string[] };
}

/** A view without the state hash (`Twin.peek()`): what readers of lines, machines and orders need. */
export type TwinState = Omit<TwinView, 'hash'>;

/** Changes since the previous delta; only changed fields of changed entities travel. */
export interface TwinDelta {
  time: number;
  position: number;
  lines?: (Partial<LineView> & { id: string })[];
  machines?: (Partial<MachineView> & { id: string })[];
  orders?: (Partial<OrderView> & { id: string })[];
  removedOrders?: string[];
  onShift?: TwinView['onShift'];
}
