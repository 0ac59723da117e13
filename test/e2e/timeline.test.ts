/**
 * The execution timeline against the real core, run accelerated (×600):
 * - the timeline view draws bars for every line of the demo plant;
 * - the time cursor: clicking a past instant on the chart makes the floor show the twin at that
 *   instant (banner "VIEWING …", the line table shows a breakdown that is over by now), and `L`
 *   returns to live;
 * - the KPIs of one line (kpi.get, via the protocol) match a hand check computed here, independently,
 *   from the journaled signals (the journal opened read-only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchChromium, SETUP_TIMEOUT_MS, watchPage, VIEWER } from './browser';
import { startTestCore, type RunningCore } from './core';
import { connectClient, signalMaker } from './signals';
import { openJournal } from '../../main/core/persistence/journal';
import type { Signal } from '../../shared/signals/schema';

let core: RunningCore;
let browser: Browser;
let client: Awaited<ReturnType<typeof connectClient>>;
const M = 60_000;

beforeAll(async () => {
  core = await startTestCore({ speed: 600 });
  browser = await launchChromium();
  client = await core.connect();
});
afterAll(async () => {
  client?.close();
  await browser?.close();
  await core?.close();
});

async function axe(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

async function plantTime(): Promise<number> {
  return Math.floor((await client.call('core.info')).clock.now);
}
async function waitPlant(ms: number): Promise<void> {
  const until = (await plantTime()) + ms;
  while ((await plantTime()) < until) await new Promise((r) => setTimeout(r, 250));
}

describe('execution timeline', () => {
  it('shows bars per line; the cursor makes the floor show the past; L returns to live', async () => {
    const plant = await client.call('plant.get');
    const lines = plant.areas.flatMap((a) => a.lines);
    const line = lines[lines.length - 1]!;
    const machine = line.machines[0]!.id;
    await waitPlant(60 * M);
    // A breakdown of ~20 plant minutes that is over by the time we look back at it. The MES reports it
    // again every plant minute (as real ones repeat states), because the embedded simulator, which
    // drives the same machines, may set the machine running meanwhile (e.g. when the line starts its
    // next order); the instant we look back at is the middle of the longest stretch it was down for us.
    const sig = await signalMaker(client, 'e2e-timeline');
    const down = sig.make('machine.state', { machine, state: 'down', reason: 'e2e past breakdown' });
    await sig.send([down]);
    const downUntil = (await plantTime()) + 20 * M;
    while ((await plantTime()) < downUntil) {
      await new Promise((r) => setTimeout(r, 50));
      await sig.send([sig.make('machine.state', { machine, state: 'down', reason: 'e2e past breakdown' })]);
    }
    await sig.sync();
    await sig.send([sig.make('machine.state', { machine, state: 'running' })]);
    await waitPlant(30 * M);
    const ours = (await client.call('timeline.get', { from: down.eventTime - M, to: await plantTime() })).bars
      .filter((b) => b.lineId === line.id && b.kind === 'down' && b.reason === 'e2e past breakdown' && !b.open)
      .sort((a, b) => (b.end - b.start) - (a.end - a.start));
    expect(ours.length, 'the breakdown is on the timeline').toBeGreaterThan(0);
    const longest = ours[0]!;
    expect(longest.end - longest.start, 'a stretch of the breakdown long enough to click on').toBeGreaterThan(6 * M);
    const mid = Math.round((longest.start + longest.end) / 2);
    const past = await client.call('twin.view', { at: mid });
    expect(past.lines.find((l) => l.id === line.id)?.status).toBe('down');

    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });

    await core.signIn(context, VIEWER);
    const page = await context.newPage();
    const watch = watchPage(page);
    try {
      await page.goto(`${core.url}#/timeline`);
      await page.waitForFunction((n) => (window.__taktTimeline?.bars ?? 0) > n, lines.length, { timeout: SETUP_TIMEOUT_MS });
      const tl = page.getByTestId('timeline');
      await expect(tl.getAttribute('data-lines')).resolves.toBe(String(lines.length));
      // Bars for every line: ask the same data the view drew.
      const now = await plantTime();
      const data = await client.call('timeline.get', { from: now - 12 * 60 * M, to: now });
      for (const l of lines) expect(data.bars.filter((b) => b.lineId === l.id && b.kind === 'run').length, `run bars on ${l.id}`).toBeGreaterThan(0);
      expect(data.bars.some((b) => b.kind === 'down' && b.reason === 'e2e past breakdown' && b.lineId === line.id)).toBe(true);

      // Scrub: click the chart at `mid`.
      const x = await page.evaluate((t) => window.__taktTimeline!.timeToClientX(t), mid);
      const box = (await page.locator('.gantt-canvas').boundingBox())!;
      await page.mouse.click(x, box.y + 10);
      const banner = page.getByTestId('travel-banner');
      await banner.waitFor({ timeout: 10_000 });
      expect(((await banner.textContent()) ?? "").replace(/\s+/g, " ")).toMatch(/VIEWING .* — press L for live/);
      const at = Number(await banner.getAttribute('data-at'));
      // Accessible with data, KPIs and the banner on screen.
      await page.getByTestId('kpi-oee').waitFor();
      expect(await axe(page)).toEqual([]);
      expect(Math.abs(at - mid), `cursor at ${new Date(at).toISOString()} vs ${new Date(mid).toISOString()}`).toBeLessThan(3 * M);

      // The floor shows the twin at that instant: the breakdown that is over by now.
      await page.keyboard.press('1');
      const row = page.locator(`[data-testid="line-table"] tr[data-line="${line.id}"]`);
      await page.waitForFunction((id) => document.querySelector(`[data-testid="line-table"] tr[data-line="${id}"]`)?.getAttribute('data-status') === 'down', line.id, { timeout: 10_000 });
      await expect(page.getByTestId('travel-banner').isVisible()).resolves.toBe(true);
      // Live, that breakdown is over (the simulator may have stopped the line again since, for another reason).
      const liveNow = await client.call('twin.view');
      const liveMachine = liveNow.machines.find((m) => m.id === machine);
      expect(liveMachine?.state === 'down' && liveMachine.reason === 'e2e past breakdown').toBe(false);

      // L: back to live (banner gone, the table follows the live twin again).
      await page.keyboard.press('l');
      await page.getByTestId('travel-banner').waitFor({ state: 'detached', timeout: 10_000 });
      // The row follows the live twin again: its status is the live line's (which is 'down' only when
      // the simulator stopped the line since, for another reason than the past breakdown).
      await expect
        .poll(async () => {
          const live = (await client.call('twin.view')).lines.find((l) => l.id === line.id)?.status;
          return (await row.getAttribute('data-status')) === live ? 'live' : 'past';
        }, { timeout: 10_000 })
        .toBe('live');
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('KPIs of one line match a hand check from the journaled signals', async () => {
    const plant = await client.call('plant.get');
    const lines = plant.areas.flatMap((a) => a.lines);
    // A shift that began a plant minute ago may have no counts yet: let it run 30 minutes first.
    await (await core.as(VIEWER)).call('clock.setSpeed', { speed: 600 });
    const shiftFrom = (await client.call('kpi.get', { scope: 'plant', period: 'shift' })).period.from;
    const into = (await plantTime()) - shiftFrom;
    if (into < 30 * M) await waitPlant(30 * M - into);
    await (await core.as(VIEWER)).call('clock.setSpeed', { speed: 1 }); // hold still-ish while we compare
    // The first line that counted something this shift (the simulator may have one down all along).
    let line = lines[0]!;
    let k = await client.call('kpi.get', { scope: 'line', id: line.id, period: 'shift' });
    for (const l of lines.slice(1)) {
      if (k.quantities.gq + k.quantities.sq > 0) break;
      line = l;
      k = await client.call('kpi.get', { scope: 'line', id: l.id, period: 'shift' });
    }
    const machines = line.machines.map((m) => m.id);
    const last = machines[machines.length - 1]!;
    const { startTime } = await client.call('timeline.get', { from: k.now - M, to: k.now });
    // The pipeline delivers to the twin only what the writer thread has committed, so the journal
    // file already holds every signal the KPIs were computed from.
    const applied = (await client.call('core.info')).journal.position;

    // Hand check: replay the journal for this line only.
    const from = Math.max(k.period.from, startTime);
    const to = Math.min(k.period.to, k.now);
    const journal = openJournal(join(core.dataDir, 'journal.sqlite'), { readonly: true });
    expect(journal.lastPosition).toBeGreaterThanOrEqual(applied);
    const worstOrder = ['down', 'cleaning', 'changeover', 'blocked', 'starved', 'unknown', 'running', 'idle'];
    const state = new Map<string, string>();
    let lineState = 'idle';
    let since = startTime;
    let running = 0;
    let good = 0;
    let scrap = 0;
    const clip = (a: number, b: number) => Math.max(0, Math.min(b, to) - Math.max(a, from));
    try {
      for (const row of journal.readFrom(1)) {
        const s = row.signal as Signal;
        if (s.eventTime > k.now) break;
        if (s.type === 'machine.state' && machines.includes(s.machine)) {
          state.set(s.machine, s.state);
          const worst = [...state.values()].sort((a, b) => worstOrder.indexOf(a) - worstOrder.indexOf(b))[0]!;
          const t = Math.max(s.eventTime, since);
          if (worst !== lineState) {
            if (lineState === 'running') running += clip(since, t);
            lineState = worst;
            since = t;
          }
        } else if (s.type === 'production.count' && machines.includes(s.machine) && s.eventTime >= from && s.eventTime < to) {
          if (s.machine === last) good += s.good;
          scrap += s.scrap;
        }
      }
    } finally {
      journal.close();
    }
    if (lineState === 'running') running += clip(since, to);
    expect(k.quantities.pbtMs).toBe(to - from);
    expect(good + scrap, 'the line produced something in the shift').toBeGreaterThan(0);
    expect(k.quantities.gq).toBe(good);
    expect(k.quantities.sq).toBe(scrap);
    expect(k.quantities.aptMs).toBe(running);
    expect(k.iso.availability.value!).toBeCloseTo(running / (to - from), 9);
    expect(k.iso.qualityRatio.value!).toBeCloseTo(good / (good + scrap), 9);
    expect(k.iso.scrapRatio.value!).toBeCloseTo(scrap / (good + scrap), 9);
  });
});
