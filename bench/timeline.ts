/**
 * Timeline: the real Gantt (renderer/src/timeline: d3 scales/zoom/axis, canvas bars with level of
 * detail) on synthetic bars (seeded, bench/_timeline-page.ts: runs, changeovers/cleans, downtime,
 * holds, baseline and current plan) in headless Chromium at 1920×1080.
 *
 *   npx tsx bench/timeline.ts [--json] [--bars N] [--days N] [--lines N] [--seconds N] [--swiftshader] [--gpu-canvas] [--profile]
 *   (npm run bench -- timeline ...)
 *
 * - Default: 30 days × 40 lines at the month's density (~52k bars). `--bars N`: a year (365 days,
 *   unless --days) of 40 lines with each cycle's durations scaled so that at least N bars come out.
 * - The page code (bench/_timeline-page.ts) is bundled with esbuild and opened from a temp folder;
 *   it generates the bars in the page (seeded), so no transfer is measured.
 * - first_render_ms: bars in hand → indexed per line and lane, laid out, drawn, and the next
 *   animation frame (painted).
 * - frame_ms (p50, p95): per zoom or pan step, its d3-zoom transform plus the draw it causes (the
 *   JS and the canvas raster of what it drew), while the page zooms from the whole range down to
 *   minutes, pans, zooms out to a day and pans, zooms out to the whole range and pans, one step per
 *   frame, for N seconds. fps: the requestAnimationFrame intervals over the same steps (capped by
 *   the display's 60 Hz, which frame_ms is not).
 * - page_mb: the page's JS heap in use (CDP Performance.getMetrics, JSHeapUsedSize; the larger of
 *   after the first render and at the end) plus the Gantt canvas's pixels.
 * Budgets: first render ≤ 1000 ms; with --bars: frame_ms p95 ≤ 20 ms, page ≤ 500 MB, bars ≥ N;
 * without: fps p50 ≥ 30. Software rendering, shared machine: the load average is printed with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test/e2e/browser';
import { benchArgs, numberFlag } from './_args';

const flags = benchArgs('timeline', {
  bars: { type: 'string' },
  days: { type: 'string' },
  lines: { type: 'string' },
  seconds: { type: 'string' },
  swiftshader: { type: 'boolean' },
  'gpu-canvas': { type: 'boolean' },
  profile: { type: 'boolean' },
});
const BARS = flags.bars === undefined ? null : Math.round(numberFlag('timeline', 'bars', flags.bars, 0));
if (BARS !== null && BARS < 1) {
  console.error(`bench timeline: --bars must be a positive number, got '${flags.bars}'`);
  process.exit(2);
}
const SECONDS = Math.max(1, numberFlag('timeline', 'seconds', flags.seconds, 8));
const DAYS = Math.max(1, Math.round(numberFlag('timeline', 'days', flags.days, BARS ? 365 : 30)));
const LINES = Math.max(1, Math.round(numberFlag('timeline', 'lines', flags.lines, 40)));
const WIDTH = 1920;
const HEIGHT = 1080;

const dir = mkdtempSync(join(tmpdir(), 'takt-bench-timeline-'));
let failed: string | null = null;
let result: Record<string, unknown> = {};
const load = loadavg().map((x) => Math.round(x * 100) / 100);
// The Gantt is canvas 2D + SVG (no WebGL): by default Chromium's software compositor draws it
// (--disable-gpu), which on this GPU-less machine is much cheaper than compositing through
// SwiftShader's emulated GL. `--swiftshader` measures the SwiftShader path instead.
const SWIFTSHADER = flags.swiftshader === true;
const browser = await chromium.launch({ executablePath: chromiumPath(), args: SWIFTSHADER ? [...CHROMIUM_ARGS.map((a) => (a === '--use-angle=swiftshader-webgl' ? '--use-angle=swiftshader' : a)), '--ignore-gpu-blocklist'] : [...CHROMIUM_ARGS.filter((a) => !a.includes('swiftshader') && !a.includes('use-angle')), '--disable-gpu'], headless: true });
try {
  await build({ entryPoints: { page: join(import.meta.dirname, '_timeline-page.ts') }, bundle: true, format: 'iife', outdir: dir, minify: flags.profile !== true, logLevel: 'error', loader: { '.css': 'css' } });
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"><style>:root{--line:#b4b9be;--panel:#e6e8ea;--panel-2:#eef0f1;--ink:#2b3035;--ink-2:#4f565d;--muted:#50575e;--focus:#1a4d99}html,body{margin:0;height:100%;font:13px system-ui,sans-serif}#gantt{position:absolute;inset:0}</style></head><body><div id="gantt"></div><script src="page.js"></script></body></html>`,
  );
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.exposeFunction('__benchMemory', async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const mb = (name: string) => Math.round(((metrics.find((m) => m.name === name)?.value ?? NaN) / 1048576) * 10) / 10;
    return { js_heap_used_mb: mb('JSHeapUsedSize'), js_heap_total_mb: mb('JSHeapTotalSize') };
  });
  // CPU seconds of Chromium's renderer processes (the page's main thread and its raster), so a
  // step's cost can be read apart from how much of the machine's cores the page was given.
  const cdpBrowser = await browser.newBrowserCDPSession();
  await page.exposeFunction('__benchCpu', async () => {
    const { processInfo } = (await cdpBrowser.send('SystemInfo.getProcessInfo' as never)) as unknown as { processInfo: { type: string; cpuTime: number }[] };
    return processInfo.filter((p) => p.type === 'renderer').reduce((a, p) => a + p.cpuTime * 1000, 0);
  });
  await page.goto(`file://${join(dir, 'index.html')}${flags['gpu-canvas'] ? '?gpu' : ''}`);
  await page.waitForFunction(() => !!(window as unknown as { __bench?: unknown }).__bench);
  if (flags.profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  // A string, not a function: tsx would wrap helpers in a __name() the page does not have.
  result = (await page.evaluate(`window.__bench.run({ days: ${DAYS}, lines: ${LINES}, seconds: ${SECONDS}${BARS ? `, bars: ${BARS}` : ''} })`)) as Record<string, unknown>;
  if (flags.profile) {
    // `--profile`: the page's self time by function (unminified bundle), to stderr.
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    for (const n of profile.nodes) {
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
      self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
    }
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${((100 * v) / total).toFixed(1)}%\t${k}`).join('\n'));
  }
  if (BARS !== null && Number(result.bars) < BARS) throw new Error(`generated ${String(result.bars)} bars, fewer than --bars ${BARS}`);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} catch (e) {
  failed = (e as Error).message;
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
console.log(JSON.stringify({ bench: 'timeline', detail: true, compositor: SWIFTSHADER ? 'swiftshader' : 'software (--disable-gpu)', ...result, load_before: load, load_after: loadAfter, ...(failed ? { error: failed } : {}) }));
const num = (k: string) => (Number.isFinite(Number(result[k] ?? NaN)) ? Number(result[k]) : null);
const first = num('first_render_ms');
const fps = num('fps_p50');
const f95 = num('frame_ms_p95');
const pageMb = num('page_mb');
const budgets = BARS ? { bars_min: BARS, first_render_ms_max: 1000, frame_ms_p95_max: 20, page_mb_max: 500 } : { first_render_ms_max: 1000, fps_p50_min: 30 };
const within = BARS
  ? Number(result.bars) >= BARS && first !== null && first <= 1000 && f95 !== null && f95 <= 20 && pageMb !== null && pageMb <= 500
  : first !== null && first <= 1000 && fps !== null && fps >= 30;
console.log(
  JSON.stringify({
    bench: 'timeline',
    bars: result.bars ?? null,
    lines: LINES,
    days: DAYS,
    width: WIDTH,
    height: HEIGHT,
    first_render_ms: first,
    frame_ms_p50: num('frame_ms_p50'),
    frame_ms_p95: f95,
    fps_p50: fps,
    page_mb: pageMb,
    load_avg: loadAfter,
    budgets,
    within_budget: within,
    ...(failed ? { error: failed } : {}),
  }),
);
process.exit(failed ? 1 : 0);
