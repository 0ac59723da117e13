/** Hit-testing and keyboard selection on the Floor without a canvas: what is under a point, and what `[`/`]`/Enter walk. */
import { afterEach, describe, expect, it } from 'vitest';
import { hitTest, hoverOf, targetKey, targetRect } from '../../../renderer/src/floor/scene/hit-test';
import { FloorIndex } from '../../../renderer/src/floor/scene/floor-index';
import { FloorSelection } from '../../../renderer/src/floor/scene/selection';
import { FloorCamera } from '../../../renderer/src/floor/scene/camera';
import { layoutPlant, MACHINE_H, MACHINE_W } from '../../../renderer/src/floor/layout';
import { focusStore, hoverStore, PLANT, setFocus } from '../../../renderer/src/floor/focus';
import type { Plant } from '../../../shared/plant/schema';

const machines = (line: string) => [1, 2, 3].map((i) => ({ id: `${line}-M${i}`, name: `M${i}`, kind: 'other' }));
const plant = {
  areas: [
    { id: 'A', name: 'A', lines: [{ id: 'A1', name: 'A1', bufferSize: 80, machines: machines('A1') }, { id: 'A2', name: 'A2', bufferSize: 80, machines: machines('A2') }] },
    { id: 'B', name: 'B', lines: [{ id: 'B1', name: 'B1', bufferSize: 80, machines: machines('B1') }] },
  ],
} as unknown as Plant;
const index = new FloorIndex(layoutPlant(plant));
const L = index.layout;

afterEach(() => {
  setFocus(PLANT);
  hoverStore.set(null);
});

describe('floor hit-testing', () => {
  it('finds a machine anywhere in its box, up to the edges, with its line and area', () => {
    const m = index.machine('A2-M2')!;
    for (const [dx, dy] of [[0, 0], [MACHINE_W / 2, MACHINE_H / 2], [-MACHINE_W / 2, -MACHINE_H / 2]] as const) {
      expect(hitTest(index, m.x + dx, m.y + dy)).toEqual({ kind: 'machine', id: 'A2-M2', lineId: 'A2', areaId: 'A' });
    }
    expect(hitTest(index, m.x + MACHINE_W / 2 + 0.5, m.y)?.kind).not.toBe('machine');
  });

  it('finds a buffer between two machines, named by both', () => {
    const b = index.line('B1')!.buffers[1]!;
    expect(hitTest(index, b.x, b.y)).toEqual({ kind: 'buffer', lineId: 'B1', from: 'B1-M2', to: 'B1-M3', areaId: 'B' });
  });

  it('finds the line on its label, the area on its empty floor, and nothing outside the zones', () => {
    const l = index.line('A1')!;
    expect(hitTest(index, l.label.x + 2, l.label.y + 2)).toEqual({ kind: 'line', id: 'A1', areaId: 'A' });
    const zone = index.area('B')!.zone;
    expect(hitTest(index, zone.x + 2, zone.y + 2)).toEqual({ kind: 'area', id: 'B' });
    expect(hitTest(index, L.bounds.x - 50, L.bounds.y - 50)).toBeNull();
  });

  it('agrees with the rect of each key: the middle of every machine, buffer, line and area hits it', () => {
    const mid = (r: { x: number; y: number; w: number; h: number }) => [r.x + r.w / 2, r.y + r.h / 2] as const;
    for (const m of L.machines) expect(targetKey(hitTest(index, ...mid(targetRect(index, `machine:${m.id}`)!))!)).toBe(`machine:${m.id}`);
    for (const a of L.areas) expect(targetRect(index, `area:${a.id}`)).toEqual(a.zone);
    for (const l of L.lines) expect(targetRect(index, `line:${l.id}`)).toEqual(l.bounds);
    const b = L.lines[0]!.buffers[0]!;
    const r = targetRect(index, `buffer:${b.to}`)!;
    expect(b.x).toBeGreaterThanOrEqual(r.x);
    expect(b.x).toBeLessThanOrEqual(r.x + r.w);
    expect(targetRect(index, 'machine:gone')).toBeNull();
    expect(targetRect(index, 'nonsense')).toBeNull();
  });

  it('hit-tests through the camera: a screen point after zoom and pan lands on the same machine', () => {
    const c = new FloorCamera();
    c.zoomBy(0.37, { x: 0, y: 0 });
    c.panBy(123, -45);
    const m = index.machine('B1-M3')!;
    const screen = { x: m.x * c.scale + c.x, y: m.y * c.scale + c.y };
    const w = c.toWorld(screen);
    expect(hitTest(index, w.x, w.y)).toMatchObject({ kind: 'machine', id: 'B1-M3' });
  });

  it('turns a target into the hover the tooltip reads', () => {
    expect(hoverOf({ kind: 'buffer', lineId: 'B1', from: 'B1-M1', to: 'B1-M2', areaId: 'B' }, { x: 3, y: 4 })).toEqual({ kind: 'buffer', id: 'B1-M1', to: 'B1-M2', x: 3, y: 4 });
    expect(hoverOf({ kind: 'line', id: 'A1', areaId: 'A' }, { x: 1, y: 2 })).toEqual({ kind: 'line', id: 'A1', x: 1, y: 2 });
  });
});

