/**
 * Committing a saved what-if scenario as a decision (a controller commits an option or a
 * scenario). A scenario is a planner's own answer: assumptions (disruptions) plus plan changes
 * (moves). To commit it, the core
 *  - checks it still applies to the live twin (`scenarioCommitProblems`): it has moves, its
 *    references fit the plant and the order book, every order it moves is still in the twin and
 *    not finished, a split leaves something behind;
 *  - evaluates it like an option (`evaluateScenarioCommit`): the same constraint rules on every
 *    order it places (so an allergen clash or a missing tool is refused the same way), the same
 *    escalation rules for its approvals, and a forecast of the scenario against the plan as is
 *    (the same assumptions, no moves) on one fork of the twin at the current journal position,
 *    with the rule set's objective. The two become the receipt's "options considered" (ranked by
 *    the objective), the scenario the chosen one, and the KPI comparison goes into the receipt.
 * A replay runs `evaluateScenarioCommit` again on the twin rebuilt at the receipt's journal
 * position with the stored rule set: the same inputs give the same numbers. Pure.
 */
import type { Plant } from '../plant/schema';
import type { TwinState, TwinView } from '../twin/view';
import type { Move } from '../sim/forecast';
import { forkTwin } from '../sim/forecast';
import { checkScenario, compareScenarios, runScenario, toMove, type Scenario, type ScenarioComparison, type ScenarioMove, type ScenarioResult } from '../sim/scenario';
import { evaluateConstraints, evaluateInPlace, type ProposedAssignment } from '../decide/constraints';
import { TERMINAL, plantIndex, type DecideContext, type InboundPo } from '../decide/context';
import { requiredApprovals, type ChangeFacts } from '../decide/escalation';
import { allergenChangeoversOf, kpiDelta, objectiveFromRules, type KpiDelta, type OptionCheck, type OptionKind, type RankedOption } from '../decide/options';
import { tierOf } from '../decide/priority';
import type { LoadedRules } from '../decide/rules-parse';
import { splitOrderId } from './workflows';

/** A reason the scenario cannot be committed now, with where (a path under the scenario). */
export interface ScenarioProblem {
  path: string;
  message: string;
}

/** The scenario's moves as the forecast's (and the plan change's) moves; a split names its new order. */
export function scenarioMoves(s: Scenario): Move[] {
  return s.moves.map((m) => {
    const mv = toMove(m);
    return mv.kind === 'split' ? { ...mv, newId: splitOrderId(mv.orderId, mv.newId) } : mv;
  });
}

/**
 * Why the scenario cannot be committed on this twin; empty when it can. A scenario is saved at
 * some journal position and committed later: the orders it moves may have finished meanwhile.
 */
export function scenarioCommitProblems(plant: Plant, view: TwinState, s: Scenario): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  if (s.moves.length === 0) {
    out.push({ path: 'moves', message: `scenario '${s.name}' has no moves: it only assumes disruptions and changes no plan. Add a move (an order to another line or slot, or a split) to commit it` });
    return out;
  }
  for (const e of checkScenario(s, plant, view.orders.map((o) => o.id))) if (e.severity === 'error') out.push({ path: e.path.join('.'), message: e.message });
  const byId = new Map(view.orders.map((o) => [o.id, o]));
  const rushIds = new Set(s.disruptions.flatMap((d) => (d.type === 'rush-order' ? [d.id] : [])));
  s.moves.forEach((m, i) => {
    // A resequence names a line's queue: orders that finished meanwhile simply drop out of it.
    if (m.type === 'resequence') return;
    const path = `moves.${i}.order`;
    const o = byId.get(m.order);
    if (!o) {
      if (rushIds.has(m.order)) out.push({ path, message: `order '${m.order}' exists only in the scenario (a rush-order assumption): the twin has no such order, so the plan change cannot be applied. Commit it once the order is in the book` });
      else if (!out.some((p) => p.path === path)) out.push({ path, message: `order '${m.order}' is not in the twin at journal position ${view.position}` });
      return;
    }
    if (TERMINAL.has(o.state)) out.push({ path, message: `order '${m.order}' is ${o.state} at journal position ${view.position}: the scenario no longer applies to it` });
    else if (m.type === 'split') {
      const left = Math.max(0, o.qty - o.good);
      if (m.qty >= left) out.push({ path: `moves.${i}.qty`, message: `splitting ${m.qty} off '${m.order}' leaves nothing: ${left} remain at journal position ${view.position}` });
    } else if (m.type === 'sequence' && !o.lineId) out.push({ path, message: `order '${m.order}' has no line at journal position ${view.position}, so it has no queue slot to move to` });
  });
  return out;
}

