/**
 * Floor layout from the plant file: areas as zones, lines as rows, machines as boxes.
 *
 * Inside an area, machine floor positions (metres) are honoured when all of the area's machines
 * have them (one scale per axis, see below); otherwise the area gets an
 * automatic layout, one row per line. The areas themselves are then packed in shelves to suit the
 * view's aspect: an overview display is a schematic (ISA-101 level 1–2), and a plant whose halls
 * stand in a column would otherwise be unreadable on a wide screen. Pure, for tests.
 */
import type { Plant } from '../../../shared/plant/schema';

export const MACHINE_W = 116;
export const MACHINE_H = 48;
const AUTO_DX = MACHINE_W + 28; // machine pitch along a line
const LINE_LABEL_H = 50; // room above a row for the line label (title, order/counts)
/** The conveyor lane the WIP tokens travel on runs below the boxes, so no box hides a token. */
export const LANE_DY = MACHINE_H / 2 + 10;
/** Below the lane: the state word of an abnormal machine. */
export const STATE_WORD_DY = MACHINE_H / 2 + 19;
const AUTO_ROW_H = MACHINE_H + LINE_LABEL_H + 46; // + the lane and the state word below the box
export const GAUGE_W = 118; // availability gauge at the right end of the label row
const ZONE_PAD = 26;
const ZONE_TITLE_H = 30;
const AREA_GAP = 40;
const LINE_LABEL_W = 300; // the line label can be wider than a short line

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface MachineLayout {
  id: string;
  name: string;
  kind: string;
  lineId: string;
  /** Centre of the box, world px. */
  x: number;
  y: number;
}
export interface LineLayout {
  id: string;
  name: string;
  areaId: string;
  machines: string[];
  /** Points the WIP tokens travel through (machine centres). */
  path: { x: number; y: number }[];
  /** The conveyor lane below the boxes, from the first box's left edge to the last one's right edge. */
  lane: { x: number; y: number }[];
  /** Buffers between consecutive machines: centre of the gap, and the units it holds. */
  buffers: { x: number; y: number; from: string; to: string; size: number }[];
  /** Top-left of the line label. */
  label: { x: number; y: number };
  /** Room for the title before the gauge and badge. */
  labelW: number;
  /** Centre of the availability gauge (right end of the label row). */
  gauge: { x: number; y: number };
  /** The line's whole footprint: label, boxes, lane and state words. */
  bounds: Rect;
}
export interface AreaLayout {
  id: string;
  name: string;
  zone: Rect;
}
export interface FloorLayout {
  areas: AreaLayout[];
  lines: LineLayout[];
  machines: MachineLayout[];
  bounds: Rect;
}