describe('floor selection', () => {
  const make = () => {
    const changes = { n: 0 };
    return { s: new FloorSelection(() => index, () => changes.n++), changes };
  };

  it('walks the areas, then an area\u2019s lines, then a line\u2019s machines; Enter drills in', () => {
    const { s } = make();
    expect(s.children().map((k) => k.id)).toEqual(['area:A', 'area:B']);
    s.moveCursor(-1); // from nothing, backwards: the last one
    expect(s.cursor).toBe('area:B');
    s.moveCursor(1); // wraps around
    expect(s.cursor).toBe('area:A');
    s.enter();
    expect(focusStore.get()).toEqual({ ...PLANT, areaId: 'A' });
    expect(s.children().map((k) => k.id)).toEqual(['line:A1', 'line:A2']);
    s.resetCursor();
    s.moveCursor(1);
    s.moveCursor(1);
    s.enter();
    expect(focusStore.get()).toEqual({ ...PLANT, areaId: 'A', lineId: 'A2' });
    // On a line, the cursor moves the focus along its machines at once.
    s.resetCursor();
    s.moveCursor(1);
    expect(focusStore.get()).toMatchObject({ lineId: 'A2', machineId: 'A2-M1' });
    s.moveCursor(1);
    expect(focusStore.get()).toMatchObject({ machineId: 'A2-M2' });
  });

  it('selects what was clicked: a buffer focuses its line', () => {
    const { s } = make();
    s.select({ kind: 'buffer', lineId: 'B1', from: 'B1-M1', to: 'B1-M2', areaId: 'B' });
    expect(focusStore.get()).toEqual({ ...PLANT, areaId: 'B', lineId: 'B1' });
    s.select({ kind: 'machine', id: 'A1-M3', lineId: 'A1', areaId: 'A' });
    expect(focusStore.get()).toEqual({ areaId: 'A', lineId: 'A1', machineId: 'A1-M3', orderId: null });
  });

  it('redraws the overlay only when the hover moves to another thing, and publishes it for the tooltip', () => {
    const { s, changes } = make();
    const t = { kind: 'machine', id: 'A1-M1', lineId: 'A1', areaId: 'A' } as const;
    s.setHover(t, { x: 5, y: 6 });
    s.setHover({ ...t }, { x: 7, y: 8 });
    expect(changes.n).toBe(1);
    expect(hoverStore.get()).toEqual({ kind: 'machine', id: 'A1-M1', x: 7, y: 8 });
    expect(s.hoversLine('A1')).toBe(true);
    expect(s.hoversLine('A2')).toBe(false);
    s.clearHover();
    expect(changes.n).toBe(2);
    expect(hoverStore.get()).toBeNull();
    s.setHover(null, { x: 0, y: 0 });
    expect(changes.n).toBe(2);
  });

  it('has nothing to walk before the floor is built', () => {
    const s = new FloorSelection(() => null, () => undefined);
    expect(s.children()).toEqual([]);
    s.moveCursor(1);
    s.enter();
    expect(s.cursor).toBeNull();
    expect(focusStore.get()).toEqual(PLANT);
  });
});
