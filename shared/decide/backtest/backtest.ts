/**
 * Backtest: replays a recorded journal through the twin and, at every detection pass of the
 * period (a fixed plant-time grid, so the result does not depend on how fast the replay runs),
 * detects exceptions under the recorded rule set and under a candidate. Where the two disagree it
 * records a difference (extra, missing, other priority, suppressed) with the rule changes that
 * alone make it, and evaluates the decision each rule set would have taken there (top option,
 * approvals, forecast KPIs: ./outcome.ts). Where both raise the same exception but the decision
 * rules differ, the decisions are compared as well.
 *
 * Deterministic: same journal, rules and options → same result and `resultsHash`. Long runs
 * report progress and can be cancelled (an AbortSignal) between detection passes. Pure: the
 * caller reads the journal and hands its entries in.
 */
import { createTwin, type Twin } from '../../twin/twin';
import { MINUTE } from '../../twin/schedule';
import type { Signal } from '../../signals/schema';
import { canonicalJson, fnv1a64 } from '../../twin/hash';
import { detectExceptions, type DetectedCondition } from '../exceptions';
import type { RuleSet } from '../rules-schema';
import { createDetectionContext } from './detection-context';
import { decisionRulesKey, describeChange, detectionRuleChanges, withChange, type RuleChange } from './rule-diff';
import { compareDecisions, kpiSum, ZERO_KPIS } from './outcome';
import type { LoadedRules } from '../rules-parse';
import type { BacktestControl, RecordedRulesSpan, BacktestDifference, BacktestInput, BacktestResult, DecisionComparison, DecisionDifference, DifferenceKind, SideView } from './types';

export * from './types';
export { createDetectionContext } from './detection-context';
export { describeChange, detectionRuleChanges } from './rule-diff';

export class BacktestCancelled extends Error {
  override readonly name = 'BacktestCancelled';
  constructor(at: number) {
    super(`the backtest was cancelled at plant time ${new Date(at).toISOString()}`);
  }
}

/** A condition's state under one rule set: absent, detected but suppressed, or raised at a priority. */
type State = 'absent' | 'suppressed' | DetectedCondition['priority'];

const stateOf = (c: DetectedCondition | undefined): State => (!c ? 'absent' : c.suppressedBy ? 'suppressed' : c.priority);
const raised = (s: State) => s !== 'absent' && s !== 'suppressed';

function kindOf(a: State, b: State): DifferenceKind | null {
  if (a === b) return null;
  if (raised(a) && raised(b)) return 'priority';
  if (raised(b)) return 'extra';
  if (raised(a)) return 'missing';
  return 'suppression';
}

const view = (c: DetectedCondition | undefined): SideView | null => (c ? { priority: c.priority, ...(c.suppressedBy ? { suppressedBy: c.suppressedBy } : {}), title: c.title, detail: c.detail } : null);

/**
 * Decision points evaluated by default: each ranks the options and forecasts both rule sets' top
 * choices, by far the dearest part of a run; later ones are counted (`decisionsSkipped`), and
 * `maxDecisions` (`--max-decisions`) raises the limit.
 */
export const DEFAULT_MAX_DECISIONS = 200;

const BATCH = 4096;
/** Detection passes between progress reports and yields to the caller's event loop. */
const SLICE = 32;

