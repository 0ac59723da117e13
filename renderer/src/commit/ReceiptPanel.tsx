/**
 * A committed decision's receipt, live: what it was decided from, the options considered, each
 * required approval (role, due, escalation; approve/reject with a comment for a person of that
 * role), the dispatched actions, the outbox messages (Retry for failed ones), a re-run from the
 * journal position, and the decision's timeline. Everything comes from the shared records feed.
 */
import { useId, useMemo, useState } from 'react';
import type { ApprovalRecord, DecisionReceipt, OutboxRecord, ScenarioCommitInfo } from '../../../shared/commit/records';
import { describeDisruption, describeMove } from '../../../shared/commit/scenario-commit';
import type { MethodResults } from '../../../shared/protocol/api';
import { useClient, useCoreData } from '../app/ClientContext';
import { approvalRefusal } from '../../../shared/commit/permissions';
import { kpiDiff, kpiValue, num, signed, usePlantTime } from '../decide/format';
import { usePeople } from '../decide/people';
import { ActionCard } from './ActionCard';
import { approvalStatusLook, decisionStatusLook, outboxStatusLook, StatusBadge } from './record-status';
import { useRun, type RecordsFeed } from './records-feed';
import { approvalsOf, byDecision, relativeDue, sortActions, type Person, type RecordsState } from './records-state';
import { ErrorText } from './ErrorText';

interface Props {
  d: DecisionReceipt;
  records: RecordsState;
  feed: RecordsFeed | null;
  person: Person | null;
  now: number;
}

