/**
 * Twin benchmark: applyBatch throughput for the typical MES mix (~60% production.count, ~25%
 * machine.state, ~15% other: inventory, clock ticks, labour, quality, order changes) on a synthetic
 * plant of 10 lines × 4 machines and 40 SKUs with 120 open orders. Signals are generated up front;
 * only applyBatch is timed (plus one view() / hash() / takeDelta() at the end, reported apart).
 *
 *   npx tsx bench/twin.ts [--json] [--signals N] [--batch B] [--change P]
 *
 * --change: share of machine.state signals that actually change the machine's state (default 0.5;
 * MES feeds republish unchanged states on reconnects, rebirths and periodic reports).
 * One JSON object per line; the last line is the summary.
 */
import { performance } from 'node:perf_hooks';
import { plantSchema, type Plant, type PlantInput } from '../shared/plant/schema';
import { machineStates, type Signal } from '../shared/signals/schema';
import { createRng } from '../shared/sim/random';
import { createTwin } from '../shared/twin/twin';
import { benchArgs, numberFlag } from './_args';

const args = benchArgs('twin', { signals: { type: 'string' }, pool: { type: 'string' }, batch: { type: 'string' }, change: { type: 'string' } });
const N = numberFlag('twin', 'signals', args.signals, 1_000_000);
/** Signals generated once and replayed (shifted in time) until N: keeps the heap small, as in a live pipeline. */
const POOL = Math.min(N, numberFlag('twin', 'pool', args.pool, 100_000));
const BATCHES = (args.batch ?? '100,1000,10000').split(',').map((b) => numberFlag('twin', 'batch', b, 0));
const CHANGE = numberFlag('twin', 'change', args.change, 0.5);
const T0 = Date.UTC(2026, 2, 2, 6, 0, 0);

function benchPlant(): Plant {
  const families = ['f0', 'f1', 'f2', 'f3'];
  const lines = Array.from({ length: 10 }, (_, l) => ({
    id: `L${l}`,
    name: `Line ${l}`,
    families,
    machines: ['mix', 'fill', 'cap', 'pack'].map((k) => ({ id: `L${l}-${k}`, name: k, kind: 'other' as const })),
  }));
  const input: PlantInput = {
    takt: 1,
    site: { id: 'bench', name: 'Bench' },
    areas: [{ id: 'A', name: 'A', lines }],
    families: families.map((id) => ({ id, name: id })),
    products: Array.from({ length: 40 }, (_, i) => ({
      sku: `S${i}`,
      name: `S${i}`,
      family: families[i % 4] as string,
      rates: Object.fromEntries(lines.map((l) => [l.id, 500 + 10 * i])),
      bom: [{ component: 'c0', perUnit: 0.1 }],
    })),
    changeovers: { defaultMinutes: 20, matrix: [] },
    locations: [{ id: 'WH', name: 'WH', kind: 'warehouse' }],
    components: [{ id: 'c0', name: 'c0', uom: 'kg', stock: [{ location: 'WH', qty: 1e6 }] }],
    crews: [{ id: 'C', name: 'C', members: Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, name: `p${i}`, role: 'operator' as const })) }],
    customers: [{ id: 'cu', name: 'cu', tier: 'A', serviceLevel: 0.95 }],
    orders: Array.from({ length: 120 }, (_, i) => ({ id: `O${i}`, sku: `S${i % 40}`, qty: 5000, customer: 'cu', dueInHours: 4 + i, line: `L${i % 10}` })),
  };
  return plantSchema.parse(input);
}

