import { describe, expect, it } from 'vitest';
import { createPlantSimulator, restorePlantSimulator } from '../../../shared/sim/plant-simulator';
import { plantSchema, type Plant } from '../../../shared/plant/schema';
import { signalSchema, type Signal } from '../../../shared/signals/schema';
import { smallPlant, T0 } from '../twin/plant-fixture';
import { createTwin } from '../../../shared/twin/twin';

const HOUR = 3_600_000;

/** A demo-sized plant: 10 lines × 4 machines, 40 SKUs in 4 families, shifts and crews. */
function bigPlant(): Plant {
  const families = ['f0', 'f1', 'f2', 'f3'];
  const lines = Array.from({ length: 10 }, (_, l) => ({
    id: `L${l}`,
    name: `Line ${l}`,
    families,
    machines: ['mix', 'fill', 'cap', 'pack'].map((k) => ({ id: `L${l}-${k}`, name: k, kind: 'other' as const })),
  }));
  return plantSchema.parse({
    takt: 1,
    site: { id: 'big', name: 'Big' },
    areas: [{ id: 'A', name: 'A', lines }],
    allergens: [{ id: 'nuts', name: 'Nuts' }],
    families: families.map((id, i) => ({ id, name: id, allergens: i === 3 ? ['nuts'] : [] })),
    products: Array.from({ length: 40 }, (_, i) => ({
      sku: `S${i}`,
      name: `S${i}`,
      family: families[i % 4],
      rates: Object.fromEntries(lines.map((l) => [l.id, 300 + 10 * i])),
      bom: [{ component: 'c0', perUnit: 0.1 }],
    })),
    changeovers: { defaultMinutes: 20, matrix: [{ from: 'f3', to: 'f0', minutes: 45, clean: true, qaRelease: true }] },
    locations: [{ id: 'WH', name: 'WH', kind: 'warehouse' }],
    components: [{ id: 'c0', name: 'c0', uom: 'kg', stock: [{ location: 'WH', qty: 50_000 }], leadTimeHours: 2 }],
    crews: [
      { id: 'C1', name: 'C1', members: Array.from({ length: 22 }, (_, i) => ({ id: `a${i}`, name: `a${i}`, role: 'operator' })) },
      { id: 'C2', name: 'C2', members: Array.from({ length: 22 }, (_, i) => ({ id: `b${i}`, name: `b${i}`, role: 'operator' })) },
    ],
    shifts: [
      { id: 'day', name: 'Day', start: '06:00', end: '18:00', crew: 'C1' },
      { id: 'night', name: 'Night', start: '18:00', end: '06:00', crew: 'C2' },
    ],
    customers: [{ id: 'cu', name: 'cu', tier: 'A', serviceLevel: 0.95 }],
    orders: Array.from({ length: 40 }, (_, i) => ({ id: `O${i}`, sku: `S${i}`, qty: 1500, customer: 'cu', dueInHours: 4 + i })),
  });
}

function runChunks(plant: Plant, seed: number, hours: number, stepMs = 10 * 60_000): Signal[] {
  const sim = createPlantSimulator(plant, { seed, startTime: T0 });
  const out: Signal[] = [];
  for (let t = T0 + stepMs; t <= T0 + hours * HOUR; t += stepMs) out.push(...sim.runUntil(t));
  return out;
}

