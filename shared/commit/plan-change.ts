/**
 * The plan change of a committed option, in two forms:
 *  - journaled signals (source `takt.commit`) the core pushes through the ingest pipeline, so the
 *    live twin changes the way every other change does and a replay of the journal reproduces it:
 *    a reroute is `order.changed` with `line`; a split is `order.changed` (the quantity left) plus
 *    `order.created` (the split-off part on the target line); an expedite is the premium freight's
 *    `po.eta`. Queue positions (sequence, resequence, pause) have no canonical signal yet: they go
 *    to the systems of record through the outbox only, and `unapplied` names them;
 *  - write-back messages for the systems of record: ERP production-order changes and the MES
 *    dispatch list of each affected line.
 * Pure.
 */
import type { Move } from '../sim/forecast';
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

/** A signal body without the envelope (id, source, seq, times are added by the caller). */
export type PlanSignal = { type: 'order.changed'; orderId: string; line?: string; qty?: number } | { type: 'order.created'; order: { id: string; sku: string; qty: number; customer: string; due: number; priority: number; line: string } } | { type: 'po.eta'; po: string; component: string; qty: number; eta: number };

export interface PlanChange {
  signals: PlanSignal[];
  /** Moves that the twin cannot take as a signal yet (written back only), in words. */
  unapplied: string[];
  messages: Omit<WriteBackMessage, 'id'>[];
}

export function planChange(decisionId: string, moves: readonly Move[], orderOf: (id: string) => OrderSpec | undefined): PlanChange {
  const signals: PlanSignal[] = [];
  const unapplied: string[] = [];
  const messages: Omit<WriteBackMessage, 'id'>[] = [];
  const lines = new Map<string, Move[]>();
  const touch = (lineId: string | null | undefined, m: Move) => {
    if (!lineId) return;
    const l = lines.get(lineId) ?? [];
    l.push(m);
    lines.set(lineId, l);
  };
  const erp = (kind: string, payload: Record<string, unknown>) => messages.push({ target: 'erp', kind, decisionId, payload, idempotencyKey: idempotencyKey(decisionId, kind, payload) });
  moves.forEach((m, i) => {
    switch (m.kind) {
      case 'reroute': {
        const o = orderOf(m.orderId);
        signals.push({ type: 'order.changed', orderId: m.orderId, line: m.toLine });
        erp('production-order.line', { orderId: m.orderId, fromLine: o?.lineId ?? null, toLine: m.toLine, ...(m.position !== undefined ? { position: m.position } : {}) });
        touch(o?.lineId, m);
        touch(m.toLine, m);
        if (m.position !== undefined) unapplied.push(`queue position ${m.position} of ${m.orderId} on ${m.toLine}`);
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
        erp('production-order.split', { orderId: m.orderId, newOrderId: newId, qty: m.qty, toLine: m.toLine });
        touch(o.lineId, m);
        touch(m.toLine, m);
        break;
      }
      case 'expedite': {
        const po = `${decisionId}-x${i + 1}`;
        signals.push({ type: 'po.eta', po, component: m.component, qty: m.qty, eta: m.at });
        erp('purchase-order.expedite', { po, component: m.component, qty: m.qty, eta: m.at, cost: m.cost });
        break;
      }
      case 'sequence': {
        const o = orderOf(m.orderId);
        erp('production-order.sequence', { orderId: m.orderId, lineId: o?.lineId ?? null, position: m.position });
        unapplied.push(`queue position ${m.position} of ${m.orderId}`);
        touch(o?.lineId, m);
        break;
      }
      case 'resequence':
        erp('production-order.sequence', { lineId: m.lineId, orderIds: m.orderIds });
        unapplied.push(`sequence ${m.orderIds.join(', ')} on ${m.lineId}`);
        touch(m.lineId, m);
        break;
      case 'pause-current':
        unapplied.push(`pause of the current order on ${m.lineId}`);
        touch(m.lineId, m);
        break;
      case 'wait':
        break;
    }
  });
  for (const [lineId, ms] of [...lines].sort((a, b) => a[0].localeCompare(b[0]))) {
    const payload = { lineId, changes: ms };
    messages.push({ target: 'mes', kind: 'dispatch-list.update', decisionId, payload, idempotencyKey: idempotencyKey(decisionId, 'dispatch-list.update', payload) });
  }
  return { signals, unapplied, messages };
}
