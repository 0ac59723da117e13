/**
 * KPI periods: the shift, day or week containing an instant. Shifts come from the plant's shift
 * calendar (HH:MM, UTC like the twin's shiftAt; shifts may cross midnight); a plant without shifts
 * gets three 8-hour shifts from 00:00. Weeks start on Monday 00:00 UTC.
 */
import type { Plant } from '../plant/schema';

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
const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** Shift windows [from, to) that overlap the day containing `t` and its neighbours. */
export function shiftWindows(plant: Pick<Plant, 'shifts'>, t: number): { from: number; to: number; id: string; name: string }[] {
  const shifts = plant.shifts.length ? plant.shifts : [
    { id: 'S1', name: 'Shift 1', start: '00:00', end: '08:00' },
    { id: 'S2', name: 'Shift 2', start: '08:00', end: '16:00' },
    { id: 'S3', name: 'Shift 3', start: '16:00', end: '00:00' },
  ];
  const day0 = Math.floor(t / DAY) * DAY;
  const out: { from: number; to: number; id: string; name: string }[] = [];
  for (let d = -1; d <= 1; d++) {
    for (const s of shifts) {
      const a = minutesOf(s.start);
      let b = minutesOf(s.end);
      if (b <= a) b += 24 * 60;
      out.push({ from: day0 + d * DAY + a * 60_000, to: day0 + d * DAY + b * 60_000, id: s.id, name: s.name });
    }
  }
  return out.sort((x, y) => x.from - y.from);
}

export function periodAt(plant: Pick<Plant, 'shifts'>, kind: PeriodKind, t: number): Period {
  if (kind === 'day') {
    const from = Math.floor(t / DAY) * DAY;
    return { kind, from, to: from + DAY, label: new Date(from).toISOString().slice(0, 10) };
  }
  if (kind === 'week') {
    const day = Math.floor(t / DAY) * DAY;
    const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    const from = day - dow * DAY;
    return { kind, from, to: from + 7 * DAY, label: `week of ${new Date(from).toISOString().slice(0, 10)}` };
  }
  const w = shiftWindows(plant, t).find((s) => t >= s.from && t < s.to);
  if (!w) {
    // Gaps between shifts: an 8-hour block so every instant has a period.
    const from = Math.floor(t / (8 * 3_600_000)) * 8 * 3_600_000;
    return { kind, from, to: from + 8 * 3_600_000, label: `${iso(from)} (no shift)` };
  }
  return { kind, from: w.from, to: w.to, label: `${w.name} ${iso(w.from)}`, shiftId: w.id };
}

/** The `count` periods of `kind` ending with the one containing `t`, oldest first (for trends). */
export function periodsBack(plant: Pick<Plant, 'shifts'>, kind: PeriodKind, t: number, count: number): Period[] {
  const out: Period[] = [];
  let p = periodAt(plant, kind, t);
  for (let i = 0; i < count; i++) {
    out.unshift(p);
    p = periodAt(plant, kind, p.from - 1);
  }
  return out;
}
