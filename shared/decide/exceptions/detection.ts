/**
 * Exception detection: a pure function of plant, rules, a twin view and the time. It returns the
 * conditions present now, each with a stable `key` (type + subject), so detecting again
 * de-duplicates onto the same exception instead of raising a new one. Conditions the rules expect
 * by design (an idle line down, a maintenance window) come back marked `suppressedBy`.
 */
import type { Plant } from '../../plant/schema';
import { HOUR, MINUTE } from '../../twin/schedule';
import type { TwinState, TwinView } from '../../twin/view';
import { elapsed } from '../../clock/plant-time';
import { wallMinuteOfDay, wallWeekday } from '../../clock/zone';
import { TERMINAL, UNISSUED, inboundBefore, num, plannedRuns, plantIndex, timesOf, usableStock, type InboundPo } from '../context';
import { tierOf } from '../priority';
import { DEFAULT_EXCEPTION_PRIORITIES, type ExceptionPriority, type ExceptionType, type MaintenanceWindow, type RuleSet, type Tier } from '../rules-schema';
import type { ExceptionSubject } from './record';

export type { ExceptionPriority, ExceptionSubject, ExceptionType };

/** A condition present now. `key` is stable across detections of the same condition. */
export interface DetectedCondition {
  key: string;
  type: ExceptionType;
  priority: ExceptionPriority;
  title: string;
  /** One or two sentences with the numbers. */
  detail: string;
  subject: ExceptionSubject;
  /** Plant time the condition began, when known. */
  since?: number;
  /** Set when the condition is expected by design (a rule says why); it then needs nobody. */
  suppressedBy?: string;
  numbers?: Record<string, number>;
}

export interface DetectOptions {
  /** Purchase orders on their way (from `po.eta`). */
  inbound?: readonly InboundPo[];
  /** Plant time each order was first seen; rush orders are those due within N hours of arriving. */
  firstSeen?: Readonly<Record<string, number>>;
  /**
   * False: leave titles and details empty. Formatting times and quantities for people is most of a
   * detection pass's cost; a backtest compares keys and priorities at every pass and asks for the
   * texts only where the rule sets differ.
   */
  texts?: boolean;
}

/** Priorities in order, most urgent first. */
export const PRIORITY_RANK: Readonly<Record<ExceptionPriority, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

function higher(a: ExceptionPriority, b: ExceptionPriority | undefined): ExceptionPriority {
  return b !== undefined && PRIORITY_RANK[b] < PRIORITY_RANK[a] ? b : a;
}

function priorityFor(rules: RuleSet, type: ExceptionType, tier?: Tier): ExceptionPriority {
  const base = rules.exceptions.priorities[type] ?? DEFAULT_EXCEPTION_PRIORITIES[type];
  return tier ? higher(base, rules.exceptions.tierPriorityFloor[tier]) : base;
}

