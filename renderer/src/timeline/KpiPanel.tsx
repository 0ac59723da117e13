/**
 * KPIs of the selected scope (plant, area or line) for the shift, day or week at the present (or
 * the time cursor): ISO 22400-2 and Takt's execution KPIs, each with its definition behind a "?",
 * a d3 trend chart with the rule set's target lines, and the shift report.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { axisBottom, axisLeft, line as d3line, scaleLinear, select } from 'd3';
import type { KpiReport, KpiScope } from '../../../shared/kpi/report';
import type { PeriodKind } from '../../../shared/kpi/periods';
import type { KpiValue } from '../../../shared/kpi/iso22400';
import { kpiDefinitions } from '../../../shared/kpi/definitions';
import { fmtKpi, fmtMean, noBasis } from '../../../shared/kpi/format';
import { shiftReportHtml } from '../../../shared/kpi/report-html';
import { plantTime } from '../../../shared/clock/plant-time';
import { useClient } from '../app/ClientContext';
import { formatPlantTime, useTravel } from './travel';

const REFRESH_MS = 10_000;
const TREND = 12;

function Card({ id, value, target, sub }: { id: keyof typeof kpiDefinitions; value: string; target?: number | null; sub?: string }) {
  const def = kpiDefinitions[id];
  const numeric = Number.parseFloat(value);
  const below = target != null && Number.isFinite(numeric) && (def.higherIsBetter ? numeric / 100 < target : numeric / 100 > target);
  return (
    <div className={below ? 'kpi-card below' : 'kpi-card'} data-kpi={id}>
      <div className="kpi-name">
        <span>{def.label}</span>
        <details>
          <summary aria-label={`What is ${def.label}?`} title={`${def.formula}: ${def.text}`}>?</summary>
          <div className="kpi-def" role="note">
            <strong>{def.formula}</strong>
            <div>{def.text}</div>
          </div>
        </details>
      </div>
      <div className="kpi-value" data-testid={`kpi-${id}`}>{value}</div>
      {(sub || target != null) && <div className="kpi-sub">{[target != null ? `target ${(target * 100).toFixed(0)} %` : '', sub ?? ''].filter(Boolean).join(' · ')}</div>}
    </div>
  );
}

const sub = (k: KpiValue | null) => noBasis(k) || (k ? `${Math.round(k.numerator * 100) / 100} / ${Math.round(k.denominator * 100) / 100}` : '');

function Trend({ report, timeZone }: { report: KpiReport; timeZone: string }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const svg = select(ref.current);
    const W = 340;
    const H = 170;
    const m = { l: 34, r: 8, t: 8, b: 22 };
    svg.selectAll('*').remove();
    const pts = report.trend;
    const x = scaleLinear().domain([0, Math.max(1, pts.length - 1)]).range([m.l, W - m.r]);
    const y = scaleLinear().domain([0, 1]).range([H - m.b, m.t]);
    svg.append('g').attr('transform', `translate(0,${H - m.b})`).call(axisBottom(x).ticks(Math.min(6, pts.length)).tickFormat((i) => { const p = pts[Number(i)]; return p ? plantTime(timeZone).day(p.period.from) : ''; }));
    svg.append('g').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(4).tickFormat((v) => `${Math.round(Number(v) * 100)}%`));
    const series: [string, (p: (typeof pts)[number]) => number | null, number | null][] = [
      ['series-oee', (p) => p.oee, report.targets.oee],
      ['series-sa', (p) => p.scheduleAdherence, report.targets.scheduleAdherence],
      ['series-otd', (p) => p.onTimeDelivery, report.targets.onTimeDelivery],
    ];
    for (const [cls, f, target] of series) {
      const l = d3line<(typeof pts)[number]>().defined((p) => f(p) !== null).x((_, i) => x(i)).y((p) => y(f(p) ?? 0));
      svg.append('path').datum(pts).attr('class', cls).attr('d', l);
      if (target !== null) svg.append('line').attr('class', `target ${cls}`).attr('x1', m.l).attr('x2', W - m.r).attr('y1', y(target)).attr('y2', y(target)).attr('stroke-width', 1);
    }
  }, [report, timeZone]);
  return (
    <figure className="kpi-trend" style={{ margin: 0 }}>
      <svg ref={ref} width={340} height={170} role="img" aria-label={`Trend of OEE, schedule adherence and on-time delivery over the last ${report.trend.length} ${report.periodKind}s, with dashed target lines`} />
      <figcaption className="small muted">
        <span style={{ color: '#1a4d99' }}>━ OEE</span> · <span style={{ color: '#565e66' }}>━ schedule adherence</span> · <span style={{ color: '#8a3ea8' }}>┅ on-time delivery</span> · dashed: targets from the rule set
      </figcaption>
    </figure>
  );
}

export function KpiPanel({ scope, id, timeZone }: { scope: KpiScope; id?: string; timeZone: string }) {
  const client = useClient();
  const travel = useTravel();
  const [period, setPeriod] = useState<PeriodKind>('shift');
  const [report, setReport] = useState<KpiReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const at = travel?.at;

  useEffect(() => {
    if (!client) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const r = await client.call('kpi.get', { scope, ...(id ? { id } : {}), period, ...(at ? { at: Math.round(at) } : {}), trend: TREND });
        if (live) {
          setReport(r);
          setError(null);
        }
      } catch (e) {
        if (live && !client.isClosed) setError(`could not load KPIs: ${(e as Error).message}`);
      }
      // load() reports its own failures and never rejects.
      if (live) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, scope, id, period, at]);

  const openReport = async () => {
    if (!client || !report) return;
    try {
      const r = await client.call('report.shift', { shiftStart: report.period.kind === 'shift' ? report.period.from : report.now });
      const url = URL.createObjectURL(new Blob([shiftReportHtml(r, { timeZone, csvLinks: true })], { type: 'text/html' }));
      window.open(url, '_blank', 'noopener');
    } catch (e) {
      setError(`could not build the shift report: ${(e as Error).message}`);
    }
  };

  const downloadPdf = async () => {
    if (!client || !report) return;
    const shell = window.takt;
    if (shell?.printPdf) {
      // Desktop app: Electron prints the report itself (printToPDF); no Chromium needed beside it.
      try {
        const r = await client.call('report.shift', { shiftStart: report.period.kind === 'shift' ? report.period.from : report.now });
        const name = `shift-report-${new Date(r.period.from).toISOString().slice(0, 16).replace(/[:T]/g, '-')}.pdf`;
        const saved = await shell.printPdf(shiftReportHtml(r, { timeZone }), name);
        if (!saved.ok && saved.reason !== 'cancelled') setError(`could not print the shift report: ${saved.reason}`);
      } catch (e) {
        setError(`could not print the shift report: ${(e as Error).message}`);
      }
      return;
    }
    try {
      const r = await client.call('report.shiftPdf', { shiftStart: report.period.kind === 'shift' ? report.period.from : report.now, timeZone });
      const bytes = Uint8Array.from(atob(r.pdfBase64), (c) => c.charCodeAt(0));
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
      a.download = r.filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setError(`could not print the shift report: ${(e as Error).message}`);
    }
  };

  const ex = report?.execution;
  const worst = useMemo(() => ex?.exceptions.filter((e) => e.raised > 0) ?? [], [ex]);
  return (
    <section className="kpi-panel" aria-labelledby="kpi-title" data-testid="kpi-panel" data-scope={scope} data-id={id ?? ''}>
      <div className="kpi-head">
        <h2 id="kpi-title">KPIs · {report ? `${report.name} · ${report.period.label}` : 'loading…'}</h2>
        <div role="group" aria-label="Period">
          {(['shift', 'day', 'week'] as const).map((p) => (
            <button key={p} type="button" aria-pressed={period === p} onClick={() => setPeriod(p)}>{p[0]!.toUpperCase() + p.slice(1)}</button>
          ))}
        </div>
        <button type="button" onClick={() => void openReport()} disabled={!report}>Shift report</button>
        <button type="button" onClick={() => void downloadPdf()} disabled={!report}>PDF</button>
        {at && <span className="muted">at the cursor, {formatPlantTime(at, timeZone)}</span>}
        {error && <span className="late" role="alert">{error}</span>}
      </div>
      {report && ex && (
        <>
          <div className="kpi-grid">
            <Card id="oee" value={fmtKpi(report.iso.oee, 'share')} target={report.targets.oee} sub={noBasis(report.iso.oee)} />
            <Card id="availability" value={fmtKpi(report.iso.availability, 'share')} sub={sub(report.iso.availability) && `${(report.quantities.aptMs / 3.6e6).toFixed(1)} h of ${(report.quantities.pbtMs / 3.6e6).toFixed(1)} h`} />
            <Card id="effectiveness" value={fmtKpi(report.iso.effectiveness, 'share')} sub={noBasis(report.iso.effectiveness)} />
            <Card id="qualityRatio" value={fmtKpi(report.iso.qualityRatio, 'share')} sub={`${report.quantities.gq} good of ${report.quantities.pq}`} />
            <Card id="setupRate" value={fmtKpi(report.iso.setupRate, 'share')} sub={noBasis(report.iso.setupRate)} />
            <Card id="throughputRate" value={fmtKpi(report.iso.throughputRate, 'per-hour')} sub={noBasis(report.iso.throughputRate)} />
            <Card id="scrapRatio" value={fmtKpi(report.iso.scrapRatio, 'share')} sub={`${report.quantities.sq} scrap`} />
            <Card id="scheduleAdherence" value={fmtKpi(ex.scheduleAdherence, 'share')} target={report.targets.scheduleAdherence} sub={`${ex.scheduleAdherence.numerator} of ${ex.scheduleAdherence.denominator} orders · ±${ex.scheduleAdherence.toleranceMinutes} min`} />
            <Card id="onTimeDelivery" value={fmtKpi(ex.onTimeDelivery, 'share')} target={report.targets.onTimeDelivery} sub={`${ex.onTimeDelivery.numerator} of ${ex.onTimeDelivery.denominator}`} />
            <Card id="onTimeProjected" value={fmtKpi(ex.onTimeProjected, 'share')} sub={`${ex.onTimeProjected.numerator} of ${ex.onTimeProjected.denominator} open`} />
            <Card id="timeToAcknowledge" value={fmtMean(worst[0]?.timeToAcknowledge ?? null)} sub={worst.length ? worst.map((w) => `${w.priority}: ${fmtMean(w.timeToAcknowledge)}`).join(', ') : 'no exceptions raised'} />
            <Card id="timeToResolve" value={fmtMean(worst[0]?.timeToResolve ?? null)} sub={worst.length ? worst.map((w) => `${w.priority}: ${fmtMean(w.timeToResolve)}`).join(', ') : 'no exceptions raised'} />
            <Card id="floodRate" value={fmtKpi(ex.floodRate, 'share')} sub={`${ex.floodRate.numerator} of ${ex.floodRate.denominator} windows`} />
            <Card id="decisionCycleTime" value={fmtMean(ex.decisionCycleTime)} sub={ex.decisionCycleTime ? `${ex.decisionCycleTime.count} decisions` : 'records not available'} />
            <Card id="actionSla" value={fmtKpi(ex.actionSla, 'share')} sub={ex.actionSla ? `${ex.actionSla.numerator} of ${ex.actionSla.denominator}` : 'records not available'} />
            <Card id="replans" value={ex.replans === null ? '—' : String(ex.replans)} sub={ex.replans === null ? 'records not available' : undefined} />
          </div>
          <Trend report={report} timeZone={timeZone} />
          {ex.recordsError && <p className="kpi-note">Decision and action KPIs are waiting for the commit records: {ex.recordsError}</p>}
        </>
      )}
    </section>
  );
}
