/**
 * Execution timeline and KPIs: `timeline.get`, `kpi.get` and `report.shift`.
 *
 * A TimelineBuilder (shared/timeline/builder.ts) folds the journal incrementally: each call first
 * reads the signals journaled since the last call (up to the twin's position), so nothing hooks the
 * ingest path. The baseline plan of a shift is the twin reconstructed at the shift's start (time
 * travel), frozen and cached per shift start. Decisions, actions and exceptions come from the other
 * services through their protocol handlers; when a service is not there (or fails) the timeline
 * shows no markers and the KPIs that need it say why, instead of failing.
 */
import type { MethodHandlers } from '../../../shared/protocol/server';
import { ProtocolFailure } from '../../../shared/protocol/server';
import { methodParams, type MethodName, type MethodResults, type ParamsOf } from '../../../shared/protocol/api';
import type { Plant } from '../../../shared/plant/schema';
import type { Twin } from '../../../shared/twin/twin';
import type { TwinView } from '../../../shared/twin/view';
import { TimelineBuilder } from '../../../shared/timeline/builder';
import { planBars, planFromView } from '../../../shared/timeline/plan';
import type { Bar, Marker, TimelineData } from '../../../shared/timeline/bars';
import { iso22400, sumQuantities, type ElementaryQuantities, type IsoKpis } from '../../../shared/kpi/iso22400';
import { actionDoneAt, actionSla, decisionCycleTime, DEFAULT_ADHERENCE_TOLERANCE_MS, exceptionTimes, floodRate, onTimeDelivery, onTimeProjected, replans, scheduleAdherence, type PlannedOrder } from '../../../shared/kpi/execution';
import { periodAt, periodsBack, type Period, type PeriodKind } from '../../../shared/kpi/periods';
import type { KpiReport, KpiScope, KpiTargets, ShiftDecisionReview, ShiftReport } from '../../../shared/kpi/report';
import { exceptionPriorities } from '../../../shared/decide/rules-schema';
import type { ExceptionRecord } from '../../../shared/decide/exceptions';
import type { ActionRecord, DecisionReceipt } from '../../../shared/commit/records';
import { reconstructTwin } from '../persistence/time-travel';
import type { Journal } from '../persistence/journal';
import type { ActualKpis } from '../../../shared/decide/review';

type TimelineMethod = 'timeline.get' | 'kpi.get' | 'report.shift' | 'report.shiftPdf';

export interface TimelineServiceOptions {
  plant: Plant;
  twin: Twin;
  journal: Journal;
  startTime: number;
  /** The core's method handlers (read lazily: the services are created before the table is). */
  methods: () => Partial<MethodHandlers>;
  log?: (line: string) => void;
}

export interface TimelineService {
  readonly methods: Pick<MethodHandlers, TimelineMethod>;
  /** Folds the journal up to the twin's position (also done by every call). */
  catchUp(): void;
  /** The actual ISO 22400 quantities and KPIs of lines over [from, to): the computation `kpi.get` uses. */
  actualKpis(lineIds: readonly string[], from: number, to: number): ActualKpis;
  close(): void;
}

const DEFAULT_TARGETS: KpiTargets = { oee: 0.75, scheduleAdherence: 0.95, onTimeDelivery: 0.97 };
const BASELINE_CACHE = 64;

