/**
 * The Gantt as an imperative view (like the floor's pixi scene): React mounts it and feeds it data;
 * zoom, pan and drawing never go through React. d3 owns the scales, the time axis (SVG), the zoom
 * behaviour (wheel/drag, a month down to minutes) and the overview brush (SVG); the bars are
 * canvas marks (./gantt.ts). Redraws are coalesced to one per animation frame, and each part is
 * redrawn only when what it shows changed: the bars when the range, size, data or highlight did
 * (a pan clamped at the data's edge, or a cursor move, leaves them), the axis when the range or
 * width did (re-rendering its ticks re-lays out the SVG), the cursor line always (it is one element).
 */
import { axisBottom, axisTop, brushX, scaleTime, select, zoom, zoomIdentity, type BrushBehavior, type D3ZoomEvent, type ScaleTime, type Selection, type ZoomBehavior } from 'd3';
import { barAt, drawGantt, type DrawStats, type GanttModel } from './gantt';
import type { Bar, Marker } from '../../../shared/timeline/bars';

const MIN_SPAN_MS = 10 * 60_000;
const AXIS_H = 30;
const BRUSH_H = 34;

export interface GanttViewOptions {
  /** Click on the chart or scrub on the axis: the time cursor moved (t in plant ms). */
  onCursor?(t: number, final: boolean): void;
  onHover?(bar: Bar | null, marker: Marker | null, x: number, y: number): void;
  /** Called after each draw (bench, tests). */
  onDraw?(stats: DrawStats, ms: number): void;
  /** Row height changed (resize, new data): DOM row labels follow it. */
  onLayout?(rowHeight: number): void;
  /** Rasterise the canvas on the CPU (default true); false lets Chromium use the GPU. */
  cpuCanvas?: boolean;
}

