/**
 * The WIP tokens: a 2D canvas over the board (no WebGL readback for the layer that changes most),
 * which also shows the overlay's outlines and minimap, copied from the overlay's canvas where it
 * drew them (overlay-layer.ts says why). All tokens of a lane move together, so each straight lane segment is one
 * blit of a strip of the lane's tokens pre-drawn at their spacing (token-lane.ts), redrawn only
 * when the count or zoom changes. No allocation per frame in the token loop.
 *
 * Redrawn only when its pixels change: tokens sit on whole pixels, and at the speed they travel
 * they move a pixel every few frames at most zooms, so the travel is held back until it adds up
 * to a whole device pixel and then applied to every running lane at once. A frame in between
 * leaves the canvas untouched: nothing to clear, raster or re-composite there (on a machine
 * without a GPU every touched canvas is re-rastered into the page on the CPU).
 */
import type { LineView } from '../../../../shared/twin/view';
import type { FloorLayout, LineLayout, Rect } from '../layout';
import { firstTokenAt, laneLengths } from '../token-lane';
import { TOKEN } from './board-style';
import type { FloorCamera } from './camera';

/** Units of WIP one token stands for. */
const UNITS_PER_TOKEN = 10;
const DEFAULT_TOKENS_PER_LINE = 24;
const TOKEN_SPEED = 36; // px per second along the lane
/** Tokens a running line with an order shows when its WIP is unknown (see `setFlow`). */
const FLOW_TOKENS = 8;

/** What the overlay shows through the token canvas: its canvas, where it drew, and whether it changed. */
export interface OverlayPixels {
  canvas: CanvasImageSource;
  rects: readonly Rect[];
  changed: boolean;
}

/** One line's conveyor lane and the tokens on it. */
export interface TokenLane {
  layout: LineLayout;
  /** Cumulative lane length at each lane point. */
  lengths: number[];
  /** WIP tokens on the lane now. */
  count: number;
  /** Whether the line runs (its tokens travel). */
  moving: boolean;
  phase: number;
  /** The lane's tokens pre-drawn every `stripStep` screen pixels (k + 1 of them), and what it was drawn for. */
  strip: ImageBitmap | null;
  stripK: number;
  stripStep: number;
  stripScale: number;
}

export class TokenLayer {
  readonly canvas = document.createElement('canvas');
  private readonly ctx = this.canvas.getContext('2d')!;
  private sprite: HTMLCanvasElement | null = null;
  private spriteScale = NaN;
  /** The sprite as an ImageBitmap: drawing a canvas would snapshot it on every blit. */
  private bitmap: ImageBitmap | null = null;
  private bitmapScale = NaN;
  private readonly lanes = new Map<string, TokenLane>();
  private perLine = DEFAULT_TOKENS_PER_LINE;
  private countChanged = false;
  /** Travel (world px) not yet applied to the running lanes: less than a device pixel so far. */
  private pendingTravel = 0;
  /** Something drawn changed since the last draw (counts, lanes, a whole pixel of travel). */
  private dirty = true;
  /** The view the canvas was last drawn for. */
  private drawnFor = { scale: NaN, x: NaN, y: NaN, w: 0, h: 0 };
  private destroyed = false;

  mount(host: HTMLElement): void {
    this.canvas.setAttribute('aria-hidden', 'true');
    this.canvas.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none';
    host.appendChild(this.canvas);
  }

  /** A lane per line of the layout, with no tokens yet; `budget` is the most tokens in all (default 24 per line). */
  build(layout: FloorLayout, budget: number | undefined): void {
    this.clear();
    this.perLine = budget !== undefined ? Math.ceil(budget / Math.max(1, layout.lines.length)) : DEFAULT_TOKENS_PER_LINE;
    for (const l of layout.lines) {
      this.lanes.set(l.id, { layout: l, lengths: laneLengths(l.lane), count: 0, moving: false, phase: 0, strip: null, stripK: 0, stripStep: 0, stripScale: 0 });
    }
  }

  lane(lineId: string): TokenLane | undefined {
    return this.lanes.get(lineId);
  }

