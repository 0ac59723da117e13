/**
 * What exception detection needs beyond the twin's view, kept the way the core's decide service
 * keeps it: the purchase orders on their way (from `po.eta` signals, dropped once their ETA has
 * passed) and the plant time each order was first seen (orders present at the first pass are the
 * opening book, not rush orders). A backtest replays the same signals, so it rebuilds the same
 * context without the live registry. Pure.
 */
import type { InboundPo } from '../context';
import type { Signal } from '../../signals/schema';
import type { TwinState } from '../../twin/view';

export interface DetectionContext {
  /** Signals as the twin gets them (tracks inbound POs). */
  observe(signal: Signal): void;
  /** The detection options at `now` for `view` (updates first-seen times and drops arrived POs). */
  at(view: TwinState, now: number): { inbound: InboundPo[]; firstSeen: Record<string, number> };
}

export function createDetectionContext(): DetectionContext {
  const inbound = new Map<string, InboundPo>();
  let firstSeen: Record<string, number> | null = null;
  return {
    observe(s) {
      if (s.type === 'po.eta') inbound.set(s.po, { po: s.po, component: s.component, qty: s.qty, eta: s.eta });
    },
    at(view, now) {
      const seen: Record<string, number> = firstSeen ?? {};
      const ids = new Set<string>();
      for (const o of view.orders) {
        ids.add(o.id);
        if (seen[o.id] === undefined) seen[o.id] = firstSeen === null ? 0 : now;
      }
      for (const id of Object.keys(seen)) if (!ids.has(id)) delete seen[id];
      firstSeen = seen;
      // POs due in the past were received or are overdue: neither counts as inbound.
      for (const [po, p] of inbound) if (p.eta < now) inbound.delete(po);
      return { inbound: [...inbound.values()], firstSeen: seen };
    },
  };
}
