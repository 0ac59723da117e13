/**
 * Folds journaled canonical signals into what the timeline and the KPIs need, incrementally (apply
 * signals in journal order, ask any time):
 * - per line, a sequence of state segments: the line's state is its worst machine state
 *   (down > cleaning > changeover > blocked > starved > unknown > running > idle), with the reason of the
 *   machine that sets it — downtime with reasons, changeovers, cleans, running time;
 * - order runs (order.started → order.completed on a line);
 * - QA holds (quality.hold → quality.release), on the hold's line or its order's line;
 * - production counts per line: good at the line's last machine, scrap on every machine, and
 *   the planned run time of those units (PRI = 1 / rate of the SKU on the line).
 * Pure: plant time comes from the signals' event times.
 */
import type { Plant } from '../plant/schema';
import type { Signal } from '../signals/schema';
import { indexPlant, HOUR, type PlantIndex } from '../twin/schedule';
import { emptyQuantities, type ElementaryQuantities } from '../kpi/iso22400';
import { byStart, overlap, type Bar } from './bars';

export type SegmentState = 'running' | 'idle' | 'down' | 'changeover' | 'cleaning' | 'blocked' | 'starved' | 'unknown';
/** Worst first. A machine whose state is unknown (e.g. its connector is down) keeps the line from counting as running. */
const WORST: readonly SegmentState[] = ['down', 'cleaning', 'changeover', 'blocked', 'starved', 'unknown', 'running', 'idle'];

export interface Segment {
  state: SegmentState;
  reason?: string;
  start: number;
  /** null while open. */
  end: number | null;
}
export interface Run {
  orderId: string;
  lineId: string;
  start: number;
  end: number | null;
}
export interface Hold {
  holdId: string;
  lineId: string | null;
  orderId?: string;
  reason: string;
  start: number;
  end: number | null;
}
export interface Count {
  t: number;
  good: number;
  scrap: number;
  plannedMs: number;
}
export interface OrderInfo {
  id: string;
  sku: string;
  qty: number;
  customer: string;
  due: number;
  lineId: string | null;
  startedAt: number | null;
  completedAt: number | null;
  cancelled: boolean;
}

interface LineTrack {
  id: string;
  segments: Segment[];
  runs: Run[];
  counts: Count[];
  machines: Map<string, { state: SegmentState; reason?: string }>;
  lastTime: number;
  current: Run | null;
}

export class TimelineBuilder {
  readonly index: PlantIndex;
  private readonly lines = new Map<string, LineTrack>();
  readonly orders = new Map<string, OrderInfo>();
  private readonly holds = new Map<string, Hold>();
  private readonly holdList: Hold[] = [];
  position = 0;
  /** Newest event time applied. */
  time: number;

  constructor(plant: Plant, readonly startTime: number) {
    this.index = indexPlant(plant);
    this.time = startTime;
    for (const l of this.index.lines) this.lines.set(l.id, { id: l.id, segments: [], runs: [], counts: [], machines: new Map(), lastTime: startTime, current: null });
    for (const o of plant.orders)
      this.orders.set(o.id, { id: o.id, sku: o.sku, qty: o.qty, customer: o.customer, due: startTime + o.dueInHours * HOUR, lineId: o.line ?? null, startedAt: null, completedAt: null, cancelled: false });
  }

  get lineIds(): string[] {
    return [...this.lines.keys()];
  }

