/**
 * Exceptions, as an ISA-18.2 alarm summary: open exceptions sorted by priority then time, the
 * lifecycle state in words and shape (unacknowledged rows carry a bold marker, no blinking), the
 * flood rate, filters, and the operator actions (acknowledge — also `a` —, shelve with a duration
 * and reason, comment, out of service) recorded with the signed-in person.
 * Enter (or "Open") goes to the decision workbench for the selected exception.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ExceptionPriority, ExceptionRecord, ExceptionState, ExceptionType } from '../../../shared/decide/exceptions';
import { useClient, useCoreData } from '../app/ClientContext';
import { personName } from '../../../shared/commit/permissions';
import { ExceptionStateBadge, PriorityBadge } from '../decide/exception-status';
import { isUnacknowledged, minutesAgo, priorityLabel, stateLabel, typeLabel, usePlantTime } from '../decide/format';
import { useCurrentPerson } from '../decide/people';
import { useExceptions } from '../decide/exceptions-feed';
import { usePlantNow } from '../decide/plant-now';
import { PersonSelect } from '../decide/PersonSelect';
import { useRecords } from '../commit/records-feed';
import { decisionProgress, progressText, type DecisionProgress } from '../commit/records-state';
import { decisionStatusLook, StatusBadge } from '../commit/record-status';
import type { RecordsState } from '../commit/records-state';
import '../decide/decide.css';

type StateFilter = 'all' | 'unack' | ExceptionState;

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

const hashSelection = (): string | null => decodeURIComponent(location.hash.replace(/^#\/?exceptions\/?/, '').split(/[/?]/)[0] ?? '') || null;

export function openWorkbench(id: string) {
  location.hash = `#/decisions/${encodeURIComponent(id)}`;
}

export function ExceptionsView() {
  const { ready, list, flood, error } = useExceptions();
  const now = usePlantNow();
  const fmt = usePlantTime();
  const [stateF, setStateF] = useState<StateFilter>('all');
  const [typeF, setTypeF] = useState<ExceptionType | 'all'>('all');
  const [prioF, setPrioF] = useState<ExceptionPriority | 'all'>('all');
  // `#/exceptions/<id>` (a receipt's link back) selects that exception.
  const [selected, setSelected] = useState<string | null>(hashSelection);
  useEffect(() => {
    const on = () => {
      const id = hashSelection();
      if (id) setSelected(id);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const records = useRecords();
  const ids = { state: useId(), type: useId(), prio: useId() };

  const shown = useMemo(
    () =>
      list.filter(
        (r) =>
          (stateF === 'all' ? true : stateF === 'unack' ? isUnacknowledged(r.state) : r.state === stateF) &&
          (typeF === 'all' || r.type === typeF) &&
          (prioF === 'all' || r.priority === prioF),
      ),
    [list, stateF, typeF, prioF],
  );
  const current = shown.find((r) => r.id === selected) ?? null;
  const unack = list.filter((r) => isUnacknowledged(r.state)).length;

  return (
    <div className="ex-view" data-testid="exceptions-view">
      <div className="ex-toolbar">
        <PersonSelect />
        <div className="ex-filters" role="group" aria-label="Filters">
          <label htmlFor={ids.state}>State</label>
          <select id={ids.state} value={stateF} onChange={(e) => setStateF(e.target.value as StateFilter)}>
            <option value="all">All open</option>
            <option value="unack">Unacknowledged</option>
            {(Object.keys(stateLabel) as ExceptionState[])
              .filter((s) => s !== 'closed')
              .map((s) => (
                <option key={s} value={s}>
                  {stateLabel[s]}
                </option>
              ))}
          </select>
          <label htmlFor={ids.type}>Type</label>
          <select id={ids.type} value={typeF} onChange={(e) => setTypeF(e.target.value as ExceptionType | 'all')}>
            <option value="all">All types</option>
            {(Object.keys(typeLabel) as ExceptionType[]).map((t) => (
              <option key={t} value={t}>
                {typeLabel[t]}
              </option>
            ))}
          </select>
          <label htmlFor={ids.prio}>Priority</label>
          <select id={ids.prio} value={prioF} onChange={(e) => setPrioF(e.target.value as ExceptionPriority | 'all')}>
            <option value="all">All priorities</option>
            {(Object.keys(priorityLabel) as ExceptionPriority[]).map((p) => (
              <option key={p} value={p}>
                {priorityLabel[p]}
              </option>
            ))}
          </select>
        </div>
        <p className="ex-counts" aria-live="polite">
          <strong>{list.length}</strong> open · <strong>{unack}</strong> unacknowledged
          {flood && (
            <span className="muted">
              {' '}
              · {flood.newInWindow} new in {flood.windowMinutes} min ({flood.perOperator.toFixed(1)} per operator, limit {flood.threshold})
            </span>
          )}
        </p>
      </div>
      {flood?.flooding && (
        <p className="ex-flood" role="alert" data-testid="flood-banner">
          <svg className="state-icon" width={16} height={16} viewBox="0 0 16 16" aria-hidden="true">
            <polygon points="8,1 15,14 1,14" fill="#b01f1f" />
          </svg>
          <strong>Alarm flood:</strong> {flood.newInWindow} new exceptions in the last {flood.windowMinutes} min — {flood.perOperator.toFixed(1)} per operator, more than the {flood.threshold} one person can handle. Work
          the critical and high ones first; shelve what can wait.
        </p>
      )}
      {error && <p className="ex-error" role="alert">{error}</p>}
      <div className="ex-body">
        <ExceptionTable rows={shown} ready={ready} now={now} fmt={fmt} selected={current?.id ?? null} onSelect={setSelected} total={list.length} records={records} />
        <ActionPanel record={current} now={now} fmt={fmt} progress={current ? decisionProgress(records, current.id) : null} />
      </div>
    </div>
  );
}

function ExceptionTable(props: { rows: ExceptionRecord[]; ready: boolean; now: number; fmt: (t: number) => string; selected: string | null; onSelect(id: string): void; total: number; records: RecordsState }) {
  const { rows, selected, onSelect } = props;
  const body = useRef<HTMLTableSectionElement>(null);
  const onKeyDown = (e: React.KeyboardEvent<HTMLTableRowElement>, i: number) => {
    const go = (j: number) => {
      const r = rows[j];
      if (!r) return;
      onSelect(r.id);
      (body.current?.querySelectorAll('tr')[j] as HTMLElement | undefined)?.focus();
    };
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Enter') openWorkbench(rows[i]!.id);
    else return;
    e.preventDefault();
  };
  return (
    <div className="ex-table-wrap">
      <table className="ex-table" data-testid="exceptions-table" aria-label="Open exceptions, most urgent first">
        <thead>
          <tr>
            <th scope="col">Priority</th>
            <th scope="col">State</th>
            <th scope="col">Type</th>
            <th scope="col">Exception</th>
            <th scope="col">Line / order</th>
            <th scope="col">Since</th>
            <th scope="col">Decision</th>
            <th scope="col" className="ex-open-col">
              <span className="visually-hidden">Open</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((r, i) => {
            const unack = isUnacknowledged(r.state);
            return (
              <tr
                key={r.id}
                data-id={r.id}
                data-type={r.type}
                data-state={r.state}
                tabIndex={0}
                aria-selected={r.id === selected}
                className={[unack ? 'unack' : '', r.id === selected ? 'selected' : '', r.state === 'suppressed' || r.state === 'shelved' || r.state === 'out-of-service' ? 'dim' : ''].join(' ')}
                onClick={() => onSelect(r.id)}
                onFocus={() => onSelect(r.id)}
                onKeyDown={(e) => onKeyDown(e, i)}
              >
                <td>
                  <PriorityBadge priority={r.priority} />
                </td>
                <td>
                  <ExceptionStateBadge state={r.state} />
                </td>
                <td>{typeLabel[r.type]}</td>
                <td className="ex-title">
                  <span className="ex-id">{r.id}</span> {r.title}
                </td>
                <td>{[r.subject.lineId, r.subject.orderId ?? r.subject.component ?? r.subject.holdId].filter(Boolean).join(' · ') || '—'}</td>
                <td className="num">
                  <time dateTime={new Date(r.raisedAt).toISOString()}>{props.fmt(r.raisedAt)}</time>
                  <span className="muted small"> ({minutesAgo(props.now, r.raisedAt)})</span>
                </td>
                <td className="ex-decision-cell">
                  <DecisionLink progress={decisionProgress(props.records, r.id)} exceptionId={r.id} compact />
                </td>
                <td className="ex-open-col">
                  <button type="button" className="small-button" onClick={() => openWorkbench(r.id)} aria-label={`Open ${r.id} in the decision workbench`}>
                    Open ▸
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p className="ex-empty">{!props.ready ? 'Loading exceptions…' : props.total === 0 ? 'No open exceptions: the plan holds.' : 'No exception matches these filters.'}</p>}
    </div>
  );
}

const SHELVE_CHOICES = [15, 30, 60, 120, 240, 480];

/** The exception's decision in one line, linking to its receipt in the workbench (or "none yet"). */
function DecisionLink({ progress: p, exceptionId, compact = false }: { progress: DecisionProgress | null; exceptionId: string; compact?: boolean }) {
  if (!p) return <span className="muted">{compact ? '—' : 'No decision yet: open the workbench to weigh the options.'}</span>;
  const look = decisionStatusLook[p.decision.status];
  return (
    <a className="ex-decision" href={`#/decisions/${encodeURIComponent(exceptionId)}`} data-testid="exception-decision" data-decision={p.decision.id} data-status={p.decision.status} onClick={(e) => e.stopPropagation()}>
      {compact ? (
        <>
          <StatusBadge look={look} /> {progressText(p, '', false)}
        </>
      ) : (
        progressText(p, look.label, false)
      )}
    </a>
  );
}

