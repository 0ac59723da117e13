/**
 * The plan change of a committed option, in two forms:
 *  - journaled signals (source `takt.commit`) the core pushes through the ingest pipeline, so the
 *    live twin changes the way every other change does and a replay of the journal reproduces it:
 *    a reroute is `order.changed` with `line`; a split is `order.changed` (the quantity left) plus
 *    `order.created` (the split-off part on the target line); an expedite is the premium freight's
 *    `po.eta`; queue positions (sequence, resequence, the `position` of a reroute or split) become
 *    one `plan.sequence` per line, the pin of the line's queue head, after the other signals.
 *    `applied` names what went through the journal; `unapplied` what the twin cannot take as a
 *    signal (pausing the current order) or no longer fits the twin, written back only;
 *  - write-back messages for the systems of record: ERP production-order changes and the MES
 *    dispatch list of each affected line.
 * Pure.
 */
import type { Move } from '../sim/forecast';
import { PLAN_SEQUENCE_MAX } from '../signals/schema';
import type { TwinView } from '../twin/view';
import { compareBySequence } from '../twin/schedule';
import type { WriteBackMessage } from './writeback';
import { splitOrderId } from './workflows';
import { idempotencyKey } from './outbox-policy';

export const COMMIT_SOURCE = 'takt.commit';

export interface OrderSpec {
  id: string;
  sku: string;
  qty: number;
  good: number;
  customer: string;
  due: number;
  priority: number;
  lineId: string | null;
}

/** A line's plan as the twin shows it: its waiting orders in the order it runs them, and its pin. */
export interface LinePlan {
  /** Waiting order ids, in the twin's order (`lines[].queue`). */
  queue: string[];
  /** The pinned head of `queue` (`lines[].pinned`). */
  pinned: string[];
}

/** A signal body without the envelope (id, source, seq, times are added by the caller). */
export type PlanSignal =
  | { type: 'order.changed'; orderId: string; line?: string; qty?: number }
  | { type: 'order.created'; order: { id: string; sku: string; qty: number; customer: string; due: number; priority: number; line: string } }
  | { type: 'po.eta'; po: string; component: string; qty: number; eta: number }
  | { type: 'plan.sequence'; line: string; orderIds: string[]; decisionId: string };

export interface PlanChange {
  signals: PlanSignal[];
  /** What the signals do to the twin's plan, in words. */
  applied: string[];
  /** Moves the twin cannot take as a signal (written back only), in words. */
  unapplied: string[];
  messages: Omit<WriteBackMessage, 'id'>[];
}

/** The line plans of a twin view, for `planChange`. */
export function linePlansOf(view: Pick<TwinView, 'lines'>): (lineId: string) => LinePlan | undefined {
  const byId = new Map(view.lines.map((l) => [l.id, l] as const));
  return (lineId) => {
    const l = byId.get(lineId);
    return l ? { queue: l.queue.map((q) => q.orderId), pinned: l.pinned ?? [] } : undefined;
  };
}

/**
 * The queue of each line the moves touch, as the twin will order it once the signals apply: the
 * pin first, then the rest by due/priority (`compareBySequence`, as the twin does). Queue moves
 * change the pin the way the forecast's moves do (../sim/forecast/moves.ts `pinAt`): an order put at
 * slot p pins the queue's first p+1 orders.
 */
class QueuePlans {
  private readonly plans = new Map<string, { pin: string[]; rest: string[]; changed: boolean }>();
  /** Orders created by the change (split-off parts), for sequencing. */
  private readonly created = new Map<string, { id: string; due: number; priority: number }>();

  constructor(
    private readonly lineOf: (lineId: string) => LinePlan | undefined,
    private readonly orderOf: (id: string) => OrderSpec | undefined,
  ) {}

  private plan(lineId: string) {
    let p = this.plans.get(lineId);
    if (p) return p;
    const l = this.lineOf(lineId);
    if (!l) return undefined;
    const pinned = new Set(l.pinned);
    p = { pin: l.queue.filter((id) => pinned.has(id)), rest: l.queue.filter((id) => !pinned.has(id)), changed: false };
    this.plans.set(lineId, p);
    return p;
  }

  has(lineId: string): boolean {
    return this.plan(lineId) !== undefined;
  }

  waits(lineId: string, orderId: string): boolean {
    const p = this.plan(lineId);
    return p !== undefined && (p.pin.includes(orderId) || p.rest.includes(orderId));
  }

