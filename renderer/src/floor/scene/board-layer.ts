/**
 * The board: zones, rails, machine names (static), machine boxes, line labels, gauges, buffers
 * and badges (live), drawn by its own pixi renderer onto a canvas under the tokens and the
 * overlay, with the drawing kept between frames.
 *
 * A twin change redraws only the screen rects of the items it changed (dirty.ts): on the 2D canvas
 * one pass clipped to those rects, on WebGL one pass per rect with the viewport set to it; in both
 * only the items crossing them are drawn. Pan, zoom or resize redraw it all. Off-screen items are
 * culled. States (colour, shape, word) are drawn at once; counts (texts, buffer levels, token
 * numbers) at most every COUNTS_MS per line, since nobody reads digits changing at 60 Hz and each
 * change repaints part of the board. And the lines' counts are drawn in slices, a share of the
 * lines every COUNTS_SLICE_MS (`countsPerSlice`): a delta stream that moves every line's counts
 * would otherwise repaint every row in one frame every COUNTS_MS (on a big floor a long frame),
 * while a few rows in every frame would make every frame re-send the whole board canvas to the
 * compositor. Frames between slices leave the board as it is.
 *
 * Level of detail: below LABEL_MIN_SCALE (a 15–17 px label under 5 screen px: unreadable, a smear
 * of pixels) machine names, state words and the count texts are not drawn; colours, shapes, line
 * titles, badges, gauges and buffers still are. Zooming in past it brings them back (a full redraw).
 */
import { Container, Graphics, Matrix, Rectangle, RendererType, type CanvasRenderer, type Renderer } from 'pixi.js';
import type { LineView, MachineView } from '../../../../shared/twin/view';
import type { TwinMirror } from '../../twin/twin-mirror';
import { colorNumber, presentation, states } from '../../app/states';
import { GAUGE_W, MACHINE_H, MACHINE_W, STATE_WORD_DY, type FloorLayout, type LineLayout, type MachineLayout, type Rect } from '../layout';
import { MAX_PASSES, screenRects } from '../dirty';
import { BG, BOX_FILL, BOX_LINE, badgeOf, drawShape, INK, INK_2, lineDetail, mix, RAIL, ZONE_FILL, ZONE_LINE } from './board-style';
import { BoardLabels, type Label } from './board-labels';
import { ViewStamp, type FloorCamera } from './camera';
import type { TokenLane, TokenLayer } from './token-layer';

const COUNTS_MS = 500;
/** Screen px per world px under which the small labels are left out (see the top of this file). */
export const LABEL_MIN_SCALE = 0.3;
/** How often a slice of the lines' counts is drawn. */
const COUNTS_SLICE_MS = 125;

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
  lane: TokenLane;
  status: string;
  titleKey: string;
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

/** What the rest of the scene hears from the board. */
export interface BoardEvents {
  /** A machine's drawn state changed (the minimap shows it). */
  machineChanged(): void;
  /** A line's status or badge was redrawn. */
  lineStatusChanged(lineId: string): void;
}

export class BoardLayer {
  private readonly root = new Container({ isRenderGroup: true });
  /** Paints the background under a partial redraw (the viewport clips it to the redrawn rect). */
  private readonly bg = new Graphics().rect(-1e6, -1e6, 2e6, 2e6).fill(BG);
  private readonly base = new Container({ isRenderGroup: true });
  private readonly live = new Container({ isRenderGroup: true });
  private readonly names = new Container({ isRenderGroup: true });
  /** World-space bounds of each board item as last drawn: culling and what a redraw must cover. */
  private drawn = new WeakMap<Container, Rect>();
  /** Line and machine roots changed this frame (their new bounds are taken before drawing). */
  private readonly touched = new Set<Container>();
  /** World rects of the board to redraw on the next frame. */
  private readonly dirty: Rect[] = [];
  private full = true;
  private readonly view = new ViewStamp();
  private readonly matrix = new Matrix();
  private readonly frame = new Rectangle();
  private readonly lines = new Map<string, LineNode>();
  /** The lines in a fixed order, and where the next frame's counts start (round robin). */
  private lineList: LineNode[] = [];
  private countsCursor = 0;
  private nextCountsSlice = 0;
  /** Whether the small labels are drawn at the current zoom (LABEL_MIN_SCALE). */
  private detailed = true;
  private readonly machines = new Map<string, MachineNode>();
  private readonly labels: BoardLabels;
  /** Benchmark markers (machine reasons `mark-…`) drawn since the scene last took them. */
  readonly marks: string[] = [];

