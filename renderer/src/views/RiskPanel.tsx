/**
 * What-if's risk mode: a scenario replicated with seeded breakdowns, with progress and Cancel, and
 * each order's on-time probability, least likely first.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { RiskResult, Scenario } from '../../../shared/sim/scenario';
import { useClient } from '../app/ClientContext';
import { num } from '../decide/format';

export function RiskPanel({ scenario }: { scenario: Scenario | null }) {
  const client = useClient();
  const [n, setN] = useState(200);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<RiskResult | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const ac = useRef<AbortController | null>(null);
  const id = useId();
  useEffect(() => () => ac.current?.abort(), []);
  const start = async () => {
    if (!client || !scenario) return;
    ac.current?.abort();
    const c = new AbortController();
    ac.current = c;
    setResult(null);
    setNote(null);
    setProgress({ done: 0, total: n });
    const t0 = performance.now();
    try {
      const r = await client.call('whatIf.risk', { scenario, replications: n, seed: scenario.seed ?? 1 }, { signal: c.signal, onProgress: (done, total) => setProgress({ done, total }) });
      setResult(r);
      const ms = performance.now() - t0;
      setNote(`${r.replications} replications with seeded breakdowns in ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}.`);
    } catch (e) {
      setNote(c.signal.aborted ? 'Risk run cancelled.' : `Risk run failed: ${(e as Error).message}`);
    } finally {
      if (ac.current === c) ac.current = null;
      setProgress(null);
    }
  };
  const running = progress !== null;
  const atRisk = result ? [...result.orders].sort((a, b) => a.onTimeProbability - b.onTimeProbability || a.id.localeCompare(b.id)) : [];
  return (
    <section className="wi-risk" aria-labelledby={`${id}-h`} data-testid="risk-panel">
      <h3 id={`${id}-h`}>Risk mode</h3>
      <div className="wi-row">
        <label htmlFor={`${id}-n`}>Replications</label>
        <input id={`${id}-n`} type="number" min={1} max={5000} value={n} onChange={(e) => setN(Math.max(1, Math.min(5000, Number(e.target.value) || 1)))} size={5} data-testid="risk-n" />
        <button type="button" data-testid="risk-run" disabled={!scenario || running} onClick={() => void start()}>
          Run risk
        </button>
        <button type="button" data-testid="risk-cancel" disabled={!running} onClick={() => ac.current?.abort()}>
          Cancel
        </button>
        {running && (
          <>
            <progress data-testid="risk-progress" max={progress.total} value={progress.done} aria-label="Replications done" />
            <span role="status">
              {progress.done} / {progress.total}
            </span>
          </>
        )}
      </div>
      {note && (
        <p className="muted" data-testid="risk-note" role="status">
          {note}
        </p>
      )}
      {result && (
        <div className="wi-table-wrap wi-risk-table">
          <p>
            Late orders mean {num(result.kpis.lateOrders.mean)} (p90 {num(result.kpis.lateOrders.p90)}), cost mean {num(result.kpis.cost.mean, 0)} (p90 {num(result.kpis.cost.p90, 0)}). {atRisk.filter((o) => o.onTimeProbability < 0.95).length} of{' '}
            {atRisk.length} orders below 95 % on time.
          </p>
          <table className="wb-table" data-testid="risk-table">
            <caption className="visually-hidden">On-time probability per order, least likely first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col" className="num">
                  On time
                </th>
                <th scope="col">
                  <span className="visually-hidden">Bar</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {atRisk.slice(0, 40).map((o) => (
                <tr key={o.id}>
                  <th scope="row">{o.id}</th>
                  <td className="num">{Math.round(o.onTimeProbability * 100)} %</td>
                  <td>
                    <span className="prob-bar" aria-hidden="true">
                      <span style={{ width: `${o.onTimeProbability * 100}%` }} />
                    </span>
                    {o.onTimeProbability < 0.8 && <span className="late"> ▲ at risk</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
