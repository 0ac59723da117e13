/**
 * Dirty rects of the floor's board: which screen pixels a partial redraw must repaint. Pure, for tests.
 */
import type { Rect } from './layout';

/**
 * Most partial board redraws (render passes) per frame. More (a stall left many changes) is
 * drawn as one full pass: merging scattered rects into bounding boxes would repaint more, and
 * overlapping boxes repaint the same pixels twice.
 */
export const MAX_PASSES = 24;

/**
 * World rects to whole screen pixels (2 px margin for strokes and rounding), clipped to the view;
 * overlapping ones are merged where their union is not much larger than the two.
 */
export function screenRects(world: Rect[], s: number, tx: number, ty: number, w: number, h: number): Rect[] {
  const out: Rect[] = [];
  for (const r of world) {
    if (!(r.w > 0 && r.h > 0)) continue;
    const x0 = Math.max(0, Math.floor(r.x * s + tx) - 2);
    const y0 = Math.max(0, Math.floor(r.y * s + ty) - 2);
    const x1 = Math.min(w, Math.ceil((r.x + r.w) * s + tx) + 2);
    const y1 = Math.min(h, Math.ceil((r.y + r.h) * s + ty) + 2);
    if (x1 > x0 && y1 > y0) out.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  }
  // Sweeps until nothing merges; within a sweep, a merged rect keeps absorbing the ones after it
  // (no restart from the top per merge: that was cubic in the rects a busy frame brings).
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; ) {
        const a = out[i]!;
        const b = out[j]!;
        if (a.x > b.x + b.w || b.x > a.x + a.w || a.y > b.y + b.h || b.y > a.y + a.h) {
          j++;
          continue;
        }
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        const u = { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
        // Only where the union adds little: two touching rows must not become a whole area.
        if (u.w * u.h > 1.25 * (a.w * a.h + b.w * b.h)) {
          j++;
          continue;
        }
        out[i] = u;
        out[j] = out[out.length - 1]!;
        out.pop();
        merged = true;
      }
    }
  }
  return out;
}

