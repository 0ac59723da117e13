import { describe, expect, it } from 'vitest';
import { benchPlant, lineLengths, rng } from '../../../bench/_plants';
import { plantSchema } from '../../../shared/plant/schema';
import { checkPlant } from '../../../shared/plant/check';

describe('bench plants', () => {
  it('the large plant: 1,000 machines in 60 lines across 4 halls, valid against the schema and the checks', () => {
    const raw = benchPlant('large');
    const parsed = plantSchema.safeParse(raw);
    expect(parsed.success).toBe(true);
    expect(checkPlant(parsed.data!)).toEqual([]);
    expect(raw.areas).toHaveLength(4);
    const lines = raw.areas.flatMap((a) => a.lines);
    expect(lines).toHaveLength(60);
    expect(lines.reduce((n, l) => n + l.machines.length, 0)).toBe(1000);
    for (const l of lines) expect(l.machines.length).toBeGreaterThanOrEqual(12);
    expect(new Set(lines.flatMap((l) => l.machines.map((m) => m.id))).size).toBe(1000);
  });

  it('the standard plant keeps its 200 machines, 40 lines of 5', () => {
    const raw = benchPlant('standard');
    const parsed = plantSchema.safeParse(raw);
    expect(parsed.success).toBe(true);
    expect(checkPlant(parsed.data!)).toEqual([]);
    expect(raw.areas.flatMap((a) => a.lines).map((l) => l.machines.length)).toEqual(Array.from({ length: 40 }, () => 5));
  });

  it('is the same plant for the same seed and a different one for another', () => {
    expect(JSON.stringify(benchPlant('large', 7))).toBe(JSON.stringify(benchPlant('large', 7)));
    expect(JSON.stringify(benchPlant('large', 7))).not.toBe(JSON.stringify(benchPlant('large', 8)));
  });

  it('line lengths add up exactly and stay in range, or say why they cannot', () => {
    const ls = lineLengths(60, 1000, 12, 22, rng(3));
    expect(ls.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.min(...ls)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...ls)).toBeLessThanOrEqual(22);
    expect(() => lineLengths(10, 1000, 12, 22, rng(3))).toThrow(/cannot put 1000 machines on 10 lines/);
  });
});
