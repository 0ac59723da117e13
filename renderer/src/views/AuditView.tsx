/**
 * The audit log (`#/audit`): every commit, approval, action step and write-back as hash-chained
 * entries, newest first, live; and the chain check (`audit.verify`, both chains: decision receipts
 * and audit entries) with the first record that does not verify. Key `v` checks again.
 */
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { ChainCheck } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import { usePlantClock, usePlantTime } from '../decide/format';
import { auditDetails } from '../../../shared/commit/audit-text';
import { usePeople } from '../decide/people';
import { useRecords, useRun } from '../commit/records-feed';
import { useCardKeys } from '../commit/keys';
import '../decide/decide.css';
import '../commit/commit.css';
import { ErrorText } from '../commit/ErrorText';

const SHOW = 500;

export function AuditView() {
  const client = useClient();
  const records = useRecords();
  const fmt = usePlantTime();
  const clock = usePlantClock();
  const { busy, error, run } = useRun();
  const [check, setCheck] = useState<{ result: ChainCheck; entries: number } | null>(null);
  const [filter, setFilter] = useState('');
  const hid = useId();
  const people = usePeople();
  const names = useMemo(() => new Map(people.map((p) => [p.id, p.name])), [people]);

  const verify = useCallback(async () => {
    if (!client) return;
    const r = await run('Checking the hash chains failed', () => client.call('audit.verify'));
    if (r) setCheck({ result: r, entries: r.auditEntries });
  }, [client, run]);
  useEffect(() => {
    void verify();
  }, [verify]);
  useCardKeys({ v: () => void verify() }, false);

  const entries = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return [...records.audit.values()]
      .filter((e) => !f || e.subjectId.toLowerCase().includes(f) || e.kind.toLowerCase().includes(f) || e.actor.toLowerCase().includes(f))
      .sort((a, b) => b.seq - a.seq);
  }, [records.audit, filter]);
  const newer = check ? Math.max(0, records.audit.size - check.entries) : 0;
  const bad = check?.result.firstBad;

  return (
    <div className="cm-view audit-view" data-testid="audit">
      <div className="cm-toolbar">
        <button type="button" className="cm-btn" onClick={() => void verify()} disabled={busy || !client} data-testid="verify">
          Check hash chains <kbd>v</kbd>
        </button>
        <p className="cm-chain" role="status" data-testid="chain-result" data-ok={check ? String(check.result.ok) : undefined}>
          {busy && 'Checking…'}
          {!busy && check && check.result.ok && (
            <>
              <strong>✓ Chains verify:</strong> {check.result.decisions} decision receipts and {check.result.auditEntries} audit entries
              {newer > 0 ? <span className="muted"> ({newer} newer entries not checked yet)</span> : null}
            </>
          )}
          {!busy && bad && (
            <strong className="ex-error-text">
              ✗ Chain broken: {bad.chain === 'decisions' ? 'decision receipt' : 'audit entry'} #{bad.seq} ({bad.id}) — {bad.reason}. Records after it cannot be trusted.
            </strong>
          )}
        </p>
        <div className="cm-field">
          <label htmlFor={`${hid}-f`}>Filter</label>
          <input id={`${hid}-f`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="subject, kind or person" />
        </div>
      </div>
      {(error || records.error) && <ErrorText text={(error ?? records.error)!} />}
      <div className="cm-audit-wrap" tabIndex={0} role="region" aria-label="Audit entries">
        <table className="cm-table cm-audit" data-testid="audit-table">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Subject</th>
              <th scope="col">Details</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {entries.slice(0, SHOW).map((e) => {
              const broken = bad?.chain === 'audit' && bad.id === e.id;
              return (
                <tr key={e.id} data-testid="audit-row" data-kind={e.kind} className={broken ? 'cm-bad' : undefined}>
                  <td className="num">{e.seq}</td>
                  <td>{fmt(e.at)}</td>
                  <td>
                    {names.get(e.actor) ?? e.actor}
                    {names.has(e.actor) || e.role ? <span className="muted"> ({[names.has(e.actor) ? e.actor : '', e.role].filter(Boolean).join(', ')})</span> : null}
                  </td>
                  <td>
                    {e.kind}
                    {broken && <strong className="ex-error-text"> ✗ does not verify</strong>}
                  </td>
                  <td className="ex-id">{e.subjectId}</td>
                  <td className="cm-audit-details">{auditDetails(e.payload, { time: clock.full, name: (id) => names.get(id) ?? id, skip: ['decisionId'], max: 200 })}</td>
                  <td className="ex-id" title={`${e.hash}\nafter ${e.prevHash}`}>
                    {e.hash.slice(0, 12)}…
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {entries.length === 0 && <p className="ex-empty">{records.ready ? 'No audit entries yet.' : 'Loading…'}</p>}
        {entries.length > SHOW && <p className="ex-empty">Showing the newest {SHOW} of {entries.length}; filter to narrow.</p>}
      </div>
    </div>
  );
}

