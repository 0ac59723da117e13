/**
 * The shift report as one self-contained HTML page (A4 landscape, one page) and its tables as CSV.
 * Pure string building: the renderer opens it in a tab (print from there), `takt report` prints it
 * to PDF with Chromium. Long tables are cut to what fits the page, saying how many rows were left
 * out; the CSV files always hold every row.
 */
import { plantTime } from '../clock/plant-time';
import { kpiDefinitions } from './definitions';
import { fmtHours, fmtKpi, fmtMean, fmtShare } from './format';
import type { ShiftDecisionReview, ShiftReport } from './report';
import { hindsightGapKind } from '../decide/review/gap-kind';
import { toCsv } from '../files/csv-write';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plant time, the same form as everywhere else (`Mon 21:55`). */
export function fmtTime(t: number | null, timeZone = 'UTC'): string {
  if (t === null) return '—';
  return plantTime(timeZone).day(t);
}

// ------------------------------------------------------------------ CSV (cells neutralised: shared/files/csv-write.ts)

export { toCsv };
const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
const num = (v: number | null, digits = 4) => (v === null ? '' : Number(v.toFixed(digits)));
/** A decision's review state in one word for the CSV (the figures are in their own columns). */
const reviewWords = (v: ShiftDecisionReview) => (v.state === 'reviewed' ? 'reviewed' : v.state === 'pending' ? `horizon not passed yet (ends ${iso(v.horizonEnds)})` : `not reviewed: ${v.reason}`);

/** Every table of the report as CSV, by file name. */
export function shiftReportCsv(r: ShiftReport): Record<string, string> {
  const k = r.plantKpis;
  const e = k.execution;
  return {
    'kpis.csv': toCsv(
      ['kpi', 'value', 'numerator', 'denominator', 'formula'],
      [
        ...(['availability', 'effectiveness', 'qualityRatio', 'oee', 'setupRate', 'throughputRate', 'scrapRatio'] as const).map((id) => [id, num(k.iso[id].value), num(k.iso[id].numerator, 2), num(k.iso[id].denominator, 2), kpiDefinitions[id].formula]),
        ['scheduleAdherence', num(e.scheduleAdherence.value), e.scheduleAdherence.numerator, e.scheduleAdherence.denominator, kpiDefinitions.scheduleAdherence.formula],
        ['onTimeDelivery', num(e.onTimeDelivery.value), e.onTimeDelivery.numerator, e.onTimeDelivery.denominator, kpiDefinitions.onTimeDelivery.formula],
        ['onTimeProjected', num(e.onTimeProjected.value), e.onTimeProjected.numerator, e.onTimeProjected.denominator, kpiDefinitions.onTimeProjected.formula],
        ['floodRate', num(e.floodRate.value), e.floodRate.numerator, e.floodRate.denominator, kpiDefinitions.floodRate.formula],
        ['decisionCycleTimeMinutes', num(e.decisionCycleTime?.minutes ?? null, 2), e.decisionCycleTime?.count ?? '', '', kpiDefinitions.decisionCycleTime.formula],
        ['actionSla', num(e.actionSla?.value ?? null), e.actionSla?.numerator ?? '', e.actionSla?.denominator ?? '', kpiDefinitions.actionSla.formula],
        ['replans', e.replans ?? '', '', '', kpiDefinitions.replans.formula],
      ],
    ),
    'lines.csv': toCsv(
      ['line', 'name', 'area', 'availability', 'effectiveness', 'qualityRatio', 'oee', 'setupRate', 'throughputPerHour', 'scrapRatio', 'pbtHours', 'aptHours', 'asutHours', 'aoetHours', 'good', 'scrap'],
      r.lines.map((l) => [l.lineId, l.name, l.areaId, num(l.iso.availability.value), num(l.iso.effectiveness.value), num(l.iso.qualityRatio.value), num(l.iso.oee.value), num(l.iso.setupRate.value), num(l.iso.throughputRate.value, 1), num(l.iso.scrapRatio.value), num(l.quantities.pbtMs / 3.6e6, 3), num(l.quantities.aptMs / 3.6e6, 3), num(l.quantities.asutMs / 3.6e6, 3), num(l.quantities.aoetMs / 3.6e6, 3), l.quantities.gq, l.quantities.sq]),
    ),
    'downtime.csv': toCsv(['reason', 'minutes', 'stops'], r.downtime.map((d) => [d.reason, num(d.ms / 60_000, 1), d.stops])),
    'exceptions.csv': toCsv(
      ['id', 'priority', 'title', 'line', 'raisedAt', 'acknowledgedAt', 'closedAt', 'state'],
      r.exceptions.map((x) => [x.id, x.priority, x.title, x.lineId ?? '', iso(x.raisedAt), iso(x.acknowledgedAt), iso(x.closedAt), x.state]),
    ),
    'decisions.csv': toCsv(
      ['id', 'exceptionId', 'exception', 'line', 'committedAt', 'committedBy', 'chosen', 'status', 'review', 'endMaeMinutes', 'regret', 'bestInHindsight', 'cycleMinutes', 'hindsightGaps'],
      r.decisions.map((d) => {
        const v = d.review;
        return [d.id, d.exceptionId, d.title, d.lineId, iso(d.committedAt), d.committedBy, d.chosen, d.status, reviewWords(v), v.state === 'reviewed' ? num(v.endMaeMinutes, 1) : '', v.state === 'reviewed' ? num(v.regret, 3) : '', v.state === 'reviewed' ? v.best : '', v.state === 'reviewed' ? num(v.cycleMinutes, 1) : '', v.state === 'reviewed' ? (v.hindsightGaps ?? []).join(' | ') : ''];
      }),
    ),
    'actions.csv': toCsv(['id', 'title', 'line', 'owner', 'dueAt', 'status', 'overdue'], r.actions.map((a) => [a.id, a.title, a.lineId, a.ownerName, iso(a.dueAt), a.status, a.overdue])),
    'schedule-adherence.csv': toCsv(
      ['order', 'plannedStart', 'plannedEnd', 'startedAt', 'completedAt', 'onPlan', 'why'],
      e.scheduleAdherence.details.map((d) => [d.orderId, iso(d.plannedStart), iso(d.plannedEnd), iso(d.startedAt), iso(d.completedAt), d.onPlan, d.why ?? '']),
    ),
  };
}

