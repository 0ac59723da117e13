/**
 * Timeline: the real Gantt (renderer/src/timeline: d3 scales/zoom/axis, canvas bars with level of
 * detail) on 30 days × 40 lines of synthetic bars (≥ 50k: runs, changeovers/cleans, downtime,
 * holds, baseline and current plan) in headless Chromium at 1920×1080.
 *
 *   npx tsx bench/timeline.ts [--json] [--seconds N] [--days N] [--lines N]   (npm run bench -- timeline)
 *
 * - The page code (bench/_timeline-page.ts) is bundled with esbuild and opened from a temp folder;
 *   it generates the bars in the page (seeded), so no transfer is measured.
 * - first_render_ms: bars in hand → indexed per line and lane, laid out, drawn, and the next
 *   animation frame (painted).
 * - fps: requestAnimationFrame intervals while the page zooms from the month down to minutes, pans,
 *   zooms out to a day and pans across the month, one step per frame (each step one d3-zoom
 *   transform + one canvas redraw + axis update); p50 over all steps, repeated for N seconds.
 * Budgets: first render ≤ 1000 ms, fps p50 ≥ 30. Software rendering (SwiftShader), shared machine:
 * the load average is printed with the result.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test/e2e/browser';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) || def : def;
};
const SECONDS = arg('--seconds', 8);
const DAYS = arg('--days', 30);
const LINES = arg('--lines', 40);

const dir = mkdtempSync(join(tmpdir(), 'takt-bench-timeline-'));
let failed: string | null = null;
let result: Record<string, unknown> = {};
const load = loadavg().map((x) => Math.round(x * 100) / 100);
// The Gantt is canvas 2D + SVG (no WebGL): by default Chromium's software compositor draws it
// (--disable-gpu), which on this GPU-less machine is much cheaper than compositing through
// SwiftShader's emulated GL. `--swiftshader` measures the SwiftShader path instead.
const SWIFTSHADER = args.includes('--swiftshader');
const browser = await chromium.launch({ executablePath: chromiumPath(), args: SWIFTSHADER ? [...CHROMIUM_ARGS.map((a) => (a === '--use-angle=swiftshader-webgl' ? '--use-angle=swiftshader' : a)), '--ignore-gpu-blocklist'] : [...CHROMIUM_ARGS.filter((a) => !a.includes('swiftshader') && !a.includes('use-angle')), '--disable-gpu'], headless: true });
try {
  await build({ entryPoints: { page: join(import.meta.dirname, '_timeline-page.ts') }, bundle: true, format: 'iife', outdir: dir, minify: true, logLevel: 'error', loader: { '.css': 'css' } });
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"><style>:root{--line:#b4b9be;--panel:#e6e8ea;--panel-2:#eef0f1;--ink:#2b3035;--ink-2:#4f565d;--muted:#50575e;--focus:#1a4d99}html,body{margin:0;height:100%;font:13px system-ui,sans-serif}#gantt{position:absolute;inset:0}</style></head><body><div id="gantt"></div><script src="page.js"></script></body></html>`,
  );
  const page = await browser.newPage({ viewport: { width: Number(process.env.TL_W ?? 1920), height: Number(process.env.TL_H ?? 1080) } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${join(dir, 'index.html')}${process.env.TL_GPU ? '?gpu' : ''}`);
  await page.waitForFunction(() => !!(window as unknown as { __bench?: unknown }).__bench);
  // A string, not a function: tsx would wrap helpers in a __name() the page does not have.
  result = (await page.evaluate(`window.__bench.run({ days: ${DAYS}, lines: ${LINES}, seconds: ${SECONDS} })`)) as Record<string, unknown>;
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} catch (e) {
  failed = (e as Error).message;
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'timeline', detail: true, compositor: SWIFTSHADER ? 'swiftshader' : 'software (--disable-gpu)', viewport: '1920x1080', ...result, load_before: load, load_after: loadavg().map((x) => Math.round(x * 100) / 100), ...(failed ? { error: failed } : {}) }));
const first = Number(result.first_render_ms ?? NaN);
const fps = Number(result.fps_p50 ?? NaN);
console.log(
  JSON.stringify({
    bench: 'timeline',
    bars: result.bars ?? null,
    first_render_ms: Number.isFinite(first) ? first : null,
    fps_p50: Number.isFinite(fps) ? fps : null,
    budgets: { first_render_ms_max: 1000, fps_p50_min: 30 },
    within_budget: first <= 1000 && fps >= 30,
    ...(failed ? { error: failed } : {}),
  }),
);
process.exit(failed ? 1 : 0);
