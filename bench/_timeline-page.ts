/**
 * The page side of bench/timeline.ts (bundled by esbuild into an IIFE): synthetic bars for
 * 30 days × 40 lines, the real Gantt (renderer/src/timeline), and the measurements.
 */
import { buildModel } from '../renderer/src/timeline/gantt';
import { GanttView } from '../renderer/src/timeline/gantt-view';
import type { Bar, Marker, TimelineLine } from '../shared/timeline/bars';
import '../renderer/src/timeline/timeline.css';

const DAY = 86_400_000;
const MIN = 60_000;

/** A seeded generator (mulberry32): the same bars every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function synthetic(days: number, lineCount: number, t0: number): { lines: TimelineLine[]; bars: Bar[]; markers: Marker[] } {
  const r = rng(42);
  const lines: TimelineLine[] = Array.from({ length: lineCount }, (_, i) => ({ id: `L${String(i + 1).padStart(2, '0')}`, name: `Line ${i + 1}`, areaId: `A${Math.floor(i / 10) + 1}`, areaName: `Hall ${Math.floor(i / 10) + 1}` }));
  const bars: Bar[] = [];
  const markers: Marker[] = [];
  const end = t0 + days * DAY;
  for (const l of lines) {
    let t = t0;
    let n = 0;
    while (t < end) {
      const co = (10 + r() * 30) * MIN;
      bars.push({ lineId: l.id, kind: r() < 0.15 ? 'clean' : 'changeover', start: t, end: t + co, label: 'Changeover' });
      t += co;
      const run = (60 + r() * 120) * MIN;
      const orderId = `${l.id}-O${++n}`;
      const customer = `C${1 + Math.floor(r() * 12)}`;
      const drift = (r() - 0.5) * 40 * MIN;
      bars.push({ lineId: l.id, kind: 'baseline', start: t - drift, end: t - drift + run, label: `Baseline ${orderId}`, orderId, customer });
      bars.push({ lineId: l.id, kind: 'plan', start: t - drift / 2, end: t - drift / 2 + run, label: `Plan ${orderId}`, orderId, customer });
      bars.push({ lineId: l.id, kind: 'run', start: t, end: t + run, label: orderId, orderId, customer, sku: 'SKU' });
      if (r() < 0.35) {
        const ds = t + r() * run * 0.8;
        bars.push({ lineId: l.id, kind: 'down', start: ds, end: ds + (3 + r() * 40) * MIN, label: 'Down: jam', reason: 'jam' });
      }
      if (r() < 0.05) bars.push({ lineId: l.id, kind: 'hold', start: t, end: t + run / 2, label: 'QA hold', reason: 'seal check', orderId });
      if (r() < 0.03) markers.push({ kind: 'decision', id: `D${markers.length}`, exceptionId: `E${markers.length}`, lineId: l.id, at: t, label: 'Decision', status: 'dispatched' });
      t += run;
    }
  }
  return { lines, bars, markers };
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]! : NaN;
};
const frame = () => new Promise<number>((res) => requestAnimationFrame(res));

async function run(opts: { days: number; lines: number; seconds: number }) {
  const t0 = Date.UTC(2026, 9, 27);
  const g0 = performance.now();
  const data = synthetic(opts.days, opts.lines, t0);
  const genMs = performance.now() - g0;
  const host = document.getElementById('gantt')!;
  const draws: number[] = [];
  // First render: data in hand → indexed, laid out, drawn and painted (next frame).
  const f0 = performance.now();
  const view = new GanttView(host, { onDraw: (_s, ms) => draws.push(ms), cpuCanvas: !location.search.includes('gpu') });
  const f1 = performance.now();
  const model = buildModel(data.lines, data.bars);
  const f2 = performance.now();
  const domain: [number, number] = [t0, t0 + opts.days * DAY];
  view.setData(model, domain, domain[1] - DAY, data.markers, true);
  const f3 = performance.now();
  view.draw();
  const f4 = performance.now();
  await frame();
  const firstRenderMs = performance.now() - f0;
  const firstParts = { view_ms: Math.round(f1 - f0), model_ms: Math.round(f2 - f1), set_data_ms: Math.round(f3 - f2), draw_ms: Math.round(f4 - f3), paint_ms: Math.round(performance.now() - f4) };
  const firstStats = view.lastStats;
  await frame();
  draws.length = 0;

  // Interactions, one step per frame: zoom from the month down to ~15 minutes, pan at that zoom,
  // zoom out to a day and pan across the month, then back out to the month.
  const phases: { name: string; steps: number; step(i: number, n: number): void }[] = [];
  // Idle frames first: what this machine's compositor gives an unchanged page (for context).
  phases.push({ name: 'idle', steps: 30, step: () => undefined });
  const centre = domain[0] + (domain[1] - domain[0]) * 0.6;
  const span0 = domain[1] - domain[0];
  phases.push({ name: 'zoom-in', steps: 120, step: (i, n) => { const s = span0 * Math.pow(15 * MIN / span0, (i + 1) / n); view.zoomTo(centre - s / 2, centre + s / 2); } });
  phases.push({ name: 'pan-minutes', steps: 90, step: () => view.panBy(0.05) });
  phases.push({ name: 'zoom-out-day', steps: 60, step: (i, n) => { const [a, b] = view.visible(); const c = (a + b) / 2; const s = (b - a) * Math.pow(DAY / (b - a), 1 / (n - i)); view.zoomTo(c - s / 2, c + s / 2); } });
  phases.push({ name: 'pan-day', steps: 120, step: () => view.panBy(-0.08) });
  phases.push({ name: 'zoom-out-month', steps: 60, step: (i, n) => { const [a, b] = view.visible(); const c = (a + b) / 2; const s = (b - a) * Math.pow(span0 / (b - a), 1 / (n - i)); view.zoomTo(c - s / 2, c + s / 2); } });
  phases.push({ name: 'pan-month', steps: 90, step: () => view.panBy(0.02) });
  const intervals: number[] = [];
  const stepMs: number[] = [];
  const perPhase: Record<string, number> = {};
  const deadline = performance.now() + opts.seconds * 1000;
  let rounds = 0;
  while (performance.now() < deadline || rounds === 0) {
    for (const p of phases) {
      const iv: number[] = [];
      let last = await frame();
      for (let i = 0; i < p.steps; i++) {
        const s0 = performance.now();
        p.step(i, p.steps);
        stepMs.push(performance.now() - s0);
        const t = await frame();
        iv.push(t - last);
        last = t;
      }
      if (p.name !== 'idle') intervals.push(...iv);
      perPhase[p.name] = Math.round((1000 / q(iv, 0.5)) * 10) / 10;
    }
    rounds++;
  }
  view.destroy();
  return {
    bars: model.bars,
    lines: data.lines.length,
    days: opts.days,
    gen_ms: Math.round(genMs),
    first_render_ms: Math.round(firstRenderMs),
    first_parts: firstParts,
    first_rects: firstStats.rects,
    first_visible_bars: firstStats.visibleBars,
    fps_p50: Math.round((1000 / q(intervals, 0.5)) * 10) / 10,
    fps_p5: Math.round((1000 / q(intervals, 0.95)) * 10) / 10,
    fps_by_phase: perPhase,
    step_ms_p50: Math.round(q(stepMs, 0.5) * 100) / 100,
    draw_ms_p50: Math.round(q(draws, 0.5) * 100) / 100,
    draw_ms_p95: Math.round(q(draws, 0.95) * 100) / 100,
    frames: intervals.length,
    rounds,
  };
}

(window as unknown as { __bench: unknown }).__bench = { run };
