/** How KPI values read (UI, shift report, CSV): one place, so they agree. */
import type { KpiValue } from './iso22400';
import type { MeanValue } from './execution';
import type { KpiDefinition } from './definitions';

export function fmtShare(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(1)} %`;
}
export function fmtKpi(k: KpiValue | null, unit: KpiDefinition['unit']): string {
  if (!k || k.value === null) return '—';
  if (unit === 'share') return fmtShare(k.value);
  if (unit === 'per-hour') return `${k.value.toFixed(0)} /h`;
  return String(Math.round(k.value));
}
export function fmtMean(m: MeanValue | null): string {
  return !m || m.minutes === null ? '—' : `${m.minutes < 10 ? m.minutes.toFixed(1) : Math.round(m.minutes)} min`;
}
export function fmtHours(ms: number): string {
  return `${(ms / 3_600_000).toFixed(2)} h`;
}
/** "why no value" for a KPI whose denominator is zero. */
export function noBasis(k: KpiValue | null): string {
  return !k ? 'not available' : k.value === null ? 'no basis yet (denominator 0)' : '';
}
