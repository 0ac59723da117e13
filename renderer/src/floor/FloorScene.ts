/**
 * The Floor: an imperative pixi v8 scene, outside React. React mounts it once (FloorCanvas) and
 * never re-renders it per delta.
 *
 * - Built from the Plant (layoutPlant): areas as zones, lines as rows with a label (status, order,
 *   SKU, live counts), an availability gauge and exception badges; machines as boxes; buffers as
 *   small level gauges between boxes; WIP tokens on a conveyor lane below the boxes (never hidden).
 * - Keeps Map id → node for lines and machines.
 * - Twin deltas are queued as they arrive (TwinStore.onDelta) and drained in the ticker, at most
 *   once per frame; draining collapses the queue to the set of changed ids and redraws only those
 *   from the store's current state. States (colour, shape, word) are drawn on the next frame;
 *   counts (texts, buffer levels, token numbers) at most every COUNTS_MS per line, since nobody
 *   reads digits changing at 60 Hz and each change repaints part of the board.
 * - Three stacked canvases, so that what moves every frame does not make everything else redraw.
 *   pixi draws the board and the overlay with its Canvas renderer by default, WebGL on request
 *   (pixi/floor-renderer.ts says why):
 *   1. the board (its own pixi renderer, drawing kept between frames): zones, rails, machine names
 *      (static), boxes, labels, gauges, badges (live). A delta redraws only the screen rects of the
 *      items it changed (dirty.ts): on the 2D canvas one pass clipped to those rects, on WebGL one
 *      pass per rect with the viewport set to it; in both only the items crossing them are drawn.
 *      Pan, zoom or resize redraw it all. Off-screen items are culled.
 *   2. the WIP tokens: a 2D canvas cleared and drawn every frame. All tokens of a lane move
 *      together, so each straight lane segment is one blit of a strip of the lane's tokens
 *      pre-drawn at their spacing (token-lane.ts), redrawn only when the count or zoom changes.
 *   3. the overlay (the pixi Application's canvas, transparent): selection, keyboard cursor,
 *      hover, minimap (screen space); drawn only when one of them or the view changed. It takes
 *      the pointer and keyboard.
 *   Live labels are Text on the 2D canvas and BitmapText on WebGL (see `label`).
 *   The ticker stops while the document is hidden. No allocation per frame in the token loop.
 * - Drill-down (focus.ts): plant ▸ area ▸ line ▸ machine; the scene zooms to the focused area or
 *   line and outlines the selection. Hover and click are hit-tested by hand (no per-object events).
 * - A minimap (bottom right, screen space) shows the whole floor and the viewport; click to centre.
 * - Wheel zooms at the pointer, drag pans, `fit()` frames the whole floor; arrows/+/-/0 on the
 *   focused canvas do the same from the keyboard; `[`/`]` move the keyboard cursor among the
 *   children of the current level, Enter drills into it (Escape, global, goes up).
 */
import 'pixi.js/unsafe-eval';
// pixi's browser extensions (events, accessibility, DOM) load with the page instead of by a dynamic
// import when the first renderer starts: in browser mode that import's files were requested while
// the core was booting in the same thread, and the Floor's start waited for them (~0.25 s).
import 'pixi.js/browser';
import {
  Application,
  autoDetectRenderer,
  BitmapFontManager,
  BitmapText,
  Container,
  Graphics,
  Matrix,
  Rectangle,
  RendererType,
  Text,
  type CanvasRenderer,
  UPDATE_PRIORITY,
  type Renderer,
  type TextStyleOptions,
} from 'pixi.js';
import type { Plant } from '../../../shared/plant/schema';
import type { LineView, MachineView, TwinDelta, TwinView } from '../../../shared/twin/view';
import type { TwinStore } from '../twin/store';
import { GAUGE_W, layoutPlant, MACHINE_H, MACHINE_W, STATE_WORD_DY, type FloorLayout, type LineLayout, type MachineLayout, type Rect } from './layout';
import { colorNumber, NEUTRAL_INK, presentation, states, type Shape } from '../app/states';
import type { TaktDebug } from '../debug';
import { focusStore, hoverStore, levelOf, setFocus, type Focus, type Hover } from './focus';
import { MAX_PASSES, screenRects } from './dirty';
import { startRenderer } from './pixi/start-renderer';
import { pageFloorRenderer, type FloorRendererKind } from './pixi/floor-renderer';
import { firstTokenAt, laneLengths } from './token-lane';

/** Height of the drill-down bar over the top of the canvas (Overlays.tsx), kept clear when framing. */
const DRILL_BAR_PX = 40;

// Glyph atlases for the live labels (BitmapText) at twice the pixel density, as crisp as TEXT_RES.
BitmapFontManager.defaultOptions.resolution = 2;

const BG = 0xd9dcdf;
const ZONE_FILL = 0xe6e8ea;
const ZONE_LINE = 0xb4b9be;
const BOX_FILL = 0xc4c9ce;
const BOX_LINE = 0x7d848b;
const RAIL = 0xa9aeb3;
const INK = colorNumber(NEUTRAL_INK);
const INK_2 = 0x4f565d;
const TOKEN = 0x3c4248;
const FOCUS = 0x1a4d99;
const FONT = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
/** Units of WIP one token stands for. */
const UNITS_PER_TOKEN = 10;
const DEFAULT_TOKENS_PER_LINE = 24;
const TOKEN_SPEED = 36; // px per second along the lane
const COUNTS_MS = 500;
const FLOW_TOKENS = 8;
const TEXT_RES = 2;
/** How long the zoom must stay put before the 2D canvas re-rasterises labels for it. */
const TEXT_SETTLE_MS = 150;
const MINIMAP_MS = 250;

/** A live label: BitmapText on WebGL, Text on the 2D canvas (see `label`). */
type Label = Text | BitmapText;

interface LineNode {
  layout: LineLayout;
  root: Container;
  icon: Graphics;
  title: Label;
  detail: Label;
  gauge: Graphics;
  gaugeText: Label;
  badge: Graphics;
  badgeShape: Graphics;
  badgeText: Label;
  buffers: Graphics;
  /** Cumulative lane length at each lane point. */
  lengths: number[];
  /** WIP tokens on the lane now. */
  tokens: number;
  /** The lane's tokens pre-drawn every `stripStep` screen pixels (k + 1 of them), and what it was drawn for. */
  strip: ImageBitmap | null;
  stripK: number;
  stripStep: number;
  stripScale: number;
  moving: boolean;
  phase: number;
  status: string;
  titleKey: string;
  badgeKey: string;
  countsDueAt: number;
  countsPending: boolean;
  gaugePct: number;
}

interface MachineNode {
  layout: MachineLayout;
  root: Container;
  box: Graphics;
  icon: Graphics;
  kind: Label;
  state: string;
  reason: string;
  key: string;
}

export interface FloorSceneOptions {
  debug?: TaktDebug;
  /** Most WIP tokens drawn in all (spread over the lines); default 24 per line. */
  tokenBudget?: number;
}

const common = () => ({
  // No MSAA: in software WebGL (SwiftShader) 4× multisampling of a full-HD canvas costs most of the frame.
  antialias: false,
  autoDensity: true,
  resolution: Math.min(2, window.devicePixelRatio || 1),
  preference: pageFloorRenderer(),
});

/** Starts a renderer of `kind`: WebGL through startRenderer (its context and probes), the 2D canvas as pixi does. */
function startKind<T>(kind: FloorRendererKind, wish: Parameters<typeof startRenderer>[0], start: (given: object) => Promise<T>): Promise<T> {
  return kind === 'webgl' ? startRenderer(wish, start) : start({});
}
/** Selection, hover and the minimap: transparent, drawn when they (or the view) change. */
const appOptions = () => ({ ...common(), backgroundAlpha: 0 });
/**
 * The board (zones, rails, machines, labels): drawn only where something changed. The drawing
 * buffer is kept between frames so a partial redraw leaves the rest of the board as it was.
 */