  /**
   * The line's tokens from its view: one per UNITS_PER_TOKEN units between the first and last
   * machine, capped. When the MES reports counts only at the line's end (WIP unknown, 0) a running
   * line with an order still shows a nominal flow of FLOW_TOKENS, so a moving line looks alive.
   */
  setFlow(lane: TokenLane, v: LineView | undefined): void {
    const units = v ? (v.wip > 0 ? Math.ceil(v.wip / UNITS_PER_TOKEN) : v.currentOrderId && v.status === 'running' ? FLOW_TOKENS : 0) : 0;
    const want = lane.layout.lane.length > 1 ? Math.min(this.perLine, units) : 0;
    if (want !== lane.count) {
      lane.count = want;
      this.countChanged = true;
      this.dirty = true;
    }
  }

  /** Tokens on the floor in all, when that changed since the last call; else null. */
  takeTotal(): number | null {
    if (!this.countChanged) return null;
    this.countChanged = false;
    let all = 0;
    for (const n of this.lanes.values()) all += n.count;
    return all;
  }

  /** Moves the tokens of running lines on by `dt` seconds (applied by `draw` once it makes a whole pixel). */
  advance(dt: number): void {
    this.pendingTravel += dt * TOKEN_SPEED;
  }

  /**
   * Every token, every frame: evenly spaced along its lane, shifted by the line's phase, mapped to
   * screen pixels. Tokens outside the view are skipped (culling); none inside it is left out.
   * `w`×`h` is the screen in CSS px, `res` the device pixels per CSS px.
   */
  draw(camera: FloorCamera, w: number, h: number, res: number, overlay?: OverlayPixels): void {
    const c = this.canvas;
    const pw = Math.round(w * res);
    const ph = Math.round(h * res);
    if (c.width !== pw || c.height !== ph) {
      c.width = pw;
      c.height = ph;
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    const s = camera.scale * res;
    const tx = camera.x * res;
    const ty = camera.y * res;
    if (this.pendingTravel * s >= 1) {
      // A whole device pixel of travel (or more): every running lane moves by the same amount.
      for (const n of this.lanes.values()) if (n.moving && n.count) n.phase += this.pendingTravel;
      this.pendingTravel = 0;
      this.dirty = true;
    }
    const at = this.drawnFor;
    if (overlay?.changed) this.dirty = true;
    if (!this.dirty && at.scale === s && at.x === tx && at.y === ty && at.w === pw && at.h === ph) return;
    this.dirty = false;
    at.scale = s;
    at.x = tx;
    at.y = ty;
    at.w = pw;
    at.h = ph;
    const g = this.ctx;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, pw, ph);
    const sprite = this.spriteFor(s);
    if (this.bitmapScale !== s) {
      // Until the bitmap for this zoom is ready, draw from the canvas (correct, only slower).
      this.bitmapScale = s;
      this.bitmap?.close();
      this.bitmap = null;
      void createImageBitmap(sprite).then((b) => {
        if (this.bitmapScale === s && !this.destroyed) this.bitmap = b;
        else b.close();
      });
    }
    const img: CanvasImageSource = this.bitmap ?? sprite;
    const size = sprite.width;
    const half = size / 2;
    for (const n of this.lanes.values()) {
      const k = n.count;
      const lengths = n.lengths;
      const total = lengths[lengths.length - 1] ?? 0;
      if (!k || total <= 0) continue;
      const b = n.layout.bounds;
      if (b.x * s + tx > pw || (b.x + b.w) * s + tx < 0 || b.y * s + ty > ph || (b.y + b.h) * s + ty < 0) continue;
      const lane = n.layout.lane;
      const gap = total / k;
      const offset = n.phase % gap;
      const strip = this.stripFor(n, k, gap * s, s, sprite);
      for (let seg = 1; seg < lengths.length; seg++) {
        const l0 = lengths[seg - 1]!;
        const len = lengths[seg]! - l0;
        const from = firstTokenAt(l0, offset, gap, k);
        const to = firstTokenAt(lengths[seg]!, offset, gap, k);
        if (to <= from || len <= 0) continue;
        const a = lane[seg - 1]!;
        const e = lane[seg]!;
        const ux = (e.x - a.x) / len;
        const uy = (e.y - a.y) / len;
        if (strip) {
          // The segment's tokens in one blit: the strip's first `to − from` tokens, the first placed on
          // token `from`; whole pixels along a left-to-right lane, so the blit stays a copy.
          const t0 = offset + from * gap - l0;
          const x0 = (a.x + ux * t0) * s + tx;
          const y0 = (a.y + uy * t0) * s + ty;
          const sw = Math.min(strip.width, Math.round((to - from - 1) * gap * s) + size);
          if (uy === 0 && ux > 0) g.drawImage(strip, 0, 0, sw, size, Math.round(x0) - half, Math.round(y0) - half, sw, size);
          else {
            g.setTransform(ux, uy, -uy, ux, x0, y0);
            g.drawImage(strip, 0, 0, sw, size, -half, -half, sw, size);
            g.setTransform(1, 0, 0, 1, 0, 0);
          }
          continue;
        }
        for (let i = from; i < to; i++) {
          const t = offset + i * gap - l0;
          // Whole pixels: the blit stays a copy (no resampling) in software raster.
          g.drawImage(img, Math.round((a.x + ux * t) * s + tx - half), Math.round((a.y + uy * t) * s + ty - half));
        }
      }
    }
    if (overlay) {
      // The overlay over the tokens: only where it drew (a copy of its pixels, same resolution).
      for (const r of overlay.rects) {
        const x = Math.max(0, Math.floor(r.x * res));
        const y = Math.max(0, Math.floor(r.y * res));
        const x1 = Math.min(pw, Math.ceil((r.x + r.w) * res));
        const y1 = Math.min(ph, Math.ceil((r.y + r.h) * res));
        if (x1 > x && y1 > y) g.drawImage(overlay.canvas, x, y, x1 - x, y1 - y, x, y, x1 - x, y1 - y);
      }
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.clear();
  }

  private clear(): void {
    for (const n of this.lanes.values()) n.strip?.close();
    this.lanes.clear();
    this.countChanged = true;
    this.dirty = true;
  }

  /** The token bitmap at the current zoom (a dark disc with a light rim, as the board's ink). */
  private spriteFor(scale: number): HTMLCanvasElement {
    if (this.sprite && this.spriteScale === scale) return this.sprite;
    const r = Math.max(1, 4.5 * scale);
    const size = Math.ceil(2 * r + 2);
    const c = this.sprite ?? document.createElement('canvas');
    c.width = c.height = size;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, size, size);
    g.beginPath();
    g.arc(size / 2, size / 2, r, 0, Math.PI * 2);
    g.fillStyle = `#${TOKEN.toString(16).padStart(6, '0')}`;
    g.fill();
    g.lineWidth = Math.max(0.5, 1.2 * scale);
    g.strokeStyle = '#f4f5f6';
    g.stroke();
    this.sprite = c;
    this.spriteScale = scale;
    return c;
  }

  /**
   * The line's k + 1 tokens drawn every `step` screen pixels in one bitmap, redrawn when the count,
   * spacing or zoom changed (counts settle at most every so often, see the board's counts). Null
   * when it would be too wide for a bitmap (deep zoom): the tokens are then drawn one by one.
   */
  private stripFor(n: TokenLane, k: number, step: number, scale: number, sprite: HTMLCanvasElement): ImageBitmap | null {
    if (n.strip && n.stripK === k && n.stripStep === step && n.stripScale === scale) return n.strip;
    n.strip?.close();
    n.strip = null;
    const size = sprite.width;
    const w = Math.round(k * step) + size;
    if (w > 8192 || typeof OffscreenCanvas === 'undefined') return null;
    const c = new OffscreenCanvas(w, size);
    const g = c.getContext('2d');
    if (!g) return null;
    for (let m = 0; m <= k; m++) g.drawImage(sprite, Math.round(m * step), 0);
    n.strip = c.transferToImageBitmap();
    n.stripK = k;
    n.stripStep = step;
    n.stripScale = scale;
    return n.strip;
  }
}
