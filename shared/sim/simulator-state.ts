/**
 * The embedded simulator's plain-data state (persisted as a JSON copy), its event types, the
 * breakdown and hold reasons it draws from, and its time-ordered event queue (a binary heap keyed
 * by time, then by insertion number, so equal-time events keep their order).
 */
export interface PlantSimulatorStats {
  signals: number;
  breakdowns: number;
  holds: number;
  shortages: number;
  rushOrders: number;
  ordersCompleted: number;
  changeovers: number;
  cleans: number;
}

export type Phase = 'idle' | 'setup' | 'qa' | 'run' | 'down' | 'held' | 'starved';

export interface SimOrder {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  due: number;
  priority: number;
  lineId: string | null;
  good: number;
  state: 'queued' | 'running' | 'done';
}

export interface SimLine {
  id: string;
  phase: Phase;
  currentOrderId: string | null;
  lastFamily: string | null;
  /** Fractional units carried to the next minute. */
  carry: number;
  /** Units produced since the last material issue. */
  sinceIssue: number;
  holdId: string | null;
  /** Bumped on every phase change: stale timed events for the line are ignored. */
  epoch: number;
}

export type SimEvent =
  | { k: 'minute' }
  | { k: 'next'; line: string }
  | { k: 'setupDone'; line: string; epoch: number; qa: boolean }
  | { k: 'qaRelease'; line: string; epoch: number; holdId: string }
  | { k: 'breakdown'; machine: string }
  | { k: 'repair'; line: string; epoch: number; machine: string }
  | { k: 'holdRelease'; line: string; epoch: number; holdId: string }
  | { k: 'receipt'; component: string; location: string; qty: number; line: string | null }
  | { k: 'shift' }
  | { k: 'qaHold' }
  | { k: 'rush' }
  | { k: 'order' }
  | { k: 'demand' }
  | { k: 'absence' }
  | { k: 'shortage' };

export interface QueueItem {
  at: number;
  n: number;
  e: SimEvent;
}

export interface SimState {
  time: number;
  startTime: number;
  source: string;
  rng: number;
  seq: number;
  n: number;
  ids: number;
  heap: QueueItem[];
  orders: Record<string, SimOrder>;
  lines: Record<string, SimLine>;
  machineState: Record<string, string>;
  inventory: Record<string, number>;
  onShift: Record<string, string | null>;
  stats: PlantSimulatorStats;
  opts: { mtbfHours: number; mean: Record<'qaHold' | 'rush' | 'order' | 'demand' | 'absence' | 'shortage', number> };
}

export const REASONS: readonly { reason: string; weight: number; repairMin: number }[] = [
  { reason: 'jam', weight: 5, repairMin: 6 },
  { reason: 'sensor fault', weight: 2, repairMin: 15 },
  { reason: 'motor overload', weight: 1, repairMin: 45 },
  { reason: 'no operator', weight: 1, repairMin: 20 },
];
export const HOLD_REASONS = ['seal integrity check', 'fill weight out of tolerance', 'foreign body suspicion', 'label mismatch'];

// ---------------------------------------------------------------- heap

export function push(h: QueueItem[], item: QueueItem): void {
  h.push(item);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (less(h[p] as QueueItem, item)) break;
    h[i] = h[p] as QueueItem;
    i = p;
  }
  h[i] = item;
}

export function pop(h: QueueItem[]): QueueItem | undefined {
  const top = h[0];
  const last = h.pop();
  if (!top || !last || h.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && less(h[r] as QueueItem, h[l] as QueueItem) ? r : l;
    if (less(last, h[c] as QueueItem)) break;
    h[i] = h[c] as QueueItem;
    i = c;
  }
  h[i] = last;
  return top;
}

function less(a: QueueItem, b: QueueItem): boolean {
  return a.at < b.at || (a.at === b.at && a.n < b.n);
}
