/**
 * The two soak figures that need care to be fair, as pure functions of what the run recorded:
 * exception detection latency with the probes that straddle an outage set apart, and the RSS slope
 * over the process lifetimes long enough to fit one.
 */
import { percentile, pooledSlope } from './invariants';

export interface Probe {
  /** Real ms since the run started when the line-down was acknowledged, and how long until it showed. */
  t: number;
  latencyMs: number;
  phase: 'baseline' | 'faults';
}

/** A span of real time (ms since the run started) in which the core could not detect anything. */
export interface Outage {
  kind: string;
  from: number;
  to: number;
}

/**
 * A probe whose wait [t, t + latency] overlaps an outage (the core killed until it answered healthy
 * again, ingest paused by a full disk until it resumed) timed the outage, not detection: it is an
 * availability figure (reconnect, restart time) and is left out of the detection percentiles, counted
 * by the outage's kind. Probes during a broker restart or after a clock step stay in: the webhook path
 * they use keeps working, so they measure detection under that fault, which is the point. Probes of the
 * faulted phase sent within `settleMs` after a restart are counted in and also reported on their own,
 * so a slower core after a restart shows instead of hiding in the p95.
 */
export function detectionStats(probes: readonly Probe[], outages: readonly Outage[], restartsHealthyAt: readonly number[], settleMs: number) {
  const excludedByKind: Record<string, number> = {};
  const excludedLatencies: number[] = [];
  const base: number[] = [];
  const faulted: number[] = [];
  const afterRestart: number[] = [];
  const settled: number[] = [];
  // The after-restart probes by how long after the restart they were sent, so a slow start shows where it is.
  const bins = [5_000, 10_000, 20_000, settleMs].filter((b, i, a) => b <= settleMs && a.indexOf(b) === i);
  const byBin: number[][] = bins.map(() => []);
  for (const p of probes) {
    const hit = outages.find((o) => p.t <= o.to && p.t + p.latencyMs >= o.from);
    if (hit) {
      excludedByKind[hit.kind] = (excludedByKind[hit.kind] ?? 0) + 1;
      excludedLatencies.push(p.latencyMs);
      continue;
    }
    if (p.phase === 'baseline') {
      base.push(p.latencyMs);
      continue;
    }
    faulted.push(p.latencyMs);
    const since = Math.min(...restartsHealthyAt.filter((h) => p.t >= h).map((h) => p.t - h));
    if (since < settleMs) {
      afterRestart.push(p.latencyMs);
      byBin[bins.findIndex((b) => since < b)]!.push(p.latencyMs);
    } else settled.push(p.latencyMs);
  }
  const baseP95 = percentile(base, 95);
  const faultP95 = percentile(faulted, 95);
  return {
    baseline: { n: base.length, p50: percentile(base, 50), p95: baseP95 },
    faults: { n: faulted.length, p50: percentile(faulted, 50), p95: faultP95 },
    afterRestart: {
      settleMs,
      n: afterRestart.length,
      p50: percentile(afterRestart, 50),
      p95: percentile(afterRestart, 95),
      /** p95 after a restart over the fault-free p95: the invariant's 2× applies to it too. */
      ratio: baseP95 && afterRestart.length ? Number((percentile(afterRestart, 95)! / baseP95).toFixed(2)) : null,
      bySecondsSinceRestart: byBin.map((xs, i) => ({ fromS: (i === 0 ? 0 : bins[i - 1]!) / 1000, toS: bins[i]! / 1000, n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95) })),
    },
    settled: { n: settled.length, p50: percentile(settled, 50), p95: percentile(settled, 95) },
    excluded: { n: excludedLatencies.length, byKind: excludedByKind, p95: percentile(excludedLatencies, 95) },
    ratio: baseP95 && faultP95 !== null ? Number((faultP95 / baseP95).toFixed(2)) : null,
  };
}

export interface RssSample {
  t: number;
  plantDay: number;
  incarnation: number;
  rssMb: number | null;
}

