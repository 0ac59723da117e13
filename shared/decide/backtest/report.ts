/**
 * A backtest for people: a plain-text summary (the CLI) and a one-page HTML report (printed to
 * PDF by `takt backtest --out`). Pure string building; times in the plant's zone.
 */
import { plantTime } from '../../clock/plant-time';
import type { BacktestDifference, BacktestResult, DecisionComparison, OutcomeKpis } from './types';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const signed = (x: number, digits = 0) => {
  const r = Number(x.toFixed(digits));
  return r > 0 ? `+${r.toLocaleString('en-US')}` : r.toLocaleString('en-US');
};

/** KPI deltas in words: `lateness cost +1,200, late orders +1, changeover +35 min, OEE −0.4 pt`. */
export function kpiDeltaText(d: OutcomeKpis): string {
  return `lateness cost ${signed(d.latenessCost)}, late orders ${signed(d.lateOrders)}, changeover ${signed(d.changeoverMinutes)} min, OEE ${signed(d.oee * 100, 1)} pt`;
}

function decisionText(d: DecisionComparison): string {
  const side = (o: DecisionComparison['recorded']) => `${o.option ? o.option.title : 'no exception: plan as is'}${o.approvals.length ? ` (approval: ${o.approvals.map((a) => a.approver).join(', ')})` : ''}`;
  return `recorded → ${side(d.recorded)}; candidate → ${side(d.candidate)}; ${kpiDeltaText(d.delta)}`;
}

/**
 * Which recorded rule sets judged the period, and where the folder's rule history did not reach
 * (the stand-in, the rules active now, judged there): empty when one rule set from the history
 * judged it all.
 */
export function recordedRulesLines(r: BacktestResult, day: (t: number) => string): string[] {
  const out: string[] = [];
  const spans = r.recordedRules ?? [];
  if (spans.length > 1) out.push(`recorded rules switched inside the period: ${spans.map((s) => `${s.version} (${s.hash}) from ${day(s.from)}${s.fromHistory ? '' : ' (stand-in)'}`).join(', then ')}`);
  if (r.recordedStandIn) {
    const stretch = r.recordedStandIn.until === null ? 'for the whole period' : `until ${day(r.recordedStandIn.until)}`;
    out.push(`no rule history ${stretch} (a data folder from before activations were kept): the recorded side there is judged under the rules active now, ${spans[0]?.version ?? r.recorded.version}, which may not be those the journal was recorded under`);
  }
  return out;
}

const KIND: Record<BacktestDifference['kind'], string> = { extra: 'raised only by the candidate', missing: 'raised only by the recorded rules', priority: 'other priority', suppression: 'suppressed by one, not detected by the other' };

export function backtestSummaryText(r: BacktestResult, timeZone = 'UTC', limit = 40): string {
  const pt = plantTime(timeZone);
  const out: string[] = [];
  out.push(`backtest ${pt.full(r.period.from)} – ${pt.full(r.period.to)} plant time (${pt.zone}), a detection pass every ${r.period.stepMinutes} min (${r.passes} passes, ${r.signals} signals)`);
  out.push(`recorded rules ${r.recorded.version} (${r.recorded.hash}): ${r.recorded.raised} raised, ${r.recorded.cleared} cleared`);
  out.push(`candidate rules ${r.candidate.version} (${r.candidate.hash}): ${r.candidate.raised} raised, ${r.candidate.cleared} cleared`);
  out.push(...recordedRulesLines(r, pt.day));
  out.push(r.ruleChanges.length ? `rule changes detection sees: ${r.ruleChanges.join('; ')}` : 'no rule change that exception detection sees');
  if (r.decisionRulesDiffer) out.push('the decision rules (priority, constraints, escalation, workflows) differ too');
  out.push(`differences: ${r.differences.length} (${r.counts.extra} extra, ${r.counts.missing} missing, ${r.counts.priority} other priority, ${r.counts.suppression} suppression); decisions compared: ${r.decisionsEvaluated}${r.decisionsSkipped ? ` (${r.decisionsSkipped} more past the limit, counted only: raise it with --max-decisions)` : ''}, other decisions on shared exceptions: ${r.decisions.length}`);
  out.push(`KPI effect (Σ candidate − recorded over the compared decisions): ${kpiDeltaText(r.kpiDelta)}`);
  for (const d of r.differences.slice(0, limit)) {
    const who = d.candidate ?? d.recorded;
    out.push(`  ${d.id} ${pt.day(d.from)}–${d.until === null ? 'end' : pt.day(d.until)} ${d.key}: ${KIND[d.kind]}${d.kind === 'priority' ? ` (${d.recorded?.priority} → ${d.candidate?.priority})` : ''} — ${who?.title ?? ''}`);
    out.push(`      rule: ${d.rules.join('; ')}`);
    if (d.decision) out.push(`      decision: ${decisionText(d.decision)}`);
  }
  if (r.differences.length > limit) out.push(`  … ${r.differences.length - limit} more (--json lists them all)`);
  for (const d of r.decisions.slice(0, 10)) out.push(`  decision on ${d.key} at ${pt.day(d.decision.at)}: ${decisionText(d.decision)}`);
  out.push(`results hash ${r.resultsHash}`);
  return out.join('\n');
}

