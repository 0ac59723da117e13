import { describe, expect, it } from 'vitest';
import { screenRects } from '../../../renderer/src/floor/dirty';

const area = (rs: { w: number; h: number }[]) => rs.reduce((a, r) => a + r.w * r.h, 0);
const covers = (rs: { x: number; y: number; w: number; h: number }[], x: number, y: number) => rs.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);

describe('floor board dirty rects', () => {
  it('maps world rects to whole screen pixels with a margin, clipped to the view', () => {
    // scale 0.5, offset (100, 50): world (10,20,40,20) → screen (105,60)-(125,70), 2 px margin
    expect(screenRects([{ x: 10, y: 20, w: 40, h: 20 }], 0.5, 100, 50, 800, 600)).toEqual([{ x: 103, y: 58, w: 24, h: 14 }]);
    expect(screenRects([{ x: -500, y: 0, w: 100, h: 10 }], 1, 0, 0, 800, 600)).toEqual([]);
    expect(screenRects([{ x: 790, y: 590, w: 100, h: 100 }], 1, 0, 0, 800, 600)).toEqual([{ x: 788, y: 588, w: 12, h: 12 }]);
    expect(screenRects([{ x: 0, y: 0, w: 0, h: 10 }], 1, 0, 0, 800, 600)).toEqual([]);
  });

  it('merges overlapping rects only where the union is not much larger', () => {
    const same = screenRects([{ x: 10, y: 10, w: 50, h: 20 }, { x: 12, y: 12, w: 50, h: 20 }], 1, 0, 0, 800, 600);
    expect(same).toHaveLength(1);
    // Two long rows that touch at a corner: merging would paint a big empty square, so they stay apart.
    const rows = screenRects([{ x: 0, y: 0, w: 400, h: 10 }, { x: 398, y: 8, w: 10, h: 400 }], 1, 0, 0, 800, 600);
    expect(rows).toHaveLength(2);
  });

  it('keeps scattered changes apart (no bounding box over the gaps between them)', () => {
    const world = Array.from({ length: 60 }, (_, i) => ({ x: (i % 10) * 70, y: Math.floor(i / 10) * 90, w: 30, h: 20 }));
    const out = screenRects(world, 1, 10, 10, 800, 600);
    expect(out).toHaveLength(60);
    for (const r of world) for (const [x, y] of [[r.x + 10, r.y + 10], [r.x + r.w + 9, r.y + r.h + 9]] as const) expect(covers(out, x, y)).toBe(true);
    expect(area(out)).toBe(60 * 34 * 24);
  });
});

describe('floor board dirty rects, many at once', () => {
  it('merges a busy frame of overlapping rects (every line and machine of a big floor) into covering rects', () => {
    // 60 rows, each with 4 overlapping parts drawn old and new (8 rects a row), as a counts update brings.
    const world = [];
    for (let r = 0; r < 60; r++) for (let k = 0; k < 8; k++) world.push({ x: 10 + k * 30, y: r * 150, w: 200, h: 40 });
    const out = screenRects(world, 1, 0, 0, 4000, 10_000);
    expect(out).toHaveLength(60);
    for (const r of world) expect(covers(out, r.x + 5, r.y + 5) && covers(out, r.x + r.w - 1, r.y + r.h - 1)).toBe(true);
  });
});
