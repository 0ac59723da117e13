/**
 * Execution KPIs of Takt itself (not ISO 22400): how well the plan was kept and how fast people
 * handled exceptions, decisions and actions. Pure functions of plain records; every ratio is a
 * KpiValue (null when there is nothing to measure), every mean has its count.
 */
import { ratio, type KpiValue } from './iso22400';

export const executionKpiIds = ['scheduleAdherence', 'onTimeDelivery', 'onTimeProjected', 'timeToAcknowledge', 'timeToResolve', 'floodRate', 'decisionCycleTime', 'actionSla', 'replans'] as const;
export type ExecutionKpiId = (typeof executionKpiIds)[number];

/** Default tolerance around the planned start and end for schedule adherence. */
export const DEFAULT_ADHERENCE_TOLERANCE_MS = 30 * 60_000;

export interface PlannedOrder {
  orderId: string;
  start: number;
  end: number;
}
export interface ActualOrder {
  startedAt: number | null;
  completedAt: number | null;
}
export interface AdherenceDetail {
  orderId: string;
  plannedStart: number;
  plannedEnd: number;
  startedAt: number | null;
  completedAt: number | null;
  onPlan: boolean;
  /** Why not on plan, in words. */
  why?: string;
}

/**
 * Schedule adherence. The committed plan is the baseline frozen at shift start. Of the orders it
 * planned to END inside [from, to) — and whose planned end is already past `now`, so an order is
 * not judged before it could have finished — the share that STARTED within ±tolerance of the
 * planned start AND COMPLETED within ±tolerance of the planned end. An order not started or not
 * completed counts as off plan.
 */
export function scheduleAdherence(
  plan: readonly PlannedOrder[],
  actual: ReadonlyMap<string, ActualOrder>,
  period: { from: number; to: number; now: number },
  toleranceMs = DEFAULT_ADHERENCE_TOLERANCE_MS,
): KpiValue & { details: AdherenceDetail[] } {
  const details: AdherenceDetail[] = [];
  const judgeUntil = Math.min(period.to, period.now);
  for (const p of plan) {
    if (p.end < period.from || p.end >= judgeUntil) continue;
    const a = actual.get(p.orderId) ?? { startedAt: null, completedAt: null };
    let why: string | undefined;
    if (a.startedAt === null) why = 'not started';
    else if (Math.abs(a.startedAt - p.start) > toleranceMs) why = `started ${Math.round((a.startedAt - p.start) / 60_000)} min off plan`;
    else if (a.completedAt === null) why = 'not completed';
    else if (Math.abs(a.completedAt - p.end) > toleranceMs) why = `completed ${Math.round((a.completedAt - p.end) / 60_000)} min off plan`;
    details.push({ orderId: p.orderId, plannedStart: p.start, plannedEnd: p.end, startedAt: a.startedAt, completedAt: a.completedAt, onPlan: !why, ...(why ? { why } : {}) });
  }
  return { ...ratio(details.filter((d) => d.onPlan).length, details.length), details };
}

/** On-time delivery (actual): orders completed in [from, to) at or before their due time. */
export function onTimeDelivery(orders: readonly { due: number; completedAt: number | null }[], period: { from: number; to: number }): KpiValue {
  const done = orders.filter((o) => o.completedAt !== null && o.completedAt >= period.from && o.completedAt < period.to);
  return ratio(done.filter((o) => (o.completedAt as number) <= o.due).length, done.length);
}

/** On-time delivery (projected): open orders due in [from, to) whose projected end is at or before due. */
export function onTimeProjected(orders: readonly { due: number; projectedEnd: number | null }[], period: { from: number; to: number }): KpiValue {
  const due = orders.filter((o) => o.due >= period.from && o.due < period.to);
  return ratio(due.filter((o) => o.projectedEnd !== null && o.projectedEnd <= o.due).length, due.length);
}

export interface MeanValue {
  /** Mean in minutes, or null without samples. */
  minutes: number | null;
  count: number;
}
export function meanMinutes(ms: readonly number[]): MeanValue {
  const xs = ms.filter((x) => Number.isFinite(x) && x >= 0);
  return { minutes: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 60_000 : null, count: xs.length };
}

export interface ExceptionLike {
  priority: string;
  raisedAt: number;
  acknowledged: { at: number } | null;
  closedAt: number | null;
}
export interface ExceptionTimes {
  priority: string;
  raised: number;
  timeToAcknowledge: MeanValue;
  timeToResolve: MeanValue;
}

/** Time to acknowledge and to resolve per priority, for exceptions raised in [from, to). */
export function exceptionTimes(list: readonly ExceptionLike[], period: { from: number; to: number }, priorities: readonly string[]): ExceptionTimes[] {
  const inPeriod = list.filter((e) => e.raisedAt >= period.from && e.raisedAt < period.to);
  return priorities.map((priority) => {
    const xs = inPeriod.filter((e) => e.priority === priority);
    return {
      priority,
      raised: xs.length,
      timeToAcknowledge: meanMinutes(xs.filter((e) => e.acknowledged).map((e) => e.acknowledged!.at - e.raisedAt)),
      timeToResolve: meanMinutes(xs.filter((e) => e.closedAt !== null).map((e) => (e.closedAt as number) - e.raisedAt)),
    };
  });
}

/**
 * Flood rate (ISA-18.2): the share of the period's 10-minute windows (up to now) in which more
 * than `threshold` exceptions per operator were raised.
 */
export function floodRate(raisedAt: readonly number[], period: { from: number; to: number; now: number }, operators: number, threshold = 10, windowMs = 600_000): KpiValue {
  const until = Math.min(period.to, period.now);
  const windows = Math.max(0, Math.ceil((until - period.from) / windowMs));
  const counts = new Array<number>(windows).fill(0);
  for (const t of raisedAt) if (t >= period.from && t < until) counts[Math.floor((t - period.from) / windowMs)]!++;
  const ops = Math.max(1, operators);
  return ratio(counts.filter((c) => c / ops > threshold).length, windows);
}

/** Decision cycle time: exception raised → decision committed, for decisions committed in [from, to). */
export function decisionCycleTime(decisions: readonly { committedAt: number; raisedAt: number | null }[], period: { from: number; to: number }): MeanValue {
  return meanMinutes(decisions.filter((d) => d.committedAt >= period.from && d.committedAt < period.to && d.raisedAt !== null).map((d) => d.committedAt - (d.raisedAt as number)));
}

/** When an action was done: the first history entry into done/verified. */
export function actionDoneAt(history: readonly { at: number; to: string }[]): number | null {
  return history.find((h) => h.to === 'done' || h.to === 'verified')?.at ?? null;
}

/**
 * Action SLA adherence: of the actions due in [from, min(to, now)) and not rejected, the share done
 * at or before their due time. An action due later than now is not judged yet.
 */
export function actionSla(actions: readonly { dueAt: number; doneAt: number | null; rejected?: boolean }[], period: { from: number; to: number; now: number }): KpiValue {
  const until = Math.min(period.to, period.now);
  const due = actions.filter((a) => !a.rejected && a.dueAt >= period.from && a.dueAt < until);
  return ratio(due.filter((a) => a.doneAt !== null && a.doneAt <= a.dueAt).length, due.length);
}

/** Replans: decisions committed in [from, to) that were dispatched or closed (a plan change went out). */
export function replans(decisions: readonly { committedAt: number; status: string }[], period: { from: number; to: number }): number {
  return decisions.filter((d) => d.committedAt >= period.from && d.committedAt < period.to && (d.status === 'dispatched' || d.status === 'closed')).length;
}
