/**
 * ISO 22400-2 KPIs from the elementary quantities of one work unit/work center over one period.
 * Pure arithmetic: every ratio is defined for every input. A ratio whose denominator is zero (no
 * planned busy time, nothing produced…) has `value: null` ("no basis"), never NaN or Infinity, and
 * keeps its numerator and denominator so a person can check it.
 */

/** Elementary quantities of ISO 22400-2 (times in ms, quantities in units). */
export interface ElementaryQuantities {
  /** PBT planned busy time: the observed part of the period the line was planned to work. */
  pbtMs: number;
  /** APT actual production time: time the line was running. */
  aptMs: number;
  /** ASUT actual setup time: changeovers and cleans. */
  asutMs: number;
  /** AOET actual order execution time: time between start and completion of orders, in the period. */
  aoetMs: number;
  /** Σ PRI·PQ: planned run time per item times the produced quantity, summed over SKUs (ms). */
  plannedRunMs: number;
  /** PQ produced quantity (good + scrap). */
  pq: number;
  /** GQ good quantity. */
  gq: number;
  /** SQ scrap quantity. */
  sq: number;
}

export interface KpiValue {
  /** numerator / denominator, or null when the denominator is 0 (or any factor is null). */
  value: number | null;
  numerator: number;
  denominator: number;
}

export const HOUR_MS = 3_600_000;

export function ratio(numerator: number, denominator: number): KpiValue {
  const ok = Number.isFinite(numerator) && Number.isFinite(denominator) && denominator > 0;
  return { value: ok ? numerator / denominator : null, numerator, denominator };
}

export const isoKpiIds = ['availability', 'effectiveness', 'qualityRatio', 'oee', 'setupRate', 'throughputRate', 'scrapRatio'] as const;
export type IsoKpiId = (typeof isoKpiIds)[number];
export type IsoKpis = Record<IsoKpiId, KpiValue>;

export function emptyQuantities(): ElementaryQuantities {
  return { pbtMs: 0, aptMs: 0, asutMs: 0, aoetMs: 0, plannedRunMs: 0, pq: 0, gq: 0, sq: 0 };
}

/** Adds quantities (line → area → plant: ISO KPIs of a group are ratios of sums, not means of ratios). */
export function sumQuantities(list: readonly ElementaryQuantities[]): ElementaryQuantities {
  const s = emptyQuantities();
  for (const q of list) for (const k of Object.keys(s) as (keyof ElementaryQuantities)[]) s[k] += q[k];
  return s;
}

export function iso22400(q: ElementaryQuantities): IsoKpis {
  const availability = ratio(q.aptMs, q.pbtMs);
  const effectiveness = ratio(q.plannedRunMs, q.aptMs);
  const qualityRatio = ratio(q.gq, q.pq);
  const parts = [availability.value, effectiveness.value, qualityRatio.value];
  const oeeValue = parts.every((v): v is number => v !== null) ? parts[0]! * parts[1]! * parts[2]! : null;
  // OEE's "numerator" is the fully productive time: good units at their planned rate.
  const oee: KpiValue = { value: oeeValue, numerator: q.pq > 0 ? (q.plannedRunMs * q.gq) / q.pq : 0, denominator: q.pbtMs };
  return {
    availability,
    effectiveness,
    qualityRatio,
    oee,
    // AUPT actual unit processing time = APT + ASUT (ISO 22400-2).
    setupRate: ratio(q.asutMs, q.aptMs + q.asutMs),
    // Units per hour of order execution.
    throughputRate: ratio(q.pq, q.aoetMs / HOUR_MS),
    scrapRatio: ratio(q.sq, q.pq),
  };
}
