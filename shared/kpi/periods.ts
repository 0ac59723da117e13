/**
 * KPI periods: the shift, day or week containing an instant. Shifts come from the plant's shift
 * calendar (HH:MM on the plant's wall clock, like the twin's shiftAt; shifts may cross midnight); a
 * plant without shifts gets three 8-hour shifts from 00:00. Days start at the plant's midnight and
 * weeks on its Monday 00:00, so a 23- or 25-hour day is a day.
 */
import type { Plant } from '../plant/schema';
import { fromWall, toWall, wallDayStart, wallTimeOn } from '../clock/zone';

/** What periods need of a plant: its shifts and, when known, its time zone (UTC otherwise). */
export type PeriodPlant = Pick<Plant, 'shifts'> & { readonly site?: { readonly timezone?: string } };

export const periodKinds = ['shift', 'day', 'week'] as const;
export type PeriodKind = (typeof periodKinds)[number];

export interface Period {
  kind: PeriodKind;
  from: number;
  to: number;
  label: string;
  shiftId?: string;
}

const DAY = 86_400_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const iso = (zone: string | undefined, t: number) => new Date(toWall(zone, t)).toISOString().slice(0, 16).replace('T', ' ');

/** Shift windows [from, to) that overlap the day containing `t` and its neighbours. */
export function shiftWindows(plant: PeriodPlant, t: number): { from: number; to: number; id: string; name: string }[] {
  const zone = plant.site?.timezone;
  const shifts = plant.shifts.length ? plant.shifts : [
    { id: 'S1', name: 'Shift 1', start: '00:00', end: '08:00' },
    { id: 'S2', name: 'Shift 2', start: '08:00', end: '16:00' },
    { id: 'S3', name: 'Shift 3', start: '16:00', end: '00:00' },
  ];
  const out: { from: number; to: number; id: string; name: string }[] = [];
  for (let d = -1; d <= 1; d++) {
    for (const s of shifts) {
      const a = minutesOf(s.start);
      const b = minutesOf(s.end);
      const from = wallTimeOn(zone, t, d, a);
      const to = b <= a ? wallTimeOn(zone, t, d + 1, b) : wallTimeOn(zone, t, d, b);
      out.push({ from, to, id: s.id, name: s.name });
    }
  }
  return out.sort((x, y) => x.from - y.from);
}

export function periodAt(plant: PeriodPlant, kind: PeriodKind, t: number): Period {
  const zone = plant.site?.timezone;
  if (kind === 'day') {
    const from = wallDayStart(zone, t);
    const to = wallTimeOn(zone, t, 1, 0);
    return { kind, from, to, label: iso(zone, from).slice(0, 10) };
  }
  if (kind === 'week') {
    const wallDay = Math.floor(toWall(zone, t) / DAY) * DAY;
    const dow = (new Date(wallDay).getUTCDay() + 6) % 7; // Monday = 0
    const from = fromWall(zone, wallDay - dow * DAY);
    const to = fromWall(zone, wallDay + (7 - dow) * DAY);
    return { kind, from, to, label: `week of ${iso(zone, from).slice(0, 10)}` };
  }
  const w = shiftWindows(plant, t).find((s) => t >= s.from && t < s.to);
  if (!w) {
    // Gaps between shifts: an 8-hour block so every instant has a period.
    const wallFrom = Math.floor(toWall(zone, t) / (8 * 3_600_000)) * 8 * 3_600_000;
    const from = fromWall(zone, wallFrom);
    return { kind, from, to: fromWall(zone, wallFrom + 8 * 3_600_000), label: `${iso(zone, from)} (no shift)` };
  }
  return { kind, from: w.from, to: w.to, label: `${w.name} ${iso(zone, w.from)}`, shiftId: w.id };
}

/** The `count` periods of `kind` ending with the one containing `t`, oldest first (for trends). */
export function periodsBack(plant: PeriodPlant, kind: PeriodKind, t: number, count: number): Period[] {
  const out: Period[] = [];
  let p = periodAt(plant, kind, t);
  for (let i = 0; i < count; i++) {
    out.unshift(p);
    p = periodAt(plant, kind, p.from - 1);
  }
  return out;
}