const boardOptions = () => ({
  ...common(),
  background: BG,
  preserveDrawingBuffer: true,
  // Most board items are drawn only in a full redraw (pan, zoom, resize): pixi must not free their
  // text textures and buffers as "unused" meanwhile, or each partial redraw would re-upload them.
  gcActive: false,
  renderableGCActive: false,
  textureGCActive: false,
});

let prewarmed: { app: Application; ready: Promise<void>; board: Promise<Renderer> } | null = null;

/**
 * Starts pixi's renderers (WebGL contexts, shaders) before React mounts the Floor, so it overlaps
 * connecting to the core and loading the plant. The next FloorScene takes them over.
 */
export function prewarmFloor(): void {
  if (prewarmed) return;
  const app = new Application();
  // 1×1: the Floor sizes both canvases to its host once mounted; a drawing buffer made at window size
  // would be allocated twice (a WebGL canvas resize reallocates it).
  const size = { width: 1, height: 1 };
  const kind = pageFloorRenderer();
  const ready = startKind(kind, { ...appOptions(), early: 'app' }, (given) => app.init({ ...appOptions(), ...size, ...given }));
  const p = { app, ready, board: ready.then(() => startKind(kind, { ...boardOptions(), early: 'board' }, (given) => autoDetectRenderer({ ...boardOptions(), ...size, ...given }))) };
  prewarmed = p;
  Promise.all([p.ready, p.board]).catch(() => {
    if (prewarmed === p) prewarmed = null;
  });
}

type Target = { kind: 'machine'; id: string; lineId: string; areaId: string } | { kind: 'line'; id: string; areaId: string } | { kind: 'area'; id: string } | { kind: 'buffer'; lineId: string; from: string; to: string; areaId: string };

