/**
 * Constraint rules, evaluated for one proposed assignment (order → line, position in the line's
 * sequence, start time) against the plant and a twin view. Pure and deterministic: the same
 * inputs give the same checks, each with the numbers that decided it, so an option never fails
 * silently and a person can see why.
 */
import type { Plant, Product } from '../plant/schema';
import { HOUR, MINUTE, runMs, shiftAt, type ChangeoverSpec } from '../twin/schedule';
import type { LineView } from '../twin/view';
import { UNISSUED, inboundBefore, timesOf, num, plannedRuns, plantIndex, usableStock, type DecideContext, type PlannedRun } from './context';
import type { AllergenRule, RuleSet } from './rules-schema';

export type ConstraintRuleName = 'line-capability' | 'allergen-sequencing' | 'tooling' | 'material' | 'crew-skill' | 'shift-coverage';

export interface ConstraintCheck {
  rule: ConstraintRuleName;
  /** The rule-set entry that fired (allergen rule id, tool id, component id…). */
  ruleId?: string;
  passed: boolean;
  /** One sentence with the numbers, e.g. "material: hazelnut paste needs 412.5 kg …". */
  detail: string;
  numbers?: Record<string, number>;
}

export interface ProposedAssignment {
  orderId: string;
  lineId: string;
  /** Index in the line's waiting queue (0 = right after the current order); the end when absent. */
  position?: number;
  /** Planned start; from the projection (previous end + changeover) when absent. */
  start?: number;
  /** The order when the view does not hold it (a split part, an order being planned). */
  order?: { id: string; sku: string; qty: number; customer: string; due: number; priority: number };
  /**
   * The family that runs before it on the line, when the option sets the whole sequence (a
   * re-plan): the view's queue does not show the new neighbours. Null: nothing before it.
   */
  previousFamily?: string | null;
  /**
   * The runs of the plan the option makes, when it changes the whole plan (a re-plan): the tooling
   * and material checks compare with these instead of the view's projection of the plan as is.
   */
  runs?: readonly PlannedRun[];
  /** The option adds a clean / a QA release to the changeover. */
  withClean?: boolean;
  withQaRelease?: boolean;
}

export interface ConstraintResult {
  ok: boolean;
  orderId: string;
  lineId: string;
  start: number;
  end: number;
  previousFamily: string | null;
  changeover: ChangeoverSpec;
  checks: ConstraintCheck[];
}

interface Placement {
  previousFamily: string | null;
  previousEnd: number;
  changeover: ChangeoverSpec;
  start: number;
}

function place(ctx: DecideContext, a: ProposedAssignment, line: LineView | undefined, family: string | null): Placement {
  const index = plantIndex(ctx.plant);
  const now = ctx.view.time;
  let previousFamily: string | null = null;
  let previousEnd = now;
  if (a.previousFamily !== undefined) {
    previousFamily = a.previousFamily;
  } else if (line) {
    const queue = line.queue.filter((q) => q.orderId !== a.orderId);
    const pos = Math.max(0, Math.min(a.position ?? queue.length, queue.length));
    if (pos > 0) {
      const prev = queue[pos - 1]!;
      previousFamily = index.familyOf(prev.sku);
      previousEnd = prev.projectedEnd;
    } else if (line.currentOrderId && line.currentOrderId !== a.orderId && line.currentSku) {
      previousFamily = index.familyOf(line.currentSku);
      previousEnd = Math.max(now, line.currentProjectedEnd ?? now);
    } else {
      previousFamily = line.lastFamily;
    }
  }
  const changeover = index.changeover(previousFamily, family);
  return { previousFamily, previousEnd, changeover, start: a.start ?? previousEnd + changeover.minutes * MINUTE };
}

