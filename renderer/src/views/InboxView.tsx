/**
 * Inboxes (`#/inbox`): the actions of the person acting at this console (theirs, their role's
 * unassigned ones, and those escalated to their role), or of one whole role for a lead looking
 * over a crew. Cards say what to do, by when (plant time and "in 12 min" / "overdue 5 min"), what
 * must be done first, and carry the next steps as large buttons. Built for a shop-floor tablet
 * (1024×768 and 768×1024): one column of cards when narrow, touch targets of at least 44 px, no
 * sideways scrolling.
 */
import { useId, useMemo, useState } from 'react';
import { roles, type Role } from '../../../shared/commit/records';
import { PersonSelect } from '../decide/PersonSelect';
import { ActionCard } from '../commit/ActionCard';
import { useActingPerson, usePlantNow, useRecords } from '../commit/records-feed';
import { useCardKeys } from '../commit/keys';
import { inboxFor, isClosed, relativeDue, roleInbox } from '../commit/records-state';
import '../decide/decide.css';
import '../commit/commit.css';
import { ErrorText } from '../commit/ErrorText';

export function InboxView() {
  const records = useRecords();
  const person = useActingPerson();
  const now = usePlantNow();
  const [scope, setScope] = useState<'me' | Role>('me');
  const [finished, setFinished] = useState(false);
  const hid = useId();
  useCardKeys();

  const list = useMemo(() => (scope !== 'me' ? roleInbox(records.actions.values(), scope, finished) : person ? inboxFor(records.actions.values(), person, finished) : []), [records.actions, person, scope, finished]);
  const decisionOf = (id: string) => records.decisions.get(id);
  const open = list.filter((a) => !isClosed(a.status));
  const overdue = open.filter((a) => a.overdue || relativeDue(now, a.dueAt).overdue).length;

  return (
    <div className="cm-view inbox-view" data-testid="inbox" data-ready={records.ready}>
      <div className="cm-toolbar">
        <PersonSelect />
        <div className="cm-field">
          <label htmlFor={`${hid}-s`}>Inbox of</label>
          <select id={`${hid}-s`} data-testid="inbox-scope" value={scope} onChange={(e) => setScope(e.target.value as 'me' | Role)}>
            <option value="me">{person ? `me (${person.name}, ${person.role})` : 'me'}</option>
            {roles.map((r) => (
              <option key={r} value={r}>
                role: {r}
              </option>
            ))}
          </select>
        </div>
        <label className="cm-check">
          <input type="checkbox" checked={finished} onChange={(e) => setFinished(e.target.checked)} /> Show finished
        </label>
        <p className="cm-counts" role="status" data-testid="inbox-counts">
          {open.length} open{overdue ? <strong className="cm-late">, {overdue} overdue</strong> : ''}
          {list.length > open.length ? `, ${list.length - open.length} finished or waiting for verification` : ''}
        </p>
      </div>
      {records.error && (
        <ErrorText text={records.error} />
      )}
      {scope === 'me' && !person ? (
        <p className="wb-hint">Sign in to see your actions.</p>
      ) : !records.ready && !records.error ? (
        <p className="muted">Loading actions…</p>
      ) : list.length === 0 ? (
        <p className="wb-hint" data-testid="inbox-empty">
          Nothing to do{scope === 'me' ? ' for you' : ` for ${scope}`} right now. New actions appear here as soon as a decision is dispatched.
        </p>
      ) : (
        <div className="cm-cards" data-testid="inbox-cards">
          {list.map((a) => {
            const d = decisionOf(a.decisionId);
            return <ActionCard key={a.id} a={a} actions={records.actions} person={person} now={now} feed={records.feed} decisionHref={d ? `#/decisions/${encodeURIComponent(d.exceptionId)}` : undefined} />;
          })}
        </div>
      )}
    </div>
  );
}
