/**
 * Settings: the active rule set, editable here. A draft is validated against the plant (positioned
 * errors) and can only be activated when valid; activation is recorded with who did it. Backtest
 * replays the recorded journal under the draft first (./BacktestPanel.tsx); a rule set can require it.
 */
import { useEffect, useState } from 'react';
import { useClient } from '../app/ClientContext';
import { PersonSelect } from '../decide/PersonSelect';
import { useCurrentPerson } from '../decide/people';
import type { RulesIssue } from '../../../shared/decide/rules-parse';
import '../decide/decide.css';
import { ConnectorsPanel } from './ConnectorsPanel';
import { DisplaySettings } from './DisplaySettings';
import { BacktestPanel } from './BacktestPanel';

type Check = { ok: true; version?: string; warnings: RulesIssue[] } | { ok: false; errors: RulesIssue[] };

const where = (i: RulesIssue) => `${i.line !== undefined ? `line ${i.line}${i.column !== undefined ? `:${i.column}` : ''} ` : ''}${i.path || '(file)'}`;

export function RulesView() {
  const client = useClient();
  const [person] = useCurrentPerson();
  const [active, setActive] = useState<{ version: string; file: string } | null>(null);
  const [text, setText] = useState('');
  const [check, setCheck] = useState<Check | null>(null);
  const [message, setMessage] = useState('');
  const [backtest, setBacktest] = useState(false);

  useEffect(() => {
    if (!client) return;
    void client.call('rules.text').then((r) => {
      setActive({ version: r.version, file: r.file });
      setText(r.text);
    });
  }, [client]);

  const validate = async (): Promise<Check | null> => {
    if (!client) return null;
    const r = await client.call('rules.validate', { text, file: 'rules.yaml' });
    const c: Check = r.ok ? { ok: true, version: r.version, warnings: r.warnings } : { ok: false, errors: r.errors };
    setCheck(c);
    setMessage(r.ok ? `Valid: version ${r.version}${r.warnings.length ? `, ${r.warnings.length} warning(s)` : ''}.` : `${r.errors.length} problem(s): not activated.`);
    return c;
  };

  const activate = async () => {
    if (!client) return;
    const c = await validate();
    if (!c?.ok) return;
    try {
      const r = await client.call('rules.activate', { text, by: person, file: 'rules.yaml' });
      setActive({ version: r.version, file: r.file });
      setMessage(`Activated version ${r.version} (hash ${r.hash.slice(0, 8)}) as ${r.activatedBy}. New decisions record this version.`);
    } catch (e) {
      setMessage(`Not activated: ${(e as Error).message}`);
    }
  };

  return (
    <div className="rules-view" data-testid="rules-view">
      <section aria-labelledby="rules-h">
        <h2 id="rules-h">Rule set</h2>
        <p>
          Active: <strong data-testid="rules-active-version">{active?.version ?? '…'}</strong> <span className="muted">from {active?.file ?? '…'}</span>
        </p>
        <div style={{ marginBottom: 8 }}>
          <PersonSelect />
        </div>
        <label htmlFor="rules-text" className="visually-hidden">
          Rule set (YAML)
        </label>
        <textarea
          id="rules-text"
          data-testid="rules-text"
          spellCheck={false}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCheck(null);
          }}
          rows={24}
          style={{ width: '100%', fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace", fontSize: 13 }}
        />
        <div className="wi-actions" style={{ display: 'flex', gap: 8, marginTop: 8 }}>
          <button type="button" onClick={() => void validate()} data-testid="rules-validate">
            Validate
          </button>
          <button type="button" onClick={() => void activate()} disabled={!person || check?.ok === false} title={person ? 'Validate and activate' : 'Choose who you are first'} data-testid="rules-activate">
            Activate
          </button>
          <button type="button" onClick={() => setBacktest((b) => !b)} aria-expanded={backtest} data-testid="rules-backtest" title="Replay the recorded journal under this draft and see what it would have changed">
            Backtest
          </button>
        </div>
        {backtest && <BacktestPanel text={text} person={person} />}
        <p role="status" data-testid="rules-message">
          {message}
        </p>
        {check && !check.ok && (
          <ul data-testid="rules-errors">
            {check.errors.map((e, i) => (
              <li key={i}>
                <strong>{where(e)}</strong>: {e.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="conn-h">
        <h2 id="conn-h">Connectors</h2>
        <ConnectorsPanel />
      </section>
      <section aria-labelledby="display-h">
        <h2 id="display-h">Display</h2>
        <DisplaySettings />
      </section>
    </div>
  );
}