export async function runBacktest(input: BacktestInput, control: BacktestControl = {}): Promise<BacktestResult> {
  const { plant, candidate, from, to } = input;
  if (!(to >= from)) throw new Error(`the backtest period ends (${new Date(to).toISOString()}) before it starts (${new Date(from).toISOString()})`);
  const stepMinutes = input.stepMinutes ?? 5;
  if (!(stepMinutes > 0)) throw new Error(`stepMinutes must be above 0, got ${stepMinutes}`);
  const step = stepMinutes * MINUTE;
  const horizonHours = input.horizonHours ?? 8;
  const maxDecisions = input.maxDecisions ?? DEFAULT_MAX_DECISIONS;
  if (!(maxDecisions >= 0)) throw new Error(`maxDecisions must be 0 or more, got ${maxDecisions}`);
  const seed = input.seed ?? 1;
  // The recorded side follows the rule sets that were active: it switches at each activation.
  const history = input.recordedHistory ? [...input.recordedHistory].sort((a, b) => a.at - b.at) : null;
  const activeAt = (t: number): { rules: LoadedRules; fromHistory: boolean } => {
    if (!history) return { rules: input.recorded, fromHistory: false };
    let found: LoadedRules | null = null;
    for (const h of history) if (h.at <= t) found = h.rules;
    return found ? { rules: found, fromHistory: true } : { rules: input.recorded, fromHistory: false };
  };
  const spans: RecordedRulesSpan[] = [];
  const allChanges = new Set<string>();
  let recorded: LoadedRules = input.recorded;
  let changes: RuleChange[] = [];
  let sameDecisionRules = true;
  let sameDetection = true;
  let decisionRulesDiffer = false;
  const useRecorded = (at: number) => {
    const a = activeAt(at);
    const last = spans.at(-1);
    if (last && a.rules.hash === last.hash && a.fromHistory === last.fromHistory) return;
    recorded = a.rules;
    changes = detectionRuleChanges(recorded.rules, candidate.rules);
    for (const c of changes) allChanges.add(describeChange(c));
    sameDecisionRules = decisionRulesKey(recorded.rules) === decisionRulesKey(candidate.rules);
    sameDetection = changes.length === 0;
    if (!sameDecisionRules) decisionRulesDiffer = true;
    spans.push({ from: spans.length ? Math.max(at, from) : from, version: recorded.version, hash: recorded.hash, fromHistory: a.fromHistory });
  };
  useRecorded(from);
  // Activations inside the period, switched to at the first detection pass at or after each.
  const switches = (history ?? []).filter((h) => h.at > from && h.at <= to);
  let nextSwitch = 0;

  const twin: Twin = createTwin(plant, { startTime: input.startTime, ...(input.snapshot ? { snapshot: input.snapshot } : {}) });
  const context = createDetectionContext();
  const first = Math.ceil(from / step) * step;
  const total = first > to ? 0 : Math.floor((to - first) / step) + 1;

  const prev = { recorded: new Map<string, DetectedCondition>(), candidate: new Map<string, DetectedCondition>() };
  const counts = { recorded: { raised: 0, cleared: 0 }, candidate: { raised: 0, cleared: 0 } };
  const open = new Map<string, BacktestDifference>();
  const differences: BacktestDifference[] = [];
  const decisions: DecisionDifference[] = [];
  let evaluated = 0;
  let skipped = 0;
  let kpiDelta = { ...ZERO_KPIS };
  let passes = 0;
  let signals = 0;

  const decide = (at: number, state: ReturnType<Twin['peek']>, inbound: Parameters<typeof compareDecisions>[0]['inbound'], a: DetectedCondition | null, b: DetectedCondition | null): DecisionComparison | undefined => {
    if (evaluated >= maxDecisions) {
      skipped++;
      return undefined;
    }
    evaluated++;
    const d = compareDecisions({ plant, view: state, inbound, recorded: { rules: recorded.rules, condition: a }, candidate: { rules: candidate.rules, condition: b }, horizonHours, seed, sameDecisionRules });
    kpiDelta = kpiSum(kpiDelta, d.delta);
    return { ...d, at };
  };

  /** The changes that alone turn the recorded rules' state of `key` into the candidate's. */
  const attribute = (key: string, target: State, state: ReturnType<Twin['peek']>, now: number, opts: ReturnType<typeof context.at>): string[] => {
    const alone = changes.filter((c: RuleChange) => {
      const rules: RuleSet = withChange(recorded.rules, c);
      return stateOf(detectExceptions(plant, rules, state, now, { ...opts, texts: false }).find((x) => x.key === key)) === target;
    });
    return (alone.length ? alone : changes).map(describeChange);
  };

  const detectAt = (now: number) => {
    passes++;
    const state = twin.peek();
    const opts = context.at(state, now);
    const quick = { ...opts, texts: false };
    const a = detectExceptions(plant, recorded.rules, state, now, quick);
    const b = sameDetection ? a : detectExceptions(plant, candidate.rules, state, now, quick);
    // With the texts people read, only for passes where a difference or a decision starts.
    let full: { a: Map<string, DetectedCondition>; b: Map<string, DetectedCondition> } | null = null;
    const withTexts = () =>
      (full ??= {
        a: new Map(detectExceptions(plant, recorded.rules, state, now, opts).map((c) => [c.key, c] as const)),
        b: new Map(detectExceptions(plant, candidate.rules, state, now, opts).map((c) => [c.key, c] as const)),
      });
    const A = new Map(a.map((c) => [c.key, c] as const));
    const B = sameDetection ? A : new Map(b.map((c) => [c.key, c] as const));
    const before = prev.recorded;
    const isNew = (key: string) => !raised(stateOf(before.get(key)));
    // Raised and cleared, per rule set (raised: to a person, i.e. not suppressed).
    for (const [side, cur] of [['recorded', A], ['candidate', B]] as const) {
      const was = prev[side];
      for (const [k, c] of cur) if (raised(stateOf(c)) && !raised(stateOf(was.get(k)))) counts[side].raised++;
      for (const [k, c] of was) if (raised(stateOf(c)) && !raised(stateOf(cur.get(k)))) counts[side].cleared++;
      prev[side] = cur;
    }
    const keys = new Set([...A.keys(), ...B.keys(), ...open.keys()]);
    for (const key of [...keys].sort()) {
      const ca = A.get(key);
      const cb = B.get(key);
      const kind = kindOf(stateOf(ca), stateOf(cb));
      const current = open.get(key);
      if (current && current.kind !== kind) {
        current.until = now;
        open.delete(key);
      }
      if (kind && (!current || current.kind !== kind)) {
        const ta = withTexts().a.get(key);
        const tb = withTexts().b.get(key);
        const d: BacktestDifference = {
          id: `D-${differences.length + 1}`,
          key,
          type: (cb ?? ca)!.type,
          kind,
          from: now,
          until: null,
          recorded: view(ta),
          candidate: view(tb),
          rules: attribute(key, stateOf(cb), state, now, opts),
        };
        if (kind !== 'suppression') {
          const decision = decide(now, state, opts.inbound, ta && raised(stateOf(ta)) ? ta : null, tb && raised(stateOf(tb)) ? tb : null);
          if (decision) d.decision = decision;
        }
        differences.push(d);
        open.set(key, d);
      }
    }
    // Both raise it now for the first time, but the decision rules differ: would they decide alike?
    if (!sameDecisionRules) {
      for (const [key, ca] of A) {
        const cb = B.get(key);
        if (!cb || open.has(key) || !raised(stateOf(ca)) || !raised(stateOf(cb)) || !isNew(key)) continue;
        const decision = decide(now, state, opts.inbound, withTexts().a.get(key) ?? ca, withTexts().b.get(key) ?? cb);
        if (decision?.differs) decisions.push({ key, type: ca.type, decision });
      }
    }
  };
  const pass = (now: number) => {
    if (now > twin.time) twin.advanceTo(now);
    while (nextSwitch < switches.length && switches[nextSwitch]!.at <= now) useRecorded(switches[nextSwitch++]!.at);
    detectAt(now);
  };

  let batch: Signal[] = [];
  let last = twin.position;
  const flush = () => {
    if (!batch.length) return;
    twin.applyBatch(batch, last);
    signals += batch.length;
    batch = [];
  };
  let next = first;
  const slice = async () => {
    control.onProgress?.({ done: passes, total, at: Math.min(next, to), differences: differences.length, decisionsEvaluated: evaluated, decisionsSkipped: skipped });
    if (control.yieldNow) await control.yieldNow();
    if (control.signal?.aborted) throw new BacktestCancelled(Math.min(next, to));
  };
  try {
    if (control.signal?.aborted) throw new BacktestCancelled(from);
    for (const e of input.entries) {
      if (e.position <= twin.position) continue;
      const t = e.signal.eventTime;
      while (next <= to && t > next) {
        flush();
        pass(next);
        next += step;
        if (passes % SLICE === 0) await slice();
      }
      if (next > to) break;
      batch.push(e.signal);
      context.observe(e.signal);
      last = e.position;
      if (batch.length >= BATCH) flush();
    }
    flush();
    while (next <= to) {
      pass(next);
      next += step;
      if (passes % SLICE === 0) await slice();
    }
  } finally {
    twin.stop();
  }
  control.onProgress?.({ done: passes, total, at: to, differences: differences.length, decisionsEvaluated: evaluated, decisionsSkipped: skipped });

  const kinds: Record<DifferenceKind, number> = { extra: 0, missing: 0, priority: 0, suppression: 0 };
  for (const d of differences) kinds[d.kind]++;
  const body: Omit<BacktestResult, 'resultsHash'> = {
    period: { from, to, stepMinutes },
    recorded: { version: recorded.version, hash: recorded.hash, ...counts.recorded },
    candidate: { version: candidate.version, hash: candidate.hash, ...counts.candidate },
    recordedRules: spans,
    recordedStandIn: history && !spans[0]!.fromHistory ? { until: spans.find((sp) => sp.fromHistory)?.from ?? null } : null,
    ruleChanges: [...allChanges],
    decisionRulesDiffer,
    passes,
    signals,
    differences,
    decisions,
    decisionsEvaluated: evaluated,
    decisionsSkipped: skipped,
    kpiDelta,
    counts: kinds,
  };
  return { ...body, resultsHash: fnv1a64(canonicalJson(body)) };
}
