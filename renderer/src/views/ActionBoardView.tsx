/**
 * The action board (`#/board`): every dispatched action, one row per owner (or per role where
 * nobody on shift owns it), one column per status, live from the records feed. Keys: `j`/`k` move
 * between cards, `o` hides the finished columns.
 */
import { memo, useMemo, useState } from 'react';
import type { ActionRecord } from '../../../shared/commit/records';
import { usePlantTime } from '../decide/format';
import { actionStatusLook, kindLabel, StatusBadge } from '../commit/record-status';
import { usePlantNow, useRecords } from '../commit/records-feed';
import { useCardKeys } from '../commit/keys';
import { boardColumns, boardRows, isClosed, relativeDue } from '../commit/records-state';
import '../decide/decide.css';
import '../commit/commit.css';
import { ErrorText } from '../commit/ErrorText';

const FINISHED_COLS = new Set(['done', 'verified']);

export function ActionBoardView() {
  const records = useRecords();
  const now = usePlantNow();
  const [openOnly, setOpenOnly] = useState(false);
  useCardKeys({ o: () => setOpenOnly((v) => !v) }, false);
  const rows = useMemo(() => boardRows(records.actions.values()), [records.actions]);
  const cols = boardColumns.map((c, i) => ({ ...c, i })).filter((c) => !openOnly || !FINISHED_COLS.has(c.id));
  const all = [...records.actions.values()];
  const open = all.filter((a) => !isClosed(a.status)).length;
  const exceptionOf = (decisionId: string) => records.decisions.get(decisionId)?.exceptionId;

  return (
    <div className="cm-view board-view" data-testid="board" data-ready={records.ready}>
      <div className="cm-toolbar">
        <label className="cm-check">
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} data-testid="open-only" /> Open only <kbd>o</kbd>
        </label>
        <p className="cm-counts" role="status">
          {all.length} actions, {open} open · {rows.length} owners
        </p>
      </div>
      {records.error && (
        <ErrorText text={records.error} />
      )}
      {!records.ready && !records.error ? (
        <p className="muted">Loading actions…</p>
      ) : rows.length === 0 ? (
        <p className="wb-hint">No actions yet: they appear when a decision is dispatched.</p>
      ) : (
        <div className="cm-board-wrap">
          <table className="cm-board" data-testid="board-table">
            <caption className="visually-hidden">Actions by owner (rows) and status (columns)</caption>
            <thead>
              <tr>
                <th scope="col">Owner</th>
                {cols.map((c) => (
                  <th scope="col" key={c.id} data-col={c.id}>
                    {c.title} <span className="muted">({rows.reduce((n, r) => n + r.cells[c.i]!.length, 0)})</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.owner} data-owner={r.owner}>
                  <th scope="row">{r.label}</th>
                  {cols.map((c) => (
                    <td key={c.id} data-col={c.id}>
                      {r.cells[c.i]!.map((a) => (
                        <BoardCard key={a.id} a={a} now={now} exceptionId={exceptionOf(a.decisionId)} />
                      ))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const BoardCard = memo(function BoardCard({ a, now, exceptionId }: { a: ActionRecord; now: number; exceptionId?: string }) {
  const fmt = usePlantTime();
  const due = relativeDue(now, a.dueAt);
  const late = !isClosed(a.status) && (a.overdue || due.overdue);
  return (
    <div className={late ? 'cm-bcard cm-overdue' : 'cm-bcard'} data-testid="board-card" data-card-nav tabIndex={-1} data-id={a.id} data-status={a.status}>
      <div className="cm-bcard-title">
        {exceptionId ? <a href={`#/decisions/${encodeURIComponent(exceptionId)}`}>{a.title}</a> : a.title}
      </div>
      <div className="small">
        {kindLabel[a.kind]} · {a.lineId}
      </div>
      <div className="small">
        <StatusBadge look={actionStatusLook[a.status]} /> · <span className={late ? 'cm-late' : undefined}>{isClosed(a.status) ? `was due ${fmt(a.dueAt)}` : `${fmt(a.dueAt)}, ${late && !due.overdue ? 'overdue' : due.text}`}</span>
      </div>
      {a.blockedReason && a.status === 'blocked' && <div className="small cm-blocked">{a.blockedReason}</div>}
    </div>
  );
});
