/**
 * "Commit scenario" in the What-if view's comparison: the person acting at this console commits a
 * compared scenario as a decision. The scenario is saved in the core first (`whatIf.save`, so
 * what is committed is what the planner sees), then `decisions.commit` with `kind: 'scenario'`:
 * the core re-simulates it against the plan as is at the current journal position and answers
 * with the receipt and the approvals its escalation rules ask for. The receipt is then shown
 * live from the records feed (approval state, actions, write-back), with approve/reject for a
 * person of the approval's role. A scenario committed earlier shows its latest decision's status.
 */
import { useId, useMemo, useState } from 'react';
import type { Scenario } from '../../../shared/sim/scenario';
import type { DecisionReceipt } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import { decisionStatusLook, StatusBadge } from './record-status';
import { useActingPerson, usePlantNow, useRecords, useRun } from './records-feed';
import { ReceiptPanel } from './ReceiptPanel';
import { ErrorText } from './ErrorText';
import { PersonSelect } from '../decide/PersonSelect';
import './commit.css';

export interface CommitCandidate {
  scenario: Scenario;
  /** The YAML the planner edited (saved with it). */
  text: string;
}

export function ScenarioCommit({ candidates }: { candidates: readonly CommitCandidate[] }) {
  const client = useClient();
  const person = useActingPerson();
  const records = useRecords();
  const now = usePlantNow();
  const { busy, error, run } = useRun();
  const [shown, setShown] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const hid = useId();

  // The latest decision of each compared scenario, from the live records.
  const latest = useMemo(() => {
    const m = new Map<string, DecisionReceipt>();
    for (const d of records.decisions.values()) {
      const name = d.replayInput?.scenario?.name;
      if (name === undefined) continue;
      const cur = m.get(name);
      if (!cur || d.seq > cur.seq) m.set(name, d);
    }
    return m;
  }, [records.decisions]);

  const commit = async (c: CommitCandidate) => {
    if (!client || !person) return;
    const r = await run(`Committing “${c.scenario.name}” failed`, async () => {
      await client.call('whatIf.save', { scenario: c.scenario, text: c.text, by: person.id });
      return client.call('decisions.commit', { kind: 'scenario', scenarioId: c.scenario.name, by: person.id, ...(comment.trim() ? { comment: comment.trim() } : {}) });
    });
    if (!r) return;
    records.feed?.upsert([{ collection: 'decisions', doc: r.decision }, ...r.approvals.map((doc) => ({ collection: 'approvals' as const, doc })), ...r.actions.map((doc) => ({ collection: 'actions' as const, doc }))]);
    setShown(r.decision.id);
    setComment('');
  };

  const receipt = shown ? records.decisions.get(shown) : undefined;
  const why = !person ? 'Sign in to commit a scenario.' : null;

  return (
    <section className="cm-scenario-commit" aria-labelledby={`${hid}-h`} data-testid="scenario-commit">
      <h3 id={`${hid}-h`}>Commit a scenario</h3>
      <PersonSelect />
      <p className="muted small">
        {person ? (
          <>
            Signed in as <strong>{person.name}</strong> ({person.role}). The core re-simulates the scenario on the live twin and asks for the approvals its rules need.
          </>
        ) : (
          why
        )}
      </p>
      <div className="cm-field">
        <label htmlFor={`${hid}-c`}>Comment (optional)</label>
        <input id={`${hid}-c`} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} size={40} data-testid="scenario-commit-comment" />
      </div>
      <ul className="cm-scenario-list">
        {candidates.map((c) => {
          const d = latest.get(c.scenario.name);
          return (
            <li key={c.scenario.name}>
              <button
                type="button"
                className="cm-btn cm-btn-main"
                data-testid="commit-scenario"
                data-name={c.scenario.name}
                disabled={!person || busy || c.scenario.moves.length === 0}
                title={c.scenario.moves.length === 0 ? 'This scenario has no moves: it changes no plan.' : (why ?? undefined)}
                onClick={() => void commit(c)}
              >
                Commit scenario “{c.scenario.name}”
              </button>
              {d && (
                <>
                  {' '}
                  <StatusBadge look={decisionStatusLook[d.status]} testId="scenario-decision-status" value={d.status} />{' '}
                  <button type="button" className="cm-btn" onClick={() => setShown(d.id)} aria-pressed={shown === d.id}>
                    Receipt <span className="ex-id">{d.id.slice(0, 12)}…</span>
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      {busy && <p className="muted">Committing…</p>}
      {error && <ErrorText text={error} testId="scenario-commit-error" />}
      {receipt && <ReceiptPanel d={receipt} records={records} feed={records.feed} person={person} now={now} />}
    </section>
  );
}
