/**
 * `takt review [--decision ID] [--data dir] [--plant f] [--json]`: how good the committed decisions'
 * forecasts and choices were, from a data folder — the same `decisions.review` and
 * `decisions.reviewWeekly` the console's Decision quality panel calls, so the numbers agree.
 *
 * Without `--decision` it prints the weekly roll-up and one line per reviewed decision; with it,
 * that decision's review in full (receipt forecast against what happened, each order's end error,
 * regret and against which option, what the hindsight forecast could not check).
 *
 * Like `takt report` it opens the folder with the plant core (no simulator, no connectors), so stop
 * a core serving the same folder first.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCore } from '../core/core';
import { ProtocolClient, RemoteError } from '../../shared/protocol/client';
import { memoryTransportPair } from '../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../shared/auth/caller';
import { plantTime, type PlantTimeFormat } from '../../shared/clock/plant-time';
import type { DecisionQualityReport, DecisionReview } from '../../shared/decide/review';

export interface ReviewCommandOptions {
  data: string;
  plant?: string;
  decision?: string;
  json?: boolean;
  /** Where output goes (tests); defaults to stdout and stderr. */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const num = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mins = (x: number | null) => (x === null ? '—' : `${num(x)} min`);
const signedMins = (x: number) => `${x >= 0 ? '+' : '−'}${num(Math.abs(x))} min`;

/** One decision's review in words, in plant time. */
export function formatReview(r: DecisionReview, t: PlantTimeFormat): string[] {
  const lines = [`Decision ${r.decisionId}${r.scenario ? ` (what-if scenario '${r.scenario.name}', ${r.scenario.assumptions} assumption${r.scenario.assumptions === 1 ? '' : 's'})` : ''}: reviewed until ${t.full(r.reviewedUntil)}`];
  lines.push(`  cost: forecast at commit ${num(r.forecastCost)}, with hindsight ${num(r.hindsightCost)}; best in hindsight '${r.best.title}' (${r.best.id}) ${num(r.best.cost)}; regret ${num(r.regret)}`);
  lines.push(`  projected order ends: MAE ${mins(r.endMaeMinutes)} over ${r.endErrors.length} order${r.endErrors.length === 1 ? '' : 's'}`);
  for (const e of r.endErrors) lines.push(`    ${e.orderId.padEnd(14)} forecast ${t.relative(e.projectedEnd, r.reviewedUntil).padEnd(10)} actual ${t.relative(e.actualEnd, r.reviewedUntil).padEnd(10)} ${signedMins(e.errorMinutes)}`);
  if (r.missedEnds.length) lines.push(`  forecast to finish but did not: ${r.missedEnds.join(', ')}`);
  if (r.unforeseenEnds.length) lines.push(`  finished though not forecast to: ${r.unforeseenEnds.join(', ')}`);
  lines.push(`  decision cycle time (raise → commit): ${mins(r.cycleMinutes)}`);
  if (r.actual) {
    const k = r.actual.iso;
    const pct = (v: number | null) => (v === null ? '—' : `${num(v * 100)} %`);
    lines.push(`  actual over the horizon (${r.actual.lineIds.join(', ') || 'no line'}): OEE ${pct(k.oee.value)}, availability ${pct(k.availability.value)}, effectiveness ${pct(k.effectiveness.value)}, quality ${pct(k.qualityRatio.value)}`);
  }
  for (const g of r.hindsightGaps ?? []) lines.push(`  not checked in hindsight: ${g}`);
  return lines;
}

/** The weekly roll-up as a table, plant weeks. */
export function formatWeekly(q: DecisionQualityReport, t: PlantTimeFormat): string[] {
  const lines = [`${q.reviewed} decision${q.reviewed === 1 ? '' : 's'} reviewed, ${q.pending} waiting for their horizon${q.skipped.length ? `, ${q.skipped.length} not reviewable` : ''}`];
  if (q.weeks.length) {
    lines.push('week of      decisions  end MAE     regret   cycle time');
    for (const w of q.weeks) lines.push(`${t.date(w.week)}  ${String(w.decisions).padStart(9)}  ${mins(w.endMaeMinutes).padStart(10)}  ${num(w.meanRegret).padStart(8)}  ${mins(w.meanCycleMinutes).padStart(10)}`);
  }
  for (const s of q.skipped) lines.push(`  ${s.id}: ${s.reason}`);
  return lines;
}

export async function reviewCommand(o: ReviewCommandOptions): Promise<number> {
  const out = o.out ?? ((s: string) => void process.stdout.write(s + '\n'));
  const err = o.err ?? ((s: string) => void process.stderr.write(s + '\n'));
  if (!existsSync(join(o.data, 'journal.sqlite'))) {
    err(`takt review: no journal in ${o.data}: run the core first (npm start) or pass --data <folder>`);
    return 1;
  }
  let core;
  try {
    core = await startCore({ dataDir: o.data, plantFile: o.plant, simulator: false, speed: 1 });
  } catch (e) {
    err(`takt review: cannot open ${o.data}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const [server, clientSide] = memoryTransportPair();
    core.connect(server, SYSTEM_CALLER);
    const client = new ProtocolClient(clientSide);
    const plant = await client.call('plant.get');
    const t = plantTime(plant.site.timezone);
    if (o.decision) {
      const r = await client.call('decisions.review', { id: o.decision });
      if (o.json) out(JSON.stringify(r));
      else formatReview(r, t).forEach((l) => out(l));
      return 0;
    }
    const q = await client.call('decisions.reviewWeekly', { limit: 1000 });
    if (o.json) out(JSON.stringify(q));
    else formatWeekly(q, t).forEach((l) => out(l));
    return 0;
  } catch (e) {
    const where = e instanceof RemoteError && e.error.path ? ` (${e.error.path})` : '';
    err(`takt review: ${(e as Error).message}${where}`);
    return 1;
  } finally {
    await core.close();
  }
}
