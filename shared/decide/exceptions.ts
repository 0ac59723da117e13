/**
 * Exceptions: business conditions detected from twin state, run through the ISA-18.2 alarm
 * lifecycle.
 *
 * Detection (`detectExceptions`) is a pure function of plant, rules, a twin view and the time: it
 * returns the conditions present now, each with a stable `key` (type + subject), so detecting
 * again de-duplicates onto the same exception instead of raising a new one.
 *
 * The lifecycle is a pure reducer (`lifecycleNext`) over an explicit transition table rather
 * than an XState machine: an exception is a record with a state, and every transition is
 * (state, event, condition still present?) → state | illegal. The table is easy to read next to
 * the standard, every transition is total and deterministic, a record persists as plain JSON
 * (no actor snapshot, no scheduled events to re-arm), and shelve expiry is just `until <= now`
 * checked on each update against the plant clock — which replays exactly. `ExceptionRegistry`
 * owns the records: it applies detections, runs operator actions through the reducer, records
 * who and when for every transition, and measures the flood rate.
 *
 *   active-unacknowledged ─ack→ active-acknowledged ─clears→ closed
 *   active-unacknowledged ─clears→ returned-to-normal-unacknowledged ─ack→ closed
 *   returned-to-normal-unacknowledged ─condition again→ active-unacknowledged
 *   any annunciated ─shelve(until)→ shelved ─unshelve / expiry→ active-unacknowledged | closed
 *   condition suppressed by design → suppressed ─suppression ends→ active-unacknowledged | closed
 *   any open ─out of service (reason)→ out-of-service ─return to service→ active-unacknowledged | closed
 */
import type { Plant } from '../plant/schema';
import { HOUR, MINUTE } from '../twin/schedule';
import type { TwinState, TwinView } from '../twin/view';
import { TERMINAL, UNISSUED, fmtTime, inboundBefore, num, plannedRuns, plantIndex, usableStock, type InboundPo } from './context';
import { tierOf } from './priority';
import { DEFAULT_EXCEPTION_PRIORITIES, exceptionPriorities, type ExceptionPriority, type ExceptionType, type MaintenanceWindow, type RuleSet, type Tier } from './rules-schema';

export type { ExceptionPriority, ExceptionType };

export interface ExceptionSubject {
  lineId?: string;
  orderId?: string;
  machineId?: string;
  component?: string;
  holdId?: string;
}

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
}

const RANK: Record<ExceptionPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function higher(a: ExceptionPriority, b: ExceptionPriority | undefined): ExceptionPriority {
  return b !== undefined && RANK[b] < RANK[a] ? b : a;
}

function priorityFor(rules: RuleSet, type: ExceptionType, tier?: Tier): ExceptionPriority {
  const base = rules.exceptions.priorities[type] ?? DEFAULT_EXCEPTION_PRIORITIES[type];
  return tier ? higher(base, rules.exceptions.tierPriorityFloor[tier]) : base;
}

function minuteOfDay(t: number): number {
  return Math.floor((((t % 86_400_000) + 86_400_000) % 86_400_000) / MINUTE);
}

