import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstTokenAt, laneLengths } from '../../../renderer/src/floor/token-lane';
import { floorRendererKind } from '../../../renderer/src/floor/pixi/floor-renderer';

describe('token lane', () => {
  it('puts every token of a lane on exactly one segment, the one that contains it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ x: fc.integer({ min: -500, max: 500 }), y: fc.integer({ min: -50, max: 50 }) }), { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (lane, k, phase) => {
          const lengths = laneLengths(lane);
          const total = lengths[lengths.length - 1]!;
          fc.pre(total > 0);
          const gap = total / k;
          const offset = phase % gap;
          const seen = new Array<number>(k).fill(0);
          for (let seg = 1; seg < lengths.length; seg++) {
            const from = firstTokenAt(lengths[seg - 1]!, offset, gap, k);
            const to = firstTokenAt(lengths[seg]!, offset, gap, k);
            for (let i = from; i < to; i++) {
              seen[i]!++;
              const d = offset + i * gap;
              // On this segment, up to rounding in the last place.
              expect(d).toBeGreaterThanOrEqual(lengths[seg - 1]! - 1e-6 * total);
              expect(d).toBeLessThanOrEqual(lengths[seg]! + 1e-6 * total);
            }
          }
          expect(seen.every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('measures a polyline', () => {
    expect(laneLengths([{ x: 0, y: 0 }, { x: 3, y: 4 }, { x: 3, y: 10 }])).toEqual([0, 5, 11]);
  });
});

describe('floor renderer choice', () => {
  it('is the 2D canvas unless the query or the stored setting asks for WebGL', () => {
    expect(floorRendererKind('', null)).toBe('canvas');
    expect(floorRendererKind('?renderer=webgl', null)).toBe('webgl');
    expect(floorRendererKind('?tokens=5&renderer=canvas', 'webgl')).toBe('canvas');
    expect(floorRendererKind('', 'webgl')).toBe('webgl');
    expect(floorRendererKind('?renderer=vulkan', 'nonsense')).toBe('canvas');
  });
});
