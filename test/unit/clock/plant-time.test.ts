import { describe, expect, it } from 'vitest';
import { elapsed, plantTime, quantity } from '../../../shared/clock/plant-time';

const utc = (s: string) => Date.parse(`${s}Z`);

describe('plant time: one clock, in the plant zone', () => {
  const berlin = plantTime('Europe/Berlin');

  it('prints plant time, not UTC (winter: UTC+1)', () => {
    const t = utc('2026-12-07T18:50:00');
    expect(berlin.clock(t)).toBe('19:50');
    expect(berlin.day(t)).toBe('Mon 19:50');
    expect(berlin.full(t)).toBe('Mon 07 Dec 2026 19:50');
    expect(berlin.zoneName(t)).toBe('CET');
  });

  it('follows daylight saving time (summer: UTC+2), and across the switch', () => {
    expect(berlin.clock(utc('2026-07-01T12:00:00'))).toBe('14:00');
    expect(berlin.zoneName(utc('2026-07-01T12:00:00'))).toBe('CEST');
    // 29 Mar 2026: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    expect(berlin.clock(utc('2026-03-29T00:59:00'))).toBe('01:59');
    expect(berlin.clock(utc('2026-03-29T01:00:00'))).toBe('03:00');
    // 25 Oct 2026: 03:00 CEST falls back to 02:00 CET at 01:00 UTC (02:30 happens twice).
    expect(berlin.clock(utc('2026-10-25T00:30:00'))).toBe('02:30');
    expect(berlin.clock(utc('2026-10-25T01:30:00'))).toBe('02:30');
  });

  it('shows the weekday when the plant day differs from the reference, by the plant calendar', () => {
    const now = utc('2026-12-07T20:55:00'); // Mon 21:55 in Berlin
    expect(berlin.relative(utc('2026-12-07T22:30:00'), now)).toBe('23:30');
    // 23:16 UTC is already Tuesday 00:16 in Berlin, though still Monday in UTC.
    expect(berlin.relative(utc('2026-12-07T23:16:00'), now)).toBe('Tue 00:16');
    expect(berlin.relative(utc('2026-12-08T00:16:00'))).toBe('01:16');
    expect(berlin.date(utc('2026-12-07T23:16:00'))).toBe('2026-12-08');
    expect(berlin.clock(utc('2026-12-07T23:00:00'))).toBe('00:00'); // midnight as 00, never 24
  });

  it('falls back to UTC for an unknown zone and says so', () => {
    const f = plantTime('Mars/Olympus');
    expect(f.zone).toBe('UTC');
    expect(f.clock(utc('2026-12-07T18:50:00'))).toBe('18:50');
    expect(plantTime(undefined).zone).toBe('UTC');
    expect(f.day(Number.NaN)).toBe('—');
  });

  it('other zones: New York (UTC−5 in winter) and Kolkata (UTC+5:30, no DST)', () => {
    expect(plantTime('America/New_York').day(utc('2026-12-07T03:10:00'))).toBe('Sun 22:10');
    expect(plantTime('Asia/Kolkata').clock(utc('2026-12-07T18:50:00'))).toBe('00:20');
  });
});

describe('elapsed and quantities as people read them', () => {
  it('rounds elapsed minutes', () => {
    expect(elapsed(2.966 * 60_000)).toBe('3 min');
    expect(elapsed(0)).toBe('0 min');
    expect(elapsed(125 * 60_000)).toBe('2 h 05 min');
    expect(elapsed(-5000)).toBe('0 min');
  });

  it('separates thousands and keeps sensible decimals', () => {
    expect(quantity(62013.515)).toBe('62,014');
    expect(quantity(1234.56)).toBe('1,234.6');
    expect(quantity(12.345)).toBe('12.35');
    expect(quantity(-0.001)).toBe('0');
    expect(quantity(1500)).toBe('1,500');
  });
});
