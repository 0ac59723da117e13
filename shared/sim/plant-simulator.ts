/**
 * The embedded ERP/MES simulator, the default signal source. A plain discrete-event model: one
 * time-ordered event queue (binary heap), seeded randomness (createRng), plain-data state (so
 * persist() is a JSON copy). Lines run their order queue with the twin's own sequencing
 * (../twin/schedule.ts): sequence by due, changeovers and allergen cleans from the matrix (with
 * a QA hold released after the clean), per-minute production counts per machine, breakdowns
 * (exponential time between failures per machine, repair times by reason), material issues per
 * BOM with shortages and replenishment, QA holds, rush orders, demand changes, shift changes with
 * absences, and a clock.tick every plant minute.
 */
import type { Plant } from '../plant/schema';
import type { MachineState, Signal } from '../signals/schema';
import { HOUR, MINUTE, assignLine, compareBySequence, indexPlant, nextShiftStart, shiftAt, type PlantIndex } from '../twin/schedule';
import type { TwinState } from '../twin/view';
import { createRng, type Rng } from './random';
import {
  HOLD_REASONS,
  REASONS,
  pop,
  push,
  type Phase,
  type PlantSimulatorStats,
  type SimEvent,
  type SimLine,
  type SimOrder,
  type SimState,
} from './simulator-state';

export type { PlantSimulatorStats } from './simulator-state';

export interface PlantSimulatorOptions {
  seed: number;
  startTime: number;
  /** Signal source name (default 'sim'). */
  source?: string;
  /** Continue from a twin's view (orders, line progress, who is on shift) instead of the plant's opening book. */
  resumeFrom?: TwinState;
  /** Mean time between failures per machine, hours (default 40). */
  mtbfHours?: number;
  /** Mean hours between QA holds, rush orders, regular orders, demand changes, absences, stock count shortages. */
  meanHours?: Partial<Record<'qaHold' | 'rush' | 'order' | 'demand' | 'absence' | 'shortage', number>>;
}

export interface PlantSimulatorSnapshot {
  version: 1;
  state: SimState;
}

export interface PlantSimulator {
  /** Signals with eventTime in (last, time], in time order, seq increasing. */
  runUntil(time: number): Signal[];
  readonly time: number;
  stats(): PlantSimulatorStats;
  persist(): PlantSimulatorSnapshot;
}

// ---------------------------------------------------------------- simulator

export function createPlantSimulator(plant: Plant, opts: PlantSimulatorOptions): PlantSimulator {
  const index = indexPlant(plant);
  const S: SimState = {
    time: opts.startTime,
    startTime: opts.startTime,
    source: opts.source ?? 'sim',
    rng: createRng(opts.seed).state(),
    seq: 0,
    n: 0,
    ids: 0,
    heap: [],
    orders: {},
    lines: {},
    machineState: {},
    inventory: {},
    onShift: {},
    stats: { signals: 0, breakdowns: 0, holds: 0, shortages: 0, rushOrders: 0, ordersCompleted: 0, changeovers: 0, cleans: 0 },
    opts: {
      mtbfHours: opts.mtbfHours ?? 40,
      mean: { qaHold: 8, rush: 4, order: 1.5, demand: 6, absence: 10, shortage: 12, ...opts.meanHours },
    },
  };
  const sim = new Simulator(plant, index, S);
  sim.init(opts.resumeFrom);
  return sim;
}

export function restorePlantSimulator(plant: Plant, snapshot: PlantSimulatorSnapshot): PlantSimulator {
  if (snapshot.version !== 1) throw new Error(`plant simulator snapshot version ${snapshot.version} is not supported (expected 1): start a fresh simulator`);
  return new Simulator(plant, indexPlant(plant), JSON.parse(JSON.stringify(snapshot.state)) as SimState);
}

class Simulator implements PlantSimulator {
  private rng: Rng;
  private out: Signal[] = [];

  constructor(
    private readonly plant: Plant,
    private readonly index: PlantIndex,
    private readonly S: SimState,
  ) {
    this.rng = createRng(0, S.rng);
  }

  get time(): number {
    return this.S.time;
  }

