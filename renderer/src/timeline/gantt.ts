/**
 * The Gantt's canvas marks (no React, no DOM beyond the 2D context). Bars are indexed per line and
 * lane, sorted by start, with a running maximum of their ends so the first visible bar is a binary
 * search away; only the visible time range is walked. Level of detail: bars narrower than a pixel
 * that fall in the same pixel column are merged into one rectangle, so a month of 50k bars costs
 * at most a few rectangles per pixel column and lane.
 *
 * Zoomed out (a year of 250k bars on 2,000 px), walking every bar per frame would cost more than
 * the frame: each lane also keeps a binned overview, levels of "spans" (bars of one kind merged
 * where they are less than a bin apart, bins of 15 min × 4^k), built once with the index. A draw
 * whose pixel spans at least a level's bin walks that level instead of the bars and paints its
 * narrow spans into pixel columns (one colour per column, the most notable kind winning: down over
 * hold over clean over changeover over runs and plans); all such lanes go up as one image, a pixel
 * row per lane stretched onto it, so a year costs a blit per lane, not a rectangle per downtime.
 * A span that is one bar and wide on screen is drawn as a bar (its gap, its label).
 */
import type { Bar, BarKind, Marker, TimelineLine } from '../../../shared/timeline/bars';

export type Lane = 'baseline' | 'plan' | 'actual' | 'state' | 'hold';
const LANE_OF: Record<BarKind, Lane> = { baseline: 'baseline', plan: 'plan', run: 'actual', changeover: 'state', clean: 'state', down: 'state', hold: 'hold' };
export const LANES: readonly Lane[] = ['baseline', 'plan', 'actual', 'state', 'hold'];
/** Vertical place of each lane inside a row, as fractions of the row height. */
const LANE_Y: Record<Lane, [number, number]> = { baseline: [0.06, 0.2], plan: [0.23, 0.37], actual: [0.42, 0.82], state: [0.42, 0.82], hold: [0.85, 0.97] };

/** ISA-101: greys for plan and normal running; colour only for what is abnormal or notable. */
export const BAR_COLOURS: Record<BarKind, string> = {
  baseline: '#aab1b8',
  plan: '#7b858f',
  run: '#565e66',
  changeover: '#2f6fb3',
  clean: '#157f80',
  down: '#b01f1f',
  hold: '#8a3ea8',
};
export const BAR_LABELS: Record<BarKind, string> = {
  baseline: 'Baseline plan (frozen at shift start)',
  plan: 'Current plan',
  run: 'Actual run',
  changeover: 'Changeover',
  clean: 'Clean',
  down: 'Downtime',
  hold: 'QA hold',
};

/** Kinds in the order the overview lets them win a pixel column (last wins). */
const KINDS: readonly BarKind[] = ['baseline', 'plan', 'run', 'changeover', 'clean', 'hold', 'down'];
const KIND_NO: Record<BarKind, number> = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<BarKind, number>;
/** The overview's finest bin, and the factor between levels. */
const OVERVIEW_BIN_MS = 15 * 60_000;
const OVERVIEW_STEP = 4;
/** Levels stop when a level is this small (spans per lane): walking it is already cheap. */
const OVERVIEW_MIN_SPANS = 64;

/** One level of a lane's overview: spans sorted by start (binary-searchable like the bars). */
export interface OverviewLevel {
  binMs: number;
  starts: Float64Array;
  ends: Float64Array;
  maxEnd: Float64Array;
  /** KINDS index of the span's bars. */
  kinds: Uint8Array;
  /** The bar (index into the lane's bars) when the span is one bar; −1 for a merged span. */
  single: Int32Array;
  /** Bars in the span. */
  counts: Uint32Array;
}

