/**
 * Settings ▸ Rules ▸ Backtest: the draft in the editor replayed against the recorded journal over a
 * chosen period (the core does it on a worker thread), with progress and Cancel; then what it
 * would have changed: each exception raised or not (and the rule that made it), the decision each
 * rule set would have taken there, and the KPI deltas. The core writes the record to the audit log.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { BacktestDifference, BacktestResult, OutcomeKpis } from '../../../shared/decide/backtest';
import { recordedRulesLines } from '../../../shared/decide/backtest/report';
import { useClient } from '../app/ClientContext';
import { usePlantNow } from '../decide/plant-now';
import { num, signed, typeLabel, usePlantTime } from '../decide/format';

const PERIODS = [
  { id: '8h', label: 'Last 8 hours', hours: 8 },
  { id: '24h', label: 'Last 24 hours', hours: 24 },
  { id: '7d', label: 'Last 7 days', hours: 24 * 7 },
  { id: '30d', label: 'Last 30 days', hours: 24 * 30 },
] as const;

const KIND: Record<BacktestDifference['kind'], string> = {
  extra: 'Raised only by the draft',
  missing: 'Raised only by the active rules',
  priority: 'Other priority',
  suppression: 'Suppressed by one, not detected by the other',
};

function KpiDeltas({ d, testId }: { d: OutcomeKpis; testId?: string }) {
  return (
    <span data-testid={testId}>
      lateness cost {signed(d.latenessCost, 0)}, late orders {signed(d.lateOrders, 0)}, changeover {signed(d.changeoverMinutes, 0)} min, OEE {signed(d.oee * 100)} pt
    </span>
  );
}

export function BacktestPanel({ text, person }: { text: string; person: string }) {
  const client = useClient();
  const now = usePlantNow();
  const fmt = usePlantTime();
  const id = useId();
  const [period, setPeriod] = useState<(typeof PERIODS)[number]['id']>('24h');
  const [progress, setProgress] = useState<{ done: number; total: number; label?: string } | null>(null);
  const [result, setResult] = useState<BacktestResult | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const ac = useRef<AbortController | null>(null);
  useEffect(() => () => ac.current?.abort(), []);

  const run = async () => {
    if (!client || !person) return;
    ac.current?.abort();
    const c = new AbortController();
    ac.current = c;
    setResult(null);
    setNote(null);
    setProgress({ done: 0, total: 1 });
    const hours = PERIODS.find((p) => p.id === period)!.hours;
    const to = Math.floor(now);
    try {
      const r = await client.call('rules.backtest', { text, by: person, file: 'rules.yaml', from: to - hours * 3_600_000, to }, { signal: c.signal, onProgress: (done, total, label) => setProgress({ done, total, ...(label ? { label } : {}) }) });
      setResult(r);
      setNote(`Backtested ${fmt(r.period.from)} – ${fmt(r.period.to)}: ${r.differences.length} difference${r.differences.length === 1 ? '' : 's'}. Recorded in the audit log (results ${r.resultsHash}).`);
    } catch (e) {
      setNote(c.signal.aborted ? 'Backtest cancelled.' : `Backtest failed: ${(e as Error).message}`);
    } finally {
      if (ac.current === c) ac.current = null;
      setProgress(null);
    }
  };
  const running = progress !== null;

  return (
    <section className="wi-risk" aria-labelledby={`${id}-h`} data-testid="backtest-panel">
      <h3 id={`${id}-h`}>Backtest the draft against the recorded journal</h3>
      <div className="wi-row">
        <label htmlFor={`${id}-period`}>Period</label>
        <select id={`${id}-period`} value={period} onChange={(e) => setPeriod(e.target.value as typeof period)} data-testid="backtest-period">
          {PERIODS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <button type="button" data-testid="backtest-run" disabled={!person || running || !text} onClick={() => void run()} title={person ? 'Replay the journal under the draft and the active rules' : 'Choose who you are first'}>
          Run backtest
        </button>
        <button type="button" data-testid="backtest-cancel" disabled={!running} onClick={() => ac.current?.abort()}>
          Cancel
        </button>
        {running && (
          <>
            <progress data-testid="backtest-progress" max={progress.total} value={progress.done} aria-label="Detection passes done" />
            <span role="status">
              {progress.done} / {progress.total} passes{progress.label ? ` · ${progress.label}` : ''}
            </span>
          </>
        )}
      </div>
      {note && (
        <p className="muted" role="status" data-testid="backtest-note">
          {note}
        </p>
      )}
      {result && (
        <div className="wi-table-wrap">
          <p data-testid="backtest-summary">
            Recorded rules {result.recorded.version}: {result.recorded.raised} raised. Draft {result.candidate.version}: {result.candidate.raised} raised. {result.counts.extra} extra, {result.counts.missing} missing, {result.counts.priority} other priority.{' '}
            {result.ruleChanges.length ? `Changes detection sees: ${result.ruleChanges.join('; ')}.` : 'No change exception detection sees.'}
          </p>
          {recordedRulesLines(result, fmt).map((line) => (
            <p key={line} data-testid="backtest-recorded-rules">
              {line}
            </p>
          ))}
          <p>
            KPI effect of the {num(result.decisionsEvaluated, 0)} decisions compared (draft − active): <KpiDeltas d={result.kpiDelta} testId="backtest-kpi" />
            {result.decisionsSkipped ? ` (${result.decisionsSkipped} more not evaluated)` : ''}
          </p>
          {result.differences.length > 0 && (
            <table className="wb-table" data-testid="backtest-differences">
              <caption className="visually-hidden">Differences between the draft and the active rules</caption>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">Until</th>
                  <th scope="col">Exception</th>
                  <th scope="col">Difference</th>
                  <th scope="col">Rule that made it</th>
                  <th scope="col">Decision (active → draft)</th>
                </tr>
              </thead>
              <tbody>
                {result.differences.slice(0, 200).map((d) => (
                  <tr key={d.id}>
                    <td>{fmt(d.from)}</td>
                    <td>{d.until === null ? 'end' : fmt(d.until)}</td>
                    <th scope="row">
                      {typeLabel[d.type]} · {(d.candidate ?? d.recorded)?.title ?? d.key}
                    </th>
                    <td>
                      {KIND[d.kind]}
                      {d.kind === 'priority' ? ` (${d.recorded?.priority} → ${d.candidate?.priority})` : ''}
                    </td>
                    <td>{d.rules.join('; ')}</td>
                    <td>
                      {d.decision ? (
                        <>
                          {d.decision.recorded.option?.title ?? 'plan as is'} → {d.decision.candidate.option?.title ?? 'plan as is'}
                          {d.decision.candidate.approvals.length ? ` (approval: ${d.decision.candidate.approvals.map((a) => a.approver).join(', ')})` : ''}; <KpiDeltas d={d.decision.delta} />
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {result.differences.length > 200 && <p className="muted">{result.differences.length - 200} more: `takt backtest --json` lists them all.</p>}
        </div>
      )}
    </section>
  );
}