  stats(): PlantSimulatorStats {
    return { ...this.S.stats };
  }

  persist(): PlantSimulatorSnapshot {
    this.S.rng = this.rng.state();
    return { version: 1, state: JSON.parse(JSON.stringify(this.S)) as SimState };
  }

  init(resume: TwinState | undefined): void {
    const S = this.S;
    const t0 = S.startTime;
    for (const l of this.index.lines) S.lines[l.id] = { id: l.id, phase: 'idle', currentOrderId: null, lastFamily: null, carry: 0, sinceIssue: 0, holdId: null, epoch: 0 };
    for (const c of this.plant.components) for (const s of c.stock) S.inventory[`${c.id}@${s.location}`] = (S.inventory[`${c.id}@${s.location}`] ?? 0) + s.qty;
    if (resume) {
      for (const o of resume.orders) {
        if (o.state === 'complete' || o.state === 'closed' || o.state === 'cancelled') continue;
        S.orders[o.id] = { id: o.id, sku: o.sku, qty: o.qty, customer: o.customer, due: o.due, priority: o.priority, lineId: o.lineId, good: o.good, state: 'queued' };
      }
      for (const l of resume.lines) {
        const line = S.lines[l.id];
        if (!line) continue;
        line.lastFamily = l.lastFamily;
        const cur = l.currentOrderId ? S.orders[l.currentOrderId] : undefined;
        if (cur) {
          cur.state = 'running';
          line.currentOrderId = cur.id;
        }
      }
      for (const m of resume.machines) if (m.state !== 'unknown') S.machineState[m.id] = m.state;
      for (const i of resume.inventory) S.inventory[`${i.component}@${i.location}`] = i.qty;
      for (const p of resume.onShift.people) S.onShift[p] = null;
    } else {
      for (const o of this.plant.orders) {
        S.orders[o.id] = { id: o.id, sku: o.sku, qty: o.qty, customer: o.customer, due: t0 + o.dueInHours * HOUR, priority: o.priority, lineId: assignLine(this.index, o.sku, o.line), good: 0, state: 'queued' };
      }
    }
    const first = t0 + 1000;
    // who is on shift now (a fresh start): the current shift's crew clocks in
    // Resumed from a twin nobody has clocked in to yet (the core resumes even a fresh start from
    // its twin): the current shift's crew clocks in now too, not only at the next shift change.
    if (!resume || resume.onShift.people.length === 0) this.schedule(first, { k: 'shift' });
    else this.scheduleNextShift(t0);
    for (const l of this.index.lines) {
      const line = S.lines[l.id] as SimLine;
      if (line.currentOrderId) this.schedule(first, { k: 'next', line: l.id });
      else this.schedule(first + 1, { k: 'next', line: l.id });
    }
    for (const m of this.index.machineById.keys()) this.schedule(first + this.exp(S.opts.mtbfHours * HOUR), { k: 'breakdown', machine: m });
    this.schedule(Math.floor(t0 / MINUTE) * MINUTE + MINUTE, { k: 'minute' });
    for (const k of ['qaHold', 'rush', 'order', 'demand', 'absence', 'shortage'] as const) this.schedule(first + this.exp(S.opts.mean[k] * HOUR), { k });
  }

  runUntil(time: number): Signal[] {
    const S = this.S;
    this.out = [];
    for (;;) {
      const top = S.heap[0];
      if (!top || top.at > time) break;
      pop(S.heap);
      S.time = Math.max(S.time, top.at);
      this.handle(top.e);
    }
    if (time > S.time) S.time = time;
    S.rng = this.rng.state();
    S.stats.signals += this.out.length;
    return this.out;
  }

  // --- helpers

  private exp(meanMs: number): number {
    return Math.max(1000, Math.round(this.rng.exponential(meanMs)));
  }

  private schedule(at: number, e: SimEvent): void {
    push(this.S.heap, { at: Math.round(at), n: ++this.S.n, e });
  }

  private emit(body: Record<string, unknown> & { type: Signal['type'] }): void {
    const S = this.S;
    const seq = ++S.seq;
    const t = S.time;
    this.out.push({ id: `${S.source}-${S.startTime.toString(36)}-${seq}`, source: S.source, seq, eventTime: t, receiveTime: t, ...body } as Signal);
  }

