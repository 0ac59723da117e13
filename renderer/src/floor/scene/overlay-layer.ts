/**
 * The overlay: the selection, keyboard cursor and hover outlines (world space) and the minimap
 * (bottom right, screen space: the whole floor and the viewport; click to centre), drawn by the
 * pixi Application only when one of them or the view changed. Its canvas lies over the board and
 * the tokens and takes the pointer and keyboard (floor-input.ts), but is not shown itself: the token
 * layer copies the overlay's few drawn places (`contentRects`) onto its own canvas. A full-screen
 * transparent canvas costs a blend of every pixel in each frame the compositor draws, in software
 * (no GPU) as much as drawing the board; on a 4K wall three such layers were the frame. With pixi's
 * WebGL renderer (its drawing buffer is not kept after a frame, so it cannot be copied later) the
 * overlay's canvas is shown as it is.
 */
import { Container, Graphics, Rectangle, RendererType, type Application } from 'pixi.js';
import { colorNumber, presentation } from '../../app/states';
import { levelOf, type Focus } from '../focus';
import { MACHINE_H, MACHINE_W, type Rect } from '../layout';
import { FOCUS, INK } from './board-style';
import { ViewStamp, type FloorCamera, type Point, type Size } from './camera';
import { pad, type FloorIndex } from './floor-index';
import { targetKey, targetRect } from './hit-test';
import type { FloorSelection } from './selection';

/** Least time between two redraws of the minimap's machines. */
const MINIMAP_MS = 250;
/** The minimap's margin inside its frame, px. */
const MINI_PAD = 6;

export class OverlayLayer {
  /** The camera's transform (pan, zoom) for the outlines, set from FloorCamera before each draw. */
  private readonly world = new Container({ isRenderGroup: true });
  private readonly outlines = new Graphics();
  private readonly mini = new Container();
  private readonly miniMap = new Graphics();
  private readonly miniView = new Graphics();
  private readonly miniRect = new Rectangle();
  private miniScale = 1;
  private miniDirty = true;
  private miniDueAt = 0;
  private readonly miniStamp = new ViewStamp();
  private readonly stamp = new ViewStamp();
  private dirty = true;
  /** The outlines drawn (world rects, stroke widths), and the screen rects `contentRects` gives. */
  private readonly outlineRects: { r: Rect; width: number }[] = [];
  private readonly rects: Rect[] = [];
  /** Whether the token layer shows this overlay's pixels (pixi's 2D canvas renderer), or its own canvas does. */
  readonly composed: boolean;

  constructor(private readonly app: Application) {
    this.composed = app.renderer.type === RendererType.CANVAS;
    this.world.addChild(this.outlines);
    this.mini.addChild(this.miniMap, this.miniView);
    app.stage.addChild(this.world, this.mini);
    // The overlay canvas is drawn on demand (render), not by the application every frame.
    app.ticker.remove(app.render, app);
  }

  get canvas(): HTMLCanvasElement {
    return this.app.canvas;
  }

  mount(host: HTMLElement): void {
    const canvas = this.app.canvas;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Plant floor: areas, lines and machines with live state. The line status table gives the same information as text.');
    canvas.tabIndex = 0;
    canvas.className = this.composed ? 'floor-canvas floor-input-only' : 'floor-canvas';
    canvas.style.cssText += ';position:absolute;left:0;top:0';
    // Transparent to the eye, not to input: the token layer shows what it draws (see the top).
    if (this.composed) canvas.style.opacity = '0';
    host.appendChild(canvas);
  }

  /** Wall mode has no minimap. */
  showMinimap(shown: boolean): void {
    this.mini.visible = shown;
    this.dirty = true;
  }

  /** Outlines the focus (area, line, machine), the keyboard cursor and the hover. */
  drawOutlines(index: FloorIndex | null, f: Focus, selection: FloorSelection): void {
    const g = this.outlines;
    g.clear();
    this.outlineRects.length = 0;
    this.dirty = true;
    if (!index) return;
    const outline = (r: Rect, width: number, color = FOCUS, alpha = 1) => {
      g.roundRect(r.x, r.y, r.w, r.h, 8).stroke({ width, color, alpha });
      this.outlineRects.push({ r, width });
    };
    if (levelOf(f) === 'area' && f.areaId) {
      const a = index.area(f.areaId);
      if (a) outline(pad(a.zone, 3, 3), 3);
    }
    if (f.lineId) {
      const l = index.line(f.lineId);
      if (l) outline(pad(l.bounds, 8, 6), 3);
    }
    if (f.machineId) {
      const m = index.machine(f.machineId);
      if (m) outline({ x: m.x - MACHINE_W / 2 - 6, y: m.y - MACHINE_H / 2 - 6, w: MACHINE_W + 12, h: MACHINE_H + 12 }, 4);
    }
    if (selection.cursor) {
      const r = targetRect(index, selection.cursor);
      if (r) outline(pad(r, 4, 4), 2.5, FOCUS, 0.8);
    }
    if (selection.hover) {
      const r = targetRect(index, targetKey(selection.hover));
      if (r) outline(pad(r, 3, 3), 1.5, INK, 0.6);
    }
  }

