/**
 * The decision workbench (`#/decisions/<exception id>`): the exception with its explanation, and
 * its ranked options from `decide.options` (scored on a fork of the live twin against "do
 * nothing"): rank, feasibility, KPI deltas as a compact table; per option the constraint checks
 * with their numbers, the rules that fired and the approvals it needs. The person acting at this
 * console commits an option (the core re-scores at the current journal position and refuses what
 * is infeasible or not theirs to commit, and its words are shown); below the options, each
 * decision taken on this exception shows its live receipt (commit/ReceiptPanel): approvals,
 * dispatched actions, write-back, re-run, timeline.
 */
import { Fragment, useCallback, useEffect, useId, useMemo, useState, useSyncExternalStore } from 'react';
import type { DecideOptionsResult } from '../../../shared/protocol/api';
import type { RankedOption } from '../../../shared/decide/options';
import type { ExceptionRecord } from '../../../shared/decide/exceptions';
import { useClient, useCoreData } from '../app/ClientContext';
import { ExceptionStateBadge, PriorityBadge } from '../decide/exception-status';
import { minutesAgo, num, signed, typeLabel, usePlantTime } from '../decide/format';
import { useExceptions } from '../decide/exceptions-feed';
import { usePlantNow } from '../decide/plant-now';
import { PersonSelect } from '../decide/PersonSelect';
import { ReceiptPanel } from '../commit/ReceiptPanel';
import { decisionStatusLook, StatusBadge } from '../commit/record-status';
import { useActingPerson, useRecords, useRules, useRun } from '../commit/records-feed';
import { commitRefusal } from '../../../shared/commit/permissions';
import { permissionRoles } from '../../../shared/auth/permissions';
import { SCORE_PART_LABELS, scoreParts } from '../../../shared/decide/score-parts';
import { decisionsOf } from '../commit/records-state';
import '../decide/decide.css';
import '../commit/commit.css';
import { ErrorText } from '../commit/ErrorText';
import { ReplanDetail } from '../commit/ReplanDetail';

