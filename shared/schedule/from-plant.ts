/**
 * The plant side of the re-planner: a fork of the twin (../sim/forecast.ts `ForecastState`, with
 * whatever disruptions and planned events it carries), the plant and the rule set become a plain
 * `ScheduleProblem` (./model.ts) for the open orders of a horizon; and a plan comes back as the
 * forecast's moves, so the full forecast scores the re-plan like any other option.
 *
 * The plant's constraints, all hard in the problem:
 *  - eligibility: a line runs an order only when the product has a rate there, the line lists
 *    the product's family and every tool the product needs can be fitted on the line (and, with a
 *    `maxRunHours` rule, the run fits in it);
 *  - run minutes per order and line from the line's rate and the units still to make;
 *  - the plant's changeover matrix (family → family; the plant default for unlisted pairs), per
 *    line, with the QA release minutes added where an allergen clean needs one;
 *  - allergen rules: a `forbid` rule, and a transition whose required clean or QA release the
 *    changeover does not include, may never be adjacent (the constraint check would refuse it);
 *  - material: an order's release is when its components are there for it (stock on hand and
 *    receipts planned in the fork: inbound POs, expedites; the standard replenishment after the
 *    lead time when those do not cover it), and not before a QA hold on it is released;
 *  - calendars: a line that is down (until its expected repair, or a planned down), on a line QA
 *    hold, outside every shift, or without the crew skills the line needs in a shift, or with no
 *    one left by an absence, is `blocked` then;
 *  - the frozen window: the order running now and those starting within `frozenMinutes` stay as
 *    each line's frozen prefix; planners' pins (the lines' `plan.sequence` pins) keep their line;
 *  - `current` holds each order's line and position in the plan as is, for the churn penalty;
 *  - the orders that start after the horizon in the plan as is are each line's frozen `tail`:
 *    not searched, but a plan that loads a line more pays for the lateness it pushes onto them.
 * Weights come from the rule set's priority rules: an order's weight is its tier's lateness
 * penalty per hour (so the engine's tardiness term is the forecast's tardiness cost), plus the
 * forecast's costs of a late order and of a changeover minute. Overtime and premium freight are
 * not in the problem: the full forecast scores them when it ranks the re-plan.
 *
 * What the problem does not express and the forecast still judges: a crew short of people (a
 * slower line, not a stopped one), tools shared between lines at the same time, material that
 * several orders compete for. Pure.
 */
import type { Plant } from '../plant/schema';
import type { RuleSet } from '../decide/rules-schema';
import { objectiveFromRules } from '../decide/options';
import { plantIndex, timesOf } from '../decide/context';
import { applyOrderChange, crewAssignment, lineQueue, type ForecastOrder, type ForecastState, type Move } from '../sim/forecast';
import { HOUR, MINUTE, UNKNOWN_RATE, shiftAt, type PlantIndex } from '../twin/schedule';
import type { ScheduleLine, ScheduleOrder, SchedulePlan, ScheduleProblem, ScheduleWindow, TailRun } from './model';

export interface FromPlantInput {
  plant: Plant;
  rules: RuleSet;
  /** The fork to re-plan (its time is the problem's minute 0). */
  state: ForecastState;
  /** Orders considered: those that start (in the plan as is) or are due within this many hours; default 24. */
  horizonHours?: number;
  /** Orders starting within this many minutes stay put, with the running ones (default 30). */
  frozenMinutes?: number;
  /** Minutes a QA release takes after an allergen clean (the forecast's default, 15). */
  qaReleaseMinutes?: number;
  /** Cost of moving a committed order (default: five changeover minutes' worth). */
  churnPerOrder?: number;
  /** Only these lines take part (default all). */
  lineIds?: readonly string[];
  index?: PlantIndex;
}

/** Why a line is blocked in a window, for explanations. */
export interface BlockReason {
  lineId: string;
  from: number;
  to: number;
  reason: string;
}

/** What an order's release waits for. */
export interface ReleaseReason {
  orderId: string;
  release: number;
  reason: string;
}

export interface OrderInfo {
  id: string;
  sku: string;
  customer: string;
  tier: 'A' | 'B' | 'C';
  /** Lateness penalty per hour of its tier. */
  penaltyPerHour: number;
  /** Plant time it is due. */
  dueAt: number;
  running: boolean;
}