  private sort(ids: string[]): string[] {
    const seq = (id: string) => this.created.get(id) ?? this.orderOf(id) ?? { id, due: Infinity, priority: 9 };
    return ids.sort((a, b) => {
      const x = seq(a);
      const y = seq(b);
      // Unknown orders last (Infinity − Infinity is NaN: compare those by id).
      if (x.due === Infinity || y.due === Infinity) return x.due === y.due ? (a < b ? -1 : a > b ? 1 : 0) : x.due === Infinity ? 1 : -1;
      return compareBySequence(x, y);
    });
  }

  /** The order left the line (rerouted away): the twin drops it from the pin by itself. */
  remove(lineId: string, orderId: string): void {
    const p = this.plan(lineId);
    if (!p) return;
    p.pin = p.pin.filter((id) => id !== orderId);
    p.rest = p.rest.filter((id) => id !== orderId);
  }

  /** The order joins the line unpinned (the twin sequences it by due/priority). */
  add(lineId: string, orderId: string, created?: { due: number; priority: number }): void {
    if (created) this.created.set(orderId, { id: orderId, ...created });
    const p = this.plan(lineId);
    if (!p) return;
    this.remove(lineId, orderId);
    p.rest = this.sort([...p.rest, orderId]);
  }

  /** Puts the order at slot `position` of the line's queue: the queue up to it becomes the pin. */
  pinAt(lineId: string, orderId: string, position: number): void {
    const p = this.plan(lineId);
    if (!p) return;
    const full = [...p.pin, ...p.rest].filter((id) => id !== orderId);
    const at = Math.max(0, Math.min(Math.floor(position), full.length));
    full.splice(at, 0, orderId);
    p.pin = full.slice(0, at + 1);
    p.rest = this.sort(full.slice(at + 1));
    p.changed = true;
  }

  /** Fixes the head of the line's queue to `orderIds` (all waiting on it). */
  pinAll(lineId: string, orderIds: string[]): void {
    const p = this.plan(lineId);
    if (!p) return;
    const named = new Set(orderIds);
    p.rest = this.sort([...p.pin, ...p.rest].filter((id) => !named.has(id)));
    p.pin = [...orderIds];
    p.changed = true;
  }

  /** One pin per line whose queue a move set, in the order the lines were first touched. */
  pins(): { lineId: string; orderIds: string[] }[] {
    return [...this.plans].filter(([, p]) => p.changed).map(([lineId, p]) => ({ lineId, orderIds: p.pin }));
  }
}

/**
 * The signals, words and write-back messages of `moves`. `lineOf` (the twin's line plans, see
 * `linePlansOf`) lets queue moves apply; without it they are written back only.
 */