  /** Sizes and places the minimap for the floor's bounds on a screen of `size`. */
  placeMinimap(index: FloorIndex, size: Size): void {
    const b = index.layout.bounds;
    const mw = Math.max(140, Math.min(260, size.width * 0.14));
    const s = Math.min(mw / b.w, (size.height * 0.22) / b.h);
    this.miniScale = s;
    const rw = b.w * s + 2 * MINI_PAD;
    const rh = b.h * s + 2 * MINI_PAD;
    this.miniRect.x = size.width - rw - 12;
    this.miniRect.y = size.height - rh - 12;
    this.miniRect.width = rw;
    this.miniRect.height = rh;
    this.mini.position.set(this.miniRect.x, this.miniRect.y);
    this.miniDirty = true;
  }

  /** A machine changed state: the minimap redraws its machines (at most every MINIMAP_MS). */
  markMinimap(): void {
    this.miniDirty = true;
  }

  /** Once a frame: the minimap's machines when due, and its viewport frame when the view moved. */
  updateMinimap(index: FloorIndex, now: number, stateOf: (machineId: string) => string, camera: FloorCamera, screen: Size): void {
    if (!this.mini.visible) return;
    if (this.miniDirty && now >= this.miniDueAt) {
      this.miniDirty = false;
      this.miniDueAt = now + MINIMAP_MS;
      this.drawMinimap(index, stateOf);
      this.miniStamp.forget();
    }
    this.drawMinimapView(index, camera, screen);
  }

  /** Whether a canvas point is on the minimap. */
  onMinimap(p: Point): boolean {
    return this.mini.visible && this.miniRect.contains(p.x, p.y);
  }

  /** The world point a canvas point on the minimap stands for. */
  minimapToWorld(p: Point): Point {
    return { x: (p.x - this.miniRect.x - MINI_PAD) / this.miniScale, y: (p.y - this.miniRect.y - MINI_PAD) / this.miniScale };
  }

  /** Draws the overlay canvas, only when it or the view changed; whether it did. */
  render(camera: FloorCamera): boolean {
    const screen = this.app.screen;
    if (this.stamp.moved(camera, screen.width, screen.height)) {
      this.world.position.set(camera.x, camera.y);
      this.world.scale.set(camera.scale);
      this.dirty = true;
    }
    if (!this.dirty) return false;
    this.dirty = false;
    this.app.render();
    return true;
  }

  /**
   * Where the overlay has drawn anything, in screen px: the minimap, and the four edges of each
   * outline (an outline is a rounded rect's stroke; its inside is empty). The array is reused.
   */
  contentRects(camera: FloorCamera): readonly Rect[] {
    const out = this.rects;
    out.length = 0;
    if (this.mini.visible) out.push({ x: this.miniRect.x - 2, y: this.miniRect.y - 2, w: this.miniRect.width + 4, h: this.miniRect.height + 4 });
    const s = camera.scale;
    for (const { r, width } of this.outlineRects) {
      const m = Math.ceil((width * s) / 2) + 2;
      const x = r.x * s + camera.x;
      const y = r.y * s + camera.y;
      const w = r.w * s;
      const h = r.h * s;
      if (w <= 4 * m || h <= 4 * m) out.push({ x: x - m, y: y - m, w: w + 2 * m, h: h + 2 * m });
      else {
        out.push({ x: x - m, y: y - m, w: w + 2 * m, h: 2 * m }, { x: x - m, y: y + h - m, w: w + 2 * m, h: 2 * m });
        out.push({ x: x - m, y: y + m, w: 2 * m, h: h - 2 * m }, { x: x + w - m, y: y + m, w: 2 * m, h: h - 2 * m });
      }
    }
    return out;
  }

  clear(): void {
    this.outlines.clear();
    this.outlineRects.length = 0;
  }

  private drawMinimap(index: FloorIndex, stateOf: (machineId: string) => string): void {
    const L = index.layout;
    const s = this.miniScale;
    const g = this.miniMap.clear();
    this.dirty = true;
    g.roundRect(0, 0, this.miniRect.width, this.miniRect.height, 6).fill({ color: 0xf4f5f6, alpha: 0.95 }).stroke({ width: 1, color: 0x7d848b });
    for (const a of L.areas) g.rect(MINI_PAD + a.zone.x * s, MINI_PAD + a.zone.y * s, a.zone.w * s, a.zone.h * s).fill(0xdfe2e5);
    for (const m of L.machines) {
      const p = presentation(stateOf(m.id) || 'unknown');
      g.rect(MINI_PAD + (m.x - MACHINE_W / 2) * s, MINI_PAD + (m.y - MACHINE_H / 2) * s, Math.max(2, MACHINE_W * s), Math.max(2, MACHINE_H * s)).fill(p.abnormal ? colorNumber(p.color) : 0x9aa0a6);
    }
  }

  private drawMinimapView(index: FloorIndex, camera: FloorCamera, screen: Size): void {
    const w = screen.width;
    const h = screen.height;
    if (!this.miniStamp.moved(camera, w, h) && !this.miniDirty) return;
    const b = index.layout.bounds;
    const s = this.miniScale;
    const v = camera.scale;
    const x0 = Math.max(0, -camera.x / v) * s;
    const y0 = Math.max(0, -camera.y / v) * s;
    const x1 = Math.min(b.w, (w - camera.x) / v) * s;
    const y1 = Math.min(b.h, (h - camera.y) / v) * s;
    this.miniView.clear();
    this.dirty = true;
    if (x1 > x0 && y1 > y0) this.miniView.rect(MINI_PAD + x0, MINI_PAD + y0, x1 - x0, y1 - y0).stroke({ width: 2, color: FOCUS });
  }
}