export interface PlantProblem {
  problem: ScheduleProblem;
  /** Plant time of minute 0. */
  t0: number;
  /** The site's time zone, for the times explanations show. */
  timeZone?: string;
  /** The plan as is (each line's orders of the problem, in the order the forecast would run them). */
  asIs: SchedulePlan;
  orders: Map<string, OrderInfo>;
  blocks: BlockReason[];
  releases: ReleaseReason[];
  /** Open orders left out of the search (beyond the horizon: their line's tail; or with no line that can run them). */
  excluded: { orderId: string; reason: string }[];
  /**
   * Tools fewer than the lines that could use them at once: the problem cannot say so, so the
   * re-planner checks its plan's runs against them and blocks a line where two would overlap
   * (./replan.ts).
   */
  sharedTools: SharedTool[];
}

export interface SharedTool {
  toolId: string;
  count: number;
  orderIds: string[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Builds the schedule problem for the open orders of the fork's horizon. */
export function problemFromPlant(input: FromPlantInput): PlantProblem {
  const { plant, rules, state } = input;
  const index = input.index ?? plantIndex(plant);
  const t0 = state.time;
  const horizonMin = (input.horizonHours ?? 24) * 60;
  const frozenMin = input.frozenMinutes ?? 30;
  const qaMin = input.qaReleaseMinutes ?? 15;
  const objective = objectiveFromRules(rules);
  const toMin = (ms: number) => round((ms - t0) / MINUTE);
  // Times people read are plant times in the site's zone (with the day when it is not today).
  const times = timesOf(plant);
  const hhmm = (t: number) => times(t, t0);
  const lineIds = new Set(input.lineIds ?? state.lines.map((l) => l.id));
  const lines = state.lines.filter((l) => lineIds.has(l.id));
  const tierOf = new Map(plant.customers.map((c) => [c.id, c.tier] as const));
  const penalty = (tier: 'A' | 'B' | 'C') => objective.costs.latePenaltyPerHour?.[tier] ?? objective.tierWeights[tier] * objective.costs.tardinessPerWeightedHour;
  const lineDef = new Map(plant.areas.flatMap((a) => a.lines).map((l) => [l.id, l] as const));
  // Calendars reach past the horizon: runs that start in it end after it.
  const calendarEnd = horizonMin + 48 * 60;

  // --- orders: the fork's open ones plus those the fork adds later (rush orders), with planned changes applied
  const adds = new Map<string, { order: ForecastOrder; at: number }>();
  for (const e of state.planned) if (e.type === 'order-add') adds.set(e.order.id, { order: e.order, at: e.at });
  const all: { o: ForecastOrder; arrives: number }[] = [];
  for (const o of state.orders) if (o.state === 'queued' || o.state === 'running') all.push({ o: { ...o }, arrives: t0 });
  for (const { order, at } of adds.values()) if (!state.orders.some((o) => o.id === order.id)) all.push({ o: { ...order }, arrives: at });
  for (const e of state.planned) {
    if (e.type !== 'order-change') continue;
    const x = all.find((a) => a.o.id === e.orderId);
    if (!x) continue;
    applyOrderChange(x.o, e);
  }

  // --- lines: blocked windows (down, holds, calendars) and the plan as is
  const blocks: BlockReason[] = [];
  const block = (lineId: string, from: number, to: number, reason: string) => {
    const a = Math.max(0, from);
    if (to > a) blocks.push({ lineId, from: round(a), to: round(to), reason });
  };
  for (const l of lines) {
    if (l.downUntil !== null && l.downUntil > t0) block(l.id, 0, toMin(l.downUntil), `${l.id} down until its expected repair at ${hhmm(l.downUntil)}`);
    if (l.heldUntil !== null && l.heldUntil > t0) block(l.id, 0, toMin(l.heldUntil), `${l.id} on QA hold until ${hhmm(l.heldUntil)}`);
  }
  for (const e of state.planned) {
    if (e.type === 'line-down' && lineIds.has(e.lineId)) block(e.lineId, toMin(e.at), toMin(e.at) + e.minutes, `${e.lineId} down ${hhmm(e.at)}–${hhmm(e.at + e.minutes * MINUTE)}${e.reason ? ` (${e.reason})` : ''}`);
  }
  calendarBlocks(plant, index, state, lines.map((l) => l.id), t0, calendarEnd, rules, block, hhmm);

  const family = (sku: string) => index.familyOf(sku) ?? `sku:${sku}`;
  const runMinutes = (o: ForecastOrder, lineId: string) => {
    const rate = index.rate(o.sku, lineId) ?? UNKNOWN_RATE;
    return round((Math.max(0, o.remaining) / rate) * 60);
  };
  const eligible = (o: ForecastOrder): string[] => {
    const p = index.productBySku.get(o.sku);
    if (!p) return [];
    const out: string[] = [];
    for (const l of lines) {
      const def = lineDef.get(l.id);
      if (!def || p.rates[l.id] === undefined || !def.families.includes(p.family)) continue;
      if (rules.constraints.tooling.enabled && p.tools.some((t) => {
        const tool = plant.tools.find((x) => x.id === t);
        return !tool || (tool.lines.length > 0 && !tool.lines.includes(l.id));
      })) continue;
      const max = rules.constraints.lineCapability.enabled ? rules.constraints.lineCapability.maxRunHours : undefined;
      if (max !== undefined && o.remaining / (p.rates[l.id] as number) > max) continue;
      out.push(l.id);
    }
    return out;
  };

  // Each line's orders as the forecast would run them: the running one, then its queue (pins first).
  const asIs: SchedulePlan = { lines: {} };
  const byId = new Map(all.map((a) => [a.o.id, a] as const));
  const projectedStart = new Map<string, number>();
  const excluded: PlantProblem['excluded'] = [];
  const releases: ReleaseReason[] = [];
  const releaseOf = new Map<string, number>();
  /** An order's release (minutes) and why, given the stock orders before it take first. */
  const releaseFor = (a: (typeof all)[number], needBefore: Map<string, number>) => {
    const r = materialRelease(plant, index, state, a.o, t0, hhmm, needBefore);
    let rel = Math.max(r.at, a.arrives);
    let why = r.reason;
    if (a.arrives > t0 && a.arrives >= r.at) why = `arrives at ${hhmm(a.arrives)}`;
    if (a.o.heldUntil !== null && a.o.heldUntil > rel) {
      rel = a.o.heldUntil;
      why = `on QA hold until ${hhmm(a.o.heldUntil)}`;
    }
    return { m: Math.max(0, toMin(rel)), why };
  };
  // First pass: each order on its own (for the projection of the plan as is, below).
  for (const a of all) releaseOf.set(a.o.id, releaseFor(a, new Map()).m);
  const blocksOf = (lineId: string) => blocks.filter((b) => b.lineId === lineId).sort((x, y) => x.from - y.from);
  const co = (lineId: string, from: string | null, to: string) => changeoverMinutes(index, rules, lineId, from, to, qaMin, lineDef.get(lineId)?.families ?? []);
  for (const l of lines) {
    const seq: string[] = [];
    if (l.currentOrderId && byId.has(l.currentOrderId)) seq.push(l.currentOrderId);
    for (const q of lineQueue(state, l.id)) if (byId.has(q.id)) seq.push(q.id);
    // rush orders the fork adds later, where the forecast would run them (pinned ones first, then by due)
    const later = [...adds.values()].filter((x) => x.order.lineId === l.id && !seq.includes(x.order.id)).map((x) => x.order);
    for (const o of later) {
      const pinAt = l.pinned.indexOf(o.id);
      if (pinAt >= 0) seq.splice(Math.min(pinAt + (l.currentOrderId ? 1 : 0), seq.length), 0, o.id);
      else seq.push(o.id);
    }
    // projected starts of the plan as is, for the horizon and the frozen window
    let t = l.setupRemainingMinutes;
    let fam: string | null = l.currentOrderId && byId.has(l.currentOrderId) ? family((byId.get(l.currentOrderId) as { o: ForecastOrder }).o.sku) : l.lastFamily;
    const bl = blocksOf(l.id);
    for (const id of seq) {
      const o = (byId.get(id) as { o: ForecastOrder }).o;
      const f = family(o.sku);
      const isCur = id === l.currentOrderId;
      let start = Math.max(t + (isCur ? 0 : co(l.id, fam, f).minutes), releaseOf.get(id) ?? 0);
      const dur = runMinutes(o, l.id);
      for (const b of bl) if (start < b.to && start + dur > b.from) start = b.to;
      projectedStart.set(id, start);
      t = start + dur;
      fam = f;
    }
    asIs.lines[l.id] = seq;
  }

  // Second pass: components go to orders in the order the plan as is starts them, so a re-plan never
  // pulls an order ahead onto material an earlier order needs (the constraint rules reserve the same way).
  {
    const ordered = [...all].sort((x, y) => (projectedStart.get(x.o.id) ?? Infinity) - (projectedStart.get(y.o.id) ?? Infinity) || x.o.due - y.o.due || (x.o.id < y.o.id ? -1 : 1));
    const needBefore = new Map<string, number>();
    for (const a of ordered) {
      const r = releaseFor(a, needBefore);
      releaseOf.set(a.o.id, r.m);
      if (r.m > 0 && r.why) releases.push({ orderId: a.o.id, release: r.m, reason: r.why });
      for (const b of index.productBySku.get(a.o.sku)?.bom ?? []) needBefore.set(b.component, (needBefore.get(b.component) ?? 0) + b.perUnit * Math.max(0, a.o.remaining));
    }
  }

  // --- which orders take part
  const frozen: Record<string, string[]> = {};
  const inProblem = new Set<string>();
  for (const l of lines) {
    const seq = asIs.lines[l.id] as string[];
    const fz: string[] = [];
    for (const id of seq) {
      const isCur = id === l.currentOrderId;
      if (isCur || (fz.length === seq.indexOf(id) && (projectedStart.get(id) ?? Infinity) < frozenMin)) fz.push(id);
      else break;
    }
    if (fz.length) frozen[l.id] = fz;
    for (const id of seq) {
      const o = (byId.get(id) as { o: ForecastOrder }).o;
      const start = projectedStart.get(id) ?? Infinity;
      if (fz.includes(id) || start < horizonMin || toMin(o.due) < horizonMin) inProblem.add(id);
      else excluded.push({ orderId: id, reason: `starts after the ${horizonMin / 60} h horizon in the plan as is` });
    }
  }
  // Orders on no line (or on a line left out) that some line could run: due within the horizon.
  for (const a of all) {
    if (inProblem.has(a.o.id) || excluded.some((e) => e.orderId === a.o.id)) continue;
    if (a.o.lineId !== null && lineIds.has(a.o.lineId)) continue;
    if (a.o.lineId !== null) continue; // on a line not taking part: not ours to move
    if (toMin(a.o.due) < horizonMin && eligible(a.o).length) inProblem.add(a.o.id);
    else excluded.push({ orderId: a.o.id, reason: 'has no line in the plan and is not due within the horizon' });
  }

  // --- orders
  const orders: ScheduleOrder[] = [];
  const infos = new Map<string, OrderInfo>();
  const pins: Record<string, string> = {};
  const frozenIds = new Set(Object.values(frozen).flat());
  for (const a of all) {
    const o = a.o;
    if (!inProblem.has(o.id)) continue;
    const tier = tierOf.get(o.customer) ?? 'C';
    const current = o.lineId !== null && asIs.lines[o.lineId] ? { lineId: o.lineId, index: (asIs.lines[o.lineId] as string[]).indexOf(o.id) } : undefined;
    let can = eligible(o);
    // A frozen (running) order stays where it is, even on a line the rules would not pick now.
    if (frozenIds.has(o.id) && o.lineId) can = [o.lineId];
    if (can.length === 0) {
      if (o.lineId && lineIds.has(o.lineId)) can = [o.lineId];
      else {
        inProblem.delete(o.id);
        excluded.push({ orderId: o.id, reason: `no line can run ${o.sku}` });
        continue;
      }
    }
    const minutes: Record<string, number> = {};
    for (const lid of can) minutes[lid] = runMinutes(o, lid);
    const rel = releaseOf.get(o.id) ?? 0;
    orders.push({
      id: o.id,
      family: family(o.sku),
      due: toMin(o.due),
      weight: penalty(tier),
      minutes,
      ...(rel > 0 ? { release: rel } : {}),
      ...(current && current.index >= 0 ? { current } : {}),
    });
    infos.set(o.id, { id: o.id, sku: o.sku, customer: o.customer, tier, penaltyPerHour: penalty(tier), dueAt: o.due, running: o.state === 'running' });
  }
  const plannedSeq = new Map(Object.entries(asIs.lines).map(([lid, ids]) => [lid, [...ids]] as const));
  for (const l of lines) {
    for (const id of l.pinned) if (inProblem.has(id) && byId.get(id)?.o.lineId === l.id) pins[id] = l.id;
    const seq = (asIs.lines[l.id] as string[]).filter((id) => inProblem.has(id));
    asIs.lines[l.id] = seq;
  }
  // Frozen prefixes hold only problem orders, as they are.
  for (const [lid, ids] of Object.entries(frozen)) frozen[lid] = ids.filter((id) => inProblem.has(id));

  // --- changeovers and forbidden transitions per line, over the families the line may see
  const changeovers: NonNullable<ScheduleProblem['changeovers']> = {};
  const forbidden: NonNullable<ScheduleProblem['forbidden']> = {};
  const outLines: ScheduleLine[] = [];
  // Each line's orders beyond the horizon, as the plan as is runs them: the line's frozen tail, so
  // that a re-plan that loads the line more sees what pushing them back costs, without moving them.
  const excludedIds = new Set(excluded.map((e) => e.orderId));
  const tailOf = (lineId: string): TailRun[] =>
    (plannedSeq.get(lineId) ?? []).filter((id) => excludedIds.has(id)).map((id) => {
      const o = (byId.get(id) as { o: ForecastOrder }).o;
      const rel = releaseOf.get(id) ?? 0;
      return { id, family: family(o.sku), minutes: runMinutes(o, lineId), due: toMin(o.due), weight: penalty(tierOf.get(o.customer) ?? 'C'), ...(rel > 0 ? { release: rel } : {}) };
    });
  for (const l of lines) {
    const fams = new Set<string>();
    for (const o of orders) if (o.minutes[l.id] !== undefined) fams.add(o.family);
    const tail = tailOf(l.id);
    for (const t of tail) fams.add(t.family);
    const cur = l.currentOrderId && inProblem.has(l.currentOrderId) ? family((byId.get(l.currentOrderId) as { o: ForecastOrder }).o.sku) : null;
    const initial = cur ?? l.lastFamily;
    const froms = new Set(fams);
    if (initial) froms.add(initial);
    const m: Record<string, Record<string, number>> = {};
    const fb: Record<string, string[]> = {};
    for (const from of froms) {
      for (const to of fams) {
        if (from === to && !index.familyById.has(from)) continue;
        const c = co(l.id, from, to);
        if (c.forbidden) (fb[from] ??= []).push(to);
        if (c.minutes > 0) (m[from] ??= {})[to] = c.minutes;
      }
    }
    if (Object.keys(m).length) changeovers[l.id] = m;
    if (Object.keys(fb).length) forbidden[l.id] = fb;
    const windows: ScheduleWindow[] = mergeWindows(blocksOf(l.id).map((b) => ({ from: b.from, to: b.to })));
    outLines.push({
      id: l.id,
      ...(initial ? { initialFamily: initial } : {}),
      ...(l.currentOrderId && inProblem.has(l.currentOrderId) && l.setupRemainingMinutes > 0 ? { availableFrom: round(l.setupRemainingMinutes) } : {}),
      ...(windows.length ? { blocked: windows } : {}),
      ...(tail.length ? { tail } : {}),
    });
  }

  const sharedTools: SharedTool[] = [];
  for (const tool of plant.tools) {
    const users = orders.filter((o) => index.productBySku.get((byId.get(o.id) as { o: ForecastOrder }).o.sku)?.tools.includes(tool.id));
    const usedOn = new Set(users.flatMap((o) => Object.keys(o.minutes)));
    if (users.length > 1 && usedOn.size > tool.count) sharedTools.push({ toolId: tool.id, count: tool.count, orderIds: users.map((o) => o.id) });
  }

  const problem: ScheduleProblem = {
    takt: 'schedule-problem',
    name: `${plant.site.id} re-plan from ${new Date(t0).toISOString()} (${horizonMin / 60} h)`,
    lines: outLines,
    orders,
    changeovers,
    ...(Object.keys(forbidden).length ? { forbidden } : {}),
    ...(Object.keys(frozen).some((k) => (frozen[k] as string[]).length) ? { frozen: Object.fromEntries(Object.entries(frozen).filter(([, v]) => v.length)) } : {}),
    ...(Object.keys(pins).length ? { pins } : {}),
    weights: {
      tardiness: 1 / 60,
      lateOrder: objective.costs.lateOrder,
      changeover: objective.costs.changeoverPerMinute,
      churn: input.churnPerOrder ?? objective.costs.changeoverPerMinute * 5,
    },
  };
  return { problem, t0, ...(plant.site.timezone ? { timeZone: plant.site.timezone } : {}), asIs, orders: infos, blocks, releases, excluded, sharedTools };
}

/** Minutes of a changeover on a line, QA release included, and whether the rules forbid it. */
export function changeoverMinutes(index: PlantIndex, rules: RuleSet, lineId: string, from: string | null, to: string, qaMinutes: number, _lineFamilies: readonly string[] = []): { minutes: number; forbidden: boolean } {
  if (from === null) return { minutes: 0, forbidden: false };
  const spec = index.changeover(from, to);
  const minutes = spec.minutes + (spec.clean && spec.qaRelease ? qaMinutes : 0);
  const cr = rules.constraints.allergens;
  if (!cr.enabled || from === to) return { minutes, forbidden: false };
  const fa = index.familyById.get(from)?.allergens ?? [];
  const ta = index.familyById.get(to)?.allergens ?? [];
  let forbidden = false;
  for (const r of cr.rules) {
    if (r.lines.length > 0 && !r.lines.includes(lineId)) continue;
    const fromHit = r.from.families.includes(from) || r.from.allergens.some((x) => fa.includes(x));
    const toHit = r.to.families.includes(to) || r.to.without.some((x) => !ta.includes(x));
    if (!fromHit || !toHit) continue;
    if (r.forbid || (r.require.clean && !spec.clean) || (r.require.qaRelease && !spec.qaRelease)) forbidden = true;
  }
  const lost = fa.some((x) => !ta.includes(x));
  const d = cr.defaultRequire;
  if (d && lost && ((d.clean && !spec.clean) || (d.qaRelease && !spec.qaRelease))) forbidden = true;
  return { minutes, forbidden };
}

/** When an order's components are there for it: stock, then planned receipts, then the standard replenishment. */
function materialRelease(plant: Plant, index: PlantIndex, state: ForecastState, o: ForecastOrder, t0: number, hhmm: (t: number) => string, needBefore: ReadonlyMap<string, number>): { at: number; reason: string } {
  const bom = index.productBySku.get(o.sku)?.bom ?? [];
  let at = t0;
  let reason = '';
  for (const b of bom) {
    const own = b.perUnit * Math.max(0, o.remaining);
    if (own <= 0) continue;
    const need = own + (needBefore.get(b.component) ?? 0);
    // stock over time: on hand, receipts in, losses out; a block makes it unusable until it ends
    const events = state.planned
      .flatMap((e) => (e.type === 'receipt' && e.component === b.component ? [{ at: e.at, d: e.qty, what: e.expedited ? 'the expedited delivery' : 'an inbound delivery' }] : e.type === 'stock-loss' && e.component === b.component ? [{ at: e.at, d: -e.qty, what: '' }] : []))
      .sort((x, y) => x.at - y.at);
    let have = state.inventory[b.component] ?? 0;
    let when: number | null = have >= need ? t0 : null;
    let what = '';
    for (const e of events) {
      if (e.at <= t0) {
        have += e.d;
        when = have >= need ? t0 : null;
        continue;
      }
      have += e.d;
      if (have >= need && when === null) {
        when = e.at;
        what = e.what;
      } else if (have < need) when = null;
    }
    const comp = plant.components.find((c) => c.id === b.component);
    if (when === null) {
      when = t0 + (comp?.leadTimeHours ?? 0) * HOUR;
      what = `the standard replenishment (lead time ${comp?.leadTimeHours ?? 0} h)`;
    }
    for (const e of state.planned) {
      if (e.type === 'component-block' && e.component === b.component && e.at <= Math.max(t0, when) && e.until > when) {
        when = e.until;
        what = `the block on it to end`;
      }
    }
    if (when > at) {
      at = when;
      reason = `waits for ${comp?.name ?? b.component} (${what}) until ${hhmm(when)}`;
    }
  }
  return { at, reason };
}

/** Windows in which a line may not run: outside every shift, a crew without the line's skills, nobody left after absences. */
function calendarBlocks(plant: Plant, index: PlantIndex, state: ForecastState, lineIds: readonly string[], t0: number, endMin: number, rules: RuleSet, block: (lineId: string, from: number, to: number, reason: string) => void, hhmm: (t: number) => string): void {
  if (plant.shifts.length === 0) return;
  const step = 15;
  const crewOn = rules.constraints.crew;
  // Sample every 15 minutes (shift boundaries and absences fall on quarter hours in practice), then merge.
  const open = new Map<string, { from: number; reason: string }>();
  const close = (lid: string, at: number) => {
    const o = open.get(lid);
    if (o) block(lid, o.from, at, o.reason);
    open.delete(lid);
  };
  for (let m = 0; m < endMin; m += step) {
    const at = t0 + m * MINUTE;
    const shift = shiftAt(plant, at);
    const absent = state.absences.filter((a) => a.from <= at && at < a.until);
    const people = shift && absent.length ? crewAssignment(plant, index, shift.crew, absent) : null;
    for (const lid of lineIds) {
      let reason: string | null = null;
      if (!shift) reason = `no shift covers ${lid} at ${hhmm(at)}`;
      else {
        if (crewOn.enabled && crewOn.requireSkills) {
          const crew = plant.crews.find((c) => c.id === shift.crew);
          const def = plant.areas.flatMap((a) => a.lines).find((l) => l.id === lid);
          const staff = crew ? crew.members.filter((p) => (crewOn.staffRoles as readonly string[]).includes(p.role)) : [];
          if (def && def.crew.skills.some((s) => !staff.some((p) => p.skills.includes(s)))) reason = `shift ${shift.id} lacks a skill ${lid} needs`;
        }
        if (!reason && people && (people.get(lid) ?? 1) === 0) reason = `no one left on ${lid} (absence) from ${hhmm(at)}`;
      }
      const o = open.get(lid);
      if (reason && !o) open.set(lid, { from: m, reason });
      else if (!reason && o) close(lid, m);
    }
  }
  for (const lid of lineIds) close(lid, endMin);
}

function mergeWindows(ws: ScheduleWindow[]): ScheduleWindow[] {
  const s = [...ws].sort((a, b) => a.from - b.from);
  const out: ScheduleWindow[] = [];
  for (const w of s) {
    const last = out[out.length - 1];
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else out.push({ ...w });
  }
  return out;
}


// ---------------------------------------------------------------- the way back

export interface PlanChange {
  /** The forecast's moves: reroutes first, then each changed line's sequence. */
  moves: Move[];
  /** Orders whose line or position changed. */
  moved: string[];
  rerouted: { orderId: string; from: string | null; to: string }[];
  /** Lines whose sequence changed. */
  lines: string[];
}

/**
 * A plan as the forecast's moves: a reroute for each order that changes line, then a resequence
 * of each line whose order changed (the running order stays current and is not listed). Orders
 * left out of the problem follow the listed ones on their line by the twin's sequence.
 */
export function planToMoves(pp: PlantProblem, plan: SchedulePlan, state: ForecastState): PlanChange {
  const lineOfNow = new Map<string, string>();
  for (const [lid, ids] of Object.entries(pp.asIs.lines)) for (const id of ids) lineOfNow.set(id, lid);
  const running = new Set(state.lines.flatMap((l) => (l.currentOrderId ? [l.currentOrderId] : [])));
  const rerouted: PlanChange['rerouted'] = [];
  const moves: Move[] = [];
  const moved = new Set<string>();
  const changedLines: string[] = [];
  for (const [lid, ids] of Object.entries(plan.lines)) {
    for (const id of ids) {
      const from = lineOfNow.get(id) ?? null;
      if (from !== lid) {
        rerouted.push({ orderId: id, from, to: lid });
        moves.push({ kind: 'reroute', orderId: id, toLine: lid });
        moved.add(id);
      }
    }
  }
  for (const lid of Object.keys(plan.lines).sort()) {
    const ids = plan.lines[lid] as string[];
    const before = (pp.asIs.lines[lid] ?? []).filter((id) => ids.includes(id));
    const same = ids.length === (pp.asIs.lines[lid] ?? []).length && ids.every((id, i) => before[i] === id);
    if (same) continue;
    changedLines.push(lid);
    ids.forEach((id, i) => {
      if (before[i] !== id) moved.add(id);
    });
    moves.push({ kind: 'resequence', lineId: lid, orderIds: ids.filter((id) => !running.has(id)) });
  }
  return { moves, moved: [...moved], rerouted, lines: changedLines };
}