export class FloorScene {
  app = new Application();
  /** The camera: its transform (pan, zoom) places the board and the moving layer alike. */
  private world = new Container({ isRenderGroup: true });
  /** The board's own renderer and canvas, under the app's transparent canvas. */
  private board: Renderer | null = null;
  private boardRoot = new Container({ isRenderGroup: true });
  /** Paints the background under a partial redraw (the viewport clips it to the redrawn rect). */
  private boardBg = new Graphics().rect(-1e6, -1e6, 2e6, 2e6).fill(BG);
  private base = new Container({ isRenderGroup: true });
  private live = new Container({ isRenderGroup: true });
  private names = new Container({ isRenderGroup: true });
  /** World-space bounds of each board item as last drawn: culling and what a redraw must cover. */
  private drawn = new WeakMap<Container, Rect>();
  /** Line and machine roots changed this frame (their new bounds are taken before drawing). */
  private touched = new Set<Container>();
  /** World rects of the board to redraw on the next frame. */
  private dirty: Rect[] = [];
  private boardFull = true;
  private boardView = { x: NaN, y: NaN, s: NaN, w: 0, h: 0 };
  private boardMatrix = new Matrix();
  private boardFrame = new Rectangle();
  /**
   * The WIP tokens: a 2D canvas between the board and the overlay, cleared and drawn every frame
   * (one small bitmap blit per token; no WebGL readback for the layer that changes every frame).
   */
  private tokenCanvas = document.createElement('canvas');
  private tokenCtx = this.tokenCanvas.getContext('2d')!;
  private tokenSprite: HTMLCanvasElement | null = null;
  /** The sprite as an ImageBitmap: drawing a canvas would snapshot it on every blit. */
  private tokenBitmap: ImageBitmap | null = null;
  private tokenBitmapScale = NaN;
  private tokenSpriteScale = NaN;
  private topDirty = true;
  private topView = { x: NaN, y: NaN, s: NaN, w: 0, h: 0 };
  private overlay = new Graphics();
  private mini = new Container();
  private miniMap = new Graphics();
  private miniView = new Graphics();
  private miniRect = new Rectangle();
  private miniScale = 1;
  private miniDirty = true;
  private miniDueAt = 0;
  private lines = new Map<string, LineNode>();
  private machines = new Map<string, MachineNode>();
  private plant: Plant | null = null;
  private layout: FloorLayout | null = null;
  private aspect = 0;
  private queue: (TwinDelta | { view: TwinView })[] = [];
  private tokensDirty = false;
  private userMoved = false;
  private destroyed = false;
  private ready = false;
  private drainedThisFrame = false;
  private wall = false;
  private cursor: string | null = null;
  private hover: Target | null = null;
  private pendingMarks: string[] = [];
  /** Every Text on the board, and the resolution they are rasterised at (textsFor). */
  private texts = new Set<Text>();
  private textRes = TEXT_RES;
  private textScaleSeen = NaN;
  private textScaleAt = 0;
  private lastView = { x: NaN, y: NaN, s: NaN, w: 0, h: 0 };
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly store: TwinStore,
    private readonly opts: FloorSceneOptions = {},
  ) {}

  async init(): Promise<void> {
    performance.mark('takt:scene-init');
    const warm = prewarmed;
    prewarmed = null;
    const size = { width: Math.max(1, this.host.clientWidth), height: Math.max(1, this.host.clientHeight) };
    if (warm) {
      this.app = warm.app;
      await warm.ready;
      this.board = await warm.board;
      this.app.resizeTo = this.host;
    } else {
      const kind = pageFloorRenderer();
      await startKind(kind, { ...appOptions(), early: 'app' }, (given) => this.app.init({ ...appOptions(), resizeTo: this.host, ...given }));
      this.board = await startKind(kind, { ...boardOptions(), early: 'board' }, (given) => autoDetectRenderer({ ...boardOptions(), ...size, ...given }));
    }
    if (this.destroyed) {
      this.app.destroy(true);
      this.board.destroy({ removeView: true });
      this.board = null;
      return;
    }
    const boardCanvas = this.board.canvas;
    if (this.board.type === RendererType.CANVAS) {
      // Between zoom changes and the re-rasterisation at the new zoom (textsFor) labels are drawn
      // scaled: 'high' makes the 2D canvas downscale through mipmaps, so thin strokes survive.
      (this.board as CanvasRenderer).canvasContext.rootContext.imageSmoothingQuality = 'high';
    }
    boardCanvas.setAttribute('aria-hidden', 'true');
    boardCanvas.style.cssText += ';position:absolute;left:0;top:0;pointer-events:none';
    this.host.appendChild(boardCanvas);
    const canvas = this.app.canvas;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Plant floor: areas, lines and machines with live state. The line status table gives the same information as text.');
    canvas.tabIndex = 0;
    canvas.className = 'floor-canvas';
    canvas.style.cssText += ';position:absolute;left:0;top:0';
    this.tokenCanvas.setAttribute('aria-hidden', 'true');
    this.tokenCanvas.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none';
    this.host.appendChild(this.tokenCanvas);
    this.host.appendChild(canvas);

    this.boardBg.visible = false;
    this.boardRoot.addChild(this.boardBg, this.base, this.live, this.names);
    this.world.addChild(this.overlay);
    this.mini.addChild(this.miniMap, this.miniView);
    this.app.stage.addChild(this.world, this.mini);
    // The overlay canvas is drawn on demand (renderTop), not by the application every frame.
    this.app.ticker.remove(this.app.render, this.app);

    this.app.ticker.add(this.drain, undefined, UPDATE_PRIORITY.HIGH);
    this.app.ticker.add(this.animate, undefined, UPDATE_PRIORITY.NORMAL);
    // Before the application's render (LOW): the board of this frame, so both canvases show it together.
    this.app.ticker.add(this.renderBoard, undefined, (UPDATE_PRIORITY.NORMAL + UPDATE_PRIORITY.LOW) / 2);
    this.app.ticker.add(this.drawTokens, undefined, UPDATE_PRIORITY.LOW);
    this.app.ticker.add(this.renderTop, undefined, UPDATE_PRIORITY.LOW);
    // Runs after the layers are drawn: counts frames actually drawn.
    this.app.ticker.add(this.afterRender, undefined, UPDATE_PRIORITY.UTILITY);

    this.cleanups.push(this.store.onDelta((d) => this.enqueue(d)));
    this.cleanups.push(focusStore.subscribe(() => this.applyFocus(true)));
    this.installInput(canvas);
    const onVisibility = () => (document.hidden ? this.app.ticker.stop() : this.app.ticker.start());
    document.addEventListener('visibilitychange', onVisibility);
    this.cleanups.push(() => document.removeEventListener('visibilitychange', onVisibility));
    let relayout: ReturnType<typeof setTimeout> | null = null;
    const ro = new ResizeObserver(() => {
      this.app.resize();
      // Re-pack the areas when the view's shape changed a lot (e.g. wall display, window snapped).
      const aspect = this.hostAspect();
      if (this.plant && Math.abs(Math.log(aspect / this.aspect)) > 0.18) {
        if (relayout) clearTimeout(relayout);
        relayout = setTimeout(() => this.plant && this.build(this.plant), 120);
      } else if (!this.userMoved) this.applyFocus(false);
      this.placeMinimap();
    });
    ro.observe(this.host);
    this.cleanups.push(() => {
      ro.disconnect();
      if (relayout) clearTimeout(relayout);
    });
    if (document.hidden) this.app.ticker.stop();
    const dbg = this.opts.debug;
    if (dbg) {
      dbg.renderer = this.board?.name ?? '';
      dbg.sceneMachineState = (id) => this.machines.get(id)?.state ?? '';
    }
    this.ready = true;
    performance.mark('takt:scene-ready');
  }

  /** (Re)builds the floor from a plant; current twin state is drawn on the next frame. */
  setPlant(plant: Plant): void {
    if (!this.ready) return;
    this.plant = plant;
    this.build(plant);
    performance.mark('takt:plant-built');
  }

  /** Wall mode: no minimap, always fitted. */
  setWall(wall: boolean): void {
    this.wall = wall;
    this.mini.visible = !wall;
    this.topDirty = true;
    if (wall) {
      this.userMoved = false;
      this.applyFocus(false);
    }
  }

  /** Frames the whole floor (or the focused area/line) in the view. */
  fit = (): boolean => {
    this.userMoved = false;
    this.applyFocus(false);
    return true;
  };

  zoomBy(factor: number, at?: { x: number; y: number }): void {
    const p = at ?? { x: this.app.screen.width / 2, y: this.app.screen.height / 2 };
    const old = this.world.scale.x;
    const s = Math.max(0.08, Math.min(8, old * factor));
    const wx = (p.x - this.world.x) / old;
    const wy = (p.y - this.world.y) / old;
    this.world.scale.set(s);
    this.world.position.set(p.x - wx * s, p.y - wy * s);
    this.userMoved = true;
  }

  panBy(dx: number, dy: number): void {
    this.world.position.set(this.world.x + dx, this.world.y + dy);
    this.userMoved = true;
  }

  destroy(): void {
    this.destroyed = true;
    this.cleanups.splice(0).forEach((c) => c());
    hoverStore.set(null);
    for (const n of this.lines.values()) n.strip?.close();
    if (this.ready) {
      this.boardRoot.destroy({ children: true });
      this.board?.destroy({ removeView: true });
      this.board = null;
      this.app.destroy(true, { children: true, texture: true });
      this.ready = false;
    }
  }

  // ---- building --------------------------------------------------------------------------------

  private hostAspect() {
    return Math.max(0.25, this.host.clientWidth / Math.max(1, this.host.clientHeight));
  }

  private build(plant: Plant) {
    this.clear();
    this.aspect = this.hostAspect();
    // The host's size, not app.screen: pixi applies resizeTo on the next frame.
    const layout = (this.layout = layoutPlant(plant, { aspect: this.aspect }));
    const budget = this.opts.tokenBudget;
    const perLine = budget !== undefined ? Math.ceil(budget / Math.max(1, layout.lines.length)) : DEFAULT_TOKENS_PER_LINE;
    this.tokensPerLine = perLine;
    for (const a of layout.areas) {
      const z = new Graphics().roundRect(a.zone.x, a.zone.y, a.zone.w, a.zone.h, 10).fill(ZONE_FILL).stroke({ width: 1.5, color: ZONE_LINE });
      const t = this.text(a.name.toUpperCase(), { fontSize: 17, fontWeight: '700', fill: INK_2, letterSpacing: 1.5 });
      t.position.set(a.zone.x + 14, a.zone.y + 8);
      this.base.addChild(z, t);
    }
    for (const l of layout.lines) this.lines.set(l.id, this.makeLine(l));
    for (const m of layout.machines) this.machines.set(m.id, this.makeMachine(m));
    this.queue = [];
    this.drawMinimapFrame();
    this.redrawAll();
    // Bounds of every board item as built (static ones never change; roots update when touched).
    this.touched.clear();
    for (const layer of [this.base, this.live, this.names]) for (const c of layer.children) this.drawn.set(c, boundsOf(c));
    for (const n of this.lines.values()) for (const c of n.root.children) this.drawn.set(c, boundsOf(c));
    this.dirty.length = 0;
    this.boardFull = true;
    this.applyFocus(false);
  }

  private tokensPerLine = DEFAULT_TOKENS_PER_LINE;

  private clear() {
    for (const layer of [this.base, this.live, this.names]) layer.removeChildren().forEach((c) => c.destroy({ children: true }));
    this.tokensDirty = true;
    this.drawn = new WeakMap();
    this.touched.clear();
    this.dirty.length = 0;
    this.boardFull = true;
    this.texts.clear();
    this.textScaleSeen = NaN;
    for (const n of this.lines.values()) n.strip?.close();
    this.lines.clear();
    this.machines.clear();
    this.overlay.clear();
  }

  // ---- focus, drill-down -----------------------------------------------------------------------

  /** Zooms to what the focus names (unless the user has moved the view) and outlines it. */
  private applyFocus(fromUser: boolean) {
    if (!this.layout) return;
    const f = focusStore.get();
    if (fromUser) {
      this.userMoved = false;
      this.cursor = null;
    }
    if (!this.userMoved || this.wall) {
      const r = this.focusRect(f);
      // The drawer covers the right of the view while a line or machine is open.
      const drawer = !this.wall && f.lineId ? Math.min(440, (this.host.clientWidth || 0) * 0.42) : 0;
      // The drill-down bar (React overlay) covers the top of the view outside wall mode.
      if (r) this.frame(r, drawer, levelOf(f) === 'plant' ? 2.5 : 1.5, this.wall ? 0 : DRILL_BAR_PX);
    }
    this.drawOverlay();
  }

  private focusRect(f: Focus): Rect | null {
    const L = this.layout!;
    if (this.wall) return L.bounds;
    const lineId = f.lineId ?? (f.machineId ? this.machines.get(f.machineId)?.layout.lineId : null);
    if (lineId) {
      const l = this.lines.get(lineId)?.layout;
      if (l) return pad(l.bounds, 40, 90);
    }
    if (f.areaId) {
      const a = L.areas.find((x) => x.id === f.areaId);
      if (a) return a.zone;
    }
    return L.bounds;
  }

  private frame(b: Rect, insetRight = 0, maxScale = 2.5, insetTop = 0) {
    const width = (this.host.clientWidth || this.app.screen.width) - insetRight;
    const height = (this.host.clientHeight || this.app.screen.height) - insetTop;
    if (width < 2 || height < 2 || b.w <= 0) return;
    const padPx = 24;
    const s = Math.min((width - 2 * padPx) / b.w, (height - 2 * padPx) / b.h, maxScale);
    this.world.scale.set(s);
    this.world.position.set((width - b.w * s) / 2 - b.x * s, insetTop + (height - b.h * s) / 2 - b.y * s);
  }

  /** Children of the current level, in reading order: what `[`/`]` and Enter walk through. */
  private children(): { id: string; focus: Focus }[] {
    const L = this.layout;
    if (!L) return [];
    const f = focusStore.get();
    switch (levelOf(f)) {
      case 'plant':
        return L.areas.map((a) => ({ id: `area:${a.id}`, focus: { areaId: a.id, lineId: null, machineId: null, orderId: null } }));
      case 'area':
        return L.lines.filter((l) => l.areaId === f.areaId).map((l) => ({ id: `line:${l.id}`, focus: { areaId: l.areaId, lineId: l.id, machineId: null, orderId: null } }));
      default: {
        const l = f.lineId ? this.lines.get(f.lineId)?.layout : undefined;
        return (l?.machines ?? []).map((m) => ({ id: `machine:${m}`, focus: { areaId: l!.areaId, lineId: l!.id, machineId: m, orderId: null } }));
      }
    }
  }

  private moveCursor(dir: 1 | -1) {
    const kids = this.children();
    if (!kids.length) return;
    const f = focusStore.get();
    const cur = this.cursor ?? (f.machineId ? `machine:${f.machineId}` : null);
    const i = kids.findIndex((k) => k.id === cur);
    const next = kids[(i < 0 ? (dir === 1 ? 0 : kids.length - 1) : i + dir + kids.length) % kids.length]!;
    this.cursor = next.id;
    if (levelOf(f) === 'detail' || levelOf(f) === 'line') setFocus(next.focus);
    this.drawOverlay();
  }

  private enter() {
    const kids = this.children();
    const k = kids.find((c) => c.id === this.cursor) ?? (kids.length === 1 ? kids[0] : undefined) ?? kids[0];
    if (k) setFocus(k.focus);
  }

  private drawOverlay() {
    const g = this.overlay;
    g.clear();
    this.topDirty = true;
    const f = focusStore.get();
    const outline = (r: Rect, width: number, color = FOCUS, alpha = 1) => g.roundRect(r.x, r.y, r.w, r.h, 8).stroke({ width, color, alpha });
    const lvl = levelOf(f);
    if (lvl === 'area' && f.areaId) {
      const a = this.layout?.areas.find((x) => x.id === f.areaId);
      if (a) outline(pad(a.zone, 3, 3), 3);
    }
    if (f.lineId) {
      const l = this.lines.get(f.lineId);
      if (l) outline(pad(l.layout.bounds, 8, 6), 3);
    }
    if (f.machineId) {
      const m = this.machines.get(f.machineId);
      if (m) outline({ x: m.layout.x - MACHINE_W / 2 - 6, y: m.layout.y - MACHINE_H / 2 - 6, w: MACHINE_W + 12, h: MACHINE_H + 12 }, 4);
    }
    if (this.cursor) {
      const r = this.targetRect(this.cursor);
      if (r) outline(pad(r, 4, 4), 2.5, FOCUS, 0.8);
    }
    if (this.hover) {
      const r = this.targetRect(targetKey(this.hover));
      if (r) outline(pad(r, 3, 3), 1.5, INK, 0.6);
    }
  }

  private targetRect(key: string): Rect | null {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'area') return this.layout?.areas.find((a) => a.id === id)?.zone ?? null;
    if (kind === 'line') return this.lines.get(id)?.layout.bounds ?? null;
    if (kind === 'machine') {
      const m = this.machines.get(id)?.layout;
      return m ? { x: m.x - MACHINE_W / 2, y: m.y - MACHINE_H / 2, w: MACHINE_W, h: MACHINE_H } : null;
    }
    if (kind === 'buffer') {
      const m = this.machines.get(id)?.layout;
      return m ? { x: m.x - MACHINE_W / 2 - 24, y: m.y - 20, w: 24, h: 40 } : null;
    }
    return null;
  }

  /** What is under a point in world coordinates. */
  private hitTest(wx: number, wy: number): Target | null {
    const L = this.layout;
    if (!L) return null;
    for (const m of L.machines) {
      if (Math.abs(wx - m.x) <= MACHINE_W / 2 && Math.abs(wy - m.y) <= MACHINE_H / 2) {
        const l = this.lines.get(m.lineId)!.layout;
        return { kind: 'machine', id: m.id, lineId: m.lineId, areaId: l.areaId };
      }
    }
    for (const l of L.lines) {
      for (const b of l.buffers) if (Math.abs(wx - b.x) <= 10 && Math.abs(wy - b.y) <= 22) return { kind: 'buffer', lineId: l.id, from: b.from, to: b.to, areaId: l.areaId };
      const r = l.bounds;
      if (wx >= r.x && wx <= r.x + r.w && wy >= r.y && wy <= r.y + r.h) return { kind: 'line', id: l.id, areaId: l.areaId };
    }
    for (const a of L.areas) {
      const r = a.zone;
      if (wx >= r.x && wx <= r.x + r.w && wy >= r.y && wy <= r.y + r.h) return { kind: 'area', id: a.id };
    }
    return null;
  }

  private select(t: Target) {
    switch (t.kind) {
      case 'machine':
        setFocus({ areaId: t.areaId, lineId: t.lineId, machineId: t.id, orderId: null });
        break;
      case 'buffer':
        setFocus({ areaId: t.areaId, lineId: t.lineId, machineId: null, orderId: null });
        break;
      case 'line':
        setFocus({ areaId: t.areaId, lineId: t.id, machineId: null, orderId: null });
        break;
      case 'area':
        setFocus({ areaId: t.id, lineId: null, machineId: null, orderId: null });
        break;
    }
  }

  // ---- minimap ---------------------------------------------------------------------------------

  private placeMinimap() {
    const L = this.layout;
    if (!L) return;
    const w = this.host.clientWidth || this.app.screen.width;
    const h = this.host.clientHeight || this.app.screen.height;
    const mw = Math.max(140, Math.min(260, w * 0.14));
    const s = Math.min(mw / L.bounds.w, (h * 0.22) / L.bounds.h);
    this.miniScale = s;
    const rw = L.bounds.w * s + 12;
    const rh = L.bounds.h * s + 12;
    this.miniRect.x = w - rw - 12;
    this.miniRect.y = h - rh - 12;
    this.miniRect.width = rw;
    this.miniRect.height = rh;
    this.mini.position.set(this.miniRect.x, this.miniRect.y);
    this.miniDirty = true;
  }

  private drawMinimapFrame() {
    this.placeMinimap();
  }

  private drawMinimap() {
    const L = this.layout;
    if (!L) return;
    const s = this.miniScale;
    const g = this.miniMap.clear();
    this.topDirty = true;
    g.roundRect(0, 0, this.miniRect.width, this.miniRect.height, 6).fill({ color: 0xf4f5f6, alpha: 0.95 }).stroke({ width: 1, color: 0x7d848b });
    for (const a of L.areas) g.rect(6 + a.zone.x * s, 6 + a.zone.y * s, a.zone.w * s, a.zone.h * s).fill(0xdfe2e5);
    for (const m of L.machines) {
      const node = this.machines.get(m.id);
      const p = presentation(node?.state || 'unknown');
      g.rect(6 + (m.x - MACHINE_W / 2) * s, 6 + (m.y - MACHINE_H / 2) * s, Math.max(2, MACHINE_W * s), Math.max(2, MACHINE_H * s)).fill(p.abnormal ? colorNumber(p.color) : 0x9aa0a6);
    }
  }

  private drawMinimapView() {
    const L = this.layout;
    if (!L) return;
    const w = this.app.screen.width;
    const h = this.app.screen.height;
    const v = this.lastView;
    if (v.x === this.world.x && v.y === this.world.y && v.s === this.world.scale.x && v.w === w && v.h === h && !this.miniDirty) return;
    v.x = this.world.x;
    v.y = this.world.y;
    v.s = this.world.scale.x;
    v.w = w;
    v.h = h;
    const s = this.miniScale;
    const x0 = Math.max(0, -this.world.x / v.s) * s;
    const y0 = Math.max(0, -this.world.y / v.s) * s;
    const x1 = Math.min(L.bounds.w, (w - this.world.x) / v.s) * s;
    const y1 = Math.min(L.bounds.h, (h - this.world.y) / v.s) * s;
    this.miniView.clear();
    this.topDirty = true;
    if (x1 > x0 && y1 > y0) this.miniView.rect(6 + x0, 6 + y0, x1 - x0, y1 - y0).stroke({ width: 2, color: FOCUS });
  }

  // ---- deltas --------------------------------------------------------------------------------

  private enqueue(d: TwinDelta | { view: TwinView }) {
    // A long hidden spell: keep only a marker that everything must be redrawn.
    if (this.queue.length > 5000) this.queue = [{ view: { time: 0, position: -1 } as TwinView }];
    this.queue.push(d);
  }

  private drain = (): void => {
    if (!this.layout) return;
    const now = performance.now();
    if (this.queue.length) {
      const q = this.queue;
      this.queue = [];
      let all = false;
      const lineIds = new Set<string>();
      const machineIds = new Set<string>();
      let position = -1;
      let deltas = 0;
      for (const d of q) {
        if ('view' in d) {
          all = true;
          position = Math.max(position, d.view.position);
          continue;
        }
        deltas++;
        position = Math.max(position, d.position);
        if (d.lines) for (const l of d.lines) lineIds.add(l.id);
        if (d.machines) for (const m of d.machines) machineIds.add(m.id);
      }
      if (all) this.redrawAll();
      else {
        lineIds.forEach((id) => this.drawLine(id, now));
        machineIds.forEach((id) => this.drawMachine(id, now));
      }
      const dbg = this.opts.debug;
      if (dbg) {
        if (position >= 0) dbg.lastAppliedPosition = Math.max(dbg.lastAppliedPosition, position);
        dbg.deltasApplied += deltas;
      }
      // The first frame that draws the core's live twin, whether its opening view or a delta, is "live".
      if (deltas > 0 || all) this.drainedThisFrame = true;
    }
    // Counts that were held back (COUNTS_MS) and are now due.
    for (const n of this.lines.values()) if (n.countsPending && now >= n.countsDueAt) this.drawCounts(n, now);
    if (this.tokensDirty) {
      this.tokensDirty = false;
      let all = 0;
      for (const n of this.lines.values()) all += n.tokens;
      if (this.opts.debug) this.opts.debug.tokens = all;
    }
    if (this.miniDirty && now >= this.miniDueAt && this.mini.visible) {
      this.miniDirty = false;
      this.miniDueAt = now + MINIMAP_MS;
      this.drawMinimap();
      this.lastView.s = NaN;
    }
    if (this.mini.visible) this.drawMinimapView();
  };

  /**
   * Draws the board where it changed: each changed rect (merged, in screen pixels) is redrawn alone
   * (viewport = that rect, background first, then only the items that cross it), so a state flip
   * costs the pixels of one machine, not of the whole floor. A moved or resized view redraws all.
   */
  private renderBoard = (): void => {
    const board = this.board;
    if (!board || !this.layout) return;
    const roots = new Set<Container>();
    for (const c of this.touched) {
      const old = this.drawn.get(c);
      if (old) this.dirty.push(old);
      const now = boundsOf(c);
      this.drawn.set(c, now);
      this.dirty.push(now);
      if (c.parent && c.parent.parent === this.live) roots.add(c.parent);
    }
    // A line root's bounds (for culling) follow its parts.
    for (const r of roots) this.drawn.set(r, boundsOf(r));
    this.touched.clear();
    const w = this.app.screen.width;
    const h = this.app.screen.height;
    const s = this.world.scale.x;
    const tx = this.world.x;
    const ty = this.world.y;
    const v = this.boardView;
    this.textsFor(s, performance.now());
    if (board.screen.width !== w || board.screen.height !== h) board.resize(w, h);
    if (v.s !== s || v.x !== tx || v.y !== ty || v.w !== w || v.h !== h) this.boardFull = true;
    if (!this.boardFull && !this.dirty.length) return;
    const rects = this.boardFull ? [] : screenRects(this.dirty, s, tx, ty, w, h);
    this.dirty.length = 0;
    if (this.boardFull || rects.length > MAX_PASSES) {
      this.boardFull = false;
      Object.assign(v, { x: tx, y: ty, s, w, h });
      this.cullBoard([{ x: -tx / s, y: -ty / s, w: w / s, h: h / s }]);
      this.boardBg.visible = false;
      board.render({ container: this.boardRoot, transform: this.boardMatrix.set(s, 0, 0, s, tx, ty), clear: true });
      return;
    }
    this.boardBg.visible = true;
    if (board.type === RendererType.CANVAS) {
      // The 2D canvas: one pass for all rects, clipped to them (pixi's canvas renderer draws where the
      // transform says and has no viewport), with the items crossing any of them.
      const ctx = (board as CanvasRenderer).canvasContext.rootContext;
      const res = board.resolution;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.beginPath();
      for (const r of rects) ctx.rect(r.x * res, r.y * res, r.w * res, r.h * res);
      ctx.clip();
      this.cullBoard(rects.map((r) => ({ x: (r.x - tx) / s, y: (r.y - ty) / s, w: r.w / s, h: r.h / s })));
      try {
        board.render({ container: this.boardRoot, transform: this.boardMatrix.set(s, 0, 0, s, tx, ty), clear: false });
      } finally {
        ctx.restore();
      }
      return;
    }
    for (const r of rects) {
      this.cullBoard([{ x: (r.x - tx) / s, y: (r.y - ty) / s, w: r.w / s, h: r.h / s }]);
      this.boardFrame.x = r.x;
      this.boardFrame.y = r.y;
      this.boardFrame.width = r.w;
      this.boardFrame.height = r.h;
      // `frame` (the target's viewport) reaches RenderTargetSystem.push; pixi's RenderOptions type omits it.
      const part = { container: this.boardRoot, transform: this.boardMatrix.set(s, 0, 0, s, tx - r.x, ty - r.y), clear: false, frame: this.boardFrame };
      board.render(part);
    }
  };

  /** Board items (a machine root, or parts of a line root) changed: redraw where they were and are. */
  private touch(...items: Container[]) {
    for (const c of items) this.touched.add(c);
  }

  /** Hides the board items that cross none of the world rects (by their bounds as last drawn). */
  private cullBoard(views: Rect[]) {
    for (const layer of [this.base, this.live, this.names]) {
      for (const c of layer.children) {
        const r = this.drawn.get(c);
        c.culled = r !== undefined && views.every((v) => r.x >= v.x + v.w || r.y >= v.y + v.h || r.x + r.w <= v.x || r.y + r.h <= v.y);
      }
    }
  }

  private afterRender = (): void => {
    const dbg = this.opts.debug;
    if (!dbg) return;
    dbg.frames++;
    if (dbg.frames === 1) performance.mark('takt:first-frame');
    if (this.drainedThisFrame && dbg.firstLiveFrameAt === null) {
      dbg.firstLiveFrameAt = performance.now();
      performance.mark('takt:first-live-frame');
    }
    if (this.pendingMarks.length) {
      const t = Date.now();
      for (const m of this.pendingMarks) dbg.marks.push([m, t]);
      if (dbg.marks.length > 2000) dbg.marks.splice(0, dbg.marks.length - 2000);
      this.pendingMarks.length = 0;
    }
    this.drainedThisFrame = false;
  };

  private redrawAll() {
    const now = performance.now();
    this.lines.forEach((n) => {
      n.status = '';
      n.titleKey = '';
      n.badgeKey = '';
      this.drawLine(n.layout.id, now, true);
    });
    this.machines.forEach((n) => {
      n.key = '';
      this.drawMachine(n.layout.id, now);
    });
  }

  // ---- lines -----------------------------------------------------------------------------------

  private makeLine(l: LineLayout): LineNode {
    // The lane (static) goes into the base layer.
    if (l.lane.length > 1) {
      const rail = new Graphics();
      rail.moveTo(l.lane[0]!.x, l.lane[0]!.y);
      for (let i = 1; i < l.lane.length; i++) rail.lineTo(l.lane[i]!.x, l.lane[i]!.y);
      rail.stroke({ width: 12, color: RAIL, cap: 'round', join: 'round' });
      this.base.addChild(rail);
    }
    const root = new Container();
    root.cullable = true;
    const buffers = new Graphics();
    const icon = new Graphics();
    icon.position.set(l.label.x + 10, l.label.y + 13);
    const title = this.label(l.name, { fontSize: 19, fontWeight: '700', fill: INK });
    title.position.set(l.label.x, l.label.y + 1);
    const detail = this.label('', { fontSize: 17, fill: INK });
    detail.position.set(l.label.x, l.label.y + 25);
    const gauge = new Graphics();
    gauge.position.set(l.gauge.x - GAUGE_W / 2 + 18, l.gauge.y + 2);
    const gaugeText = this.label('', { fontSize: 17, fontWeight: '600', fill: INK });
    gaugeText.anchor.set(0, 0.5);
    gaugeText.position.set(l.gauge.x - GAUGE_W / 2 + 36, l.gauge.y + 2);
    const badge = new Graphics();
    const badgeShape = new Graphics();
    const badgeText = this.label('', { fontSize: 14, fontWeight: '700', fill: 0xffffff });
    badgeText.anchor.set(0, 0.5);
    root.addChild(buffers, icon, title, detail, gauge, gaugeText, badge, badgeShape, badgeText);
    this.live.addChild(root);
    const lengths = laneLengths(l.lane);
    return { layout: l, root, icon, title, detail, gauge, gaugeText, badge, badgeShape, badgeText, buffers, lengths, tokens: 0, strip: null, stripK: 0, stripStep: 0, stripScale: 0, moving: false, phase: 0, status: '', titleKey: '', badgeKey: '', countsDueAt: 0, countsPending: false, gaugePct: -1 };
  }

  private drawLine(id: string, now: number, force = false) {
    const n = this.lines.get(id);
    if (!n) return;
    const v: LineView | undefined = this.store.getLine(id);
    const status = v?.status ?? 'unknown';
    // Status, title and badge: at once (this is what people must not miss).
    const badge = v ? badgeOf(v) : null;
    const titleKey = `${status}|${badge?.text ?? ''}`;
    if (titleKey !== n.titleKey) {
      n.titleKey = titleKey;
      n.status = status;
      this.touch(n.icon, n.title, n.badge, n.badgeShape, n.badgeText);
      const p = presentation(status);
      n.icon.clear();
      n.title.style.fontSize = 19;
      if (p.abnormal) {
        drawShape(n.icon, p.shape, colorNumber(p.color), 10);
        n.title.x = n.layout.label.x + 26;
        n.title.text = `${n.layout.name} · ${p.label.toUpperCase()}`;
        n.title.style.fill = colorNumber(p.color);
      } else {
        n.title.x = n.layout.label.x;
        n.title.text = `${n.layout.name} · ${p.label}`;
        n.title.style.fill = INK;
      }
      n.badge.clear();
      n.badgeText.text = badge?.text ?? '';
      const room = n.layout.labelW - (n.title.x - n.layout.label.x) - (badge ? n.badgeText.width + 30 : 0) - 8;
      for (let size = 18; n.title.width > room && size >= 13; size--) n.title.style.fontSize = size;
      n.badgeShape.clear();
      if (badge) {
        const bw = n.badgeText.width + 30;
        const bx = n.layout.label.x + n.layout.labelW - bw - 6;
        const by = n.layout.label.y + 2;
        n.badge.roundRect(bx, by, bw, 22, 11).fill(badge.color);
        drawShape(n.badgeShape, badge.shape, 0xffffff, 6);
        n.badgeShape.position.set(bx + 13, by + 11);
        n.badgeText.position.set(bx + 23, by + 11);
      }
      const moving = status === 'running' || status === 'starved' || status === 'blocked';
      n.moving = moving;
      if (this.hoverLine(id)) this.drawOverlay();
    }
    if (force || now >= n.countsDueAt) this.drawCounts(n, now);
    else n.countsPending = true;
  }

  private hoverLine(id: string) {
    return this.hover !== null && 'lineId' in this.hover && this.hover.lineId === id;
  }

  /** Live counts of a line: detail text, gauge, buffer levels and the number of WIP tokens. */
  private drawCounts(n: LineNode, now: number) {
    n.countsPending = false;
    n.countsDueAt = now + COUNTS_MS;
    this.touch(n.detail, n.gauge, n.gaugeText, n.buffers);
    const v = this.store.getLine(n.layout.id);
    const detail = v ? lineDetail(v) : 'no data';
    if (n.detail.text !== detail) n.detail.text = detail;
    const pct = v ? Math.round(v.availability * 100) : -1;
    if (pct !== n.gaugePct) {
      n.gaugePct = pct;
      const g = n.gauge.clear();
      const a0 = Math.PI * 0.75;
      const sweep = Math.PI * 1.5;
      g.arc(0, 0, 12, a0, a0 + sweep).stroke({ width: 5, color: 0xbfc4c9, cap: 'butt' });
      if (pct > 0) g.arc(0, 0, 12, a0, a0 + (sweep * pct) / 100).stroke({ width: 5, color: pct < 50 ? colorNumber(states.starved.color) : INK_2, cap: 'butt' });
      n.gaugeText.text = pct < 0 ? 'Avail. —' : `Avail. ${pct}%`;
    }
    // Buffers between machines: units made upstream and not yet taken downstream, against the size.
    const L = n.layout;
    const g = n.buffers.clear();
    for (const b of L.buffers) {
      const up = this.store.getMachine(b.from);
      const down = this.store.getMachine(b.to);
      const level = up && down ? Math.max(0, (up.good ?? 0) - (down.good ?? 0) - (down.scrap ?? 0)) : 0;
      const f = b.size > 0 ? Math.min(1, level / b.size) : 0;
      const h = 34;
      g.rect(b.x - 5, b.y - h / 2, 10, h).fill(0xf4f5f6).stroke({ width: 1.2, color: BOX_LINE });
      if (f > 0) g.rect(b.x - 4, b.y + h / 2 - 1 - (h - 2) * f, 8, (h - 2) * f).fill(f >= 0.95 ? colorNumber(states.blocked.color) : 0x6b7278);
    }
    // WIP tokens: one per UNITS_PER_TOKEN units between the first and last machine, capped.
    // When the MES reports counts only at the line's end (WIP unknown, 0) a running line with an
    // order still shows a nominal flow of FLOW_TOKENS, so a moving line looks alive.
    const units = v ? (v.wip > 0 ? Math.ceil(v.wip / UNITS_PER_TOKEN) : v.currentOrderId && v.status === 'running' ? FLOW_TOKENS : 0) : 0;
    const want = L.lane.length > 1 ? Math.min(this.tokensPerLine, units) : 0;
    if (want !== n.tokens) {
      n.tokens = want;
      this.tokensDirty = true;
    }
  }

  private animate = (): void => {
    const dt = Math.min(0.1, this.app.ticker.deltaMS / 1000);
    for (const n of this.lines.values()) if (n.moving && n.tokens) n.phase += dt * TOKEN_SPEED;
  };

  /** The token bitmap at the current zoom (a dark disc with a light rim, as the board's ink). */
  private spriteFor(scale: number): HTMLCanvasElement {
    if (this.tokenSprite && this.tokenSpriteScale === scale) return this.tokenSprite;
    const r = Math.max(1, 4.5 * scale);
    const size = Math.ceil(2 * r + 2);
    const c = this.tokenSprite ?? document.createElement('canvas');
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
    this.tokenSprite = c;
    this.tokenSpriteScale = scale;
    return c;
  }

  /**
   * Every token, every frame: evenly spaced along its lane, shifted by the line's phase, mapped to
   * screen pixels. Tokens outside the view are skipped (culling); none inside it is left out.
   */
  private drawTokens = (): void => {
    const c = this.tokenCanvas;
    const res = this.app.renderer.resolution;
    const w = this.app.screen.width;
    const h = this.app.screen.height;
    const pw = Math.round(w * res);
    const ph = Math.round(h * res);
    if (c.width !== pw || c.height !== ph) {
      c.width = pw;
      c.height = ph;
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    const g = this.tokenCtx;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, pw, ph);
    const s = this.world.scale.x * res;
    const tx = this.world.x * res;
    const ty = this.world.y * res;
    const sprite = this.spriteFor(s);
    if (this.tokenBitmapScale !== s) {
      // Until the bitmap for this zoom is ready, draw from the canvas (correct, only slower).
      this.tokenBitmapScale = s;
      this.tokenBitmap?.close();
      this.tokenBitmap = null;
      void createImageBitmap(sprite).then((b) => {
        if (this.tokenBitmapScale === s && !this.destroyed) this.tokenBitmap = b;
        else b.close();
      });
    }
    const img: CanvasImageSource = this.tokenBitmap ?? sprite;
    const size = sprite.width;
    const half = size / 2;
    for (const n of this.lines.values()) {
      const k = n.tokens;
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
  };

  /**
   * The line's k + 1 tokens drawn every `step` screen pixels in one bitmap, redrawn when the count,
   * spacing or zoom changed (counts settle at most every COUNTS_MS). Null when it would be too wide
   * for a bitmap (deep zoom): the tokens are then drawn one by one.
   */
  private stripFor(n: LineNode, k: number, step: number, scale: number, sprite: HTMLCanvasElement): ImageBitmap | null {
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

  /** The overlay canvas (selection, hover, minimap): only when it or the view changed. */
  private renderTop = (): void => {
    const v = this.topView;
    const w = this.app.screen.width;
    const h = this.app.screen.height;
    if (v.x !== this.world.x || v.y !== this.world.y || v.s !== this.world.scale.x || v.w !== w || v.h !== h) {
      Object.assign(v, { x: this.world.x, y: this.world.y, s: this.world.scale.x, w, h });
      this.topDirty = true;
    }
    if (!this.topDirty) return;
    this.topDirty = false;
    this.app.render();
  };

  // ---- machines --------------------------------------------------------------------------------

  private makeMachine(m: MachineLayout): MachineNode {
    const root = new Container();
    root.cullable = true;
    root.position.set(m.x, m.y);
    const box = new Graphics();
    const icon = new Graphics();
    icon.position.set(MACHINE_W / 2 - 2, -MACHINE_H / 2 + 2);
    const name = this.text(m.name, { fontSize: 15, fontWeight: '600', fill: INK, align: 'center', wordWrap: true, wordWrapWidth: MACHINE_W - 12, lineHeight: 17 });
    name.anchor.set(0.5);
    name.position.set(m.x, m.y);
    // Long names: shrink to fit the box rather than spill out of it (the table has the full text).
    for (let size = 14; (name.height > MACHINE_H - 6 || name.width > MACHINE_W - 8) && size >= 10; size--) {
      name.style.fontSize = size;
      name.style.lineHeight = size + 2;
    }
    // Below the lane: the state word when abnormal (with the colour and the corner shape).
    const kind = this.label('', { fontSize: 15, fontWeight: '700', fill: INK });
    kind.anchor.set(0.5, 0);
    kind.position.set(0, STATE_WORD_DY);
    root.addChild(box, kind, icon);
    this.live.addChild(root);
    this.names.addChild(name);
    return { layout: m, root, box, icon, kind, state: '', reason: '', key: '' };
  }

  private drawMachine(id: string, now: number) {
    const n = this.machines.get(id);
    if (!n) return;
    const v: MachineView | undefined = this.store.getMachine(id);
    const state = v?.state ?? 'unknown';
    const alarm = v?.alarm ?? null;
    // Counts changed: the line's buffers and tokens follow (throttled).
    const line = this.lines.get(n.layout.lineId);
    if (line && !line.countsPending) {
      if (now >= line.countsDueAt) this.drawCounts(line, now);
      else line.countsPending = true;
    }
    const reason = v?.reason ?? '';
    if (reason !== n.reason) {
      // A benchmark marker: note it; afterRender stamps the time once this frame is drawn.
      if (reason.startsWith('mark-')) this.pendingMarks.push(reason);
      n.reason = reason;
    }
    const key = `${alarm ?? ''}|${state}`;
    if (key === n.key) return;
    n.key = key;
    n.state = state;
    this.miniDirty = true;
    this.touch(n.root);
    const p = presentation(state);
    const x = -MACHINE_W / 2;
    const y = -MACHINE_H / 2;
    n.box.clear().roundRect(x, y, MACHINE_W, MACHINE_H, 6);
    if (p.abnormal) n.box.fill(mix(colorNumber(p.color), BOX_FILL, 0.16)).stroke({ width: 4, color: colorNumber(p.color) });
    else n.box.fill(state === 'idle' ? 0xd2d6da : BOX_FILL).stroke({ width: 1.5, color: BOX_LINE });
    const word = p.abnormal ? p.label.toUpperCase() + (alarm === 'overrun' ? ' · OVERRUN' : alarm === 'escalated' ? ' · LONG STOP' : '') : '';
    n.kind.text = word;
    n.kind.style.fill = colorNumber(p.color);
    n.icon.clear();
    if (p.abnormal) drawShape(n.icon, p.shape, colorNumber(p.color), 10, true);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private text(text: string, style: TextStyleOptions): Text {
    const t = new Text({ text, style: { fontFamily: FONT, ...style }, resolution: this.textRes });
    this.texts.add(t);
    return t;
  }

  /**
   * On the 2D canvas, once the zoom has settled (TEXT_SETTLE_MS), every Text is rasterised at the
   * pixel density it is shown at, so a label is drawn 1:1 with the font's own hinting instead of a
   * TEXT_RES raster scaled down (at the fit zoom of a small screen, to a quarter: hyphens and dots
   * vanished). It costs one fillText per label per zoom change. WebGL keeps TEXT_RES: there each
   * re-rasterisation is a texture upload.
   */
  private textsFor(scale: number, now: number): void {
    if (this.board?.type !== RendererType.CANVAS) return;
    const want = Math.min(4, Math.max(0.5, scale * this.board.resolution));
    if (want === this.textRes) return;
    // Right after a build nothing is rasterised yet: take the zoom at once (one rasterisation, not two).
    const built = Number.isNaN(this.textScaleSeen);
    if (!built && scale !== this.textScaleSeen) {
      this.textScaleSeen = scale;
      this.textScaleAt = now;
      return;
    }
    if (!built && now - this.textScaleAt < TEXT_SETTLE_MS) return;
    this.textScaleSeen = scale;
    this.textRes = want;
    for (const t of this.texts) if (!t.destroyed) t.resolution = want;
    this.boardFull = true;
  }

  /**
   * Text that changes while the floor runs (states, counts, badges). On WebGL, glyphs from a shared
   * atlas, so a new value only re-lays quads (a Text would re-rasterise and upload a texture per
   * change, hundreds a second under a busy delta stream). On the 2D canvas, a Text: re-rasterising
   * it is a fillText on its own small canvas with no upload, and it stays as crisp as the static
   * names, where the canvas renderer's scaled glyph blits lose thin strokes (hyphens).
   */
  private label(text: string, style: TextStyleOptions): Label {
    if (this.board?.type === RendererType.CANVAS) return this.text(text, style);
    return new BitmapText({ text, style: { fontFamily: FONT, ...style } });
  }

  private installInput(canvas: HTMLCanvasElement) {
    let drag: { x: number; y: number; id: number; moved: number } | null = null;
    const rect = () => canvas.getBoundingClientRect();
    const local = (e: { clientX: number; clientY: number }) => {
      const r = rect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const inMini = (p: { x: number; y: number }) => this.mini.visible && this.miniRect.contains(p.x, p.y);
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), local(e));
    };
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return;
      const p = local(e);
      if (inMini(p)) {
        // Centre the view on the clicked point of the minimap.
        const s = this.world.scale.x;
        const wx = (p.x - this.miniRect.x - 6) / this.miniScale;
        const wy = (p.y - this.miniRect.y - 6) / this.miniScale;
        this.world.position.set(this.app.screen.width / 2 - wx * s, this.app.screen.height / 2 - wy * s);
        this.userMoved = true;
        return;
      }
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId, moved: 0 };
      canvas.setPointerCapture(e.pointerId);
    };
    const setHover = (t: Target | null, p: { x: number; y: number }) => {
      const same = (this.hover && t && targetKey(this.hover) === targetKey(t)) || (!this.hover && !t);
      this.hover = t;
      if (!same) this.drawOverlay();
      hoverStore.set(t ? toHover(t, p) : null);
    };
    const onMove = (e: PointerEvent) => {
      if (drag && drag.id === e.pointerId) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        drag.moved += Math.abs(dx) + Math.abs(dy);
        if (drag.moved > 4) {
          canvas.classList.add('dragging');
          this.panBy(dx, dy);
        }
        drag.x = e.clientX;
        drag.y = e.clientY;
        return;
      }
      const p = local(e);
      if (inMini(p)) return setHover(null, p);
      const s = this.world.scale.x;
      setHover(this.hitTest((p.x - this.world.x) / s, (p.y - this.world.y) / s), p);
    };
    const onUp = (e: PointerEvent) => {
      if (!drag || drag.id !== e.pointerId) return;
      const click = drag.moved <= 4;
      drag = null;
      canvas.classList.remove('dragging');
      if (click) {
        const p = local(e);
        const s = this.world.scale.x;
        const t = this.hitTest((p.x - this.world.x) / s, (p.y - this.world.y) / s);
        if (t) this.select(t);
      }
    };
    const onLeave = () => {
      if (this.hover) {
        this.hover = null;
        this.drawOverlay();
      }
      hoverStore.set(null);
    };
    const onKey = (e: KeyboardEvent) => {
      const step = 60;
      const map: Record<string, () => void> = {
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
        '+': () => this.zoomBy(1.2),
        '=': () => this.zoomBy(1.2),
        '-': () => this.zoomBy(1 / 1.2),
        '0': () => this.fit(),
        ']': () => this.moveCursor(1),
        '[': () => this.moveCursor(-1),
        Enter: () => this.enter(),
      };
      const f = map[e.key];
      if (!f || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault();
      e.stopPropagation();
      f();
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    canvas.addEventListener('pointerdown', onDown);
    canvas.addEventListener('pointermove', onMove);
    canvas.addEventListener('pointerup', onUp);
    canvas.addEventListener('pointercancel', onUp);
    canvas.addEventListener('pointerleave', onLeave);
    canvas.addEventListener('keydown', onKey);
    this.cleanups.push(() => {
      canvas.removeEventListener('wheel', onWheel);
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointermove', onMove);
      canvas.removeEventListener('pointerup', onUp);
      canvas.removeEventListener('pointercancel', onUp);
      canvas.removeEventListener('pointerleave', onLeave);
      canvas.removeEventListener('keydown', onKey);
    });
  }
}