const subscribeHash = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};
const hashId = () => decodeURIComponent(location.hash.replace(/^#\/?decisions\/?/, '').split(/[/?]/)[0] ?? '');

export function DecisionsView() {
  const id = useSyncExternalStore(subscribeHash, hashId);
  const { list, ready } = useExceptions();
  const client = useClient();
  const [record, setRecord] = useState<ExceptionRecord | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const live = list.find((r) => r.id === id);
  const { decisions } = useRecords();
  // A decision with no exception (a committed what-if scenario) is opened by its own id.
  const standalone = !live ? decisions.get(id) : undefined;
  const own = standalone && !standalone.exceptionId ? standalone : undefined;

  // The stream carries open exceptions; a closed one is fetched once so its page still explains it.
  useEffect(() => {
    setMissing(null);
    if (!client || !id || live || own) return;
    let on = true;
    client.call('exceptions.get', { id }).then(
      (r) => on && setRecord(r),
      (e: Error) => on && setMissing(e.message),
    );
    return () => {
      on = false;
    };
  }, [client, id, live, own]);
  const r = live ?? (record?.id === id ? record : null);
  // Decisions whose exception is no longer open, so their receipts stay one click away.
  const past = useMemo(() => [...decisions.values()].filter((d) => !list.some((x) => x.id === d.exceptionId)).sort((a, b) => b.seq - a.seq).slice(0, 30), [decisions, list]);

  return (
    <div className="wb-view" data-testid="workbench">
      <nav className="wb-list" aria-label="Open exceptions">
        <h2>Open exceptions</h2>
        {!ready && <p className="muted">Loading…</p>}
        {ready && list.length === 0 && <p className="muted">None open.</p>}
        <ul>
          {list.map((x) => (
            <li key={x.id}>
              <a href={`#/decisions/${encodeURIComponent(x.id)}`} aria-current={x.id === id ? 'page' : undefined}>
                <PriorityBadge priority={x.priority} />
                <span className="wb-list-title">
                  <span className="ex-id">{x.id}</span> {x.title}
                </span>
              </a>
            </li>
          ))}
        </ul>
        {past.length > 0 && (
          <>
            <h2>Recent decisions</h2>
            <ul data-testid="recent-decisions">
              {past.map((d) => (
                <li key={d.id}>
                  <a href={`#/decisions/${encodeURIComponent(d.exceptionId || d.id)}`} aria-current={(d.exceptionId || d.id) === id ? 'page' : undefined}>
                    <StatusBadge look={decisionStatusLook[d.status]} />
                    <span className="wb-list-title">
                      <span className="ex-id">{d.id}</span> {d.exceptionTitle}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
      </nav>
      <section className="wb-main" aria-label="Decision workbench">
        {!id && <p className="wb-hint">Choose an exception on the left, or open one from the Exceptions view (press <kbd>2</kbd>).</p>}
        {id && !r && !own && (missing ? <p className="ex-error" role="alert">{missing}</p> : <p className="muted">Loading {id}…</p>)}
        {r && <Workbench key={r.id} record={r} />}
        {own && <StandaloneReceipt key={own.id} id={own.id} />}
      </section>
    </div>
  );
}

function Workbench({ record: r }: { record: ExceptionRecord }) {
  const client = useClient();
  const fmt = usePlantTime();
  const now = usePlantNow();
  const [horizon, setHorizon] = useState(24);
  const [result, setResult] = useState<DecideOptionsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const hid = useId();

  const load = useCallback(async () => {
    if (!client) return;
    setBusy(true);
    setError(null);
    try {
      const res = await client.call('decide.options', { exceptionId: r.id, horizonHours: horizon }, { onProgress: (_d, _t, label) => setProgress(label ?? null) });
      setResult(res);
      setOpen((o) => o ?? res.options.find((x) => x.rank === 1)?.id ?? null);
    } catch (e) {
      setError(`Could not compute options for ${r.id}: ${(e as Error).message}`);
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }, [client, r.id, horizon]);
  useEffect(() => {
    void load();
  }, [load]);

  const options = result?.options ?? [];
  const feasible = options.filter((o) => o.feasible).length;
  return (
    <>
      <header className="wb-head">
        <h2>
          <span className="ex-id">{r.id}</span> {r.title}
        </h2>
        <div className="wb-person">
          <PersonSelect />
        </div>
        <p className="ex-badges">
          <PriorityBadge priority={r.priority} /> <ExceptionStateBadge state={r.state} /> <span className="wb-type">{typeLabel[r.type]}</span>
          <span className="muted">
            raised {fmt(r.raisedAt)} ({minutesAgo(now, r.raisedAt)} ago)
          </span>
        </p>
      </header>
      <section className="wb-explain" aria-labelledby={`${hid}-why`}>
        <h3 id={`${hid}-why`}>What happened</h3>
        <p data-testid="exception-detail">{r.detail}</p>
        {r.numbers && (
          <dl className="facts wb-numbers">
            {Object.entries(r.numbers).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k.replace(/([A-Z])/g, ' $1').toLowerCase()}</dt>
                <dd>{k === 'due' || k === 'projectedEnd' ? fmt(v) : num(v)}</dd>
              </Fragment>
            ))}
          </dl>
        )}
      </section>
      <section className="wb-options" aria-labelledby={`${hid}-opts`}>
        <div className="wb-options-head">
          <h3 id={`${hid}-opts`}>Options, best first</h3>
          <label htmlFor={`${hid}-h`}>Horizon</label>
          <select id={`${hid}-h`} value={horizon} onChange={(e) => setHorizon(Number(e.target.value))}>
            {[8, 24, 48, 72].map((h) => (
              <option key={h} value={h}>
                {h} h
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void load()} disabled={busy}>
            Recompute on the live twin
          </button>
          <span className="muted" role="status">
            {busy ? `Forking the twin, re-planning and scoring options…${progress ? ` (${progress})` : ''}` : result ? `${options.length} options, ${feasible} feasible · forecast ${result.horizonHours} h from ${fmt(result.at)} · rules ${result.rulesVersion} · ${result.ms} ms` : ''}
          </span>
        </div>
        {error && (
          <p className="ex-error" role="alert">
            {error}
          </p>
        )}
        {result && <OptionsTable options={options} open={open} setOpen={setOpen} result={result} exceptionId={r.id} />}
      </section>
      <Receipts exceptionId={r.id} />
    </>
  );
}

// No Δ cost column: the score is the cost, so its Δ is the Δ score column.
const DELTA_COLS: { key: 'weightedTardinessHours' | 'lateOrders' | 'changeoverMinutes' | 'utilisation'; label: string; unit: string; better: 'lower' | 'higher'; scale?: number; digits?: number }[] = [
  { key: 'weightedTardinessHours', label: 'Tardiness, tier-weighted', unit: 'h', better: 'lower' },
  { key: 'lateOrders', label: 'Late orders', unit: '', better: 'lower', digits: 0 },
  { key: 'changeoverMinutes', label: 'Changeover', unit: 'min', better: 'lower', digits: 0 },
  { key: 'utilisation', label: 'Utilisation', unit: '%-pt', better: 'higher', scale: 100 },
];

function Delta({ v, better }: { v: number; better: 'lower' | 'higher' }) {
  const good = better === 'lower' ? v < 0 : v > 0;
  const bad = better === 'lower' ? v > 0 : v < 0;
  return (
    <span className={good ? 'd-good' : bad ? 'd-bad' : 'd-zero'}>
      {good && <span aria-hidden="true">✓ </span>}
      {bad && <span aria-hidden="true">✗ </span>}
      {good && <span className="visually-hidden">better </span>}
      {bad && <span className="visually-hidden">worse </span>}
    </span>
  );
}

function OptionsTable({ options, open, setOpen, result, exceptionId }: { options: RankedOption[]; open: string | null; setOpen(id: string | null): void; result: DecideOptionsResult; exceptionId: string }) {
  const base = options.find((o) => o.baseline) ?? null;
  return (
    <div className="wb-table-wrap">
      <table className="wb-table" data-testid="options-table">
        <caption className="wb-caption">Score = the forecast's cost over the horizon (lateness, changeovers, overtime, freight): lower is better, and the options are ranked by it · Δ = forecast minus “do nothing” · ✓ better · ✗ worse (lower tardiness, late orders, changeover and cost are better; higher utilisation is better)</caption>
        <thead>
          <tr>
            <th scope="col">Rank</th>
            <th scope="col">Option</th>
            <th scope="col">Feasible</th>
            <th scope="col" className="num" title="The forecast's cost over the horizon: lateness, changeovers, overtime, freight. Lower is better.">
              Score <span className="muted">lower is better</span>
            </th>
            <th scope="col" className="num">
              Δ score <span className="muted">vs do nothing</span>
            </th>
            {DELTA_COLS.map((c) => (
              <th scope="col" key={c.key} className="num">
                Δ {c.label}
                {c.unit && <span className="muted"> {c.unit}</span>}
              </th>
            ))}
            <th scope="col">Approvals</th>
          </tr>
        </thead>
        <tbody>
          {options.map((o) => {
            const isOpen = open === o.id;
            return (
              <Fragment key={o.id}>
                <tr className={[o.feasible ? '' : 'infeasible', isOpen ? 'selected' : ''].join(' ')} data-testid="option-row" data-id={o.id} data-feasible={o.feasible} data-rank={o.rank ?? ''}>
                  <td className="num wb-rank">{o.rank ?? '—'}</td>
                  <td>
                    <button type="button" className="row-open" aria-expanded={isOpen} onClick={() => setOpen(isOpen ? null : o.id)}>
                      {o.title}
                    </button>
                    {o.baseline && <span className="wb-tag">do nothing</span>}
                  </td>
                  <td>{o.feasible ? <span className="feasible">✓ Feasible</span> : <span className="infeasible-word">✗ {o.violations.length} failed</span>}</td>
                  <td className="num" data-col="score">
                    {o.score === null ? <span className="muted">—</span> : num(o.score, 0)}
                  </td>
                  <td className="num" data-col="score-delta">
                    {o.score === null || base?.score == null ? (
                      <span className="muted">—</span>
                    ) : (
                      <>
                        <Delta v={o.score - base.score} better="lower" />
                        {signed(o.score - base.score, 0)}
                      </>
                    )}
                  </td>
                  {DELTA_COLS.map((c) => (
                    <td key={c.key} className="num" data-col={c.key}>
                      {o.delta ? (
                        <>
                          <Delta v={o.delta[c.key]} better={c.better} />
                          {signed(o.delta[c.key] * (c.scale ?? 1), c.digits ?? 1)}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  ))}
                  <td>{o.approvals.length ? o.approvals.map((a) => a.approver).join(', ') : <span className="muted">none</span>}</td>
                </tr>
                {isOpen && (
                  <tr className="wb-detail-row">
                    <td colSpan={6 + DELTA_COLS.length}>
                      <OptionDetail o={o} base={base} result={result} exceptionId={exceptionId} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ScoreParts({ o, base, horizonHours }: { o: RankedOption; base: RankedOption | null; horizonHours: number }) {
  const plant = useCoreData().plant;
  const lines = plant ? plant.areas.reduce((n, a) => n + a.lines.length, 0) : 0;
  if (!o.kpis) return <p className="muted">Infeasible: not scored.</p>;
  const parts = scoreParts(o.kpis, lines, horizonHours);
  const baseParts = base?.kpis ? scoreParts(base.kpis, lines, horizonHours) : null;
  const keys = Object.keys(SCORE_PART_LABELS) as (keyof typeof SCORE_PART_LABELS)[];
  return (
    <table className="wb-score" data-testid="score-parts">
      <caption>Score {num(parts.total, 0)}: cost over {horizonHours} h, lower is better</caption>
      <thead>
        <tr>
          <th scope="col">Part</th>
          <th scope="col" className="num">
            This option
          </th>
          {baseParts && !o.baseline && (
            <th scope="col" className="num">
              vs do nothing
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k} data-part={k}>
            <th scope="row">{SCORE_PART_LABELS[k]}</th>
            <td className="num">{num(parts[k], 0)}</td>
            {baseParts && !o.baseline && (
              <td className="num">
                <Delta v={parts[k] - baseParts[k]} better="lower" />
                {signed(parts[k] - baseParts[k], 0)}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Why an option needs no approval: none of the rule set's escalation rules applies to it. */
function NoApprovalWhy() {
  const rules = useRules();
  return (
    <div data-testid="no-approval-why">
      <p className="muted">None: no escalation rule applies, so whoever may commit can commit it alone.</p>
      {rules && rules.escalation.length > 0 && (
        <ul className="explain muted small">
          {rules.escalation.map((e) => (
            <li key={e.id}>not this: {e.description ?? e.id}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function OptionDetail({ o, base, result, exceptionId }: { o: RankedOption; base: RankedOption | null; result: DecideOptionsResult; exceptionId: string }) {
  const fired = o.explanation.filter((l) => l.startsWith('priority:') || l.startsWith('escalation') || l.startsWith('forecast') || l.startsWith('re-plan'));
  return (
    <div className="wb-detail" data-testid="option-detail">
      <div>
        <h4>Score, lower is better</h4>
        <ScoreParts o={o} base={base} horizonHours={result.horizonHours} />
      </div>
      <div>
        <h4>Constraint checks</h4>
        {o.checks.length === 0 ? (
          <p className="muted">No assignment changes: nothing to check.</p>
        ) : (
          <ul className="checks">
            {o.checks.map((c, i) => (
              <li key={i} className={c.passed ? (c.preExisting ? 'check-note' : 'check-pass') : 'check-fail'}>
                <span className="check-mark">{c.passed ? (c.preExisting ? 'ⓘ note' : '✓ pass') : '✗ FAIL'}</span> <span className="check-rule">{c.rule}{c.ruleId ? ` [${c.ruleId}]` : ''}</span>: {c.detail}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h4>Rules that fired and why</h4>
        <ul className="explain" data-testid="option-explanation">
          {(fired.length ? fired : o.explanation).map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
        {o.kpis && (
          <p className="muted small">
            Forecast: {num(o.kpis.weightedTardinessHours)} weighted h late, {o.kpis.lateOrders} late orders, {num(o.kpis.changeoverMinutes, 0)} min changeover, utilisation {num(o.kpis.utilisation * 100)} %, cost {num(o.kpis.cost, 0)}
          </p>
        )}
      </div>
      <div>
        <h4>Approvals needed</h4>
        {o.approvals.length === 0 ? (
          <NoApprovalWhy />
        ) : (
          <ul className="explain" data-testid="approval-why">
            {o.approvals.map((a, i) => (
              <li key={i}>
                <strong>{a.approver}</strong> — because {a.reason} (escalates to {a.escalateTo} after {a.escalateAfterMinutes} min)
              </li>
            ))}
          </ul>
        )}
      </div>
      {o.replan && <ReplanDetail d={o.replan} />}
      <CommitForm o={o} result={result} exceptionId={exceptionId} />
    </div>
  );
}

/**
 * Commit for one option: needs the person acting here; sends the horizon and seed the options were
 * scored with, so the core's re-scoring at the current journal position compares like with like.
 */
function CommitForm({ o, result, exceptionId }: { o: RankedOption; result: DecideOptionsResult; exceptionId: string }) {
  const client = useClient();
  const person = useActingPerson();
  const { feed } = useRecords();
  const { busy, error, run } = useRun();
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const hid = useId();
  const records = useRecords();
  const plant = useCoreData().plant;
  const activeRules = useRules();
  const rulesCommitRoles = activeRules ? permissionRoles(activeRules, 'commit.option') : undefined;
  // One live decision per exception: after a commit, Commit stays off until that decision is rejected.
  const live = decisionsOf(records, exceptionId).find((d) => d.status !== 'rejected');
  const why = live
    ? `Already decided: ${live.chosen.title} (${live.id}, ${live.status}) — see its receipt below.`
    : !person
      ? 'Sign in to commit (a locked display only shows).'
      : plant && rulesCommitRoles
        ? commitRefusal(person, rulesCommitRoles)
        : null;
  const commit = async () => {
    if (!client || !person) return;
    setDone(null);
    const res = await run(`Commit “${o.title}” refused`, () =>
      client.call('decisions.commit', { exceptionId, optionId: o.id, by: person.id, horizonHours: result.horizonHours, seed: result.seed, ...(comment.trim() ? { comment: comment.trim() } : {}) }),
    );
    if (!res) return;
    feed?.upsert([{ collection: 'decisions', doc: res.decision }, ...res.approvals.map((doc) => ({ collection: 'approvals' as const, doc })), ...res.actions.map((doc) => ({ collection: 'actions' as const, doc }))]);
    setComment('');
    setDone(`Committed as ${res.decision.id}: ${res.approvals.length ? `waiting for ${res.approvals.map((a) => a.role).join(', ')}` : `${res.actions.length} actions dispatched`}.`);
    requestAnimationFrame(() => showReceipt(res.decision.id));
  };
  return (
    <form
      className="wb-commit"
      onSubmit={(e) => {
        e.preventDefault();
        void commit();
      }}
    >
      <h4>Commit “{o.title}”</h4>
      {!o.feasible && <p className="ex-warn">This option failed {o.violations.length} check(s); the core will refuse it unless the twin has changed.</p>}
      <label htmlFor={`${hid}-c`}>Comment (optional)</label>
      <input id={`${hid}-c`} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} disabled={!!why} />
      <button type="submit" className="primary" data-testid="commit" disabled={!!why || busy}>
        {busy ? 'Committing…' : person ? `Commit as ${person.name}` : 'Commit'}
      </button>
      {why && <p className="muted small">{why}</p>}
      {error && (
        <ErrorText text={error} testId="commit-error" />
      )}
      {done && (
        <p role="status" data-testid="commit-done">
          {done}
        </p>
      )}
    </form>
  );
}

/** A decision committed from a what-if scenario, with no exception behind it: its live receipt alone. */
function StandaloneReceipt({ id }: { id: string }) {
  const records = useRecords();
  const person = useActingPerson();
  const now = usePlantNow();
  const d = records.decisions.get(id);
  if (!d) return null;
  return (
    <section className="wb-receipts" aria-label="Decision taken">
      {records.error && <ErrorText text={records.error} />}
      <ReceiptPanel d={d} records={records} feed={records.feed} person={person} now={now} />
    </section>
  );
}

/** Every decision taken on this exception, newest first, each as its live receipt. */
function Receipts({ exceptionId }: { exceptionId: string }) {
  const records = useRecords();
  const person = useActingPerson();
  const now = usePlantNow();
  const list = decisionsOf(records, exceptionId);
  if (!list.length && records.ready && !records.error) return null;
  return (
    <section className="wb-receipts" aria-label="Decisions taken">
      {records.error && <ErrorText text={records.error} />}
      {list.map((d) => (
        <ReceiptPanel key={d.id} d={d} records={records} feed={records.feed} person={person} now={now} />
      ))}
    </section>
  );
}

/**
 * Scrolls the workbench (not the page: scrollIntoView would also scroll the shell's hidden
 * overflow and push the header off screen) so the new receipt's top is in view.
 */
function showReceipt(decisionId: string): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="receipt"][data-id="${CSS.escape(decisionId)}"]`);
  const pane = el?.closest<HTMLElement>('.wb-main');
  if (!el || !pane) return;
  pane.scrollTo({ top: pane.scrollTop + el.getBoundingClientRect().top - pane.getBoundingClientRect().top - 8, behavior: 'smooth' });
}
