/** The Floor's camera without a canvas: zoom about a point, pan, centre, frame a rect, and focus framing. */
import { describe, expect, it } from 'vitest';
import { FloorCamera, FRAME_PAD_PX, MAX_SCALE, MIN_SCALE, ViewStamp } from '../../../renderer/src/floor/scene/camera';
import { FloorIndex } from '../../../renderer/src/floor/scene/floor-index';
import { layoutPlant } from '../../../renderer/src/floor/layout';
import { PLANT } from '../../../renderer/src/floor/focus';
import type { Plant } from '../../../shared/plant/schema';

const screenOf = (c: FloorCamera, w: { x: number; y: number }) => ({ x: w.x * c.scale + c.x, y: w.y * c.scale + c.y });

describe('floor camera', () => {
  it('zooms about the given screen point: the world point under it stays put', () => {
    const c = new FloorCamera();
    c.panBy(30, -20);
    const at = { x: 400, y: 250 };
    const under = c.toWorld(at);
    c.zoomBy(2.5, at);
    expect(c.scale).toBe(2.5);
    const back = screenOf(c, under);
    expect(back.x).toBeCloseTo(at.x, 9);
    expect(back.y).toBeCloseTo(at.y, 9);
    expect(c.userMoved).toBe(true);
  });

  it('clamps the zoom to its range and still keeps the point under the pointer', () => {
    const c = new FloorCamera();
    c.zoomBy(1000, { x: 10, y: 10 });
    expect(c.scale).toBe(MAX_SCALE);
    c.zoomBy(1e-6, { x: 100, y: 50 });
    expect(c.scale).toBe(MIN_SCALE);
    const under = c.toWorld({ x: 100, y: 50 });
    c.zoomBy(0.5, { x: 100, y: 50 }); // already at the minimum: nothing moves
    expect(c.toWorld({ x: 100, y: 50 })).toEqual(under);
  });

  it('pans in screen pixels and maps screen and world rects both ways', () => {
    const c = new FloorCamera();
    c.zoomBy(2, { x: 0, y: 0 });
    c.panBy(100, 40);
    expect(c.toWorld({ x: 100, y: 40 })).toEqual({ x: 0, y: 0 });
    expect(c.toWorld({ x: 300, y: 140 })).toEqual({ x: 100, y: 50 });
    expect(c.worldRect({ x: 100, y: 40, w: 200, h: 100 })).toEqual({ x: 0, y: 0, w: 100, h: 50 });
  });

  it('centres a world point on the screen at the current zoom', () => {
    const c = new FloorCamera();
    c.zoomBy(0.5, { x: 0, y: 0 });
    c.userMoved = false;
    c.centreOn({ x: 1000, y: 600 }, { width: 800, height: 400 });
    expect(c.toWorld({ x: 400, y: 200 })).toEqual({ x: 1000, y: 600 });
    expect(c.scale).toBe(0.5);
    expect(c.userMoved).toBe(true);
  });

  it('frames a rect as large as fits inside the padding and insets, centred in the free part', () => {
    const c = new FloorCamera();
    const r = { x: 100, y: 50, w: 400, h: 100 };
    c.frame(r, { width: 1000, height: 600 }, 10, { top: 40, right: 200 });
    // Width is the tighter side: (1000 − 200 − 2·pad) / 400.
    expect(c.scale).toBeCloseTo((800 - 2 * FRAME_PAD_PX) / 400, 12);
    const tl = screenOf(c, { x: r.x, y: r.y });
    const br = screenOf(c, { x: r.x + r.w, y: r.y + r.h });
    expect(tl.x).toBeCloseTo(FRAME_PAD_PX, 9);
    expect(br.x).toBeCloseTo(800 - FRAME_PAD_PX, 9);
    expect((tl.y + br.y) / 2).toBeCloseTo(40 + 560 / 2, 9); // centred below the top inset
    expect(c.userMoved).toBe(false); // framing is not a move by the person
  });

  it('frames at most at maxScale, and leaves the view alone when there is no room or nothing to show', () => {
    const c = new FloorCamera();
    c.frame({ x: 0, y: 0, w: 10, h: 10 }, { width: 1000, height: 800 }, 1.5);
    expect(c.scale).toBe(1.5);
    expect(screenOf(c, { x: 5, y: 5 })).toEqual({ x: 500, y: 400 });
    const before = { x: c.x, y: c.y, s: c.scale };
    c.frame({ x: 0, y: 0, w: 10, h: 10 }, { width: 1, height: 800 }, 2);
    c.frame({ x: 0, y: 0, w: 0, h: 10 }, { width: 1000, height: 800 }, 2);
    c.frame({ x: 0, y: 0, w: 10, h: 10 }, { width: 1000, height: 40 }, 2, { top: 39 });
    expect({ x: c.x, y: c.y, s: c.scale }).toEqual(before);
  });

  it('tells a layer when the view moved since it last drew, once per change', () => {
    const c = new FloorCamera();
    const v = new ViewStamp();
    expect(v.moved(c, 800, 600)).toBe(true);
    expect(v.moved(c, 800, 600)).toBe(false);
    c.panBy(1, 0);
    expect(v.moved(c, 800, 600)).toBe(true);
    expect(v.moved(c, 800, 601)).toBe(true);
    expect(v.moved(c, 800, 601)).toBe(false);
    v.forget();
    expect(v.moved(c, 800, 601)).toBe(true);
  });
});