  apply(s: Signal, position: number): void {
    this.position = Math.max(this.position, position);
    this.time = Math.max(this.time, s.eventTime);
    switch (s.type) {
      case 'order.created': {
        const o = s.order;
        this.orders.set(o.id, { id: o.id, sku: o.sku, qty: o.qty, customer: o.customer, due: o.due, lineId: o.line ?? null, startedAt: null, completedAt: null, cancelled: false });
        return;
      }
      case 'order.changed': {
        const o = this.orders.get(s.orderId);
        if (!o) return;
        if (s.qty !== undefined) o.qty = s.qty;
        if (s.due !== undefined) o.due = s.due;
        if (s.sku !== undefined) o.sku = s.sku;
        if (s.line !== undefined) o.lineId = s.line;
        return;
      }
      case 'order.cancelled': {
        const o = this.orders.get(s.orderId);
        if (o) o.cancelled = true;
        return;
      }
      case 'machine.state': {
        const m = this.index.machineById.get(s.machine);
        const track = m && this.lines.get(m.lineId);
        if (!track) return;
        track.machines.set(s.machine, { state: s.state, ...(s.reason ? { reason: s.reason } : {}) });
        this.restate(track, s.eventTime);
        return;
      }
      case 'order.started': {
        const track = this.lines.get(s.line);
        if (!track) return;
        const t = Math.max(s.eventTime, track.lastTime);
        if (track.current) track.current.end = t;
        const run: Run = { orderId: s.orderId, lineId: s.line, start: t, end: null };
        track.runs.push(run);
        track.current = run;
        const o = this.orders.get(s.orderId);
        if (o) {
          o.startedAt ??= s.eventTime;
          o.lineId = s.line;
        }
        return;
      }
      case 'order.completed': {
        const track = this.lines.get(s.line);
        if (track?.current?.orderId === s.orderId) {
          track.current.end = Math.max(s.eventTime, track.current.start);
          track.current = null;
        }
        const o = this.orders.get(s.orderId);
        if (o) o.completedAt = s.eventTime;
        return;
      }
      case 'production.count': {
        const m = this.index.machineById.get(s.machine);
        const track = m && this.lines.get(m.lineId);
        if (!m || !track) return;
        const good = m.isLast ? s.good : 0;
        if (good === 0 && s.scrap === 0) return;
        const orderId = s.orderId ?? track.current?.orderId;
        const sku = orderId ? this.orders.get(orderId)?.sku : undefined;
        const rate = sku ? this.index.rate(sku, m.lineId) : undefined;
        track.counts.push({ t: s.eventTime, good, scrap: s.scrap, plannedMs: rate ? ((good + s.scrap) / rate) * HOUR : 0 });
        return;
      }
      case 'quality.hold': {
        if (this.holds.has(s.holdId)) return;
        const lineId = s.line ?? (s.orderId ? (this.orders.get(s.orderId)?.lineId ?? null) : null);
        const h: Hold = { holdId: s.holdId, lineId, ...(s.orderId ? { orderId: s.orderId } : {}), reason: s.reason, start: s.eventTime, end: null };
        this.holds.set(s.holdId, h);
        this.holdList.push(h);
        return;
      }
      case 'quality.release': {
        const h = this.holds.get(s.holdId);
        if (h && h.end === null) h.end = Math.max(h.start, s.eventTime);
        return;
      }
      default:
        return;
    }
  }

  private restate(track: LineTrack, eventTime: number): void {
    let worst: SegmentState = 'idle';
    let reason: string | undefined;
    let rank = WORST.length;
    for (const m of track.machines.values()) {
      const r = WORST.indexOf(m.state);
      if (r < rank) {
        rank = r;
        worst = m.state;
        reason = m.reason;
      }
    }
    const t = Math.max(eventTime, track.lastTime);
    track.lastTime = t;
    const open = track.segments[track.segments.length - 1];
    if (open && open.end === null) {
      if (open.state === worst && open.reason === reason) return;
      open.end = t;
    }
    track.segments.push({ state: worst, ...(reason ? { reason } : {}), start: t, end: null });
  }

  segments(lineId: string): readonly Segment[] {
    return this.lines.get(lineId)?.segments ?? [];
  }
  runs(lineId: string): readonly Run[] {
    return this.lines.get(lineId)?.runs ?? [];
  }
  holdsOf(lineId: string): Hold[] {
    return this.holdList.filter((h) => h.lineId === lineId);
  }
  allHolds(): readonly Hold[] {
    return this.holdList;
  }
  counts(lineId: string): readonly Count[] {
    return this.lines.get(lineId)?.counts ?? [];
  }

