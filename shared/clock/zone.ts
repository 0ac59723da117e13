/**
 * Wall-clock arithmetic in a plant's time zone: shift calendars, maintenance windows and KPI days
 * are written as the floor reads them (`06:00` in Lindenau is 06:00 on the wall, CET or CEST), so
 * every rule that compares an instant with an `HH:MM` goes through here rather than through UTC.
 *
 * Pure: Intl only. Offsets are cached per zone and quarter hour (every real zone changes offset on
 * a quarter-hour boundary), because the simulator and the forecast ask for every event. An unknown
 * zone counts as UTC, like the formatter in `plant-time`.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const QUARTER = 15 * MINUTE;

interface ZoneCache {
  readonly parts: Intl.DateTimeFormat | null;
  readonly offsets: Map<number, number>;
}

const zones = new Map<string, ZoneCache>();

function cacheFor(zone: string | undefined): ZoneCache {
  const key = zone ?? 'UTC';
  let c = zones.get(key);
  if (!c) {
    let parts: Intl.DateTimeFormat | null = null;
    if (key !== 'UTC') {
      try {
        parts = new Intl.DateTimeFormat('en-US', {
          timeZone: key, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
        });
      } catch {
        parts = null;
      }
    }
    c = { parts, offsets: new Map() };
    zones.set(key, c);
  }
  return c;
}

/** Milliseconds to add to a UTC instant to read the zone's wall clock (CEST: +7,200,000). */
export function zoneOffset(zone: string | undefined, t: number): number {
  const c = cacheFor(zone);
  if (!c.parts || !Number.isFinite(t)) return 0;
  const bucket = Math.floor(t / QUARTER);
  const hit = c.offsets.get(bucket);
  if (hit !== undefined) return hit;
  const p: Record<string, number> = {};
  for (const x of c.parts.formatToParts(bucket * QUARTER)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const offset = wall - bucket * QUARTER;
  if (c.offsets.size > 20_000) c.offsets.clear();
  c.offsets.set(bucket, offset);
  return offset;
}

/** The instant read as wall-clock time in the zone, expressed as if it were UTC (for day/minute maths). */
export function toWall(zone: string | undefined, t: number): number {
  return t + zoneOffset(zone, t);
}

/**
 * The UTC instant at which the zone's wall clock shows `wall` (a wall time expressed as if UTC).
 * In a spring-forward gap (02:30 that never happens) it is that wall time read with the offset
 * before the gap (03:30 after it, as Temporal's 'compatible'); in the autumn overlap, the first.
 */
export function fromWall(zone: string | undefined, wall: number): number {
  const before = wall - zoneOffset(zone, wall - DAY / 2);
  const after = wall - zoneOffset(zone, wall + DAY / 2);
  // The earlier reading wins where both exist (overlap); otherwise the one that reads back.
  if (toWall(zone, before) === wall) return before;
  if (toWall(zone, after) === wall) return after;
  return Math.max(before, after);
}

/** Minute of the wall-clock day (0–1439) at `t` in the zone. */
export function wallMinuteOfDay(zone: string | undefined, t: number): number {
  const w = toWall(zone, t);
  return Math.floor((((w % DAY) + DAY) % DAY) / MINUTE);
}

/** Day of the week at `t` in the zone (0 = Sunday, as `Date#getUTCDay`). */
export function wallWeekday(zone: string | undefined, t: number): number {
  return new Date(toWall(zone, t)).getUTCDay();
}

/** The UTC instant of the wall-clock midnight that starts the zone's day containing `t`. */
export function wallDayStart(zone: string | undefined, t: number): number {
  const w = toWall(zone, t);
  return fromWall(zone, Math.floor(w / DAY) * DAY);
}

/**
 * The UTC instant of wall time `minuteOfDay` on the zone's day `dayOffset` days after the one
 * containing `t` (counting calendar days, so a 23- or 25-hour day is handled).
 */
export function wallTimeOn(zone: string | undefined, t: number, dayOffset: number, minuteOfDay: number): number {
  const day = Math.floor(toWall(zone, t) / DAY) + dayOffset;
  return fromWall(zone, day * DAY + minuteOfDay * MINUTE);
}