export function createTimelineService(opts: TimelineServiceOptions): TimelineService {
  const { plant, twin, journal, startTime } = opts;
  const builder = new TimelineBuilder(plant, startTime);
  const baselines = new Map<number, { view: TwinView; plan: PlannedOrder[]; bars: Bar[] }>();
  const areaOf = new Map(plant.areas.flatMap((a) => a.lines.map((l) => [l.id, a] as const)));
  const lineName = new Map(plant.areas.flatMap((a) => a.lines.map((l) => [l.id, l.name] as const)));

  function catchUp(): void {
    const until = twin.position;
    if (builder.position >= until) return;
    for (const row of journal.readFrom(builder.position + 1)) {
      if (row.position > until) break;
      builder.apply(row.signal, row.position);
    }
    builder.position = Math.max(builder.position, until);
  }

  async function call<M extends MethodName>(name: M, params: ParamsOf<M>): Promise<MethodResults[M]> {
    const h = opts.methods()[name] as ((p: unknown, c: unknown) => MethodResults[M] | Promise<MethodResults[M]>) | undefined;
    if (!h) throw new Error(`'${name}' is not served by this core yet`);
    return await h(methodParams[name].parse(params), { signal: new AbortController().signal, progress: () => undefined });
  }
  async function tryCall<M extends MethodName>(name: M, params: ParamsOf<M>): Promise<{ ok: MethodResults[M] } | { error: string }> {
    try {
      return { ok: await call(name, params) };
    } catch (e) {
      return { error: `${name}: ${(e as Error).message}` };
    }
  }

  /** The plan frozen at `at` (a shift's start): the twin reconstructed there, cached. */
  function baselineAt(at: number): { view: TwinView; plan: PlannedOrder[]; bars: Bar[] } {
    const t = Math.max(at, startTime);
    const hit = baselines.get(t);
    if (hit) return hit;
    const view = t >= twin.time ? twin.view() : reconstructTwin(plant, journal, startTime, { untilTime: t }).twin.view();
    const entry = { view, plan: planFromView(view), bars: planBars(view, 'baseline') };
    // Only periods already started are frozen; a future "baseline" is the live plan and not cached.
    if (t < twin.time) {
      if (baselines.size >= BASELINE_CACHE) baselines.delete(baselines.keys().next().value as number);
      baselines.set(t, entry);
    }
    return entry;
  }

  /** One computation of a period's actual quantities for the KPI view, the shift report and the decision review. */
  function periodKpis(lineIds: readonly string[], from: number, to: number, now: number): { quantities: ElementaryQuantities; iso: IsoKpis } {
    const quantities = sumQuantities(lineIds.map((l) => builder.quantities(l, from, to, now)));
    return { quantities, iso: iso22400(quantities) };
  }

  function linesOf(scope: KpiScope, id: string | undefined): { lineIds: string[]; name: string; id: string } {
    if (scope === 'plant') return { lineIds: builder.lineIds, name: plant.site.name, id: plant.site.id };
    if (!id) throw new ProtocolFailure('bad_params', `scope '${scope}' needs an 'id'`, 'params.id');
    if (scope === 'area') {
      const a = plant.areas.find((x) => x.id === id);
      if (!a) throw new ProtocolFailure('not_found', `no area '${id}' in plant ${plant.site.id} (areas: ${plant.areas.map((x) => x.id).join(', ')})`, 'params.id');
      return { lineIds: a.lines.map((l) => l.id), name: a.name, id };
    }
    if (!lineName.has(id)) throw new ProtocolFailure('not_found', `no line '${id}' in plant ${plant.site.id}`, 'params.id');
    return { lineIds: [id], name: lineName.get(id)!, id };
  }

  interface Records {
    exceptions: ExceptionRecord[];
    operators: number;
    decisions: DecisionReceipt[] | null;
    actions: ActionRecord[] | null;
    recordsError?: string;
  }
  async function records(): Promise<Records> {
    const [ex, dec, act] = await Promise.all([tryCall('exceptions.list', { filter: { includeClosed: true } }), tryCall('decisions.list', { limit: 1000 }), tryCall('actions.list', {})]);
    const errors = [dec, act].filter((r): r is { error: string } => 'error' in r).map((r) => r.error);
    if ('error' in ex) opts.log?.(`timeline: ${ex.error}`);
    return {
      exceptions: 'ok' in ex ? ex.ok.items : [],
      operators: 'ok' in ex ? ex.ok.flood.operators : 1,
      decisions: 'ok' in dec ? dec.ok.items : null,
      actions: 'ok' in act ? act.ok.items : null,
      ...(errors.length ? { recordsError: `commit records are not available: ${errors.join('; ')}` } : {}),
    };
  }

  function kpiFor(scope: KpiScope, id: string | undefined, kind: PeriodKind, at: number, trendCount: number, rec: Records, targets: KpiTargets): KpiReport {
    const now = twin.time;
    const sel = linesOf(scope, id);
    const inScope = new Set(sel.lineIds);
    const period = periodAt(plant, kind, at);
    const { quantities: q, iso } = periodKpis(sel.lineIds, period.from, period.to, now);
    const live = twin.peek();
    const orderLine = (orderId: string) => builder.orders.get(orderId)?.lineId ?? live.orders.find((o) => o.id === orderId)?.lineId ?? null;
    const adherence = (p: Period) => {
      const base = baselineAt(p.from);
      const plan = base.plan.filter((o) => inScope.has(orderLine(o.orderId) ?? ''));
      return scheduleAdherence(plan, builder.orders, { from: p.from, to: p.to, now }, DEFAULT_ADHERENCE_TOLERANCE_MS);
    };
    const orders = [...builder.orders.values()].filter((o) => !o.cancelled && inScope.has(o.lineId ?? ''));
    const projected = new Map(planFromView(live).map((p) => [p.orderId, p.end]));
    const open = live.orders.filter((o) => inScope.has(o.lineId ?? '') && o.state !== 'complete' && o.state !== 'closed' && o.state !== 'cancelled');
    const exs = rec.exceptions.filter((e) => scope === 'plant' || inScope.has(e.subject.lineId ?? ''));
    const raisedOf = new Map(rec.exceptions.map((e) => [e.id, e.raisedAt]));
    const decs = rec.decisions?.filter((d) => inScope.has(d.lineId)) ?? null;
    const acts = rec.actions?.filter((a) => inScope.has(a.lineId)) ?? null;
    const sa = adherence(period);
    const trend = trendCount > 0
      ? periodsBack(plant, kind, at, trendCount).map((p) => {
          const k = periodKpis(sel.lineIds, p.from, p.to, now).iso;
          const pastStart = p.from <= now;
          return {
            period: p,
            oee: k.oee.value,
            availability: k.availability.value,
            effectiveness: k.effectiveness.value,
            qualityRatio: k.qualityRatio.value,
            scheduleAdherence: pastStart ? adherence(p).value : null,
            onTimeDelivery: onTimeDelivery(orders, p).value,
          };
        })
      : [];
    return {
      scope,
      id: sel.id,
      name: sel.name,
      periodKind: kind,
      period,
      now,
      quantities: q,
      iso,
      execution: {
        scheduleAdherence: { ...sa, toleranceMinutes: DEFAULT_ADHERENCE_TOLERANCE_MS / 60_000 },
        onTimeDelivery: onTimeDelivery(orders, period),
        onTimeProjected: onTimeProjected(open.map((o) => ({ due: o.due, projectedEnd: projected.get(o.id) ?? null })), period),
        exceptions: exceptionTimes(exs, period, exceptionPriorities),
        floodRate: floodRate(exs.map((e) => e.raisedAt), { ...period, now }, rec.operators),
        decisionCycleTime: decs ? decisionCycleTime(decs.map((d) => ({ committedAt: d.committedAt, raisedAt: raisedOf.get(d.exceptionId) ?? null })), period) : null,
        actionSla: acts ? actionSla(acts.map((a) => ({ dueAt: a.dueAt, doneAt: actionDoneAt(a.history), rejected: a.status === 'rejected' })), { ...period, now }) : null,
        replans: decs ? replans(decs, period) : null,
        ...(rec.recordsError ? { recordsError: rec.recordsError } : {}),
      },
      targets,
      trend,
    };
  }

  async function targets(): Promise<KpiTargets> {
    const r = await tryCall('rules.get', undefined);
    return 'ok' in r ? { ...DEFAULT_TARGETS, ...r.ok.rules.kpiTargets } : DEFAULT_TARGETS;
  }

  function markersFrom(rec: Records, from: number, to: number, want: Set<string> | null): Marker[] {
    const now = twin.time;
    const out: Marker[] = [];
    for (const d of rec.decisions ?? []) {
      if (d.committedAt < from || d.committedAt > to || (want && !want.has(d.lineId))) continue;
      out.push({ kind: 'decision', id: d.id, exceptionId: d.exceptionId, lineId: d.lineId, at: d.committedAt, label: `Decision: ${d.exceptionTitle} → ${d.chosen?.title ?? d.chosenOptionId}`, status: d.status });
    }
    for (const a of rec.actions ?? []) {
      if (a.dueAt < from || a.dueAt > to || (want && !want.has(a.lineId))) continue;
      const doneAt = actionDoneAt(a.history);
      const state = doneAt !== null ? 'done' : a.overdue || a.dueAt < now ? 'overdue' : 'due';
      out.push({ kind: 'action', id: a.id, decisionId: a.decisionId, lineId: a.lineId, at: a.dueAt, doneAt, state, label: `Action: ${a.title} (${a.ownerName || 'unassigned'})`, status: a.status });
    }
    return out.sort((x, y) => x.at - y.at);
  }

  const methods: Pick<MethodHandlers, TimelineMethod> = {
    'timeline.get': async (p) => {
      catchUp();
      const now = twin.time;
      const want = p.lineIds?.length ? new Set(p.lineIds) : null;
      for (const id of p.lineIds ?? []) if (!lineName.has(id)) throw new ProtocolFailure('not_found', `no line '${id}' in plant ${plant.site.id}`, 'params.lineIds');
      const shift = periodAt(plant, 'shift', Math.min(now, Math.max(p.from, startTime)));
      const keep = (b: Bar) => (!want || want.has(b.lineId)) && b.end >= p.from && b.start < p.to;
      const bars = [...builder.bars(p.from, p.to, now, p.lineIds), ...baselineAt(shift.from).bars.filter(keep), ...planBars(twin.peek(), 'plan').filter(keep)].sort((a, b) => a.start - b.start || a.end - b.end);
      const rec = await records();
      const lines = plant.areas.flatMap((a) => a.lines.filter((l) => !want || want.has(l.id)).map((l) => ({ id: l.id, name: l.name, areaId: a.id, areaName: a.name })));
      const data: TimelineData = { from: p.from, to: p.to, now, startTime, baselineAt: Math.max(shift.from, startTime), lines, bars, markers: markersFrom(rec, p.from, p.to, want) };
      if (rec.recordsError) data.markersError = rec.recordsError;
      return data;
    },
    'kpi.get': async (p) => {
      catchUp();
      const [rec, t] = await Promise.all([records(), targets()]);
      return kpiFor(p.scope, p.id, p.period, Math.min(p.at ?? twin.time, twin.time), p.trend, rec, t);
    },
    'report.shift': (p) => shiftReport(p.shiftStart),
    'report.shiftPdf': async (p) => {
      const r = await shiftReport(p.shiftStart);
      // Loaded on first use: the core starts without Chromium's client.
      const [{ htmlToPdf }, { shiftReportHtml }] = await Promise.all([import('../../report/pdf'), import('../../../shared/kpi/report-html')]);
      const { pdf } = await htmlToPdf(shiftReportHtml(r, { timeZone: p.timeZone ?? plant.site.timezone }));
      return { filename: `shift-report-${plant.site.id}-${new Date(r.period.from).toISOString().slice(0, 16).replace(/[:T]/g, '')}.pdf`, bytes: pdf.length, pdfBase64: pdf.toString('base64') };
    },
  };

  /** A decision's review for the shift report: judged once its horizon has passed, else when it will be. */
  async function decisionReview(d: DecisionReceipt, now: number): Promise<ShiftDecisionReview> {
    const horizonEnds = d.forkAt + d.horizonHours * 3_600_000;
    if (horizonEnds > now) return { state: 'pending', horizonEnds };
    if (d.status === 'pending-approval' || d.status === 'rejected') return { state: 'unavailable', reason: `not dispatched (${d.status})` };
    const r = await tryCall('decisions.review', { id: d.id });
    if ('error' in r) return { state: 'unavailable', reason: r.error };
    const v = r.ok;
    return { state: 'reviewed', endMaeMinutes: v.endMaeMinutes, regret: v.regret, best: v.best.title, forecastCost: v.forecastCost, hindsightCost: v.hindsightCost, cycleMinutes: v.cycleMinutes, ...(v.hindsightGaps?.length ? { hindsightGaps: v.hindsightGaps } : {}) };
  }

  async function shiftReport(shiftStart: number): Promise<ShiftReport> {
    catchUp();
    const now = twin.time;
    const period = periodAt(plant, 'shift', shiftStart);
    if (period.from > now) throw new ProtocolFailure('bad_params', `the shift at ${new Date(shiftStart).toISOString()} has not started yet (the twin is at ${new Date(now).toISOString()})`, 'params.shiftStart');
    const [rec, t] = await Promise.all([records(), targets()]);
    const plantKpis = kpiFor('plant', undefined, 'shift', period.from, 0, rec, t);
    const inShift = (x: number) => x >= period.from && x < period.to;
    return {
      plant: { id: plant.site.id, name: plant.site.name, timeZone: plant.site.timezone },
      period,
      generatedAt: now,
      now,
      plantKpis,
      lines: builder.lineIds.map((id) => {
        const q = builder.quantities(id, period.from, period.to, now);
        return { lineId: id, name: lineName.get(id) ?? id, areaId: areaOf.get(id)?.id ?? '', quantities: q, iso: iso22400(q) };
      }),
      downtime: builder.downtimeByReason(builder.lineIds, period.from, period.to, now),
      exceptions: rec.exceptions
        .filter((e) => inShift(e.raisedAt))
        .sort((a, b) => a.raisedAt - b.raisedAt)
        .map((e) => ({ id: e.id, priority: e.priority, title: e.title, lineId: e.subject.lineId ?? null, raisedAt: e.raisedAt, acknowledgedAt: e.acknowledged?.at ?? null, closedAt: e.closedAt, state: e.state })),
      decisions: await Promise.all(
        (rec.decisions ?? [])
          .filter((d) => inShift(d.committedAt))
          .map(async (d) => ({ id: d.id, exceptionId: d.exceptionId, title: d.exceptionTitle, lineId: d.lineId, committedAt: d.committedAt, committedBy: d.committedBy, chosen: d.chosen?.title ?? d.chosenOptionId, status: d.status, review: await decisionReview(d, now) })),
      ),
      actions: (rec.actions ?? [])
        .filter((a) => actionDoneAt(a.history) === null && a.status !== 'rejected' && a.createdAt < period.to)
        .map((a) => ({ id: a.id, title: a.title, lineId: a.lineId, ownerName: a.ownerName, dueAt: a.dueAt, status: a.status, overdue: a.overdue || a.dueAt < now })),
      ...(rec.recordsError ? { recordsError: rec.recordsError } : {}),
    } satisfies ShiftReport;
  }

  return {
    methods,
    catchUp,
    actualKpis(lineIds, from, to) {
      catchUp();
      return { lineIds: [...lineIds], from, to, ...periodKpis(lineIds, from, to, twin.time) };
    },
    close() {
      baselines.clear();
    },
  };
}
