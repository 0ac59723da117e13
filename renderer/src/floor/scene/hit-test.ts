/**
 * What is under the pointer, and the world rect of each thing that can be hovered, selected or
 * walked to with the keyboard. Pure, for tests: the scene hit-tests by hand instead of giving
 * every pixi object its own events.
 */
import { MACHINE_H, MACHINE_W, type Rect } from '../layout';
import type { Hover } from '../focus';
import type { FloorIndex } from './floor-index';
import type { Point } from './camera';

/** A thing on the floor the pointer can be over. */
export type Target =
  | { kind: 'machine'; id: string; lineId: string; areaId: string }
  | { kind: 'line'; id: string; areaId: string }
  | { kind: 'area'; id: string }
  | { kind: 'buffer'; lineId: string; from: string; to: string; areaId: string };

/** Half the size of a buffer gauge's hit box, world px. */
const BUFFER_HALF_W = 10;
const BUFFER_HALF_H = 22;

/** `kind:id` (a buffer is named by the machine after it): what `targetRect` and the keyboard cursor take. */
export function targetKey(t: Target): string {
  return t.kind === 'buffer' ? `buffer:${t.to}` : `${t.kind}:${t.id}`;
}

export function hoverOf(t: Target, p: Point): Hover {
  if (t.kind === 'buffer') return { kind: 'buffer', id: t.from, to: t.to, x: p.x, y: p.y };
  return { kind: t.kind, id: t.id, x: p.x, y: p.y };
}

const inside = (r: Rect, x: number, y: number) => x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;

/** What is under a world point: a machine first, then a buffer or its line, then an area; null for empty floor. */
export function hitTest(index: FloorIndex, wx: number, wy: number): Target | null {
  const L = index.layout;
  for (const m of L.machines) {
    if (Math.abs(wx - m.x) <= MACHINE_W / 2 && Math.abs(wy - m.y) <= MACHINE_H / 2) {
      const l = index.line(m.lineId)!;
      return { kind: 'machine', id: m.id, lineId: m.lineId, areaId: l.areaId };
    }
  }
  for (const l of L.lines) {
    for (const b of l.buffers) if (Math.abs(wx - b.x) <= BUFFER_HALF_W && Math.abs(wy - b.y) <= BUFFER_HALF_H) return { kind: 'buffer', lineId: l.id, from: b.from, to: b.to, areaId: l.areaId };
    if (inside(l.bounds, wx, wy)) return { kind: 'line', id: l.id, areaId: l.areaId };
  }
  for (const a of L.areas) if (inside(a.zone, wx, wy)) return { kind: 'area', id: a.id };
  return null;
}

/** The world rect of a `kind:id` key (see targetKey); null when the layout has no such thing. */
export function targetRect(index: FloorIndex, key: string): Rect | null {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const id = key.slice(colon + 1);
  if (kind === 'area') return index.area(id)?.zone ?? null;
  if (kind === 'line') return index.line(id)?.bounds ?? null;
  if (kind === 'machine') {
    const m = index.machine(id);
    return m ? { x: m.x - MACHINE_W / 2, y: m.y - MACHINE_H / 2, w: MACHINE_W, h: MACHINE_H } : null;
  }
  if (kind === 'buffer') {
    const m = index.machine(id);
    return m ? { x: m.x - MACHINE_W / 2 - 24, y: m.y - 20, w: 24, h: 40 } : null;
  }
  return null;
}