export function layoutPlant(plant: Plant, opts: { aspect?: number } = {}): FloorLayout {
  const aspect = Math.max(0.5, Math.min(4, opts.aspect && Number.isFinite(opts.aspect) ? opts.aspect : 16 / 9));
  const areas: AreaLayout[] = [];
  const lines: LineLayout[] = [];
  const machines: MachineLayout[] = [];

  // Positioned areas use one scale per axis, chosen so the closest machines along a line and the
  // closest rows are just far enough apart to read: relative distances along each axis are kept,
  // the aspect of the hall is not (a schematic, like any ISA-101 overview).
  let minDx = Infinity;
  let minDy = Infinity;
  for (const a of plant.areas) {
    const ys = new Set<number>();
    for (const l of a.lines)
      for (let i = 0; i < l.machines.length; i++) {
        const q = l.machines[i]!.position;
        if (!q) continue;
        ys.add(q.y);
        const p = l.machines[i - 1]?.position;
        if (p && Math.abs(q.x - p.x) > 1e-9) minDx = Math.min(minDx, Math.abs(q.x - p.x));
      }
    const sorted = [...ys].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) minDy = Math.min(minDy, sorted[i]! - sorted[i - 1]!);
  }
  const pxPerMx = Number.isFinite(minDx) ? AUTO_DX / minDx : 14;
  const pxPerMy = Number.isFinite(minDy) ? AUTO_ROW_H / minDy : pxPerMx;

  // Each area is laid out locally: from the plant's floor positions (metres) when all its machines
  // have them, else automatically (one row per line). The areas are then packed to suit the view.
  const positioned = (a: Plant['areas'][number]) => a.lines.every((l) => l.machines.length > 0 && l.machines.every((m) => m.position));
  const blocks = plant.areas.map((a) => {
    const ms: MachineLayout[] = [];
    const ls: LineLayout[] = [];
    const top = ZONE_TITLE_H + ZONE_PAD + LINE_LABEL_H + MACHINE_H / 2;
    const left = ZONE_PAD + MACHINE_W / 2;
    if (positioned(a)) {
      const all = a.lines.flatMap((l) => l.machines.map((m) => m.position!));
      const x0 = Math.min(...all.map((p) => p.x));
      const y0 = Math.min(...all.map((p) => p.y));
      for (const l of a.lines) {
        const lm = l.machines.map((m) => ({ id: m.id, name: m.name, kind: m.kind, lineId: l.id, x: left + (m.position!.x - x0) * pxPerMx, y: top + (m.position!.y - y0) * pxPerMy }));
        ms.push(...lm);
        const lx = Math.min(...lm.map((m) => m.x)) - MACHINE_W / 2;
        const ly = Math.min(...lm.map((m) => m.y)) - MACHINE_H / 2 - LINE_LABEL_H;
        ls.push(finishLine(l, a.id, lm, { x: lx, y: ly }));
      }
    } else {
      a.lines.forEach((l, row) => {
        const cy = top + row * AUTO_ROW_H;
        const lm = l.machines.map((m, i) => ({ id: m.id, name: m.name, kind: m.kind, lineId: l.id, x: left + i * AUTO_DX, y: cy }));
        ms.push(...lm);
        ls.push(finishLine(l, a.id, lm, { x: ZONE_PAD, y: cy - MACHINE_H / 2 - LINE_LABEL_H }));
      });
    }
    const right = ls.length ? Math.max(...ls.map((l) => l.bounds.x + l.bounds.w)) + ZONE_PAD : 0;
    const bottom = ms.length ? Math.max(...ms.map((m) => m.y)) + STATE_WORD_DY + 24 : ZONE_TITLE_H + ZONE_PAD;
    return { a, ms, ls, w: Math.max(right, LINE_LABEL_W + GAUGE_W + ZONE_PAD * 2), h: bottom };
  });

  // Shelf width: try every prefix width and keep the one whose bounds fit the view's aspect best.
  const shelve = (limit: number) => {
    let x = 0;
    let w = 0;
    let h = 0;
    let shelfH = 0;
    for (const b of blocks) {
      if (x > 0 && x + b.w > limit) {
        h += shelfH + AREA_GAP;
        x = 0;
        shelfH = 0;
      }
      x += b.w + AREA_GAP;
      w = Math.max(w, x - AREA_GAP);
      shelfH = Math.max(shelfH, b.h);
    }
    return { w, h: h + shelfH };
  };
  let shelfW = Math.max(0, ...blocks.map((b) => b.w));
  let best = -Infinity;
  let acc = 0;
  for (const b of blocks) {
    acc += b.w + (acc ? AREA_GAP : 0);
    const r = shelve(acc);
    const score = Math.min(aspect / r.w, 1 / r.h);
    if (score > best + 1e-12) {
      best = score;
      shelfW = acc;
    }
  }
  let y = 0;
  let x = 0;
  let shelfH = 0;
  let maxX = 0;
  for (const { a, ms, ls, w, h } of blocks) {
    if (x > 0 && x + w > shelfW) {
      y += shelfH + AREA_GAP;
      x = 0;
      shelfH = 0;
    }
    for (const m of ms) machines.push({ ...m, x: m.x + x, y: m.y + y });
    const mv = <P extends { x: number; y: number }>(p: P): P => ({ ...p, x: p.x + x, y: p.y + y });
    for (const l of ls) lines.push({ ...l, path: l.path.map(mv), lane: l.lane.map(mv), buffers: l.buffers.map(mv), label: mv(l.label), gauge: mv(l.gauge), bounds: mv(l.bounds) });
    areas.push({ id: a.id, name: a.name, zone: { x, y, w, h } });
    x += w + AREA_GAP;
    shelfH = Math.max(shelfH, h);
    maxX = Math.max(maxX, x - AREA_GAP);
  }
  y += shelfH;

  return { areas, lines, machines, bounds: { x: 0, y: 0, w: maxX, h: y } };
}

/** Derived geometry of one line: lane, buffers, gauge and bounds from its placed machines. */
function finishLine(l: { id: string; name: string; bufferSize?: number }, areaId: string, lm: MachineLayout[], label: { x: number; y: number }): LineLayout {
  const path = lm.map((m) => ({ x: m.x, y: m.y }));
  const lane: { x: number; y: number }[] = [];
  if (lm.length) {
    lane.push({ x: lm[0]!.x - MACHINE_W / 2 + 6, y: lm[0]!.y + LANE_DY });
    for (const m of lm) lane.push({ x: m.x, y: m.y + LANE_DY });
    lane.push({ x: lm[lm.length - 1]!.x + MACHINE_W / 2 - 6, y: lm[lm.length - 1]!.y + LANE_DY });
  }
  const buffers = lm.slice(1).map((m, i) => {
    const p = lm[i]!;
    return { x: (p.x + m.x) / 2, y: (p.y + m.y) / 2, from: p.id, to: m.id, size: l.bufferSize ?? 50 };
  });
  const right = lm.length ? Math.max(...lm.map((m) => m.x)) + MACHINE_W / 2 : label.x + LINE_LABEL_W;
  const bottom = lm.length ? Math.max(...lm.map((m) => m.y)) + STATE_WORD_DY + 18 : label.y + LINE_LABEL_H;
  const rightEdge = Math.max(right, label.x + LINE_LABEL_W + GAUGE_W);
  return {
    id: l.id,
    name: l.name,
    areaId,
    machines: lm.map((m) => m.id),
    path,
    lane,
    buffers,
    label,
    labelW: rightEdge - label.x - GAUGE_W,
    gauge: { x: rightEdge - GAUGE_W / 2, y: label.y + 18 },
    bounds: { x: label.x, y: label.y, w: rightEdge - label.x, h: bottom - label.y },
  };
}
