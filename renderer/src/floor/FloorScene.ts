/**
 * The Floor: an imperative pixi v8 scene, outside React. React mounts it once (FloorCanvas) and
 * never re-renders it per delta. This class coordinates; each part has its own module in scene/:
 *
 * - Built from the Plant (layoutPlant): areas as zones, lines as rows with a label, machines as
 *   boxes, buffers as level gauges, WIP tokens on a conveyor lane below the boxes (never hidden).
 * - Twin deltas are queued as they arrive (TwinMirror.onDelta) and drained in the ticker, at most
 *   once per frame; draining collapses the queue to the set of changed ids and redraws only those
 *   from the store's current state.
 * - Three stacked canvases, so that what moves every frame does not make everything else redraw:
 *   1. the board (board-layer.ts): zones, rails, machines, labels, gauges, badges; redrawn only
 *      where something changed;
 *   2. the WIP tokens (token-layer.ts): a 2D canvas redrawn when a token moved a pixel; it also
 *      shows the overlay's pixels, so that only two canvases are seen and composited;
 *   3. the overlay (overlay-layer.ts): selection, keyboard cursor, hover, minimap, drawn on a
 *      canvas that is not shown itself; it takes the pointer and keyboard (floor-input.ts,
 *      selection.ts, hit-test.ts).
 *   All three follow one camera (camera.ts). The ticker stops while the document is hidden.
 * - Drill-down (focus.ts): plant ▸ area ▸ line ▸ machine; the scene frames the focused area or
 *   line (unless the person moved the view) and outlines the selection.
 * - What it does is reported to an injected probe (probe.ts), for tests and benchmarks.
 */
// First: it loads pixi's unsafe-eval and browser extensions before the rest of pixi, as they always were.
import { startFloorRenderers } from './scene/floor-renderers';
import { UPDATE_PRIORITY, type Application } from 'pixi.js';
import type { Plant } from '../../../shared/plant/schema';
import type { TwinDelta, TwinView } from '../../../shared/twin/view';
import type { TwinMirror } from '../twin/twin-mirror';
import { layoutPlant } from './layout';
import { focusStore, hoverStore, levelOf } from './focus';
import { FloorCamera, type Size } from './scene/camera';
import { FloorIndex } from './scene/floor-index';
import { FloorSelection } from './scene/selection';
import { BoardLayer } from './scene/board-layer';
import { TokenLayer } from './scene/token-layer';
import { OverlayLayer } from './scene/overlay-layer';
import { FloorInput } from './scene/floor-input';
import type { FloorProbe } from './scene/probe';

export { prewarmFloor } from './scene/floor-renderers';

/** Height of the drill-down bar over the top of the canvas (Overlays.tsx), kept clear when framing. */
const DRILL_BAR_PX = 40;
/** Queued updates beyond which (a long hidden spell) only "redraw everything" is kept. */
const MAX_QUEUE = 5000;
/** How much the host's aspect ratio must change (as |log ratio|) to re-pack the areas. */
const RELAYOUT_ASPECT = 0.18;
const RELAYOUT_MS = 120;

export interface FloorSceneOptions {
  /** Told what the scene draws (e2e tests, benchmarks); nothing when absent. */
  probe?: FloorProbe;
  /** Most WIP tokens drawn in all (spread over the lines); default 24 per line. */
  tokenBudget?: number;
}

/** The parts that exist once the renderers have started. */
interface Started {
  app: Application;
  board: BoardLayer;
  overlay: OverlayLayer;
  input: FloorInput;
}