  private setMachine(id: string, state: MachineState, reason?: string): void {
    const key = reason ? `${state}:${reason}` : state;
    if (this.S.machineState[id] === key) return;
    this.S.machineState[id] = key;
    this.emit(reason ? { type: 'machine.state', machine: id, state, reason } : { type: 'machine.state', machine: id, state });
  }

  private setLine(lineId: string, state: MachineState, reason?: string): void {
    for (const m of this.index.lineById.get(lineId)?.machines ?? []) this.setMachine(m, state, reason);
  }

  private line(id: string): SimLine {
    return this.S.lines[id] as SimLine;
  }

  private phase(line: SimLine, p: Phase): void {
    line.phase = p;
    line.epoch++;
  }

  private nextId(prefix: string): string {
    return `${prefix}-${this.S.startTime.toString(36)}-${++this.S.ids}`;
  }

  private queueHead(lineId: string): SimOrder | null {
    let best: SimOrder | null = null;
    for (const id in this.S.orders) {
      const o = this.S.orders[id] as SimOrder;
      if (o.lineId !== lineId || o.state !== 'queued') continue;
      if (!best || compareBySequence(o, best) < 0) best = o;
    }
    return best;
  }

  /** The planner's choice for a new order: the capable line with the least queued work (ties: plant order). */
  private plannedLine(sku: string): string | null {
    const product = this.index.productBySku.get(sku);
    if (!product) return assignLine(this.index, sku);
    let best: string | null = null;
    let bestLoad = Infinity;
    for (const l of this.index.lines) {
      const rate = product.rates[l.id];
      if (rate === undefined || !l.families.has(product.family)) continue;
      let load = 0;
      for (const id in this.S.orders) {
        const o = this.S.orders[id] as SimOrder;
        if (o.lineId === l.id) load += Math.max(0, o.qty - o.good) / (this.index.rate(o.sku, l.id) ?? 60);
      }
      if (load < bestLoad) {
        best = l.id;
        bestLoad = load;
      }
    }
    return best ?? assignLine(this.index, sku);
  }

  private scheduleNextShift(after: number): void {
    const next = nextShiftStart(this.plant, after);
    if (next) this.schedule(next.at, { k: 'shift' });
  }

  private runningLines(): SimLine[] {
    return this.index.lines.map((l) => this.line(l.id)).filter((l) => l.phase === 'run');
  }

  // --- events

