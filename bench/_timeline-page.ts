/**
 * The page side of bench/timeline.ts (bundled by esbuild into an IIFE): synthetic bars (seeded) for
 * N days × M lines, the real Gantt (renderer/src/timeline), and the measurements.
 */
import { buildModel } from '../renderer/src/timeline/gantt';
import { GanttView } from '../renderer/src/timeline/gantt-view';
import type { Bar, Marker, TimelineLine } from '../shared/timeline/bars';
import '../renderer/src/timeline/timeline.css';
import { createRng } from '../shared/sim/random';

const DAY = 86_400_000;
const MIN = 60_000;

/** A seeded generator (mulberry32): the same bars every run. */
function rng(seed: number) {
  return createRng(seed).next;
}

/** Bars per changeover-and-run cycle on average (changeover, baseline, plan, run, 0.35 down, 0.05 hold). */
const BARS_PER_CYCLE = 4.4;
/** Mean cycle at scale 1: a 10–40 min changeover and a 60–180 min run. */
const CYCLE_MIN = 25 + 120;

/**
 * Runs and changeovers on every line for `days`, each cycle's durations scaled so that about
 * `bars` bars come out (2 % over, so the count reaches it); without `bars`, the 30-day month's
 * density (scale 1, ~44 bars per line and day).
 */
export function synthetic(days: number, lineCount: number, t0: number, targetBars?: number): { lines: TimelineLine[]; bars: Bar[]; markers: Marker[] } {
  const r = rng(42);
  const scale = targetBars ? (BARS_PER_CYCLE * 1440 * days * lineCount) / (CYCLE_MIN * targetBars * 1.02) : 1;
  const lines: TimelineLine[] = Array.from({ length: lineCount }, (_, i) => ({ id: `L${String(i + 1).padStart(2, '0')}`, name: `Line ${i + 1}`, areaId: `A${Math.floor(i / 10) + 1}`, areaName: `Hall ${Math.floor(i / 10) + 1}` }));
  const bars: Bar[] = [];
  const markers: Marker[] = [];
  const end = t0 + days * DAY;
  for (const l of lines) {
    let t = t0;
    let n = 0;
    while (t < end) {
      const co = (10 + r() * 30) * MIN * scale;
      bars.push({ lineId: l.id, kind: r() < 0.15 ? 'clean' : 'changeover', start: t, end: t + co, label: 'Changeover' });
      t += co;
      const run = (60 + r() * 120) * MIN * scale;
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

async function run(opts: { days: number; lines: number; seconds: number; bars?: number }) {
  const t0 = Date.UTC(2026, 9, 27);
  const g0 = performance.now();
  const data = synthetic(opts.days, opts.lines, t0, opts.bars);
  const genMs = performance.now() - g0;
  const host = document.getElementById('gantt')!;
  const draws: number[] = [];
  // A draw's cost: its JS, plus the raster of what it drew (a 1-pixel read forces the canvas to
  // rasterise its recorded commands now, as the frame would).
  let rasterMs = 0;
  const drawJs: number[] = [];
  const drawRaster: number[] = [];
  const onDraw = (ms: number) => {
    const r0 = performance.now();
    view?.canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
    rasterMs = performance.now() - r0;
    draws.push(ms + rasterMs);
    drawJs.push(ms);
    drawRaster.push(rasterMs);
  };
  let view: GanttView | null = null;
  // First render: data in hand → indexed, laid out, drawn and painted (next frame).
  const f0 = performance.now();
  view = new GanttView(host, { onDraw: (_s, ms) => onDraw(ms), cpuCanvas: !location.search.includes('gpu') });
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
  const memory = await (window as unknown as { __benchMemory(): Promise<{ js_heap_used_mb: number; js_heap_total_mb: number }> }).__benchMemory();
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
  /** Per interaction step: the step (d3 zoom transform) + the draw it caused (JS and raster). */
  const frameMs: number[] = [];
  const perPhase: Record<string, number> = {};
  /** Per phase: frame_ms p50/p95, and the draws' JS and raster p95 (where a slow frame's time goes). */
  const framesByPhase: Record<string, { p50: number; p95: number; js_p95: number; raster_p95: number; draws: number; cpu_ms_per_step: number }> = {};
  const cpu = (window as unknown as { __benchCpu(): Promise<number> }).__benchCpu;
  const cpu0 = await cpu();
  const deadline = performance.now() + opts.seconds * 1000;
  let rounds = 0;
  while (performance.now() < deadline || rounds === 0) {
    for (const p of phases) {
      const iv: number[] = [];
      const fm: number[] = [];
      const d0 = draws.length;
      const c0 = await cpu();
      let last = await frame();
      for (let i = 0; i < p.steps; i++) {
        const s0 = performance.now();
        const before = draws.length;
        p.step(i, p.steps);
        const sm = performance.now() - s0;
        stepMs.push(sm);
        const t = await frame();
        if (p.name !== 'idle') frameMs.push(sm + (draws.length > before ? draws[draws.length - 1]! : 0));
        fm.push(sm + (draws.length > before ? draws[draws.length - 1]! : 0));
        iv.push(t - last);
        last = t;
      }
      if (p.name !== 'idle') intervals.push(...iv);
      const r2 = (x: number) => Math.round(x * 10) / 10;
      if (p.name !== 'idle') framesByPhase[p.name] = { p50: r2(q(fm, 0.5)), p95: r2(q(fm, 0.95)), js_p95: r2(q(drawJs.slice(d0), 0.95)), raster_p95: r2(q(drawRaster.slice(d0), 0.95)), draws: draws.length - d0, cpu_ms_per_step: r2(((await cpu()) - c0) / p.steps) };
      perPhase[p.name] = Math.round((1000 / q(iv, 0.5)) * 10) / 10;
    }
    rounds++;
  }
  const cpuMs = (await cpu()) - cpu0;
  const memoryEnd = await (window as unknown as { __benchMemory(): Promise<{ js_heap_used_mb: number; js_heap_total_mb: number }> }).__benchMemory();
  const canvasMb = (view.canvas.width * view.canvas.height * 4) / 1048576;
  view.destroy();
  return {
    bars: model.bars,
    page_mb: Math.round(Math.max(memory.js_heap_used_mb, memoryEnd.js_heap_used_mb) + canvasMb),
    js_heap_used_mb: memory.js_heap_used_mb,
    js_heap_used_end_mb: memoryEnd.js_heap_used_mb,
    js_heap_total_mb: memoryEnd.js_heap_total_mb,
    canvas_mb: Math.round(canvasMb * 10) / 10,
    frame_ms_p50: Math.round(q(frameMs, 0.5) * 100) / 100,
    frame_ms_p95: Math.round(q(frameMs, 0.95) * 100) / 100,
    frame_ms_max: Math.round(Math.max(...frameMs) * 100) / 100,
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
    frame_ms_by_phase: framesByPhase,
    // The renderer process's CPU per interaction step (idle frames included), whatever share of the cores it got.
    renderer_cpu_ms_per_step: Math.round((cpuMs / Math.max(1, rounds * phases.reduce((n, p) => n + p.steps, 0))) * 100) / 100,
    step_ms_p50: Math.round(q(stepMs, 0.5) * 100) / 100,
    draw_ms_p50: Math.round(q(draws, 0.5) * 100) / 100,
    draw_ms_p95: Math.round(q(draws, 0.95) * 100) / 100,
    frames: intervals.length,
    rounds,
  };
}

(window as unknown as { __bench: unknown }).__bench = { run };