  constructor(
    private readonly renderer: Renderer,
    private readonly store: TwinMirror,
    private readonly tokens: TokenLayer,
    private readonly events: BoardEvents,
  ) {
    this.labels = new BoardLabels(renderer);
    if (renderer.type === RendererType.CANVAS) {
      // Between zoom changes and the re-rasterisation at the new zoom (BoardLabels.fitZoom) labels are
      // drawn scaled: 'high' makes the 2D canvas downscale through mipmaps, so thin strokes survive.
      (renderer as CanvasRenderer).canvasContext.rootContext.imageSmoothingQuality = 'high';
    }
    this.bg.visible = false;
    this.root.addChild(this.bg, this.base, this.live, this.names);
  }

  /** pixi's name for the board's renderer ('canvas', 'webgl'). */
  get rendererName(): string {
    return this.renderer.name;
  }

  mount(host: HTMLElement): void {
    const canvas = this.renderer.canvas;
    canvas.setAttribute('aria-hidden', 'true');
    canvas.style.cssText += ';position:absolute;left:0;top:0;pointer-events:none';
    host.appendChild(canvas);
  }

  /** The state drawn for a machine ('' when none); bound, so it can be handed on as it is. */
  readonly machineState = (id: string): string => this.machines.get(id)?.state ?? '';

  /** Builds the board for a layout (the token lanes first: each line draws its token count); the twin state is drawn now. */
  build(layout: FloorLayout): void {
    this.clear();
    for (const a of layout.areas) {
      const z = new Graphics().roundRect(a.zone.x, a.zone.y, a.zone.w, a.zone.h, 10).fill(ZONE_FILL).stroke({ width: 1.5, color: ZONE_LINE });
      const t = this.labels.text(a.name.toUpperCase(), { fontSize: 17, fontWeight: '700', fill: INK_2, letterSpacing: 1.5 });
      t.position.set(a.zone.x + 14, a.zone.y + 8);
      this.base.addChild(z, t);
    }
    for (const l of layout.lines) this.lines.set(l.id, this.makeLine(l));
    this.lineList = [...this.lines.values()];
    this.countsCursor = 0;
    for (const m of layout.machines) this.machines.set(m.id, this.makeMachine(m));
    this.redrawAll();
    // Bounds of every board item as built (static ones never change; roots update when touched).
    this.touched.clear();
    for (const layer of [this.base, this.live, this.names]) for (const c of layer.children) this.drawn.set(c, boundsOf(c));
    for (const n of this.lines.values()) for (const c of n.root.children) this.drawn.set(c, boundsOf(c));
    this.dirty.length = 0;
    this.full = true;
  }

  /** Redraws every line and machine from the store (a fresh twin view). */
  redrawAll(): void {
    const now = performance.now();
    this.lines.forEach((n) => {
      n.status = '';
      n.titleKey = '';
      this.drawLine(n.layout.id, now, true);
    });
    this.machines.forEach((n) => {
      n.key = '';
      this.drawMachine(n.layout.id);
    });
  }

  /**
   * Counts that were held back (COUNTS_MS) and are now due: every COUNTS_SLICE_MS, at most
   * `countsPerSlice` lines, taken round robin so that every line's turn comes.
   */
  drawDueCounts(now: number): void {
    if (now < this.nextCountsSlice) return;
    this.nextCountsSlice = now + COUNTS_SLICE_MS;
    const list = this.lineList;
    const n = list.length;
    let budget = countsPerSlice(n);
    for (let i = 0; i < n && budget > 0; i++) {
      const k = (this.countsCursor + i) % n;
      const line = list[k]!;
      if (!line.countsPending || now < line.countsDueAt) continue;
      this.drawCounts(line, now);
      budget--;
      this.countsCursor = (k + 1) % n;
    }
  }

