/**
 * One decision's review (`decisions.review`), opened from the Decision quality panel: what its
 * receipt forecast against what the journal recorded (orders finished, cost, the line's actual
 * ISO 22400 KPIs), the error of each projected order end and their mean, the regret and the
 * alternative it is measured against, and what the hindsight could not check. Until the
 * decision's horizon has passed it says until when the review waits. The core keeps a review once
 * made, so opening it again costs nothing.
 */
import { useEffect, useState } from 'react';
import type { DecisionReceipt } from '../../../shared/commit/records';
import type { DecisionReview } from '../../../shared/decide/review';
import { RemoteError } from '../../../shared/protocol/client';
import { useClient } from '../app/ClientContext';
import { usePlantTime } from '../decide/format';

const HOUR = 3_600_000;
const minutes = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} min`);
const cost = (v: number) => v.toFixed(1);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

type State = { kind: 'loading' } | { kind: 'pending'; until: number } | { kind: 'failed'; message: string } | { kind: 'reviewed'; review: DecisionReview };

export function DecisionReviewDetail({ decision: d, onClose }: { decision: DecisionReceipt; onClose: () => void }) {
  const client = useClient();
  const fmt = usePlantTime();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const until = d.forkAt + d.horizonHours * HOUR;

  useEffect(() => {
    if (!client) return;
    let live = true;
    setState({ kind: 'loading' });
    client.call('decisions.review', { id: d.id }).then(
      (review) => live && setState({ kind: 'reviewed', review }),
      (e: Error) => {
        if (!live) return;
        // The core refuses a review before the horizon has passed (conflict): it is pending, not broken.
        if (e instanceof RemoteError && e.code === 'conflict' && /horizon/.test(e.message)) setState({ kind: 'pending', until });
        else setState({ kind: 'failed', message: e.message });
      },
    );
    return () => {
      live = false;
    };
  }, [client, d.id, until]);

  const title = `Review of decision ${d.id}`;
  return (
    <section className="dq-review" role="region" aria-label={title} data-testid="decision-review" data-id={d.id}>
      <div className="kpi-head">
        <h3>
          {title}: {d.exceptionTitle}
        </h3>
        <button type="button" onClick={onClose} aria-label={`Close the review of decision ${d.id}`} data-testid="decision-review-close">
          Close
        </button>
      </div>
      <p className="small muted">
        Committed {fmt(d.committedAt)} by {d.committedBy} on line {d.lineId}; chosen: {d.chosen.title}; horizon {d.horizonHours} h, from {fmt(d.forkAt)} to {fmt(until)}; rules {d.ruleSetVersion}.
      </p>
      {state.kind === 'loading' && <p className="muted">re-simulating the options with what happened…</p>}
      {state.kind === 'failed' && (
        <p className="late" role="alert">
          could not review decision {d.id}: {state.message}
        </p>
      )}
      {state.kind === 'pending' && (
        <p className="kpi-note" data-testid="decision-review-pending">
          Pending until {fmt(state.until)}: the decision is judged once the period it forecast is over (its horizon of {d.horizonHours} h).
        </p>
      )}
      {state.kind === 'reviewed' && <ReviewBody d={d} r={state.review} fmt={fmt} />}
    </section>
  );
}

function ReviewBody({ d, r, fmt }: { d: DecisionReceipt; r: DecisionReview; fmt: (t: number) => string }) {
  const forecastDone = r.endErrors.length + r.missedEnds.length;
  const actualDone = r.endErrors.length + r.unforeseenEnds.length;
  const k = d.chosen.kpis;
  const iso = r.actual?.iso;
  const chosenBest = r.best.id === d.chosenOptionId;
  return (
    <>
      <div className="kpi-grid">
        <div className="kpi-card">
          <div className="kpi-name">Forecast error (MAE of projected ends)</div>
          <div className="kpi-value" data-testid="review-mae">
            {minutes(r.endMaeMinutes)}
          </div>
          <div className="kpi-sub">{r.endErrors.length} order(s) ended in both forecast and journal</div>
        </div>
        <div className="kpi-card">
          <div className="kpi-name">Regret</div>
          <div className="kpi-value" data-testid="review-regret">
            {cost(r.regret)}
          </div>
          <div className="kpi-sub" data-testid="review-best">
            {chosenBest ? `the chosen option was the best in hindsight (${r.best.title})` : `against ${r.best.title} (cost ${cost(r.best.cost)} in hindsight)`}
          </div>
        </div>
        <div className="kpi-card">
          <div className="kpi-name">Decision cycle time</div>
          <div className="kpi-value" data-testid="review-cycle">
            {minutes(r.cycleMinutes)}
          </div>
          <div className="kpi-sub">raise → commit</div>
        </div>
      </div>
      <table className="small" data-testid="review-kpis">
        <caption className="visually-hidden">Forecast at commit against what happened, decision {d.id}</caption>
        <thead>
          <tr>
            <th scope="col">Over the horizon</th>
            <th scope="col">Forecast at commit</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          <tr data-kpi="orders">
            <th scope="row">Orders finished</th>
            <td>{forecastDone}</td>
            <td>{actualDone} (journal)</td>
          </tr>
          <tr data-kpi="cost">
            <th scope="row">Cost of the chosen plan (rule-set units)</th>
            <td>{cost(r.forecastCost)}</td>
            <td>{cost(r.hindsightCost)} (re-simulated with the breakdowns and arrivals recorded)</td>
          </tr>
          {k && (
            <tr data-kpi="utilisation">
              <th scope="row">Utilisation · OEE</th>
              <td>{pct(k.utilisation)} utilisation, all lines (forecast runs at rated speed without scrap)</td>
              <td>{iso ? `${pct(iso.oee.value)} OEE, line ${r.actual!.lineIds.join(', ')} (availability ${pct(iso.availability.value)}, effectiveness ${pct(iso.effectiveness.value)}, quality ${pct(iso.qualityRatio.value)})` : '—'}</td>
            </tr>
          )}
          {k && (
            <tr data-kpi="late">
              <th scope="row">Late orders · changeover</th>
              <td>
                {k.lateOrders} late, {Math.round(k.changeoverMinutes)} min changeover
              </td>
              <td>{iso ? `setup rate ${pct(iso.setupRate.value)} on the line` : '—'}</td>
            </tr>
          )}
        </tbody>
      </table>
      {r.endErrors.length > 0 && (
        <table className="small" data-testid="review-order-errors">
          <caption>Projected against actual order ends</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Projected end</th>
              <th scope="col">Actual end</th>
              <th scope="col">Error (actual − projected)</th>
            </tr>
          </thead>
          <tbody>
            {r.endErrors.map((e) => (
              <tr key={e.orderId} data-order={e.orderId}>
                <td>{e.orderId}</td>
                <td>{fmt(e.projectedEnd)}</td>
                <td>{fmt(e.actualEnd)}</td>
                <td data-testid="review-order-error">{`${e.errorMinutes > 0 ? '+' : ''}${e.errorMinutes.toFixed(1)} min`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(r.missedEnds.length > 0 || r.unforeseenEnds.length > 0) && (
        <p className="small" data-testid="review-missed">
          {r.missedEnds.length > 0 && `Forecast to finish but did not: ${r.missedEnds.join(', ')}. `}
          {r.unforeseenEnds.length > 0 && `Finished though not forecast to: ${r.unforeseenEnds.join(', ')}.`}
        </p>
      )}
      {r.hindsightGaps && r.hindsightGaps.length > 0 && (
        <div data-testid="review-gaps">
          <p className="small">What the hindsight could not check (the regret does not account for it):</p>
          <ul className="small">
            {r.hindsightGaps.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