describe('focus framing', () => {
  const machines = (line: string) => [1, 2, 3].map((i) => ({ id: `${line}-M${i}`, name: `M${i}`, kind: 'other' }));
  const plant = {
    areas: [
      { id: 'A', name: 'A', lines: [{ id: 'A1', name: 'A1', bufferSize: 80, machines: machines('A1') }, { id: 'A2', name: 'A2', bufferSize: 80, machines: machines('A2') }] },
      { id: 'B', name: 'B', lines: [{ id: 'B1', name: 'B1', bufferSize: 80, machines: machines('B1') }] },
    ],
  } as unknown as Plant;
  const index = new FloorIndex(layoutPlant(plant));

  it('frames the whole floor, an area, or a line (also through one of its machines) with room around it', () => {
    expect(index.focusRect(PLANT)).toEqual(index.layout.bounds);
    expect(index.focusRect({ ...PLANT, areaId: 'B' })).toEqual(index.area('B')!.zone);
    const line = index.line('A2')!.bounds;
    const framed = { x: line.x - 40, y: line.y - 90, w: line.w + 80, h: line.h + 180 };
    expect(index.focusRect({ ...PLANT, areaId: 'A', lineId: 'A2' })).toEqual(framed);
    expect(index.focusRect({ ...PLANT, machineId: 'A2-M3' })).toEqual(framed);
  });

  it('falls back to the area, then the floor, for ids the layout does not have', () => {
    expect(index.focusRect({ ...PLANT, areaId: 'A', lineId: 'gone' })).toEqual(index.area('A')!.zone);
    expect(index.focusRect({ ...PLANT, areaId: 'gone' })).toEqual(index.layout.bounds);
    expect(index.focusRect({ ...PLANT, machineId: 'gone' })).toEqual(index.layout.bounds);
  });

  it('a framed focus fills the view between the drill bar and the drawer', () => {
    const c = new FloorCamera();
    const r = index.focusRect({ ...PLANT, areaId: 'A', lineId: 'A1' });
    c.frame(r, { width: 1200, height: 700 }, 1.5, { top: 40, right: 440 });
    const tl = screenOf(c, { x: r.x, y: r.y });
    const br = screenOf(c, { x: r.x + r.w, y: r.y + r.h });
    expect(tl.x).toBeGreaterThanOrEqual(FRAME_PAD_PX - 1e-9);
    expect(br.x).toBeLessThanOrEqual(1200 - 440 - FRAME_PAD_PX + 1e-9);
    expect(tl.y).toBeGreaterThanOrEqual(40 + FRAME_PAD_PX - 1e-9);
    expect(br.y).toBeLessThanOrEqual(700 - FRAME_PAD_PX + 1e-9);
  });
});
