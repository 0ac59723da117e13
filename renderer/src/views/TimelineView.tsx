/**
 * The execution timeline: a Gantt per line (baseline plan frozen at shift start, current plan,
 * actual runs, changeovers/cleans, downtime with reasons, QA holds, decision and action markers),
 * zoom from a month down to minutes, pan, an overview brush, filters and order search, a time
 * cursor that makes the floor show the twin at that instant, and the KPI panel.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Bar, Marker, TimelineData } from '../../../shared/timeline/bars';
import { useClient, usePlant } from '../app/ClientContext';
import { useTwinMirror } from '../twin/slices';
import { buildModel, BAR_COLOURS, BAR_LABELS } from '../timeline/gantt';
import { GanttView } from '../timeline/gantt-view';
import { TravelBanner, formatPlantTime, travelTo } from '../timeline/travel';
import { KpiPanel } from '../timeline/KpiPanel';
import { DecisionQualityPanel } from '../timeline/DecisionQualityPanel';


const DAY = 86_400_000;
const HOUR = 3_600_000;
const REFRESH_MS = 5_000;

export function TimelineView() {
  const client = useClient();
  const plant = usePlant();
  const store = useTwinMirror();
  const timeZone = plant?.site.timezone ?? 'UTC';
  const [data, setData] = useState<TimelineData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [area, setArea] = useState('');
  const [line, setLine] = useState('');
  const [customer, setCustomer] = useState('');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<string | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [rowH, setRowH] = useState(30);
  const [hover, setHover] = useState<{ bar: Bar | null; marker: Marker | null; x: number; y: number } | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const gantt = useRef<GanttView | null>(null);
  const fitted = useRef(false);
  const lastTravel = useRef(0);

  // --- data: the last 30 days (or since the twin started) up to 12 h ahead, refreshed every few seconds.
  useEffect(() => {
    if (!client) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const info = await client.call('core.info');
        const now = info.clock.now;
        const d = await client.call('timeline.get', { from: Math.floor(now - 30 * DAY), to: Math.ceil(now + 12 * HOUR) });
        if (live) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (live && !client.isClosed) setError(`could not load the timeline: ${(e as Error).message}`);
      }
      // load() reports its own failures and never rejects.
      if (live) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client]);

  const travel = useCallback(
    (t: number) => {
      if (!client || !data) return;
      const at = Math.max(data.startTime, Math.min(t, data.now));
      setCursor(at);
      void travelTo(client, store, at).catch((e: Error) => setError(`could not show the twin at ${formatPlantTime(at, timeZone)}: ${e.message}`));
    },
    [client, data, store, timeZone],
  );
  const travelRef = useRef(travel);
  travelRef.current = travel;

  // --- the imperative Gantt
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const g = new GanttView(el, {
      onCursor: (t, final) => {
        g.setCursor(t);
        // Scrubbing travels at most every 300 ms; the final position always.
        const nowMs = performance.now();
        if (final || nowMs - lastTravel.current > 300) {
          lastTravel.current = nowMs;
          travelRef.current(t);
        } else setCursor(t);
      },
      onHover: (bar, marker, x, y) => setHover(bar || marker ? { bar, marker, x, y } : null),
      onLayout: setRowH,
    });
    gantt.current = g;
    return () => {
      g.destroy();
      gantt.current = null;
    };
  }, []);

  const areas = plant?.areas ?? [];
  const lines = useMemo(() => (data?.lines ?? []).filter((l) => (!area || l.areaId === area) && (!line || l.id === line)), [data, area, line]);
  const customers = useMemo(() => [...new Set((data?.bars ?? []).map((b) => b.customer).filter((c): c is string => !!c))].sort(), [data]);
  const model = useMemo(() => buildModel(lines, data?.bars ?? [], customer ? (b) => !b.customer || b.customer === customer : undefined), [lines, data, customer]);
  const markers = useMemo(() => (data?.markers ?? []).filter((m) => lines.some((l) => l.id === m.lineId)), [data, lines]);

  useEffect(() => {
    const g = gantt.current;
    if (!g || !data) return;
    const domain: [number, number] = [Math.max(data.from, data.startTime - HOUR), data.to];
    g.setData(model, domain, data.now, markers);
    if (!fitted.current) {
      fitted.current = true;
      g.zoomTo(Math.max(domain[0], data.now - 8 * HOUR), data.now + 4 * HOUR);
    }
    window.__taktTimeline = {
      visible: () => g.visible(),
      timeToClientX: (t) => {
        const [a, b] = g.visible();
        const r = g.canvas.getBoundingClientRect();
        return r.left + ((t - a) / (b - a)) * r.width;
      },
      bars: model.bars,
      now: data.now,
      startTime: data.startTime,
    };
  }, [model, data, markers]);

  const runSearch = () => {
    const q = search.trim().toLowerCase();
    if (!q || !data) {
      setFound(null);
      gantt.current?.setHighlight(null);
      return;
    }
    const hits = data.bars.filter((b) => b.orderId?.toLowerCase().includes(q));
    if (!hits.length) {
      setFound(`no order matches "${search.trim()}"`);
      gantt.current?.setHighlight(null);
      return;
    }
    const id = hits[0]!.orderId!;
    const same = hits.filter((b) => b.orderId === id);
    const a = Math.min(...same.map((b) => b.start));
    const b = Math.max(...same.map((b) => b.end));
    gantt.current?.setHighlight(id);
    gantt.current?.zoomTo(a - (b - a) * 0.5 - 30 * 60_000, b + (b - a) * 0.5 + 30 * 60_000, true);
    setFound(`${id}: ${same.length} bar${same.length === 1 ? '' : 's'}, ${new Set(hits.map((h) => h.orderId)).size} matching order(s)`);
  };

  const onKey = (e: React.KeyboardEvent) => {
    const g = gantt.current;
    if (!g || e.ctrlKey || e.metaKey || e.altKey) return;
    const [a, b] = g.visible();
    const step = (b - a) * 0.02;
    const at = cursor ?? (a + b) / 2;
    switch (e.key) {
      case 'ArrowLeft': g.panBy(-0.1); break;
      case 'ArrowRight': g.panBy(0.1); break;
      case '+': case '=': case 'ArrowUp': g.zoomBy(1.5); break;
      case '-': case 'ArrowDown': g.zoomBy(1 / 1.5); break;
      case '0': g.fit(); break;
      case ',': g.setCursor(at - step); travel(at - step); break;
      case '.': g.setCursor(at + step); travel(at + step); break;
      case 'Enter': case 'c': g.setCursor(at); travel(at); break;
      default: return;
    }
    e.preventDefault();
    e.stopPropagation();
  };

  const scope = line ? { scope: 'line' as const, id: line } : area ? { scope: 'area' as const, id: area } : { scope: 'plant' as const };

  return (
    <div className="timeline-view" data-testid="timeline" data-bars={model.bars} data-lines={lines.length}>
      <div className="timeline-bar" role="toolbar" aria-label="Timeline filters">
        <label>
          Area
          <select value={area} onChange={(e) => { setArea(e.target.value); setLine(''); }}>
            <option value="">All areas</option>
            {areas.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <label>
          Line
          <select value={line} onChange={(e) => setLine(e.target.value)} data-testid="timeline-line">
            <option value="">All lines</option>
            {(data?.lines ?? []).filter((l) => !area || l.areaId === area).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select>
        </label>
        <label>
          Customer
          <select value={customer} onChange={(e) => setCustomer(e.target.value)}>
            <option value="">All customers</option>
            {customers.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>
          Find order
          <input type="search" value={search} placeholder="order id" onChange={(e) => setSearch(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && runSearch()} aria-describedby="order-search-result" />
        </label>
        <button type="button" onClick={runSearch}>Find</button>
        <span id="order-search-result" className="muted" aria-live="polite">{found}</span>
        <span style={{ flex: 1 }} />
        {([['Month', 30 * DAY], ['Week', 7 * DAY], ['Day', DAY], ['Shift', 8 * HOUR], ['Hour', HOUR]] as const).map(([label, span]) => (
          <button key={label} type="button" onClick={() => data && gantt.current?.zoomTo(data.now - span * 0.75, data.now + span * 0.25, true)}>{label}</button>
        ))}
      </div>
      <div>
        <TravelBanner timeZone={timeZone} />
        <div className="timeline-legend" aria-label="Legend">
          {(Object.keys(BAR_COLOURS) as (keyof typeof BAR_COLOURS)[]).map((k) => (
            <span key={k}><span className="swatch" style={{ background: BAR_COLOURS[k] }} />{BAR_LABELS[k]}</span>
          ))}
          <span>◆ decision</span><span>● action (grey due, white done, red overdue)</span>
          {error && <span className="late" role="alert">{error}</span>}
          {data?.markersError && <span className="muted" title={data.markersError}>No decision/action markers: commit records are not available yet.</span>}
        </div>
      </div>
      <div
        className="timeline-main"
        tabIndex={0}
        onKeyDown={onKey}
        aria-label="Timeline per line. Arrow keys pan and zoom, 0 fits, comma and period move the time cursor, Enter shows the floor at the cursor, L returns to live."
        aria-describedby="timeline-summary"
      >
        <ul className="gantt-labels" aria-label="Lines">
          {lines.map((l) => (
            <li key={l.id} style={{ height: rowH }} title={`${l.name} (${l.areaName})`}>
              {l.name}<span className="area-name">{l.areaName}</span>
            </li>
          ))}
        </ul>
        <div ref={host} style={{ minHeight: 0, position: 'relative' }} />
        {hover && (
          <div className="gantt-tooltip" style={{ left: Math.min(hover.x + 166, 2000), top: hover.y + 44 }}>
            {hover.marker ? (
              <>
                <strong>{hover.marker.label}</strong>
                <div>{formatPlantTime(hover.marker.at, timeZone)} · {hover.marker.kind === 'action' ? hover.marker.state : hover.marker.status}</div>
              </>
            ) : hover.bar ? (
              <>
                <strong>{BAR_LABELS[hover.bar.kind]}</strong>: {hover.bar.label}
                {hover.bar.reason && <div>Reason: {hover.bar.reason}</div>}
                {hover.bar.customer && <div>Customer: {hover.bar.customer}</div>}
                <div>{formatPlantTime(hover.bar.start, timeZone)} → {hover.bar.open ? 'now' : formatPlantTime(hover.bar.end, timeZone)} ({Math.round((hover.bar.end - hover.bar.start) / 60_000)} min)</div>
              </>
            ) : null}
          </div>
        )}
      </div>
      <p id="timeline-summary" className="visually-hidden">
        {lines.length} lines, {model.bars} bars, {markers.length} decision and action markers.
      </p>
      <div>
        {markers.length > 0 && (
          <details>
            <summary>Decisions and actions ({markers.length})</summary>
            <ul className="marker-list">
              {markers.slice(-50).reverse().map((m) => (
                <li key={`${m.kind}-${m.id}`}>
                  {formatPlantTime(m.at, timeZone)} · {m.kind === 'decision' ? <a href={`#/decisions/${m.exceptionId}`}>{m.label}</a> : <span className={m.state === 'overdue' ? 'late' : undefined}>{m.label} — {m.state}</span>}
                </li>
              ))}
            </ul>
          </details>
        )}
        <KpiPanel scope={scope.scope} id={'id' in scope ? scope.id : undefined} timeZone={timeZone} />
        <DecisionQualityPanel />
      </div>
    </div>
  );
}
