import { describe, expect, it } from 'vitest';
import { emptyQuantities, iso22400, ratio, sumQuantities, isoKpiIds } from '../../../shared/kpi/iso22400';

const H = 3_600_000;

describe('ISO 22400-2 KPIs', () => {
  it('match a hand-computed shift', () => {
    // 8 h planned busy; running 6 h, changeover 1 h (down 1 h); order executing 7 h.
    // Rate 600/h → PRI 6 s. PQ = 3000 good + 100 scrap = 3100 → Σ PRI·PQ = 18,600 s.
    const k = iso22400({ pbtMs: 8 * H, aptMs: 6 * H, asutMs: 1 * H, aoetMs: 7 * H, plannedRunMs: 18_600_000, pq: 3100, gq: 3000, sq: 100 });
    expect(k.availability.value).toBeCloseTo(0.75, 12);
    expect(k.effectiveness.value).toBeCloseTo(18_600 / 21_600, 12); // 0.8611
    expect(k.qualityRatio.value).toBeCloseTo(3000 / 3100, 12);
    expect(k.oee.value).toBeCloseTo(0.625, 12); // 0.75 × 0.8611 × 0.9677
    expect(k.setupRate.value).toBeCloseTo(1 / 7, 12);
    expect(k.throughputRate.value).toBeCloseTo(3100 / 7, 9);
    expect(k.scrapRatio.value).toBeCloseTo(100 / 3100, 12);
    expect(k.availability).toMatchObject({ numerator: 6 * H, denominator: 8 * H });
  });

  it('give null (no basis), never NaN or Infinity, with no planned time and no production', () => {
    const k = iso22400(emptyQuantities());
    for (const id of isoKpiIds) {
      expect(k[id].value, id).toBeNull();
      expect(Number.isNaN(k[id].numerator)).toBe(false);
    }
  });

  it('planned time but no production: availability 0, quality-based KPIs null', () => {
    const k = iso22400({ ...emptyQuantities(), pbtMs: 8 * H });
    expect(k.availability.value).toBe(0);
    expect(k.effectiveness.value).toBeNull();
    expect(k.qualityRatio.value).toBeNull();
    expect(k.oee.value).toBeNull();
    expect(k.scrapRatio.value).toBeNull();
    expect(k.setupRate.value).toBeNull();
  });

  it('all scrap: quality ratio 0, scrap ratio 1, OEE 0', () => {
    const k = iso22400({ pbtMs: H, aptMs: H, asutMs: 0, aoetMs: H, plannedRunMs: 0.5 * H, pq: 10, gq: 0, sq: 10 });
    expect(k.qualityRatio.value).toBe(0);
    expect(k.scrapRatio.value).toBe(1);
    expect(k.oee.value).toBe(0);
    expect(k.setupRate.value).toBe(0);
  });

  it('groups are ratios of sums, not means of ratios', () => {
    const a = { pbtMs: 8 * H, aptMs: 8 * H, asutMs: 0, aoetMs: 8 * H, plannedRunMs: 8 * H, pq: 100, gq: 100, sq: 0 };
    const b = { pbtMs: 8 * H, aptMs: 0, asutMs: 0, aoetMs: 0, plannedRunMs: 0, pq: 0, gq: 0, sq: 0 };
    const k = iso22400(sumQuantities([a, b]));
    expect(k.availability.value).toBe(0.5);
    expect(k.oee.value).toBe(0.5);
  });

  it('ratio refuses non-finite input', () => {
    expect(ratio(1, 0).value).toBeNull();
    expect(ratio(Number.NaN, 2).value).toBeNull();
    expect(ratio(1, Number.POSITIVE_INFINITY).value).toBeNull();
    expect(ratio(0, 5).value).toBe(0);
  });
});