/** Evaluates every enabled constraint rule for the assignment. `ok` is true when all checks pass. */
export function evaluateConstraints(ctx: DecideContext, a: ProposedAssignment): ConstraintResult {
  const { plant, rules, view } = ctx;
  const index = plantIndex(plant);
  const order = a.order ?? view.orders.find((o) => o.id === a.orderId);
  const lineView = view.lines.find((l) => l.id === a.lineId);
  const lineDef = plant.areas.flatMap((ar) => ar.lines).find((l) => l.id === a.lineId);
  const product = order ? index.productBySku.get(order.sku) : undefined;
  const family = product?.family ?? null;
  const p = place(ctx, a, lineView, family);
  const base = { orderId: a.orderId, lineId: a.lineId, previousFamily: p.previousFamily, changeover: p.changeover };

  if (!order || !lineDef || !product) {
    const detail = !order
      ? `order '${a.orderId}' is not in the twin (give 'order' to check one that is not released yet)`
      : !lineDef
        ? `line '${a.lineId}' does not exist in plant '${plant.site.id}'`
        : `order ${order.id} has SKU '${order.sku}', which plant '${plant.site.id}' does not define`;
    return { ...base, ok: false, start: p.start, end: p.start, checks: [{ rule: 'line-capability', passed: false, detail }] };
  }
  const good = 'good' in order ? (order as { good: number }).good : 0;
  const remaining = Math.max(0, order.qty - good);
  const end = p.start + runMs(index, order.sku, a.lineId, remaining);
  const run = { order: { id: order.id, sku: order.sku }, remaining, start: p.start, end, product };
  const c = rules.constraints;
  const checks: ConstraintCheck[] = [];
  if (c.lineCapability.enabled) checks.push(lineCapability(plant, rules, lineDef, run));
  if (c.allergens.enabled) checks.push(...allergenChecks(ctx, a, p, family, run));
  if (c.tooling.enabled) checks.push(...toolingChecks(ctx, a, run));
  if (c.material.enabled) checks.push(...materialChecks(ctx, a, run));
  if (c.crew.enabled) checks.push(...crewChecks(plant, rules, lineDef, run));
  return { ...base, ok: checks.every((ch) => ch.passed), start: p.start, end, checks };
}

interface Run {
  order: { id: string; sku: string };
  remaining: number;
  start: number;
  end: number;
  product: Product;
}

type LineDef = Plant['areas'][number]['lines'][number];

function lineCapability(plant: Plant, rules: RuleSet, line: LineDef, r: Run): ConstraintCheck {
  const fmtTime = timesOf(plant);
  const rate = r.product.rates[line.id];
  if (!line.families.includes(r.product.family))
    return { rule: 'line-capability', passed: false, detail: `line: ${line.id} cannot run family '${r.product.family}' of ${r.order.sku} (it runs ${line.families.join(', ')})` };
  if (rate === undefined) {
    const lines = Object.keys(r.product.rates);
    return { rule: 'line-capability', passed: false, detail: `line: ${r.order.sku} has no run rate on ${line.id} (rates on ${lines.join(', ') || 'no line'})` };
  }
  const hours = r.remaining / rate;
  const max = rules.constraints.lineCapability.maxRunHours;
  const numbers = { rate, qty: r.remaining, hours: Math.round(hours * 1000) / 1000 };
  if (max !== undefined && hours > max)
    return { rule: 'line-capability', passed: false, detail: `line: ${r.remaining} × ${r.order.sku} on ${line.id} at ${num(rate)}/h takes ${num(hours)} h, more than the ${num(max)} h limit: split the order`, numbers: { ...numbers, maxRunHours: max } };
  return { rule: 'line-capability', passed: true, detail: `line: ${line.id} runs ${r.order.sku} (family ${r.product.family}) at ${num(rate)}/h → ${num(r.remaining)} units in ${num(hours)} h (${fmtTime(r.start)}–${fmtTime(r.end, r.start)})`, numbers };
}

function ruleMatches(rule: AllergenRule, lineId: string, from: { id: string; allergens: readonly string[] }, to: { id: string; allergens: readonly string[] }): boolean {
  if (rule.lines.length > 0 && !rule.lines.includes(lineId)) return false;
  const fromHit = rule.from.families.includes(from.id) || rule.from.allergens.some((x) => from.allergens.includes(x));
  const toHit = rule.to.families.includes(to.id) || rule.to.without.some((x) => !to.allergens.includes(x));
  return fromHit && toHit;
}