export function ReceiptPanel({ d, records, feed, person, now }: Props) {
  const fmt = usePlantTime();
  const hid = useId();
  const people = usePeople();
  const name = useMemo(() => {
    const m = new Map(people.map((p) => [p.id, p.name]));
    return (id: string) => (m.has(id) ? `${m.get(id)} (${id})` : id);
  }, [people]);
  const approvals = approvalsOf(records, d);
  // "Do nothing" (an exception's wait, a scenario's plan as is): the score every option is compared with.
  const baseScore = d.options.find((o) => o.kind === 'wait' || o.kind === 'as-planned')?.score ?? null;
  const actions = sortActions(byDecision(records.actions, d.id));
  const outbox = byDecision(records.outbox, d.id).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));

  return (
    <section className="cm-receipt" aria-labelledby={`${hid}-h`} data-testid="receipt" data-id={d.id} data-status={d.status}>
      <header className="cm-receipt-head">
        <h3 id={`${hid}-h`}>
          Decision <span className="ex-id">{d.id}</span>: {d.chosen.title}
        </h3>
        <StatusBadge look={decisionStatusLook[d.status]} testId="decision-status" value={d.status} />
      </header>
      <dl className="facts cm-facts">
        {d.exceptionId && (
          <>
            <dt>For exception</dt>
            <dd>
              <a href={`#/exceptions/${encodeURIComponent(d.exceptionId)}`} data-testid="receipt-exception">
                {d.exceptionId}: {d.exceptionTitle}
              </a>
            </dd>
          </>
        )}
        <dt>Committed</dt>
        <dd>
          {fmt(d.committedAt)} by {name(d.committedBy)}, {d.committedRole}
          {d.comment ? ` — “${d.comment}”` : ''}
        </dd>
        <dt>Decided from</dt>
        <dd>
          journal position {d.journalPosition}, fork at {fmt(d.forkAt)}, {d.horizonHours} h horizon, seed {d.seed}
        </dd>
        <dt>Rules · plant</dt>
        <dd>
          rule set {d.ruleSetVersion} <span className="ex-id">{d.ruleSetHash.slice(0, 12)}</span> · plant {d.plantVersion}
        </dd>
        <dt>Receipt hash</dt>
        <dd>
          <span className="ex-id" title={d.hash}>
            #{d.seq} {d.hash.slice(0, 16)}…
          </span>{' '}
          <span className="muted small">(after {d.prevHash.slice(0, 8)}…)</span>
        </dd>
      </dl>
      {d.replayInput?.scenario && <ScenarioFacts s={d.replayInput.scenario} />}
      <details className="cm-considered">
        <summary>{d.options.length} options considered</summary>
        <table className="cm-table">
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Option</th>
              <th scope="col" className="num">
                Score <span className="muted">(cost, lower is better)</span>
              </th>
              <th scope="col" className="num">
                vs do nothing
              </th>
              <th scope="col">Feasible</th>
            </tr>
          </thead>
          <tbody>
            {d.options.map((o) => (
              <tr key={o.id} className={o.id === d.chosenOptionId ? 'cm-chosen' : undefined}>
                <td className="num">{o.rank ?? '—'}</td>
                <td>
                  {o.title}
                  {o.id === d.chosenOptionId && <strong> — chosen</strong>}
                </td>
                <td className="num">{o.score === null ? '—' : num(o.score, 0)}</td>
                <td className="num">{o.score === null || baseScore === null ? '—' : signed(o.score - baseScore, 0)}</td>
                <td>{o.feasible ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>

      <h4>Approvals</h4>
      {approvals.length === 0 ? (
        <p className="muted">None needed{d.approvalIds.length ? ' (loading…)' : ''}.</p>
      ) : (
        <ul className="cm-approvals">
          {approvals.map((a) => (
            <ApprovalItem key={a.id} a={a} d={d} person={person} now={now} feed={feed} name={name} />
          ))}
        </ul>
      )}

      <h4>Actions</h4>
      {actions.length === 0 ? (
        <p className="muted" data-testid="no-actions">
          {d.status === 'pending-approval' ? 'Dispatched once approved.' : d.status === 'rejected' ? 'Rejected: nothing was dispatched.' : 'No actions.'}
        </p>
      ) : (
        <div className="cm-cards cm-cards-wide">
          {actions.map((a) => (
            <ActionCard key={a.id} a={a} actions={records.actions} person={person} now={now} feed={feed} />
          ))}
        </div>
      )}

      <h4>Write-back (outbox)</h4>
      {outbox.length === 0 ? <p className="muted">No messages{d.status === 'pending-approval' ? ' until approved' : ''}.</p> : <OutboxTable items={outbox} person={person} feed={feed} />}

      <Replay id={d.id} />
      <Timeline d={d} records={records} name={name} />
    </section>
  );
}

/** A scenario decision: what was committed (moves, assumptions) and its KPIs against the plan as is. */
function ScenarioFacts({ s }: { s: ScenarioCommitInfo }) {
  const fmt = usePlantTime();
  return (
    <div data-testid="receipt-scenario">
      <dl className="facts cm-facts">
        <dt>Scenario</dt>
        <dd>
          “{s.name}”, saved {fmt(s.savedAt)}
          {s.savedBy ? ` by ${s.savedBy}` : ''}
          {s.savedAtPosition !== undefined ? ` at journal position ${s.savedAtPosition}` : ''}
        </dd>
        <dt>Changes</dt>
        <dd>{s.scenario.moves.map(describeMove).join('; ')}</dd>
        {s.scenario.disruptions.length > 0 && (
          <>
            <dt>Assumes</dt>
            <dd>{s.scenario.disruptions.map(describeDisruption).join('; ')}</dd>
          </>
        )}
      </dl>
      <table className="cm-table cm-scenario-kpis" data-testid="receipt-scenario-kpis">
        <caption className="visually-hidden">KPIs of the scenario against the plan as is</caption>
        <thead>
          <tr>
            <th scope="col">KPI</th>
            {s.comparison.scenarios.map((n) => (
              <th scope="col" className="num" key={n}>
                {n}
              </th>
            ))}
            <th scope="col" className="num">
              Δ
            </th>
          </tr>
        </thead>
        <tbody>
          {s.comparison.rows.map((r) => (
            <tr key={r.kpi}>
              <th scope="row">
                {r.label}
                {r.unit ? <span className="muted"> ({r.unit})</span> : null}
              </th>
              {r.values.map((v, i) => (
                <td className="num" key={i}>
                  {kpiValue(r.kpi, v)}
                </td>
              ))}
              <td className="num">{r.deltas[1] === null || r.deltas[1] === undefined ? '—' : kpiDiff(r.kpi, r.deltas[1])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ApprovalItem({ a, d, person, now, feed, name }: { a: ApprovalRecord; d: DecisionReceipt; person: Person | null; now: number; feed: RecordsFeed | null; name(id: string): string }) {
  const client = useClient();
  const fmt = usePlantTime();
  const hid = useId();
  const { busy, error, run } = useRun();
  const [comment, setComment] = useState('');
  const open = a.status === 'pending' || a.status === 'escalated';
  const due = relativeDue(now, a.dueAt);
  const plant = useCoreData().plant;
  const why = !person
    ? 'Sign in to approve or reject.'
    : person.role !== a.role
      ? `Needs a ${a.role}; you are ${person.name} (${person.role}).`
      : plant
        ? approvalRefusal(plant, person, a, d)
        : null;

  const decide = async (verdict: 'approve' | 'reject') => {
    if (!client || !person || !comment.trim()) return;
    const r = await run(verdict === 'approve' ? 'Approve' : 'Reject', () => client.call('approvals.decide', { id: a.id, by: person.id, verdict, comment: comment.trim() }));
    if (r) {
      feed?.upsert([
        { collection: 'approvals', doc: r.approval },
        { collection: 'decisions', doc: r.decision },
      ]);
      setComment('');
    }
  };

  return (
    <li className="cm-approval" data-testid="approval" data-id={a.id} data-status={a.status} data-role={a.role}>
      <div className="cm-approval-line">
        <StatusBadge look={approvalStatusLook[a.status]} />
        <strong>{a.role}</strong>
        <span>{a.reason}</span>
        {open ? (
          <span className={due.overdue ? 'cm-late' : 'muted'}>
            due {fmt(a.dueAt)} ({due.text}), then escalates to {a.escalateTo}
            {a.level > 0 ? ` · escalation level ${a.level}` : ''}
          </span>
        ) : (
          <span className="muted">
            {a.decidedBy ? `by ${name(a.decidedBy)}` : ''} {a.decidedAt ? fmt(a.decidedAt) : ''}
            {a.comment ? ` — “${a.comment}”` : ''}
          </span>
        )}
      </div>
      {open && (
        <form
          className="cm-approve-form"
          onSubmit={(e) => {
            e.preventDefault();
            void decide('approve');
          }}
        >
          <label htmlFor={`${hid}-c`}>Comment (required)</label>
          <input id={`${hid}-c`} data-testid="approval-comment" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} disabled={!!why} />
          <button type="submit" className="cm-btn cm-btn-main" data-testid="approve" disabled={!!why || busy || !comment.trim()}>
            Approve
          </button>
          <button type="button" className="cm-btn" data-testid="reject" disabled={!!why || busy || !comment.trim()} onClick={() => void decide('reject')}>
            Reject
          </button>
          {why && <span className="muted small">{why}</span>}
        </form>
      )}
      {error && (
        <ErrorText text={error} testId="approval-error" />
      )}
    </li>
  );
}

function OutboxTable({ items, person, feed }: { items: OutboxRecord[]; person: Person | null; feed: RecordsFeed | null }) {
  const client = useClient();
  const { busy, error, run } = useRun();
  const retry = async (o: OutboxRecord) => {
    if (!client || !person) return;
    const r = await run(`Retry ${o.id}`, () => client.call('outbox.retry', { id: o.id, by: person.id }));
    if (r) feed?.upsert([{ collection: 'outbox', doc: r }]);
  };
  return (
    <>
      <table className="cm-table" data-testid="outbox-table">
        <thead>
          <tr>
            <th scope="col">To</th>
            <th scope="col">Message</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Last error / next try</th>
            <th scope="col">
              <span className="visually-hidden">Retry</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id} data-testid="outbox-row" data-status={o.status}>
              <td>{o.target.toUpperCase()}</td>
              <td>
                {o.kind} <span className="ex-id">{o.idempotencyKey}</span>
              </td>
              <td>
                <StatusBadge look={outboxStatusLook[o.status]} />
              </td>
              <td className="num">{o.attempts}</td>
              <td>
                {o.lastError && <span className={o.status === 'failed' ? 'ex-error-text' : undefined}>{o.lastError}</span>}
                {o.status === 'pending' && o.attempts > 0 && <span className="muted small"> next try {nextTry(o.nextAttemptAt)}</span>}
              </td>
              <td>
                {o.status === 'failed' && (
                  <button type="button" className="cm-btn" disabled={busy || !person} title={person ? undefined : 'Choose who you are first'} onClick={() => void retry(o)}>
                    Retry
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <ErrorText text={error} />
      )}
    </>
  );
}

/** Retries are paced in real time (the core's backoff), not plant time. */
function nextTry(at: number): string {
  const s = Math.round((at - Date.now()) / 1000);
  return s <= 0 ? 'now' : s < 120 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
}

function Replay({ id }: { id: string }) {
  const client = useClient();
  const { busy, error, run } = useRun();
  const [res, setRes] = useState<MethodResults['decisions.replay'] | null>(null);
  return (
    <div className="cm-replay">
      <button
        type="button"
        className="cm-btn"
        data-testid="replay"
        disabled={!client || busy}
        onClick={() => {
          setRes(null);
          // run() shows a failure beside the button and resolves to undefined: it never rejects.
          void run('Re-run', () => client!.call('decisions.replay', { id })).then((r) => r && setRes(r));
        }}
      >
        Re-run from journal position
      </button>
      <span role="status" data-testid="replay-result" data-same={res ? String(res.same) : undefined}>
        {busy && 'Re-running the decision on its journal position with its rule set…'}
        {res && (res.same ? <strong>Same ranking: the decision reproduces.</strong> : <strong className="ex-error-text">Different ranking: {res.differences.length} differences.</strong>)}
      </span>
      {res && !res.same && (
        <ul className="explain">
          {res.differences.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      )}
      {error && (
        <ErrorText text={error} />
      )}
    </div>
  );
}

/** The decision's story in plant time, from its records: commit, approvals, action steps, write-back. */
function Timeline({ d, records, name }: { d: DecisionReceipt; records: RecordsState; name(id: string): string }) {
  const fmt = usePlantTime();
  const events: { at: number; text: string }[] = [{ at: d.committedAt, text: `committed by ${name(d.committedBy)} (${d.committedRole})` }];
  for (const a of byDecision(records.approvals, d.id)) {
    events.push({ at: a.requestedAt, text: `approval by ${a.role} requested: ${a.reason}` });
    if (a.decidedAt) events.push({ at: a.decidedAt, text: `${a.status} by ${a.decidedBy ? name(a.decidedBy) : a.role}${a.comment ? `: “${a.comment}”` : ''}` });
  }
  for (const a of byDecision(records.actions, d.id))
    for (const [i, h] of a.history.entries()) {
      // "new → created" followed at once by "created → assigned (owner on shift)" is one event to a reader.
      if (h.from === null && a.history[i + 1]?.at === h.at) continue;
      events.push({ at: h.at, text: `${a.title}: ${h.from ?? 'new'} → ${h.to} (${h.by.startsWith('signal:') ? `MES ${h.by}` : h.by === 'takt' ? 'Takt' : name(h.by)})${h.comment ? ` — ${h.comment}` : ''}` });
    }
  const outbox = new Map(byDecision(records.outbox, d.id).map((o) => [o.id, o]));
  for (const o of outbox.values()) events.push({ at: o.createdAt, text: `${o.target.toUpperCase()} ${o.kind} queued` });
  // Write-back results from the audit chain: its times are plant time like the rest (an outbox
  // record's ackedAt is the target system's clock).
  for (const e of records.audit.values()) {
    const o = e.kind.startsWith('outbox.') ? outbox.get(e.subjectId) : undefined;
    if (!o) continue;
    const what = e.kind === 'outbox.acked' ? `acknowledged${e.payload.reference ? ` (${String(e.payload.reference)})` : ''}` : e.kind === 'outbox.failed' ? `failed: ${String(e.payload.error ?? '')}` : e.kind.slice(7);
    events.push({ at: e.at, text: `${o.target.toUpperCase()} ${o.kind} ${what}${e.payload.attempts ? ` after ${String(e.payload.attempts)} attempt(s)` : ''}` });
  }
  events.sort((a, b) => a.at - b.at);
  return (
    <details className="cm-timeline" data-testid="decision-timeline" open>
      <summary>Timeline ({events.length} events)</summary>
      <ol className="history">
        {events.map((e, i) => (
          <li key={i}>
            <time>{fmt(e.at)}</time>
            <span>{e.text}</span>
          </li>
        ))}
      </ol>
    </details>
  );
}
