/** Formatting for the decide views: plant time in the plant's time zone, signed deltas, labels. */
import { useMemo } from 'react';
import { useCoreData } from '../app/ClientContext';
import { elapsed, plantTime, type PlantTimeFormat } from '../../../shared/clock/plant-time';
import type { ExceptionPriority, ExceptionState, ExceptionType } from '../../../shared/decide/exceptions';

/** Plant time as people read it everywhere (`Mon 21:55`): the shared formatter, in the plant's zone. */
export function usePlantTime(): (t: number) => string {
  return usePlantClock().day;
}

/** The shared plant-time formatter for the plant this console shows. */
export function usePlantClock(): PlantTimeFormat {
  const tz = useCoreData().plant?.site.timezone;
  return useMemo(() => plantTime(tz), [tz]);
}

export const PRIORITY_RANK: Record<ExceptionPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export const priorityLabel: Record<ExceptionPriority, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

export const stateLabel: Record<ExceptionState, string> = {
  'active-unacknowledged': 'Active · unacknowledged',
  'active-acknowledged': 'Active · acknowledged',
  'rtn-unacknowledged': 'Returned to normal · unacknowledged',
  shelved: 'Shelved',
  suppressed: 'Suppressed by design',
  'out-of-service': 'Out of service',
  closed: 'Closed',
};

export const typeLabel: Record<ExceptionType, string> = {
  'line-down': 'Line down',
  'material-shortage': 'Material shortage',
  'qa-hold': 'QA hold',
  'late-risk': 'Late risk',
  'changeover-overrun': 'Changeover overrun',
  'crew-gap': 'Crew gap',
  'rush-order': 'Rush order',
};

export function isUnacknowledged(s: ExceptionState): boolean {
  return s === 'active-unacknowledged' || s === 'rtn-unacknowledged';
}

/** Rounded, signed: "+1.5", "−2", "0". */
export function signed(x: number, digits = 1): string {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  if (r === 0) return '0';
  const s = Math.abs(r).toLocaleString('en-GB', { maximumFractionDigits: digits });
  return r > 0 ? `+${s}` : `−${s}`;
}

export function num(x: number, digits = 1): string {
  return x.toLocaleString('en-GB', { maximumFractionDigits: digits });
}

export function minutesAgo(now: number, t: number): string {
  return elapsed(now - t);
}

/**
 * A scenario KPI value as people read it: utilisation (a fraction in the data) in percent, the rest
 * with one decimal below 100. The What-if comparison and the decision receipt use the same form.
 */
export function kpiValue(kpi: string, v: number): string {
  return kpi === 'utilisation' ? `${num(v * 100)} %` : num(v, Math.abs(v) >= 100 ? 0 : 1);
}

/** A KPI difference in the same units as `kpiValue` (utilisation in percentage points). */
export function kpiDiff(kpi: string, d: number): string {
  return kpi === 'utilisation' ? `${signed(d * 100)} pt` : signed(d, Math.abs(d) >= 100 ? 0 : 1);
}