export interface RssPolicy {
  /** Real ms at the start of each process left out (boot, first views, lazily loaded code). */
  warmupMs: number;
  /** A process's post-warm-up segment must span at least this much real time and plant time. */
  minSpanMs: number;
  minSpanDays: number;
  /**
   * The process of the fault-free phase (the first): when it qualifies, the slope is its own, fitted
   * over its one long segment; the restarts' shorter segments (a fresh heap refilling its caches)
   * are only pooled when it does not. Omitted: always pooled.
   */
  preferIncarnation?: number;
}

/**
 * RSS slope (MB per plant day) over the post-warm-up segments of the processes that lived long
 * enough to fit one, pooled within processes (the least-squares slope with each process its own
 * intercept: a restart starts memory afresh). Pooling weights a segment by its spread in time, so the
 * longest-lived processes dominate; the GC's sawtooth over a short segment would otherwise read as a
 * steep slope either way. Null, with the reason, when no process lived long enough.
 */
export function rssSlope(samples: readonly RssSample[], p: RssPolicy) {
  const byProcess = new Map<number, RssSample[]>();
  for (const s of samples) if (s.rssMb !== null) (byProcess.get(s.incarnation) ?? byProcess.set(s.incarnation, []).get(s.incarnation)!).push(s);
  const used: { incarnation: number; fromPlantDay: number; toPlantDay: number; realSeconds: number; samples: number; slopeMbPerDay: number | null }[] = [];
  let longestMs = 0;
  const pooled: { group: number; x: number; y: number }[] = [];
  let longestLifeMs = 0;
  for (const [inc, ss] of byProcess) {
    longestLifeMs = Math.max(longestLifeMs, ss[ss.length - 1]!.t - ss[0]!.t);
    const steady = ss.filter((s) => s.t - ss[0]!.t > p.warmupMs);
    if (steady.length < 3) continue;
    const spanMs = steady[steady.length - 1]!.t - steady[0]!.t;
    const spanDays = steady[steady.length - 1]!.plantDay - steady[0]!.plantDay;
    longestMs = Math.max(longestMs, spanMs);
    if (spanMs < p.minSpanMs || spanDays < p.minSpanDays) continue;
    const pts = steady.map((s) => ({ group: inc, x: s.plantDay, y: s.rssMb! }));
    pooled.push(...pts);
    const own = pooledSlope(pts);
    used.push({ incarnation: inc, fromPlantDay: round(steady[0]!.plantDay), toPlantDay: round(steady[steady.length - 1]!.plantDay), realSeconds: Math.round(spanMs / 1000), samples: steady.length, slopeMbPerDay: own === null ? null : round(own) });
  }
  const pooledAll = used.length ? pooledSlope(pooled) : null;
  const preferred = p.preferIncarnation === undefined ? undefined : used.find((u) => u.incarnation === p.preferIncarnation);
  const slope = preferred ? preferred.slopeMbPerDay : pooledAll;
  const reason = preferred
    ? `over the fault-free process #${preferred.incarnation} (plant days ${preferred.fromPlantDay}–${preferred.toPlantDay}, ${preferred.realSeconds} s); pooled over all ${used.length} that qualified: ${pooledAll === null ? 'n/a' : round(pooledAll)}`
    : slope !== null
      ? `pooled over ${used.length} of ${byProcess.size} processes`
      : `no core process lived ${p.minSpanMs / 1000} s and ${p.minSpanDays} plant days past its ${p.warmupMs / 1000} s warm-up (the longest lived ${Math.round(longestLifeMs / 1000)} s in all, ${Math.round(longestMs / 1000)} s of it past warm-up); run with a longer fault-free phase (--fault-free-days)`;
  return { slope, pooled: pooledAll === null ? null : round(pooledAll), used, processes: byProcess.size, policy: p, reason };
}

const round = (x: number) => Number(x.toFixed(3));