  /** Actual bars (runs, changeovers, cleans, downtime, holds) overlapping [from, to); open ones end at `now`. */
  bars(from: number, to: number, now: number, lineIds?: readonly string[]): Bar[] {
    const out: Bar[] = [];
    const want = lineIds?.length ? new Set(lineIds) : null;
    for (const track of this.lines.values()) {
      if (want && !want.has(track.id)) continue;
      for (const r of track.runs) {
        const end = r.end ?? now;
        if (end < from || r.start >= to) continue;
        const o = this.orders.get(r.orderId);
        out.push({ lineId: track.id, kind: 'run', start: r.start, end, ...(r.end === null ? { open: true } : {}), label: `${r.orderId}${o ? ` · ${o.sku}` : ''}`, orderId: r.orderId, ...(o ? { sku: o.sku, customer: o.customer } : {}) });
      }
      for (const s of track.segments) {
        if (s.state !== 'down' && s.state !== 'changeover' && s.state !== 'cleaning') continue;
        const end = s.end ?? now;
        if (end < from || s.start >= to) continue;
        const kind = s.state === 'cleaning' ? 'clean' : s.state;
        const label = s.state === 'down' ? `Down: ${s.reason ?? 'no reason given'}` : s.state === 'cleaning' ? 'Clean' : 'Changeover';
        out.push({ lineId: track.id, kind, start: s.start, end, ...(s.end === null ? { open: true } : {}), label, ...(s.reason ? { reason: s.reason } : {}) });
      }
    }
    for (const h of this.holdList) {
      if (!h.lineId || (want && !want.has(h.lineId))) continue;
      const end = h.end ?? now;
      if (end < from || h.start >= to) continue;
      out.push({ lineId: h.lineId, kind: 'hold', start: h.start, end, ...(h.end === null ? { open: true } : {}), label: `QA hold ${h.holdId}`, reason: h.reason, ...(h.orderId ? { orderId: h.orderId } : {}) });
    }
    return out.sort(byStart);
  }

  /** ISO 22400 elementary quantities of a line over [from, to), observed up to `now`. */
  quantities(lineId: string, from: number, to: number, now: number): ElementaryQuantities {
    const q = emptyQuantities();
    const track = this.lines.get(lineId);
    if (!track) return q;
    const a = Math.max(from, this.startTime);
    const b = Math.min(to, now);
    if (b <= a) return q;
    q.pbtMs = b - a;
    for (const s of track.segments) {
      const d = overlap(s.start, s.end ?? now, a, b);
      if (s.state === 'running') q.aptMs += d;
      else if (s.state === 'changeover' || s.state === 'cleaning') q.asutMs += d;
    }
    for (const r of track.runs) q.aoetMs += overlap(r.start, r.end ?? now, a, b);
    for (const c of track.counts) {
      if (c.t < a || c.t >= b) continue;
      q.gq += c.good;
      q.sq += c.scrap;
      q.plannedRunMs += c.plannedMs;
    }
    q.pq = q.gq + q.sq;
    return q;
  }

  /** Downtime per reason on the given lines over [from, to) in ms, largest first (for the Pareto). */
  downtimeByReason(lineIds: readonly string[], from: number, to: number, now: number): { reason: string; ms: number; stops: number }[] {
    const m = new Map<string, { ms: number; stops: number }>();
    for (const id of lineIds) {
      for (const s of this.segments(id)) {
        if (s.state !== 'down') continue;
        const d = overlap(s.start, s.end ?? now, from, Math.min(to, now));
        if (d <= 0) continue;
        const k = s.reason ?? 'no reason given';
        const e = m.get(k) ?? { ms: 0, stops: 0 };
        e.ms += d;
        e.stops++;
        m.set(k, e);
      }
    }
    return [...m].map(([reason, v]) => ({ reason, ...v })).sort((x, y) => y.ms - x.ms || x.reason.localeCompare(y.reason));
  }
}
