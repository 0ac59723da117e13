/**
 * The reference plant model of the SimPy 2.3 line benchmark (`simpy_lines.py`), on Takt's kernel.
 * Used to compare kernels (events per second) and as a statistical check of the kernel.
 *
 * - `lines` parallel lines; `orders` orders arrive as a Poisson stream (rate orders / horizon)
 *   over `days` days; minutes are the time unit; the run stops at the horizon (inclusive).
 * - Each order picks a line uniformly, a family uniformly in 0..5 and a run time uniform(30, 240),
 *   requests its line (SimPy priority 0), does a changeover of 20 + 10 * |f_prev - f| minutes when
 *   the line's last family differs (none before the line's first order), runs, releases.
 * - Each line breaks down after exponential(mean 600) minutes of calendar time, requests the line
 *   at SimPy priority 10 (served before orders, not preemptive), repairs uniform(10, 90), releases,
 *   and starts the next failure clock.
 * - Events as in the script: each completed hold (arrival, changeover, run, failure clock, repair)
 *   and each granted line request. Random numbers come from `createRng(seed)`, so the numbers
 *   differ from SimPy's (another generator) but are statistically the same model.
 */
import { Resource, Simulation } from './kernel';
import { createRng } from './random';

export interface ReferenceLinesParams {
  lines?: number;
  orders?: number;
  days?: number;
  seed?: number;
}

export interface ReferenceLinesResult {
  lines: number;
  orders: number;
  days: number;
  seed: number;
  /** Orders whose run finished by the horizon. */
  completed: number;
  /** Events counted as the SimPy script counts them (kernel `sim.events`). */
  events: number;
  /** Orders that arrived by the horizon. */
  arrived: number;
  /** Orders that got their line by the horizon. */
  started: number;
  /** Changeovers started by the horizon. */
  changeovers: number;
  /** Failure clocks that ran out by the horizon. */
  breakdowns: number;
  /** Repairs finished by the horizon. */
  repairs: number;
  /** Simulated minutes (the horizon). */
  horizon: number;
}

// Kernel resources serve the lowest priority number first; SimPy 2.3's PriorityQ the highest.
const ORDER_PRIORITY = 0; // SimPy `yield request, self, line.res, 0`
const BREAKDOWN_PRIORITY = -10; // SimPy `yield request, self, line.res, 10`
const FAMILIES = 6;
const NO_FAMILY = -1;

export function runReferenceLines(params: ReferenceLinesParams = {}): ReferenceLinesResult {
  const nLines = params.lines ?? 40;
  const nOrders = params.orders ?? 9000;
  const days = params.days ?? 30;
  const seed = params.seed ?? 7;
  if (!(Number.isInteger(nLines) && nLines >= 1)) throw new RangeError(`runReferenceLines: lines must be an integer >= 1, got ${nLines}`);
  if (!(Number.isInteger(nOrders) && nOrders >= 0)) throw new RangeError(`runReferenceLines: orders must be an integer >= 0, got ${nOrders}`);
  if (!(days > 0)) throw new RangeError(`runReferenceLines: days must be > 0, got ${days}`);
  const horizon = days * 24 * 60;
  const rng = createRng(seed);
  const next = rng.next;
  const sim = new Simulation(4 * nLines + 16);

  const res: Resource[] = [];
  const lastFamily = new Int32Array(nLines).fill(NO_FAMILY);
  for (let i = 0; i < nLines; i++) res.push(new Resource(sim, 1, `line${i}`));

  // Orders as struct of arrays, indexed by order number (the handlers' argument: no allocation).
  const orderLine = new Int32Array(nOrders);
  const orderFamily = new Int32Array(nOrders);
  const orderMinutes = new Float64Array(nOrders);

  let arrived = 0;
  let started = 0;
  let completed = 0;
  let changeovers = 0;
  let breakdowns = 0;
  let repairs = 0;

  const meanInterarrival = horizon / Math.max(1, nOrders);
  const exp = (mean: number) => -mean * Math.log(1 - next());

  // --- order: request line -> [changeover] -> run -> release
  const onRunDone = (o: number) => {
    completed++;
    res[orderLine[o]!]!.release();
  };
  const startRun = (o: number) => {
    lastFamily[orderLine[o]!] = orderFamily[o]!;
    sim.schedule(orderMinutes[o]!, onRunDone, o);
  };
  const onLineGranted = (o: number) => {
    started++;
    const line = orderLine[o]!;
    const prev = lastFamily[line]!;
    const f = orderFamily[o]!;
    if (prev !== NO_FAMILY && prev !== f) {
      changeovers++;
      sim.schedule(20 + 10 * Math.abs(prev - f), startRun, o);
    } else {
      startRun(o);
    }
  };

  // --- source: hold exponential -> create order -> repeat, orders times
  const onArrival = (o: number) => {
    arrived++;
    const line = Math.floor(next() * nLines);
    orderLine[o] = line;
    orderFamily[o] = Math.floor(next() * FAMILIES);
    orderMinutes[o] = 30 + 210 * next();
    if (o + 1 < nOrders) sim.schedule(exp(meanInterarrival), onArrival, o + 1);
    res[line]!.request(ORDER_PRIORITY, onLineGranted, o);
  };

  // --- breakdown per line: failure clock -> request line (priority) -> repair -> release -> repeat
  const onRepaired = (line: number) => {
    repairs++;
    res[line]!.release();
    sim.schedule(exp(600), onFailure, line);
  };
  const onRepairGranted = (line: number) => {
    sim.schedule(10 + 80 * next(), onRepaired, line);
  };
  const onFailure = (line: number) => {
    breakdowns++;
    res[line]!.request(BREAKDOWN_PRIORITY, onRepairGranted, line);
  };

  for (let i = 0; i < nLines; i++) sim.schedule(exp(600), onFailure, i);
  if (nOrders > 0) sim.schedule(exp(meanInterarrival), onArrival, 0);
  sim.run(horizon);

  return {
    lines: nLines,
    orders: nOrders,
    days,
    seed,
    completed,
    events: sim.events,
    arrived,
    started,
    changeovers,
    breakdowns,
    repairs,
    horizon,
  };
}
