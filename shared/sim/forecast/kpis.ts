/**
 * KPI accounting at the horizon: close what each line was doing, complete the orders not finished
 * with the twin's own projection of each line's queue (what the live twin would show at that
 * instant, so tardiness covers the whole book), then per-order and per-line results and the KPIs
 * with their weighted cost (the objective options are ranked by).
 */
import { HOUR, MINUTE, compareBySequence, projectQueue } from '../../twin/schedule';
import { interruptRun } from './dispatch';
import { setPhase, setupRow, toMs, type OrderRt, type Run } from './run';
import type { ForecastCosts, ForecastKpis, LineForecast, OrderForecast } from './types';

/** Stops every line at the horizon: runs are cut, a setup keeps its minutes left for the projection. */
export function closeAtHorizon(run: Run): void {
  const { H } = run;
  for (const l of run.lines) {
    if (l.phase === 'run') interruptRun(run, l);
    else if (l.phase === 'setup') {
      setupRow(run, l, H);
      l.s.setupRemainingMinutes = Math.max(0, (l.rowSetup?.minutes ?? 0) - (H - l.phaseStart));
      l.phase = 'idle';
    } else setPhase(run, l, 'idle');
  }
}

/** Beyond the horizon: the twin's own projection of each line's queue gives starts and ends. */
export function projectBeyondHorizon(run: Run): void {
  const { H, index } = run;
  const endMs = toMs(run, H);
  for (const l of run.lines) {
    const waiting = (run.byLine.get(l.s.id) ?? []).filter((rt) => rt.o.lineId === l.s.id && rt.o.state === 'queued');
    waiting.sort((a, b) => {
      const pa = l.s.pinned.indexOf(a.o.id);
      const pb = l.s.pinned.indexOf(b.o.id);
      if (pa >= 0 || pb >= 0) return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
      return compareBySequence(a.o, b.o);
    });
    const cur = l.s.currentOrderId ? run.orders.get(l.s.currentOrderId) : undefined;
    const base = Math.max(endMs, l.downUntilMin > H ? toMs(run, l.downUntilMin) : endMs, l.heldUntilMin > H ? toMs(run, l.heldUntilMin) : endMs) + l.s.setupRemainingMinutes * MINUTE;
    const p = projectQueue(index, {
      now: base,
      lineId: l.s.id,
      lastFamily: l.s.lastFamily,
      current: cur ? { sku: cur.o.sku, remaining: cur.o.remaining } : null,
      queue: waiting.map((rt) => ({ id: rt.o.id, sku: rt.o.sku, qty: rt.o.qty, remaining: rt.o.remaining, due: rt.o.due })),
    });
    if (cur && p.currentEnd !== null) {
      cur.end = p.currentEnd;
      if (cur.start === null) cur.start = base;
    }
    p.queue.forEach((q, i) => {
      const rt = waiting[i] as OrderRt;
      rt.start = q.projectedStart;
      rt.end = q.projectedEnd;
      rt.changeoverMinutes += q.changeoverMinutes;
    });
  }
}

export interface Accounts {
  kpis: ForecastKpis;
  orders: OrderForecast[];
  lines: LineForecast[];
}

/** Per-order and per-line results and the KPIs, with the cost under `costs` and `tierWeights`. */
export function account(run: Run, tierWeights: Record<'A' | 'B' | 'C', number>, costs: ForecastCosts): Accounts {
  const { H, lines } = run;
  const endMs = toMs(run, H);
  const tierOf = new Map(run.plant.customers.map((c) => [c.id, c.tier] as const));
  const outOrders: OrderForecast[] = [];
  let wt = 0;
  let tardCost = 0;
  let late = 0;
  let completed = 0;
  for (const rt of run.orders.values()) {
    const o = rt.o;
    if (o.state === 'cancelled') continue;
    const tier = tierOf.get(o.customer) ?? 'C';
    const end = rt.end;
    // never started (no capable line): late, and at least as late as the horizon's end
    const tard = Math.max(0, (end ?? endMs) - o.due) / HOUR;
    const isLate = end === null || end > o.due;
    const w = tard * (tierWeights[tier] ?? 1);
    const done = o.state === 'done';
    if (done) completed++;
    if (isLate) late++;
    wt += w;
    tardCost += costs.latePenaltyPerHour ? tard * (costs.latePenaltyPerHour[tier] ?? 0) : w * costs.tardinessPerWeightedHour;
    outOrders.push({
      id: o.id,
      sku: o.sku,
      qty: o.qty,
      customer: o.customer,
      tier,
      lineId: o.lineId,
      due: o.due,
      start: rt.start,
      end,
      completedInHorizon: done,
      late: isLate,
      tardinessHours: round3(tard),
      weightedTardinessHours: round3(w),
      changeoverMinutes: round3(rt.changeoverMinutes),
      ...(o.splitOf ? { splitOf: o.splitOf } : {}),
    });
  }
  outOrders.sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let runMinutes = 0;
  let co = 0;
  let units = 0;
  const outLines: LineForecast[] = lines.map((l) => {
    runMinutes += l.runMinutes;
    co += l.changeoverMinutes;
    units += l.units;
    return {
      id: l.s.id,
      runMinutes: round3(l.runMinutes),
      changeoverMinutes: round3(l.changeoverMinutes),
      changeovers: l.changeovers,
      cleans: l.cleans,
      downMinutes: round3(l.downMinutes),
      utilisation: round3(l.runMinutes / H),
      unitsProduced: Math.round(l.units),
      gantt: l.gantt,
    };
  });
  const utilisation = lines.length ? runMinutes / (H * lines.length) : 0;
  const overtimeCost = run.overtimePersonHours * costs.overtimePerPersonHour;
  const idleLineHours = (H * lines.length - runMinutes) / 60;
  const cost =
    tardCost + late * costs.lateOrder + co * costs.changeoverPerMinute + overtimeCost + run.st.premiumFreightCost + idleLineHours * costs.idlePerLineHour;
  return {
    kpis: {
      weightedTardinessHours: round3(wt),
      lateOrders: late,
      changeoverMinutes: round3(co),
      utilisation: round3(utilisation),
      overtimeHours: round3(run.overtimePersonHours),
      overtimeCost: round3(overtimeCost),
      premiumFreightCost: round3(run.st.premiumFreightCost),
      ordersCompleted: completed,
      unitsProduced: Math.round(units),
      cost: round3(cost),
    },
    orders: outOrders,
    lines: outLines,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
