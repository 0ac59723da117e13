/**
 * Decision quality beside the KPIs: per week, how good the committed decisions' forecasts were
 * (mean absolute error of projected order ends, minutes), how much better the best alternative
 * would have done with what actually happened (regret), and how long decisions took (cycle time),
 * with a d3 trend in the KPI trend's styling. The roll-up (`decisions.reviewWeekly`) is asked for
 * once a minute; the core keeps each review once made. Below, the recent committed decisions: each
 * opens its own review (./DecisionReviewDetail.tsx).
 */
import { useEffect, useRef, useState } from 'react';
import { axisBottom, axisLeft, axisRight, line as d3line, scaleLinear, select } from 'd3';
import type { DecisionQualityReport, WeeklyDecisionQuality } from '../../../shared/decide/review';
import type { DecisionReceipt } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import type { PlantTimeFormat } from '../../../shared/clock/plant-time';
import { usePlantClock } from '../decide/format';
import { DecisionReviewDetail } from './DecisionReviewDetail';

const REFRESH_MS = 60_000;
/** Recent committed decisions listed for a per-decision review. */
const RECENT = 20;

// Weeks start Monday 00:00 on the plant's clock (shared/decide/review): labelled by that plant date.
const weekLabel = (clock: PlantTimeFormat, week: number) => clock.date(week);
const minutes = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} min`);

function QualityTrend({ weeks, clock }: { weeks: WeeklyDecisionQuality[]; clock: PlantTimeFormat }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const svg = select(ref.current);
    const W = 340;
    const H = 170;
    const m = { l: 40, r: 40, t: 8, b: 22 };
    svg.selectAll('*').remove();
    // One week sits in the middle rather than on the left axis.
    const x = scaleLinear().domain(weeks.length === 1 ? [-1, 1] : [0, weeks.length - 1]).range([m.l, W - m.r]);
    const maxMin = Math.max(1, ...weeks.flatMap((w) => [w.endMaeMinutes ?? 0, w.meanCycleMinutes ?? 0]));
    const maxRegret = Math.max(1, ...weeks.map((w) => w.meanRegret));
    const y = scaleLinear().domain([0, maxMin]).nice().range([H - m.b, m.t]);
    const yr = scaleLinear().domain([0, maxRegret]).nice().range([H - m.b, m.t]);
    svg.append('g').attr('transform', `translate(0,${H - m.b})`).call(axisBottom(x).ticks(Math.min(6, Math.max(2, weeks.length))).tickFormat((i) => { const w = weeks[Number(i)]; return w && Number.isInteger(Number(i)) ? weekLabel(clock, w.week) : ''; }));
    svg.append('g').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(4).tickFormat((v) => `${Number(v)}′`));
    svg.append('g').attr('transform', `translate(${W - m.r},0)`).call(axisRight(yr).ticks(4));
    const series: [string, (w: WeeklyDecisionQuality) => number | null, typeof y][] = [
      ['series-mae', (w) => w.endMaeMinutes, y],
      ['series-cycle', (w) => w.meanCycleMinutes, y],
      ['series-regret', (w) => w.meanRegret, yr],
    ];
    for (const [cls, f, scale] of series) {
      const l = d3line<WeeklyDecisionQuality>().defined((w) => f(w) !== null).x((_, i) => x(i)).y((w) => scale(f(w) ?? 0));
      svg.append('path').datum(weeks).attr('class', cls).attr('d', l);
      // A single week has no line to draw: a dot shows its value.
      svg.selectAll(`circle.${cls}`).data(weeks.filter((w) => f(w) !== null)).enter().append('circle').attr('class', cls).attr('r', 3).attr('cx', (w) => x(weeks.indexOf(w))).attr('cy', (w) => scale(f(w) ?? 0));
    }
  }, [weeks, clock]);
  return (
    <figure className="kpi-trend" style={{ margin: 0 }}>
      <svg ref={ref} width={340} height={170} role="img" aria-label={`Trend of forecast error, decision cycle time (minutes, left axis) and regret (cost, right axis) over ${weeks.length} week(s)`} data-testid="decision-quality-trend" />
      <figcaption className="small muted">
        <span style={{ color: '#1a4d99' }}>━ forecast error (MAE)</span> · <span style={{ color: '#565e66' }}>━ cycle time</span> · <span style={{ color: '#a8553e' }}>┅ regret (right axis)</span>
      </figcaption>
    </figure>
  );
}

export function DecisionQualityPanel() {
  const client = useClient();
  const clock = usePlantClock();
  const [report, setReport] = useState<DecisionQualityReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [decisions, setDecisions] = useState<DecisionReceipt[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const fmt = clock.day;

  useEffect(() => {
    if (!client) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const [r, list] = await Promise.all([client.call('decisions.reviewWeekly'), client.call('decisions.list', { statuses: ['dispatched', 'closed'], limit: RECENT })]);
        if (live) {
          setReport(r);
          setDecisions(list.items);
          setError(null);
        }
      } catch (e) {
        if (live && !client.isClosed) setError(`could not load the decision review: ${(e as Error).message}`);
      }
      if (live) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client]);

  const latest = report?.weeks.at(-1);
  return (
    <section className="kpi-panel decision-quality" aria-labelledby="dq-title" data-testid="decision-quality">
      <div className="kpi-head">
        <h2 id="dq-title">Decision quality{latest ? ` · week of ${weekLabel(clock, latest.week)}` : ''}</h2>
        {report && <span className="muted">{report.reviewed} reviewed · {report.pending} waiting for their horizon</span>}
        {error && <span className="late" role="alert">{error}</span>}
      </div>
      {!report && !error && <p className="muted">loading…</p>}
      {report && report.weeks.length === 0 && (
        <p className="kpi-note" data-testid="decision-quality-empty">
          No decision has passed its horizon yet. A committed decision is judged once the period it forecast (its horizon, 24 h unless chosen otherwise) is over: its projected order ends against the completions the journal recorded, and its choice against the alternatives re-simulated with what actually happened.
          {report.pending > 0 ? ` ${report.pending} decision(s) are waiting for their horizon to pass.` : ''}
        </p>
      )}
      {report && latest && (
        <>
          <div>
            <div className="kpi-grid">
              <div className="kpi-card" data-kpi="forecastMae"><div className="kpi-name">Forecast error (MAE of projected ends)</div><div className="kpi-value" data-testid="dq-mae">{minutes(latest.endMaeMinutes)}</div><div className="kpi-sub">{latest.endMaeMinutes === null ? 'no order ended in both forecast and journal' : 'mean |actual − projected| end'}</div></div>
              <div className="kpi-card" data-kpi="regret"><div className="kpi-name">Regret</div><div className="kpi-value" data-testid="dq-regret">{latest.meanRegret.toFixed(1)}</div><div className="kpi-sub">chosen − best option's cost in hindsight (rule-set cost units)</div></div>
              <div className="kpi-card" data-kpi="decisionCycle"><div className="kpi-name">Decision cycle time</div><div className="kpi-value" data-testid="dq-cycle">{minutes(latest.meanCycleMinutes)}</div><div className="kpi-sub">raise → commit, {latest.decisions} decision(s)</div></div>
            </div>
            <table className="small" data-testid="dq-weeks">
              <thead><tr><th>Week</th><th>Decisions</th><th>MAE</th><th>Regret</th><th>Cycle</th><th>Not checked in hindsight</th></tr></thead>
              <tbody>
                {[...report.weeks].reverse().map((w) => (
                  <tr key={w.week}><td>{weekLabel(clock, w.week)}</td><td>{w.decisions}</td><td>{minutes(w.endMaeMinutes)}</td><td>{w.meanRegret.toFixed(1)}</td><td>{minutes(w.meanCycleMinutes)}</td><td data-testid="dq-gaps">{w.withHindsightGaps ? `${w.withHindsightGaps} decision(s): ${w.hindsightGapKinds.join(', ')}` : '—'}</td></tr>
                ))}
              </tbody>
            </table>
            {report.skipped.length > 0 && <p className="kpi-note">Not reviewed: {report.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}</p>}
          </div>
          <QualityTrend weeks={report.weeks} clock={clock} />
        </>
      )}
      {decisions.length > 0 && (
        <div className="dq-decisions">
          <table className="small" data-testid="dq-decisions">
            <caption>Decisions: open one to see how good its forecast and choice were</caption>
            <thead>
              <tr>
                <th scope="col">Decision</th>
                <th scope="col">Committed</th>
                <th scope="col">Line</th>
                <th scope="col">Chosen</th>
                <th scope="col">Horizon ends</th>
              </tr>
            </thead>
            <tbody>
              {decisions.map((d) => (
                <tr key={d.id} data-id={d.id} className={open === d.id ? 'selected' : undefined}>
                  <td>
                    <button type="button" aria-expanded={open === d.id} aria-label={`Review decision ${d.id}: ${d.exceptionTitle}`} onClick={() => setOpen(open === d.id ? null : d.id)} data-testid="dq-open-review">
                      {d.id}
                    </button>
                  </td>
                  <td>{fmt(d.committedAt)}</td>
                  <td>{d.lineId}</td>
                  <td>{d.chosen.title}</td>
                  <td>{fmt(d.forkAt + d.horizonHours * 3_600_000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {open && decisions.some((d) => d.id === open) && <DecisionReviewDetail decision={decisions.find((d) => d.id === open)!} onClose={() => setOpen(null)} />}
        </div>
      )}
    </section>
  );
}
