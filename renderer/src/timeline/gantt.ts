/**
 * The Gantt's canvas marks (no React, no DOM beyond the 2D context). Bars are indexed per line and
 * lane, sorted by start, with a running maximum of their ends so the first visible bar is a binary
 * search away; only the visible time range is walked. Level of detail: bars narrower than a pixel
 * that fall in the same pixel column are merged into one rectangle, so a month of 50k bars costs
 * at most a few rectangles per pixel column and lane.
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

export interface LaneIndex {
  bars: Bar[];
  starts: Float64Array;
  ends: Float64Array;
  /** maxEnd[i] = max(ends[0..i]): monotone, so binary-searchable. */
  maxEnd: Float64Array;
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
  return { bars, starts, ends, maxEnd };
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
export function firstVisible(lane: LaneIndex, t0: number): number {
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
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#ffffff';
    for (const l of labels) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(l.x, l.y - 8, l.w - 2, 16);
      ctx.clip();
      ctx.fillText(l.text, Math.max(l.x, 0) + 3, l.y);
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
