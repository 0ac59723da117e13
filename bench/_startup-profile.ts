/**
 * One startup run with a CPU profile of the page (CDP) and the page's marks, for finding where the
 * time to the first live frame goes. Not a benchmark (profiling slows the page):
 *   npx tsx bench/_startup-profile.ts OUT.cpuprofile
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../test/e2e/browser';
import { openSessionStore, SESSION_COOKIE } from '../main/core/auth/session-store';

const root = join(import.meta.dirname, '..');
const out = process.argv[2] ?? 'startup.cpuprofile';
const browser = await launchChromium();
const dataDir = mkdtempSync(join(tmpdir(), 'takt-startup-prof-'));
const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
// Signed in before the core starts, as the startup bench is.
const session = openSessionStore(dataDir).create({ personId: 'A-001', via: 'password' }).cookie;
await context.addCookies([{ name: SESSION_COOKIE, value: session, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
const launch = Date.now();
const child = spawn(process.execPath, [...(process.env.CORE_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CORE_PROF}`] : []), join(root, 'bin', 'takt.mjs'), 'serve', '--port', '0', '--data', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((res) => {
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const m = /(https?:\/\/\S+)/.exec(buf);
    if (m) res(m[1]!);
  });
});
const urlAt = Date.now() - launch;
await cdp.send('Profiler.start');
await page.goto(url, { waitUntil: 'commit' });
await page.waitForFunction(() => window.__takt?.firstLiveFrameAt != null, null, { timeout: 30_000, polling: 10 });
const { profile } = await cdp.send('Profiler.stop');
writeFileSync(out, JSON.stringify(profile));
const marks = await page.evaluate(() => {
  const o = performance.timeOrigin;
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
  const res = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => [r.name.replace(/^https?:\/\/[^/]+/, ''), Math.round(o + r.startTime), Math.round(o + r.responseEnd)]);
  const m = performance.getEntriesByType('mark').map((e) => [e.name, Math.round(o + e.startTime)]);
  return { o, dcl: Math.round(o + nav.domContentLoadedEventEnd), resEnd: Math.round(o + nav.responseEnd), res, m, live: Math.round(o + window.__takt!.firstLiveFrameAt!) };
});
const rel = (t: number) => t - launch;
console.log(`url ${urlAt}  nav-response ${rel(marks.resEnd)}  dcl ${rel(marks.dcl)}  live ${rel(marks.live)}`);
for (const [n, s, e] of marks.res as [string, number, number][]) console.log(`  res ${n} ${rel(s)}..${rel(e)}`);
for (const [n, t] of marks.m as [string, number][]) console.log(`  mark ${n} ${rel(t)}`);
console.log(`profile start ${Math.round((profile.startTime / 1000))} (µs clock)`);
child.kill('SIGTERM');
await context.close();
await browser.close();
rmSync(dataDir, { recursive: true, force: true });
