/**
 * Startup: from launching browser mode to the console's first live frame.
 *
 *   npx tsx bench/startup.ts [--json] [--runs N] [--renderer canvas|webgl]      (npm run bench -- startup)
 *
 * Each run: spawn `node bin/takt.mjs serve --port 0` with a fresh data folder (a cold core: new
 * journal, fresh twin), wait for it to print its URL, open the page in a fresh Chromium context, and
 * wait for the first live frame: the Floor scene has drawn a twin delta AND rendered a frame after it
 * (window.__takt.firstLiveFrameAt). Time is measured from the spawn to that frame, on the same clock
 * (performance.timeOrigin + firstLiveFrameAt in the page vs Date.now() here).
 *
 * Chromium itself is launched once before the runs and warmed with one WebGL page (a console's
 * browser is already running); that cost is not in the numbers. The Floor draws with pixi's Canvas
 * renderer (the app's default); `--renderer webgl` opens the page with `?renderer=webgl` instead.
 * Needs `npm run build` first.
 * Prints one JSON object per run, then the summary line. Budget: p50 ≤ 3000 ms.
 *
 * What sign-in costs the first live frame: `--baseline DIR` names a built checkout from before
 * sign-in (e.g. a worktree at the commit before it, with `npm run build` done there). Each run then
 * starts that tree's `takt serve` too, the two alternating which goes first, and the summary adds
 * `baseline_first_frame_ms_p50` and `signin_cost_ms` (this tree's p50 minus the baseline's): the
 * session check on the page, its files and its socket, plus whatever else changed between the two
 * trees. Budget for it: ≤ 150 ms. `server_cpu_ms` (each run) and `signin_server_cpu_ms` (the
 * difference of the p50s) are the server process's CPU time to the first live frame, read from
 * /proc: on a busy machine the wall-clock difference is mostly other processes' doing, this is not. Interleaving keeps a machine's changing load from landing on one
 * side; on a busy machine the spread of the runs says how far to trust the difference.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from '../test/e2e/browser';
import { benchArgs, numberFlag } from './_args';
import { openSessionStore, SESSION_COOKIE } from '../main/core/auth/session-store';

const BUDGET_MS = 3000;
const args = benchArgs('startup', { runs: { type: 'string' }, renderer: { type: 'string' }, baseline: { type: 'string' } });
const RUNS = Math.max(1, numberFlag('startup', 'runs', args.runs, 5));
if (args.renderer !== undefined && args.renderer !== 'canvas' && args.renderer !== 'webgl') {
  console.error(`bench startup: --renderer must be 'canvas' or 'webgl', got '${args.renderer}'`);
  process.exit(2);
}
const QUERY = args.renderer === 'webgl' ? '?renderer=webgl' : '';
const root = join(import.meta.dirname, '..');

const SIGNIN_BUDGET_MS = 150;
const baselineRoot = args.baseline === undefined ? null : resolve(args.baseline);
for (const tree of [root, ...(baselineRoot ? [baselineRoot] : [])]) {
  for (const f of ['bin/takt.mjs', 'dist/cli.mjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(tree, f))) {
      console.error(`bench startup: ${join(tree, f)} is missing; run \`npm run build\` in ${tree} first.`);
      process.exit(2);
    }
  }
}

interface Served {
  url: string;
  readyMs: number;
  /** CPU time (user + system) the server process has used so far, or null off Linux. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

function serve(launchEpoch: number, dataDir: string, tree: string): Promise<Served> {
  const child = spawn(process.execPath, [join(tree, 'bin', 'takt.mjs'), 'serve', '--port', '0', '--data', dataDir], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`takt serve printed no URL within 20 s.\nstdout: ${out}\nstderr: ${err}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(https?:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        readyMs: Date.now() - launchEpoch,
        cpuMs: () => processCpuMs(child.pid),
        async stop() {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`takt serve exited with ${code} before printing its URL.\nstderr: ${err}`));
    });
  });
}

/**
 * A process's CPU time from /proc (Linux): on a loaded machine the wall-clock figures move with
 * the other processes, the CPU the server spent to get the console to its first frame much less.
 */
function processCpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in clock ticks of 10 ms
  } catch {
    return null;
  }
}

// launchChromium also warms it with one WebGL page: Chromium's GPU process starts on the first one.
const browser = await launchChromium();

type Run = { run: number; tree: 'this' | 'baseline'; first_frame_ms: number; server_ready_ms: number; server_cpu_ms: number | null };

