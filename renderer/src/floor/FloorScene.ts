/**
 * The Floor: an imperative pixi v8 scene, outside React. React mounts it once (FloorCanvas) and
 * never re-renders it per delta.
 *
 * - Built from the Plant (layoutPlant): areas as zones, lines as rows, machines as boxes.
 * - Keeps Map id → display object for lines and machines.
 * - Twin deltas are queued as they arrive (TwinStore.onDelta) and drained in the ticker, at most
 *   once per frame; draining collapses the queue to the set of changed ids and redraws only those
 *   from the store's current state.
 * - The world is one render group (pan/zoom moves one transform); lines and machines are cullable
 *   (CullerPlugin), and the ticker stops while the document is hidden.
 * - Wheel zooms at the pointer, drag pans, `fit()` frames the whole floor; arrows/+/-/0 on the
 *   focused canvas do the same from the keyboard.
 */
import 'pixi.js/unsafe-eval';
import { Application, Container, CullerPlugin, extensions, Graphics, Sprite, Text, UPDATE_PRIORITY, type Texture, type TextStyleOptions } from 'pixi.js';
import type { Plant } from '../../../shared/plant/schema';
import type { LineView, MachineView, TwinDelta, TwinView } from '../../../shared/twin/view';
import type { TwinStore } from '../twin/store';
import { layoutPlant, MACHINE_H, MACHINE_W, type FloorLayout, type LineLayout, type MachineLayout } from './layout';
import { colorNumber, NEUTRAL_INK, presentation, type Shape } from '../app/states';
import type { TaktDebug } from '../debug';

extensions.add(CullerPlugin);

const BG = 0xd9dcdf;
const ZONE_FILL = 0xe6e8ea;
const ZONE_LINE = 0xb4b9be;
const BOX_FILL = 0xc4c9ce;
const BOX_LINE = 0x7d848b;
const RAIL = 0x9aa0a6;
const INK = colorNumber(NEUTRAL_INK);
const TOKEN = 0x4a5057;
const FONT = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const MAX_TOKENS = 8;
const TOKEN_SPEED = 42; // px per second along the path

interface LineNode {
  layout: LineLayout;
  root: Container;
  rail: Graphics;
  icon: Graphics;
  title: Text;
  detail: Text;
  tokens: Container;
  /** Cumulative path length at each path point, for token positions. */
  lengths: number[];
  running: boolean;
  phase: number;
}

interface MachineNode {
  layout: MachineLayout;
  root: Container;
  box: Graphics;
  icon: Graphics;
  name: Text;
  kind: Text;
  state: string;
}

export interface FloorSceneOptions {
  debug?: TaktDebug;
}

const appOptions = () => ({
  background: BG,
  antialias: true,
  autoDensity: true,
  resolution: Math.min(2, window.devicePixelRatio || 1),
  preference: 'webgl' as const,
  culler: { updateTransform: true },
});

let prewarmed: { app: Application; ready: Promise<void> } | null = null;

/**
 * Starts pixi's renderer (WebGL context, shaders) before React mounts the Floor, so it overlaps
 * connecting to the core and loading the plant. The next FloorScene takes it over.
 */
export function prewarmFloor(): void {
  if (prewarmed) return;
  const app = new Application();
  prewarmed = { app, ready: app.init({ ...appOptions(), width: Math.max(1, innerWidth), height: Math.max(1, innerHeight) }) };
  prewarmed.ready.catch(() => (prewarmed = null));
}

export class FloorScene {
  app = new Application();
  private world = new Container({ isRenderGroup: true });
  private zones = new Container();
  private linesLayer = new Container();
  private machinesLayer = new Container();
  private lines = new Map<string, LineNode>();
  private machines = new Map<string, MachineNode>();
  private layout: FloorLayout | null = null;
  private queue: (TwinDelta | { view: TwinView })[] = [];
  private tokenTexture: Texture | null = null;
  private userMoved = false;
  private destroyed = false;
  private ready = false;
  private drainedThisFrame = false;
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
    if (warm) {
      this.app = warm.app;
      await warm.ready;
      this.app.resizeTo = this.host;
    } else await this.app.init({ ...appOptions(), resizeTo: this.host });
    if (this.destroyed) {
      this.app.destroy(true);
      return;
    }
    const canvas = this.app.canvas;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Plant floor: areas, lines and machines with live state. The line status table gives the same information as text.');
    canvas.tabIndex = 0;
    canvas.className = 'floor-canvas';
    this.host.appendChild(canvas);

