/**
 * Render: the Floor with a generated plant (bench/_plants.ts) and thousands of moving WIP tokens
 * under a steady delta stream, in headless Chromium (no GPU: software compositing, WebGL on
 * SwiftShader).
 *
 *   npx tsx bench/render.ts [--json] [--plant standard|large] [--size WxH] [--tokens N] [--seconds N]
 *                           [--renderer canvas|webgl] [--screenshot FILE] [--profile] [--trace]
 *                           [--swiftshader-compositing]
 *
 *   (npm run bench -- render ...)
 * - `--plant standard` (default): 200 machines (4 halls × 10 lines × 5), 5,000 tokens.
 *   `--plant large`: 1,000 machines in 60 lines across 4 halls, 20,000 tokens. `--tokens N` overrides
 *   the token budget; `--size` the viewport (default 1920x1080; a 4K wall is 3840x2160).
 * - The Floor draws with pixi's Canvas renderer, the app's default (renderer/src/floor/pixi/
 *   floor-renderer.ts says why); `--renderer webgl` measures pixi's WebGL renderer instead.
 *
 * - The plant is generated into a temporary folder (a valid plant file: `takt validate` accepts it)
 *   and served by the real core in browser mode in this process, without the simulator.
 * - The stream: every 50 ms one `signals.ingest` burst (production counts at both ends of every line,
 *   keeping each line's WIP above what its share of the tokens stands for, and machine-state flips
 *   between running, starved and blocked on 8 machines per 40 lines), so the core pushes a delta
 *   about every 50 ms that touches every line and several machines. The page opens with
 *   `?tokens=N` (token budget).
 * - fps: requestAnimationFrame intervals recorded inside the page over N s (default 12); p50.
 *   frame_ms: main-thread time of each frame's requestAnimationFrame callbacks (delta drain, board,
 *   token and overlay drawing, pixi's render); it is not capped by the display's 60 Hz as fps is.
 *   Raster and compositing run outside it: `cpu_ms_per_frame` gives every Chromium process's CPU.
 * - latency: every 200 ms a marker: a machine-state change with reason `mark-<n>`. The page records
 *   Date.now() right after the pixi render of the frame that first drew it (window.__takt.marks).
 *   Latency = that time − Date.now() here just BEFORE the signals.ingest call (so it includes the
 *   call, validation, journaling, the twin fold, the delta push and the frame); both clocks are
 *   this machine's. p95. `latency_from_accept_p95_ms` measures from when the call resolved;
 *   `latency_stages_ms` splits it: `ingest` (send → the call resolved), `to_push` (→ the core
 *   pushed the delta), `to_page` (→ the WebSocket frame carrying it reached the page's main thread)
 *   and `in_page` (→ drawn).
 * Budgets: fps p50 ≥ 50, latency p95 ≤ 100 ms. Needs `npm run build` first.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test/e2e/browser';
import { startBrowserMode } from '../main/core/hosts/browser/browser-mode';
import { ProtocolClient } from '../shared/protocol/client';
import { memoryTransportPair } from '../shared/protocol/transport';
import { SYSTEM_CALLER } from '../shared/auth/caller';
import { benchArgs, numberFlag } from './_args';
import { benchPlant, PLANT_CASES, type PlantCase } from './_plants';
import { signedIn } from '../test/e2e/core';

const flags = benchArgs('render', {
  plant: { type: 'string' },
  size: { type: 'string' },
  tokens: { type: 'string' },
  seconds: { type: 'string' },
  renderer: { type: 'string' },
  screenshot: { type: 'string' },
  profile: { type: 'boolean' },
  trace: { type: 'boolean' },
  'swiftshader-compositing': { type: 'boolean' },
});
const fail = (msg: string): never => {
  console.error(`bench render: ${msg}`);
  process.exit(2);
};
const PLANT = (flags.plant ?? 'standard') as PlantCase;
if (!PLANT_CASES.includes(PLANT)) fail(`--plant must be one of ${PLANT_CASES.join(', ')}, got '${flags.plant}'`);
const sizeMatch = /^(\d{3,5})x(\d{3,5})$/.exec(flags.size ?? '1920x1080');
if (!sizeMatch) fail(`--size must be WIDTHxHEIGHT in pixels (e.g. 3840x2160), got '${flags.size}'`);
const WIDTH = Number(sizeMatch![1]);
const HEIGHT = Number(sizeMatch![2]);
const SECONDS = Math.max(5, numberFlag('render', 'seconds', flags.seconds, 12));
const TOKENS = Math.max(0, Math.round(numberFlag('render', 'tokens', flags.tokens, PLANT === 'large' ? 20_000 : 5000)));
/** pixi's renderer for the Floor: 'canvas' (the app's default) or 'webgl' (`--renderer webgl`). */
if (flags.renderer !== undefined && flags.renderer !== 'canvas' && flags.renderer !== 'webgl') fail(`--renderer must be canvas or webgl, got '${flags.renderer}'`);
const RENDERER = flags.renderer === 'webgl' ? 'webgl' : 'canvas';
const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist/renderer/index.html'))) {
  console.error('bench render: dist/renderer is missing; run `npm run build` first.');
  process.exit(2);
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]! : NaN;
};

