/**
 * The what-if sandbox: named scenarios composed from disruptions (forms) and manual moves (forms, or
 * dragging an order bar in a mini Gantt), or written as YAML (checked by `whatIf.parse`, positioned
 * errors inline); run on a fork of the live twin; up to 3 compared with "Plan as is" side by side
 * (KPI table with deltas, best marked with ★, and a mini Gantt each); risk mode with progress and
 * Cancel; scenarios saved in the core (`whatIf.save/list/delete`).
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Scenario, ScenarioComparison, ScenarioResult } from '../../../shared/sim/scenario';
import type { FileIssue } from '../../../shared/files/positioned';
import type { SavedScenario } from '../../../shared/protocol/api';
import { useClient, useCoreData } from '../app/ClientContext';
import { MiniGantt, type GanttMove } from '../decide/MiniGantt';
import { kpiDiff, kpiValue, num } from '../decide/format';
import { useCurrentPerson } from '../decide/people';
import { ScenarioCommit } from '../commit/ScenarioCommit';
import { OptimizePanel } from './OptimizePanel';
import { RiskPanel } from './RiskPanel';
import type { WhatIfOptimizeResult } from '../../../shared/protocol/api';
import '../decide/decide.css';

interface Draft {
  key: number;
  text: string;
  file: string;
  scenario: Scenario | null;
  errors: FileIssue[];
  checking: boolean;
  result: ScenarioResult | null;
  inCompare: boolean;
}

const MAX_COMPARE = 3;
let nextKey = 1;

function template(name: string): string {
  return `takt: scenario\nname: ${name}\nhorizonHours: 24\nseed: 1\ndisruptions: []\nmoves: []\n`;
}

function newDraft(text: string, file = 'scenario.yaml'): Draft {
  return { key: nextKey++, text, file, scenario: null, errors: [], checking: true, result: null, inCompare: true };
}

const baselineOf = (horizonHours = 24): Scenario => ({ takt: 'scenario', name: 'Plan as is', horizonHours, seed: 1, disruptions: [], moves: [] });

export function WhatIfView() {
  const client = useClient();
  const [drafts, setDrafts] = useState<Draft[]>(() => [newDraft(template('Scenario 1'))]);
  const [active, setActive] = useState(0);
  const [comparison, setComparison] = useState<{ comparison: ScenarioComparison; results: ScenarioResult[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [saved, setSaved] = useState<SavedScenario[]>([]);
  const draft = drafts[Math.min(active, drafts.length - 1)]!;

  const update = useCallback((key: number, f: (d: Draft) => Draft) => setDrafts((ds) => ds.map((d) => (d.key === key ? f(d) : d))), []);

  // Validate the active text with the core (debounced): positioned errors, or the scenario.
  useEffect(() => {
    if (!client) return;
    const { key, text, file } = draft;
    let on = true;
    const t = setTimeout(() => {
      client.call('whatIf.parse', { text, file }).then(
        (r) => on && update(key, (d) => (d.text !== text ? d : { ...d, checking: false, scenario: r.ok ? r.scenario : null, errors: r.ok ? [] : r.errors })),
        (e: Error) => on && update(key, (d) => ({ ...d, checking: false, errors: [{ file, path: '', message: `could not check: ${e.message}` }] })),
      );
    }, 250);
    return () => {
      on = false;
      clearTimeout(t);
    };
  }, [client, draft.key, draft.text, draft.file, update]);

  const refreshSaved = useCallback(() => {
    client?.call('whatIf.list').then(
      (r) => setSaved(r.items),
      () => undefined,
    );
  }, [client]);
  useEffect(refreshSaved, [refreshSaved]);

  const setText = (text: string, file?: string) => update(draft.key, (d) => ({ ...d, text, checking: true, ...(file ? { file } : {}) }));

  /** Edits the scenario as plain data (the YAML may still have reference errors the core will point out). */
  const edit = (f: (s: Record<string, unknown>) => void, key = draft.key) => {
    const d = drafts.find((x) => x.key === key)!;
    let obj: Record<string, unknown>;
    try {
      obj = (parseYaml(d.text) as Record<string, unknown>) ?? {};
      if (typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not a mapping');
    } catch (e) {
      setMessage({ ok: false, text: `Fix the YAML first (${(e as Error).message.split('\n')[0]}), then use the forms.` });
      return false;
    }
    f(obj);
    update(key, (x) => ({ ...x, text: toYaml(obj, { lineWidth: 0 }), checking: true }));
    return true;
  };

  const call = async <T,>(what: string, f: () => Promise<T>): Promise<T | null> => {
    if (!client) return null;
    setBusy(what);
    setMessage(null);
    try {
      return await f();
    } catch (e) {
      setMessage({ ok: false, text: `${what} failed: ${(e as Error).message}` });
      return null;
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    if (!draft.scenario) return;
    const s = draft.scenario;
    const r = await call(`Run “${s.name}”`, () => client!.call('whatIf.run', { scenario: s }));
    if (r) {
      update(draft.key, (d) => ({ ...d, result: r }));
      setMessage({ ok: true, text: `“${s.name}” ran: ${r.kpis.lateOrders} late orders, cost ${num(r.kpis.cost, 0)} over ${r.horizonHours} h.` });
    }
  };

  const comparing = drafts.filter((d) => d.inCompare && d.scenario).slice(0, MAX_COMPARE);
  const compare = async () => {
    const scenarios = [baselineOf(comparing[0]?.scenario?.horizonHours), ...comparing.map((d) => d.scenario!)];
    const names = new Set<string>();
    for (const s of scenarios) {
      if (names.has(s.name)) return setMessage({ ok: false, text: `Two scenarios are named “${s.name}”: rename one before comparing.` });
      names.add(s.name);
    }
    const r = await call('Compare', () => client!.call('whatIf.compare', { scenarios }));
    if (r) {
      setComparison(r);
      setDrafts((ds) => ds.map((d) => ({ ...d, result: r.results.find((x) => x.name === d.scenario?.name && d.inCompare) ?? d.result })));
      setMessage({ ok: true, text: `Compared ${scenarios.length} scenarios on one fork of the live twin.` });
    }
  };

  const [person] = useCurrentPerson();
  const save = async () => {
    if (!draft.scenario) return;
    const s = draft.scenario;
    const r = await call('Save', () => client!.call('whatIf.save', { scenario: s, text: draft.text, ...(person ? { by: person } : {}) }));
    if (r) {
      setMessage({ ok: true, text: `Saved “${r.name}” in the core.` });
      refreshSaved();
    }
  };

  const addDraft = (text: string, file?: string) => {
    setDrafts((ds) => [...ds, newDraft(text, file)]);
    setActive(drafts.length);
  };

  const onGanttMove = (key: number) => (m: GanttMove) => {
    const ok = edit((s) => {
      const moves = Array.isArray(s.moves) ? (s.moves as unknown[]) : [];
      moves.push(m.sameLine ? { type: 'sequence', order: m.order, position: m.position } : { type: 'move', order: m.order, line: m.line, position: m.position });
      s.moves = moves;
    }, key);
    if (ok) setMessage({ ok: true, text: `Added a move: ${m.order} → ${m.line}, slot ${m.position + 1}. Run or compare again to see its effect.` });
  };

  /** An optimized scenario becomes a draft of its own, compared with the one it came from. */
  const onOptimized = (r: WhatIfOptimizeResult) => {
    const from = draft.key;
    const d: Draft = { ...newDraft(toYaml(r.scenario, { lineWidth: 0 })), scenario: r.scenario, result: r.results[1] ?? null, inCompare: true };
    setDrafts((ds) => [...ds.map((x) => (x.key === from ? { ...x, result: r.results[0] ?? x.result, inCompare: true } : x.scenario?.name === r.scenario.name ? { ...x, inCompare: false } : x)), d]);
    setActive(drafts.length);
    setComparison({ comparison: r.comparison, results: r.results });
    setMessage({ ok: true, text: `Optimized “${r.results[0]?.name}”: the re-plan is the new scenario “${r.scenario.name}”.` });
  };

  const fileInput = useRef<HTMLInputElement>(null);
  const ids = { text: useId(), file: useId(), errors: useId() };
  const lineOf = (e: FileIssue) => (e.line ? `line ${e.line}${e.column ? `:${e.column}` : ''}` : e.path || 'file');

  return (
    <div className="wi-view" data-testid="whatif-view">
      <div className="wi-tabs" role="group" aria-label="Scenarios">
        {drafts.map((d, i) => (
          <button key={d.key} type="button" aria-current={i === active} className="wi-tab" onClick={() => setActive(i)}>
            {d.scenario?.name ?? (d.errors.length ? `⚠ invalid scenario` : 'checking…')}
            {d.errors.length > 0 && <span className="visually-hidden"> (has errors)</span>}
          </button>
        ))}
        <button type="button" className="wi-tab wi-add" data-testid="add-scenario" disabled={drafts.length >= 8} onClick={() => addDraft(template(`Scenario ${drafts.length + 1}`))}>
          + New scenario
        </button>
      </div>
      <div className="wi-body">
        <section className="wi-editor" aria-label="Scenario editor">
          <div className="wi-row">
            <button type="button" onClick={() => fileInput.current?.click()}>
              Load YAML file…
            </button>
            <input
              ref={fileInput}
              id={ids.file}
              data-testid="scenario-file"
              type="file"
              accept=".yaml,.yml,.json"
              className="visually-hidden"
              tabIndex={-1}
              aria-label="Scenario file"
              onChange={(e) => {
                const input = e.target;
                const f = input.files?.[0];
                if (!f) return;
                f.text().then(
                  (text) => {
                    setText(text, f.name);
                    input.value = '';
                  },
                  (err: Error) => setMessage({ ok: false, text: `Could not read ${f.name}: ${err.message}. Choose the file again.` }),
                );
              }}
            />
            {/* call() reports a failure in the message line and resolves to null: it never rejects. */}
            {saved.length > 0 && <SavedPicker saved={saved} onOpen={(s) => addDraft(s.text ?? toYaml(s.scenario), `${s.name}.yaml`)} onDelete={(s) => void call('Delete', () => client!.call('whatIf.delete', { name: s.name })).then((r) => r && refreshSaved())} />}
            <label className="wi-check">
              <input type="checkbox" checked={draft.inCompare} onChange={(e) => update(draft.key, (d) => ({ ...d, inCompare: e.target.checked }))} /> in comparison
            </label>
            {drafts.length > 1 && (
              <button
                type="button"
                onClick={() => {
                  setDrafts((ds) => ds.filter((d) => d.key !== draft.key));
                  setActive(0);
                }}
              >
                Close tab
              </button>
            )}
          </div>
          <DisruptionForm
            onAdd={(d, move) =>
              edit((s) => {
                const k = move ? 'moves' : 'disruptions';
                s[k] = [...(Array.isArray(s[k]) ? (s[k] as unknown[]) : []), d];
              })
            } onRename={(name) => edit((s) => void (s.name = name))} name={draft.scenario?.name ?? ''} />
          <label htmlFor={ids.text} className="wi-label">
            Scenario YAML <span className="muted">({draft.file})</span>
          </label>
          <textarea
            id={ids.text}
            data-testid="scenario-yaml"
            className={draft.errors.length ? 'wi-yaml invalid' : 'wi-yaml'}
            value={draft.text}
            spellCheck={false}
            aria-invalid={draft.errors.length > 0}
            aria-describedby={ids.errors}
            onChange={(e) => setText(e.target.value)}
          />
          <div id={ids.errors} className="wi-errors" data-testid="scenario-errors" aria-live="polite">
            {draft.checking ? (
              <p className="muted">Checking…</p>
            ) : draft.errors.length ? (
              <ul>
                {draft.errors.map((e, i) => (
                  <li key={i}>
                    <span className="check-mark">✗</span> <strong>{lineOf(e)}</strong>
                    {e.path ? <code> {e.path}</code> : null}: {e.message}
                    {e.expected ? <span className="muted"> (expected {e.expected})</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="ok-text">✓ Valid: {draft.scenario?.disruptions.length ?? 0} disruptions, {draft.scenario?.moves.length ?? 0} moves.</p>
            )}
          </div>
          <div className="wi-row">
            <button type="button" className="primary" data-testid="run-scenario" disabled={!draft.scenario || !!busy} onClick={() => void run()}>
              Run
            </button>
            <button type="button" data-testid="compare" disabled={comparing.length === 0 || !!busy} onClick={() => void compare()}>
              Compare {comparing.length} with “Plan as is”
            </button>
            <button type="button" disabled={!draft.scenario || !!busy} onClick={() => void save()}>
              Save in the core
            </button>
          </div>
          <p className="wi-message" role="status" data-testid="whatif-message">
            {busy ? `${busy}…` : message && <span className={message.ok ? '' : 'ex-error-text'}>{message.text}</span>}
          </p>
          <OptimizePanel scenario={draft.scenario} onOptimized={onOptimized} />
          <RiskPanel scenario={draft.scenario} />
        </section>
        <section className="wi-results" aria-label="Results" tabIndex={0}>
          {comparison ? (
            <>
              <CompareTable c={comparison.comparison} />
              <ScenarioCommit candidates={comparison.comparison.scenarios.slice(1).flatMap((n) => drafts.filter((d) => d.inCompare && d.scenario?.name === n).slice(0, 1).map((d) => ({ scenario: d.scenario!, text: d.text })))} />
            </>
          ) : (
            <p className="muted">Run a scenario, or compare the scenarios ticked “in comparison” with the plan as is. Drag an order bar in a Gantt to another line or slot to add a move.</p>
          )}
          <Gantts comparison={comparison} drafts={drafts} activeKey={draft.key} onMove={onGanttMove} />
        </section>
      </div>
    </div>
  );
}

function SavedPicker({ saved, onOpen, onDelete }: { saved: SavedScenario[]; onOpen(s: SavedScenario): void; onDelete(s: SavedScenario): void }) {
  const [name, setName] = useState('');
  const id = useId();
  const s = saved.find((x) => x.name === name);
  return (
    <span className="wi-saved">
      <label htmlFor={id}>Saved</label>
      <select id={id} value={name} onChange={(e) => setName(e.target.value)}>
        <option value="">— {saved.length} saved —</option>
        {saved.map((x) => (
          <option key={x.name} value={x.name}>
            {x.name}
          </option>
        ))}
      </select>
      <button type="button" disabled={!s} onClick={() => s && onOpen(s)}>
        Open
      </button>
      <button type="button" disabled={!s} onClick={() => s && onDelete(s)}>
        Delete
      </button>
    </span>
  );
}

type Kind = 'line-down' | 'component-short' | 'rush-order' | 'absence' | 'demand-change' | 'move';

function DisruptionForm({ onAdd, onRename, name }: { onAdd(d: Record<string, unknown>, move: boolean): void; onRename(n: string): void; name: string }) {
  const plant = useCoreData().plant;
  const [kind, setKind] = useState<Kind>('line-down');
  const [f, setF] = useState<Record<string, string>>({});
  const [nameText, setNameText] = useState(name);
  useEffect(() => setNameText(name), [name]);
  const id = useId();
  const lines = useMemo(() => plant?.areas.flatMap((a) => a.lines.map((l) => l.id)) ?? [], [plant]);
  const opts = useMemo(
    () => ({
      line: lines,
      component: plant?.components.map((c) => c.id) ?? [],
      sku: plant?.products.map((p) => p.sku) ?? [],
      customer: plant?.customers.map((c) => c.id) ?? [],
    }),
    [plant, lines],
  );
  const v = (k: string, d = '') => f[k] ?? d;
  const n = (k: string, d: number) => (f[k] !== undefined && f[k] !== '' ? Number(f[k]) : d);
  const field = (k: string, label: string, kindOf: 'text' | 'number' | keyof typeof opts, def = '') => {
    const fid = `${id}-${k}`;
    return (
      <span className="wi-field" key={k}>
        <label htmlFor={fid}>{label}</label>
        {kindOf === 'text' || kindOf === 'number' ? (
          <input id={fid} type={kindOf} step="any" value={v(k, def)} onChange={(e) => setF({ ...f, [k]: e.target.value })} size={kindOf === 'number' ? 5 : 12} />
        ) : (
          <select id={fid} value={v(k, def || opts[kindOf][0] || '')} onChange={(e) => setF({ ...f, [k]: e.target.value })}>
            {opts[kindOf].map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        )}
      </span>
    );
  };
  const build = (): Record<string, unknown> | null => {
    switch (kind) {
      case 'line-down':
        return { type: 'line-down', line: v('line', lines[0]), atHours: n('atHours', 0), hours: n('hours', 2), ...(v('reason') ? { reason: v('reason') } : {}) };
      case 'component-short':
        return { type: 'component-short', component: v('component', opts.component[0]), atHours: n('atHours', 0), ...(v('qty') ? { qty: n('qty', 0) } : { untilHours: n('untilHours', 8) }) };
      case 'rush-order':
        return { type: 'rush-order', id: v('id', 'RUSH-1'), sku: v('sku', opts.sku[0]), qty: n('qty', 1000), customer: v('customer', opts.customer[0]), atHours: n('atHours', 0), dueInHours: n('dueInHours', 8), front: v('front') === 'yes' };
      case 'absence':
        return { type: 'absence', atHours: n('atHours', 0), hours: n('hours', 8), count: n('count', 1), line: v('line', lines[0]) };
      case 'demand-change':
        return { type: 'demand-change', atHours: n('atHours', 0), sku: v('sku', opts.sku[0]), factor: n('factor', 1.2) };
      case 'move':
        return { type: 'move', order: v('order'), line: v('line', lines[0]), ...(v('position') ? { position: n('position', 0) } : {}) };
    }
  };
  return (
    <form
      className="wi-form"
      aria-label="Compose the scenario"
      onSubmit={(e) => {
        e.preventDefault();
        const d = build();
        if (!d) return;
        onAdd(d, kind === 'move');
      }}
    >
      <span className="wi-field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={nameText} onChange={(e) => setNameText(e.target.value)} onBlur={() => nameText.trim() && nameText !== name && onRename(nameText.trim())} size={22} data-testid="scenario-name" />
      </span>
      <span className="wi-field">
        <label htmlFor={`${id}-kind`}>Add</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          <option value="line-down">Line down N h from T</option>
          <option value="component-short">Component short</option>
          <option value="rush-order">Rush order</option>
          <option value="absence">Absence</option>
          <option value="demand-change">Demand change</option>
          <option value="move">Move an order (manual)</option>
        </select>
      </span>
      {kind === 'line-down' && [field('line', 'Line', 'line'), field('atHours', 'From h', 'number', '0'), field('hours', 'For h', 'number', '2'), field('reason', 'Reason', 'text')]}
      {kind === 'component-short' && [field('component', 'Component', 'component'), field('atHours', 'From h', 'number', '0'), field('untilHours', 'Unusable until h', 'number', '8'), field('qty', 'or stock lost', 'number')]}
      {kind === 'rush-order' && [field('id', 'Order id', 'text', 'RUSH-1'), field('sku', 'SKU', 'sku'), field('qty', 'Qty', 'number', '1000'), field('customer', 'Customer', 'customer'), field('dueInHours', 'Due in h', 'number', '8')]}
      {kind === 'absence' && [field('line', 'Line', 'line'), field('count', 'People', 'number', '1'), field('atHours', 'From h', 'number', '0'), field('hours', 'For h', 'number', '8')]}
      {kind === 'demand-change' && [field('sku', 'SKU', 'sku'), field('factor', 'Factor', 'number', '1.2'), field('atHours', 'From h', 'number', '0')]}
      {kind === 'move' && [field('order', 'Order', 'text'), field('line', 'To line', 'line'), field('position', 'Slot (0 = next)', 'number')]}
      <button type="submit">Add</button>
    </form>
  );
}

function CompareTable({ c }: { c: ScenarioComparison }) {
  return (
    // Focusable: a wide comparison scrolls sideways on small screens, and keyboard users must reach it.
    <div className="wi-table-wrap" tabIndex={0} role="region" aria-label="KPI comparison">
      <table className="wi-kpis" data-testid="kpi-table">
        <caption>KPIs over the horizon; Δ against “{c.scenarios[0]}”; ★ marks the best value per KPI</caption>
        <thead>
          <tr>
            <th scope="col">KPI</th>
            {c.scenarios.map((s, i) => (
              <th scope="col" key={s} className="num" data-testid="kpi-scenario">
                {s}
                {i === 0 && <span className="muted"> (baseline)</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {c.rows.map((r) => {
            return (
              <tr key={r.kpi}>
                <th scope="row">
                  {r.label}
                  {r.unit && <span className="muted"> ({r.unit})</span>} <span className="muted small">{r.better === 'lower' ? '↓ better' : '↑ better'}</span>
                </th>
                {r.values.map((v, i) => {
                  const d = r.deltas[i];
                  const best = r.best === i && r.values.some((x) => x !== v);
                  return (
                    <td key={i} className={best ? 'num best' : 'num'}>
                      {best && (
                        <span className="best-mark" title="best">
                          ★<span className="visually-hidden"> best</span>{' '}
                        </span>
                      )}
                      {kpiValue(r.kpi, v)}
                      {d !== null && d !== undefined && <span className="wi-delta"> ({kpiDiff(r.kpi, d)})</span>}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Gantts({ comparison, drafts, activeKey, onMove }: { comparison: { results: ScenarioResult[] } | null; drafts: Draft[]; activeKey: number; onMove(key: number): (m: GanttMove) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const timeZone = useCoreData().plant?.site.timezone ?? 'UTC';
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  const items: { key: string; label: string; result: ScenarioResult; draftKey: number | null }[] = [];
  if (comparison) {
    for (const r of comparison.results) {
      const d = drafts.find((x) => x.scenario?.name === r.name && x.inCompare);
      items.push({ key: `c-${r.name}`, label: r.name, result: r, draftKey: d?.key ?? null });
    }
  } else {
    const d = drafts.find((x) => x.key === activeKey);
    if (d?.result) items.push({ key: `d-${d.key}`, label: d.result.name, result: d.result, draftKey: d.key });
  }
  const cols = items.length > 1 ? 2 : 1;
  // each figure has 8 px padding and a 1 px border on both sides
  const w = Math.max(280, Math.floor((width - (cols - 1) * 12) / cols) - 18);
  return (
    <div ref={host} className="wi-gantts" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }}>
      {items.map((it) => (
        <figure key={it.key} className="wi-gantt" data-testid="mini-gantt">
          <figcaption>
            <strong>{it.label}</strong> <span className="muted small">{it.draftKey !== null ? 'drag an order bar to another line or slot to add a move' : 'baseline (read only)'}</span>
          </figcaption>
          <MiniGantt result={it.result} width={w} label={it.label} {...(it.draftKey !== null ? { onMove: onMove(it.draftKey) } : {})} />
        </figure>
      ))}
      {items.length > 0 && (
        <p className="muted small wi-legend">
          <span className="sw sw-run" /> run <span className="sw sw-late" /> late order (dark, red outline) <span className="sw sw-setup" /> changeover <span className="sw sw-down" /> down <span className="sw sw-held" /> QA hold · times in plant time ({timeZone})
        </p>
      )}
    </div>
  );
}
