import { describe, expect, it } from 'vitest';
import { scoreParts } from '../../../shared/decide/score-parts';
import type { ForecastKpis } from '../../../shared/sim/forecast';

const kpis = (o: Partial<ForecastKpis>): ForecastKpis => ({ weightedTardinessHours: 0, lateOrders: 0, changeoverMinutes: 0, utilisation: 1, overtimeHours: 0, overtimeCost: 0, premiumFreightCost: 0, ordersCompleted: 0, unitsProduced: 0, cost: 0, ...o });

describe('score parts', () => {
  it('prices changeovers, overtime, freight and unused capacity; lateness is the rest; the parts add up', () => {
    // 2 lines × 10 h at 75 % used = 5 idle line-hours at 1 each; 30 changeover min at 5 each.
    const p = scoreParts(kpis({ changeoverMinutes: 30, overtimeCost: 90, premiumFreightCost: 400, utilisation: 0.75, cost: 1745 }), 2, 10);
    expect(p).toEqual({ changeovers: 150, overtime: 90, freight: 400, idle: 5, lateness: 1100, total: 1745 });
    expect(p.lateness + p.changeovers + p.overtime + p.freight + p.idle).toBe(p.total);
  });
});
