/**
 * Risk mode replications: one forecast with seeded stochastic breakdowns per replication index,
 * and the aggregate (each order's on-time probability, KPI spread). Kept apart from the scenario
 * file code (zod, yaml) so worker threads load only the forecast. Pure.
 */
import type { Plant } from '../plant/schema';
import { indexPlant, type PlantIndex } from '../twin/schedule';
import { forecast, type ForecastKpis, type ForecastOptions, type ForecastState } from './forecast';

export interface ReplicationResult {
  index: number;
  seed: number;
  /** End (plant ms) per order, in `orderIds` order (null: never started). */
  ends: (number | null)[];
  onTime: boolean[];
  kpis: ForecastKpis;
}

export interface PreparedRisk {
  /** The scenario applied to the base state. */
  state: ForecastState;
  horizonHours: number;
  seed: number;
  /** Orders reported, in this order. */
  orderIds: string[];
  options: Omit<ForecastOptions, 'gantt' | 'seed' | 'horizonHours' | 'breakdowns'> & { mtbfHours?: number };
}

/** Seed of replication `i`: distinct, deterministic streams per replication. */
export function replicationSeed(seed: number, i: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** One replication (index `i`) with seeded stochastic breakdowns. */
export function runReplication(plant: Plant, p: PreparedRisk, i: number, index: PlantIndex = indexPlant(plant)): ReplicationResult {
  const seed = replicationSeed(p.seed, i);
  const { mtbfHours, ...fo } = p.options;
  const r = forecast(plant, p.state, { ...fo, horizonHours: p.horizonHours, seed, breakdowns: mtbfHours !== undefined ? { mtbfHours } : true, gantt: false }, index);
  const byId = new Map(r.orders.map((o) => [o.id, o] as const));
  const ends = p.orderIds.map((id) => byId.get(id)?.end ?? null);
  const onTime = p.orderIds.map((id) => {
    const o = byId.get(id);
    return !!o && !o.late;
  });
  return { index: i, seed, ends, onTime, kpis: r.kpis };
}

export interface RiskResult {
  replications: number;
  seed: number;
  horizonHours: number;
  orders: { id: string; onTimeProbability: number; meanEnd: number | null; p90End: number | null }[];
  kpis: Record<'cost' | 'lateOrders' | 'weightedTardinessHours' | 'utilisation', { mean: number; p10: number; p50: number; p90: number }>;
}

/** Aggregates replications (any order; sorted by index first, so the pool and a loop agree). */
export function aggregateRisk(p: PreparedRisk, results: readonly ReplicationResult[]): RiskResult {
  const rs = [...results].sort((a, b) => a.index - b.index);
  const n = rs.length;
  const q = (xs: number[], f: number) => {
    if (!xs.length) return 0;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(f * s.length) - 1))] as number;
  };
  const stat = (xs: number[]) => ({ mean: round3(xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length)), p10: q(xs, 0.1), p50: q(xs, 0.5), p90: q(xs, 0.9) });
  return {
    replications: n,
    seed: p.seed,
    horizonHours: p.horizonHours,
    orders: p.orderIds.map((id, k) => {
      const ends = rs.map((r) => r.ends[k]).filter((e): e is number => e !== null && e !== undefined);
      return {
        id,
        onTimeProbability: n ? round3(rs.filter((r) => r.onTime[k]).length / n) : 0,
        meanEnd: ends.length ? Math.round(ends.reduce((a, x) => a + x, 0) / ends.length) : null,
        p90End: ends.length ? Math.round(q(ends, 0.9)) : null,
      };
    }),
    kpis: {
      cost: stat(rs.map((r) => r.kpis.cost)),
      lateOrders: stat(rs.map((r) => r.kpis.lateOrders)),
      weightedTardinessHours: stat(rs.map((r) => r.kpis.weightedTardinessHours)),
      utilisation: stat(rs.map((r) => r.kpis.utilisation)),
    },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
