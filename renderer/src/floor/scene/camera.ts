/**
 * The Floor's camera: where the world (the board, the tokens and the overlay alike) sits on the
 * screen. A screen point p shows the world point (p − (x, y)) / scale. Pure (no DOM, no pixi):
 * the layers read it each frame and redraw when it moved.
 */
import type { Rect } from '../layout';

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 0.08;
export const MAX_SCALE = 8;
/** Room left around what `frame` shows, screen px. */
export const FRAME_PAD_PX = 24;

export class FloorCamera {
  x = 0;
  y = 0;
  scale = 1;
  /**
   * The person moved the view (wheel, drag, keys, minimap): focus changes and resizes no longer
   * reframe it until they ask to fit again.
   */
  userMoved = false;

  /** Zooms by `factor` (clamped to MIN_SCALE..MAX_SCALE) keeping the world point under `at` in place. */
  zoomBy(factor: number, at: Point): void {
    const old = this.scale;
    const s = Math.max(MIN_SCALE, Math.min(MAX_SCALE, old * factor));
    const wx = (at.x - this.x) / old;
    const wy = (at.y - this.y) / old;
    this.scale = s;
    this.x = at.x - wx * s;
    this.y = at.y - wy * s;
    this.userMoved = true;
  }

  panBy(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
    this.userMoved = true;
  }

  /** Puts the world point in the middle of a screen of `size`, at the current zoom. */
  centreOn(world: Point, size: Size): void {
    this.x = size.width / 2 - world.x * this.scale;
    this.y = size.height / 2 - world.y * this.scale;
    this.userMoved = true;
  }

  /**
   * Shows the world rect `b` as large as fits (at most `maxScale`), centred in the part of a screen
   * of `size` that the insets leave free (a drawer on the right, a bar on the top). Leaves the view
   * as it is when there is no room or nothing to show. Framing is not a move by the person.
   */
  frame(b: Rect, size: Size, maxScale: number, insets: { top?: number; right?: number } = {}): void {
    const top = insets.top ?? 0;
    const width = size.width - (insets.right ?? 0);
    const height = size.height - top;
    if (width < 2 || height < 2 || b.w <= 0) return;
    const s = Math.min((width - 2 * FRAME_PAD_PX) / b.w, (height - 2 * FRAME_PAD_PX) / b.h, maxScale);
    this.scale = s;
    this.x = (width - b.w * s) / 2 - b.x * s;
    this.y = top + (height - b.h * s) / 2 - b.y * s;
  }

  /** The world point shown at a screen point. */
  toWorld(p: Point): Point {
    return { x: (p.x - this.x) / this.scale, y: (p.y - this.y) / this.scale };
  }

  /** The world rect a screen rect shows. */
  worldRect(r: Rect): Rect {
    const s = this.scale;
    return { x: (r.x - this.x) / s, y: (r.y - this.y) / s, w: r.w / s, h: r.h / s };
  }
}

/**
 * The camera and screen size a layer last drew for: `moved` says whether they changed since, and
 * records them. Each layer keeps its own, as each redraws on its own schedule.
 */
export class ViewStamp {
  private x = NaN;
  private y = NaN;
  private s = NaN;
  private w = 0;
  private h = 0;

  moved(c: FloorCamera, w: number, h: number): boolean {
    if (this.x === c.x && this.y === c.y && this.s === c.scale && this.w === w && this.h === h) return false;
    this.x = c.x;
    this.y = c.y;
    this.s = c.scale;
    this.w = w;
    this.h = h;
    return true;
  }

  /** The next `moved` answers true. */
  forget(): void {
    this.s = NaN;
  }
}
