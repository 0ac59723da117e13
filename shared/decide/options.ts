/**
 * Options for an exception: candidate responses, each checked against the constraint rules
 * (./constraints.ts) and, when feasible, scored by forecasting it on a fork of the twin
 * (../sim/forecast/) against "do nothing". Nothing is silently dropped: infeasible candidates
 * stay in the result with the checks that failed.
 *
 * Candidates by exception:
 *  - line-down: wait for the repair; reroute each affected order (current and queued) to every
 *    other line that could take it; reroute all of them to one line; split the first order across
 *    lines; resequence the down line's queue to cut changeovers after the repair;
 *  - material-shortage: wait (standard replenishment after the lead time, or the POs on their way);
 *    expedite (premium freight); pull orders that do not need the component ahead; resequence;
 *  - late-risk: reroute the order; pull it to the front of its line; split it; resequence;
 *  - qa-hold: wait for the release; pause the held order and pull the next ahead; reroute the
 *    line's queue (line holds);
 *  - rush-order: as planned; to the front of each capable line; split across two lines.
 *
 * Objective from the rule set's priority rules: lateness cost per hour per customer tier and tier
 * weights (../sim/forecast/kpis.ts adds late orders, changeover minutes, overtime and premium freight).
 * Pure and deterministic for a seed.
 */
import type { Plant } from '../plant/schema';
import { HOUR, compareBySequence } from '../twin/schedule';
import type { TwinState } from '../twin/view';
import {
  applyMove,
  cloneState,
  forecast,
  forkTwin,
  lineQueue,
  type ForecastKpis,
  type ForecastResult,
  type ForecastState,
  type Move,
} from '../sim/forecast';
import { plantIndex, timesOf, type DecideContext, type InboundPo, type PlannedRun } from './context';
import { evaluateConstraints, evaluateInPlace, type ConstraintCheck } from './constraints';
import { requiredApprovals, type ChangeFacts } from './escalation';
import type { DetectedCondition, ExceptionRecord } from './exceptions';
import { scoreOrder, tierOf } from './priority';
import { genericRules, type LoadedRules } from './rules-parse';
import type { RuleSet } from './rules-schema';
import { objectiveFromRules, type Approval, type KpiDelta, type OptionCheck, type OptionKind, type RankedOption } from './option-types';
import type { ReplanDetails } from '../schedule/replan-types';

// ---------------------------------------------------------------- input

/** The exception an option answers (the fields options need; exceptions from ./exceptions/ fit). */
export interface OptionException {
  type: 'line-down' | 'material-shortage' | 'late-risk' | 'qa-hold' | 'rush-order' | (string & {});
  id?: string;
  lineId?: string | null;
  orderId?: string | null;
  component?: string | null;
  /** Line down: minutes until the expected repair (from now). */
  expectedRepairMinutes?: number;
  /** QA hold: minutes until the expected release. */
  expectedReleaseMinutes?: number;
  /** Material shortage: quantity short. */
  shortQty?: number;
}

export interface GenerateOptionsInput {
  plant: Plant;
  /** The rule set (or a loaded one); the built-in generic rules when absent. */
  rules?: RuleSet | LoadedRules;
  /** The twin's view at the moment of the exception. */
  twinState: TwinState;
  /** The exception: a detected condition or a registry record (./exceptions/registry.ts), or the plain fields. */
  exception: OptionException | DetectedCondition | ExceptionRecord;
  horizonHours?: number;
  seed?: number;
  /** Purchase orders on their way (become planned receipts in the fork). */
  inbound?: readonly InboundPo[];
  /** Cost of one premium freight (expedite), currency units (default 750). */
  premiumFreightCost?: number;
  /** Hours an expedited delivery takes (default 2, or the lead time when shorter). */
  expediteHours?: number;
  /** Affected orders considered one by one (default 6, the most urgent first). */
  maxOrders?: number;
  /**
   * The fork to score on, when the caller has one with assumptions of its own (a what-if's
   * disruptions, a benchmark's scripted ones); by default the view's fork (`optionFork`).
   */
  state?: ForecastState;
  /**
   * Candidates made elsewhere (the optimizing re-planner, ../schedule/replan.ts), checked,
   * forecast and ranked with the others on the same fork.
   */
  extraCandidates?: readonly ExtraCandidate[];
}

