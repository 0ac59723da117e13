/**
 * Times as people read them: in the plant's time zone (the plant file's `site.timezone`), in one
 * format everywhere (console, exception and option texts, constraint checks, receipts, audit,
 * reports, CLI). A person on the floor compares what the screen says with the clock on the wall,
 * so a text in UTC beside a header in plant time reads as two clocks.
 *
 * The forms, all 24-hour:
 *   clock     `21:55`
 *   day       `Mon 21:55`              (the standard form: the console's tables and panels)
 *   relative  `21:55` on the same plant day as a reference, else `Tue 01:16`
 *   full      `Mon 07 Dec 2026 21:55`  (records that outlive the week: receipts, audit, reports)
 *
 * Pure: Intl only, no wall clock. An unknown zone falls back to UTC and says so in `zone`.
 */

export interface PlantTimeFormat {
  /** The IANA zone actually used (UTC when the plant's was not a known zone). */
  readonly zone: string;
  clock(t: number): string;
  day(t: number): string;
  relative(t: number, ref?: number): string;
  full(t: number): string;
  /** The plant calendar day of `t` as `YYYY-MM-DD` (for comparing days). */
  date(t: number): string;
  /** The zone's short name at `t` (`CET`, `CEST`, `UTC`, or `GMT+1` where Intl has no name). */
  zoneName(t: number): string;
}

interface Parts {
  weekday: string;
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
}

const cache = new Map<string, PlantTimeFormat>();

function knownZone(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** The formatter for a plant's time zone (cached per zone). */
export function plantTime(timeZone: string | undefined): PlantTimeFormat {
  const zone = knownZone(timeZone);
  const hit = cache.get(zone);
  if (hit) return hit;
  // hourCycle h23: en-GB with hour12 false may print midnight as 24:00 in some engines.
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const num = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const zn = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' });
  const parts = (t: number): Parts => {
    const p: Record<string, string> = {};
    for (const x of f.formatToParts(t)) p[x.type] = x.value;
    return { weekday: p.weekday ?? '', day: p.day ?? '', month: p.month ?? '', year: p.year ?? '', hour: p.hour ?? '', minute: p.minute ?? '' };
  };
  const date = (t: number): string => {
    const p: Record<string, string> = {};
    for (const x of num.formatToParts(t)) p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day}`;
  };
  const ok = (t: number) => Number.isFinite(t);
  const clock = (t: number) => {
    if (!ok(t)) return '—';
    const p = parts(t);
    return `${p.hour}:${p.minute}`;
  };
  const day = (t: number) => {
    if (!ok(t)) return '—';
    const p = parts(t);
    return `${p.weekday} ${p.hour}:${p.minute}`;
  };
  const fmt: PlantTimeFormat = {
    zone,
    clock,
    day,
    relative: (t, ref) => (ok(t) && ref !== undefined && ok(ref) && date(t) !== date(ref) ? day(t) : clock(t)),
    full: (t) => {
      if (!ok(t)) return '—';
      const p = parts(t);
      return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}`;
    },
    date: (t) => (ok(t) ? date(t) : ''),
    zoneName: (t) => (ok(t) ? (zn.formatToParts(t).find((x) => x.type === 'timeZoneName')?.value ?? zone) : zone),
  };
  cache.set(zone, fmt);
  return fmt;
}

/**
 * Elapsed time for people: whole minutes below an hour (`3 min`), then hours and minutes
 * (`2 h 05 min`). Rounded: a reading of 2.966 min is "3 min".
 */
export function elapsed(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * A quantity for people: thousands separated, decimals only where they mean something (up to 2
 * below 100, 1 below 10,000, none above). `62013.515` → `62,014`; `0.125` → `0.13`.
 */
export function quantity(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  const digits = a >= 10_000 ? 0 : a >= 100 ? 1 : 2;
  const s = n.toLocaleString('en-GB', { maximumFractionDigits: digits });
  return s === '-0' ? '0' : s;
}