export interface LaneIndex {
  bars: Bar[];
  starts: Float64Array;
  ends: Float64Array;
  /** maxEnd[i] = max(ends[0..i]): monotone, so binary-searchable. */
  maxEnd: Float64Array;
  /** Binned overview, finest first (see the top of this file). */
  levels: OverviewLevel[];
}
export interface GanttRow {
  line: TimelineLine;
  lanes: Record<Lane, LaneIndex>;
}
export interface GanttModel {
  rows: GanttRow[];
  bars: number;
}

function laneIndex(bars: Bar[]): LaneIndex {
  bars.sort((a, b) => a.start - b.start || a.end - b.end);
  const n = bars.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const maxEnd = new Float64Array(n);
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    starts[i] = bars[i]!.start;
    ends[i] = bars[i]!.end;
    m = Math.max(m, ends[i]!);
    maxEnd[i] = m;
  }
  const lane: LaneIndex = { bars, starts, ends, maxEnd, levels: [] };
  lane.levels = overviewLevels(lane);
  return lane;
}

/**
 * The lane's overview levels: level k merges, in start order, each span into the open span of its
 * kind when it begins less than a bin after that one's end; a single bar longer than 4 bins stays alone (it can be
 * wide on screen at that zoom, and is then drawn as a bar). Each level is built from the one below.
 */
function overviewLevels(lane: LaneIndex): OverviewLevel[] {
  const levels: OverviewLevel[] = [];
  const n0 = lane.bars.length;
  // Level 0: the bars themselves (plain loops: typed-array `from` with a mapper is slow).
  const kinds0 = new Uint8Array(n0);
  const single0 = new Int32Array(n0);
  for (let i = 0; i < n0; i++) {
    kinds0[i] = KIND_NO[lane.bars[i]!.kind];
    single0[i] = i;
  }
  let prev: OverviewLevel = { binMs: 0, starts: lane.starts, ends: lane.ends, maxEnd: lane.maxEnd, kinds: kinds0, single: single0, counts: new Uint32Array(n0).fill(1) };
  const extent = n0 ? lane.maxEnd[n0 - 1]! - lane.starts[0]! : 0;
  // Coarser bins until a level is small, or one bin spans the whole lane (nothing more to merge).
  for (let bin = OVERVIEW_BIN_MS; prev.starts.length > OVERVIEW_MIN_SPANS && bin <= 4 * extent; bin *= OVERVIEW_STEP) {
    const n = prev.starts.length;
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const kinds = new Uint8Array(n);
    const single = new Int32Array(n);
    const counts = new Uint32Array(n);
    /** The open span of each kind (kinds interleave in a lane: changeovers between downtimes). */
    const open = new Int32Array(KINDS.length).fill(-1);
    let k = -1;
    const long = 4 * bin;
    for (let i = 0; i < n; i++) {
      const s = prev.starts[i]!;
      const e = prev.ends[i]!;
      const kind = prev.kinds[i]!;
      const alone = prev.single[i]! >= 0 && e - s > long;
      const j = open[kind]!;
      if (j >= 0 && !alone && s < ends[j]! + bin && !(single[j]! >= 0 && ends[j]! - starts[j]! > long)) {
        if (e > ends[j]!) ends[j] = e;
        single[j] = -1;
        counts[j]! += prev.counts[i]!;
        continue;
      }
      k++;
      open[kind] = k;
      starts[k] = s;
      ends[k] = e;
      kinds[k] = kind;
      single[k] = prev.single[i]!;
      counts[k] = prev.counts[i]!;
    }
    const len = k + 1;
    const maxEnd = new Float64Array(len);
    let m = -Infinity;
    for (let i = 0; i < len; i++) maxEnd[i] = m = Math.max(m, ends[i]!);
    const level: OverviewLevel = { binMs: bin, starts: starts.slice(0, len), ends: ends.slice(0, len), maxEnd, kinds: kinds.slice(0, len), single: single.slice(0, len), counts: counts.slice(0, len) };
    // A level that merges little is not worth its memory: the next, coarser one is tried instead.
    if (len < n * 0.9 || levels.length === 0) levels.push(level);
    prev = level;
  }
  return levels;
}

