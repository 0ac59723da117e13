/**
 * The optimizing re-plan's own account, under its option in the decision workbench and under an
 * optimized what-if: the objective term by term against the plan as is, and each moved order
 * with why (due date, tier, changeover saved, material, line down). Calm and grey like the rest
 * of the console: only a term that got worse is marked.
 */
import type { ReplanDetails } from '../../../shared/schedule/replan-types';

const n = (x: number, d = 1) => (Math.round(x * 10 ** d) / 10 ** d).toLocaleString('en-GB');

export function ReplanDetail({ d }: { d: ReplanDetails }) {
  return (
    <div className="replan-detail" data-testid="replan-detail">
      <h4>Re-plan: objective against the plan as is</h4>
      <p className="muted small">
        {d.orders} orders searched for {d.elapsedMs} ms ({d.iterations} iterations, stopped: {d.stoppedBy}); {d.moved.length} moved{d.maxMoved !== undefined ? ` (at most ${d.maxMoved})` : ''}. The full forecast above ranks it; these are the search’s own numbers.
      </p>
      <table className="wb-table replan-objective" data-testid="replan-objective">
        <thead>
          <tr>
            <th scope="col">Term</th>
            <th scope="col" className="num">As is</th>
            <th scope="col" className="num">Re-plan</th>
            <th scope="col" className="num">Cost as is</th>
            <th scope="col" className="num">Cost re-plan</th>
          </tr>
        </thead>
        <tbody>
          {d.objective.map((t) => (
            <tr key={t.term} className={t.term === 'total' ? 'replan-total' : ''}>
              <th scope="row">{t.label}</th>
              <td className="num">{n(t.before)}</td>
              <td className="num">{n(t.after)}</td>
              <td className="num">{n(t.costBefore, 0)}</td>
              <td className={`num${t.costAfter > t.costBefore + 1e-6 && t.term !== 'churn' ? ' d-bad' : ''}`}>{n(t.costAfter, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Why each order moved</h4>
      {d.moved.length === 0 ? (
        <p className="muted">No order moved: the plan as is is the best the search found.</p>
      ) : (
        <ul className="explain replan-moved" data-testid="replan-moved">
          {d.moved.map((m) => (
            <li key={m.orderId} data-order={m.orderId}>
              <strong>{m.orderId}</strong> {m.fromLine ?? 'no line'}
              {m.fromPosition !== null ? ` #${m.fromPosition + 1}` : ''} → {m.toLine} #{m.toPosition + 1}
              {m.lateBefore !== m.lateAfter && <span className="muted"> · late {n(m.lateBefore / 60)} h → {n(m.lateAfter / 60)} h</span>}
              <ul>
                {m.reasons.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