/** One A4 landscape page: the summary and as many differences as fit. */
export function backtestReportHtml(r: BacktestResult, opts: { plantName: string; timeZone?: string; rows?: number } = { plantName: '' }): string {
  const pt = plantTime(opts.timeZone ?? 'UTC');
  const rows = opts.rows ?? 22;
  const tr = r.differences
    .slice(0, rows)
    .map(
      (d) =>
        `<tr><td>${esc(d.id)}</td><td>${esc(pt.day(d.from))}</td><td>${esc(d.until === null ? 'end' : pt.day(d.until))}</td><td>${esc(d.key)}</td><td>${esc(KIND[d.kind])}</td><td>${esc(d.recorded ? d.recorded.priority + (d.recorded.suppressedBy ? ' (suppressed)' : '') : '—')}</td><td>${esc(d.candidate ? d.candidate.priority + (d.candidate.suppressedBy ? ' (suppressed)' : '') : '—')}</td><td>${esc(d.rules.join('; '))}</td><td>${esc(d.decision ? kpiDeltaText(d.decision.delta) : '—')}</td></tr>`,
    )
    .join('');
  const more = r.differences.length > rows ? `<p class="more">${r.differences.length - rows} more differences: <code>takt backtest --json</code> lists them all.</p>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Backtest ${esc(r.candidate.version)} against ${esc(r.recorded.version)}</title><style>
@page{size:A4 landscape;margin:10mm 9mm}body{font:10px system-ui,sans-serif;color:#2b3035;margin:0}h1{font-size:15px;margin:0 0 4px}p{margin:2px 0}
table{border-collapse:collapse;width:100%;margin-top:6px}th,td{border-bottom:1px solid #d0d4d8;padding:2px 4px;text-align:left;vertical-align:top}th{background:#eef0f1}.more{color:#50575e}code{font-size:9px}
</style></head><body>
<h1>Backtest: rules ${esc(r.candidate.version)} against ${esc(r.recorded.version)} — ${esc(opts.plantName)}</h1>
<p>${esc(pt.full(r.period.from))} – ${esc(pt.full(r.period.to))} plant time (${esc(pt.zone)}), a detection pass every ${r.period.stepMinutes} min: ${r.passes} passes over ${r.signals.toLocaleString('en-US')} journaled signals.</p>
<p>Recorded ${esc(r.recorded.hash)}: ${r.recorded.raised} raised, ${r.recorded.cleared} cleared. Candidate ${esc(r.candidate.hash)}: ${r.candidate.raised} raised, ${r.candidate.cleared} cleared.</p>
${recordedRulesLines(r, pt.day)
  .map((l) => `<p><b>${esc(l)}</b></p>`)
  .join('')}
<p>Rule changes detection sees: ${esc(r.ruleChanges.join('; ') || 'none')}${r.decisionRulesDiffer ? '; the decision rules differ too' : ''}.</p>
<p><b>${r.differences.length} differences</b> (${r.counts.extra} extra, ${r.counts.missing} missing, ${r.counts.priority} other priority, ${r.counts.suppression} suppression); ${r.decisionsEvaluated} decisions compared${r.decisionsSkipped ? ` (${r.decisionsSkipped} more not evaluated)` : ''}. KPI effect, candidate − recorded: ${esc(kpiDeltaText(r.kpiDelta))}.</p>
<table><thead><tr><th>#</th><th>from</th><th>until</th><th>condition</th><th>difference</th><th>recorded</th><th>candidate</th><th>rule that made it</th><th>KPI effect of the decision</th></tr></thead><tbody>${tr}</tbody></table>${more}
<p class="more">Results hash ${esc(r.resultsHash)}.</p>
</body></html>`;
}
