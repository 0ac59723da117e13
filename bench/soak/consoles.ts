/**
 * Two consoles open in Chromium for the whole soak. Each page records, in the page itself, every
 * change of its connection badge (and whether it shows the core's "not accepting signals" banner),
 * with the time it saw it: reconnect times are read from there, measured where a person sees them.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SETUP_TIMEOUT_MS, watchPage } from '../../test/e2e/browser';

export interface ConsoleEvent {
  t: number;
  status: string;
  paused: boolean;
}

export interface Consoles {
  /** Every change each page saw so far. */
  events(): Promise<ConsoleEvent[][]>;
  /** Whether any page shows the ingest-paused banner now. */
  showsPaused(): Promise<boolean>;
  errors(): string[];
  close(): Promise<void>;
}

const TRACK = () => {
  const w = window as unknown as { __soak?: { t: number; status: string; paused: boolean }[] };
  w.__soak = [];
  let last = '';
  setInterval(() => {
    const status = document.querySelector('[data-testid="connection"]')?.getAttribute('data-status') ?? 'none';
    const paused = document.querySelector('[data-testid="ingest-paused"]') !== null;
    const key = `${status} ${paused}`;
    if (key !== last) {
      last = key;
      w.__soak!.push({ t: Date.now(), status, paused });
    }
  }, 50);
};

/** `session`: the session cookie the pages sign in with (browser mode lets nobody in anonymously). */
export async function openConsoles(url: string, n = 2, session?: string): Promise<Consoles> {
  const browser: Browser = await launchChromium();
  const pages: Page[] = [];
  const errs: { errors: string[] }[] = [];
  for (let i = 0; i < n; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (session) await context.addCookies([{ name: 'takt_session', value: session, url, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    errs.push(watchPage(page));
    await page.goto(url, { timeout: SETUP_TIMEOUT_MS });
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: 60_000 });
    await page.evaluate(TRACK);
    pages.push(page);
  }
  return {
    events: () => Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { __soak: ConsoleEvent[] }).__soak.slice()))),
    async showsPaused() {
      for (const p of pages) if ((await p.locator('[data-testid="ingest-paused"]').count()) > 0) return true;
      return false;
    },
    errors: () => errs.flatMap((e) => e.errors),
    close: () => browser.close(),
  };
}

/**
 * For each restart (`down`: when the core was killed, `back`: when it answered health again), how
 * long each page took to show "open" after the core was back (0 when it already had: browser mode
 * serves the socket a little before health says ok). A page with no "open" within `limitMs` is
 * counted in `missed` (and as `limitMs` in `times`, so the percentile shows it).
 */
export function reconnectTimes(events: readonly ConsoleEvent[][], restarts: readonly { down: number; back: number }[], limitMs: number): { times: number[]; missed: number } {
  const times: number[] = [];
  let missed = 0;
  for (const page of events) {
    for (const r of restarts) {
      const open = page.find((e) => e.status === 'open' && e.t > r.down);
      if (!open || open.t - r.back > limitMs) {
        missed++;
        times.push(limitMs);
      } else times.push(Math.max(0, open.t - r.back));
    }
  }
  return { times, missed };
}
