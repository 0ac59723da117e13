/**
 * The Floor's pointer and keyboard, on the overlay canvas. Wheel zooms at the pointer, drag pans,
 * a click selects what is under it (hit-tested by hand, no per-object events) or, on the minimap,
 * centres the view there. On the focused canvas arrows pan, +/- zoom, 0 fits, `[`/`]` move the
 * keyboard cursor among the children of the current level and Enter drills into it (Escape,
 * global, goes up).
 */
import type { FloorCamera, Point, Size } from './camera';
import type { FloorIndex } from './floor-index';
import { hitTest } from './hit-test';
import type { OverlayLayer } from './overlay-layer';
import type { FloorSelection } from './selection';

/** Pointer travel (px) under which a press and release is a click, not a drag. */
const CLICK_SLOP_PX = 4;
/** How far an arrow key pans, px. */
const PAN_STEP_PX = 60;
const ZOOM_STEP = 1.2;

export interface FloorInputParts {
  camera: FloorCamera;
  selection: FloorSelection;
  overlay: OverlayLayer;
  index(): FloorIndex | null;
  /** The canvas size in CSS px. */
  screen(): Size;
  /** Frames the floor (or the focus) again. */
  fit(): void;
}

export class FloorInput {
  private drag: { x: number; y: number; id: number; moved: number } | null = null;
  private readonly off: () => void;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly parts: FloorInputParts,
  ) {
    const listeners: [string, (e: never) => void, AddEventListenerOptions?][] = [
      ['wheel', this.onWheel, { passive: false }],
      ['pointerdown', this.onDown],
      ['pointermove', this.onMove],
      ['pointerup', this.onUp],
      ['pointercancel', this.onUp],
      ['pointerleave', this.onLeave],
      ['keydown', this.onKey],
    ];
    for (const [type, f, o] of listeners) canvas.addEventListener(type, f as EventListener, o);
    this.off = () => {
      for (const [type, f] of listeners) canvas.removeEventListener(type, f as EventListener);
    };
  }

  destroy(): void {
    this.off();
  }

  /** Zooms about the middle of the canvas (keyboard, buttons). */
  zoomAtCentre(factor: number): void {
    const s = this.parts.screen();
    this.parts.camera.zoomBy(factor, { x: s.width / 2, y: s.height / 2 });
  }

  private local(e: { clientX: number; clientY: number }): Point {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /** What is under a canvas point. */
  private under(p: Point) {
    const index = this.parts.index();
    if (!index) return null;
    const w = this.parts.camera.toWorld(p);
    return hitTest(index, w.x, w.y);
  }

  private onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    this.parts.camera.zoomBy(Math.exp(-e.deltaY * 0.0015), this.local(e));
  };

  private onDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    const p = this.local(e);
    const { overlay, camera } = this.parts;
    if (overlay.onMinimap(p)) {
      camera.centreOn(overlay.minimapToWorld(p), this.parts.screen());
      return;
    }
    this.drag = { x: e.clientX, y: e.clientY, id: e.pointerId, moved: 0 };
    this.canvas.setPointerCapture(e.pointerId);
  };

  private onMove = (e: PointerEvent): void => {
    const drag = this.drag;
    if (drag && drag.id === e.pointerId) {
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      drag.moved += Math.abs(dx) + Math.abs(dy);
      if (drag.moved > CLICK_SLOP_PX) {
        this.canvas.classList.add('dragging');
        this.parts.camera.panBy(dx, dy);
      }
      drag.x = e.clientX;
      drag.y = e.clientY;
      return;
    }
    const p = this.local(e);
    if (this.parts.overlay.onMinimap(p)) return this.parts.selection.setHover(null, p);
    this.parts.selection.setHover(this.under(p), p);
  };

  private onUp = (e: PointerEvent): void => {
    if (!this.drag || this.drag.id !== e.pointerId) return;
    const click = this.drag.moved <= CLICK_SLOP_PX;
    this.drag = null;
    this.canvas.classList.remove('dragging');
    if (click) {
      const t = this.under(this.local(e));
      if (t) this.parts.selection.select(t);
    }
  };

  private onLeave = (): void => {
    this.parts.selection.clearHover();
  };

  private readonly shortcuts: Record<string, () => void> = {
    ArrowLeft: () => this.parts.camera.panBy(PAN_STEP_PX, 0),
    ArrowRight: () => this.parts.camera.panBy(-PAN_STEP_PX, 0),
    ArrowUp: () => this.parts.camera.panBy(0, PAN_STEP_PX),
    ArrowDown: () => this.parts.camera.panBy(0, -PAN_STEP_PX),
    '+': () => this.zoomAtCentre(ZOOM_STEP),
    '=': () => this.zoomAtCentre(ZOOM_STEP),
    '-': () => this.zoomAtCentre(1 / ZOOM_STEP),
    '0': () => this.parts.fit(),
    ']': () => this.parts.selection.moveCursor(1),
    '[': () => this.parts.selection.moveCursor(-1),
    Enter: () => this.parts.selection.enter(),
  };

  private onKey = (e: KeyboardEvent): void => {
    const f = this.shortcuts[e.key];
    if (!f || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    f();
  };
}