function targetKey(t: Target): string {
  return t.kind === 'buffer' ? `buffer:${t.to}` : `${t.kind}:${t.id}`;
}

function toHover(t: Target, p: { x: number; y: number }): Hover {
  if (t.kind === 'buffer') return { kind: 'buffer', id: t.from, to: t.to, x: p.x, y: p.y };
  return { kind: t.kind, id: t.id, x: p.x, y: p.y };
}

/** World-space bounds of a board item (the board root has no transform of its own). */
function boundsOf(c: Container): Rect {
  const b = c.getBounds();
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

function pad(r: Rect, px: number, py: number): Rect {
  return { x: r.x - px, y: r.y - py, w: r.w + 2 * px, h: r.h + 2 * py };
}

/** Exception badge of a line: QA holds first, then the worst machine alarm. */
export function badgeOf(v: LineView): { text: string; color: number; shape: Shape } | null {
  if (v.holds.length) return { text: v.holds.length > 1 ? `QA HOLD ×${v.holds.length}` : 'QA HOLD', color: colorNumber(states.held.color), shape: 'pause' };
  if (v.alarm === 'escalated') return { text: 'LONG STOP', color: colorNumber(states.down.color), shape: 'octagon' };
  if (v.alarm === 'overrun') return { text: 'OVERRUN', color: colorNumber(states.starved.color), shape: 'triangle-up' };
  return null;
}

/** Opaque blend of `a` over `b` (so rails and tokens never show through a box). */
function mix(a: number, b: number, t: number): number {
  const ch = (c: number, s: number) => (c >> s) & 0xff;
  const m = (s: number) => Math.round(ch(a, s) * t + ch(b, s) * (1 - t)) << s;
  return m(16) | m(8) | m(0);
}

export function lineDetail(v: LineView): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-GB');
  const order = v.currentOrderId ? `${v.currentSku ?? '?'} · ${v.currentOrderId}` : 'no order';
  return `${order} · good ${n(v.good)} · scrap ${n(v.scrap)} · WIP ${n(v.wip)}`;
}