function allergenChecks(ctx: DecideContext, a: ProposedAssignment, p: Placement, family: string | null, r: Run): ConstraintCheck[] {
  const fmtTime = timesOf(ctx.plant);
  const { plant, rules } = ctx;
  const index = plantIndex(plant);
  const cr = rules.constraints.allergens;
  if (p.previousFamily === null || family === null)
    return [{ rule: 'allergen-sequencing', passed: true, detail: `allergens: nothing ran before ${r.order.id} on ${a.lineId}: no clean needed` }];
  const from = index.familyById.get(p.previousFamily);
  const to = index.familyById.get(family);
  const fromA = from?.allergens ?? [];
  const toA = to?.allergens ?? [];
  const lost = fromA.filter((x) => !toA.includes(x));
  const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');
  const transition = `${p.previousFamily} (${list(fromA)}) → ${family} (${list(toA)})`;
  const required: { id: string; clean: boolean; qaRelease: boolean; forbid: boolean; description?: string }[] = [];
  for (const rule of cr.rules) if (ruleMatches(rule, a.lineId, { id: p.previousFamily, allergens: fromA }, { id: family, allergens: toA })) required.push({ id: rule.id, ...rule.require, forbid: rule.forbid, description: rule.description });
  if (cr.defaultRequire && lost.length > 0 && (cr.defaultRequire.clean || cr.defaultRequire.qaRelease)) required.push({ id: 'default', ...cr.defaultRequire, forbid: false, description: `loses ${lost.join(', ')}` });
  if (required.length === 0) return [{ rule: 'allergen-sequencing', passed: true, detail: `allergens: ${transition} on ${a.lineId} loses no allergen: no clean needed` }];

  const clean = p.changeover.clean || a.withClean === true;
  const qa = p.changeover.qaRelease || a.withQaRelease === true;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const checks: ConstraintCheck[] = [];
  let needsQa = false;
  for (const req of required) {
    if (req.forbid) {
      checks.push({ rule: 'allergen-sequencing', ruleId: req.id, passed: false, detail: `allergens: rule '${req.id}' forbids ${transition} on ${a.lineId}${req.description ? ` (${req.description})` : ''}` });
      continue;
    }
    const needs = [req.clean ? 'a clean' : '', req.qaRelease ? 'a QA release' : ''].filter(Boolean).join(' and ');
    const passed = (!req.clean || clean) && (!req.qaRelease || qa);
    needsQa ||= req.qaRelease;
    checks.push({
      rule: 'allergen-sequencing',
      ruleId: req.id,
      passed,
      detail: `allergens: ${transition} on ${a.lineId} needs ${needs} (rule '${req.id}'); the changeover has clean: ${yes(clean)}, QA release: ${yes(qa)}, ${num(p.changeover.minutes)} min${passed ? '' : ' → not allowed without them'}`,
      numbers: { changeoverMinutes: p.changeover.minutes },
    });
  }
  if (needsQa && qa && plant.shifts.length > 0) {
    const shift = shiftAt(plant, p.start);
    const crew = shift ? plant.crews.find((c) => c.id === shift.crew) : undefined;
    const qaPeople = crew ? crew.members.filter((m) => m.role === cr.qaRole) : [];
    checks.push({
      rule: 'allergen-sequencing',
      ruleId: 'qa-on-shift',
      passed: qaPeople.length > 0,
      detail:
        qaPeople.length > 0
          ? `allergens: QA release at ${fmtTime(p.start)} by shift ${shift!.id} (crew ${crew!.id}): ${qaPeople.length} × ${cr.qaRole} (${qaPeople.map((q) => q.id).join(', ')})`
          : `allergens: the QA release at ${fmtTime(p.start)} needs a '${cr.qaRole}' on shift; ${shift ? `shift ${shift.id} (crew ${shift.crew}) has none` : 'no shift covers that time'}`,
      numbers: { qaOnShift: qaPeople.length },
    });
  }
  return checks;
}

function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1;
}