    this.world.addChild(this.zones, this.linesLayer, this.machinesLayer);
    this.app.stage.addChild(this.world);
    this.tokenTexture = this.app.renderer.generateTexture(new Graphics().circle(6, 6, 5).fill(TOKEN));

    this.app.ticker.add(this.drain, undefined, UPDATE_PRIORITY.HIGH);
    this.app.ticker.add(this.animate, undefined, UPDATE_PRIORITY.NORMAL);
    // Runs after the application's render (LOW): counts frames actually drawn.
    this.app.ticker.add(this.afterRender, undefined, UPDATE_PRIORITY.UTILITY);

    this.cleanups.push(this.store.onDelta((d) => this.enqueue(d)));
    this.installInput(canvas);
    const onVisibility = () => (document.hidden ? this.app.ticker.stop() : this.app.ticker.start());
    document.addEventListener('visibilitychange', onVisibility);
    this.cleanups.push(() => document.removeEventListener('visibilitychange', onVisibility));
    const ro = new ResizeObserver(() => {
      this.app.resize();
      if (!this.userMoved) this.fit();
    });
    ro.observe(this.host);
    this.cleanups.push(() => ro.disconnect());
    if (document.hidden) this.app.ticker.stop();
    this.ready = true;
    performance.mark('takt:scene-ready');
  }

  /** (Re)builds the floor from a plant; current twin state is drawn on the next frame. */
  setPlant(plant: Plant): void {
    if (!this.ready) return;
    this.clear();
    // The host's size, not app.screen: pixi applies resizeTo on the next frame.
    const layout = (this.layout = layoutPlant(plant, { aspect: this.host.clientWidth / Math.max(1, this.host.clientHeight) }));
    for (const a of layout.areas) {
      const z = new Graphics().roundRect(a.zone.x, a.zone.y, a.zone.w, a.zone.h, 10).fill(ZONE_FILL).stroke({ width: 1.5, color: ZONE_LINE });
      const t = this.text(a.name.toUpperCase(), { fontSize: 16, fontWeight: '700', fill: 0x50575e, letterSpacing: 1.5 });
      t.position.set(a.zone.x + 14, a.zone.y + 9);
      this.zones.addChild(z, t);
    }
    for (const l of layout.lines) this.lines.set(l.id, this.makeLine(l));
    for (const m of layout.machines) this.machines.set(m.id, this.makeMachine(m));
    this.queue = [];
    this.redrawAll();
    if (!this.userMoved) this.fit();
    performance.mark('takt:plant-built');
  }

  /** Frames the whole floor in the view. */
  fit = (): void => {
    if (!this.layout) return;
    const b = this.layout.bounds;
    const width = this.host.clientWidth || this.app.screen.width;
    const height = this.host.clientHeight || this.app.screen.height;
    if (width < 2 || height < 2 || b.w <= 0) return;
    const pad = 24;
    const s = Math.min((width - 2 * pad) / b.w, (height - 2 * pad) / b.h, 2.5);
    this.world.scale.set(s);
    this.world.position.set((width - b.w * s) / 2 - b.x * s, (height - b.h * s) / 2 - b.y * s);
    this.userMoved = false;
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
    if (this.ready) {
      this.app.destroy(true, { children: true, texture: true });
      this.ready = false;
    }
  }

  // ---- deltas --------------------------------------------------------------------------------

  private enqueue(d: TwinDelta | { view: TwinView }) {
    // A long hidden spell: keep only a marker that everything must be redrawn.
    if (this.queue.length > 5000) this.queue = [{ view: { time: 0, position: -1 } as TwinView }];
    this.queue.push(d);
  }

  private drain = (): void => {
    if (!this.queue.length || !this.layout) return;
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
      d.lines?.forEach((l) => lineIds.add(l.id));
      d.machines?.forEach((m) => machineIds.add(m.id));
    }
    if (all) this.redrawAll();
    else {
      lineIds.forEach((id) => this.drawLine(id));
      machineIds.forEach((id) => this.drawMachine(id));
    }
    const dbg = this.opts.debug;
    if (dbg) {
      if (position >= 0) dbg.lastAppliedPosition = Math.max(dbg.lastAppliedPosition, position);
      dbg.deltasApplied += deltas;
    }
    if (deltas > 0) this.drainedThisFrame = true;
  };

  private afterRender = (): void => {
    const dbg = this.opts.debug;
    if (!dbg) return;
    dbg.frames++;
    if (dbg.frames === 1) performance.mark('takt:first-frame');
    if (this.drainedThisFrame && dbg.firstLiveFrameAt === null) {
      dbg.firstLiveFrameAt = performance.now();
      performance.mark('takt:first-live-frame');
    }
    this.drainedThisFrame = false;
  };

  private redrawAll() {
    this.lines.forEach((_, id) => this.drawLine(id));
    this.machines.forEach((_, id) => this.drawMachine(id));
  }

  // ---- lines -----------------------------------------------------------------------------------

  private makeLine(l: LineLayout): LineNode {
    const root = new Container();
    root.cullable = true;
    const rail = new Graphics();
    if (l.path.length > 1) {
      rail.moveTo(l.path[0]!.x, l.path[0]!.y);
      for (const p of l.path.slice(1)) rail.lineTo(p.x, p.y);
      rail.stroke({ width: 4, color: RAIL, cap: 'round', join: 'round' });
    }
    const icon = new Graphics();
    icon.position.set(l.label.x + 9, l.label.y + 11);
    const title = this.text(l.name, { fontSize: 19, fontWeight: '700', fill: INK });
    title.position.set(l.label.x, l.label.y);
    const detail = this.text('', { fontSize: 16, fill: INK });
    detail.position.set(l.label.x, l.label.y + 24);
    const tokens = new Container();
    root.addChild(rail, tokens, icon, title, detail);
    this.linesLayer.addChild(root);
    const lengths = [0];
    for (let i = 1; i < l.path.length; i++) lengths.push(lengths[i - 1]! + Math.hypot(l.path[i]!.x - l.path[i - 1]!.x, l.path[i]!.y - l.path[i - 1]!.y));
    return { layout: l, root, rail, icon, title, detail, tokens, lengths, running: false, phase: 0 };
  }

  private drawLine(id: string) {
    const n = this.lines.get(id);
    if (!n) return;
    const v: LineView | undefined = this.store.getLine(id);
    const status = v?.status ?? 'unknown';
    const p = presentation(status);
    n.icon.clear();
    if (p.abnormal) {
      drawShape(n.icon, p.shape, colorNumber(p.color), 9);
      n.title.x = n.layout.label.x + 24;
      n.title.text = `${n.layout.name} · ${p.label.toUpperCase()}`;
      n.title.style.fill = colorNumber(p.color);
    } else {
      n.title.x = n.layout.label.x;
      n.title.text = `${n.layout.name} · ${p.label}`;
      n.title.style.fill = INK;
    }
    n.detail.text = v ? lineDetail(v) : 'no data';
    n.running = status === 'running';
    const want = v ? Math.min(MAX_TOKENS, v.wip > 0 ? Math.max(1, Math.ceil(v.wip / 10)) : 0) : 0;
    const tokens = n.layout.path.length > 1 ? want : 0;
    while (n.tokens.children.length < tokens) {
      const s = new Sprite(this.tokenTexture!);
      s.anchor.set(0.5);
      n.tokens.addChild(s);
    }
    while (n.tokens.children.length > tokens) n.tokens.removeChildAt(n.tokens.children.length - 1).destroy();
    this.placeTokens(n);
  }

  private animate = (): void => {
    const dt = this.app.ticker.deltaMS / 1000;
    for (const n of this.lines.values()) {
      if (!n.running || n.tokens.children.length === 0) continue;
      n.phase += dt * TOKEN_SPEED;
      this.placeTokens(n);
    }
  };

  private placeTokens(n: LineNode) {
    const total = n.lengths[n.lengths.length - 1] ?? 0;
    const k = n.tokens.children.length;
    if (!k || total <= 0) return;
    for (let i = 0; i < k; i++) {
      const d = (((n.phase + (i * total) / k) % total) + total) % total;
      let seg = 1;
      while (seg < n.lengths.length - 1 && n.lengths[seg]! < d) seg++;
      const a = n.layout.path[seg - 1]!;
      const b = n.layout.path[seg]!;
      const len = n.lengths[seg]! - n.lengths[seg - 1]! || 1;
      const t = (d - n.lengths[seg - 1]!) / len;
      n.tokens.children[i]!.position.set(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
    }
  }

  // ---- machines --------------------------------------------------------------------------------

  private makeMachine(m: MachineLayout): MachineNode {
    const root = new Container();
    root.cullable = true;
    root.position.set(m.x, m.y);
    const box = new Graphics();
    const icon = new Graphics();
    icon.position.set(MACHINE_W / 2 - 2, MACHINE_H / 2 - 2);
    const name = this.text(m.name, { fontSize: 15, fontWeight: '600', fill: INK, align: 'center', wordWrap: true, wordWrapWidth: MACHINE_W - 10, lineHeight: 17 });
    name.anchor.set(0.5);
    // Long names: shrink to fit the box rather than spill out of it (the table has the full text).
    for (let size = 14; (name.height > MACHINE_H - 6 || name.width > MACHINE_W - 6) && size >= 10; size--) {
      name.style.fontSize = size;
      name.style.lineHeight = size + 2;
    }
    // Below the box: the state word when abnormal (with the colour and the corner shape).
    const kind = this.text('', { fontSize: 14, fontWeight: '700', fill: INK });
    kind.anchor.set(0.5, 0);
    kind.position.set(0, MACHINE_H / 2 + 3);
    root.addChild(box, name, kind, icon);
    this.machinesLayer.addChild(root);
    return { layout: m, root, box, icon, name, kind, state: '' };
  }

  private drawMachine(id: string) {
    const n = this.machines.get(id);
    if (!n) return;
    const v: MachineView | undefined = this.store.getMachine(id);
    const state = v?.state ?? 'unknown';
    if (state === n.state) return;
    n.state = state;
    const p = presentation(state);
    const x = -MACHINE_W / 2;
    const y = -MACHINE_H / 2;
    n.box.clear().roundRect(x, y, MACHINE_W, MACHINE_H, 6);
    if (p.abnormal) n.box.fill(mix(colorNumber(p.color), BOX_FILL, 0.18)).stroke({ width: 3.5, color: colorNumber(p.color) });
    else n.box.fill(state === 'idle' ? 0xd2d6da : BOX_FILL).stroke({ width: 1.5, color: BOX_LINE });
    n.kind.text = p.abnormal ? p.label.toUpperCase() : '';
    n.kind.style.fill = colorNumber(p.color);
    n.icon.clear();
    if (p.abnormal) drawShape(n.icon, p.shape, colorNumber(p.color), 10, true);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private text(text: string, style: TextStyleOptions): Text {
    return new Text({ text, style: { fontFamily: FONT, ...style }, resolution: 2 });
  }

  private clear() {
    this.zones.removeChildren().forEach((c) => c.destroy({ children: true }));
    this.linesLayer.removeChildren().forEach((c) => c.destroy({ children: true }));
    this.machinesLayer.removeChildren().forEach((c) => c.destroy({ children: true }));
    this.lines.clear();
    this.machines.clear();
  }

  private installInput(canvas: HTMLCanvasElement) {
    let drag: { x: number; y: number; id: number } | null = null;
    const rect = () => canvas.getBoundingClientRect();
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = rect();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), { x: e.clientX - r.left, y: e.clientY - r.top });
    };
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
      canvas.setPointerCapture(e.pointerId);
      canvas.classList.add('dragging');
    };
    const onMove = (e: PointerEvent) => {
      if (!drag || drag.id !== e.pointerId) return;
      this.panBy(e.clientX - drag.x, e.clientY - drag.y);
      drag.x = e.clientX;
      drag.y = e.clientY;
    };
    const onUp = (e: PointerEvent) => {
      if (!drag || drag.id !== e.pointerId) return;
      drag = null;
      canvas.classList.remove('dragging');
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
    canvas.addEventListener('keydown', onKey);
    this.cleanups.push(() => {
      canvas.removeEventListener('wheel', onWheel);
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointermove', onMove);
      canvas.removeEventListener('pointerup', onUp);
      canvas.removeEventListener('pointercancel', onUp);
      canvas.removeEventListener('keydown', onKey);
    });
  }
}

/** Opaque blend of `a` over `b` (so rails and tokens never show through a box). */
function mix(a: number, b: number, t: number): number {
  const ch = (c: number, s: number) => (c >> s) & 0xff;
  const m = (s: number) => Math.round(ch(a, s) * t + ch(b, s) * (1 - t)) << s;
  return m(16) | m(8) | m(0);
}

function lineDetail(v: LineView): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-GB');
  const order = v.currentOrderId ? `${v.currentSku ?? '?'} · ${v.currentOrderId}` : 'no order';
  return `${order} · good ${n(v.good)} · scrap ${n(v.scrap)}`;
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