  private handle(e: SimEvent): void {
    const S = this.S;
    switch (e.k) {
      case 'minute':
        this.minute();
        this.schedule(S.time + MINUTE, { k: 'minute' });
        return;
      case 'next':
        this.startNext(e.line);
        return;
      case 'setupDone': {
        const line = this.line(e.line);
        if (line.epoch !== e.epoch) return;
        if (e.qa && line.holdId) {
          this.phase(line, 'qa');
          this.setLine(line.id, 'idle', 'awaiting QA release');
          this.schedule(S.time + this.rng.uniform(5, 20) * MINUTE, { k: 'qaRelease', line: line.id, epoch: line.epoch, holdId: line.holdId });
          return;
        }
        this.run(line);
        return;
      }
      case 'qaRelease': {
        const line = this.line(e.line);
        if (line.epoch !== e.epoch) return;
        this.emit({ type: 'quality.release', holdId: e.holdId });
        line.holdId = null;
        this.run(line);
        return;
      }
      case 'breakdown': {
        const info = this.index.machineById.get(e.machine);
        const line = info ? this.line(info.lineId) : undefined;
        if (!info || !line || line.phase !== 'run') {
          this.schedule(S.time + this.exp(S.opts.mtbfHours * HOUR), { k: 'breakdown', machine: e.machine });
          return;
        }
        const total = REASONS.reduce((a, r) => a + r.weight, 0);
        let pick = this.rng.next() * total;
        const r = REASONS.find((x) => (pick -= x.weight) < 0) ?? (REASONS[0] as (typeof REASONS)[number]);
        S.stats.breakdowns++;
        this.phase(line, 'down');
        const machines = this.index.lineById.get(line.id)?.machines ?? [];
        machines.forEach((m, i) => (i < info.index ? this.setMachine(m, 'blocked') : i > info.index ? this.setMachine(m, 'starved') : this.setMachine(m, 'down', r.reason)));
        this.schedule(S.time + this.exp(r.repairMin * MINUTE), { k: 'repair', line: line.id, epoch: line.epoch, machine: e.machine });
        return;
      }
      case 'repair': {
        const line = this.line(e.line);
        this.schedule(S.time + this.exp(S.opts.mtbfHours * HOUR), { k: 'breakdown', machine: e.machine });
        if (line.epoch !== e.epoch) return;
        this.run(line);
        return;
      }
      case 'holdRelease': {
        this.emit({ type: 'quality.release', holdId: e.holdId });
        const line = this.line(e.line);
        if (line.epoch !== e.epoch) return;
        line.holdId = null;
        this.run(line);
        return;
      }
      case 'receipt': {
        this.emit({ type: 'inventory.receipt', component: e.component, location: e.location, qty: e.qty, lot: this.nextId('LOT') });
        S.inventory[`${e.component}@${e.location}`] = (S.inventory[`${e.component}@${e.location}`] ?? 0) + e.qty;
        for (const line of Object.values(S.lines)) if (line.phase === 'starved') this.run(line);
        return;
      }
      case 'shift':
        this.shiftChange();
        this.scheduleNextShift(S.time);
        return;
      case 'qaHold': {
        this.schedule(S.time + this.exp(S.opts.mean.qaHold * HOUR), { k: 'qaHold' });
        const lines = this.runningLines();
        if (!lines.length) return;
        const line = this.rng.pick(lines);
        const holdId = this.nextId('QH');
        S.stats.holds++;
        this.emit({ type: 'quality.hold', holdId, orderId: line.currentOrderId ?? undefined, line: line.id, reason: this.rng.pick(HOLD_REASONS) });
        this.phase(line, 'held');
        line.holdId = holdId;
        this.setLine(line.id, 'idle', 'quality hold');
        this.schedule(S.time + this.rng.uniform(20, 90) * MINUTE, { k: 'holdRelease', line: line.id, epoch: line.epoch, holdId });
        return;
      }
      case 'rush':
      case 'order': {
        this.schedule(S.time + this.exp(S.opts.mean[e.k] * HOUR), { k: e.k });
        const product = this.rng.pick(this.plant.products);
        const rush = e.k === 'rush';
        const lineId = this.plannedLine(product.sku);
        const rate = lineId ? (product.rates[lineId] ?? 100) : 100;
        const hours = rush ? this.rng.uniform(0.5, 1.5) : this.rng.uniform(2, 6);
        const qty = Math.max(10, Math.round((rate * hours) / 10) * 10);
        const due = S.time + (rush ? this.rng.uniform(3, 6) : this.rng.uniform(24, 48)) * HOUR;
        const id = this.nextId(rush ? 'RUSH' : 'SO');
        const customer = this.rng.pick(this.plant.customers).id;
        const o: SimOrder = { id, sku: product.sku, qty, customer, due: Math.round(due), priority: rush ? 1 : 3, lineId, good: 0, state: 'queued' };
        S.orders[id] = o;
        if (rush) S.stats.rushOrders++;
        this.emit({ type: 'order.created', order: { id, sku: o.sku, qty, customer, due: o.due, priority: o.priority, ...(lineId ? { line: lineId } : {}) } });
        if (lineId && this.line(lineId).phase === 'idle') this.schedule(S.time + MINUTE, { k: 'next', line: lineId });
        return;
      }
      case 'demand': {
        this.schedule(S.time + this.exp(S.opts.mean.demand * HOUR), { k: 'demand' });
        const product = this.rng.pick(this.plant.products);
        this.emit({ type: 'demand.changed', sku: product.sku, qtyDelta: this.rng.int(-20, 40) * 10, customer: this.rng.pick(this.plant.customers).id });
        return;
      }
      case 'absence': {
        this.schedule(S.time + this.exp(S.opts.mean.absence * HOUR), { k: 'absence' });
        const people = Object.keys(S.onShift).sort();
        if (!people.length) return;
        const p = this.rng.pick(people);
        delete S.onShift[p];
        this.emit({ type: 'labour.clockOut', person: p });
        return;
      }
      case 'shortage': {
        this.schedule(S.time + this.exp(S.opts.mean.shortage * HOUR), { k: 'shortage' });
        // A cycle count finds stock missing: a component a running line needs drops to near zero.
        const lines = this.runningLines();
        if (!lines.length) return;
        const line = this.rng.pick(lines);
        const o = line.currentOrderId ? S.orders[line.currentOrderId] : undefined;
        const bom = o ? (this.index.productBySku.get(o.sku)?.bom ?? []) : [];
        if (!bom.length) return;
        const comp = this.rng.pick(bom).component;
        for (const key of Object.keys(S.inventory).sort()) {
          if (!key.startsWith(`${comp}@`)) continue;
          const qty = S.inventory[key] as number;
          if (qty <= 0) continue;
          S.inventory[key] = 0;
          this.emit({ type: 'inventory.adjustment', component: comp, location: key.slice(comp.length + 1), qtyDelta: -qty, reason: 'cycle count: stock not found' });
        }
        return;
      }
    }
  }