/** Draws a state shape centred at (0,0) with radius r; `badge` adds a light disc behind it. */
export function drawShape(g: Graphics, shape: Shape, color: number, r: number, badge = false): void {
  if (badge) g.circle(0, 0, r + 3).fill(0xf4f5f6).stroke({ width: 1, color: 0x8a9096 });
  switch (shape) {
    case 'octagon': {
      const pts: number[] = [];
      for (let i = 0; i < 8; i++) {
        const a = Math.PI / 8 + (i * Math.PI) / 4;
        pts.push(Math.cos(a) * r, Math.sin(a) * r);
      }
      g.poly(pts).fill(color);
      break;
    }
    case 'diamond':
      g.poly([0, -r, r, 0, 0, r, -r, 0]).fill(color);
      break;
    case 'circle':
      g.circle(0, 0, r * 0.85).fill(color);
      break;
    case 'triangle-down':
      g.poly([-r, -r * 0.75, r, -r * 0.75, 0, r]).fill(color);
      break;
    case 'triangle-up':
      g.poly([0, -r, r, r * 0.75, -r, r * 0.75]).fill(color);
      break;
    case 'pause':
      g.rect(-r * 0.8, -r * 0.85, r * 0.6, r * 1.7).fill(color);
      g.rect(r * 0.2, -r * 0.85, r * 0.6, r * 1.7).fill(color);
      break;
    case 'question':
      g.circle(0, 0, r * 0.85).stroke({ width: 2.5, color });
      g.circle(0, r * 0.35, 1.6).fill(color);
      g.moveTo(-r * 0.3, -r * 0.25).arc(0, -r * 0.25, r * 0.3, Math.PI, Math.PI * 2.4).stroke({ width: 2, color });
      break;
    default:
      break;
  }
}