export class FloorScene {
  private readonly camera = new FloorCamera();
  private readonly tokens = new TokenLayer();
  private readonly selection = new FloorSelection(
    () => this.index,
    () => this.drawOutlines(),
  );
  private parts: Started | null = null;
  private plant: Plant | null = null;
  private index: FloorIndex | null = null;
  private aspect = 0;
  private queue: (TwinDelta | { view: TwinView })[] = [];
  private wall = false;
  private destroyed = false;
  /** This frame drew twin state taken from the queue (the probe's "live frame"). */
  private drainedThisFrame = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly store: TwinMirror,
    private readonly opts: FloorSceneOptions = {},
  ) {}

  async init(): Promise<void> {
    performance.mark('takt:scene-init');
    const { app, board: boardRenderer } = await startFloorRenderers(this.host);
    if (this.destroyed) {
      app.destroy(true);
      boardRenderer.destroy({ removeView: true });
      return;
    }
    const overlay = new OverlayLayer(app);
    overlay.showMinimap(!this.wall);
    const board = new BoardLayer(boardRenderer, this.store, this.tokens, {
      machineChanged: () => overlay.markMinimap(),
      lineStatusChanged: (id) => this.selection.hoversLine(id) && this.drawOutlines(),
    });
    board.mount(this.host);
    this.tokens.mount(this.host);
    overlay.mount(this.host);
    const input = new FloorInput(overlay.canvas, {
      camera: this.camera,
      selection: this.selection,
      overlay,
      index: () => this.index,
      screen: () => app.screen,
      fit: this.fit,
    });
    this.parts = { app, board, overlay, input };

    const ticker = app.ticker;
    ticker.add(this.drain, undefined, UPDATE_PRIORITY.HIGH);
    ticker.add(() => this.tokens.advance(Math.min(0.1, ticker.deltaMS / 1000)), undefined, UPDATE_PRIORITY.NORMAL);
    // Before the application's render (LOW): the board of this frame, so all canvases show it together.
    ticker.add(() => this.index && board.render(this.camera, app.screen.width, app.screen.height), undefined, (UPDATE_PRIORITY.NORMAL + UPDATE_PRIORITY.LOW) / 2);
    // The overlay first: the token canvas shows its pixels over the tokens.
    ticker.add(
      () => {
        const changed = overlay.render(this.camera);
        const pixels = overlay.composed ? { canvas: overlay.canvas, rects: overlay.contentRects(this.camera), changed } : undefined;
        this.tokens.draw(this.camera, app.screen.width, app.screen.height, app.renderer.resolution, pixels);
      },
      undefined,
      UPDATE_PRIORITY.LOW,
    );
    // Runs after the layers are drawn: counts frames actually drawn.
    ticker.add(this.afterRender, undefined, UPDATE_PRIORITY.UTILITY);

    this.cleanups.push(() => input.destroy());
    this.cleanups.push(this.store.onDelta((d) => this.enqueue(d)));
    this.cleanups.push(focusStore.subscribe(() => this.applyFocus(true)));
    const onVisibility = () => (document.hidden ? ticker.stop() : ticker.start());
    document.addEventListener('visibilitychange', onVisibility);
    this.cleanups.push(() => document.removeEventListener('visibilitychange', onVisibility));
    this.watchSize();
    if (document.hidden) ticker.stop();
    this.opts.probe?.started(board.rendererName, board.machineState);
    performance.mark('takt:scene-ready');
  }

  /** (Re)builds the floor from a plant; current twin state is drawn on the next frame. */
  setPlant(plant: Plant): void {
    if (!this.parts) return;
    this.plant = plant;
    this.build(plant);
    performance.mark('takt:plant-built');
  }

  /** Wall mode: no minimap, always fitted. */
  setWall(wall: boolean): void {
    this.wall = wall;
    this.parts?.overlay.showMinimap(!wall);
    if (wall) {
      this.camera.userMoved = false;
      this.applyFocus(false);
    }
  }

  /** Frames the whole floor (or the focused area/line) in the view. */
  fit = (): boolean => {
    this.camera.userMoved = false;
    this.applyFocus(false);
    return true;
  };

  zoomBy(factor: number, at?: { x: number; y: number }): void {
    if (at) this.camera.zoomBy(factor, at);
    else this.parts?.input.zoomAtCentre(factor);
  }

  panBy(dx: number, dy: number): void {
    this.camera.panBy(dx, dy);
  }

  destroy(): void {
    this.destroyed = true;
    this.cleanups.splice(0).forEach((c) => c());
    hoverStore.set(null);
    this.tokens.destroy();
    const p = this.parts;
    if (p) {
      p.board.destroy();
      p.app.destroy(true, { children: true, texture: true });
      this.parts = null;
    }
  }

  private viewSize(): Size {
    const screen = this.parts?.app.screen;
    return { width: this.host.clientWidth || (screen?.width ?? 0), height: this.host.clientHeight || (screen?.height ?? 0) };
  }

  private hostAspect() {
    return Math.max(0.25, this.host.clientWidth / Math.max(1, this.host.clientHeight));
  }

  private build(plant: Plant) {
    const p = this.parts!;
    this.aspect = this.hostAspect();
    // The host's size, not app.screen: pixi applies resizeTo on the next frame.
    const index = (this.index = new FloorIndex(layoutPlant(plant, { aspect: this.aspect })));
    p.overlay.clear();
    this.tokens.build(index.layout, this.opts.tokenBudget);
    p.board.build(index.layout);
    this.queue = [];
    p.overlay.placeMinimap(index, this.viewSize());
    this.applyFocus(false);
  }

  /** Follows the host's size: re-packs the areas when its shape changed a lot, else reframes. */
  private watchSize() {
    let relayout: ReturnType<typeof setTimeout> | null = null;
    const ro = new ResizeObserver(() => {
      this.parts?.app.resize();
      // Re-pack the areas when the view's shape changed a lot (e.g. wall display, window snapped).
      const aspect = this.hostAspect();
      if (this.plant && Math.abs(Math.log(aspect / this.aspect)) > RELAYOUT_ASPECT) {
        if (relayout) clearTimeout(relayout);
        relayout = setTimeout(() => this.plant && this.parts && this.build(this.plant), RELAYOUT_MS);
      } else if (!this.camera.userMoved) this.applyFocus(false);
      if (this.index) this.parts?.overlay.placeMinimap(this.index, this.viewSize());
    });
    ro.observe(this.host);
    this.cleanups.push(() => {
      ro.disconnect();
      if (relayout) clearTimeout(relayout);
    });
  }

  /** Frames what the focus names (unless the person has moved the view) and outlines it. */
  private applyFocus(fromUser: boolean) {
    const index = this.index;
    if (!index) return;
    const f = focusStore.get();
    if (fromUser) {
      this.camera.userMoved = false;
      this.selection.resetCursor();
    }
    if (!this.camera.userMoved || this.wall) {
      const r = this.wall ? index.layout.bounds : index.focusRect(f);
      // The drawer covers the right of the view while a line or machine is open.
      const drawer = !this.wall && f.lineId ? Math.min(440, (this.host.clientWidth || 0) * 0.42) : 0;
      // The drill-down bar (React overlay) covers the top of the view outside wall mode.
      this.camera.frame(r, this.viewSize(), levelOf(f) === 'plant' ? 2.5 : 1.5, { right: drawer, top: this.wall ? 0 : DRILL_BAR_PX });
    }
    this.drawOutlines();
  }

  private drawOutlines() {
    this.parts?.overlay.drawOutlines(this.index, focusStore.get(), this.selection);
  }

  private enqueue(d: TwinDelta | { view: TwinView }) {
    // A long hidden spell: keep only a marker that everything must be redrawn.
    if (this.queue.length > MAX_QUEUE) this.queue = [{ view: { time: 0, position: -1 } as TwinView }];
    this.queue.push(d);
  }

  /** Once a frame, first: the queued twin updates, collapsed to the changed ids, onto the board. */
  private drain = (): void => {
    const p = this.parts;
    const index = this.index;
    if (!p || !index) return;
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
      if (all) p.board.redrawAll();
      else {
        lineIds.forEach((id) => p.board.drawLine(id, now));
        machineIds.forEach((id) => p.board.drawMachine(id));
      }
      this.opts.probe?.applied(position, deltas);
      // The first frame that draws the core's live twin, whether its opening view or a delta, is "live".
      if (deltas > 0 || all) this.drainedThisFrame = true;
    }
    p.board.drawDueCounts(now);
    const total = this.tokens.takeTotal();
    if (total !== null) this.opts.probe?.tokens(total);
    p.overlay.updateMinimap(index, now, p.board.machineState, this.camera, p.app.screen);
  };

  private afterRender = (): void => {
    const marks = this.parts?.board.marks;
    this.opts.probe?.drawn(this.drainedThisFrame, marks ?? []);
    if (marks) marks.length = 0;
    this.drainedThisFrame = false;
  };
}