const dir = mkdtempSync(join(tmpdir(), 'takt-bench-render-'));
const plantFile = join(dir, 'synthetic-plant.yaml');
const plant = benchPlant(PLANT);
writeFileSync(plantFile, `# generated by bench/_plants.ts (${PLANT}, seed 1)\n${JSON.stringify(plant, null, 1)}\n`);
const bm = await startBrowserMode({ port: 0, dataDir: join(dir, 'data'), plantFile, simulator: false, speed: 60, quiet: true });
const [serverSide, clientSide] = memoryTransportPair();
bm.core.connect(serverSide, SYSTEM_CALLER);
const client = new ProtocolClient(clientSide);
const lineIds = plant.areas.flatMap((a) => a.lines);
const machineIds = lineIds.flatMap((l) => l.machines.map((m) => m.id));

let seq = 0;
const info = await client.call('core.info');
const clock0 = { plant: info.clock.now, real: Date.now(), speed: info.clock.speed };
const sig = (type: string, body: object) => {
  const t = Math.round(clock0.plant + (Date.now() - clock0.real) * clock0.speed);
  seq++;
  return { id: `r-${seq}`, source: 'bench-render', seq, eventTime: t, receiveTime: t, type, ...body };
};
const state = new Map<string, string>();
// Start: every machine running, every line with WIP (1.6 × what its share of the tokens stands
// for, at 10 units a token, in; nothing out yet).
const wipStart = Math.max(2000, Math.ceil((TOKENS / lineIds.length) * 10 * 1.6));
await client.call('signals.ingest', { signals: machineIds.map((m) => (state.set(m, 'running'), sig('machine.state', { machine: m, state: 'running' }))) });
await client.call('signals.ingest', { signals: lineIds.map((l) => sig('production.count', { machine: l.machines[0]!.id, good: wipStart, scrap: 0 })) });
/** Machine-state flips per burst: 8 per 40 lines. */
const FLIPS = Math.max(1, Math.round((8 * lineIds.length) / 40));

/** When the core pushed the delta carrying each marker (this in-process subscriber gets it in the same task as the consoles). */
const pushed = new Map<string, number>();
client.subscribe('twin.deltas', (item) => {
  if (!('delta' in item)) return;
  const t = Date.now();
  for (const m of item.delta.machines ?? []) if (m.reason?.startsWith('mark-') && !pushed.has(m.reason)) pushed.set(m.reason, t);
});