export function planChange(decisionId: string, moves: readonly Move[], orderOf: (id: string) => OrderSpec | undefined, lineOf?: (lineId: string) => LinePlan | undefined): PlanChange {
  const signals: PlanSignal[] = [];
  const applied: string[] = [];
  const unapplied: string[] = [];
  const messages: Omit<WriteBackMessage, 'id'>[] = [];
  const queues = new QueuePlans(lineOf ?? (() => undefined), orderOf);
  /** The line each order is on once the earlier moves applied. */
  const lineNow = new Map<string, string | null>();
  const lineOfOrder = (id: string) => (lineNow.has(id) ? (lineNow.get(id) ?? null) : (orderOf(id)?.lineId ?? null));
  const lines = new Map<string, Move[]>();
  const touch = (lineId: string | null | undefined, m: Move) => {
    if (!lineId) return;
    const l = lines.get(lineId) ?? [];
    l.push(m);
    lines.set(lineId, l);
  };
  const erp = (kind: string, payload: Record<string, unknown>) => messages.push({ target: 'erp', kind, decisionId, payload, idempotencyKey: idempotencyKey(decisionId, kind, payload) });
  /** Places an order that joins `lineId` (pinned at `position` when given). */
  const place = (lineId: string, orderId: string, position: number | undefined, created?: { due: number; priority: number }) => {
    if (!queues.has(lineId)) {
      if (position !== undefined) unapplied.push(`queue position ${position} of ${orderId} on ${lineId} (the twin shows no line ${lineId})`);
      return;
    }
    queues.add(lineId, orderId, created);
    if (position !== undefined) queues.pinAt(lineId, orderId, position);
  };
  moves.forEach((m, i) => {
    switch (m.kind) {
      case 'reroute': {
        const o = orderOf(m.orderId);
        const from = lineOfOrder(m.orderId);
        signals.push({ type: 'order.changed', orderId: m.orderId, line: m.toLine });
        applied.push(`reroute ${m.orderId} to ${m.toLine}`);
        erp('production-order.line', { orderId: m.orderId, fromLine: o?.lineId ?? null, toLine: m.toLine, ...(m.position !== undefined ? { position: m.position } : {}) });
        touch(o?.lineId, m);
        touch(m.toLine, m);
        if (from) queues.remove(from, m.orderId);
        lineNow.set(m.orderId, m.toLine);
        place(m.toLine, m.orderId, m.position);
        break;
      }
      case 'split': {
        const o = orderOf(m.orderId);
        if (!o) {
          unapplied.push(`split of unknown order ${m.orderId}`);
          break;
        }
        const newId = splitOrderId(m.orderId, m.newId);
        signals.push({ type: 'order.changed', orderId: m.orderId, qty: Math.max(1, o.qty - m.qty) });
        signals.push({ type: 'order.created', order: { id: newId, sku: o.sku, qty: m.qty, customer: o.customer, due: o.due, priority: o.priority, line: m.toLine } });
        applied.push(`split ${m.qty} of ${m.orderId} to ${m.toLine} as ${newId}`);
        erp('production-order.split', { orderId: m.orderId, newOrderId: newId, qty: m.qty, toLine: m.toLine });
        touch(o.lineId, m);
        touch(m.toLine, m);
        lineNow.set(newId, m.toLine);
        place(m.toLine, newId, m.position, { due: o.due, priority: o.priority });
        break;
      }
      case 'expedite': {
        const po = `${decisionId}-x${i + 1}`;
        signals.push({ type: 'po.eta', po, component: m.component, qty: m.qty, eta: m.at });
        applied.push(`expedite ${m.qty} ${m.component} (${po})`);
        erp('purchase-order.expedite', { po, component: m.component, qty: m.qty, eta: m.at, cost: m.cost });
        break;
      }
      case 'sequence': {
        const o = orderOf(m.orderId);
        const lineId = lineOfOrder(m.orderId);
        erp('production-order.sequence', { orderId: m.orderId, lineId: o?.lineId ?? null, position: m.position });
        touch(o?.lineId, m);
        if (!lineId) unapplied.push(`queue position ${m.position} of ${m.orderId} (${o ? 'it has no line' : 'no such order in the twin'})`);
        else if (!queues.waits(lineId, m.orderId)) unapplied.push(`queue position ${m.position} of ${m.orderId} on ${lineId} (it is not waiting there: running or finished)`);
        else queues.pinAt(lineId, m.orderId, m.position);
        break;
      }
      case 'resequence': {
        erp('production-order.sequence', { lineId: m.lineId, orderIds: m.orderIds });
        touch(m.lineId, m);
        if (!queues.has(m.lineId)) {
          unapplied.push(`sequence ${m.orderIds.join(', ')} on ${m.lineId}`);
          break;
        }
        const waiting = [...new Set(m.orderIds)].filter((id) => queues.waits(m.lineId, id));
        const gone = m.orderIds.filter((id) => !waiting.includes(id));
        if (gone.length) unapplied.push(`sequence of ${gone.join(', ')} on ${m.lineId} (not waiting there any more)`);
        queues.pinAll(m.lineId, waiting);
        break;
      }
      case 'pause-current':
        unapplied.push(`pause of the current order on ${m.lineId}`);
        touch(m.lineId, m);
        break;
      case 'wait':
        break;
    }
  });
  // After the reroutes and splits, so the orders they move are on the line when the pin applies.
  for (const p of queues.pins()) {
    const orderIds = p.orderIds.slice(0, PLAN_SEQUENCE_MAX);
    if (orderIds.length < p.orderIds.length) unapplied.push(`sequence of ${p.orderIds.length - orderIds.length} orders after the first ${PLAN_SEQUENCE_MAX} on ${p.lineId} (they follow by due date)`);
    signals.push({ type: 'plan.sequence', line: p.lineId, orderIds, decisionId });
    applied.push(orderIds.length ? `sequence ${orderIds.join(', ')} first on ${p.lineId}` : `clear the pinned sequence of ${p.lineId}`);
  }
  for (const [lineId, ms] of [...lines].sort((a, b) => a[0].localeCompare(b[0]))) {
    const payload = { lineId, changes: ms };
    messages.push({ target: 'mes', kind: 'dispatch-list.update', decisionId, payload, idempotencyKey: idempotencyKey(decisionId, 'dispatch-list.update', payload) });
  }
  return { signals, applied, unapplied, messages };
}
