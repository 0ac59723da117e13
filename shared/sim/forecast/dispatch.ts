/**
 * Dispatch and changeovers: what a line does next. A line runs its current order, then the head of
 * its queue (planner pins first, then the twin's `compareBySequence`); each start pays the
 * changeover from the line's last family (an allergen clean that needs a QA release also waits the
 * QA minutes). A run goes in segments as long as the stock allows; a down or a crew change stops a
 * segment part-way, and a setup cut by a down resumes with the minutes it had left.
 */
import { compareBySequence } from '../../twin/schedule';
import { ensureReplenishment, giveBack, producible, receive, reserve } from './material';
import { EPS, row, setPhase, setupRow, toMs, type LineRt, type OrderRt, type Receipt, type Run } from './run';

/** Queue head of a line: pinned orders first (in pin order), then the twin's sequence. Held orders are skipped. */
function head(run: Run, l: LineRt): OrderRt | null {
  const list = run.byLine.get(l.s.id);
  if (!list) return null;
  const nowMs = toMs(run, run.sim.now);
  for (const id of l.s.pinned) {
    const rt = run.orders.get(id);
    if (rt && rt.o.lineId === l.s.id && rt.o.state === 'queued' && (rt.o.heldUntil === null || rt.o.heldUntil <= nowMs)) return rt;
  }
  let best: OrderRt | null = null;
  for (const rt of list) {
    const o = rt.o;
    if (o.lineId !== l.s.id || o.state !== 'queued' || (o.heldUntil !== null && o.heldUntil > nowMs)) continue;
    if (!best || compareBySequence(o, best.o) < 0) best = rt;
  }
  return best;
}

function startSetup(run: Run, l: LineRt, cur: OrderRt, minutes: number, clean: boolean): void {
  setPhase(run, l, 'setup');
  l.rowSetup = { minutes, clean };
  l.phaseOrder = cur.o.id;
  l.handle = run.sim.schedule(minutes, run.on.setupDone, l);
}

/** Decide what the line does next (called whenever something that blocks it may have cleared). */
export function dispatch(run: Run, l: LineRt): void {
  if (l.phase === 'run' || l.phase === 'setup') return;
  const now = run.sim.now;
  if (l.downUntilMin > now + EPS) {
    if (l.phase !== 'down') setPhase(run, l, 'down');
    return;
  }
  if (l.heldUntilMin > now + EPS) {
    if (l.phase !== 'held') setPhase(run, l, 'held');
    return;
  }
  let cur = l.s.currentOrderId ? run.orders.get(l.s.currentOrderId) : undefined;
  if (cur && cur.o.heldUntil !== null && cur.o.heldUntil > toMs(run, now)) {
    if (l.phase !== 'held') setPhase(run, l, 'held');
    return;
  }
  const left = run.resumeSetup.get(l);
  if (left !== undefined && cur) {
    // a setup interrupted by a down resumes with its remaining minutes (counted already)
    run.resumeSetup.delete(l);
    startSetup(run, l, cur, left, false);
    return;
  }
  let setup = 0;
  let clean = false;
  if (!cur) {
    const next = head(run, l);
    if (!next) {
      if (l.phase !== 'idle') setPhase(run, l, 'idle');
      return;
    }
    cur = next;
    next.o.state = 'running';
    l.s.currentOrderId = next.o.id;
    const spec = run.index.changeover(l.s.lastFamily, run.index.familyOf(next.o.sku));
    setup = spec.minutes + (spec.clean && spec.qaRelease ? run.qaMinutes : 0);
    clean = spec.clean;
    if (spec.minutes > 0) {
      l.changeoverMinutes += spec.minutes;
      next.changeoverMinutes += spec.minutes;
      if (spec.clean) l.cleans++;
      else l.changeovers++;
    }
  } else if (l.s.setupRemainingMinutes > 0) {
    setup = l.s.setupRemainingMinutes;
    l.s.setupRemainingMinutes = 0;
    l.changeoverMinutes += setup;
    cur.changeoverMinutes += setup;
  }
  if (setup > EPS) {
    startSetup(run, l, cur, setup, clean);
    return;
  }
  startSegment(run, l);
}

export function setupDone(run: Run, l: LineRt): void {
  l.handle = -1;
  const cur = l.phaseOrder ? run.orders.get(l.phaseOrder) : undefined;
  setupRow(run, l, run.sim.now);
  l.rowSetup = null;
  setPhase(run, l, 'idle');
  l.s.lastFamily = cur ? (run.index.familyOf(cur.o.sku) ?? l.s.lastFamily) : l.s.lastFamily;
  startSegment(run, l);
}

