/**
 * React overlays on the Floor canvas: the drill-down bar (breadcrumbs plant ▸ area ▸ line ▸ detail
 * and the children of the current level as buttons), the hover tooltip and the detail drawer. Each
 * reads only the slice it shows (focus, hover, one line, one machine), so a twin delta re-renders
 * at most the open drawer, never the canvas.
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { Plant } from '../../../shared/plant/schema';
import type { LineView } from '../../../shared/twin/view';
import { focusStore, hoverStore, levelOf, parentOf, PLANT, setFocus, type Focus } from './focus';
import { useLine, useLineHistory, useMachine, useMachineHistory, useOrder } from '../twin/slices';
import { StatusBadge } from '../app/StateIcon';
import { countRender } from '../debug';
import type { HistoryEntry } from '../twin/twin-mirror';
import { badgeOf } from './scene/board-style';

export function useFocus(): Focus {
  return useSyncExternalStore(focusStore.subscribe, focusStore.get);
}

/** Names from the plant file, for labels without waiting for the twin. */
export function usePlantIndex(plant: Plant | null) {
  return useMemo(() => {
    const areas = new Map<string, { name: string; lines: string[] }>();
    const lines = new Map<string, { name: string; areaId: string; machines: string[] }>();
    const machines = new Map<string, { name: string; kind: string; lineId: string }>();
    for (const a of plant?.areas ?? []) {
      areas.set(a.id, { name: a.name, lines: a.lines.map((l) => l.id) });
      for (const l of a.lines) {
        lines.set(l.id, { name: l.name, areaId: a.id, machines: l.machines.map((m) => m.id) });
        for (const m of l.machines) machines.set(m.id, { name: m.name, kind: m.kind, lineId: l.id });
      }
    }
    return { areas, lines, machines };
  }, [plant]);
}
type PlantIndex = ReturnType<typeof usePlantIndex>;