/** A candidate from outside the hand-written ones, with its own id suffix and explanation. */
export interface ExtraCandidate {
  /** Option id is `<exception>#<idSuffix>`: stable, so a commit finds it again. */
  idSuffix: string;
  kind: OptionKind;
  title: string;
  moves: Move[];
  /** Placements to check against the constraint rules (with their planned start and neighbour). */
  assignments: Candidate['assignments'];
  affected: string[];
  explanation?: string[];
  replan?: ReplanDetails;
}

// ---------------------------------------------------------------- output (./option-types.ts)

export { objectiveFromRules } from './option-types';
export type { Approval, KpiDelta, ObjectiveWeights, OptionCheck, OptionKind, RankedOption } from './option-types';

// ---------------------------------------------------------------- generation

interface Candidate {
  kind: OptionKind;
  title: string;
  moves: Move[];
  /** Assignments to check against the constraint rules. */
  assignments: { orderId: string; lineId: string; position: number; moved?: boolean; start?: number; previousFamily?: string | null; runs?: readonly PlannedRun[]; order?: { id: string; sku: string; qty: number; customer: string; due: number; priority: number } }[];
  affected: string[];
  extraChecks?: OptionCheck[];
  idSuffix?: string;
  explanation?: string[];
  replan?: ReplanDetails;
}

/** The fields options need, from a detected condition / registry record (subject, numbers) or as given. */
export function toOptionException(e: OptionException | DetectedCondition | ExceptionRecord): OptionException {
  if (!('subject' in e) || !e.subject) return e as OptionException;
  const s = e.subject;
  const n = e.numbers ?? {};
  const out: OptionException = { type: e.type, ...('id' in e ? { id: e.id } : { id: e.key }) };
  if (s.lineId) out.lineId = s.lineId;
  if (s.orderId) out.orderId = s.orderId;
  if (s.component) out.component = s.component;
  if (typeof n.expectedRepairMinutes === 'number') out.expectedRepairMinutes = n.expectedRepairMinutes;
  if (typeof n.expectedReleaseMinutes === 'number') out.expectedReleaseMinutes = n.expectedReleaseMinutes;
  if (typeof n.short === 'number') out.shortQty = n.short;
  return out;
}

function isLoaded(r: RuleSet | LoadedRules): r is LoadedRules {
  return (r as LoadedRules).rules !== undefined && (r as LoadedRules).hash !== undefined;
}