function generate(n: number): { signals: Signal[]; changes: number } {
  const rng = createRng(42);
  const signals: Signal[] = [];
  const machines = Array.from({ length: 10 }, (_, l) => ['mix', 'fill', 'cap', 'pack'].map((k) => `L${l}-${k}`)).flat();
  const current = new Map<string, string>(machines.map((m) => [m, 'running']));
  let t = T0;
  let changes = 0;
  let holdN = 0;
  const openHolds: string[] = [];
  for (let i = 0; i < n; i++) {
    t += rng.int(0, 20); // ~100 signals per plant second
    const env = { id: `b${i}`, source: 'bench', seq: i, eventTime: t, receiveTime: t };
    const r = rng.next();
    const machine = rng.pick(machines);
    if (r < 0.6) {
      // MES counts carry the order running on the machine's line (here the line's first order) most of the time.
      const line = Number(machine.slice(1, machine.indexOf('-')));
      signals.push({ ...env, type: 'production.count', machine, good: rng.int(0, 20), scrap: rng.chance(0.05) ? 1 : 0, ...(rng.chance(0.8) ? { orderId: `O${line}` } : {}) });
    } else if (r < 0.85) {
      let state = current.get(machine) as (typeof machineStates)[number];
      if (rng.chance(CHANGE)) {
        const others = machineStates.filter((s) => s !== state);
        state = rng.pick(others);
        current.set(machine, state);
        changes++;
      }
      signals.push({ ...env, type: 'machine.state', machine, state, ...(state === 'down' ? { reason: 'jam' } : {}) });
    } else if (r < 0.92) {
      signals.push({ ...env, type: 'inventory.issue', component: 'c0', location: 'WH', qty: 1, ...(rng.chance(0.2) ? { orderId: `O${rng.int(0, 119)}` } : {}) });
    } else if (r < 0.96) {
      signals.push({ ...env, type: 'clock.tick' });
    } else if (r < 0.98) {
      signals.push(rng.chance(0.5) ? { ...env, type: 'labour.clockIn', person: `p${rng.int(0, 29)}`, line: `L${rng.int(0, 9)}` } : { ...env, type: 'labour.clockOut', person: `p${rng.int(0, 29)}` });
    } else if (r < 0.99) {
      signals.push({ ...env, type: 'inventory.receipt', component: 'c0', location: 'WH', qty: 100 });
    } else if (r < 0.995) {
      if (openHolds.length && rng.chance(0.5)) signals.push({ ...env, type: 'quality.release', holdId: openHolds.shift() as string });
      else {
        const holdId = `H${holdN++}`;
        openHolds.push(holdId);
        signals.push({ ...env, type: 'quality.hold', holdId, orderId: `O${rng.int(0, 119)}`, reason: 'bench' });
      }
    } else {
      signals.push({ ...env, type: 'order.priority', orderId: `O${rng.int(0, 119)}`, priority: rng.int(1, 5) });
    }
  }
  return { signals, changes };
}

const plant = benchPlant();
const { signals, changes } = generate(POOL);
const span = (signals[signals.length - 1] as Signal).eventTime - T0 + 1000;
const shift = (by: number) => {
  for (const s of signals) {
    s.eventTime += by;
    s.receiveTime += by;
  }
};
const results: { batch: number; signalsPerSecond: number; ms: number }[] = [];
for (const batch of BATCHES) {
  // warm-up on a throwaway twin, then measure on a fresh one
  for (const round of ['warm', 'measure'] as const) {
    const twin = createTwin(plant, { startTime: T0 });
    const count = round === 'warm' ? POOL : N;
    let ms = 0;
    let shifted = 0;
    for (let done = 0; done < count; ) {
      const n = Math.min(POOL, count - done);
      const batches: Signal[][] = [];
      for (let i = 0; i < n; i += batch) batches.push(signals.slice(i, Math.min(n, i + batch)));
      const t0 = performance.now();
      let pos = done;
      for (const b of batches) twin.applyBatch(b, (pos += b.length));
      ms += performance.now() - t0;
      done += n;
      shift(span);
      shifted += span;
    }
    shift(-shifted);
    if (round === 'measure') {
      const h0 = performance.now();
      const hash = twin.hash();
      const hashMs = performance.now() - h0;
      const v0 = performance.now();
      twin.view();
      const viewMs = performance.now() - v0;
      const d0 = performance.now();
      twin.takeDelta();
      const deltaMs = performance.now() - d0;
      const r = { bench: 'twin.applyBatch', batch, signals: count, ms: Math.round(ms), signalsPerSecond: Math.round((count / ms) * 1000), viewMs: +viewMs.toFixed(2), hashMs: +hashMs.toFixed(2), deltaMs: +deltaMs.toFixed(2), hash };
      results.push(r);
      console.log(JSON.stringify(r));
    }
    twin.stop();
  }
}
// Ceiling on this machine right now: a plain fold of the same signals (switch on type + Map update).
const fold = new Map<string, number>();
let foldMs = 0;
for (let done = 0; done < N; done += POOL) {
  const t0 = performance.now();
  for (let i = 0; i < Math.min(POOL, N - done); i++) {
    const s = signals[i] as Signal;
    switch (s.type) {
      case 'production.count':
        fold.set(s.machine, (fold.get(s.machine) ?? 0) + s.good);
        break;
      case 'machine.state':
        fold.set(s.machine, s.state.length);
        break;
      default:
        fold.set(s.type, (fold.get(s.type) ?? 0) + 1);
    }
  }
  foldMs += performance.now() - t0;
}
const ceiling = Math.round((N / foldMs) * 1000);
console.log(JSON.stringify({ bench: 'plain-fold-ceiling', signals: N, ms: Math.round(foldMs), signalsPerSecond: ceiling }));
const best = results.reduce((a, b) => (b.signalsPerSecond > a.signalsPerSecond ? b : a));
const at1000 = results.find((r) => r.batch === 1000) ?? best;
console.log(
  JSON.stringify({
    summary: 'twin',
    signals: N,
    machineStateChangeShare: +(changes / signals.filter((s) => s.type === 'machine.state').length).toFixed(3),
    signalsPerSecondAtBatch1000: at1000.signalsPerSecond,
    bestSignalsPerSecond: best.signalsPerSecond,
    bestBatch: best.batch,
    plainFoldCeiling: ceiling,
    target: 600_000,
    ok: at1000.signalsPerSecond >= 600_000,
  }),
);