/** Starts the next run segment of the line's current order: as many units as stock allows, at the crew-covered rate. */
export function startSegment(run: Run, l: LineRt): void {
  const cur = l.s.currentOrderId ? run.orders.get(l.s.currentOrderId) : undefined;
  if (!cur) {
    dispatch(run, l);
    return;
  }
  const o = cur.o;
  if (o.remaining <= EPS) {
    completeOrder(run, l, cur);
    return;
  }
  const rate = (run.index.rate(o.sku, l.s.id) ?? 1) * l.factor; // the twin's UNKNOWN_RATE is 1/h
  if (rate <= EPS) {
    // no crew: wait for the next crew change
    if (l.phase !== 'starved') setPhase(run, l, 'starved');
    l.waitingFor = 'crew';
    return;
  }
  const { units, short } = producible(run, o.sku, o.remaining);
  if (units <= EPS) {
    if (l.phase !== 'starved') setPhase(run, l, 'starved');
    l.waitingFor = short;
    if (short) ensureReplenishment(run, short);
    return;
  }
  if (short) ensureReplenishment(run, short);
  l.waitingFor = null;
  if (cur.start === null) cur.start = toMs(run, run.sim.now);
  const reserved = reserve(run, o.sku, units);
  setPhase(run, l, 'run');
  l.phaseOrder = o.id;
  l.segStart = run.sim.now;
  l.segRate = rate / 60; // per minute
  l.segUnits = units;
  l.segReserved = reserved;
  l.handle = run.sim.schedule(units / l.segRate, run.on.segmentDone, l);
}

function closeRun(run: Run, l: LineRt, made: number, complete: boolean): void {
  const now = run.sim.now;
  const minutes = now - l.segStart;
  l.runMinutes += minutes;
  l.units += made;
  if (l.overtime) run.overtimePersonHours += (minutes / 60) * l.crewSize;
  const cur = l.phaseOrder ? run.orders.get(l.phaseOrder) : undefined;
  row(run, l, { kind: 'run', orderId: l.phaseOrder, sku: cur?.o.sku ?? null, start: toMs(run, l.segStart), end: toMs(run, now), complete });
  l.phase = 'idle';
  l.phaseStart = now;
}

export function segmentDone(run: Run, l: LineRt): void {
  l.handle = -1;
  const cur = run.orders.get(l.s.currentOrderId as string) as OrderRt;
  cur.o.remaining -= l.segUnits;
  if (cur.o.remaining < 1e-6) cur.o.remaining = 0;
  l.segReserved = null;
  const complete = cur.o.remaining <= EPS;
  closeRun(run, l, l.segUnits, complete);
  if (complete) completeOrder(run, l, cur);
  else startSegment(run, l);
}

/** Stops a run part-way: counts what was made, gives back unused material. */
export function interruptRun(run: Run, l: LineRt): void {
  if (l.phase !== 'run') return;
  run.sim.cancel(l.handle);
  l.handle = -1;
  const made = Math.min(l.segUnits, (run.sim.now - l.segStart) * l.segRate);
  const cur = run.orders.get(l.s.currentOrderId as string) as OrderRt;
  cur.o.remaining = Math.max(0, cur.o.remaining - made);
  giveBack(run, l, made);
  l.segReserved = null;
  closeRun(run, l, made, false);
}

/** Stops whatever the line does (a breakdown or a planned down): a setup resumes with its remaining minutes. */
function interrupt(run: Run, l: LineRt): void {
  if (l.phase === 'run') interruptRun(run, l);
  else if (l.phase === 'setup') {
    run.sim.cancel(l.handle);
    l.handle = -1;
    const left = Math.max(0, (l.rowSetup?.minutes ?? 0) - (run.sim.now - l.phaseStart));
    const cur = l.phaseOrder ? run.orders.get(l.phaseOrder) : undefined;
    setupRow(run, l, run.sim.now);
    // the minutes already counted stay counted; the remainder resumes without being counted again
    l.s.setupRemainingMinutes = 0;
    l.rowSetup = null;
    l.phase = 'idle';
    l.phaseStart = run.sim.now;
    if (left > EPS && cur) run.resumeSetup.set(l, left);
  }
}

function completeOrder(run: Run, l: LineRt, cur: OrderRt): void {
  cur.o.state = 'done';
  cur.end = toMs(run, run.sim.now);
  l.s.lastFamily = run.index.familyOf(cur.o.sku) ?? l.s.lastFamily;
  l.s.currentOrderId = null;
  dispatch(run, l);
}

/** A line that was down or held looks again (a line busy or starved is left alone). */
export function resume(run: Run, l: LineRt): void {
  if (l.phase === 'run' || l.phase === 'setup' || l.phase === 'starved') return;
  dispatch(run, l);
}

/** The line goes down (breakdown or planned) until `untilMin`, whatever it was doing. */
export function goDown(run: Run, l: LineRt, untilMin: number): void {
  interrupt(run, l);
  l.downUntilMin = Math.max(l.downUntilMin, untilMin);
  if (l.phase !== 'down') setPhase(run, l, 'down');
  run.sim.schedule(l.downUntilMin - run.sim.now, run.on.resume, l);
}

export function retryStarved(run: Run): void {
  for (const l of run.lines) if (l.phase === 'starved') startSegment(run, l);
}

export function onReceipt(run: Run, r: Receipt): void {
  receive(run, r.component, r.qty, r.standard);
  retryStarved(run);
}