function toolingChecks(ctx: DecideContext, a: ProposedAssignment, r: Run): ConstraintCheck[] {
  const fmtTime = timesOf(ctx.plant);
  const { plant, view } = ctx;
  const index = plantIndex(plant);
  if (r.product.tools.length === 0) return [{ rule: 'tooling', passed: true, detail: `tooling: ${r.order.sku} needs no tools` }];
  const runs = a.runs ?? plannedRuns(view);
  return r.product.tools.map((toolId): ConstraintCheck => {
    const tool = plant.tools.find((t) => t.id === toolId);
    if (!tool) return { rule: 'tooling', ruleId: toolId, passed: false, detail: `tooling: ${r.order.sku} needs tool '${toolId}', which the plant does not declare` };
    if (tool.lines.length > 0 && !tool.lines.includes(a.lineId))
      return { rule: 'tooling', ruleId: toolId, passed: false, detail: `tooling: ${tool.id} (${tool.name}) cannot be fitted on ${a.lineId} (only on ${tool.lines.join(', ')})`, numbers: { count: tool.count } };
    const users = new Map<string, string>();
    for (const run of runs) {
      if (run.lineId === a.lineId || run.orderId === a.orderId || users.has(run.lineId)) continue;
      if (!overlaps(run.start, run.end, r.start, r.end)) continue;
      if (!index.productBySku.get(run.sku)?.tools.includes(toolId)) continue;
      users.set(run.lineId, `${run.lineId} by ${run.orderId} (${fmtTime(run.start)}–${fmtTime(run.end, run.start)})`);
    }
    const free = tool.count - users.size;
    const inUse = users.size ? `in use on ${[...users.values()].join(', ')}` : 'not in use elsewhere';
    return {
      rule: 'tooling',
      ruleId: toolId,
      passed: free >= 1,
      detail: `tooling: ${tool.id}: ${tool.count} in total, ${inUse} → ${Math.max(0, free)} free for ${r.order.id} on ${a.lineId} ${fmtTime(r.start)}–${fmtTime(r.end, r.start)}`,
      numbers: { count: tool.count, inUse: users.size, free: Math.max(0, free) },
    };
  });
}

function materialChecks(ctx: DecideContext, a: ProposedAssignment, r: Run): ConstraintCheck[] {
  const fmtTime = timesOf(ctx.plant);
  const { plant, rules, view } = ctx;
  const m = rules.constraints.material;
  if (r.product.bom.length === 0) return [{ rule: 'material', passed: true, detail: `material: ${r.order.sku} has no bill of materials` }];
  const index = plantIndex(plant);
  const states = new Map(view.orders.map((o) => [o.id, o.state] as const));
  const earlier = m.reserveForEarlierOrders ? (a.runs ?? plannedRuns(view)).filter((x) => x.orderId !== a.orderId && x.start < r.start && UNISSUED.has(states.get(x.orderId) ?? 'complete')) : [];
  return r.product.bom.map((line): ConstraintCheck => {
    const comp = plant.components.find((c) => c.id === line.component);
    const uom = comp?.uom ?? '';
    const name = comp?.name ?? line.component;
    const need = r.remaining * line.perUnit * (1 + m.safetyMargin);
    const onHand = usableStock(plant, view, line.component, m.excludeLocationKinds);
    const inbound = m.includeInbound ? inboundBefore(ctx.inbound, line.component, r.start) : { qty: 0, pos: [] };
    let reserved = 0;
    for (const e of earlier) {
      const per = index.productBySku.get(e.sku)?.bom.find((b) => b.component === line.component)?.perUnit;
      if (per) reserved += e.remaining * per;
    }
    const available = onHand + inbound.qty - reserved;
    const short = need - available;
    const margin = m.safetyMargin > 0 ? ` + ${num(m.safetyMargin * 100)} % margin` : '';
    const res = reserved > 0 ? ` − ${num(reserved)} ${uom} reserved for earlier orders` : '';
    const verdict = short > 1e-9 ? `short ${num(short)} ${uom}` : `${num(-short)} ${uom} to spare`;
    return {
      rule: 'material',
      ruleId: line.component,
      passed: short <= 1e-9,
      detail: `material: ${name} needs ${num(need)} ${uom} for ${r.order.id} (${num(r.remaining)} × ${num(line.perUnit)}${margin}), ${num(onHand)} ${uom} on hand + ${num(inbound.qty)} inbound before ${fmtTime(r.start)}${res} → ${verdict}`,
      numbers: { need, onHand, inbound: inbound.qty, reserved, short: Math.max(0, short) },
    };
  });
}

