/**
 * A scenario's schedule as a mini Gantt: one band per line (d3 band scale), plant time on a d3
 * time axis, runs as bars (SVG; a few hundred is fine), setups hatched, downs in the alarm colour
 * with a word in the tooltip. With `onMove`, order bars can be dragged to another line or slot:
 * the drop becomes a `move` (other line) or `sequence` (same line) entry of the scenario.
 */
import { useEffect, useMemo, useRef } from 'react';
import * as d3 from 'd3';
import type { ScenarioResult } from '../../../shared/sim/scenario';
import { usePlantClock } from './format';

export interface GanttMove {
  order: string;
  line: string;
  /** Queue slot (0 = next); same line → a `sequence` move. */
  position: number;
  sameLine: boolean;
}

const ROW = 16;
const M = { top: 4, right: 8, bottom: 20, left: 62 };

export function MiniGantt({ result, width, onMove, label }: { result: ScenarioResult; width: number; onMove?: (m: GanttMove) => void; label: string }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const lines = useMemo(() => result.gantt.map((g) => g.lineId), [result]);
  const height = M.top + M.bottom + lines.length * ROW;
  const onMoveRef = useRef(onMove);
  onMoveRef.current = onMove;
  const pt = usePlantClock();

  useEffect(() => {
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    const x = d3
      .scaleTime()
      .domain([new Date(result.start), new Date(result.end)])
      .range([M.left, Math.max(M.left + 10, width - M.right)]);
    const y = d3.scaleBand<string>().domain(lines).range([M.top, M.top + lines.length * ROW]).paddingInner(0.18);
    svg
      .append('g')
      .attr('class', 'g-axis')
      .attr('transform', `translate(0,${M.top + lines.length * ROW})`)
      .call(
        d3
          .axisBottom(x)
          .ticks(Math.max(2, Math.floor(width / 90)))
          .tickFormat((d) => pt.clock(+(d as Date))),
      );
    svg
      .append('g')
      .attr('class', 'g-axis')
      .attr('transform', `translate(${M.left},0)`)
      .call(d3.axisLeft(y).tickSize(0).tickPadding(4));
    // alternate band shading for reading across
    svg
      .append('g')
      .selectAll('rect')
      .data(lines.filter((_, i) => i % 2 === 1))
      .join('rect')
      .attr('x', M.left)
      .attr('width', Math.max(0, width - M.left - M.right))
      .attr('y', (d) => (y(d) ?? 0) - 1)
      .attr('height', y.bandwidth() + 2)
      .attr('fill', '#e3e6e8');

    type Bar = { lineId: string; kind: string; orderId: string | null; sku: string | null; start: number; end: number; reason?: string; late: boolean };
    const late = new Set(result.orders.filter((o) => o.late).map((o) => o.id));
    const bars: Bar[] = result.gantt.flatMap((g) =>
      g.rows
        .filter((r) => r.kind === 'run' || r.kind === 'setup' || r.kind === 'down' || r.kind === 'held')
        .map((r) => ({ lineId: g.lineId, kind: r.kind, orderId: r.orderId, sku: r.sku, start: r.start, end: r.end, ...(r.reason ? { reason: r.reason } : {}), late: r.orderId ? late.has(r.orderId) : false })),
    );
    const fill = (b: Bar) => (b.kind === 'run' ? (b.late ? '#5b6167' : '#8d949a') : b.kind === 'setup' ? '#b9c4d3' : b.kind === 'down' ? '#c62828' : '#a3206a');
    const g = svg.append('g');
    const sel = g
      .selectAll<SVGRectElement, Bar>('rect')
      .data(bars)
      .join('rect')
      .attr('x', (b) => x(new Date(b.start)))
      .attr('width', (b) => Math.max(1, x(new Date(b.end)) - x(new Date(b.start)) - 0.5))
      .attr('y', (b) => (y(b.lineId) ?? 0) + (b.kind === 'setup' ? y.bandwidth() * 0.25 : 0))
      .attr('height', (b) => (b.kind === 'setup' ? y.bandwidth() * 0.5 : y.bandwidth()))
      .attr('fill', fill)
      .attr('stroke', (b) => (b.late && b.kind === 'run' ? '#b01f1f' : 'none'))
      .attr('stroke-width', 1.5)
      .attr('data-order', (b) => b.orderId ?? '')
      .attr('class', (b) => (b.kind === 'run' && onMoveRef.current ? 'g-bar g-draggable' : 'g-bar'));
    sel.append('title').text((b) => `${b.lineId}: ${b.kind === 'run' ? `${b.orderId} (${b.sku})${b.late ? ' — LATE' : ''}` : b.kind === 'setup' ? `changeover before ${b.orderId ?? ''}` : b.kind === 'down' ? `down${b.reason ? `: ${b.reason}` : ''}` : 'QA hold'} ${pt.clock(b.start)}–${pt.clock(b.end)}`);

    if (onMoveRef.current) {
      const ghost = svg.append('rect').attr('class', 'g-ghost').attr('visibility', 'hidden').attr('height', y.bandwidth()).attr('fill', 'none').attr('stroke', '#1a4d99').attr('stroke-width', 2).attr('stroke-dasharray', '4 2');
      const lineAt = (py: number) => lines.find((l) => py >= (y(l) ?? 0) - 2 && py <= (y(l) ?? 0) + y.bandwidth() + 2) ?? null;
      let dx = 0;
      const drag = d3
        .drag<SVGRectElement, Bar>()
        .filter((_e, b) => b.kind === 'run' && !!b.orderId)
        .on('start', function (e, b) {
          dx = e.x - x(new Date(b.start));
          ghost.attr('visibility', 'visible').attr('width', +d3.select(this).attr('width'));
        })
        .on('drag', (e) => {
          const l = lineAt(e.y);
          ghost.attr('x', e.x - dx).attr('y', l ? (y(l) ?? 0) : e.y - y.bandwidth() / 2);
        })
        .on('end', (e, b) => {
          ghost.attr('visibility', 'hidden');
          const l = lineAt(e.y);
          if (!l || !b.orderId) return;
          const t = x.invert(e.x - dx).getTime();
          // queue slot: the other orders still to start on that line, in start order
          const firstStart = new Map<string, number>();
          for (const r of bars) if (r.lineId === l && r.kind === 'run' && r.orderId && r.orderId !== b.orderId && !firstStart.has(r.orderId)) firstStart.set(r.orderId, r.start);
          const queued = [...firstStart.entries()].filter(([, s]) => s > result.start).sort((a, c) => a[1] - c[1]);
          const position = queued.filter(([, s]) => s < t).length;
          if (l === b.lineId && Math.abs(t - b.start) < 60_000) return;
          onMoveRef.current?.({ order: b.orderId, line: l, position, sameLine: l === b.lineId });
        });
      sel.filter((b) => b.kind === 'run' && !!b.orderId).call(drag);
    }
  }, [result, width, lines, pt]);

  return <svg ref={svgRef} className="mini-gantt" width={width} height={height} role="img" aria-label={`${label}: schedule of ${lines.length} lines over ${result.horizonHours} h`} />;
}
