/** The soak's fair figures (bench/soak/steady.ts): detection probes vs outages, and the RSS slope. */
import { describe, expect, it } from 'vitest';
import { detectionStats, rssSlope } from '../../../bench/soak/steady';

describe('soak detection latency', () => {
  it('sets apart probes whose wait overlaps a kill or a full disk, keeps those of a broker restart', () => {
    const probes = [
      ...[0, 3000, 6000].map((t) => ({ t, latencyMs: 100, phase: 'baseline' as const })),
      { t: 10_000, latencyMs: 4000, phase: 'faults' as const }, // waits through the kill at 12 s
      { t: 20_000, latencyMs: 9000, phase: 'faults' as const }, // sent during the disk-full pause
      { t: 40_000, latencyMs: 150, phase: 'faults' as const }, // during the broker restart: counted
      { t: 60_000, latencyMs: 120, phase: 'faults' as const },
    ];
    const outages = [
      { kind: 'kill', from: 12_000, to: 15_000 },
      { kind: 'disk-full', from: 18_000, to: 25_000 },
    ];
    const d = detectionStats(probes, outages, [15_000], 30_000);
    expect(d.excluded).toMatchObject({ n: 2, byKind: { kill: 1, 'disk-full': 1 }, p95: 9000 });
    expect(d.baseline).toMatchObject({ n: 3, p95: 100 });
    expect(d.faults).toMatchObject({ n: 2, p95: 150 });
    expect(d.ratio).toBe(1.5);
    // The probe at 40 s is 25 s after the restart was healthy at 15 s: counted, and reported apart too.
    expect(d.afterRestart).toMatchObject({ n: 1, p95: 150, ratio: 1.5 });
    expect(d.afterRestart.bySecondsSinceRestart.map((b) => [b.fromS, b.toS, b.n])).toEqual([
      [0, 5, 0],
      [5, 10, 0],
      [10, 20, 0],
      [20, 30, 1],
    ]);
    expect(d.settled).toMatchObject({ n: 1, p95: 120 });
  });

  it('has no ratio without a baseline', () => {
    expect(detectionStats([{ t: 0, latencyMs: 5, phase: 'faults' }], [], [], 30_000).ratio).toBeNull();
  });
});

describe('soak RSS slope', () => {
  const policy = { warmupMs: 60_000, minSpanMs: 120_000, minSpanDays: 0.25 };
  // One sample a second; a plant day is 144 s of real time (×600).
  const life = (incarnation: number, fromS: number, seconds: number, mb: (s: number) => number) =>
    Array.from({ length: seconds }, (_, i) => ({ t: (fromS + i) * 1000, plantDay: (fromS + i) / 144, incarnation, rssMb: mb(i) }));

  it('fits only the processes that lived long enough past warm-up, and says which', () => {
    const samples = [
      ...life(0, 0, 300, (i) => (i < 60 ? 50 + i : 120 + (2 * i) / 144)), // grows 2 MB per plant day after warm-up
      ...life(1, 300, 80, (i) => 200 - i), // short-lived, falling steeply: would swamp the slope
    ];
    const r = rssSlope(samples, policy);
    expect(r.slope).toBeCloseTo(2, 6);
    expect(r.used.map((u) => u.incarnation)).toEqual([0]);
    expect(r.reason).toMatch(/1 of 2 processes/);
  });

  it('takes the fault-free process on its own when asked and it qualifies, and reports the pool too', () => {
    const samples = [
      ...life(0, 0, 300, (i) => (i < 60 ? 50 + i : 120 + (0.5 * i) / 144)), // 0.5 MB per plant day
      ...life(1, 300, 300, (i) => (i < 60 ? 50 + i : 120 + (10 * i) / 144)), // a restart refilling its caches
    ];
    const r = rssSlope(samples, { ...policy, preferIncarnation: 0 });
    expect(r.slope).toBeCloseTo(0.5, 3);
    expect(r.pooled).toBeGreaterThan(4);
    expect(r.reason).toMatch(/fault-free process #0/);
    // Without a qualifying fault-free process: pooled.
    expect(rssSlope(samples.filter((s) => s.incarnation === 1), { ...policy, preferIncarnation: 0 }).slope).toBeCloseTo(10, 3);
  });

  it('gives null and the reason when no process lived long enough', () => {
    const r = rssSlope([...life(0, 0, 90, () => 100), ...life(1, 90, 100, () => 100)], policy);
    expect(r.slope).toBeNull();
    expect(r.used).toEqual([]);
    expect(r.reason).toMatch(/no core process lived 120 s.*longest lived 99 s in all, 38 s of it past warm-up/);
  });
});