function crewChecks(plant: Plant, rules: RuleSet, line: LineDef, r: Run): ConstraintCheck[] {
  const fmtTime = timesOf(plant);
  const cr = rules.constraints.crew;
  const checks: ConstraintCheck[] = [];
  if (plant.shifts.length === 0) return [{ rule: 'shift-coverage', passed: true, detail: 'crew: the plant declares no shifts: crew and coverage not checked' }];
  const shift = shiftAt(plant, r.start);
  const crew = shift ? plant.crews.find((c) => c.id === shift.crew) : undefined;
  if (cr.requireSkills) {
    if (!shift || !crew) {
      checks.push({ rule: 'crew-skill', passed: false, detail: `crew: no shift covers the start of ${r.order.id} at ${fmtTime(r.start)} on ${line.id}` });
    } else {
      const staff = crew.members.filter((p) => (cr.staffRoles as readonly string[]).includes(p.role));
      const missing: string[] = [];
      const counts: string[] = [];
      for (const skill of line.crew.skills) {
        const n = staff.filter((p) => p.skills.includes(skill)).length;
        counts.push(`${n} with '${skill}'`);
        if (n === 0) missing.push(skill);
      }
      const enough = staff.length >= line.crew.size;
      const passed = missing.length === 0 && enough;
      const what = `${line.id} needs ${line.crew.size} people${line.crew.skills.length ? ` with ${line.crew.skills.map((s) => `'${s}'`).join(', ')}` : ''}`;
      const has = `shift ${shift.id} (crew ${crew.id}) has ${staff.length} ${cr.staffRoles.join('/')}${counts.length ? `, ${counts.join(', ')}` : ''}`;
      checks.push({
        rule: 'crew-skill',
        passed,
        detail: `crew: ${what}; ${has}${missing.length ? ` → skill missing: ${missing.join(', ')}` : ''}${enough ? '' : ` → ${line.crew.size - staff.length} people short`}`,
        numbers: { needed: line.crew.size, staff: staff.length, missingSkills: missing.length },
      });
    }
  }
  if (cr.requireShiftCoverage) {
    const step = 15 * MINUTE;
    const samples = Math.min(400, Math.max(1, Math.ceil((r.end - r.start) / step)));
    const dt = (r.end - r.start) / samples;
    let uncovered = 0;
    let firstGap: number | null = null;
    for (let i = 0; i < samples; i++) {
      const t = r.start + i * dt;
      if (!shiftAt(plant, t)) {
        uncovered += dt;
        firstGap ??= t;
      }
    }
    checks.push({
      rule: 'shift-coverage',
      passed: uncovered === 0,
      detail:
        uncovered === 0
          ? `shifts: the run ${fmtTime(r.start)}–${fmtTime(r.end, r.start)} (${num((r.end - r.start) / HOUR)} h) is covered by shifts`
          : `shifts: ${num(uncovered / HOUR)} h of the run ${fmtTime(r.start)}–${fmtTime(r.end, r.start)} is not covered by any shift (first gap at ${fmtTime(firstGap!, r.start)})`,
      numbers: { runHours: (r.end - r.start) / HOUR, uncoveredHours: uncovered / HOUR },
    });
  }
  return checks;
}

/** Convenience for callers that only have the view: all checks of an order on its own line, where it is. */
export function evaluateInPlace(ctx: DecideContext, orderId: string): ConstraintResult | null {
  const line = ctx.view.lines.find((l) => l.queue.some((q) => q.orderId === orderId));
  if (!line) return null;
  const position = line.queue.findIndex((q) => q.orderId === orderId);
  return evaluateConstraints(ctx, { orderId, lineId: line.id, position, start: line.queue[position]!.projectedStart });
}