/** One cold start of `tree`'s browser mode to the console's first live frame. */
async function once(run: number, tree: string, label: Run['tree']): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'takt-bench-startup-'));
  // The console's browser tab is open before browser mode is launched (as on a wall display waiting
  // for its server); a fresh context each run, so nothing is cached between runs.
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  // Signed in before the core starts (a wall display's session outlives a restart): what is measured
  // includes the core checking the session on the page, its files and its WebSocket. (A baseline
  // from before sign-in ignores the cookie.)
  const session = openSessionStore(dataDir).create({ personId: 'A-001', via: 'password' }).cookie;
  await context.addCookies([{ name: SESSION_COOKIE, value: session, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
  const page = await context.newPage();
  const launchEpoch = Date.now();
  let served: Served | null = null;
  try {
    served = await serve(launchEpoch, dataDir, tree);
    await page.goto(served.url + QUERY, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__takt?.firstLiveFrameAt != null, null, { timeout: 30_000, polling: 10 });
    const serverCpu = served.cpuMs();
    // (No named helpers inside: tsx would wrap them in a __name() the page does not have.)
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => /\.(js|css)$/.test(r.name)).map((r) => r.responseEnd);
      return {
        origin: performance.timeOrigin,
        live: window.__takt!.firstLiveFrameAt!,
        html: nav?.responseEnd ?? 0,
        assets: assets.length ? Math.max(...assets) : 0,
        dcl: nav?.domContentLoadedEventEnd ?? 0,
        sceneReady: performance.getEntriesByName('takt:scene-ready')[0]?.startTime ?? null,
        plantBuilt: performance.getEntriesByName('takt:plant-built')[0]?.startTime ?? null,
        frames: window.__takt!.frames,
      };
    });
    const r = {
      run,
      tree: label,
      first_frame_ms: Math.round(m.origin + m.live - launchEpoch),
      server_ready_ms: served.readyMs,
      server_cpu_ms: serverCpu, // the server process's CPU time from spawn to about the first live frame
      html_ms: Math.round(m.origin + m.html - launchEpoch), // the page's HTML received
      assets_ms: Math.round(m.origin + m.assets - launchEpoch), // its first scripts and styles received
      dom_content_loaded_ms: Math.round(m.origin + m.dcl - launchEpoch),
      scene_ready_ms: m.sceneReady === null ? null : Math.round(m.origin + m.sceneReady - launchEpoch),
      plant_built_ms: m.plantBuilt === null ? null : Math.round(m.origin + m.plantBuilt - launchEpoch), // the Floor built from the twin's snapshot
      frames: m.frames,
    };
    console.log(JSON.stringify({ bench: 'startup', ...r }));
    return r;
  } finally {
    await context.close();
    await served?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Run[] = [];
const baseline: Run[] = [];
let failed: string | null = null;
for (let run = 1; run <= RUNS; run++) {
  try {
    // Alternating which tree goes first, so neither always starts on a machine the other just warmed.
    if (baselineRoot && run % 2 === 1) baseline.push(await once(run, baselineRoot, 'baseline'));
    results.push(await once(run, root, 'this'));
    if (baselineRoot && run % 2 === 0) baseline.push(await once(run, baselineRoot, 'baseline'));
  } catch (e) {
    failed = (e as Error).message;
    console.error(`run ${run} failed: ${failed}`);
    break;
  }
}
await browser.close();

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]! : null;
};
const ff = results.map((r) => r.first_frame_ms);
const p50 = q(ff, 0.5);
console.log(
  JSON.stringify({
    bench: 'startup',
    first_frame_ms_p50: p50,
    first_frame_ms_min: ff.length ? Math.min(...ff) : null,
    first_frame_ms_max: ff.length ? Math.max(...ff) : null,
    server_ready_ms_p50: q(results.map((r) => r.server_ready_ms), 0.5),
    server_cpu_ms_p50: q(cpuOf(results), 0.5),
    runs: results.length,
    budget_ms: BUDGET_MS,
    within_budget: p50 !== null && p50 <= BUDGET_MS,
    ...(baselineRoot ? signInCost() : {}),
    ...(failed ? { error: failed } : {}),
  }),
);
process.exit(failed ? 1 : 0);

function cpuOf(runs: Run[]): number[] {
  return runs.map((r) => r.server_cpu_ms).filter((x): x is number => x !== null);
}

/** This tree's first live frame against the baseline's, run for run. */
function signInCost() {
  const b = baseline.map((r) => r.first_frame_ms);
  const bp50 = q(b, 0.5);
  const cost = p50 !== null && bp50 !== null ? p50 - bp50 : null;
  return {
    baseline: baselineRoot,
    baseline_first_frame_ms_p50: bp50,
    baseline_first_frame_ms_min: b.length ? Math.min(...b) : null,
    baseline_first_frame_ms_max: b.length ? Math.max(...b) : null,
    baseline_server_cpu_ms_p50: q(cpuOf(baseline), 0.5),
    signin_cost_ms: cost,
    // The same difference in the server's CPU time: what sign-in adds to the core's work, less moved by the machine's load.
    signin_server_cpu_ms: q(cpuOf(results), 0.5) !== null && q(cpuOf(baseline), 0.5) !== null ? q(cpuOf(results), 0.5)! - q(cpuOf(baseline), 0.5)! : null,
    signin_budget_ms: SIGNIN_BUDGET_MS,
    signin_within_budget: cost !== null && cost <= SIGNIN_BUDGET_MS,
  };
}