const flips = ['running', 'starved', 'blocked'] as const;
let burst = 0;
let marker = 0;
const sent = new Map<string, { send: number; accepted: number }>();
let streaming = true;
const stream = (async () => {
  let next = Date.now();
  while (streaming && !process.env.TAKT_BENCH_NOSTREAM) {
    burst++;
    const signals: object[] = [];
    for (const l of lineIds) {
      signals.push(sig('production.count', { machine: l.machines[0]!.id, good: 6, scrap: 0 }));
      signals.push(sig('production.count', { machine: l.machines[l.machines.length - 1]!.id, good: 6, scrap: 0 }));
    }
    for (let i = 0; i < FLIPS; i++) {
      // Middle machines (2..4) of lines picked round-robin; markers use machine 1 of each line.
      const m = lineIds[(burst * FLIPS + i) % lineIds.length]!.machines[1 + ((burst + i) % 3)]!.id;
      const s = flips[(burst + i) % 3]!;
      state.set(m, s);
      signals.push(sig('machine.state', { machine: m, state: s }));
    }
    let mark: string | null = null;
    if (burst % 4 === 0) {
      const m = lineIds[marker % lineIds.length]!.machines[0]!.id;
      const s = state.get(m) === 'running' ? 'blocked' : 'running';
      state.set(m, s);
      mark = `mark-${++marker}`;
      signals.push(sig('machine.state', { machine: m, state: s, reason: mark }));
    }
    const t0 = Date.now();
    const r = await client.call('signals.ingest', { signals });
    if (r.rejected.length) throw new Error(`bench signals rejected: ${JSON.stringify(r.rejected[0])}`);
    if (mark) sent.set(mark, { send: t0, accepted: Date.now() });
    next += 50;
    await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
  }
})();