  private startNext(lineId: string): void {
    const S = this.S;
    const line = this.line(lineId);
    if (line.phase !== 'idle' && !(line.currentOrderId && line.phase === 'run')) return;
    if (line.currentOrderId) {
      // resumed mid-order
      this.run(line);
      return;
    }
    const o = this.queueHead(lineId);
    if (!o) {
      this.setLine(lineId, 'idle');
      return;
    }
    o.state = 'running';
    line.currentOrderId = o.id;
    this.emit({ type: 'order.started', orderId: o.id, line: lineId });
    const family = this.index.familyOf(o.sku);
    const co = this.index.changeover(line.lastFamily, family);
    // kitting: the first material for the order goes to the line
    if (!this.issue(line, o, Math.min(o.qty, Math.max(1, Math.round(o.qty * 0.1))))) return;
    if (co.minutes > 0) {
      this.phase(line, 'setup');
      const qa = co.clean && co.qaRelease;
      if (co.clean) S.stats.cleans++;
      else S.stats.changeovers++;
      if (qa) {
        line.holdId = this.nextId('QA');
        this.emit({ type: 'quality.hold', holdId: line.holdId, line: lineId, reason: `allergen clean ${line.lastFamily} → ${family}: QA release needed` });
      }
      this.setLine(lineId, co.clean ? 'cleaning' : 'changeover', co.clean ? 'allergen clean' : `${line.lastFamily ?? '-'} → ${family}`);
      const actual = co.minutes * this.rng.uniform(0.85, 1.5);
      this.schedule(S.time + actual * MINUTE, { k: 'setupDone', line: lineId, epoch: line.epoch, qa });
    } else {
      this.run(line);
    }
  }

  private run(line: SimLine): void {
    if (!line.currentOrderId) {
      this.phase(line, 'idle');
      this.startNext(line.id);
      return;
    }
    this.phase(line, 'run');
    const o = this.S.orders[line.currentOrderId];
    line.lastFamily = o ? this.index.familyOf(o.sku) : line.lastFamily;
    this.setLine(line.id, 'running');
  }

