/** The soak's fault schedule and statistics (bench/soak): pure functions, checked directly. */
import { describe, expect, it } from 'vitest';
import { faultSchedule, PER_WEEK } from '../../../bench/soak/schedule';
import { percentile, pooledSlope } from '../../../bench/soak/invariants';

describe('soak fault schedule', () => {
  it('has the issue\'s counts per plant week, spread after the warm-up, the same for the same seed', () => {
    const week = faultSchedule({ plantDays: 7, seed: 3, warmup: 0.15 });
    const n = (k: string) => week.filter((f) => f.kind === k).length;
    expect(n('kill')).toBeGreaterThanOrEqual(20);
    expect(n('broker')).toBeGreaterThanOrEqual(10);
    expect(n('disk-full')).toBe(PER_WEEK['disk-full']);
    expect(week.filter((f) => f.torn).length).toBe(PER_WEEK.torn);
    expect(week.every((f) => f.at >= 0.15 && f.at <= 0.98)).toBe(true);
    expect(week.map((f) => f.at)).toEqual([...week.map((f) => f.at)].sort((a, b) => a - b));
    expect(faultSchedule({ plantDays: 7, seed: 3, warmup: 0.15 })).toEqual(week);
    expect(faultSchedule({ plantDays: 7, seed: 4, warmup: 0.15 })).not.toEqual(week);
    // Clock steps alternate, so the offset returns to zero.
    expect(week.filter((f) => f.kind === 'clock-step').map((f) => f.stepMs)).toContain(-300_000);
  });

  it('pro rata for shorter runs, never below the minimums, without disk faults when the disk cannot fill', () => {
    const day = faultSchedule({ plantDays: 1, seed: 1, warmup: 0.1, min: { kill: 3, broker: 2 }, diskFull: false });
    expect(day.filter((f) => f.kind === 'kill').length).toBe(3);
    expect(day.filter((f) => f.kind === 'broker').length).toBe(2);
    expect(day.some((f) => f.kind === 'disk-full')).toBe(false);
  });
});

describe('soak statistics', () => {
  it('measures the slope within each process, not across restarts', () => {
    // Two processes, each growing 2 MB per day from a different base: restarts reset memory.
    const s = [0, 1, 2, 3].flatMap((x) => [
      { group: 0, x, y: 100 + 2 * x },
      { group: 1, x: x + 4, y: 50 + 2 * (x + 4) },
    ]);
    expect(pooledSlope(s)).toBeCloseTo(2, 9);
    expect(pooledSlope([{ group: 0, x: 1, y: 1 }])).toBeNull();
  });

  it('takes percentiles by rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([], 95)).toBeNull();
  });
});
