/**
 * What actually happened after a decision, as the forecast's planned events: each line's downtime
 * (from the first machine down to the last one up again) and each order that arrived. A decision's
 * options re-forecast with these events are judged with hindsight: the regret is the chosen
 * option's cost minus the best option's, both under what actually happened. Pure.
 */
import type { Plant } from '../../plant/schema';
import type { Signal } from '../../signals/schema';
import type { PlannedEvent } from '../../sim/forecast';
import { MINUTE } from '../../twin/schedule';

/**
 * Breakdowns and arrivals in `signals` (event time in [from, until)), as planned events.
 * `downAtStart`: machines already down at `from` (a line-down decision's own fault), so that
 * their repair as it happened replaces the fork's expected one.
 */
export function actualEvents(plant: Plant, signals: readonly Signal[], from: number, until: number, downAtStart: readonly string[] = []): PlannedEvent[] {
  const lineOf = new Map<string, string>();
  for (const a of plant.areas) for (const l of a.lines) for (const m of l.machines) lineOf.set(m.id, l.id);
  const down = new Map<string, Set<string>>();
  const downSince = new Map<string, number>();
  const out: PlannedEvent[] = [];
  for (const m of downAtStart) {
    const line = lineOf.get(m);
    if (!line) continue;
    down.set(line, (down.get(line) ?? new Set<string>()).add(m));
    downSince.set(line, from);
  }
  const sorted = signals.filter((s) => s.eventTime >= from && s.eventTime < until).sort((a, b) => a.eventTime - b.eventTime);
  for (const s of sorted) {
    if (s.type === 'machine.state') {
      const line = lineOf.get(s.machine);
      if (!line) continue;
      const set = down.get(line) ?? new Set<string>();
      down.set(line, set);
      const was = set.size > 0;
      if (s.state === 'down') set.add(s.machine);
      else set.delete(s.machine);
      if (!was && set.size > 0) downSince.set(line, s.eventTime);
      if (was && set.size === 0) {
        const at = downSince.get(line)!;
        out.push({ at, type: 'line-down', lineId: line, minutes: (s.eventTime - at) / MINUTE, reason: 'as it happened' });
        downSince.delete(line);
      }
    } else if (s.type === 'order.created') {
      const o = s.order;
      out.push({ at: s.eventTime, type: 'order-add', order: { id: o.id, sku: o.sku, qty: o.qty, remaining: o.qty, customer: o.customer, due: o.due, priority: o.priority, lineId: o.line ?? null, state: 'queued', heldUntil: null, startedAt: null } });
    }
  }
  // Still down at the end: down until the end of the window.
  for (const [line, at] of downSince) out.push({ at, type: 'line-down', lineId: line, minutes: (until - at) / MINUTE, reason: 'as it happened (still down)' });
  return out.sort((a, b) => a.at - b.at);
}
