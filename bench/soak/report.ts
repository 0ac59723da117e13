/**
 * Writes the soak's report: report.json (everything) and report.html, one page with d3 charts of
 * RSS, the live heap after GC, event-loop lag (health round trip), ingest rate and detection latency against real time,
 * with every fault marked on the same time axis. d3 is inlined, so the page opens offline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { runSoak } from './soak';

type Report = Awaited<ReturnType<typeof runSoak>>;

export function invariantLines(r: Report): string[] {
  const s = r.summary;
  const ok = (b: boolean) => (b ? 'ok  ' : 'FAIL');
  // A figure the run could not measure is neither held nor broken.
  const okOrNa = (x: number | null, limit: number) => (x === null ? 'n/a ' : ok(x <= limit));
  const rc = r.reconnect;
  const dt = r.detection;
  const rs = r.rssSteady;
  return [
    `${ok(s.lost === 0)} acknowledged signals lost: ${s.lost} of ${r.acknowledged} acknowledged (${r.ackedDeadLettered} acknowledged then dead-lettered)`,
    `${ok(s.duplicate_effects === 0)} duplicate effects (a signal journaled twice): ${s.duplicate_effects} in ${r.journalRows} journal rows`,
    `${ok(s.hash_mismatches === 0)} twin state hash after each restart = replay of the journal: ${s.hash_mismatches} mismatches in ${r.hashes.checked} restarts`,
    `${ok(s.chain_failures === 0)} decision and audit hash chains verify: ${r.chains.detail} (${r.chains.decisions} decision receipts, ${r.chains.auditEntries} audit entries; the soak acknowledged ${r.commits.acknowledged} exceptions and committed ${r.commits.ok} decisions, ${r.commits.failed} refused)`,
    `${ok(rc.missed === 0 && (rc.p95 ?? 0) <= rc.limitMs)} consoles reconnect within ${rc.limitMs / 1000} s of the core being back (listening): p95 ${rc.p95} ms, max ${rc.max} ms over ${rc.restarts} restarts × ${rc.pages} consoles (p95 ${rc.p95AfterHealthy} ms after /api/health was ok)`,
    `${okOrNa(s.detect_p95_ratio, 2)} exception detection latency p95 under faults / fault-free: ${s.detect_p95_ratio} (${dt.faults.p95} ms over ${dt.faults.n} probes / ${dt.baseline.p95} ms over ${dt.baseline.n}; of the faulted ones, ${dt.afterRestart.n} sent within ${dt.afterRestart.settleMs / 1000} s of a restart: p50 ${dt.afterRestart.p50} / p95 ${dt.afterRestart.p95} ms, ${dt.afterRestart.ratio}× the fault-free p95; the rest p50 ${dt.settled.p50} / p95 ${dt.settled.p95} ms over ${dt.settled.n})`,
    `info detection after a restart by seconds since it (p50 / p95 ms, n): ${dt.afterRestart.bySecondsSinceRestart.map((b) => `${b.fromS}–${b.toS} s ${b.p50} / ${b.p95} (${b.n})`).join(', ')}`,
    `info detection probes left out as availability, not detection: ${dt.excluded.n} whose wait overlapped an outage ${JSON.stringify(dt.excluded.byKind)} (p95 ${dt.excluded.p95} ms); without a timing: ${r.probeMisses.refused} refused while paused, ${r.probeMisses.aborted} cut off by a kill, ${r.probeMisses.timedOut} not shown within 60 s; rounds with no line to probe: ${JSON.stringify(r.probeSkipped)}; probe line-downs returned to normal after the machine ran again: ${r.probeReturn.returned}, still active (another machine of the line down): ${r.probeReturn.stillActive}`,
    `info the operator (signed in as the controller, every plant half hour) acknowledged ${r.operator.acknowledged} exceptions in ${r.operator.rounds} rounds (${r.operator.failed} refused); open exceptions after a round: max ${r.operator.openMax}, last ${r.operator.openLast}`,
    `${okOrNa(s.rss_slope_mb_per_day, 1)} RSS slope after warm-up (each process's first ${rs.policy.warmupMs / 1000} s left out; only processes that then lived ${rs.policy.minSpanMs / 1000} s and ${rs.policy.minSpanDays} plant days): ${s.rss_slope_mb_per_day === null ? `not measurable: ${rs.reason}` : `${s.rss_slope_mb_per_day} MB per plant day, ${rs.reason}: ${rs.used.map((u) => `#${u.incarnation} days ${u.fromPlantDay}–${u.toPlantDay} (${u.realSeconds} s, ${u.slopeMbPerDay} MB/day)`).join(', ')}`}`,
    `${okOrNa(s.heap_slope_mb_per_day, 1)} live-heap slope after warm-up (heapUsed right after a forced full GC, sampled every ${r.heapEveryMs / 1000} s; same rule): ${s.heap_slope_mb_per_day === null ? `not measurable: ${r.heapSteady.reason}` : `${s.heap_slope_mb_per_day} MB per plant day, ${r.heapSteady.reason}: ${r.heapSteady.used.map((u) => `#${u.incarnation} (${u.samples} samples, ${u.slopeMbPerDay} MB/day)`).join(', ')}`}`,
    `info journal growth ${r.growthPerPlantDay.journalMB} MB and store growth ${r.growthPerPlantDay.storeMB} MB per plant day (final ${r.growthPerPlantDay.journalFinalMB.toFixed(1)} MB, ${r.growthPerPlantDay.storeFinalMB.toFixed(1)} MB)`,
    `info retention: one SQLite journal; signals never removed (the twin is a function of them); snapshots thinned to the newest 24 and one per plant hour; WAL checkpointed every 256 MiB, cut back to 64 MiB`,
    `${ok(r.disk.events.every((e) => e.pausedLogged && e.consoleShowed && e.resumed))} disk full: ${r.disk.events.length} events, each reported in the log (the first part of the core to meet it, naming the folder) and the console, and resumed by itself: ${JSON.stringify(r.disk.events)}`,
    `info torn journal tails recovered: ${r.tornTails}; wall-clock steps: ${r.clockSteps}; webhook calls refused (503) while paused: ${r.disk.webhookRefused}`,
  ];
}

export function writeReport(out: string, r: Report): void {
  writeFileSync(join(out, 'report.json'), JSON.stringify(r, null, 2));
  const d3 = readFileSync(fileURLToPath(new URL('../../node_modules/d3/dist/d3.min.js', import.meta.url)), 'utf8');
  const data = JSON.stringify({ samples: r.samples, probes: r.probes, faults: r.faults, summary: r.summary, lines: invariantLines(r) }).replace(/</g, '\\u003c');
  writeFileSync(
    join(out, 'report.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Takt soak report</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px}pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}svg{display:block;margin-bottom:8px}.fault line{stroke-width:1}h2{font-size:15px;margin:14px 0 2px}</style></head><body>
<h1>Takt soak: ${r.summary.plant_days} plant days at ×${r.speed}, seed ${r.seed}, ${r.realSeconds} s</h1>
<pre id="inv"></pre><div id="charts"></div>
<script>${d3}</script>
<script>
const D = ${data};
document.getElementById('inv').textContent = D.lines.join('\\n') + '\\n' + JSON.stringify(D.summary);
const colours = { kill: '#c0392b', broker: '#8e44ad', 'disk-full': '#f1c40f', 'clock-step': '#16a085' };
const maxT = d3.max(D.samples, (s) => s.t) || 1;
function chart(title, points, unit) {
  const W = 1050, H = 170, m = { l: 56, r: 10, t: 8, b: 22 };
  document.getElementById('charts').insertAdjacentHTML('beforeend', '<h2>' + title + '</h2>');
  const svg = d3.select('#charts').append('svg').attr('width', W).attr('height', H);
  const x = d3.scaleLinear().domain([0, maxT / 1000]).range([m.l, W - m.r]);
  const ys = points.filter((p) => p.y !== null && Number.isFinite(p.y));
  const y = d3.scaleLinear().domain([0, d3.max(ys, (p) => p.y) || 1]).nice().range([H - m.b, m.t]);
  svg.append('g').attr('transform', 'translate(0,' + (H - m.b) + ')').call(d3.axisBottom(x).ticks(10).tickFormat((v) => v + ' s'));
  svg.append('g').attr('transform', 'translate(' + m.l + ',0)').call(d3.axisLeft(y).ticks(5).tickFormat((v) => v + ' ' + unit));
  for (const f of D.faults) svg.append('line').attr('x1', x(f.t / 1000)).attr('x2', x(f.t / 1000)).attr('y1', m.t).attr('y2', H - m.b).attr('stroke', colours[f.kind]).attr('opacity', 0.6).append('title').text(f.kind + ' ' + JSON.stringify(f.detail));
  svg.selectAll('circle.p').data(ys).join('circle').attr('r', 1.6).attr('cx', (p) => x(p.t / 1000)).attr('cy', (p) => y(p.y)).attr('fill', '#2c3e50');
}
chart('Core RSS', D.samples.map((s) => ({ t: s.t, y: s.rssMb })), 'MB');
chart('Core live heap after a forced GC', D.samples.map((s) => ({ t: s.t, y: s.heapMb })), 'MB');
chart('Event-loop lag (GET /api/health round trip)', D.samples.map((s) => ({ t: s.t, y: s.lagMs })), 'ms');
chart('Ingest rate (journal positions per second)', D.samples.map((s) => ({ t: s.t, y: s.ingestPerSec })), '/s');
chart('Exception detection latency (line-down via webhook → GET /api/exceptions)', D.probes.map((p) => ({ t: p.t, y: p.latencyMs })), 'ms');
document.getElementById('charts').insertAdjacentHTML('beforeend', '<p>Faults (vertical lines): ' + Object.entries(colours).map(([k, c]) => '<span style="color:' + c + '">■ ' + k + '</span>').join(' ') + '</p>');
</script></body></html>`,
  );
}
