/**
 * What-if "Optimize": the scenario's disruptions (and moves) in, the re-planner's best plan for
 * the next N hours out as a scenario of its own, compared with the one it came from. With an empty
 * scenario it optimizes the plan as is for the whole plant; "at most N moved orders" limits the
 * change. The search runs in the core on a worker thread: progress shows its best objective so
 * far, Cancel stops it.
 */
import { useId, useRef, useState } from 'react';
import type { Scenario } from '../../../shared/sim/scenario';
import type { WhatIfOptimizeResult } from '../../../shared/protocol/api';
import { useClient } from '../app/ClientContext';
import { ReplanDetail } from '../commit/ReplanDetail';

export function OptimizePanel({ scenario, onOptimized }: { scenario: Scenario | null; onOptimized(r: WhatIfOptimizeResult): void }) {
  const client = useClient();
  const [hours, setHours] = useState(24);
  const [maxMoved, setMaxMoved] = useState('');
  const [seconds, setSeconds] = useState(3);
  const [progress, setProgress] = useState<{ done: number; total: number; label?: string } | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [last, setLast] = useState<WhatIfOptimizeResult | null>(null);
  const ac = useRef<AbortController | null>(null);
  const ids = { h: useId(), m: useId(), s: useId() };
  const limit = maxMoved.trim() === '' ? undefined : Math.max(0, Math.floor(Number(maxMoved)));

  const start = async () => {
    if (!client || !scenario) return;
    const c = new AbortController();
    ac.current = c;
    setNote(null);
    setProgress({ done: 0, total: seconds * 1000 });
    try {
      const r = await client.call(
        'whatIf.optimize',
        { scenario, hours, timeLimitMs: Math.round(seconds * 1000), ...(limit !== undefined && Number.isFinite(limit) ? { maxMoved: limit } : {}) },
        { signal: c.signal, onProgress: (done, total, label) => setProgress({ done, total, ...(label ? { label } : {}) }) },
      );
      setLast(r);
      onOptimized(r);
      const [a, b] = r.results;
      setNote(`“${r.scenario.name}”: ${r.moved} order${r.moved === 1 ? '' : 's'} moved; forecast cost ${Math.round(a!.kpis.cost)} → ${Math.round(b!.kpis.cost)}, late orders ${a!.kpis.lateOrders} → ${b!.kpis.lateOrders}. Save it, then commit it from the comparison.`);
    } catch (e) {
      setNote(c.signal.aborted ? 'Optimize cancelled.' : `Optimize failed: ${(e as Error).message}`);
    } finally {
      if (ac.current === c) ac.current = null;
      setProgress(null);
    }
  };
  const running = progress !== null;
  const empty = scenario !== null && scenario.disruptions.length === 0 && scenario.moves.length === 0;
  return (
    <section className="wi-risk wi-optimize" aria-label="Optimize" data-testid="optimize-panel">
      <h3>Optimize {empty ? `the next ${hours} hours (whole plant)` : 'this scenario'}</h3>
      <p className="muted small">The re-planner assigns and sequences the open orders of the next hours across the lines, with the plant’s constraints and the rule set’s costs, and writes its plan as a new scenario to compare, save and commit.</p>
      <div className="wi-row">
        <span className="wi-field">
          <label htmlFor={ids.h}>Hours</label>
          <input id={ids.h} type="number" min={1} max={168} value={hours} onChange={(e) => setHours(Math.max(1, Math.min(168, Number(e.target.value) || 24)))} style={{ width: '5em' }} />
        </span>
        <span className="wi-field">
          <label htmlFor={ids.m}>At most moved orders</label>
          <input id={ids.m} type="number" min={0} placeholder="no limit" value={maxMoved} onChange={(e) => setMaxMoved(e.target.value)} style={{ width: '6em' }} data-testid="optimize-max-moved" />
        </span>
        <span className="wi-field">
          <label htmlFor={ids.s}>Search (s)</label>
          <input id={ids.s} type="number" min={0.1} max={60} step={0.5} value={seconds} onChange={(e) => setSeconds(Math.max(0.1, Math.min(60, Number(e.target.value) || 3)))} style={{ width: '4.5em' }} />
        </span>
        <button type="button" data-testid="optimize-run" disabled={!scenario || running} onClick={() => void start()}>
          Optimize
        </button>
        <button type="button" data-testid="optimize-cancel" disabled={!running} onClick={() => ac.current?.abort()}>
          Cancel
        </button>
      </div>
      {running && (
        <p role="status" className="small">
          <progress max={progress.total} value={progress.done} /> {progress.label ?? 'starting the search…'}
        </p>
      )}
      {note && (
        <p className="small" role="status" data-testid="optimize-note">
          {note}
        </p>
      )}
      {last && !running && <ReplanDetail d={last.replan} />}
    </section>
  );
}