export class GanttView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly axisSvg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly overlay: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly brushSvg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly body: HTMLDivElement;
  private model: GanttModel = { rows: [], bars: 0 };
  private markers: readonly Marker[] = [];
  private domain: [number, number] = [0, 1];
  private now = 0;
  private cursor: number | null = null;
  private highlight: string | null = null;
  private width = 1;
  private height = 1;
  private dpr = 1;
  private base: ScaleTime<number, number> = scaleTime();
  private x: ScaleTime<number, number> = scaleTime();
  private readonly zoomer: ZoomBehavior<HTMLDivElement, unknown>;
  private readonly brush: BrushBehavior<unknown>;
  private frame = 0;
  /** What the canvas and the axis were last drawn for (null: draw them next time). */
  private drawnBars: unknown[] | null = null;
  private drawnAxis: unknown[] | null = null;
  private readonly ro: ResizeObserver;
  rowHeight = 30;
  lastStats: DrawStats = { rects: 0, visibleBars: 0 };

  constructor(private readonly host: HTMLElement, private readonly opts: GanttViewOptions = {}) {
    host.classList.add('gantt');
    this.axisSvg = select(host).append('svg').attr('class', 'gantt-axis').attr('height', AXIS_H).attr('aria-hidden', 'true');
    this.body = select(host).append('div').attr('class', 'gantt-body').node()!;
    this.canvas = select(this.body).append('canvas').attr('class', 'gantt-canvas').attr('aria-hidden', 'true').node()!;
    this.overlay = select(this.body).append('svg').attr('class', 'gantt-overlay');
    this.brushSvg = select(host).append('svg').attr('class', 'gantt-brush').attr('height', BRUSH_H);
    this.brushSvg.append('text').attr('class', 'gantt-brush-label').attr('x', 4).attr('y', 11).text('Overview: drag to choose a range');
    // A CPU-rasterised canvas: tens of thousands of small rects are cheaper there than as GPU draws (esp. on SwiftShader).
    this.ctx = this.canvas.getContext('2d', { alpha: true, willReadFrequently: opts.cpuCanvas ?? true })!;

    this.zoomer = zoom<HTMLDivElement, unknown>()
      .filter((e: Event) => (e.type === 'wheel' || e.type === 'mousedown' || e.type === 'touchstart' || e.type === 'dblclick') && !(e as MouseEvent).button)
      .on('zoom', (e: D3ZoomEvent<HTMLDivElement, unknown>) => {
        this.x = e.transform.rescaleX(this.base);
        if (e.sourceEvent) this.syncBrush();
        this.schedule();
      });
    select(this.body).call(this.zoomer).on('dblclick.zoom', null);

    this.brush = brushX<unknown>().on('end', (e: { selection: [number, number] | null; sourceEvent?: Event }) => {
      if (!e.sourceEvent || !e.selection) return;
      const [a, b] = e.selection.map((px) => this.overviewScale().invert(px).getTime());
      this.zoomTo(a!, b!);
    });

    this.body.addEventListener('click', (e) => {
      // A decision marker opens its receipt; anywhere else moves the time cursor.
      const r = this.body.getBoundingClientRect();
      const m = this.markerAt(e.clientX - r.left, e.clientY - r.top);
      if (m?.kind === 'decision') {
        location.hash = `#/decisions/${encodeURIComponent(m.exceptionId)}`;
        return;
      }
      const t = this.timeAtClient(e.clientX);
      if (t !== null) this.opts.onCursor?.(t, true);
    });
    this.body.addEventListener('pointermove', (e) => {
      const r = this.body.getBoundingClientRect();
      const v = this.drawView();
      const bar = barAt(this.model, v, e.clientX - r.left, e.clientY - r.top);
      this.opts.onHover?.(bar, this.markerAt(e.clientX - r.left, e.clientY - r.top), e.clientX - r.left, e.clientY - r.top);
    });
    this.body.addEventListener('pointerleave', () => this.opts.onHover?.(null, null, 0, 0));
    // Scrub: drag along the time axis moves the cursor; the consumer travels when it settles.
    const axisNode = this.axisSvg.node()!;
    axisNode.addEventListener('pointerdown', (e) => {
      axisNode.setPointerCapture(e.pointerId);
      const move = (ev: PointerEvent) => {
        const t = this.timeAtClient(ev.clientX);
        if (t !== null) this.opts.onCursor?.(t, false);
      };
      const up = (ev: PointerEvent) => {
        axisNode.removeEventListener('pointermove', move);
        axisNode.removeEventListener('pointerup', up);
        const t = this.timeAtClient(ev.clientX);
        if (t !== null) this.opts.onCursor?.(t, true);
      };
      axisNode.addEventListener('pointermove', move);
      axisNode.addEventListener('pointerup', up);
      move(e);
    });

    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(host);
    this.resize();
  }

  private timeAtClient(clientX: number): number | null {
    const r = this.body.getBoundingClientRect();
    const px = clientX - r.left;
    if (px < 0 || px > r.width) return null;
    return Math.round(this.x.invert(px).getTime());
  }

  private markerAt(px: number, py: number): Marker | null {
    const v = this.drawView();
    const rowOf = new Map(this.model.rows.map((r, i) => [r.line.id, i]));
    for (const m of this.markers) {
      const r = rowOf.get(m.lineId);
      if (r === undefined) continue;
      const cx = ((m.at - v.t0) / (v.t1 - v.t0)) * v.width;
      const cy = r * v.rowHeight + v.rowHeight * 0.3;
      if (Math.abs(cx - px) <= 6 && Math.abs(cy - py) <= 7) return m;
    }
    return null;
  }

  private overviewScale(): ScaleTime<number, number> {
    return scaleTime().domain(this.domain).range([0, this.width]);
  }

  private resize(): void {
    const w = Math.max(100, this.host.clientWidth);
    const h = Math.max(60, this.host.clientHeight - AXIS_H - BRUSH_H);
    const t = this.visible();
    this.width = w;
    this.height = h;
    this.dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * this.dpr);
    this.canvas.height = Math.round(h * this.dpr);
    // Resizing cleared the canvas.
    this.drawnBars = null;
    this.drawnAxis = null;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.body.style.height = `${h}px`;
    this.overlay.attr('width', w).attr('height', h);
    this.axisSvg.attr('width', w);
    this.brushSvg.attr('width', w);
    this.layoutRows();
    this.base = scaleTime().domain(this.domain).range([0, w]);
    this.zoomer.extent([[0, 0], [w, h]]).translateExtent([[0, 0], [w, h]]).scaleExtent([1, Math.max(1, (this.domain[1] - this.domain[0]) / MIN_SPAN_MS)]);
    this.brush.extent([[0, 14], [w, BRUSH_H - 2]]);
    this.brushSvg.selectAll<SVGGElement, unknown>('g.brush').data([0]).join('g').attr('class', 'brush').call(this.brush as unknown as (s: Selection<SVGGElement, number, SVGSVGElement, unknown>) => void);
    if (t[1] > t[0]) this.zoomTo(t[0], t[1], false);
    else this.schedule();
  }

  private layoutRows(): void {
    const n = Math.max(1, this.model.rows.length);
    const h = Math.max(14, Math.min(36, Math.floor(this.height / n)));
    if (h !== this.rowHeight) {
      this.rowHeight = h;
      this.opts.onLayout?.(h);
    }
  }

  /** Replaces the data; keeps the visible range unless `fit`. */
  setData(model: GanttModel, domain: [number, number], now: number, markers: readonly Marker[], fit = false): void {
    const keep = this.visible();
    const first = this.domain[1] - this.domain[0] <= 1;
    this.model = model;
    this.markers = markers;
    this.now = now;
    this.domain = domain;
    this.layoutRows();
    this.base = scaleTime().domain(domain).range([0, this.width]);
    this.zoomer.scaleExtent([1, Math.max(1, (domain[1] - domain[0]) / MIN_SPAN_MS)]);
    if (fit || first) this.zoomTo(domain[0], domain[1], false);
    else this.zoomTo(Math.max(domain[0], keep[0]), Math.min(domain[1], keep[1]), false);
    this.overviewAxis();
  }

  setCursor(t: number | null): void {
    this.cursor = t;
    this.schedule();
  }
  setHighlight(orderId: string | null): void {
    this.highlight = orderId;
    this.schedule();
  }

  visible(): [number, number] {
    const d = this.x.domain();
    return [d[0]?.getTime() ?? 0, d[1]?.getTime() ?? 0];
  }

  /** Shows [t0, t1] (clamped to the data's range). */
  zoomTo(t0: number, t1: number, animate = false): void {
    const span = Math.max(MIN_SPAN_MS, t1 - t0);
    const k = (this.domain[1] - this.domain[0]) / span;
    const tx = -this.base(new Date(t0)) * k;
    const target = zoomIdentity.translate(tx, 0).scale(k);
    const sel = select(this.body);
    if (animate) sel.transition().duration(250).call(this.zoomer.transform, target);
    else sel.call(this.zoomer.transform, target);
    this.syncBrush();
  }

  /** Pans by a share of the visible span (negative: back in time). */
  panBy(share: number): void {
    const [a, b] = this.visible();
    const d = (b - a) * share;
    this.zoomTo(a + d, b + d);
  }
  /** Zooms around the centre (factor > 1 zooms in). */
  zoomBy(factor: number): void {
    const [a, b] = this.visible();
    const c = (a + b) / 2;
    const half = (b - a) / 2 / factor;
    this.zoomTo(c - half, c + half);
  }
  fit(): void {
    this.zoomTo(this.domain[0], this.domain[1]);
  }

  private syncBrush(): void {
    const [a, b] = this.visible();
    const s = this.overviewScale();
    const g = this.brushSvg.select<SVGGElement>('g.brush');
    if (g.empty() || !(b > a) || this.domain[1] - this.domain[0] <= 1) return;
    const clamp = (px: number) => Math.max(0, Math.min(this.width, px));
    const x0 = clamp(s(new Date(a)));
    const x1 = clamp(s(new Date(b)));
    if (x1 > x0) g.call(this.brush.move, [x0, x1]);
  }

  private overviewAxis(): void {
    const s = this.overviewScale();
    this.brushSvg.selectAll<SVGGElement, unknown>('g.overview-axis').data([0]).join('g').attr('class', 'overview-axis').attr('transform', `translate(0, ${BRUSH_H - 14})`).call(axisBottom(s).ticks(8).tickSize(3));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private drawView() {
    const [t0, t1] = this.visible();
    return { width: this.width, height: this.height, t0, t1, rowHeight: this.rowHeight, scrollY: 0, highlight: this.highlight, now: this.now };
  }

  /** Draws now (the bench calls it to time one full draw); the bars only where they changed, unless `force`. */
  draw(force = false): DrawStats {
    const t = performance.now();
    const v = this.drawView();
    // The range to 1/64 px: a pan clamped at the data's edge moves it by rounding errors only.
    const q = (v.t1 - v.t0) / v.width / 64;
    const bars = [this.model, this.markers, Math.round(v.t0 / q), Math.round(v.t1 / q), v.width, v.height, v.rowHeight, v.highlight, v.now, this.dpr];
    const redraw = force || !same(bars, this.drawnBars);
    if (redraw) {
      this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      this.lastStats = drawGantt(this.ctx, this.model, v, this.markers);
      this.drawnBars = bars;
    }
    const axis = [bars[2], bars[3], v.width];
    if (!same(axis, this.drawnAxis)) {
      this.axisSvg.selectAll<SVGGElement, unknown>('g.axis').data([0]).join('g').attr('class', 'axis').attr('transform', `translate(0, ${AXIS_H - 1})`).call(axisTop(this.x).ticks(Math.max(2, Math.floor(this.width / 110))));
      this.drawnAxis = axis;
    }
    // Overlays: the time cursor (SVG) and row separators.
    const cx = this.cursor === null ? null : this.x(new Date(this.cursor));
    this.overlay
      .selectAll<SVGLineElement, number>('line.cursor')
      .data(cx === null || cx < 0 || cx > this.width ? [] : [cx])
      .join('line')
      .attr('class', 'cursor')
      .attr('x1', (d) => d)
      .attr('x2', (d) => d)
      .attr('y1', 0)
      .attr('y2', this.height);
    if (redraw) this.opts.onDraw?.(this.lastStats, performance.now() - t);
    return this.lastStats;
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.ro.disconnect();
    select(this.body).on('.zoom', null);
    this.host.replaceChildren();
  }
}

/** Whether two lists of draw inputs are the same (by identity; numbers by value). */
function same(a: readonly unknown[], b: readonly unknown[] | null): boolean {
  return b !== null && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
