import { describe, expect, it } from 'vitest';
import { fromWall, toWall, wallDayStart, wallMinuteOfDay, wallTimeOn, wallWeekday, zoneOffset } from '../../../shared/clock/zone';
import { nextShiftStart, shiftAt } from '../../../shared/twin/schedule';
import { periodAt } from '../../../shared/kpi/periods';
import { maintenanceWindowAt } from '../../../shared/decide/exceptions/detection';

const H = 3_600_000;
const utc = (s: string) => Date.parse(s + 'Z');
const shifts = [
  { id: 'A', name: 'Early', start: '06:00', end: '14:00', crew: 'a' },
  { id: 'B', name: 'Late', start: '14:00', end: '22:00', crew: 'b' },
  { id: 'C', name: 'Night', start: '22:00', end: '06:00', crew: 'c' },
];
const berlin = { shifts, site: { id: 'x', name: 'x', timezone: 'Europe/Berlin' } } as never;
const plainUtc = { shifts, site: { id: 'x', name: 'x', timezone: 'UTC' } } as never;

describe('plant wall clock', () => {
  it('reads offsets in winter and summer, and UTC for unknown zones', () => {
    expect(zoneOffset('Europe/Berlin', utc('2026-12-07T10:00'))).toBe(H);
    expect(zoneOffset('Europe/Berlin', utc('2026-07-07T10:00'))).toBe(2 * H);
    expect(zoneOffset('America/Chicago', utc('2026-12-07T10:00'))).toBe(-6 * H);
    expect(zoneOffset('Not/AZone', utc('2026-12-07T10:00'))).toBe(0);
    expect(zoneOffset(undefined, utc('2026-12-07T10:00'))).toBe(0);
    expect(zoneOffset('Asia/Kolkata', utc('2026-12-07T10:00'))).toBe(5.5 * H);
  });

  it('converts wall time back, across both DST changes', () => {
    for (const t of [utc('2026-03-29T00:30'), utc('2026-03-29T01:30'), utc('2026-10-25T00:30'), utc('2026-10-25T01:30'), utc('2026-12-07T23:59')]) {
      const w = toWall('Europe/Berlin', t);
      // In the autumn overlap the first of the two instants is the answer.
      const back = fromWall('Europe/Berlin', w);
      expect(toWall('Europe/Berlin', back)).toBe(w);
      expect(back).toBeLessThanOrEqual(t);
    }
    // 02:30 on the spring-forward Sunday does not exist: read with the offset before the gap.
    expect(fromWall('Europe/Berlin', utc('2026-03-29T02:30'))).toBe(utc('2026-03-29T01:30'));
  });

  it('gives the minute of day, weekday and day start on the wall clock', () => {
    const t = utc('2026-12-06T23:30'); // Monday 00:30 in Berlin, Sunday in UTC
    expect(wallMinuteOfDay('Europe/Berlin', t)).toBe(30);
    expect(wallWeekday('Europe/Berlin', t)).toBe(1);
    expect(wallDayStart('Europe/Berlin', t)).toBe(utc('2026-12-06T23:00'));
    // The day after a 23-hour day still starts at midnight.
    expect(wallTimeOn('Europe/Berlin', utc('2026-03-28T12:00'), 2, 0)).toBe(utc('2026-03-29T22:00'));
  });
});

describe('shifts, windows and periods follow the plant time zone', () => {
  it('finds the shift on the wall clock', () => {
    // 05:30 UTC is 06:30 in Berlin in winter: the early shift there, still the night shift in UTC.
    const t = utc('2026-12-07T05:30');
    expect(shiftAt(berlin, t)?.id).toBe('A');
    expect(shiftAt(plainUtc, t)?.id).toBe('C');
    // Summer: 04:30 UTC is 06:30 CEST.
    expect(shiftAt(berlin, utc('2026-07-07T04:30'))?.id).toBe('A');
  });

  it('puts the next shift start at the wall-clock hour', () => {
    expect(nextShiftStart(berlin, utc('2026-12-07T06:00'))).toMatchObject({ at: utc('2026-12-07T13:00'), shift: { id: 'B' } });
    expect(nextShiftStart(berlin, utc('2026-12-07T21:30'))).toMatchObject({ at: utc('2026-12-08T05:00'), shift: { id: 'A' } });
  });

  it('makes shift, day and week periods of the plant', () => {
    const t = utc('2026-12-07T05:30');
    expect(periodAt(berlin, 'shift', t)).toMatchObject({ from: utc('2026-12-07T05:00'), to: utc('2026-12-07T13:00'), shiftId: 'A' });
    expect(periodAt(berlin, 'day', t)).toMatchObject({ from: utc('2026-12-06T23:00'), to: utc('2026-12-07T23:00'), label: '2026-12-07' });
    // 2026-12-07 is a Monday: the Berlin week starts at its midnight.
    expect(periodAt(berlin, 'week', t)).toMatchObject({ from: utc('2026-12-06T23:00'), label: 'week of 2026-12-07' });
    // The night shift crossing the spring-forward night is 7 hours long.
    const night = periodAt(berlin, 'shift', utc('2026-03-29T00:30'));
    expect(night.shiftId).toBe('C');
    expect(night.to - night.from).toBe(7 * H);
    // A plant without a zone keeps UTC.
    expect(periodAt({ shifts }, 'shift', t)).toMatchObject({ from: utc('2026-12-06T22:00'), shiftId: 'C' });
  });

  it('reads maintenance windows on the wall clock', () => {
    const windows = [{ line: 'L1', start: '06:00', end: '07:00', days: [1] }] as never;
    expect(maintenanceWindowAt(windows, 'L1', utc('2026-12-07T05:30'), 'Europe/Berlin')).toBeDefined();
    expect(maintenanceWindowAt(windows, 'L1', utc('2026-12-07T06:30'), 'Europe/Berlin')).toBeUndefined();
    expect(maintenanceWindowAt(windows, 'L1', utc('2026-12-07T06:30'))).toBeDefined();
  });
});