export interface ScenarioEvaluationInput {
  plant: Plant;
  rules: LoadedRules;
  /** The twin at the journal position the decision is made from. */
  view: TwinState;
  scenario: Scenario;
  /** Purchase orders on their way (planned receipts in the fork, as in the what-if view). */
  inbound: readonly InboundPo[];
}

export interface ScenarioEvaluation {
  /** The plan as is and the scenario, ranked by the objective (infeasible last). */
  options: RankedOption[];
  chosen: RankedOption;
  comparison: ScenarioComparison;
  horizonHours: number;
  seed: number;
}

export const BASELINE_NAME = 'Plan as is';

/** Option ids of a scenario decision: `<prefix>#0` is the plan as is, `<prefix>#1` the scenario. */
export const scenarioOptionId = (name: string, n: 0 | 1) => `scenario:${name}#${n}`;

/** Forecasts the scenario against the plan as is, checks its placements and lists its approvals. */
export function evaluateScenarioCommit(input: ScenarioEvaluationInput): ScenarioEvaluation {
  const { plant, view, scenario } = input;
  const rules = input.rules.rules;
  const index = plantIndex(plant);
  const horizonHours = scenario.horizonHours ?? 24;
  const seed = scenario.seed ?? 1;
  const objective = objectiveFromRules(rules);
  const base = forkTwin(plant, view);
  for (const p of input.inbound) if (p.eta >= view.time) base.planned.push({ at: p.eta, type: 'receipt', component: p.component, qty: p.qty });
  const run = (s: Scenario): ScenarioResult => runScenario(plant, base, s, { index, horizonHours, seed, tierWeights: objective.tierWeights, costs: objective.costs });
  // The baseline keeps the scenario's assumptions: the comparison shows what the moves change.
  const asIs = run({ ...scenario, name: BASELINE_NAME, moves: [] });
  const result = run(scenario);
  const comparison = compareScenarios([asIs, result]);

  const ctx: DecideContext = { plant, rules, view, inbound: input.inbound };
  const byId = new Map(view.orders.map((o) => [o.id, o]));
  const checks: OptionCheck[] = [];
  const startOf = new Map(result.orders.map((o) => [o.id, o.start] as const));
  const assignments: (ProposedAssignment & { moved: boolean })[] = scenario.moves.flatMap((m): (ProposedAssignment & { moved: boolean })[] => {
    if (m.type === 'resequence') return resequenceAssignments(plant, view, m, startOf, scenario.moves);
    const o = byId.get(m.order);
    if (!o) return [];
    switch (m.type) {
      case 'move':
        return [{ orderId: m.order, lineId: m.line, ...(m.position !== undefined ? { position: m.position } : {}), moved: m.line !== o.lineId }];
      case 'sequence':
        return o.lineId ? [{ orderId: m.order, lineId: o.lineId, position: m.position, moved: false }] : [];
      case 'split': {
        const id = splitOrderId(m.order, m.newId);
        return [{ orderId: id, lineId: m.line, ...(m.position !== undefined ? { position: m.position } : {}), order: { id, sku: o.sku, qty: m.qty, customer: o.customer, due: o.due, priority: o.priority }, moved: true }];
      }
    }
  });
  for (const a of assignments) {
    const line = a.moved ? view.lines.find((l) => l.id === a.lineId) : undefined;
    if (line && line.status === 'down') checks.push({ rule: 'line-available', passed: false, detail: `line: ${a.lineId} is down`, orderId: a.orderId, lineId: a.lineId });
    const r = evaluateConstraints(ctx, a);
    // As for options: a check that fails in the current plan too is not caused by the scenario.
    const before = r.checks.some((c) => !c.passed) ? (evaluateInPlace(ctx, a.orderId)?.checks ?? null) : null;
    for (const c of r.checks) {
      const pre = !c.passed && before?.some((b) => !b.passed && b.rule === c.rule && b.ruleId === c.ruleId);
      checks.push(pre ? { ...c, passed: true, preExisting: true, detail: `${c.detail} (fails in the current plan too: not caused by this scenario)`, orderId: a.orderId, lineId: a.lineId } : { ...c, orderId: a.orderId, lineId: a.lineId });
    }
  }
  const violations = checks.filter((c) => !c.passed);
  const moves = scenarioMoves(scenario);
  const delta = kpiDelta(result.kpis, asIs.kpis);
  const facts = changeFacts(plant, scenario, byId, checks, delta);
  const approvals = requiredApprovals(rules, facts);
  const feasible = violations.length === 0;
  const movedIds = [...new Set(scenario.moves.flatMap((m) => (m.type === 'resequence' ? resequenceAssignments(plant, view, m, startOf, scenario.moves).map((a) => a.orderId) : [m.order])))];

  const explanation: string[] = [
    ...scenario.disruptions.map((d) => `assumes: ${describeDisruption(d)}`),
    ...checks.map((c) => `${c.preExisting ? 'note' : c.passed ? 'pass' : 'FAIL'} ${c.rule}${c.ruleId ? ` [${c.ruleId}]` : ''}: ${c.detail}`),
    ...approvals.map((a) => `escalation [${a.ruleId}]: ${a.reason} → approval by ${a.approver} (escalates to ${a.escalateTo} after ${a.escalateAfterMinutes} min)`),
    `forecast ${horizonHours} h vs the plan as is: cost ${signed(delta.cost)}, tier-weighted tardiness ${signed(delta.weightedTardinessHours)} h, late orders ${signed(delta.lateOrders)}, changeover ${signed(delta.changeoverMinutes)} min, utilisation ${signed(Math.round(delta.utilisation * 1000) / 10)} pt, overtime ${signed(delta.overtimeHours)} person-h`,
  ];
  const chosen: RankedOption = {
    id: scenarioOptionId(scenario.name, 1),
    rank: null,
    kind: kindOf(moves),
    title: `Scenario “${scenario.name}”: ${scenario.moves.map(describeMove).join('; ')}`,
    moves,
    feasible,
    checks,
    violations,
    kpis: feasible ? result.kpis : null,
    delta: feasible ? delta : null,
    score: feasible ? result.kpis.cost : null,
    approvals,
    explanation,
    affectedOrders: movedIds,
    baseline: false,
  };
  const baseline: RankedOption = {
    id: scenarioOptionId(scenario.name, 0),
    rank: null,
    kind: 'wait',
    title: `${BASELINE_NAME}${scenario.disruptions.length ? ` (with the scenario's ${scenario.disruptions.length} assumption${scenario.disruptions.length === 1 ? '' : 's'})` : ''}`,
    moves: [{ kind: 'wait' }],
    feasible: true,
    checks: [],
    violations: [],
    kpis: asIs.kpis,
    delta: kpiDelta(asIs.kpis, asIs.kpis),
    score: asIs.kpis.cost,
    approvals: [],
    explanation: [`forecast ${horizonHours} h of the plan as is${scenario.disruptions.length ? ', with the same assumptions' : ''}: cost ${round(asIs.kpis.cost)}`],
    affectedOrders: [],
    baseline: true,
  };
  // Ranked as decide.options ranks: by score, then fewer moves, then the baseline first.
  const ranked = [baseline, chosen].filter((o) => o.feasible).sort((a, b) => (a.score as number) - (b.score as number) || a.moves.length - b.moves.length || Number(b.baseline) - Number(a.baseline));
  ranked.forEach((o, i) => (o.rank = i + 1));
  return { options: [...ranked, ...(feasible ? [] : [chosen])], chosen, comparison, horizonHours, seed };
}

/**
 * The placements a resequence makes: each order whose slot differs from the view's queue, with
 * the family before it in the new sequence and its forecast start, so the allergen and material
 * checks judge the new neighbours (the view's queue does not show them).
 */
function resequenceAssignments(plant: Plant, view: TwinState, m: Extract<ScenarioMove, { type: 'resequence' }>, startOf: ReadonlyMap<string, number | null>, all: readonly ScenarioMove[]): (ProposedAssignment & { moved: boolean })[] {
  const index = plantIndex(plant);
  const line = view.lines.find((l) => l.id === m.line);
  const byId = new Map(view.orders.map((o) => [o.id, o]));
  // Orders another move of the scenario brings to this line count as on it.
  const comingIn = new Set(all.flatMap((x) => (x.type === 'move' && x.line === m.line ? [x.order] : [])));
  const ids = m.orders.filter((id) => {
    const o = byId.get(id);
    return o && !TERMINAL.has(o.state) && o.id !== line?.currentOrderId && (o.lineId === m.line || comingIn.has(id));
  });
  const before = line ? line.queue.map((q) => q.orderId) : [];
  let prev: string | null = line?.currentSku ? index.familyOf(line.currentSku) : (line?.lastFamily ?? null);
  const out: (ProposedAssignment & { moved: boolean })[] = [];
  ids.forEach((id, i) => {
    const o = byId.get(id)!;
    const start = startOf.get(id);
    if (before[i] !== id) out.push({ orderId: id, lineId: m.line, position: i, previousFamily: prev, ...(typeof start === 'number' ? { start } : {}), moved: false });
    prev = index.familyOf(o.sku) ?? prev;
  });
  return out;
}

/** Templates filter on option kinds: a scenario takes the kind of its strongest move, so the same workflows apply as for an option making that move. */
function kindOf(moves: readonly Move[]): OptionKind {
  if (moves.some((m) => m.kind === 'split')) return 'split';
  const reroutes = moves.filter((m) => m.kind === 'reroute').length;
  if (reroutes > 1) return 'reroute-all';
  if (reroutes === 1) return 'reroute';
  if (moves.some((m) => m.kind === 'resequence')) return 'resequence';
  return 'pull-ahead';
}

/** What the scenario changes, as far as the escalation rules care (as shared/decide/options.ts does for options). */
function changeFacts(plant: Plant, s: Scenario, byId: ReadonlyMap<string, TwinView['orders'][number]>, checks: readonly OptionCheck[], delta: KpiDelta): ChangeFacts {
  const tier = (id: string) => {
    const o = byId.get(id);
    return o ? tierOf(plant, o.customer) : 'C';
  };
  const reroutes = s.moves.flatMap((m) => (m.type === 'move' && byId.get(m.order)?.lineId !== m.line ? [{ orderId: m.order, tier: tier(m.order) }] : []));
  const splits = s.moves.flatMap((m) => (m.type === 'split' ? [{ orderId: m.order, tier: tier(m.order) }] : []));
  const allergenChangeovers = allergenChangeoversOf(checks);
  return {
    ...(reroutes.length ? { reroutes } : {}),
    ...(splits.length ? { splits } : {}),
    ...(allergenChangeovers.length ? { allergenChangeovers } : {}),
    // A scenario's moves can add overtime and cost: the forecast says how much more than the plan as is.
    ...(delta.overtimeHours > 0 ? { overtimeHours: delta.overtimeHours } : {}),
    ...(delta.cost > 0 ? { cost: delta.cost } : {}),
  };
}

export function describeMove(m: ScenarioMove): string {
  switch (m.type) {
    case 'move':
      return `${m.order} to ${m.line}${m.position !== undefined ? ` (slot ${m.position + 1})` : ''}`;
    case 'sequence':
      return `${m.order} to slot ${m.position + 1} of its line`;
    case 'split':
      return `split ${m.qty} of ${m.order} to ${m.line}`;
    case 'resequence':
      return `${m.line} in the order ${m.orders.slice(0, 6).join(', ')}${m.orders.length > 6 ? ` … (${m.orders.length} orders)` : ''}`;
  }
}

export function describeDisruption(d: Scenario['disruptions'][number]): string {
  switch (d.type) {
    case 'line-down':
      return `${d.line} down for ${d.hours} h from +${d.atHours} h${d.reason ? ` (${d.reason})` : ''}`;
    case 'component-short':
      return `${d.component} short${d.qty !== undefined ? ` by ${d.qty}` : ` until +${d.untilHours} h`} from +${d.atHours} h`;
    case 'rush-order':
      return `rush order ${d.id}: ${d.qty} ${d.sku} for ${d.customer}, due in ${d.dueInHours} h`;
    case 'absence':
      return `${d.people?.length ? d.people.join(', ') : `${d.count} people`} absent${d.line ? ` on ${d.line}` : ''} for ${d.hours} h from +${d.atHours} h`;
    case 'demand-change':
      return `demand change of ${d.order ?? d.sku}${d.qty !== undefined ? ` to ${d.qty}` : d.factor !== undefined ? ` × ${d.factor}` : ''}${d.dueInHours !== undefined ? `, due in ${d.dueInHours} h` : ''}`;
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
const signed = (x: number) => {
  const r = round(x);
  return r > 0 ? `+${r}` : String(r);
};