  /** Issues BOM material for `units`; false (and the line starves) on a shortage. */
  private issue(line: SimLine, o: SimOrder, units: number): boolean {
    const S = this.S;
    const bom = this.index.productBySku.get(o.sku)?.bom ?? [];
    for (const b of bom) {
      const need = Math.round(b.perUnit * units * 1000) / 1000;
      if (need <= 0) continue;
      let bestKey: string | null = null;
      for (const key of Object.keys(S.inventory).sort()) if (key.startsWith(`${b.component}@`) && (bestKey === null || (S.inventory[key] as number) > (S.inventory[bestKey] as number))) bestKey = key;
      const have = bestKey ? (S.inventory[bestKey] as number) : 0;
      const location = bestKey ? bestKey.slice(b.component.length + 1) : (this.plant.locations[0]?.id ?? 'WH');
      if (have < need) {
        S.stats.shortages++;
        this.phase(line, 'starved');
        const machines = this.index.lineById.get(line.id)?.machines ?? [];
        machines.forEach((m, i) => this.setMachine(m, 'starved', i === 0 ? `material shortage: ${b.component}` : undefined));
        const comp = this.plant.components.find((c) => c.id === b.component);
        const qty = Math.max(need * 20, Math.round((comp?.stock.reduce((a, s) => a + s.qty, 0) ?? need * 20) || need * 20));
        const eta = S.time + this.rng.uniform(0.5, Math.min(3, Math.max(0.5, comp?.leadTimeHours ?? 2))) * HOUR;
        this.emit({ type: 'po.eta', po: this.nextId('PO'), component: b.component, qty, eta: Math.round(eta) });
        this.schedule(eta, { k: 'receipt', component: b.component, location, qty, line: line.id });
        return false;
      }
      S.inventory[bestKey as string] = have - need;
      this.emit({ type: 'inventory.issue', component: b.component, location, qty: need, orderId: o.id, line: line.id });
    }
    return true;
  }

  private minute(): void {
    const S = this.S;
    this.emit({ type: 'clock.tick' });
    for (const info of this.index.lines) {
      const line = this.line(info.id);
      if (line.phase !== 'run' || !line.currentOrderId) continue;
      const o = S.orders[line.currentOrderId];
      if (!o) continue;
      const rate = this.index.rate(o.sku, info.id) ?? 60;
      const exact = (rate / 60) * this.rng.uniform(0.85, 1.02) + line.carry;
      let units = Math.floor(exact);
      line.carry = exact - units;
      units = Math.min(units, Math.max(0, o.qty - o.good) + 2);
      let flowing = units;
      for (const m of info.machines) {
        const scrap = flowing > 0 && this.rng.chance(0.08) ? Math.min(flowing, this.rng.int(1, 2)) : 0;
        const good = flowing - scrap;
        this.emit({ type: 'production.count', machine: m, orderId: o.id, good, scrap });
        flowing = good;
      }
      if (info.machines.length === 0) flowing = units;
      o.good += flowing;
      line.sinceIssue += units;
      if (line.sinceIssue >= Math.max(1, (rate / 60) * 15)) {
        const ok = this.issue(line, o, line.sinceIssue);
        line.sinceIssue = 0;
        if (!ok) continue;
      }
      if (o.good >= o.qty) {
        o.state = 'done';
        S.stats.ordersCompleted++;
        this.emit({ type: 'order.completed', orderId: o.id, line: info.id });
        delete S.orders[o.id];
        line.currentOrderId = null;
        this.phase(line, 'idle');
        this.startNext(info.id);
      }
    }
  }

  private shiftChange(): void {
    const S = this.S;
    const shift = shiftAt(this.plant, S.time);
    for (const p of Object.keys(S.onShift).sort()) {
      this.emit({ type: 'labour.clockOut', person: p });
      delete S.onShift[p];
    }
    const crew = shift ? this.plant.crews.find((c) => c.id === shift.crew) : undefined;
    if (!crew) return;
    // Line staff go where the most people are still missing (a line's crew size, in plant order),
    // so a crew big enough for the plant staffs every line; the rest float without a line.
    const lines = this.index.lines;
    const staffed = new Map<string, number>(lines.map((l) => [l.id, 0]));
    for (const person of crew.members) {
      if (this.rng.chance(0.05)) continue; // absent: no clock-in
      let lineId: string | null = null;
      if (person.role === 'operator' || person.role === 'lead') {
        let gap = 0;
        for (const l of lines) {
          const g = l.crewSize - (staffed.get(l.id) ?? 0);
          if (g > gap) [gap, lineId] = [g, l.id];
        }
        if (lineId) staffed.set(lineId, (staffed.get(lineId) ?? 0) + 1);
      }
      S.onShift[person.id] = lineId;
      this.emit(lineId ? { type: 'labour.clockIn', person: person.id, line: lineId } : { type: 'labour.clockIn', person: person.id });
    }
  }
}