describe('plant simulator', () => {
  it('same seed → identical stream (whatever the chunking), different seed → different stream', () => {
    const plant = smallPlant();
    const a = runChunks(plant, 5, 12);
    const b = createPlantSimulator(plant, { seed: 5, startTime: T0 }).runUntil(T0 + 12 * HOUR);
    expect(b).toEqual(a);
    const c = runChunks(plant, 6, 12);
    expect(c).not.toEqual(a);
  });

  it('emits valid canonical signals, in time order, seq increasing, unique ids, receiveTime = eventTime, inside (last, time]', () => {
    const plant = smallPlant();
    const sim = createPlantSimulator(plant, { seed: 9, startTime: T0, source: 'erp-sim' });
    let last = T0;
    let lastSeq = 0;
    const ids = new Set<string>();
    for (let t = T0 + 7 * 60_000; t <= T0 + 24 * HOUR; t += 7 * 60_000) {
      for (const s of sim.runUntil(t)) {
        expect(() => signalSchema.parse(s)).not.toThrow();
        expect(s.eventTime).toBeGreaterThan(last - 1);
        expect(s.eventTime).toBeGreaterThan(t - 7 * 60_000);
        expect(s.eventTime).toBeLessThanOrEqual(t);
        expect(s.seq).toBeGreaterThan(lastSeq);
        expect(s.receiveTime).toBe(s.eventTime);
        expect(s.source).toBe('erp-sim');
        expect(ids.has(s.id)).toBe(false);
        ids.add(s.id);
        last = s.eventTime;
        lastSeq = s.seq;
      }
    }
    expect(ids.size).toBeGreaterThan(1000);
  });

  it('behaves like a plant: counts every minute, ticks, changeovers, cleans with QA release, completions, shifts, disruptions', () => {
    const plant = bigPlant();
    const sim = createPlantSimulator(plant, { seed: 1, startTime: T0 });
    const signals = sim.runUntil(T0 + 24 * HOUR);
    const by = (type: Signal['type']) => signals.filter((s) => s.type === type);
    expect(by('clock.tick')).toHaveLength(24 * 60);
    expect(by('production.count').length).toBeGreaterThan(10_000);
    expect(by('order.started').length).toBeGreaterThan(10);
    expect(by('order.completed').length).toBeGreaterThan(10);
    expect(by('machine.state').some((s) => s.type === 'machine.state' && s.state === 'changeover')).toBe(true);
    expect(by('machine.state').some((s) => s.type === 'machine.state' && s.state === 'down')).toBe(true);
    expect(by('inventory.issue').length).toBeGreaterThan(0);
    expect(by('labour.clockIn').length).toBeGreaterThan(30);
    expect(by('labour.clockOut').length).toBeGreaterThan(0);
    const st = sim.stats();
    // at ×60 a real minute is a plant hour: a disruption every few real minutes means several per plant day
    const disruptions = st.breakdowns + st.holds + st.shortages + st.rushOrders;
    expect(disruptions).toBeGreaterThan(24 / 4);
    expect(st.breakdowns).toBeGreaterThan(0);
    expect(st.rushOrders).toBeGreaterThan(0);
  });

  it('is cheap: 24 plant hours of a 10-line, 40-machine plant well under a second', () => {
    const plant = bigPlant();
    const t0 = performance.now();
    const sim = createPlantSimulator(plant, { seed: 2, startTime: T0 });
    let n = 0;
    for (let t = T0 + 60_000; t <= T0 + 24 * HOUR; t += 60_000) n += sim.runUntil(t).length;
    const ms = performance.now() - t0;
    expect(n).toBeGreaterThan(20_000);
    expect(ms).toBeLessThan(1000);
  });

  it('resumed from a fresh twin (nobody clocked in yet), the current crew clocks in at once and staffs every line', () => {
    const plant = bigPlant();
    const twin = createTwin(plant, { startTime: T0 });
    const sim = createPlantSimulator(plant, { seed: 5, startTime: T0, resumeFrom: twin.peek() });
    const first = sim.runUntil(T0 + 5_000);
    const ins = first.filter((s) => s.type === 'labour.clockIn');
    expect(ins.length).toBeGreaterThan(15);
    twin.applyBatch(first, first.length);
    // Line staff go where people are missing: no line short while another has more than it needs.
    const lines = twin.view().lines;
    const short = lines.filter((l) => l.crewOnShift < l.crewNeeded).length;
    const spare = lines.reduce((a, l) => a + Math.max(0, l.crewOnShift - l.crewNeeded), 0);
    expect(lines.reduce((a, l) => a + l.crewOnShift, 0)).toBe(ins.length);
    expect(short === 0 || spare === 0).toBe(true);
  });

  it('persist → restore continues the identical stream', () => {
    const plant = smallPlant();
    const ref = createPlantSimulator(plant, { seed: 4, startTime: T0 }).runUntil(T0 + 16 * HOUR);
    const sim = createPlantSimulator(plant, { seed: 4, startTime: T0 });
    const first = sim.runUntil(T0 + 7 * HOUR);
    const restored = restorePlantSimulator(plant, JSON.parse(JSON.stringify(sim.persist())));
    const rest = restored.runUntil(T0 + 16 * HOUR);
    expect([...first, ...rest]).toEqual(ref);
  });
});