export function DrillBar({ plant }: { plant: Plant | null }) {
  countRender('DrillBar');
  const f = useFocus();
  const idx = usePlantIndex(plant);
  const level = levelOf(f);
  const crumbs: { label: string; focus: Focus }[] = [{ label: plant?.site.name ? `Plant: ${plant.site.name}` : 'Plant', focus: PLANT }];
  if (f.areaId) crumbs.push({ label: `Area: ${idx.areas.get(f.areaId)?.name ?? f.areaId}`, focus: { ...PLANT, areaId: f.areaId } });
  if (f.lineId) crumbs.push({ label: `Line: ${idx.lines.get(f.lineId)?.name ?? f.lineId}`, focus: { ...PLANT, areaId: f.areaId, lineId: f.lineId } });
  if (f.machineId) crumbs.push({ label: `Machine: ${idx.machines.get(f.machineId)?.name ?? f.machineId}`, focus: f });
  else if (f.orderId) crumbs.push({ label: `Order: ${f.orderId}`, focus: f });
  let kids: { id: string; label: string; focus: Focus }[] = [];
  if (level === 'plant') kids = [...idx.areas].map(([id, a]) => ({ id, label: a.name, focus: { ...PLANT, areaId: id } }));
  else if (level === 'area') kids = (idx.areas.get(f.areaId!)?.lines ?? []).map((id) => ({ id, label: idx.lines.get(id)?.name ?? id, focus: { ...PLANT, areaId: f.areaId, lineId: id } }));
  else kids = (idx.lines.get(f.lineId ?? '')?.machines ?? []).map((id) => ({ id, label: idx.machines.get(id)?.name ?? id, focus: { ...PLANT, areaId: f.areaId, lineId: f.lineId, machineId: id } }));
  const kidsLabel = level === 'plant' ? 'Areas' : level === 'area' ? 'Lines' : 'Machines';
  return (
    <div className="drill-bar" data-testid="drill-bar" data-level={level}>
      <nav aria-label="Drill-down">
        <ol className="crumbs">
          {crumbs.map((c, i) => (
            <li key={c.label}>
              {i < crumbs.length - 1 ? (
                <button type="button" className="crumb" onClick={() => setFocus(c.focus)}>
                  {c.label}
                </button>
              ) : (
                <span className="crumb current" aria-current="location">
                  {c.label}
                </span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      {kids.length > 0 && (
        <div className="drill-kids" role="group" aria-label={`${kidsLabel}: open one`}>
          <span className="drill-kids-label" aria-hidden="true">
            {kidsLabel}
          </span>
          {kids.map((k) => (
            <button type="button" key={k.id} className={k.id === f.machineId ? 'kid current' : 'kid'} aria-pressed={k.id === f.machineId ? true : undefined} onClick={() => setFocus(k.focus)}>
              {k.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

// ---- tooltip ---------------------------------------------------------------------------------------

export function Tooltip({ plant }: { plant: Plant | null }) {
  const h = useSyncExternalStore(hoverStore.subscribe, hoverStore.get);
  const idx = usePlantIndex(plant);
  if (!h || h.kind === 'area') return null;
  const style = { left: h.x + 16, top: h.y + 16 };
  return (
    <div className="floor-tooltip" role="tooltip" style={style} data-testid="floor-tooltip">
      {h.kind === 'machine' && <MachineTip id={h.id} idx={idx} />}
      {h.kind === 'line' && <LineTip id={h.id} idx={idx} />}
      {h.kind === 'buffer' && <BufferTip from={h.id} to={h.to!} idx={idx} plant={plant} />}
    </div>
  );
}

function MachineTip({ id, idx }: { id: string; idx: PlantIndex }) {
  const m = useMachine(id);
  const info = idx.machines.get(id);
  return (
    <>
      <strong>{info?.name ?? id}</strong> <span className="muted">{info?.kind}</span>
      <div>
        <StatusBadge status={m?.state ?? 'unknown'} /> {m?.reason ? <span className="muted">({m.reason})</span> : null}
      </div>
      <div className="muted">
        good {fmtN(m?.good)} · scrap {fmtN(m?.scrap)}
      </div>
      <div className="muted">Click for state history</div>
    </>
  );
}

function LineTip({ id, idx }: { id: string; idx: PlantIndex }) {
  const l = useLine(id);
  return (
    <>
      <strong>{l?.name ?? idx.lines.get(id)?.name ?? id}</strong>
      <div>
        <StatusBadge status={l?.status ?? 'unknown'} />
      </div>
      {l && (
        <div className="muted">
          {l.currentOrderId ? `${l.currentSku} · ${l.currentOrderId}` : 'no order'} · WIP {fmtN(l.wip)} · avail. {Math.round(l.availability * 100)}%
        </div>
      )}
      <div className="muted">Click for queue and recent events</div>
    </>
  );
}

function BufferTip({ from, to, idx, plant }: { from: string; to: string; idx: PlantIndex; plant: Plant | null }) {
  const up = useMachine(from);
  const down = useMachine(to);
  const lineId = idx.machines.get(from)?.lineId;
  const size = plant?.areas.flatMap((a) => a.lines).find((l) => l.id === lineId)?.bufferSize ?? 0;
  const level = up && down ? Math.max(0, (up.good ?? 0) - (down.good ?? 0) - (down.scrap ?? 0)) : 0;
  return (
    <>
      <strong>Buffer</strong> {idx.machines.get(from)?.name} → {idx.machines.get(to)?.name}
      <div>
        {fmtN(level)} of {fmtN(size)} units
      </div>
    </>
  );
}

// ---- drawer ----------------------------------------------------------------------------------------

export function Drawer({ plant, timeZone }: { plant: Plant | null; timeZone: string }) {
  const f = useFocus();
  const idx = usePlantIndex(plant);
  if (!f.lineId) return null;
  const title = f.machineId ? idx.machines.get(f.machineId)?.name ?? f.machineId : f.orderId ? `Order ${f.orderId}` : idx.lines.get(f.lineId)?.name ?? f.lineId;
  return (
    <aside className="drawer" aria-labelledby="drawer-title" data-testid="drawer">
      <header className="drawer-head">
        <h2 id="drawer-title">{title}</h2>
        <button type="button" className="drawer-close" onClick={() => setFocus(parentOf(f))} aria-label="Close details (Escape)" title="Close (Escape)">
          ×
        </button>
      </header>
      {f.machineId ? <MachineDetail id={f.machineId} idx={idx} timeZone={timeZone} /> : f.orderId ? <OrderDetail id={f.orderId} timeZone={timeZone} /> : <LineDetail id={f.lineId} f={f} idx={idx} timeZone={timeZone} />}
    </aside>
  );
}

function useTimeFormat(timeZone: string) {
  return useMemo(() => {
    const t = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' });
    return (ms: number | null | undefined) => (ms == null ? '—' : t.format(ms));
  }, [timeZone]);
}

function LineDetail({ id, f, idx, timeZone }: { id: string; f: Focus; idx: PlantIndex; timeZone: string }) {
  countRender('LineDetail');
  const l = useLine(id);
  const history = useLineHistory(id);
  const fmt = useTimeFormat(timeZone);
  if (!l) return <p className="muted">No data for this line yet.</p>;
  const badge = badgeOf(l);
  return (
    <div className="drawer-body">
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={l.status} />
          {badge && <span className="exception-tag"> · {badge.text.toLowerCase()}</span>}
        </dd>
        <dt>Area</dt>
        <dd>{idx.areas.get(l.areaId)?.name ?? l.areaId}</dd>
        <dt>Current order</dt>
        <dd>
          {l.currentOrderId ? (
            <button type="button" className="link-button" onClick={() => setFocus({ ...f, machineId: null, orderId: l.currentOrderId })}>
              {l.currentOrderId}
            </button>
          ) : (
            'none'
          )}
          {l.currentSku && <> · SKU {l.currentSku}</>}
        </dd>
        <dt>Projected end</dt>
        <dd>{fmt(l.currentProjectedEnd)}</dd>
        <dt>Good / scrap</dt>
        <dd>
          {fmtN(l.good)} / {fmtN(l.scrap)}
        </dd>
        <dt>WIP</dt>
        <dd>{fmtN(l.wip)} units</dd>
        <dt>Availability</dt>
        <dd>{Math.round(l.availability * 100)}%</dd>
        <dt>Crew</dt>
        <dd>
          {l.crewOnShift} of {l.crewNeeded}
        </dd>
        {l.holds.length > 0 && (
          <>
            <dt>QA holds</dt>
            <dd>{l.holds.join(', ')}</dd>
          </>
        )}
      </dl>
      <QueueTable l={l} f={f} fmt={fmt} />
      <History title="Recent events" entries={history} fmt={fmt} />
    </div>
  );
}

function QueueTable({ l, f, fmt }: { l: LineView; f: Focus; fmt: (ms: number | null | undefined) => string }) {
  return (
    <section aria-labelledby="queue-title">
      <h3 id="queue-title">Queue ({l.queue.length})</h3>
      {l.queue.length === 0 ? (
        <p className="muted">Nothing queued.</p>
      ) : (
        <table className="drawer-table" data-testid="queue-table">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">SKU</th>
              <th scope="col" className="num">
                Qty
              </th>
              <th scope="col">Start</th>
              <th scope="col">End</th>
            </tr>
          </thead>
          <tbody>
            {l.queue.slice(0, 12).map((q) => (
              <tr key={q.orderId}>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => setFocus({ ...f, machineId: null, orderId: q.orderId })}>
                    {q.orderId}
                  </button>
                </th>
                <td>{q.sku}</td>
                <td className="num">{fmtN(q.qty)}</td>
                <td>
                  {fmt(q.projectedStart)}
                  {q.changeoverMinutes > 0 && <span className="muted"> (+{Math.round(q.changeoverMinutes)} min setup)</span>}
                </td>
                <td>
                  {fmt(q.projectedEnd)}
                  {q.late && <strong className="late"> late</strong>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function History({ title, entries, fmt }: { title: string; entries: readonly HistoryEntry[]; fmt: (ms: number) => string }) {
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">{title}</h3>
      {entries.length === 0 ? (
        <p className="muted">No changes seen since this console opened.</p>
      ) : (
        <ol className="history" data-testid="history">
          {[...entries].reverse().map((e, i) => (
            <li key={`${e.time}-${i}`}>
              <time dateTime={new Date(e.time).toISOString()}>{fmt(e.time)}</time> <StatusBadge status={e.state} />
              {e.reason && <span className="muted"> {e.reason}</span>}
            </li>
          ))}
        </ol>
      )}
      <p className="muted small">Since this console opened (last {entries.length}).</p>
    </section>
  );
}

function MachineDetail({ id, idx, timeZone }: { id: string; idx: PlantIndex; timeZone: string }) {
  countRender('MachineDetail');
  const m = useMachine(id);
  const history = useMachineHistory(id);
  const fmt = useTimeFormat(timeZone);
  const info = idx.machines.get(id);
  return (
    <div className="drawer-body">
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StatusBadge status={m?.state ?? 'unknown'} />
          {m?.alarm && <span className="exception-tag"> · {m.alarm === 'overrun' ? 'overrun' : 'long stop'}</span>}
        </dd>
        <dt>Since</dt>
        <dd>{fmt(m?.since)}</dd>
        {m?.reason && (
          <>
            <dt>Reason</dt>
            <dd>{m.reason}</dd>
          </>
        )}
        {m?.plannedMinutes != null && (
          <>
            <dt>Planned</dt>
            <dd>{m.plannedMinutes} min</dd>
          </>
        )}
        <dt>Kind</dt>
        <dd>{info?.kind ?? '—'}</dd>
        <dt>Good / scrap</dt>
        <dd>
          {fmtN(m?.good)} / {fmtN(m?.scrap)}
        </dd>
      </dl>
      <History title="State history" entries={history} fmt={fmt} />
    </div>
  );
}

function OrderDetail({ id, timeZone }: { id: string; timeZone: string }) {
  const o = useOrder(id);
  const fmt = useTimeFormat(timeZone);
  if (!o) return <p className="muted">Order {id} is not in the twin (completed and closed, or not yet known).</p>;
  return (
    <div className="drawer-body">
      <dl className="facts">
        <dt>State</dt>
        <dd>{o.state}</dd>
        <dt>SKU</dt>
        <dd>{o.sku}</dd>
        <dt>Customer</dt>
        <dd>{o.customer}</dd>
        <dt>Quantity</dt>
        <dd>
          {fmtN(o.good)} good of {fmtN(o.qty)} ({fmtN(o.scrap)} scrap)
        </dd>
        <dt>Due</dt>
        <dd>
          {fmt(o.due)}
          {o.late && <strong className="late"> projected late</strong>}
        </dd>
        <dt>Priority</dt>
        <dd>{o.priority}</dd>
        <dt>Started</dt>
        <dd>{fmt(o.startedAt)}</dd>
        {o.holds && o.holds.length > 0 && (
          <>
            <dt>QA holds</dt>
            <dd>{o.holds.join(', ')}</dd>
          </>
        )}
      </dl>
    </div>
  );
}

function fmtN(x: number | undefined | null): string {
  return x == null ? '—' : Math.round(x).toLocaleString('en-GB');
}
