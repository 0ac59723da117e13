/**
 * Readiness-gated dispatch: a moved order's run on its target line may start only when the
 * gating actions that prepare it (kitting, QA release, changeover readiness by the default
 * templates) are done or verified. Pure.
 */
import type { ActionKind, ActionRecord, ReadinessGate } from './records';

const READY = new Set(['done', 'verified']);

/** One gate per (decision, order, line) that has at least one gating action; rejected actions no longer gate. */
export function readinessGates(actions: readonly ActionRecord[], gating: ReadonlySet<ActionKind>): ReadinessGate[] {
  const gates = new Map<string, ReadinessGate>();
  for (const a of actions) {
    if (!a.orderId || !gating.has(a.kind) || a.status === 'rejected') continue;
    const key = `${a.decisionId}|${a.orderId}|${a.lineId}`;
    let g = gates.get(key);
    if (!g) {
      g = { lineId: a.lineId, orderId: a.orderId, decisionId: a.decisionId, ready: true, pending: [] };
      gates.set(key, g);
    }
    if (!READY.has(a.status)) {
      g.ready = false;
      g.pending.push({ actionId: a.id, kind: a.kind, status: a.status, dueAt: a.dueAt });
    }
  }
  return [...gates.values()].sort((x, y) => x.lineId.localeCompare(y.lineId) || x.orderId.localeCompare(y.orderId) || x.decisionId.localeCompare(y.decisionId));
}
