/**
 * One action as a card (inbox, decision receipt): what to do, for whom, due when (plant time and
 * "in 12 min" / "overdue 5 min"), what it waits for, how it is verified, and the buttons for its
 * next steps. A button that cannot be pressed is greyed with the reason in words beside it; the
 * core's answer to a press that fails is shown as it is.
 */
import { memo, useId, useState } from 'react';
import type { ActionRecord } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import { usePlantTime } from '../decide/format';
import { actionStatusLook, kindLabel, StatusBadge } from './record-status';
import { useRules, useRun, type RecordsFeed } from './records-feed';
import { movesFor, notYours, pendingDependencies, relativeDue, type Move, type Person } from './records-state';
import { ErrorText } from './ErrorText';

export interface ActionCardProps {
  a: ActionRecord;
  actions: ReadonlyMap<string, ActionRecord>;
  person: Person | null;
  now: number;
  feed: RecordsFeed | null;
  /** Where the decision that made it is shown. */
  decisionHref?: string;
}

export const ActionCard = memo(function ActionCard({ a, actions, person, now, feed, decisionHref }: ActionCardProps) {
  const client = useClient();
  const fmt = usePlantTime();
  const { busy, error, run } = useRun();
  const [asking, setAsking] = useState<Move | null>(null);
  const [reason, setReason] = useState('');
  const hid = useId();
  const due = relativeDue(now, a.dueAt);
  const finished = a.status === 'done' || a.status === 'verified' || a.status === 'rejected';
  const overdue = !finished && (a.overdue || due.overdue);
  const deps = a.dependsOn.map((id) => actions.get(id) ?? null);
  const waiting = pendingDependencies(a, actions);
  // Someone else's action: no row of greyed buttons, just whose it is.
  const who = notYours(a, person);
  const doerMayVerify = useRules()?.workflows.doerMayVerify ?? false;
  const moves = who ? [] : movesFor(a, person, actions, doerMayVerify);
  const reasons = who && movesFor(a, person, actions, doerMayVerify).length ? [who] : [...new Set(moves.map((m) => m.disabled).filter((x): x is string => !!x))];

  const go = async (m: Move, comment?: string) => {
    if (!client || !person) return;
    const r = await run(`${m.label.replace('…', '')} ${a.id}`, () => client.call('actions.transition', { id: a.id, by: person.id, to: m.to, ...(comment ? { comment } : {}), ...(m.takesOwnership ? { ownerId: person.id } : {}) }));
    if (r) {
      feed?.upsert([{ collection: 'actions', doc: r }]);
      setAsking(null);
      setReason('');
    }
  };

  return (
    <article className={['cm-card', overdue ? 'cm-overdue' : '', finished ? 'cm-finished' : ''].join(' ')} data-testid="action-card" data-card-nav tabIndex={-1} data-id={a.id} data-kind={a.kind} data-status={a.status} aria-labelledby={`${hid}-t`}>
      <header className="cm-card-head">
        <h3 id={`${hid}-t`}>{a.title}</h3>
        <StatusBadge look={actionStatusLook[a.status]} testId="action-status" value={a.status} />
      </header>
      <p className="cm-due">
        <span className={overdue ? 'cm-late' : undefined} data-testid="action-due">
          {finished ? `was due ${fmt(a.dueAt)}` : `due ${fmt(a.dueAt)} · ${overdue && !due.overdue ? 'overdue' : due.text}`}
        </span>
        {a.escalatedTo && <span className="cm-late"> · escalated to {a.escalatedTo}</span>}
      </p>
      <p className="cm-meta">
        {kindLabel[a.kind]} · line {a.lineId}
        {a.orderId ? ` · order ${a.orderId}` : ''} · {a.ownerId ? `${a.ownerName || a.ownerId} (${a.role})` : `${a.role}, nobody on shift`}
        {decisionHref && (
          <>
            {' · '}
            <a href={decisionHref} title={`Decision ${a.decisionId}`}>
              open the decision
            </a>
          </>
        )}
      </p>
      <p className="cm-detail">{a.detail}</p>
      {deps.length > 0 && (
        <p className="cm-deps" data-testid="action-deps">
          After:{' '}
          {deps.map((d, i) => (
            <span key={a.dependsOn[i]} className={d && (d.status === 'done' || d.status === 'verified') ? 'cm-dep-ok' : 'cm-dep-wait'}>
              {i > 0 && ', '}
              {d ? d.title : a.dependsOn[i]} ({d ? actionStatusLook[d.status].label.toLowerCase() : 'unknown'})
            </span>
          ))}
          {waiting.length === 0 && <span className="cm-dep-ok"> — all done</span>}
        </p>
      )}
      <p className="cm-verify muted">Verified by {a.verification.by === 'signal' ? `MES signal: ${a.verification.description}` : `a person: ${a.verification.description}`}</p>
      {a.status === 'blocked' && a.blockedReason && <p className="cm-blocked">Blocked: {a.blockedReason}</p>}
      {moves.length > 0 && (
        <div className="cm-buttons">
          {moves.map((m) => (
            <button
              type="button"
              key={m.id}
              className={m.needsReason ? 'cm-btn' : 'cm-btn cm-btn-main'}
              data-move={m.id}
              disabled={!!m.disabled || busy}
              aria-expanded={m.needsReason ? asking?.id === m.id : undefined}
              onClick={() => (m.needsReason ? setAsking(asking?.id === m.id ? null : m) : void go(m))}
            >
              {m.label}
            </button>
          ))}
        </div>
      )}
      {reasons.length > 0 && (
        <p className="cm-why muted small" data-testid="disabled-reason">
          {reasons.join(' ')}
        </p>
      )}
      {asking && (
        <form
          className="cm-reason"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) void go(asking, reason.trim());
          }}
        >
          <label htmlFor={`${hid}-r`}>{asking.id === 'reject' ? 'Why can it not be done? (required)' : 'Why is it blocked? (required)'}</label>
          <input id={`${hid}-r`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required autoFocus />
          <button type="submit" className="cm-btn cm-btn-main" data-testid="reason-submit" disabled={!reason.trim() || busy}>
            {asking.id === 'reject' ? 'Reject action' : 'Mark blocked'}
          </button>
        </form>
      )}
      {error && (
        <ErrorText text={error} testId="action-error" />
      )}
    </article>
  );
});