/** Candidate responses for an exception, constraint-checked, forecast and ranked (best first; infeasible last). */
export function generateOptions(input: GenerateOptionsInput): RankedOption[] {
  const { plant, twinState: view } = input;
  const ex = toOptionException(input.exception);
  const rules: RuleSet = input.rules ? (isLoaded(input.rules) ? input.rules.rules : input.rules) : genericRules().rules;
  const index = plantIndex(plant);
  const horizonHours = input.horizonHours ?? 24;
  const seed = input.seed ?? 1;
  const objective = objectiveFromRules(rules);
  const ctx: DecideContext = { plant, rules, view, inbound: input.inbound ?? [] };
  const now = view.time;

  // --- the fork
  const base = optionFork(input);

  const maxOrders = input.maxOrders ?? 6;
  const orderById = new Map(base.orders.map((o) => [o.id, o] as const));
  const candidates: Candidate[] = [];
  const seqPos = (state: ForecastState, lineId: string, o: { id: string; due: number; priority: number }) => {
    const q = lineQueue(state, lineId).filter((x) => x.id !== o.id);
    let p = 0;
    while (p < q.length && compareBySequence(q[p] as typeof o, o) < 0) p++;
    return p;
  };
  /** Lines that might take `sku`: those with a rate for it or that list its family (infeasible ones are kept and explained). */
  const altLines = (sku: string, not: string | null) => {
    const fam = index.familyOf(sku);
    return index.lines.filter((l) => l.id !== not && (index.rate(sku, l.id) !== undefined || (fam !== null && l.families.has(fam))));
  };
  const affectedOn = (lineId: string) => {
    const line = base.lines.find((l) => l.id === lineId);
    const cur = line?.currentOrderId ? orderById.get(line.currentOrderId) : undefined;
    return [...(cur ? [cur] : []), ...lineQueue(base, lineId)];
  };

  const rerouteCandidates = (orders: readonly { id: string; sku: string; lineId: string | null; due: number; priority: number }[], from: string | null) => {
    for (const o of orders.slice(0, maxOrders)) {
      for (const m of altLines(o.sku, from)) {
        const pos = seqPos(base, m.id, o);
        candidates.push({
          kind: 'reroute',
          title: `Reroute ${o.id} from ${from ?? 'no line'} to ${m.id}`,
          moves: [{ kind: 'reroute', orderId: o.id, toLine: m.id }],
          assignments: [{ orderId: o.id, lineId: m.id, position: pos, moved: true }],
          affected: [o.id],
        });
      }
    }
  };
  const rerouteAll = (orders: readonly { id: string; sku: string; due: number; priority: number }[], from: string) => {
    const targets = new Set<string>();
    for (const o of orders) for (const m of altLines(o.sku, from)) if (index.rate(o.sku, m.id) !== undefined && m.families.has(index.familyOf(o.sku) ?? '')) targets.add(m.id);
    for (const m of index.lines) {
      if (!targets.has(m.id)) continue;
      const movable = orders.filter((o) => index.rate(o.sku, m.id) !== undefined && m.families.has(index.familyOf(o.sku) ?? ''));
      if (movable.length < 2) continue;
      const moves: Move[] = movable.map((o) => ({ kind: 'reroute', orderId: o.id, toLine: m.id }));
      const probe = cloneState(base);
      for (const mv of moves) applyMove(probe, mv);
      const q = lineQueue(probe, m.id);
      candidates.push({
        kind: 'reroute-all',
        title: `Reroute ${movable.length} orders from ${from} to ${m.id}`,
        moves,
        assignments: movable.map((o) => ({ orderId: o.id, lineId: m.id, position: q.findIndex((x) => x.id === o.id), moved: true })),
        affected: movable.map((o) => o.id),
      });
    }
  };
  const splitCandidates = (o: { id: string; sku: string; remaining: number; customer: string; due: number; priority: number } | undefined, from: string | null) => {
    if (!o || o.remaining < 2) return;
    for (const m of altLines(o.sku, from)) {
      const qty = Math.floor(o.remaining / 2);
      const newId = `${o.id}-S${m.id}`;
      const part = { id: newId, sku: o.sku, qty, customer: o.customer, due: o.due, priority: o.priority };
      candidates.push({
        kind: 'split',
        title: `Split ${o.id}: ${qty} of ${Math.round(o.remaining)} to ${m.id} (as ${newId})`,
        moves: [{ kind: 'split', orderId: o.id, toLine: m.id, qty, newId, position: 0 }],
        assignments: [{ orderId: newId, lineId: m.id, position: 0, moved: true, order: part }],
        affected: [o.id],
      });
    }
  };
  /** A queue order that cuts changeovers: greedy nearest family (ties: the twin's sequence). */
  const resequenceCandidate = (lineId: string, reason: string) => {
    const line = base.lines.find((l) => l.id === lineId);
    const q = lineQueue(base, lineId);
    if (!line || q.length < 2) return;
    const cur = line.currentOrderId ? orderById.get(line.currentOrderId) : undefined;
    let fam = cur ? index.familyOf(cur.sku) : line.lastFamily;
    const left = [...q];
    const out: typeof q = [];
    while (left.length) {
      let bi = 0;
      let best = Infinity;
      left.forEach((o, i) => {
        const m = index.changeover(fam, index.familyOf(o.sku)).minutes;
        if (m < best) {
          best = m;
          bi = i;
        }
      });
      const [o] = left.splice(bi, 1);
      out.push(o as (typeof q)[number]);
      fam = index.familyOf((o as (typeof q)[number]).sku) ?? fam;
    }
    if (out.every((o, i) => o.id === q[i]?.id)) return;
    candidates.push({
      kind: 'resequence',
      title: `Resequence ${lineId} by family to cut changeovers${reason}`,
      moves: [{ kind: 'resequence', lineId, orderIds: out.map((o) => o.id) }],
      assignments: out.flatMap((o, i) => (o.id === q[i]?.id ? [] : [{ orderId: o.id, lineId, position: i }])),
      affected: out.map((o) => o.id),
    });
  };

  const wait: Candidate = { kind: 'wait', title: 'Do nothing', moves: [{ kind: 'wait' }], assignments: [], affected: [] };
  switch (ex.type) {
    case 'line-down': {
      const lineId = ex.lineId ?? '';
      wait.title = `Wait for the repair of ${lineId} (expected in ${ex.expectedRepairMinutes ?? 60} min)`;
      const affected = affectedOn(lineId);
      rerouteCandidates(affected, lineId);
      rerouteAll(affected, lineId);
      splitCandidates(affected[0], lineId);
      resequenceCandidate(lineId, ' after the repair');
      break;
    }
    case 'material-shortage': {
      const comp = ex.component ?? '';
      const c = plant.components.find((x) => x.id === comp);
      wait.title = `Wait for the standard replenishment of ${comp}${c ? ` (lead time ${c.leadTimeHours} h)` : ''}`;
      const users = base.orders.filter((o) => o.state !== 'done' && (index.productBySku.get(o.sku)?.bom ?? []).some((b) => b.component === comp));
      const need = users.reduce((a, o) => a + (index.productBySku.get(o.sku)?.bom.find((b) => b.component === comp)?.perUnit ?? 0) * o.remaining, 0);
      const have = base.inventory[comp] ?? 0;
      const qty = Math.max(ex.shortQty ?? 0, need - have, 1);
      const hours = Math.min(input.expediteHours ?? 2, c?.leadTimeHours ?? 2);
      const cost = input.premiumFreightCost ?? 750;
      candidates.push({
        kind: 'expedite',
        title: `Expedite ${Math.ceil(qty)} ${c?.uom ?? ''} of ${comp} by premium freight (in ${hours} h, ${cost})`.replace('  ', ' '),
        moves: [{ kind: 'expedite', component: comp, qty: Math.ceil(qty), at: now + hours * HOUR, cost }],
        assignments: [],
        affected: users.map((o) => o.id),
        extraChecks: [],
      });
      // pull ahead, per line that runs (or is about to run) an order needing it
      const lines = new Set(users.map((o) => o.lineId).filter((l): l is string => l !== null));
      for (const lineId of [...lines].sort()) {
        const q = lineQueue(base, lineId);
        const free = q.find((o) => !(index.productBySku.get(o.sku)?.bom ?? []).some((b) => b.component === comp));
        if (!free) continue;
        const line = base.lines.find((l) => l.id === lineId);
        const curUses = line?.currentOrderId ? users.some((u) => u.id === line.currentOrderId) : false;
        const moves: Move[] = curUses ? [{ kind: 'pause-current', lineId }, { kind: 'sequence', orderId: free.id, position: 0 }] : [{ kind: 'sequence', orderId: free.id, position: 0 }];
        candidates.push({
          kind: 'pull-ahead',
          title: `Pull ${free.id} (no ${comp}) ahead on ${lineId}${curUses ? `, pausing ${line?.currentOrderId}` : ''}`,
          moves,
          assignments: [{ orderId: free.id, lineId, position: 0 }],
          affected: [free.id, ...(curUses && line?.currentOrderId ? [line.currentOrderId] : [])],
        });
      }
      break;
    }
    case 'late-risk': {
      const o = ex.orderId ? orderById.get(ex.orderId) : undefined;
      if (!o) break;
      wait.title = `Keep ${o.id} where it is`;
      rerouteCandidates([o], o.lineId);
      if (o.lineId && o.state === 'queued') {
        candidates.push({ kind: 'pull-ahead', title: `Pull ${o.id} to the front of ${o.lineId}`, moves: [{ kind: 'sequence', orderId: o.id, position: 0 }], assignments: [{ orderId: o.id, lineId: o.lineId, position: 0 }], affected: [o.id] });
      }
      splitCandidates(o, o.lineId);
      if (o.lineId) resequenceCandidate(o.lineId, '');
      break;
    }
    case 'qa-hold': {
      const o = ex.orderId ? orderById.get(ex.orderId) : undefined;
      const lineId = ex.lineId ?? o?.lineId ?? null;
      wait.title = `Wait for the QA release${ex.expectedReleaseMinutes !== undefined ? ` (expected in ${ex.expectedReleaseMinutes} min)` : ''}`;
      const line = lineId ? base.lines.find((l) => l.id === lineId) : undefined;
      if (line && o && line.currentOrderId === o.id) {
        const next = lineQueue(base, line.id).find((x) => x.heldUntil === null);
        if (next) {
          candidates.push({
            kind: 'pause-held',
            title: `Pause held ${o.id} and run ${next.id} on ${line.id} meanwhile`,
            moves: [{ kind: 'pause-current', lineId: line.id }, { kind: 'sequence', orderId: next.id, position: 0 }],
            assignments: [{ orderId: next.id, lineId: line.id, position: 0 }],
            affected: [o.id, next.id],
          });
        }
      }
      if (line && line.heldUntil !== null) {
        const affected = lineQueue(base, line.id);
        rerouteCandidates(affected, line.id);
        rerouteAll(affected, line.id);
      } else if (o && o.state === 'queued') {
        rerouteCandidates([o], o.lineId);
      }
      break;
    }
    case 'rush-order': {
      const o = ex.orderId ? orderById.get(ex.orderId) : undefined;
      if (!o) break;
      wait.title = `Plan ${o.id} as the twin sequences it (${o.lineId ?? 'no line'}, by due date)`;
      wait.kind = 'as-planned';
      for (const m of altLines(o.sku, null)) {
        const moves: Move[] = m.id === o.lineId ? [{ kind: 'sequence', orderId: o.id, position: 0 }] : [{ kind: 'reroute', orderId: o.id, toLine: m.id, position: 0 }];
        candidates.push({ kind: m.id === o.lineId ? 'pull-ahead' : 'reroute', title: `Run ${o.id} next on ${m.id}`, moves, assignments: [{ orderId: o.id, lineId: m.id, position: 0, moved: m.id !== o.lineId }], affected: [o.id] });
      }
      splitCandidates(o, o.lineId);
      break;
    }
    default:
      break;
  }

  // --- check, score, explain
  const fcOpts = { horizonHours, seed, tierWeights: objective.tierWeights, costs: objective.costs, gantt: false };
  const baseRun = forecast(plant, base, fcOpts, index);
  const baseEnd = new Map<string, number | null>();
  for (const o of baseRun.orders) baseEnd.set(o.id, o.end);
  const out: RankedOption[] = [];
  const explainPriority = (ids: readonly string[]) => {
    const lines: string[] = [];
    for (const id of ids.slice(0, 4)) {
      const o = orderById.get(id);
      if (!o) continue;
      const tier = tierOf(plant, o.customer);
      const t = rules.priority.tiers[tier];
      const sc = scoreOrder(plant, rules, { id: o.id, customer: o.customer, due: o.due, priority: o.priority, projectedEnd: baseEnd.get(o.id) ?? null }, now);
      lines.push(`priority: ${id} for ${o.customer} (tier ${tier}: weight ${t.weight}, ${t.latePenaltyPerHour}/h late): ${sc.explanation}`);
    }
    return lines;
  };

  const inPlaceCache = new Map<string, ConstraintCheck[] | null>();
  const inPlace = (orderId: string) => {
    if (!inPlaceCache.has(orderId)) inPlaceCache.set(orderId, evaluateInPlace(ctx, orderId)?.checks ?? null);
    return inPlaceCache.get(orderId) ?? null;
  };
  const all: Candidate[] = [wait, ...candidates, ...(input.extraCandidates ?? [])];
  all.forEach((c, i) => {
    const id = `${ex.id ?? ex.type}#${c.idSuffix ?? i}`;
    const checks: OptionCheck[] = [...(c.extraChecks ?? [])];
    for (const a of c.assignments) {
      const lineState = a.moved ? base.lines.find((l) => l.id === a.lineId) : undefined;
      if (lineState && lineState.downUntil !== null && lineState.downUntil > now) {
        checks.push({ rule: 'line-available', passed: false, detail: `line: ${a.lineId} is down until ${timesOf(plant)(lineState.downUntil, now)}`, orderId: a.orderId, lineId: a.lineId });
      } else if (lineState && lineState.heldUntil !== null && lineState.heldUntil > now) {
        checks.push({ rule: 'line-available', passed: false, detail: `line: ${a.lineId} is on QA hold`, orderId: a.orderId, lineId: a.lineId });
      }
      try {
        const r = evaluateConstraints(ctx, { orderId: a.orderId, lineId: a.lineId, position: a.position, ...(a.order ? { order: a.order } : {}), ...(a.start !== undefined ? { start: a.start } : {}), ...(a.previousFamily !== undefined ? { previousFamily: a.previousFamily } : {}), ...(a.runs ? { runs: a.runs } : {}) });
        // A check that fails for this order in the current plan too is not caused by the option: kept, marked, not a violation.
        const before = r.checks.some((ch) => !ch.passed) ? inPlace(a.orderId) : null;
        for (const ch of r.checks) {
          const pre = !ch.passed && before?.some((b) => !b.passed && b.rule === ch.rule && b.ruleId === ch.ruleId);
          checks.push(pre ? { ...ch, passed: true, preExisting: true, detail: `${ch.detail} (fails in the current plan too: not caused by this option)`, orderId: a.orderId, lineId: a.lineId } : { ...ch, orderId: a.orderId, lineId: a.lineId });
        }
      } catch (e) {
        checks.push({ rule: 'line-capability', passed: false, detail: `could not check ${a.orderId} on ${a.lineId}: ${(e as Error).message}`, orderId: a.orderId, lineId: a.lineId });
      }
    }
    for (const mv of c.moves) {
      if (mv.kind === 'split') {
        const o = orderById.get(mv.orderId);
        const ok = !!o && mv.qty > 0 && mv.qty < o.remaining;
        checks.push({ rule: 'split-size', passed: ok, detail: `split: ${mv.qty} of ${o ? Math.round(o.remaining) : '?'} remaining of ${mv.orderId}${ok ? '' : ': nothing left to split'}`, orderId: mv.orderId, lineId: mv.toLine, numbers: { qty: mv.qty, remaining: o?.remaining ?? 0 } });
      }
    }
    const violations = checks.filter((ch) => !ch.passed);
    const feasible = violations.length === 0;
    const approvals: Approval[] = requiredApprovals(rules, changeFacts(c, checks, plant, orderById));
    const explanation: string[] = [...(c.explanation ?? []), ...explainPriority(c.affected)];
    for (const ch of checks) explanation.push(`${ch.preExisting ? 'note' : ch.passed ? 'pass' : 'FAIL'} ${ch.rule}${ch.ruleId ? ` [${ch.ruleId}]` : ''}: ${ch.detail}`);
    for (const a of approvals) explanation.push(`escalation [${a.ruleId}]: ${a.reason} → approval by ${a.approver} (escalates to ${a.escalateTo} after ${a.escalateAfterMinutes} min)`);
    let kpis: ForecastKpis | null = null;
    let delta: KpiDelta | null = null;
    if (feasible) {
      let run: ForecastResult = baseRun;
      if (c.kind !== 'wait' && c.kind !== 'as-planned') {
        const fork = cloneState(base);
        try {
          for (const mv of c.moves) applyMove(fork, mv);
          run = forecast(plant, fork, fcOpts, index);
        } catch (e) {
          violations.push({ rule: 'line-capability', passed: false, detail: `the move cannot be applied: ${(e as Error).message}` });
        }
      }
      if (violations.length === 0) {
        kpis = run.kpis;
        delta = kpiDelta(run.kpis, baseRun.kpis);
        explanation.push(
          `forecast ${horizonHours} h vs do nothing: cost ${signed(delta.cost)}, tier-weighted tardiness ${signed(delta.weightedTardinessHours)} h, late orders ${signed(delta.lateOrders)}, changeover ${signed(delta.changeoverMinutes)} min, utilisation ${signed(Math.round(delta.utilisation * 1000) / 10)} pt, premium freight ${signed(delta.premiumFreightCost)}`,
        );
      }
    }
    const ok = violations.length === 0;
    out.push({
      id,
      rank: null,
      kind: c.kind,
      title: c.title,
      moves: c.moves,
      feasible: ok,
      checks,
      violations,
      kpis: ok ? kpis : null,
      delta: ok ? delta : null,
      score: ok && kpis ? kpis.cost : null,
      approvals,
      explanation,
      affectedOrders: c.affected,
      baseline: i === 0,
      ...(c.replan ? { replan: c.replan } : {}),
    });
  });

  // --- rank: feasible by score (then fewer moves, then baseline first, then id); infeasible after, in generation order
  const feasible = out.filter((o) => o.feasible).sort((a, b) => (a.score as number) - (b.score as number) || a.moves.length - b.moves.length || Number(b.baseline) - Number(a.baseline) || (a.id < b.id ? -1 : 1));
  feasible.forEach((o, i) => (o.rank = i + 1));
  return [...feasible, ...out.filter((o) => !o.feasible)];
}