  drawLine(id: string, now: number, force = false): void {
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
      n.lane.moving = status === 'running' || status === 'starved' || status === 'blocked';
      this.events.lineStatusChanged(id);
    }
    // Forced (a fresh view): at once; otherwise drawDueCounts takes it this frame or a later one.
    if (force) this.drawCounts(n, now);
    else n.countsPending = true;
  }

  drawMachine(id: string): void {
    const n = this.machines.get(id);
    if (!n) return;
    const v: MachineView | undefined = this.store.getMachine(id);
    const state = v?.state ?? 'unknown';
    const alarm = v?.alarm ?? null;
    // Counts changed: the line's buffers and tokens follow (throttled).
    const line = this.lines.get(n.layout.lineId);
    if (line) line.countsPending = true;
    const reason = v?.reason ?? '';
    if (reason !== n.reason) {
      // A benchmark marker: note it; the scene stamps the time once this frame is drawn.
      if (reason.startsWith('mark-')) this.marks.push(reason);
      n.reason = reason;
    }
    const key = `${alarm ?? ''}|${state}`;
    if (key === n.key) return;
    n.key = key;
    n.state = state;
    this.events.machineChanged();
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

  /**
   * Draws the board where it changed: each changed rect (merged, in screen pixels) is redrawn alone
   * (viewport = that rect, background first, then only the items that cross it), so a state flip
   * costs the pixels of one machine, not of the whole floor. A moved or resized view redraws all.
   */
  render(camera: FloorCamera, w: number, h: number): void {
    const board = this.renderer;
    this.levelOfDetail(camera.scale);
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
    const s = camera.scale;
    const tx = camera.x;
    const ty = camera.y;
    if (this.labels.fitZoom(s, performance.now())) this.full = true;
    if (board.screen.width !== w || board.screen.height !== h) board.resize(w, h);
    if (this.view.moved(camera, w, h)) this.full = true;
    if (!this.full && !this.dirty.length) return;
    const rects = this.full ? [] : screenRects(this.dirty, s, tx, ty, w, h);
    this.dirty.length = 0;
    // WebGL pays a pass per rect (MAX_PASSES); the 2D canvas draws all rects in one clipped pass,
    // so there only their area decides: past half the screen one unclipped pass is cheaper.
    const canvas = board.type === RendererType.CANVAS;
    if (this.full || (canvas ? area(rects) > 0.5 * w * h : rects.length > MAX_PASSES)) {
      this.full = false;
      this.cull([camera.worldRect({ x: 0, y: 0, w, h })]);
      this.bg.visible = false;
      board.render({ container: this.root, transform: this.matrix.set(s, 0, 0, s, tx, ty), clear: true });
      return;
    }
    this.bg.visible = true;
    if (canvas) {
      // The 2D canvas: one pass for all rects, clipped to them (pixi's canvas renderer draws where the
      // transform says and has no viewport), with the items crossing any of them.
      const ctx = (board as CanvasRenderer).canvasContext.rootContext;
      const res = board.resolution;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.beginPath();
      for (const r of rects) ctx.rect(r.x * res, r.y * res, r.w * res, r.h * res);
      ctx.clip();
      this.cull(rects.map((r) => camera.worldRect(r)));
      try {
        board.render({ container: this.root, transform: this.matrix.set(s, 0, 0, s, tx, ty), clear: false });
      } finally {
        ctx.restore();
      }
      return;
    }
    for (const r of rects) {
      this.cull([camera.worldRect(r)]);
      this.frame.x = r.x;
      this.frame.y = r.y;
      this.frame.width = r.w;
      this.frame.height = r.h;
      // `frame` (the target's viewport) reaches RenderTargetSystem.push; pixi's RenderOptions type omits it.
      const part = { container: this.root, transform: this.matrix.set(s, 0, 0, s, tx - r.x, ty - r.y), clear: false, frame: this.frame };
      board.render(part);
    }
  }

  destroy(): void {
    this.root.destroy({ children: true });
    this.renderer.destroy({ removeView: true });
  }

  private clear(): void {
    for (const layer of [this.base, this.live, this.names]) layer.removeChildren().forEach((c) => c.destroy({ children: true }));
    this.drawn = new WeakMap();
    this.touched.clear();
    this.dirty.length = 0;
    this.full = true;
    this.labels.clear();
    this.lines.clear();
    this.lineList = [];
    this.machines.clear();
    // New items are built with every label shown: the next render sets the level of detail again.
    this.detailed = true;
    this.names.visible = true;
  }

  /** Shows or hides the small labels for the zoom (LABEL_MIN_SCALE); a change redraws the board. */
  private levelOfDetail(scale: number): void {
    const detailed = scale >= LABEL_MIN_SCALE;
    if (detailed === this.detailed) return;
    this.detailed = detailed;
    this.names.visible = detailed;
    for (const n of this.lines.values()) n.detail.visible = n.gaugeText.visible = detailed;
    for (const n of this.machines.values()) n.kind.visible = detailed;
    this.full = true;
  }

  /** Board items (a machine root, or parts of a line root) changed: redraw where they were and are. */
  private touch(...items: Container[]): void {
    for (const c of items) this.touched.add(c);
  }

  /** Hides the board items that cross none of the world rects (by their bounds as last drawn). */
  private cull(views: Rect[]): void {
    for (const layer of [this.base, this.live, this.names]) {
      for (const c of layer.children) {
        const r = this.drawn.get(c);
        c.culled = r !== undefined && views.every((v) => r.x >= v.x + v.w || r.y >= v.y + v.h || r.x + r.w <= v.x || r.y + r.h <= v.y);
      }
    }
  }

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
    const title = this.labels.label(l.name, { fontSize: 19, fontWeight: '700', fill: INK });
    title.position.set(l.label.x, l.label.y + 1);
    const detail = this.labels.label('', { fontSize: 17, fill: INK });
    detail.position.set(l.label.x, l.label.y + 25);
    const gauge = new Graphics();
    gauge.position.set(l.gauge.x - GAUGE_W / 2 + 18, l.gauge.y + 2);
    const gaugeText = this.labels.label('', { fontSize: 17, fontWeight: '600', fill: INK });
    gaugeText.anchor.set(0, 0.5);
    gaugeText.position.set(l.gauge.x - GAUGE_W / 2 + 36, l.gauge.y + 2);
    const badge = new Graphics();
    const badgeShape = new Graphics();
    const badgeText = this.labels.label('', { fontSize: 14, fontWeight: '700', fill: 0xffffff });
    badgeText.anchor.set(0, 0.5);
    root.addChild(buffers, icon, title, detail, gauge, gaugeText, badge, badgeShape, badgeText);
    this.live.addChild(root);
    const lane = this.tokens.lane(l.id)!;
    return { layout: l, root, icon, title, detail, gauge, gaugeText, badge, badgeShape, badgeText, buffers, lane, status: '', titleKey: '', countsDueAt: 0, countsPending: false, gaugePct: -1 };
  }

  /** Live counts of a line: detail text, gauge, buffer levels and the number of WIP tokens. */
  private drawCounts(n: LineNode, now: number): void {
    n.countsPending = false;
    n.countsDueAt = now + COUNTS_MS;
    // Hidden count texts (zoomed out) take their new value without repainting where they are.
    if (this.detailed) this.touch(n.detail, n.gaugeText);
    this.touch(n.gauge, n.buffers);
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
    this.tokens.setFlow(n.lane, v);
  }

  private makeMachine(m: MachineLayout): MachineNode {
    const root = new Container();
    root.cullable = true;
    root.position.set(m.x, m.y);
    const box = new Graphics();
    const icon = new Graphics();
    icon.position.set(MACHINE_W / 2 - 2, -MACHINE_H / 2 + 2);
    const name = this.labels.text(m.name, { fontSize: 15, fontWeight: '600', fill: INK, align: 'center', wordWrap: true, wordWrapWidth: MACHINE_W - 12, lineHeight: 17 });
    name.anchor.set(0.5);
    name.position.set(m.x, m.y);
    // Long names: shrink to fit the box rather than spill out of it (the table has the full text).
    for (let size = 14; (name.height > MACHINE_H - 6 || name.width > MACHINE_W - 8) && size >= 10; size--) {
      name.style.fontSize = size;
      name.style.lineHeight = size + 2;
    }
    // Below the lane: the state word when abnormal (with the colour and the corner shape).
    const kind = this.labels.label('', { fontSize: 15, fontWeight: '700', fill: INK });
    kind.anchor.set(0.5, 0);
    kind.position.set(0, STATE_WORD_DY);
    root.addChild(box, kind, icon);
    this.live.addChild(root);
    this.names.addChild(name);
    return { layout: m, root, box, icon, kind, state: '', reason: '', key: '' };
  }
}

/**
 * Lines whose counts one slice redraws: enough that each line gets its turn about every COUNTS_MS,
 * with room to catch up (twice that), and at least 4.
 */
export function countsPerSlice(lines: number): number {
  return Math.max(4, Math.ceil((2 * lines * COUNTS_SLICE_MS) / COUNTS_MS));
}

function area(rects: readonly Rect[]): number {
  let a = 0;
  for (const r of rects) a += r.w * r.h;
  return a;
}

/** World-space bounds of a board item (the board root has no transform of its own). */
function boundsOf(c: Container): Rect {
  const b = c.getBounds();
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}