// Chromium as it runs on a machine without a GPU (CHROMIUM_ARGS, as the e2e tests): WebGL on
// SwiftShader, page raster and compositing on its CPU paths (chrome://gpu: "Compositing: Software
// only"). `--swiftshader-compositing` instead promotes SwiftShader to the GPU for everything
// (`--use-angle=swiftshader --ignore-gpu-blocklist`): the compositor then draws every full-HD frame
// through an emulated GPU too.
const swiftshaderCompositing = flags['swiftshader-compositing'] === true;
const chromiumArgs = swiftshaderCompositing
  ? [...CHROMIUM_ARGS.map((a) => (a === '--use-angle=swiftshader-webgl' ? '--use-angle=swiftshader' : a)), '--ignore-gpu-blocklist']
  : CHROMIUM_ARGS;
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
let failed: string | null = null;
let result: Record<string, unknown> = {};
try {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT } });
  await signedIn(bm.auth, bm.url).signIn(context, 'A-001');
  const page = await context.newPage();
  // Per-frame main-thread JS: time spent inside requestAnimationFrame callbacks (pixi's ticker:
  // delta drain, token updates, scene-graph walk and WebGL command submission).
  await page.addInitScript(`(() => {
    const raf = window.requestAnimationFrame.bind(window);
    // frames: per frame (callbacks sharing one rAF timestamp), the ms of all its callbacks.
    const acc = (window.__benchRaf = { ms: 0, n: 0, t: -1, frames: [] });
    window.requestAnimationFrame = (cb) => raf((t) => {
      const t0 = performance.now();
      try { cb(t); } finally {
        const ms = performance.now() - t0;
        acc.ms += ms; acc.n++;
        if (t !== acc.t) { acc.t = t; acc.frames.push(ms); } else acc.frames[acc.frames.length - 1] += ms;
      }
    });
  })()`);
  // Latency stages: when the WebSocket frame that carries a marker reaches the page (its message
  // event), so a slow marker shows whether it waited before the page (core, socket) or in it (frame).
  await page.addInitScript(`(() => {
    const arrived = (window.__benchArrived = new Map());
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (e) => {
          if (typeof e.data !== 'string' || !e.data.includes('mark-')) return;
          const t = Date.now();
          for (const m of e.data.matchAll(/"(mark-[0-9]+)"/g)) if (!arrived.has(m[1])) arrived.set(m[1], t);
        });
      }
    };
  })()`);
  const cdpBrowser = await browser.newBrowserCDPSession();
  /** CPU seconds per Chromium process type (renderer, GPU process running SwiftShader, browser). */
  const cpu = async () => {
    const { processInfo } = (await cdpBrowser.send('SystemInfo.getProcessInfo' as never)) as unknown as { processInfo: { type: string; cpuTime: number }[] };
    const out: Record<string, number> = {};
    for (const p of processInfo) out[p.type] = (out[p.type] ?? 0) + p.cpuTime;
    return out;
  };
  await page.goto(`${bm.url}?tokens=${TOKENS}&renderer=${RENDERER}${process.env.TAKT_BENCH_QUERY ?? ''}`);
  await page.waitForFunction((n) => (window.__takt?.tokens ?? 0) >= n && window.__takt!.frames > 10, TOKENS, { timeout: 60_000, polling: 100 });
  const gl = await page.evaluate(() => {
    const c = document.createElement('canvas').getContext('webgl2');
    const ext = c?.getExtension('WEBGL_debug_renderer_info');
    return { pixi: window.__takt!.renderer, renderer: c && ext ? String(c.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'none' };
  });
  if (gl.pixi !== RENDERER) throw new Error(`the scene asked for pixi's ${RENDERER} renderer runs on '${gl.pixi}' (WebGL here: ${gl.renderer})`);
  await page.waitForTimeout(1500); // settle
  if (flags.screenshot) await page.screenshot({ path: flags.screenshot }); // to look at what is measured
  if (flags.profile) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    await page.waitForTimeout(4000);
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }[] } };
    const self = new Map<string, number>();
    for (const n of profile.nodes) {
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
      self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
    }
    console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v}\t${k}`).join('\n'));
  }
  if (flags.trace) {
    // Chromium trace: where the GPU process (SwiftShader) and the renderer spend their time.
    await browser.startTracing(page, { categories: ['gpu', 'viz', 'cc', 'toplevel', 'blink', 'v8', 'disabled-by-default-devtools.timeline'] });
    await page.waitForTimeout(3000);
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: { name: string; ph: string; dur?: number; pid: number; tid: number; cat: string }[] };
    const names = new Map<string, string>();
    for (const e of trace.traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, (e as unknown as { args: { name: string } }).args.name);
    const self = new Map<string, number>();
    for (const e of trace.traceEvents) {
      if (e.ph !== 'X' || !e.dur) continue;
      const k = `${names.get(`${e.pid}:${e.tid}`) ?? e.tid} ${e.name}`;
      self.set(k, (self.get(k) ?? 0) + e.dur / 1000);
    }
    console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${v.toFixed(0)}ms\t${k}`).join('\n'));
  }
  const before = await page.evaluate(() => ({ deltas: window.__takt!.deltasApplied, marks: window.__takt!.marks.length }));
  const rafBefore = (await page.evaluate('({ ms: window.__benchRaf.ms, n: window.__benchRaf.frames.length })')) as { ms: number; n: number };
  const cpuBefore = await cpu();
  // A string, not a function: tsx would wrap named helpers in a __name() the page does not have.
  const intervals = (await page.evaluate(`new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const end = last + ${SECONDS * 1000};
    const tick = (t) => { out.push(t - last); last = t; if (t < end) requestAnimationFrame(tick); else resolve(out); };
    requestAnimationFrame(tick);
  })`)) as number[];
  const cpuAfter = await cpu();
  const rafAfter = (await page.evaluate('({ ms: window.__benchRaf.ms, n: window.__benchRaf.frames.length })')) as { ms: number; n: number };
  // The last frame may still be open (more callbacks to come): leave it out.
  const frameMs = (await page.evaluate(`window.__benchRaf.frames.slice(${rafBefore.n}, ${rafAfter.n - 1})`)) as number[];
  const after = await page.evaluate(() => ({ deltas: window.__takt!.deltasApplied, marks: window.__takt!.marks.slice(), tokens: window.__takt!.tokens }));
  const arrived = new Map((await page.evaluate('[...window.__benchArrived]')) as [string, number][]);
  const lat: number[] = [];
  const latAcc: number[] = [];
  /** Per marker: send → accepted (ingest call), accepted → in the page (push, socket), in the page → drawn. */
  const stages = { ingest: [] as number[], to_push: [] as number[], to_page: [] as number[], in_page: [] as number[] };
  for (const [reason, at] of after.marks.slice(before.marks)) {
    const s = sent.get(reason);
    if (!s) continue;
    lat.push(at - s.send);
    latAcc.push(at - s.accepted);
    const got = arrived.get(reason);
    if (got === undefined) continue;
    const push = pushed.get(reason);
    if (push === undefined) continue;
    stages.ingest.push(s.accepted - s.send);
    stages.to_push.push(push - s.accepted);
    stages.to_page.push(got - push);
    stages.in_page.push(at - got);
  }
  const frames = intervals.slice(1);
  const nFrames = Math.max(1, frames.length);
  const perFrame = (type: string) => Math.round((((cpuAfter[type] ?? 0) - (cpuBefore[type] ?? 0)) * 1000 * 10) / nFrames) / 10;
  const cpuPerFrame = Object.fromEntries(Object.keys(cpuAfter).map((t) => [t, perFrame(t)]));
  result = {
    fps_p50: Math.round((1000 / q(frames, 0.5)) * 10) / 10,
    frame_ms_p50: Math.round(q(frameMs, 0.5) * 10) / 10,
    frame_ms_p95: Math.round(q(frameMs, 0.95) * 10) / 10,
    fps_p5: Math.round((1000 / q(frames, 0.95)) * 10) / 10,
    latency_p95_ms: Math.round(q(lat, 0.95)),
    latency_p50_ms: Math.round(q(lat, 0.5)),
    latency_from_accept_p95_ms: Math.round(q(latAcc, 0.95)),
    latency_stages_ms: Object.fromEntries(Object.entries(stages).map(([k, xs]) => [k, { p50: Math.round(q(xs, 0.5)), p95: Math.round(q(xs, 0.95)) }])),
    samples: lat.length,
    frames: frames.length,
    deltas_applied: after.deltas - before.deltas,
    tokens_drawn: after.tokens,
    seconds: SECONDS,
    pixi_renderer: gl.pixi,
    webgl_renderer: gl.renderer,
    compositing: swiftshaderCompositing ? 'swiftshader' : 'software',
    // CPU ms per drawn frame: JS in the page's rAF callbacks, and each Chromium process over the window.
    raf_js_ms_per_frame: Math.round(((rafAfter.ms - rafBefore.ms) / nFrames) * 10) / 10,
    cpu_ms_per_frame: cpuPerFrame,
    // CPU ms per second of the window, per process: what the page costs whatever frame rate it got.
    cpu_ms_per_s: Object.fromEntries(Object.keys(cpuAfter).map((t) => [t, Math.round((((cpuAfter[t] ?? 0) - (cpuBefore[t] ?? 0)) * 1000) / SECONDS)])),
  };
  if (lat.length < 10) throw new Error(`only ${lat.length} latency samples`);
} catch (e) {
  failed = (e as Error).message;
} finally {
  streaming = false;
  await stream.catch(() => undefined);
  await browser.close();
  await bm.close();
  rmSync(dir, { recursive: true, force: true });
}
const load = loadavg().map((x) => Math.round(x * 100) / 100);
console.log(JSON.stringify({ bench: 'render', detail: true, plant: PLANT, ...result, load_after: load, ...(failed ? { error: failed } : {}) }));
const num = (k: string) => (Number.isFinite(Number(result[k] ?? NaN)) ? Number(result[k]) : null);
const fps = num('fps_p50');
const lat95 = num('latency_p95_ms');
console.log(
  JSON.stringify({
    bench: 'render',
    plant: PLANT,
    machines: machineIds.length,
    lines: lineIds.length,
    halls: plant.areas.length,
    tokens: TOKENS,
    tokens_drawn: result.tokens_drawn ?? null,
    width: WIDTH,
    height: HEIGHT,
    fps_p50: fps,
    frame_ms_p50: num('frame_ms_p50'),
    frame_ms_p95: num('frame_ms_p95'),
    latency_p95_ms: lat95,
    load_avg: load,
    budgets: { fps_p50_min: 50, latency_p95_ms_max: 100 },
    within_budget: fps !== null && lat95 !== null && fps >= 50 && lat95 <= 100,
    ...(failed ? { error: failed } : {}),
  }),
);
process.exit(failed ? 1 : 0);
