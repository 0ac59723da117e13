/**
 * The twin summary a plant core publishes for a network view (messages.ts `TwinSummary`), made from
 * the twin's state and the open exceptions. Pure: the wall-clock instant comes in as an argument.
 */
import type { ExceptionRecord } from '../decide/exceptions/record';
import type { TwinState } from '../twin/view';
import { FEDERATION_VERSION, MAX_SUMMARY_EXCEPTIONS, type ExceptionSummary, type LineSummary, type TwinSummary } from './messages';

export interface SummaryInput {
  site: { id: string; name: string };
  state: Pick<TwinState, 'time' | 'position' | 'lines' | 'orders'>;
  /** Open exceptions, most urgent first (the registry's `list()` order). */
  exceptions: readonly ExceptionRecord[];
  publishedAt: number;
  intervalMs: number;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export function buildTwinSummary(input: SummaryInput): TwinSummary {
  const { state } = input;
  const lines: LineSummary[] = state.lines.map((l) => ({
    id: l.id,
    name: l.name,
    status: l.status,
    currentOrderId: l.currentOrderId,
    queued: l.queue.length,
    lateQueued: l.queue.filter((q) => q.late).length,
    good: l.good,
    scrap: l.scrap,
    availability: clamp01(l.availability),
  }));
  const good = lines.reduce((s, l) => s + l.good, 0);
  const scrap = lines.reduce((s, l) => s + l.scrap, 0);
  const open = state.orders.filter((o) => o.state !== 'complete' && o.state !== 'closed' && o.state !== 'cancelled');
  const openExceptions = input.exceptions.filter((e) => e.state !== 'closed');
  const exceptions: ExceptionSummary[] = openExceptions.slice(0, MAX_SUMMARY_EXCEPTIONS).map((e) => ({
    id: e.id,
    type: e.type,
    priority: e.priority,
    state: e.state,
    title: e.title,
    ...(e.subject.lineId !== undefined ? { lineId: e.subject.lineId } : {}),
    raisedAt: e.raisedAt,
  }));
  return {
    v: FEDERATION_VERSION,
    site: input.site.id,
    siteName: input.site.name,
    plantTime: state.time,
    position: state.position,
    publishedAt: input.publishedAt,
    intervalMs: input.intervalMs,
    lines,
    kpis: {
      good,
      scrap,
      scrapRatio: good + scrap > 0 ? clamp01(scrap / (good + scrap)) : 0,
      availability: lines.length ? clamp01(lines.reduce((s, l) => s + l.availability, 0) / lines.length) : 0,
      linesDown: lines.filter((l) => l.status === 'down').length,
      openOrders: open.length,
      lateOrders: open.filter((o) => o.late === true).length,
    },
    openExceptions: exceptions,
    openExceptionCount: openExceptions.length,
  };
}

/**
 * What a reader would see change: lines, KPIs and exceptions, without the clock fields (plant time,
 * position and publishing time move with every signal and would make every summary "changed").
 * Availability is rounded to a percent so its slow drift does not count as a change.
 */
export function summaryFingerprint(s: TwinSummary): string {
  return JSON.stringify([
    s.lines.map((l) => [l.id, l.status, l.currentOrderId, l.queued, l.lateQueued, l.good, l.scrap, Math.round(l.availability * 100)]),
    { ...s.kpis, availability: Math.round(s.kpis.availability * 100), scrapRatio: Math.round(s.kpis.scrapRatio * 1000) },
    s.openExceptions.map((e) => [e.id, e.priority, e.state]),
    s.openExceptionCount,
  ]);
}