function hm(s: string): number {
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

/** The maintenance window covering `t` on `lineId` (plant wall clock in `zone`, like shifts), if any. */
export function maintenanceWindowAt(windows: readonly MaintenanceWindow[], lineId: string, t: number, zone?: string): MaintenanceWindow | undefined {
  const m = wallMinuteOfDay(zone, t);
  const day = wallWeekday(zone, t);
  return windows.find((w) => {
    if (w.line !== lineId) return false;
    const a = hm(w.start);
    const b = hm(w.end);
    const inside = a < b ? m >= a && m < b : m >= a || m < b;
    if (!inside) return false;
    if (w.days.length === 0) return true;
    // A window crossing midnight belongs to the day it started.
    const startDay = a < b || m >= a ? day : (day + 6) % 7;
    return w.days.includes(startDay);
  });
}

/** Every exception condition present in the view at `now`, sorted by key. */
export function detectExceptions(plant: Plant, rules: RuleSet, view: TwinState, now: number, opts: DetectOptions = {}): DetectedCondition[] {
  const ex = rules.exceptions;
  const text = opts.texts === false ? () => '' : (f: () => string) => f();
  const out: DetectedCondition[] = [];
  const index = plantIndex(plant);
  const fmtTime = timesOf(plant);
  const orderById = new Map(view.orders.map((o) => [o.id, o] as const));
  const tierOfOrder = (id: string | null | undefined): Tier | undefined => {
    const o = id ? orderById.get(id) : undefined;
    return o ? tierOf(plant, o.customer) : undefined;
  };
  const machinesByLine = new Map<string, TwinView['machines']>();
  for (const m of view.machines) {
    const list = machinesByLine.get(m.lineId);
    if (list) list.push(m);
    else machinesByLine.set(m.lineId, [m]);
  }

  for (const line of view.lines) {
    const machines = machinesByLine.get(line.id) ?? [];
    // line down
    const down = machines.filter((m) => m.state === 'down');
    if (down.length > 0 || line.status === 'down') {
      const since = down.length ? Math.min(...down.map((m) => m.since)) : now;
      const window = maintenanceWindowAt(ex.suppression.maintenanceWindows, line.id, now, plant.site.timezone);
      const idle = ex.suppression.idleLinesWithoutOrders && line.currentOrderId === null && line.queue.length === 0;
      const what = down.map((m) => `${m.id}${m.reason ? ` (${m.reason})` : ''}`).join(', ') || 'the line';
      const c: DetectedCondition = {
        key: `line-down:${line.id}`,
        type: 'line-down',
        priority: priorityFor(rules, 'line-down', tierOfOrder(line.currentOrderId)),
        title: text(() => `${line.name} (${line.id}) is down`),
        detail: text(() => `${what} down since ${fmtTime(since, now)} (${elapsed(now - since)}); ${line.currentOrderId ? `order ${line.currentOrderId} stopped, ` : ''}${line.queue.length} order${line.queue.length === 1 ? '' : 's'} waiting`),
        subject: { lineId: line.id, ...(down[0] ? { machineId: down[0].id } : {}), ...(line.currentOrderId ? { orderId: line.currentOrderId } : {}) },
        since,
        numbers: { downMinutes: (now - since) / MINUTE, machinesDown: down.length, queued: line.queue.length },
      };
      if (window) c.suppressedBy = `maintenance window ${window.start}–${window.end} on ${line.id}: ${window.reason}`;
      else if (idle) c.suppressedBy = `${line.id} has no current or queued order`;
      out.push(c);
    }

    // changeover overrun (per line: its machines change over together)
    const over = machines
      .filter((m) => (m.state === 'changeover' || m.state === 'cleaning') && m.plannedMinutes != null)
      .map((m) => ({ m, overBy: (now - m.since) / MINUTE - (m.plannedMinutes as number) }))
      .filter((x) => x.overBy > ex.changeoverOverrunMinutes)
      .sort((a, b) => b.overBy - a.overBy);
    if (over.length > 0) {
      const { m, overBy } = over[0]!;
      out.push({
        key: `changeover-overrun:${line.id}`,
        type: 'changeover-overrun',
        priority: priorityFor(rules, 'changeover-overrun'),
        title: text(() => `${m.state === 'cleaning' ? 'Clean' : 'Changeover'} overrun on ${line.id}`),
        detail: text(() => `${m.id} in ${m.state} since ${fmtTime(m.since, now)}: ${elapsed(now - m.since)} against ${num(m.plannedMinutes as number)} planned → ${elapsed(overBy * MINUTE)} over (threshold ${num(ex.changeoverOverrunMinutes)} min)`),
        subject: { lineId: line.id, machineId: m.id },
        since: m.since + (m.plannedMinutes as number) * MINUTE,
        numbers: { plannedMinutes: m.plannedMinutes as number, actualMinutes: (now - m.since) / MINUTE, overMinutes: overBy },
      });
    }

    // crew gap on a line that is working. Nobody clocked in at all means no labour data yet (a
    // fresh start before the shift's clock-ins, or a plant without a time-and-attendance feed),
    // not every line short: that would open one gap per line that nobody can act on.
    const working = line.currentOrderId !== null || line.status === 'running';
    const gap = line.crewNeeded - line.crewOnShift;
    if (working && gap >= ex.crewGapMinPeople && view.onShift.people.length > 0) {
      out.push({
        key: `crew-gap:${line.id}`,
        type: 'crew-gap',
        priority: priorityFor(rules, 'crew-gap', tierOfOrder(line.currentOrderId)),
        title: text(() => `Crew gap on ${line.id}`),
        detail: text(() => `${line.crewOnShift} of ${line.crewNeeded} people on ${line.id}${view.onShift.shiftId ? ` (shift ${view.onShift.shiftId})` : ' (no shift on)'} → ${gap} short${line.currentOrderId ? ` while ${line.currentOrderId} runs` : ''}`),
        subject: { lineId: line.id, ...(line.currentOrderId ? { orderId: line.currentOrderId } : {}) },
        numbers: { onShift: line.crewOnShift, needed: line.crewNeeded, gap },
      });
    }
  }

  // QA holds (line or order)
  const holds = new Map<string, { lines: Set<string>; orders: Set<string> }>();
  const hold = (h: string) => holds.get(h) ?? (holds.set(h, { lines: new Set(), orders: new Set() }).get(h) as { lines: Set<string>; orders: Set<string> });
  for (const l of view.lines) for (const h of l.holds) hold(h).lines.add(l.id);
  for (const o of view.orders) for (const h of o.holds ?? []) if (!TERMINAL.has(o.state)) hold(h).orders.add(o.id);
  for (const [h, on] of holds) {
    const orders = [...on.orders].sort();
    const lines = [...on.lines].sort();
    const tiers = orders.map((o) => tierOfOrder(o)).filter((t): t is Tier => t !== undefined).sort();
    out.push({
      key: `qa-hold:${h}`,
      type: 'qa-hold',
      priority: priorityFor(rules, 'qa-hold', tiers[0]),
      title: text(() => `QA hold ${h}`),
      detail: text(() => `quality hold ${h} on ${[...lines.map((l) => `line ${l}`), ...orders.map((o) => `order ${o}`)].join(', ')}`),
      subject: { holdId: h, ...(lines[0] ? { lineId: lines[0] } : {}), ...(orders[0] ? { orderId: orders[0] } : {}) },
      numbers: { lines: lines.length, orders: orders.length },
    });
  }

  // late risk: projected completion after due (+ threshold)
  const projectedEnd = new Map<string, { end: number; lineId: string }>();
  for (const l of view.lines) {
    if (l.currentOrderId && l.currentProjectedEnd != null) projectedEnd.set(l.currentOrderId, { end: l.currentProjectedEnd, lineId: l.id });
    for (const q of l.queue) projectedEnd.set(q.orderId, { end: q.projectedEnd, lineId: l.id });
  }
  for (const o of view.orders) {
    if (TERMINAL.has(o.state)) continue;
    const p = projectedEnd.get(o.id);
    const end = p?.end ?? (o.lineId === null && o.due < now ? now : undefined);
    if (end === undefined) continue;
    const lateMin = (end - o.due) / MINUTE;
    if (lateMin <= ex.lateRiskMinutes) continue;
    const tier = tierOf(plant, o.customer);
    out.push({
      key: `late-risk:${o.id}`,
      type: 'late-risk',
      priority: priorityFor(rules, 'late-risk', tier),
      title: text(() => `${o.id} at risk of being late`),
      detail: text(() => `${o.id} (${num(o.qty)} × ${o.sku}, ${o.customer}, tier ${tier}) ${p ? `projected to finish ${fmtTime(end, now)} on ${p.lineId}` : 'has no line'}, due ${fmtTime(o.due, now)} → ${elapsed(lateMin * MINUTE)} late (threshold ${num(ex.lateRiskMinutes)} min)`),
      subject: { orderId: o.id, ...(p ? { lineId: p.lineId } : {}) },
      numbers: { lateMinutes: lateMin, due: o.due, projectedEnd: end },
    });
  }

  // material shortage within the horizon: cumulative demand of runs not yet kitted vs stock + inbound
  const horizonEnd = now + ex.materialShortageHorizonHours * HOUR;
  const exclude = rules.constraints.material.excludeLocationKinds;
  const demand = new Map<string, number>();
  const short = new Map<string, DetectedCondition>();
  const stockOf = new Map<string, number>();
  for (const run of plannedRuns(view)) {
    if (run.start > horizonEnd) break;
    const state = orderById.get(run.orderId)?.state;
    if (!state || !UNISSUED.has(state)) continue;
    const product = index.productBySku.get(run.sku);
    for (const b of product?.bom ?? []) {
      if (short.has(b.component)) continue;
      const need = (demand.get(b.component) ?? 0) + run.remaining * b.perUnit;
      demand.set(b.component, need);
      let stock = stockOf.get(b.component);
      if (stock === undefined) stockOf.set(b.component, (stock = usableStock(plant, view, b.component, exclude)));
      const inbound = inboundBefore(opts.inbound, b.component, run.start);
      const missing = need - stock - inbound.qty;
      if (missing <= 1e-9) continue;
      const comp = plant.components.find((c) => c.id === b.component);
      const uom = comp?.uom ?? '';
      short.set(b.component, {
        key: `material-shortage:${b.component}`,
        type: 'material-shortage',
        priority: priorityFor(rules, 'material-shortage', tierOfOrder(run.orderId)),
        title: text(() => `${comp?.name ?? b.component} short for ${run.orderId}`),
        detail: text(() => `${comp?.name ?? b.component}: ${num(need)} ${uom} needed by ${fmtTime(run.start, now)} (through ${run.orderId} on ${run.lineId}, ${num(run.remaining)} × ${num(b.perUnit)}), ${num(stock)} ${uom} on hand + ${num(inbound.qty)} inbound → short ${num(missing)} ${uom} in ${num(Math.max(0, run.start - now) / HOUR)} h (horizon ${num(ex.materialShortageHorizonHours)} h)`),
        subject: { component: b.component, orderId: run.orderId, lineId: run.lineId },
        since: run.start,
        numbers: { need, onHand: stock, inbound: inbound.qty, short: missing, hoursAhead: Math.max(0, run.start - now) / HOUR },
      });
    }
  }
  out.push(...short.values());

  // rush orders: due within N hours of arriving, not started yet
  if (opts.firstSeen) {
    for (const o of view.orders) {
      const seen = opts.firstSeen[o.id];
      if (seen === undefined || o.startedAt !== null || TERMINAL.has(o.state)) continue;
      const leadH = (o.due - seen) / HOUR;
      if (leadH > ex.rushOrderHours) continue;
      const tier = tierOf(plant, o.customer);
      out.push({
        key: `rush-order:${o.id}`,
        type: 'rush-order',
        priority: priorityFor(rules, 'rush-order', tier),
        title: text(() => `Rush order ${o.id}`),
        detail: text(() => `${o.id} (${num(o.qty)} × ${o.sku}, ${o.customer}, tier ${tier}) arrived ${fmtTime(seen, now)} due ${fmtTime(o.due, now)}: ${num(leadH)} h lead time (rush below ${num(ex.rushOrderHours)} h), not started${o.lineId ? `, planned on ${o.lineId}` : ', no line'}`),
        subject: { orderId: o.id, ...(o.lineId ? { lineId: o.lineId } : {}) },
        since: seen,
        numbers: { leadHours: leadH },
      });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