function hm(s: string): number {
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

/** The maintenance window covering `t` on `lineId` (UTC, like shifts), if any. */
export function maintenanceWindowAt(windows: readonly MaintenanceWindow[], lineId: string, t: number): MaintenanceWindow | undefined {
  const m = minuteOfDay(t);
  const day = new Date(t).getUTCDay();
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
  const out: DetectedCondition[] = [];
  const index = plantIndex(plant);
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
      const window = maintenanceWindowAt(ex.suppression.maintenanceWindows, line.id, now);
      const idle = ex.suppression.idleLinesWithoutOrders && line.currentOrderId === null && line.queue.length === 0;
      const what = down.map((m) => `${m.id}${m.reason ? ` (${m.reason})` : ''}`).join(', ') || 'the line';
      const c: DetectedCondition = {
        key: `line-down:${line.id}`,
        type: 'line-down',
        priority: priorityFor(rules, 'line-down', tierOfOrder(line.currentOrderId)),
        title: `${line.name} (${line.id}) is down`,
        detail: `${what} down since ${fmtTime(since, now)} (${num((now - since) / MINUTE)} min); ${line.currentOrderId ? `order ${line.currentOrderId} stopped, ` : ''}${line.queue.length} order${line.queue.length === 1 ? '' : 's'} waiting`,
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
        title: `${m.state === 'cleaning' ? 'Clean' : 'Changeover'} overrun on ${line.id}`,
        detail: `${m.id} in ${m.state} since ${fmtTime(m.since, now)}: ${num((now - m.since) / MINUTE)} min against ${num(m.plannedMinutes as number)} planned → ${num(overBy)} min over (threshold ${num(ex.changeoverOverrunMinutes)} min)`,
        subject: { lineId: line.id, machineId: m.id },
        since: m.since + (m.plannedMinutes as number) * MINUTE,
        numbers: { plannedMinutes: m.plannedMinutes as number, actualMinutes: (now - m.since) / MINUTE, overMinutes: overBy },
      });
    }

    // crew gap on a line that is working
    const working = line.currentOrderId !== null || line.status === 'running';
    const gap = line.crewNeeded - line.crewOnShift;
    if (working && gap >= ex.crewGapMinPeople) {
      out.push({
        key: `crew-gap:${line.id}`,
        type: 'crew-gap',
        priority: priorityFor(rules, 'crew-gap', tierOfOrder(line.currentOrderId)),
        title: `Crew gap on ${line.id}`,
        detail: `${line.crewOnShift} of ${line.crewNeeded} people on ${line.id}${view.onShift.shiftId ? ` (shift ${view.onShift.shiftId})` : ' (no shift on)'} → ${gap} short${line.currentOrderId ? ` while ${line.currentOrderId} runs` : ''}`,
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
      title: `QA hold ${h}`,
      detail: `quality hold ${h} on ${[...lines.map((l) => `line ${l}`), ...orders.map((o) => `order ${o}`)].join(', ')}`,
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
      title: `${o.id} at risk of being late`,
      detail: `${o.id} (${o.qty} × ${o.sku}, ${o.customer}, tier ${tier}) ${p ? `projected to finish ${fmtTime(end, now)} on ${p.lineId}` : 'has no line'}, due ${fmtTime(o.due, now)} → ${num(lateMin)} min late (threshold ${num(ex.lateRiskMinutes)} min)`,
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
        title: `${comp?.name ?? b.component} short for ${run.orderId}`,
        detail: `${comp?.name ?? b.component}: ${num(need)} ${uom} needed by ${fmtTime(run.start, now)} (through ${run.orderId} on ${run.lineId}, ${num(run.remaining)} × ${num(b.perUnit)}), ${num(stock)} ${uom} on hand + ${num(inbound.qty)} inbound → short ${num(missing)} ${uom} in ${num(Math.max(0, run.start - now) / HOUR)} h (horizon ${num(ex.materialShortageHorizonHours)} h)`,
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
        title: `Rush order ${o.id}`,
        detail: `${o.id} (${o.qty} × ${o.sku}, ${o.customer}, tier ${tier}) arrived ${fmtTime(seen, now)} due ${fmtTime(o.due, now)}: ${num(leadH)} h lead time (rush below ${num(ex.rushOrderHours)} h), not started${o.lineId ? `, planned on ${o.lineId}` : ', no line'}`,
        subject: { orderId: o.id, ...(o.lineId ? { lineId: o.lineId } : {}) },
        since: seen,
        numbers: { leadHours: leadH },
      });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ------------------------------------------------------------------------------------------
// ISA-18.2 lifecycle

export const exceptionStates = ['active-unacknowledged', 'active-acknowledged', 'rtn-unacknowledged', 'shelved', 'suppressed', 'out-of-service', 'closed'] as const;
export type ExceptionState = (typeof exceptionStates)[number];

export type LifecycleEvent =
  | 'ack'
  | 'condition-cleared'
  | 'condition-active'
  | 'shelve'
  | 'unshelve'
  | 'shelve-expired'
  | 'suppress'
  | 'unsuppress'
  | 'remove-from-service'
  | 'return-to-service';

/**
 * The transition table. `active` is whether the condition is present after the event. Returns
 * the next state, or null when the event is illegal in `state`.
 */
export function lifecycleNext(state: ExceptionState, event: LifecycleEvent, active: boolean): ExceptionState | null {
  const back: ExceptionState = active ? 'active-unacknowledged' : 'closed';
  switch (state) {
    case 'active-unacknowledged':
      return event === 'ack' ? 'active-acknowledged' : event === 'condition-cleared' ? 'rtn-unacknowledged' : event === 'condition-active' ? state : event === 'shelve' ? 'shelved' : event === 'suppress' ? 'suppressed' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'active-acknowledged':
      return event === 'condition-cleared' ? 'closed' : event === 'condition-active' ? state : event === 'shelve' ? 'shelved' : event === 'suppress' ? 'suppressed' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'rtn-unacknowledged':
      return event === 'ack' ? 'closed' : event === 'condition-active' ? 'active-unacknowledged' : event === 'condition-cleared' ? state : event === 'shelve' ? 'shelved' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'shelved':
      return event === 'unshelve' || event === 'shelve-expired' ? back : event === 'condition-active' || event === 'condition-cleared' || event === 'suppress' ? state : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'suppressed':
      return event === 'unsuppress' ? back : event === 'condition-cleared' ? 'closed' : event === 'condition-active' || event === 'suppress' ? state : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'out-of-service':
      return event === 'return-to-service' ? back : event === 'condition-active' || event === 'condition-cleared' || event === 'suppress' || event === 'unsuppress' ? state : null;
    case 'closed':
      return null;
  }
}

export interface ExceptionTransition {
  at: number;
  /** Person id, or `system` for detection and expiry. */
  by: string;
  event: LifecycleEvent | 'raised';
  from: ExceptionState | null;
  to: ExceptionState;
  note?: string;
}

export interface ExceptionComment {
  at: number;
  by: string;
  text: string;
}

export interface ExceptionRecord {
  id: string;
  key: string;
  type: ExceptionType;
  priority: ExceptionPriority;
  title: string;
  detail: string;
  subject: ExceptionSubject;
  numbers?: Record<string, number>;
  state: ExceptionState;
  /** Whether the detected condition is present (tracked while shelved or out of service too). */
  conditionActive: boolean;
  raisedAt: number;
  updatedAt: number;
  clearedAt: number | null;
  closedAt: number | null;
  acknowledged: { by: string; at: number } | null;
  shelved: { by: string; at: number; until: number; reason: string } | null;
  outOfService: { by: string; at: number; reason: string } | null;
  suppressedBy: string | null;
  comments: ExceptionComment[];
  history: ExceptionTransition[];
}

export type ExceptionChange =
  | { kind: 'raised'; exception: ExceptionRecord }
  | { kind: 'transition'; exception: ExceptionRecord; from: ExceptionState; event: LifecycleEvent }
  | { kind: 'updated'; exception: ExceptionRecord }
  | { kind: 'comment'; exception: ExceptionRecord }
  | { kind: 'removed'; id: string };

export interface ExceptionFilter {
  states?: ExceptionState[];
  types?: ExceptionType[];
  priorities?: ExceptionPriority[];
  lineId?: string;
  orderId?: string;
  /** Closed exceptions are left out unless asked for (or named in `states`). */
  includeClosed?: boolean;
}

export interface FloodRate {
  windowMinutes: number;
  /** New annunciations (raised, or back to active-unacknowledged) in the window. */
  newInWindow: number;
  operators: number;
  perOperator: number;
  threshold: number;
  flooding: boolean;
}

export class ExceptionError extends Error {
  override readonly name = 'ExceptionError';
  constructor(
    readonly code: 'not_found' | 'illegal_transition' | 'invalid',
    readonly id: string,
    message: string,
    readonly state?: ExceptionState,
  ) {
    super(message);
  }
}

export const REGISTRY_FORMAT = 1;

export interface RegistrySnapshot {
  format: number;
  seq: number;
  records: ExceptionRecord[];
  /** Plant times of recent annunciations (for the flood rate). */
  annunciations: number[];
}

const clone = <T>(v: T): T => structuredClone(v);
const OPEN_ANNUNCIATED: readonly ExceptionState[] = ['active-unacknowledged', 'active-acknowledged', 'rtn-unacknowledged'];

/**
 * Owns the exceptions: applies detections (`update`), operator actions and shelve expiry, all on
 * plant time from the clock it is given. Deterministic: the same detections and actions at the
 * same times give the same records, ids included.
 */
export class ExceptionRegistry {
  private seq = 0;
  private readonly records = new Map<string, ExceptionRecord>();
  private readonly openByKey = new Map<string, string>();
  private annunciations: number[] = [];
  private readonly listeners = new Set<(changes: ExceptionChange[]) => void>();

  constructor(
    private rules: RuleSet,
    private readonly clock: { now(): number },
  ) {}

  setRules(rules: RuleSet): void {
    this.rules = rules;
  }

  /** Listens to every change (detections and actions); returns an unsubscribe. */
  onChange(fn: (changes: ExceptionChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(changes: ExceptionChange[]): ExceptionChange[] {
    if (changes.length) this.listeners.forEach((f) => f(changes));
    return changes;
  }

  private move(r: ExceptionRecord, event: LifecycleEvent, by: string, at: number, changes: ExceptionChange[], note?: string): void {
    const next = lifecycleNext(r.state, event, r.conditionActive);
    if (next === null) throw new ExceptionError('illegal_transition', r.id, `exception ${r.id} is ${r.state}: '${event}' is not allowed in that state`, r.state);
    if (next === r.state) return;
    const from = r.state;
    r.state = next;
    r.updatedAt = at;
    r.history.push({ at, by, event, from, to: next, ...(note ? { note } : {}) });
    if (next === 'active-unacknowledged' && from !== 'active-unacknowledged') {
      r.acknowledged = null;
      this.annunciations.push(at);
    }
    if (from === 'shelved') r.shelved = null;
    if (from === 'out-of-service') r.outOfService = null;
    if (next === 'closed') {
      r.closedAt = at;
      this.openByKey.delete(r.key);
    }
    changes.push({ kind: 'transition', exception: clone(r), from, event });
  }

  private must(id: string): ExceptionRecord {
    const r = this.records.get(id);
    if (!r) throw new ExceptionError('not_found', id, `no exception with id '${id}'`);
    return r;
  }

  /** Applies a full detection pass at `now`: raises new conditions, updates present ones, clears absent ones, expires shelves. */
  update(detected: readonly DetectedCondition[], now: number = this.clock.now()): ExceptionChange[] {
    const changes: ExceptionChange[] = [];
    this.expire(now, changes);
    const present = new Set<string>();
    for (const d of detected) {
      if (present.has(d.key)) continue;
      present.add(d.key);
      const id = this.openByKey.get(d.key);
      if (id === undefined) {
        this.raise(d, now, changes);
        continue;
      }
      const r = this.records.get(id)!;
      const before = JSON.stringify([r.priority, r.title, r.detail, r.subject, r.numbers]);
      r.priority = d.priority;
      r.title = d.title;
      r.detail = d.detail;
      r.subject = { ...d.subject };
      if (d.numbers) r.numbers = { ...d.numbers };
      else delete r.numbers;
      const changed = before !== JSON.stringify([r.priority, r.title, r.detail, r.subject, r.numbers]);
      if (!r.conditionActive) {
        r.conditionActive = true;
        r.clearedAt = null;
        this.move(r, 'condition-active', 'system', now, changes);
      }
      const suppressedBy = d.suppressedBy ?? null;
      if (suppressedBy !== r.suppressedBy) {
        r.suppressedBy = suppressedBy;
        if (suppressedBy !== null && (r.state === 'active-unacknowledged' || r.state === 'active-acknowledged')) this.move(r, 'suppress', 'system', now, changes, suppressedBy);
        else if (suppressedBy === null && r.state === 'suppressed') this.move(r, 'unsuppress', 'system', now, changes);
      }
      if (changed) {
        r.updatedAt = now;
        changes.push({ kind: 'updated', exception: clone(r) });
      }
    }
    for (const id of [...this.openByKey.values()]) {
      const r = this.records.get(id)!;
      if (present.has(r.key) || !r.conditionActive) continue;
      r.conditionActive = false;
      r.clearedAt = now;
      this.move(r, 'condition-cleared', 'system', now, changes);
    }
    this.prune(changes);
    this.pruneAnnunciations(now);
    return this.emit(changes);
  }

  private raise(d: DetectedCondition, now: number, changes: ExceptionChange[]): void {
    const id = `EX-${++this.seq}`;
    const state: ExceptionState = d.suppressedBy ? 'suppressed' : 'active-unacknowledged';
    const r: ExceptionRecord = {
      id,
      key: d.key,
      type: d.type,
      priority: d.priority,
      title: d.title,
      detail: d.detail,
      subject: { ...d.subject },
      ...(d.numbers ? { numbers: { ...d.numbers } } : {}),
      state,
      conditionActive: true,
      raisedAt: now,
      updatedAt: now,
      clearedAt: null,
      closedAt: null,
      acknowledged: null,
      shelved: null,
      outOfService: null,
      suppressedBy: d.suppressedBy ?? null,
      comments: [],
      history: [{ at: now, by: 'system', event: 'raised', from: null, to: state, ...(d.suppressedBy ? { note: d.suppressedBy } : {}) }],
    };
    this.records.set(id, r);
    this.openByKey.set(d.key, id);
    if (state === 'active-unacknowledged') this.annunciations.push(now);
    changes.push({ kind: 'raised', exception: clone(r) });
  }

  /** Returns shelved exceptions whose time is up (also done by update). */
  expire(now: number = this.clock.now(), changes: ExceptionChange[] = []): ExceptionChange[] {
    for (const id of [...this.openByKey.values()]) {
      const r = this.records.get(id)!;
      if (r.state === 'shelved' && r.shelved && r.shelved.until <= now) this.move(r, 'shelve-expired', 'system', r.shelved.until, changes, `shelved until ${fmtTime(r.shelved.until)}`);
    }
    return changes;
  }

  private prune(changes: ExceptionChange[]): void {
    const keep = this.rules.exceptions.keepClosed;
    const closed = [...this.records.values()].filter((r) => r.state === 'closed');
    if (closed.length <= keep) return;
    closed.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0) || Number(a.id.slice(3)) - Number(b.id.slice(3)));
    for (const r of closed.slice(0, closed.length - keep)) {
      this.records.delete(r.id);
      changes.push({ kind: 'removed', id: r.id });
    }
  }

  private pruneAnnunciations(now: number): void {
    const from = now - this.rules.exceptions.flood.windowMinutes * MINUTE;
    if (this.annunciations.length && this.annunciations[0]! <= from) this.annunciations = this.annunciations.filter((t) => t > from);
  }

  private act(id: string, by: string, f: (r: ExceptionRecord, now: number, changes: ExceptionChange[]) => void): ExceptionRecord {
    const r = this.must(id);
    if (!by || !by.trim()) throw new ExceptionError('invalid', id, `who acts on exception ${id}: 'by' must name a person`, r.state);
    const changes: ExceptionChange[] = [];
    f(r, this.clock.now(), changes);
    // The transition's copy is taken mid-action (before e.g. `acknowledged` is set): send the record as the action left it.
    const done = clone(r);
    for (const c of changes) if ('exception' in c && c.exception.id === r.id) c.exception = clone(done);
    this.emit(changes);
    return done;
  }

  acknowledge(id: string, by: string, comment?: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      const from = r.state;
      this.move(r, 'ack', by, now, changes, comment);
      if (from === 'active-unacknowledged' || from === 'rtn-unacknowledged') r.acknowledged = { by, at: now };
      if (comment) r.comments.push({ at: now, by, text: comment });
    });
  }

  /** Shelves until `until` (plant time), at most the rules' `shelveMaxMinutes` ahead. */
  shelve(id: string, by: string, until: number, reason: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      const max = this.rules.exceptions.shelveMaxMinutes;
      if (!reason || !reason.trim()) throw new ExceptionError('invalid', id, `shelving exception ${id} needs a reason`, r.state);
      if (until <= now) throw new ExceptionError('invalid', id, `shelving exception ${id} until ${fmtTime(until, now)}: that is not after now (${fmtTime(now)})`, r.state);
      if (until - now > max * MINUTE) throw new ExceptionError('invalid', id, `shelving exception ${id} for ${num((until - now) / MINUTE)} min exceeds the rules' maximum of ${num(max)} min`, r.state);
      if (!OPEN_ANNUNCIATED.includes(r.state)) throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}: only active or returned-to-normal exceptions can be shelved`, r.state);
      this.move(r, 'shelve', by, now, changes, reason);
      r.shelved = { by, at: now, until, reason };
    });
  }

  unshelve(id: string, by: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (r.state !== 'shelved') throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}, not shelved`, r.state);
      this.move(r, 'unshelve', by, now, changes);
    });
  }

  comment(id: string, by: string, text: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (!text || !text.trim()) throw new ExceptionError('invalid', id, `a comment on exception ${id} needs text`, r.state);
      r.comments.push({ at: now, by, text });
      r.updatedAt = now;
      changes.push({ kind: 'comment', exception: clone(r) });
    });
  }

  outOfService(id: string, by: string, reason: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (!reason || !reason.trim()) throw new ExceptionError('invalid', id, `taking exception ${id} out of service needs a reason`, r.state);
      this.move(r, 'remove-from-service', by, now, changes, reason);
      r.outOfService = { by, at: now, reason };
    });
  }

  returnToService(id: string, by: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (r.state !== 'out-of-service') throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}, not out of service`, r.state);
      this.move(r, 'return-to-service', by, now, changes);
    });
  }

  get(id: string): ExceptionRecord {
    return clone(this.must(id));
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Matching exceptions, most urgent first (priority, then oldest, then id). */
  list(filter: ExceptionFilter = {}): ExceptionRecord[] {
    const out: ExceptionRecord[] = [];
    for (const r of this.records.values()) {
      if (filter.states ? !filter.states.includes(r.state) : r.state === 'closed' && !filter.includeClosed) continue;
      if (filter.types && !filter.types.includes(r.type)) continue;
      if (filter.priorities && !filter.priorities.includes(r.priority)) continue;
      if (filter.lineId !== undefined && r.subject.lineId !== filter.lineId) continue;
      if (filter.orderId !== undefined && r.subject.orderId !== filter.orderId) continue;
      out.push(clone(r));
    }
    return out.sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.raisedAt - b.raisedAt || Number(a.id.slice(3)) - Number(b.id.slice(3)));
  }

  /** New annunciations per operator position over the rules' window ending at `now`. */
  flood(now: number = this.clock.now()): FloodRate {
    const f = this.rules.exceptions.flood;
    const from = now - f.windowMinutes * MINUTE;
    const n = this.annunciations.filter((t) => t > from && t <= now).length;
    const perOperator = n / f.operators;
    return { windowMinutes: f.windowMinutes, newInWindow: n, operators: f.operators, perOperator, threshold: f.maxNew, flooding: perOperator > f.maxNew };
  }

  persist(): RegistrySnapshot {
    return { format: REGISTRY_FORMAT, seq: this.seq, records: [...this.records.values()].map(clone), annunciations: [...this.annunciations] };
  }

  /** Replaces the registry's content with a persisted one. */
  restore(snap: RegistrySnapshot): void {
    if (!snap || snap.format !== REGISTRY_FORMAT || !Array.isArray(snap.records)) throw new Error(`exception registry snapshot format ${String(snap?.format)} is not ${REGISTRY_FORMAT}: start with an empty registry`);
    this.records.clear();
    this.openByKey.clear();
    this.seq = snap.seq;
    for (const r of snap.records) {
      if (!(exceptionStates as readonly string[]).includes(r.state) || !(exceptionPriorities as readonly string[]).includes(r.priority)) throw new Error(`exception registry snapshot: record ${r.id} has state '${r.state}' / priority '${r.priority}'`);
      this.records.set(r.id, clone(r));
      if (r.state !== 'closed') this.openByKey.set(r.key, r.id);
    }
    this.annunciations = [...snap.annunciations];
  }
}
