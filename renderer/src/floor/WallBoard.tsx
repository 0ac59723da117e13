/**
 * Wall mode's board: the most urgent open exceptions and where their decisions stand, drawn in
 * the floor's empty corner (the shelf layout of a plant whose last row of halls is short leaves
 * one, e.g. a quarter of a 3840×2160 wall). It finds the corner from the same pure layout the
 * scene draws (layout.ts) fitted into the host's box; with no free corner large enough it is
 * not drawn, so it never covers a line.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Plant } from '../../../shared/plant/schema';
import { layoutPlant, type Rect } from './layout';
import { useExceptions } from '../decide/exceptions-feed';
import { usePlantNow } from '../decide/plant-now';
import { minutesAgo, priorityLabel, usePlantTime } from '../decide/format';
import { PriorityBadge } from '../decide/exception-status';
import { useRecords } from '../commit/records-feed';
import { decisionProgress, progressText } from '../commit/records-state';
import { decisionStatusLook } from '../commit/record-status';

const SHOW = 6;

/** The largest free bottom-right corner of the layout (no area inside), in layout units, or null. */
export function freeCorner(zones: readonly Rect[], bounds: Rect): Rect | null {
  const right = bounds.x + bounds.w;
  const bottom = bounds.y + bounds.h;
  const xs = [bounds.x, ...zones.map((z) => z.x + z.w)];
  const ys = [bounds.y, ...zones.map((z) => z.y + z.h)];
  let best: Rect | null = null;
  for (const x of xs)
    for (const y of ys) {
      const r = { x, y, w: right - x, h: bottom - y };
      if (r.w <= 0 || r.h <= 0) continue;
      if (zones.some((z) => z.x < right && z.x + z.w > x + 1e-6 && z.y < bottom && z.y + z.h > y + 1e-6)) continue;
      if (!best || r.w * r.h > best.w * best.h) best = r;
    }
  return best && best.w >= bounds.w * 0.25 && best.h >= bounds.h * 0.25 ? best : null;
}

export function WallBoard({ plant }: { plant: Plant | null }) {
  const host = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<{ w: number; h: number } | null>(null);
  useEffect(() => {
    const el = host.current?.parentElement;
    if (!el) return;
    const ro = new ResizeObserver(() => setBox({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const place = useMemo(() => {
    if (!plant || !box || box.w < 200 || box.h < 200) return null;
    const layout = layoutPlant(plant, { aspect: box.w / box.h });
    const corner = freeCorner(
      layout.areas.map((a) => a.zone),
      layout.bounds,
    );
    if (!corner) return null;
    // The scene fits the whole layout in the box, centred, one scale for both axes.
    const s = Math.min(box.w / layout.bounds.w, box.h / layout.bounds.h);
    const ox = (box.w - layout.bounds.w * s) / 2;
    const oy = (box.h - layout.bounds.h * s) / 2;
    const gap = 16;
    return { left: ox + (corner.x - layout.bounds.x) * s + gap, top: oy + (corner.y - layout.bounds.y) * s + gap, width: corner.w * s - 2 * gap, height: corner.h * s - 2 * gap };
  }, [plant, box]);
  const { list } = useExceptions();
  const records = useRecords();
  const now = usePlantNow();
  const fmt = usePlantTime();
  const urgent = list.filter((r) => r.state !== 'suppressed' && r.state !== 'shelved' && r.state !== 'out-of-service');
  const counts = (['critical', 'high', 'medium', 'low'] as const).map((p) => [p, urgent.filter((r) => r.priority === p).length] as const);
  return (
    <div ref={host} className="wall-board" data-testid="wall-board" style={place ?? { display: 'none' }} aria-label="Open exceptions">
      <h2>Open exceptions</h2>
      <p className="wall-counts">
        {counts.map(([p, n]) => (
          <span key={p} className={n && (p === 'critical' || p === 'high') ? 'wall-count hot' : 'wall-count'}>
            <strong>{n}</strong> {priorityLabel[p].toLowerCase()}
          </span>
        ))}
      </p>
      {urgent.length === 0 ? (
        <p className="wall-calm">No open exceptions: the plan holds.</p>
      ) : (
        <ul className="wall-list">
          {urgent.slice(0, SHOW).map((r) => {
            const p = decisionProgress(records, r.id);
            return (
              <li key={r.id}>
                <PriorityBadge priority={r.priority} /> <span className="wall-title">{r.title}</span>
                <span className="wall-meta">
                  since {fmt(r.raisedAt)} ({minutesAgo(now, r.raisedAt)}) · {p ? progressText(p, decisionStatusLook[p.decision.status].label, false) : 'no decision yet'}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {urgent.length > SHOW && <p className="wall-more">and {urgent.length - SHOW} more</p>}
    </div>
  );
}