/**
 * The fork an exception's options are scored on: the twin's view with the exception's expected
 * repair or QA release, and the inbound purchase orders as planned receipts.
 */
export function optionFork(input: Pick<GenerateOptionsInput, 'plant' | 'twinState' | 'exception' | 'inbound' | 'state'>): ForecastState {
  if (input.state) return cloneState(input.state);
  const ex = toOptionException(input.exception);
  const view = input.twinState;
  const now = view.time;
  const expectedRepair: Record<string, number> = {};
  if (ex.type === 'line-down' && ex.lineId) expectedRepair[ex.lineId] = now + (ex.expectedRepairMinutes ?? 60) * 60_000;
  // A material shortage is real now: the stock the twin shows is what there is.
  const base = forkTwin(input.plant, view, { expectedRepair, ...(ex.type === 'qa-hold' && ex.expectedReleaseMinutes !== undefined ? { holdReleaseMinutes: ex.expectedReleaseMinutes } : {}) });
  for (const p of input.inbound ?? []) if (p.eta >= now) base.planned.push({ at: p.eta, type: 'receipt', component: p.component, qty: p.qty });
  return base;
}

/** KPIs of `a` minus those of `b`, rounded to 0.001 (an option's, or a scenario's, change against the baseline). */
export function kpiDelta(a: ForecastKpis, b: ForecastKpis): KpiDelta {
  const d = (x: number, y: number) => Math.round((x - y) * 1000) / 1000;
  return {
    weightedTardinessHours: d(a.weightedTardinessHours, b.weightedTardinessHours),
    lateOrders: a.lateOrders - b.lateOrders,
    changeoverMinutes: d(a.changeoverMinutes, b.changeoverMinutes),
    utilisation: d(a.utilisation, b.utilisation),
    overtimeHours: d(a.overtimeHours, b.overtimeHours),
    overtimeCost: d(a.overtimeCost, b.overtimeCost),
    premiumFreightCost: d(a.premiumFreightCost, b.premiumFreightCost),
    ordersCompleted: a.ordersCompleted - b.ordersCompleted,
    cost: d(a.cost, b.cost),
  };
}