function ActionPanel({ record, now, fmt, progress }: { record: ExceptionRecord | null; now: number; fmt: (t: number) => string; progress: DecisionProgress | null }) {
  const client = useClient();
  const plant = useCoreData().plant;
  const [person] = useCurrentPerson();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [shelveMin, setShelveMin] = useState(60);
  const [shelveReason, setShelveReason] = useState('');
  const [comment, setComment] = useState('');
  const [oosReason, setOosReason] = useState('');
  const ids = { min: useId(), reason: useId(), comment: useId(), oos: useId() };
  const rec = useRef(record);
  rec.current = record;

  const act = async (what: string, f: () => Promise<unknown>) => {
    if (!client || !person) {
      setMessage({ ok: false, text: 'Sign in first: every action records the signed-in person.' });
      return false;
    }
    setBusy(true);
    try {
      await f();
      setMessage({ ok: true, text: `${what}: done (by ${person}).` });
      return true;
    } catch (e) {
      setMessage({ ok: false, text: `${what} failed: ${(e as Error).message}` });
      return false;
    } finally {
      setBusy(false);
    }
  };
  const ack = (r: ExceptionRecord) => act(`Acknowledge ${r.id}`, () => client!.call('exceptions.acknowledge', { id: r.id, by: person }));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
      const r = rec.current;
      if ((e.key === 'a' || e.key === 'A') && r && isUnacknowledged(r.state)) {
        e.preventDefault();
        void ack(r);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  useEffect(() => setMessage(null), [record?.id]);

  if (!record) {
    return (
      <aside className="ex-panel" aria-label="Exception actions">
        <p className="muted">Select an exception (click, or ↑ ↓ in the table) to act on it. <kbd>a</kbd> acknowledges, <kbd>Enter</kbd> opens the decision workbench.</p>
      </aside>
    );
  }
  const r = record;
  const canAck = isUnacknowledged(r.state);
  const canShelve = r.state === 'active-unacknowledged' || r.state === 'active-acknowledged' || r.state === 'rtn-unacknowledged';
  const noPerson = !person;
  return (
    <aside className="ex-panel" aria-label={`Actions on ${r.id}`} data-testid="exception-panel">
      <h2>
        <span className="ex-id">{r.id}</span> {r.title}
      </h2>
      <p className="ex-badges">
        <PriorityBadge priority={r.priority} /> <ExceptionStateBadge state={r.state} />
      </p>
      <p className="ex-detail">{r.detail}</p>
      <section className="ex-decision-box" aria-label="Decision" data-testid="exception-decision-box">
        <h3>Decision</h3>
        <p>
          <DecisionLink progress={progress} exceptionId={r.id} />
        </p>
        {progress && (
          <>
            <p className="muted small">
              {progress.decision.chosen.title} — committed {fmt(progress.decision.committedAt)} by {personName(plant, progress.decision.committedBy)} · receipt <span className="ex-id">{progress.decision.id.slice(0, 12)}…</span>
              {progress.others > 0 ? ` · ${progress.others} earlier decision${progress.others === 1 ? '' : 's'}` : ''}
            </p>
            {progress.actions.total > 0 && (
              <progress className="ex-progress" max={progress.actions.total} value={progress.actions.finished} aria-label={`${progress.actions.finished} of ${progress.actions.total} actions done`} />
            )}
          </>
        )}
      </section>
      {r.suppressedBy && <p className="muted">Suppressed by design: {r.suppressedBy}</p>}
      {r.shelved && (
        <p className="muted">
          Shelved by {personName(plant, r.shelved.by)} until {fmt(r.shelved.until)}: {r.shelved.reason}
        </p>
      )}
      {r.outOfService && (
        <p className="muted">
          Out of service ({personName(plant, r.outOfService.by)}): {r.outOfService.reason}
        </p>
      )}
      {r.acknowledged && (
        <p className="muted" data-testid="exception-acknowledged">
          Acknowledged by {personName(plant, r.acknowledged.by)} at {fmt(r.acknowledged.at)}
        </p>
      )}
      {noPerson && <p className="ex-warn">Sign in to act on exceptions (a locked display only shows them).</p>}
      <div className="ex-actions">
        <button type="button" className="primary" data-testid="open-workbench" onClick={() => openWorkbench(r.id)}>
          Open in workbench ▸
        </button>
        <button type="button" data-testid="ack" disabled={!canAck || busy || noPerson} onClick={() => void ack(r)}>
          Acknowledge <kbd aria-hidden="true">a</kbd>
        </button>
        {r.state === 'shelved' && (
          <button type="button" disabled={busy || noPerson} onClick={() => void act(`Unshelve ${r.id}`, () => client!.call('exceptions.unshelve', { id: r.id, by: person }))}>
            Unshelve
          </button>
        )}
        {r.state === 'out-of-service' && (
          <button type="button" disabled={busy || noPerson} onClick={() => void act(`Return ${r.id} to service`, () => client!.call('exceptions.returnToService', { id: r.id, by: person }))}>
            Return to service
          </button>
        )}
      </div>
      {canShelve && (
        <form
          className="ex-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(`Shelve ${r.id}`, () => client!.call('exceptions.shelve', { id: r.id, by: person, minutes: shelveMin, reason: shelveReason.trim() })).then((ok) => ok && setShelveReason(''));
          }}
        >
          <fieldset>
            <legend>Shelve</legend>
            <label htmlFor={ids.min}>For</label>
            <select id={ids.min} value={shelveMin} onChange={(e) => setShelveMin(Number(e.target.value))}>
              {SHELVE_CHOICES.map((m) => (
                <option key={m} value={m}>
                  {m < 60 ? `${m} min` : `${m / 60} h`}
                </option>
              ))}
            </select>
            <label htmlFor={ids.reason}>Reason</label>
            <input id={ids.reason} value={shelveReason} onChange={(e) => setShelveReason(e.target.value)} placeholder="e.g. maintenance on site, known" maxLength={500} required />
            <button type="submit" disabled={busy || noPerson || !shelveReason.trim()}>
              Shelve
            </button>
          </fieldset>
        </form>
      )}
      <form
        className="ex-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(`Comment on ${r.id}`, () => client!.call('exceptions.comment', { id: r.id, by: person, text: comment.trim() })).then((ok) => ok && setComment(''));
        }}
      >
        <fieldset>
          <legend>Comment</legend>
          <label htmlFor={ids.comment} className="visually-hidden">
            Comment
          </label>
          <input id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="What you know or did" maxLength={2000} />
          <button type="submit" disabled={busy || noPerson || !comment.trim()}>
            Add
          </button>
        </fieldset>
      </form>
      {r.state !== 'out-of-service' && (
        <form
          className="ex-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(`Take ${r.id} out of service`, () => client!.call('exceptions.outOfService', { id: r.id, by: person, reason: oosReason.trim() })).then((ok) => ok && setOosReason(''));
          }}
        >
          <fieldset>
            <legend>Out of service</legend>
            <label htmlFor={ids.oos}>Reason</label>
            <input id={ids.oos} value={oosReason} onChange={(e) => setOosReason(e.target.value)} placeholder="e.g. detection faulty for this line" maxLength={500} />
            <button type="submit" disabled={busy || noPerson || !oosReason.trim()}>
              Take out
            </button>
          </fieldset>
        </form>
      )}
      <p className="ex-message" role="status" data-testid="action-message">
        {message && <span className={message.ok ? '' : 'ex-error-text'}>{message.text}</span>}
      </p>
      {(r.comments.length > 0 || r.history.length > 0) && (
        <>
          <h3>History</h3>
          <ul className="history">
            {[...r.history.map((h) => ({ at: h.at, text: `${h.event}${h.from ? ` (${stateLabel[h.from]} → ${stateLabel[h.to]})` : ` → ${stateLabel[h.to]}`}`, by: h.by, note: h.note })), ...r.comments.map((c) => ({ at: c.at, text: 'comment', by: c.by, note: c.text }))]
              .sort((a, b) => b.at - a.at)
              .slice(0, 12)
              .map((h, i) => (
                <li key={i}>
                  <time dateTime={new Date(h.at).toISOString()}>{fmt(h.at)}</time> <span>{h.text}</span> <span className="muted">by {personName(plant, h.by)}</span>
                  {h.note && <span>“{h.note}”</span>}
                </li>
              ))}
          </ul>
        </>
      )}
      <p className="muted small">Plant time now {now ? fmt(now) : '—'}</p>
    </aside>
  );
}