// ------------------------------------------------------------------ HTML

function table(head: string[], rows: string[][], max: number, empty: string, cls = ''): string {
  if (!rows.length) return `<p class="empty">${esc(empty)}</p>`;
  const shown = rows.slice(0, max);
  const more = rows.length - shown.length;
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${shown.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>${more > 0 ? `<p class="more">+ ${more} more (all rows in the CSV export)</p>` : ''}`;
}

function pareto(rows: ShiftReport['downtime']): string {
  const top = rows.slice(0, 7);
  if (!top.length) return '<p class="empty">No downtime in this shift.</p>';
  const total = rows.reduce((s, d) => s + d.ms, 0);
  const max = top[0]!.ms;
  const W = 380;
  const rowH = 19;
  const labelW = 118;
  const barW = W - labelW - 110;
  let cum = 0;
  const bars = top
    .map((d, i) => {
      cum += d.ms;
      const w = Math.max(1, (d.ms / max) * barW);
      const y = i * rowH;
      return `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(d.reason.length > 18 ? `${d.reason.slice(0, 17)}…` : d.reason)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#b01f1f"/><text x="${labelW + w + 4}" y="${y + 13}">${Math.round(d.ms / 60_000)} min · ${d.stops}× · Σ ${Math.round((cum / total) * 100)} %</text>`;
    })
    .join('');
  return `<svg class="pareto" width="${W}" height="${top.length * rowH}" role="img" aria-label="Downtime by reason, largest first">${bars}</svg>${rows.length > top.length ? `<p class="more">+ ${rows.length - top.length} more reasons</p>` : ''}`;
}

export interface ReportHtmlOptions {
  timeZone?: string;
  /** Add CSV download links (in a browser tab; hidden when printed). */
  csvLinks?: boolean;
}