/**
 * The allergen changeovers a change brings, from its constraint checks: each allergen rule that
 * needed a clean or a QA release and is satisfied (options and scenario commits both escalate on them).
 */
export function allergenChangeoversOf(checks: readonly OptionCheck[]): NonNullable<ChangeFacts['allergenChangeovers']> {
  const out: NonNullable<ChangeFacts['allergenChangeovers']> = [];
  for (const ch of checks) {
    if (ch.rule !== 'allergen-sequencing' || !ch.passed || ch.preExisting || !ch.ruleId || ch.ruleId === 'qa-on-shift' || !ch.lineId) continue;
    const m = /allergens: (\S+) \(.*?\) → (\S+) \(/.exec(ch.detail);
    if (m) out.push({ lineId: ch.lineId, from: m[1] as string, to: m[2] as string });
  }
  return out;
}

/** What the candidate changes, as far as the escalation rules care (./escalation.ts). */
function changeFacts(c: Candidate, checks: readonly OptionCheck[], plant: Plant, orderById: ReadonlyMap<string, ForecastState['orders'][number]>): ChangeFacts {
  const tier = (id: string) => {
    const o = orderById.get(id);
    return o ? tierOf(plant, o.customer) : 'C';
  };
  const reroutes = c.moves.flatMap((m) => (m.kind === 'reroute' && c.kind !== 'pull-ahead' ? [{ orderId: m.orderId, tier: tier(m.orderId) }] : []));
  const splits = c.moves.flatMap((m) => (m.kind === 'split' ? [{ orderId: m.orderId, tier: tier(m.orderId) }] : []));
  const expediteCost = c.moves.reduce((a, m) => a + (m.kind === 'expedite' ? m.cost : 0), 0);
  const allergenChangeovers = allergenChangeoversOf(checks);
  return {
    ...(reroutes.length ? { reroutes } : {}),
    ...(splits.length ? { splits } : {}),
    ...(allergenChangeovers.length ? { allergenChangeovers } : {}),
    ...(expediteCost > 0 ? { expediteCost, cost: expediteCost } : {}),
  };
}

function signed(x: number): string {
  const r = Math.round(x * 100) / 100;
  return r > 0 ? `+${r}` : String(r);
}