/** The coarsest overview level whose bin fits in one pixel of `msPerPx`; null: draw the bars. */
export function overviewLevel(lane: LaneIndex, msPerPx: number): OverviewLevel | null {
  let best: OverviewLevel | null = null;
  for (const l of lane.levels) if (l.binMs <= msPerPx) best = l;
  return best;
}

/** Groups bars per line and lane; `keep` filters (customer, kinds). */
export function buildModel(lines: readonly TimelineLine[], bars: readonly Bar[], keep?: (b: Bar) => boolean): GanttModel {
  const per = new Map<string, Record<Lane, Bar[]>>();
  for (const l of lines) per.set(l.id, { baseline: [], plan: [], actual: [], state: [], hold: [] });
  let count = 0;
  for (const b of bars) {
    const row = per.get(b.lineId);
    if (!row || (keep && !keep(b))) continue;
    row[LANE_OF[b.kind]].push(b);
    count++;
  }
  return {
    rows: lines.map((line) => {
      const r = per.get(line.id)!;
      return { line, lanes: { baseline: laneIndex(r.baseline), plan: laneIndex(r.plan), actual: laneIndex(r.actual), state: laneIndex(r.state), hold: laneIndex(r.hold) } };
    }),
    bars: count,
  };
}

/** First index whose bar may reach t0 (its running max end ≥ t0). */
export function firstVisible(lane: { maxEnd: Float64Array }, t0: number): number {
  let lo = 0;
  let hi = lane.maxEnd.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lane.maxEnd[mid]! < t0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface DrawView {
  width: number;
  height: number;
  t0: number;
  t1: number;
  rowHeight: number;
  /** Vertical scroll in px. */
  scrollY: number;
  /** Highlight bars of this order (search). */
  highlight?: string | null;
  now: number;
}

export interface DrawStats {
  rects: number;
  visibleBars: number;
}

/** Draws every visible row; returns how many rectangles it filled (the LOD's effect). */
export function drawGantt(ctx: CanvasRenderingContext2D, model: GanttModel, v: DrawView, markers: readonly Marker[] = []): DrawStats {
  const k = v.width / (v.t1 - v.t0);
  const x = (t: number) => (t - v.t0) * k;
  ctx.clearRect(0, 0, v.width, v.height);
  let rects = 0;
  let visibleBars = 0;
  const firstRow = Math.max(0, Math.floor(v.scrollY / v.rowHeight));
  const lastRow = Math.min(model.rows.length - 1, Math.ceil((v.scrollY + v.height) / v.rowHeight));
  const labels: { text: string; x: number; y: number; w: number }[] = [];
  // Rectangles batched per colour: one path and one fill per colour instead of a fill per bar.
  const batches = new Map<string, number[]>();
  const batch = (c: string) => {
    let b = batches.get(c);
    if (!b) batches.set(c, (b = []));
    return b;
  };
  // Colours paint in KINDS order (the highlight last): where lanes share a band, the notable kind is on top.
  for (const kind of KINDS) batch(BAR_COLOURS[kind]);
  const msPerPx = (v.t1 - v.t0) / v.width;
  const cols = overviewColumns(Math.ceil(v.width) + 2);
  const image = overviewImage(Math.ceil(v.width), (lastRow - firstRow + 1) * LANES.length);
  /** Overview lanes painted into `image`: its row, and where on the canvas it goes. */
  const slots: { row: number; y: number; h: number }[] = [];
  for (let r = firstRow; r <= lastRow; r++) {
    const row = model.rows[r]!;
    const top = r * v.rowHeight - v.scrollY;
    if (r % 2 === 1) {
      ctx.fillStyle = 'rgba(0,0,0,0.035)';
      ctx.fillRect(0, top, v.width, v.rowHeight);
    }
    for (const laneName of LANES) {
      const lane = row.lanes[laneName];
      const [fy0, fy1] = LANE_Y[laneName];
      const y = top + fy0 * v.rowHeight;
      const h = Math.max(1, (fy1 - fy0) * v.rowHeight);
      const level = v.highlight ? null : overviewLevel(lane, msPerPx);
      if (level) {
        const slot = image ? { row: slots.length, y, h } : null;
        const drawn = drawOverviewLane(level, lane, v, x, y, h, cols, batch, laneName === 'actual' ? labels : null, image && slot ? { pixels: image.pixels, row: slot.row, width: image.width } : null);
        if (slot) slots.push(slot);
        rects += drawn.rects;
        visibleBars += drawn.bars;
        continue;
      }
      let px0 = 0;
      let px1 = -Infinity;
      let colour = '';
      const flush = () => {
        if (px1 > px0) {
          batch(colour).push(px0, y, px1 - px0, h);
          rects++;
        }
      };
      const n = lane.bars.length;
      for (let i = firstVisible(lane, v.t0); i < n; i++) {
        const s = lane.starts[i]!;
        if (s > v.t1) break;
        const e = lane.ends[i]!;
        if (e < v.t0) continue;
        visibleBars++;
        const bar = lane.bars[i]!;
        const a = Math.max(-2, x(s));
        let b = Math.min(v.width + 2, x(e));
        if (b - a < 1) b = a + 1;
        // Wide bars keep a 1 px gap so back-to-back orders stay distinct; narrow ones (a few px)
        // merge with a neighbour of the same colour that overlaps or is within 1.5 px.
        const narrow = b - a <= 8;
        if (!narrow) b -= 1;
        const c = v.highlight && bar.orderId === v.highlight ? '#1a4d99' : BAR_COLOURS[bar.kind];
        if (c === colour && a < px1 + (narrow ? 1.5 : 0)) {
          if (b > px1) px1 = b;
          continue;
        }
        flush();
        px0 = a;
        px1 = b;
        colour = c;
        if (laneName === 'actual' && b - a > 56 && labels.length < 400) labels.push({ text: bar.orderId ?? bar.label, x: a, y: y + h / 2, w: b - a });
      }
      flush();
    }
  }
  // The overview lanes: their pixel rows in one upload, each stretched onto its lane, unsmoothed.
  if (image && slots.length) {
    image.ctx.putImageData(image.data, 0, 0, 0, 0, image.width, slots.length);
    const smooth = ctx.imageSmoothingEnabled;
    ctx.imageSmoothingEnabled = false;
    for (const sl of slots) ctx.drawImage(image.canvas, 0, sl.row, image.width, 1, 0, sl.y, image.width, sl.h);
    ctx.imageSmoothingEnabled = smooth;
    image.pixels.fill(0, 0, slots.length * image.width);
  }
  // One fillStyle per colour, then plain fillRects: on a CPU-rasterised canvas these are blits,
  // far cheaper than one huge path of rectangles.
  for (const [c, xs] of batches) {
    ctx.fillStyle = c;
    // Whole pixels: crisp edges and plain blits (no anti-aliased coverage per rectangle).
    for (let i = 0; i < xs.length; i += 4) {
      const x0 = Math.round(xs[i]!);
      ctx.fillRect(x0, Math.round(xs[i + 1]!), Math.max(1, Math.round(xs[i]! + xs[i + 2]!) - x0), Math.max(1, Math.round(xs[i + 3]!)));
    }
  }
  if (labels.length) {
    ctx.font = LABEL_FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#ffffff';
    for (const l of labels) {
      const tx = Math.max(l.x, 0) + 3;
      // A label that fits its bar is drawn as is; only one that would overflow is clipped to it
      // (a clip per label, with its save and restore, cost more than the text at a zoom of hundreds).
      if (tx + labelWidth(ctx, l.text) <= l.x + l.w - 2) {
        ctx.fillText(l.text, tx, l.y);
        continue;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(l.x, l.y - 8, l.w - 2, 16);
      ctx.clip();
      ctx.fillText(l.text, tx, l.y);
      ctx.restore();
    }
  }
  // Markers: decisions as diamonds, actions as circles (due grey, done outlined, overdue red).
  const rowOf = new Map(model.rows.map((r, i) => [r.line.id, i]));
  for (const m of markers) {
    if (m.at < v.t0 || m.at > v.t1) continue;
    const r = rowOf.get(m.lineId);
    if (r === undefined || r < firstRow || r > lastRow) continue;
    const cx = x(m.at);
    const cy = r * v.rowHeight - v.scrollY + v.rowHeight * 0.3;
    ctx.beginPath();
    if (m.kind === 'decision') {
      ctx.moveTo(cx, cy - 6);
      ctx.lineTo(cx + 6, cy);
      ctx.lineTo(cx, cy + 6);
      ctx.lineTo(cx - 6, cy);
      ctx.closePath();
      ctx.fillStyle = '#1a4d99';
      ctx.fill();
    } else {
      ctx.arc(cx, cy, 4.5, 0, Math.PI * 2);
      ctx.fillStyle = m.state === 'overdue' ? '#b01f1f' : m.state === 'done' ? '#ffffff' : '#4f565d';
      ctx.fill();
      ctx.strokeStyle = '#2b3035';
      ctx.stroke();
    }
    rects++;
  }
  // The present: a thin line.
  if (v.now >= v.t0 && v.now <= v.t1) {
    ctx.fillStyle = '#2b3035';
    ctx.fillRect(Math.round(x(v.now)), 0, 1, v.height);
  }
  return { rects, visibleBars };
}

const LABEL_FONT = '11px system-ui, sans-serif';
/** Label widths in LABEL_FONT, by text: the same order ids come back frame after frame. */
const labelWidths = new Map<string, number>();
function labelWidth(ctx: CanvasRenderingContext2D, text: string): number {
  let w = labelWidths.get(text);
  if (w === undefined) {
    if (labelWidths.size > 20_000) labelWidths.clear();
    labelWidths.set(text, (w = ctx.measureText(text).width));
  }
  return w;
}

/** Each kind's colour as a pixel (RGBA bytes in memory order). */
const KIND_PIXEL = Uint32Array.from(KINDS, (k) => {
  const c = parseInt(BAR_COLOURS[k].slice(1), 16);
  return new Uint32Array(Uint8ClampedArray.of((c >> 16) & 255, (c >> 8) & 255, c & 255, 255).buffer)[0]!;
});

interface OverviewImage {
  canvas: OffscreenCanvas;
  ctx: OffscreenCanvasRenderingContext2D;
  data: ImageData;
  pixels: Uint32Array;
  width: number;
}
let overview: OverviewImage | null = null;
/**
 * Where the overview lanes are painted: one pixel row per lane, `width` columns. Null where there is
 * no OffscreenCanvas (then the lanes are filled as rectangles, one per run of columns).
 */
function overviewImage(width: number, rows: number): OverviewImage | null {
  if (typeof OffscreenCanvas === 'undefined' || width < 1 || rows < 1) return null;
  if (!overview || overview.width !== width || overview.data.height < rows) {
    const canvas = new OffscreenCanvas(width, rows);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    const data = new ImageData(width, rows);
    overview = { canvas, ctx, data, pixels: new Uint32Array(data.data.buffer), width };
  }
  return overview;
}

/** Pixel columns of the overview: a bit per kind (KINDS index) covering the column. */
let columns = new Uint8Array(0);
function overviewColumns(n: number): Uint8Array {
  if (columns.length < n) columns = new Uint8Array(n);
  return columns;
}

/**
 * One lane from an overview level: narrow spans paint their kind's bit into the pixel columns they
 * cover, then each kind fills its runs of covered columns (one rectangle a run); a span that is a
 * single bar and wide on screen is drawn as the bar path draws it (1 px gap, label).
 */
function drawOverviewLane(
  level: OverviewLevel,
  lane: LaneIndex,
  v: DrawView,
  x: (t: number) => number,
  y: number,
  h: number,
  cols: Uint8Array,
  batch: (c: string) => number[],
  labels: { text: string; x: number; y: number; w: number }[] | null,
  image: { pixels: Uint32Array; row: number; width: number } | null,
): { rects: number; bars: number } {
  let rects = 0;
  let bars = 0;
  let lo = Infinity;
  let hi = -1;
  let present = 0;
  const last = cols.length - 1;
  const n = level.starts.length;
  for (let i = firstVisible(level, v.t0); i < n; i++) {
    const s = level.starts[i]!;
    if (s > v.t1) break;
    const e = level.ends[i]!;
    if (e < v.t0) continue;
    bars += level.counts[i]!;
    const a = Math.max(-2, x(s));
    const b = Math.min(v.width + 2, x(e));
    const one = level.single[i]!;
    const kind = level.kinds[i]!;
    if (one >= 0 && b - a > 8) {
      const bar = lane.bars[one]!;
      batch(BAR_COLOURS[bar.kind]).push(a, y, b - 1 - a, h);
      rects++;
      if (labels && b - a > 56 && labels.length < 400) labels.push({ text: bar.orderId ?? bar.label, x: a, y: y + h / 2, w: b - a });
      continue;
    }
    const c0 = Math.max(0, Math.floor(a));
    const c1 = Math.min(last, Math.max(c0, Math.ceil(b) - 1));
    const bit = 1 << kind;
    present |= bit;
    for (let c = c0; c <= c1; c++) cols[c]! |= bit;
    if (c0 < lo) lo = c0;
    if (c1 > hi) hi = c1;
  }
  if (image && hi >= lo) {
    // Each column takes the colour of its most notable kind (the highest bit).
    const base = image.row * image.width;
    const end = Math.min(hi, image.width - 1);
    for (let c = lo; c <= end; c++) {
      const m = cols[c]!;
      if (m) image.pixels[base + c] = KIND_PIXEL[31 - Math.clz32(m)]!;
    }
    cols.fill(0, lo, hi + 1);
    return { rects: rects + 1, bars };
  }
  for (let k = 0; k < KINDS.length && hi >= lo; k++) {
    const bit = 1 << k;
    if (!(present & bit)) continue;
    const out = batch(BAR_COLOURS[KINDS[k]!]);
    for (let c = lo; c <= hi; c++) {
      if (!(cols[c]! & bit)) continue;
      const start = c;
      while (c + 1 <= hi && cols[c + 1]! & bit) c++;
      out.push(start, y, c + 1 - start, h);
      rects++;
    }
  }
  if (hi >= lo) cols.fill(0, lo, hi + 1);
  return { rects, bars };
}

/** The bar under a point (for tooltips), searching the row's lanes from the top lane down. */
export function barAt(model: GanttModel, v: DrawView, px: number, py: number): Bar | null {
  const r = Math.floor((py + v.scrollY) / v.rowHeight);
  const row = model.rows[r];
  if (!row) return null;
  const t = v.t0 + (px / v.width) * (v.t1 - v.t0);
  const slack = (3 / v.width) * (v.t1 - v.t0);
  const fy = (py + v.scrollY - r * v.rowHeight) / v.rowHeight;
  for (const laneName of ['state', 'actual', 'hold', 'plan', 'baseline'] as const) {
    const [a, b] = LANE_Y[laneName];
    if (fy < a - 0.03 || fy > b + 0.03) continue;
    const lane = row.lanes[laneName];
    for (let i = firstVisible(lane, t - slack); i < lane.bars.length && lane.starts[i]! <= t + slack; i++) {
      if (lane.ends[i]! >= t - slack) return lane.bars[i]!;
    }
  }
  return null;
}