export function shiftReportHtml(r: ShiftReport, opts: ReportHtmlOptions = {}): string {
  const tz = opts.timeZone ?? r.plant.timeZone ?? 'UTC';
  const pt = plantTime(tz);
  const shiftName = r.period.kind === 'shift' ? r.period.label.replace(/ \d{4}-\d\d-\d\d \d\d:\d\d.*$/, '') : r.period.kind === 'day' ? 'Day' : r.period.kind === 'week' ? 'Week' : 'Period';
  const k = r.plantKpis;
  const e = k.execution;
  const t = (x: number | null) => esc(fmtTime(x, tz));
  const finished = r.now >= r.period.to;
  const tile = (label: string, value: string, note = '', bad = false) => `<div class="tile${bad ? ' bad' : ''}"><div class="tl">${esc(label)}</div><div class="tv">${esc(value)}</div><div class="tn">${esc(note)}</div></div>`;
  const below = (v: number | null, target: number) => v !== null && v < target;
  const tiles = [
    tile('OEE', fmtKpi(k.iso.oee, 'share'), `target ${fmtShare(k.targets.oee)}`, below(k.iso.oee.value, k.targets.oee)),
    tile('Availability', fmtKpi(k.iso.availability, 'share'), `${fmtHours(k.quantities.aptMs)} / ${fmtHours(k.quantities.pbtMs)}`),
    tile('Effectiveness', fmtKpi(k.iso.effectiveness, 'share'), 'PRI·PQ / APT'),
    tile('Quality ratio', fmtKpi(k.iso.qualityRatio, 'share'), `${k.quantities.gq} good / ${k.quantities.pq}`),
    tile('Setup rate', fmtKpi(k.iso.setupRate, 'share'), 'ASUT / AUPT'),
    tile('Throughput', fmtKpi(k.iso.throughputRate, 'per-hour'), 'PQ / AOET'),
    tile('Scrap ratio', fmtKpi(k.iso.scrapRatio, 'share'), `${k.quantities.sq} scrap`),
    tile('Schedule adherence', fmtKpi(e.scheduleAdherence, 'share'), `${e.scheduleAdherence.numerator}/${e.scheduleAdherence.denominator} orders ±${e.scheduleAdherence.toleranceMinutes} min · target ${fmtShare(k.targets.scheduleAdherence)}`, below(e.scheduleAdherence.value, k.targets.scheduleAdherence)),
    tile('On-time delivery', fmtKpi(e.onTimeDelivery, 'share'), `${e.onTimeDelivery.numerator}/${e.onTimeDelivery.denominator} · projected ${fmtKpi(e.onTimeProjected, 'share')}`, below(e.onTimeDelivery.value, k.targets.onTimeDelivery)),
    tile('Decision cycle', fmtMean(e.decisionCycleTime), e.decisionCycleTime ? `${e.decisionCycleTime.count} decisions · ${e.replans ?? 0} replans` : 'records n/a'),
    tile('Action SLA', fmtKpi(e.actionSla, 'share'), e.actionSla ? `${e.actionSla.numerator}/${e.actionSla.denominator} on time` : 'records n/a'),
    tile('Flood rate', fmtKpi(e.floodRate, 'share'), `${e.floodRate.numerator}/${e.floodRate.denominator} 10-min windows`),
  ].join('');
  const lineRows = r.lines.map((l) => [esc(l.name), fmtKpi(l.iso.oee, 'share'), fmtKpi(l.iso.availability, 'share'), fmtKpi(l.iso.effectiveness, 'share'), fmtKpi(l.iso.qualityRatio, 'share'), fmtKpi(l.iso.setupRate, 'share'), fmtKpi(l.iso.throughputRate, 'per-hour'), fmtKpi(l.iso.scrapRatio, 'share'), String(l.quantities.gq)]);
  const exRows = r.exceptions.map((x) => [esc(x.priority), esc(x.title), esc(x.lineId ?? '—'), t(x.raisedAt), x.acknowledgedAt === null ? '—' : `${Math.round((x.acknowledgedAt - x.raisedAt) / 60_000)} min`, x.closedAt === null ? esc(x.state) : `${Math.round((x.closedAt - x.raisedAt) / 60_000)} min`]);
  const ackByPrio = e.exceptions.filter((p) => p.raised > 0).map((p) => `${esc(p.priority)}: ${p.raised} raised, ack ${fmtMean(p.timeToAcknowledge)}, resolve ${fmtMean(p.timeToResolve)}`).join(' · ');
  const reviewCell = (v: ShiftDecisionReview) =>
    v.state === 'reviewed'
      ? `MAE ${v.endMaeMinutes === null ? '—' : `${v.endMaeMinutes} min`} · regret ${v.regret}${v.regret > 0 ? ` (best: ${esc(v.best)})` : ''}${v.hindsightGaps?.length ? ` · not checked in hindsight: ${esc(v.hindsightGaps.map(hindsightGapKind).join(', '))}` : ''}`
      : v.state === 'pending'
        ? `horizon not passed yet (ends ${t(v.horizonEnds)})`
        : `not reviewed: ${esc(v.reason)}`;
  const decRows = r.decisions.map((d) => [t(d.committedAt), esc(d.title), esc(d.chosen), esc(d.committedBy), esc(d.status), reviewCell(d.review)]);
  const actRows = [...r.actions].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt).map((a) => [a.overdue ? '<b class="bad">overdue</b>' : 'open', esc(a.title), esc(a.lineId), esc(a.ownerName || '—'), t(a.dueAt)]);
  const csv = opts.csvLinks
    ? `<p class="csv no-print">CSV: ${Object.entries(shiftReportCsv(r)).map(([name, text]) => `<a download="${esc(name)}" href="data:text/csv;charset=utf-8,${encodeURIComponent(text)}">${esc(name)}</a>`).join(' · ')}</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shift report · ${esc(r.plant.name)} · ${esc(shiftName)} ${esc(pt.full(r.period.from))}</title><style>
@page { size: A4 landscape; margin: 9mm 10mm; }
* { box-sizing: border-box; }
body { font: 9.5px/1.35 'DejaVu Sans', system-ui, sans-serif; color: #2b3035; margin: 0; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #2b3035; padding-bottom: 4px; margin-bottom: 6px; }
h1 { font-size: 15px; margin: 0; } h2 { font-size: 10.5px; margin: 7px 0 3px; text-transform: uppercase; letter-spacing: 0.05em; color: #4f565d; }
.meta { color: #4f565d; text-align: right; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 4px; }
.tile { border: 1px solid #b4b9be; border-radius: 4px; padding: 3px 6px; background: #f3f4f5; }
.tile .tl { color: #4f565d; font-size: 8.5px; } .tile .tv { font-size: 14px; font-weight: 700; } .tile .tn { color: #50575e; font-size: 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile.bad .tv, .bad { color: #b01f1f; }
.cols { display: grid; grid-template-columns: 1.15fr 1fr; gap: 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 1.5px 4px; border-bottom: 1px solid #d9dcdf; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 260px; }
th { font-size: 8.5px; color: #4f565d; border-bottom: 1px solid #8a9097; }
table.num td:not(:first-child), table.num th:not(:first-child) { text-align: right; }
.pareto text { font-size: 9px; fill: #2b3035; }
.empty, .more { color: #50575e; margin: 2px 0; font-style: italic; }
.note { color: #50575e; font-size: 8px; margin-top: 6px; border-top: 1px solid #d9dcdf; padding-top: 3px; }
@media print { .no-print { display: none; } }
@media screen { body { margin: 24px auto; padding: 0 24px; max-width: 1180px; } }
</style></head><body>
<header><div><h1>Shift report — ${esc(r.plant.name)}</h1><div>${esc(shiftName)} · ${esc(pt.full(r.period.from))} – ${t(r.period.to)} plant time (${esc(pt.zone)})</div></div>
<div class="meta">${finished ? 'Shift complete' : `<b>Shift in progress</b> — figures up to ${t(r.now)}`}<br>Generated by Takt at plant time ${t(r.generatedAt)}</div></header>
${csv}
<section class="tiles">${tiles}</section>
<div class="cols">
<div>
<h2>Lines (ISO 22400-2)</h2>
${table(['Line', 'OEE', 'Avail.', 'Effect.', 'Quality', 'Setup', 'Throughput', 'Scrap', 'Good'], lineRows, 14, 'No lines.', 'num')}
<h2>Exceptions raised (${r.exceptions.length})</h2>
${ackByPrio ? `<p class="more" style="font-style:normal">${ackByPrio}</p>` : ''}
${table(['Prio', 'Exception', 'Line', 'Raised', 'To ack', 'Resolved in / state'], exRows, 8, 'No exceptions raised in this shift.')}
</div>
<div>
<h2>Top downtime reasons</h2>
${pareto(r.downtime)}
<h2>Decisions taken (${r.decisions.length})</h2>
${r.recordsError && !r.decisions.length ? `<p class="empty">Decision records not available: ${esc(r.recordsError)}</p>` : table(['Committed', 'Exception', 'Chosen option', 'By', 'Status', 'Review'], decRows, 6, 'No decisions committed in this shift.')}
<h2>Actions open / overdue (${r.actions.length})</h2>
${r.recordsError && !r.actions.length ? '<p class="empty">Action records not available.</p>' : table(['', 'Action', 'Line', 'Owner', 'Due'], actRows, 7, 'No open actions.')}
</div>
</div>
<p class="note">Availability = APT/PBT · Effectiveness = PRI·PQ/APT · Quality ratio = GQ/PQ · OEE = A×E×Q · Setup rate = ASUT/(APT+ASUT) · Throughput = PQ/AOET (ISO 22400-2). Schedule adherence (Takt): orders the baseline plan frozen at shift start planned to finish in the shift that started and completed within ±${e.scheduleAdherence.toleranceMinutes} min of plan. PBT = observed shift time. “—” = no basis (nothing to divide by).</p>
</body></html>`;
}
