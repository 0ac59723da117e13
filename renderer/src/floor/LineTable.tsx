/**
 * The accessible twin of the canvas: every line as a row, live, sortable by any column (header
 * buttons, so keyboard and screen readers work), status as icon + word, and a polite live-region
 * summary of abnormal lines that speaks only when the set of abnormal lines changes.
 */
import { memo, useMemo, useState } from 'react';
import type { Plant } from '../../../shared/plant/schema';
import type { LineView } from '../../../shared/twin/view';
import { useLines } from '../twin/slices';
import { presentation, severity } from '../app/states';
import { StatusBadge } from '../app/StateIcon';
import { countRender } from '../debug';
import { setFocus } from './focus';
import { useGateTexts } from '../commit/gates';

type Col = 'line' | 'area' | 'status' | 'order' | 'sku' | 'good' | 'scrap' | 'next' | 'end';
const columns: { id: Col; label: string; numeric?: boolean }[] = [
  { id: 'line', label: 'Line' },
  { id: 'area', label: 'Area' },
  { id: 'status', label: 'Status' },
  { id: 'order', label: 'Order' },
  { id: 'sku', label: 'SKU' },
  { id: 'good', label: 'Good', numeric: true },
  { id: 'scrap', label: 'Scrap', numeric: true },
  { id: 'next', label: 'Next order' },
  { id: 'end', label: 'Projected end' },
];

export interface Row {
  id: string;
  areaId: string;
  line: string;
  area: string;
  status: string;
  order: string;
  sku: string;
  good: number;
  scrap: number;
  next: string;
  nextLate: boolean;
  /** Projected end of the current order (plant time, ms) or null. */
  end: number | null;
}

/**
 * The queue may or may not start with the current order; either way, "next" is the first queued
 * order that is not the current one, and the current order ends when the next one's changeover
 * starts (or at its own projected end when it is in the queue).
 */
export function toRow(v: LineView, areaName: (id: string) => string): Row {
  const cur = v.queue.find((q) => q.orderId === v.currentOrderId);
  const next = v.queue.find((q) => q.orderId !== v.currentOrderId);
  const end = cur ? cur.projectedEnd : v.currentOrderId && next ? next.projectedStart - next.changeoverMinutes * 60_000 : null;
  return {
    id: v.id,
    areaId: v.areaId,
    line: v.name,
    area: areaName(v.areaId),
    status: v.status,
    order: v.currentOrderId ?? '',
    sku: v.currentSku ?? '',
    good: v.good,
    scrap: v.scrap,
    next: next?.orderId ?? '',
    nextLate: !!next?.late,
    end,
  };
}

/**
 * Made once: `toLocaleString`/`localeCompare` with options build a new formatter or collator on
 * every call, and a delta stream re-renders every changed row and re-sorts the table several times
 * a second (on a large floor that was the console's largest JS cost after drawing).
 */
const countFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const collator = new Intl.Collator(undefined, { numeric: true });

function compare(a: Row, b: Row, col: Col): number {
  switch (col) {
    case 'good':
    case 'scrap':
      return a[col] - b[col];
    case 'end':
      return (a.end ?? Infinity) - (b.end ?? Infinity);
    case 'status':
      return (severity[a.status] ?? 9) - (severity[b.status] ?? 9);
    default:
      return collator.compare(a[col], b[col]);
  }
}

export function LineTable({ plant, timeZone }: { plant: Plant | null; timeZone: string }) {
  countRender('LineTable');
  const lines = useLines();
  // Readiness gates change with actions, not with twin deltas: a row re-renders only when its text does.
  const gates = useGateTexts();
  const [sort, setSort] = useState<{ col: Col; dir: 1 | -1 }>({ col: 'line', dir: 1 });
  const areaNames = useMemo(() => new Map((plant?.areas ?? []).map((a) => [a.id, a.name])), [plant]);
  const rowCache = useMemo(() => new WeakMap<LineView, Row>(), [areaNames]);
  const rows = useMemo(() => {
    // Rows keep their identity while their line does, so unchanged rows skip rendering (LineRow memo).
    const r = lines.map((l) => {
      let row = rowCache.get(l);
      if (!row) rowCache.set(l, (row = toRow(l, (id) => areaNames.get(id) ?? id)));
      return row;
    });
    return r.sort((a, b) => compare(a, b, sort.col) * sort.dir || collator.compare(a.line, b.line));
  }, [lines, areaNames, rowCache, sort]);
  const fmtTime = useMemo(() => {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' });
    return (t: number) => f.format(t);
  }, [timeZone]);

  const summary = useMemo(() => {
    const ab = [...lines].filter((l) => presentation(l.status).abnormal).sort((a, b) => collator.compare(a.name, b.name));
    if (!lines.length) return 'No lines yet.';
    if (!ab.length) return `All ${lines.length} lines normal.`;
    return `${ab.length} of ${lines.length} lines need attention: ${ab.map((l) => `${l.name} ${presentation(l.status).label.toLowerCase()}`).join(', ')}.`;
  }, [lines]);

  const toggle = (col: Col) => setSort((s) => (s.col === col ? { col, dir: s.dir === 1 ? -1 : 1 } : { col, dir: col === 'good' || col === 'scrap' ? -1 : 1 }));

  return (
    <section className="line-table" aria-labelledby="line-table-title">
      <div className="line-table-head">
        <h2 id="line-table-title">Lines</h2>
        <p className="abnormal-summary" aria-live="polite" aria-atomic="true" data-testid="abnormal-summary">
          {summary}
        </p>
      </div>
      <div className="table-scroll">
        <table data-testid="line-table">
          <caption className="visually-hidden">Live status of every line. Select a column header to sort.</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.id} scope="col" aria-sort={sort.col === c.id ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} className={c.numeric ? 'num' : undefined}>
                  <button type="button" onClick={() => toggle(c.id)}>
                    {c.label}
                    <span className="sort-mark" aria-hidden="true">
                      {sort.col === c.id ? (sort.dir === 1 ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <LineRow key={r.id} r={r} fmtTime={fmtTime} gate={gates.get(r.id)} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** One row; memoised on its Row (a new object only when that line changed) so a delta re-renders only changed rows. */
const LineRow = memo(function LineRow({ r, fmtTime, gate }: { r: Row; fmtTime: (t: number) => string; gate?: string }) {
  countRender('LineRow');
  return (
    <tr data-line={r.id} data-status={r.status} className={presentation(r.status).abnormal ? 'abnormal' : undefined}>
      <th scope="row">
        <button type="button" className="row-open" onClick={() => setFocus({ areaId: r.areaId, lineId: r.id, machineId: null, orderId: null })} title="Show on the floor with queue and recent events">
          {r.line}
        </button>
      </th>
      <td>{r.area}</td>
      <td>
        <StatusBadge status={r.status} />
        {gate && (
          <span className="gate-badge" data-testid="gate-badge" title="Readiness-gated: the next run may start only when these actions are done">
            {gate}
          </span>
        )}
      </td>
      <td>{r.order || <span className="muted">none</span>}</td>
      <td>{r.sku || <span className="muted">—</span>}</td>
      <td className="num" data-col="good">{countFormat.format(r.good)}</td>
      <td className="num" data-col="scrap">{countFormat.format(r.scrap)}</td>
      <td>
        {r.next || <span className="muted">—</span>}
        {r.nextLate && <span className="late"> (late)</span>}
      </td>
      <td>{r.end === null ? <span className="muted">—</span> : fmtTime(r.end)}</td>
    </tr>
  );
});
