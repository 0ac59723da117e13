import { describe, expect, it } from 'vitest';
import { createTwin, type Twin } from '../../../shared/twin/twin';
import { createPlantSimulator } from '../../../shared/sim/plant-simulator';
import type { Signal } from '../../../shared/signals/schema';
import { smallPlant, T0, MIN } from './plant-fixture';

const HOUR = 60 * MIN;
type Body = Signal extends infer S ? (S extends Signal ? Omit<S, 'id' | 'source' | 'seq' | 'eventTime' | 'receiveTime'> : never) : never;

/** Signal factory with increasing seq; `at` in minutes after T0. */
function feed() {
  let seq = 0;
  return (atMin: number, body: Body): Signal => ({ id: `t-${++seq}`, source: 'test', seq, eventTime: T0 + atMin * MIN, receiveTime: T0 + atMin * MIN, ...body }) as Signal;
}

const order = (twin: Twin, id: string) => twin.view().orders.find((o) => o.id === id);
const line = (twin: Twin, id: string) => twin.view().lines.find((l) => l.id === id)!;
const machine = (twin: Twin, id: string) => twin.view().machines.find((m) => m.id === id)!;

describe('twin: order lifecycle', () => {
  it('releases the opening book, assigns lines and walks released → kitted → ready → running → held → running → paused → complete → closed', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    let pos = 0;
    const ap = (sig: Signal) => twin.apply(sig, ++pos);
    expect(twin.view().orders.map((o) => [o.id, o.state, o.lineId])).toEqual([
      ['O1', 'released', 'L1'],
      ['O3', 'released', 'L1'], // no line asked: first capable line
      ['O2', 'released', 'L1'],
      ['O4', 'released', 'L2'],
    ]);
    ap(s(1, { type: 'inventory.issue', component: 'flour', location: 'WH', qty: 12, orderId: 'O1' }));
    expect(order(twin, 'O1')!.state).toBe('kitted');
    ap(s(2, { type: 'order.started', orderId: 'O1', line: 'L1' }));
    expect(order(twin, 'O1')).toMatchObject({ state: 'running', startedAt: T0 + 2 * MIN });
    expect(line(twin, 'L1').currentOrderId).toBe('O1');
    ap(s(3, { type: 'quality.hold', holdId: 'H1', orderId: 'O1', reason: 'seal check' }));
    expect(order(twin, 'O1')!.state).toBe('held');
    expect(line(twin, 'L1')).toMatchObject({ status: 'held', holds: ['H1'] });
    ap(s(4, { type: 'quality.release', holdId: 'H1' }));
    expect(order(twin, 'O1')!.state).toBe('running');
    ap(s(5, { type: 'order.completed', orderId: 'O1', line: 'L1' }));
    expect(order(twin, 'O1')).toMatchObject({ state: 'complete', completedAt: T0 + 5 * MIN });
    expect(order(twin, 'O3')!.state).toBe('ready'); // next in sequence on L1
    expect(line(twin, 'L1').lastFamily).toBe('plain');
    ap(s(6, { type: 'order.started', orderId: 'O3', line: 'L1' }));
    ap(s(7, { type: 'order.started', orderId: 'O2', line: 'L1' })); // preempts O3
    expect(order(twin, 'O3')!.state).toBe('paused');
    ap(s(8, { type: 'order.cancelled', orderId: 'O4' }));
    expect(order(twin, 'O4')!.state).toBe('cancelled');
    // complete → closed is a delayed transition on the plant clock (1 h)
    twin.advanceTo(T0 + 5 * MIN + HOUR - 1);
    expect(order(twin, 'O1')!.state).toBe('complete');
    twin.advanceTo(T0 + 5 * MIN + HOUR);
    expect(order(twin, 'O1')!.state).toBe('closed');
  });
});

describe('twin: machines and lines', () => {
  it('derives line status from machine states and holds', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    expect(line(twin, 'L2').status).toBe('unknown');
    twin.applyBatch(
      [s(1, { type: 'machine.state', machine: 'L2-fill', state: 'running' }), s(1, { type: 'machine.state', machine: 'L2-pack', state: 'running' })],
      2,
    );
    expect(line(twin, 'L2').status).toBe('running');
    twin.apply(s(2, { type: 'machine.state', machine: 'L2-pack', state: 'starved' }), 3);
    expect(line(twin, 'L2').status).toBe('starved');
    twin.apply(s(3, { type: 'machine.state', machine: 'L2-fill', state: 'down', reason: 'jam' }), 4);
    expect(line(twin, 'L2').status).toBe('down');
    expect(machine(twin, 'L2-fill')).toMatchObject({ state: 'down', reason: 'jam', since: T0 + 3 * MIN });
    twin.apply(s(4, { type: 'quality.hold', holdId: 'H9', line: 'L2', reason: 'label mismatch' }), 5);
    expect(line(twin, 'L2').status).toBe('held');
    twin.apply(s(5, { type: 'quality.release', holdId: 'H9' }), 6);
    expect(line(twin, 'L2').status).toBe('down');
  });

  it('a changeover past its planned minutes (matrix) becomes overrun through a SimulatedClock delay', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    twin.applyBatch([s(0, { type: 'order.started', orderId: 'O1', line: 'L1' }), s(10, { type: 'order.completed', orderId: 'O1', line: 'L1' })], 2);
    // L1 ran plain; the next in sequence is O3 (plain) – start O2 (nutty): plain → nutty is 30 min
    twin.apply(s(11, { type: 'order.started', orderId: 'O2', line: 'L1' }), 3);
    twin.apply(s(12, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' }), 4);
    expect(machine(twin, 'L1-mix')).toMatchObject({ state: 'changeover', plannedMinutes: 30, alarm: null });
    expect(twin.clock.pending).toBeGreaterThan(0);
    twin.advanceTo(T0 + 41 * MIN);
    expect(machine(twin, 'L1-mix').alarm).toBeNull();
    twin.advanceTo(T0 + 42 * MIN);
    expect(machine(twin, 'L1-mix').alarm).toBe('overrun');
    expect(line(twin, 'L1').alarm).toBe('overrun');
    // a signal-carried time does the same as advanceTo: a down escalates after 30 min
    twin.apply(s(50, { type: 'machine.state', machine: 'L1-fill', state: 'down', reason: 'motor overload' }), 5);
    twin.apply(s(79, { type: 'clock.tick' }), 6);
    expect(machine(twin, 'L1-fill').alarm).toBeNull();
    twin.apply(s(80, { type: 'clock.tick' }), 7);
    expect(machine(twin, 'L1-fill').alarm).toBe('escalated');
  });

  it('plans a changeover from the line queue head, which follows order line changes, cancels and completions', () => {
    const plan = (batched: boolean) => {
      const twin = createTwin(smallPlant(), { startTime: T0 });
      const s = feed();
      let pos = 0;
      const minutes: (number | null)[] = [];
      const steps: Signal[][] = [
        [s(0, { type: 'order.changed', orderId: 'O3', line: 'L1' }), s(1, { type: 'order.started', orderId: 'O1', line: 'L1' }), s(5, { type: 'order.completed', orderId: 'O1', line: 'L1' })],
        [s(6, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' })], // head O3 (plain): plain → plain
        [s(7, { type: 'machine.state', machine: 'L1-mix', state: 'idle' }), s(8, { type: 'order.changed', orderId: 'O3', line: 'L2' }), s(9, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' })], // head O2 (nutty)
        [s(10, { type: 'machine.state', machine: 'L1-mix', state: 'idle' }), s(11, { type: 'order.cancelled', orderId: 'O2' }), s(12, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' })], // no head
        [s(13, { type: 'machine.state', machine: 'L1-mix', state: 'idle' }), s(14, { type: 'order.changed', orderId: 'O3', line: 'L1' }), s(15, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' })], // O3 again
      ];
      for (const step of steps) {
        if (batched) twin.applyBatch(step, (pos += step.length));
        else for (const sig of step) twin.apply(sig, ++pos);
        minutes.push(machine(twin, 'L1-mix').plannedMinutes ?? null);
      }
      return { minutes, hash: twin.hash() };
    };
    const one = plan(false);
    expect(one.minutes).toEqual([null, 10, 30, 20, 10]);
    expect(plan(true)).toEqual(one);
  });

  it('aggregates counts per machine, line (output of the last machine), WIP and order', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    const batch: Signal[] = [s(0, { type: 'order.started', orderId: 'O1', line: 'L1' })];
    for (let i = 1; i <= 10; i++) {
      batch.push(s(i, { type: 'production.count', machine: 'L1-mix', good: 10, scrap: 0 }));
      batch.push(s(i, { type: 'production.count', machine: 'L1-fill', good: 9, scrap: 1 }));
      batch.push(s(i, { type: 'production.count', machine: 'L1-pack', orderId: 'O1', good: 8, scrap: 0 }));
    }
    twin.applyBatch(batch, batch.length);
    const l = line(twin, 'L1');
    expect(l).toMatchObject({ good: 80, scrap: 10, wip: 100 - 80 - 10 });
    expect(order(twin, 'O1')).toMatchObject({ good: 80, scrap: 10 });
    expect(machine(twin, 'L1-mix')).toMatchObject({ good: 100, scrap: 0 });
  });

  it('counts crew on shift per line against the crew needed', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    twin.applyBatch(
      [
        s(1, { type: 'labour.clockIn', person: 'ann', line: 'L1' }),
        s(1, { type: 'labour.clockIn', person: 'bob', line: 'L1' }),
        s(1, { type: 'labour.clockIn', person: 'cat', line: 'L2' }),
        s(1, { type: 'labour.clockIn', person: 'eve' }),
        s(30, { type: 'labour.clockOut', person: 'bob' }),
      ],
      5,
    );
    expect(line(twin, 'L1')).toMatchObject({ crewOnShift: 1, crewNeeded: 2 });
    expect(line(twin, 'L2')).toMatchObject({ crewOnShift: 1, crewNeeded: 2 });
    expect(twin.view().onShift).toEqual({ shiftId: 'day', people: ['ann', 'cat', 'eve'] });
  });
});

describe('twin: projections', () => {
  it('projects start/end from rate, remaining quantity and changeover minutes (hand-computed) and flags late orders', () => {
    const plant = smallPlant((p) => {
      p.orders = [
        { id: 'A', sku: 'P1', qty: 600, customer: 'acme', dueInHours: 2, line: 'L1' }, // 600 u at 600/h = 1 h
        { id: 'B', sku: 'N1', qty: 300, customer: 'acme', dueInHours: 2.4, line: 'L1' }, // plain → nutty 30 min, 300 u at 300/h = 1 h
        { id: 'C', sku: 'P2', qty: 200, customer: 'bolt', dueInHours: 5, line: 'L1' }, // nutty → plain 60 min clean, 200 u at 400/h = 30 min
      ];
    });
    const twin = createTwin(plant, { startTime: T0 });
    const s = feed();
    twin.applyBatch([s(0, { type: 'order.started', orderId: 'A', line: 'L1' }), s(0, { type: 'production.count', machine: 'L1-pack', good: 300, scrap: 0 })], 2);
    const l = line(twin, 'L1');
    // A: 300 remaining at 600/h = 30 min
    expect(l.currentProjectedEnd).toBe(T0 + 30 * MIN);
    expect(l.queue).toEqual([
      { orderId: 'B', sku: 'N1', qty: 300, projectedStart: T0 + 60 * MIN, projectedEnd: T0 + 120 * MIN, changeoverMinutes: 30, late: false },
      { orderId: 'C', sku: 'P2', qty: 200, projectedStart: T0 + 180 * MIN, projectedEnd: T0 + 210 * MIN, changeoverMinutes: 60, late: false },
    ]);
    // an hour later with no progress, B ends at 3 h > due 2.4 h: late
    twin.advanceTo(T0 + 60 * MIN);
    const later = line(twin, 'L1');
    expect(later.queue[0]).toMatchObject({ orderId: 'B', projectedEnd: T0 + 180 * MIN, late: true });
    expect(order(twin, 'B')!.late).toBe(true);
    expect(order(twin, 'C')!.late).toBe(false);
  });
});

describe('twin: persistence and determinism', () => {
  it('leaves a snapshot it handed out as it was while later batches change every part of the plant context', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    let pos = 0;
    const batch = (b: Signal[]) => twin.applyBatch(b, (pos += b.length));
    batch([s(1, { type: 'labour.clockIn', person: 'ann', line: 'L1' }), s(1, { type: 'po.eta', po: 'PO1', component: 'nuts', qty: 100, eta: T0 + HOUR })]);
    const before = twin.persist();
    const frozen = JSON.stringify(before);
    // Each part of the plant context in turn, then all of them in one batch.
    batch([s(2, { type: 'inventory.receipt', component: 'flour', location: 'WH', qty: 40 })]);
    batch([s(3, { type: 'labour.clockOut', person: 'ann' })]);
    batch([s(4, { type: 'quality.hold', holdId: 'H7', line: 'L2', reason: 'x' })]);
    batch([s(5, { type: 'po.eta', po: 'PO1', component: 'nuts', qty: 100, eta: T0 + 2 * HOUR })]);
    batch([s(6, { type: 'demand.changed', sku: 'P1', qtyDelta: 50 })]);
    batch([
      s(7, { type: 'inventory.issue', component: 'nuts', location: 'WH', qty: 5 }),
      s(7, { type: 'labour.clockIn', person: 'bob', line: 'L2' }),
      s(7, { type: 'quality.release', holdId: 'H7' }),
      s(7, { type: 'demand.changed', sku: 'P2', qtyDelta: -20 }),
    ]);
    expect(JSON.stringify(before)).toBe(frozen);
    // And the live twin did take every change.
    const after = JSON.stringify(twin.persist());
    for (const text of ['"flour@WH":5040', '"nuts@WH":295', '"bob":"L2"', '"P1":50', '"P2":-20']) expect(after).toContain(text);
    expect(after).not.toContain('"ann"');
  });

  it('restores spawned line, machine and order actors, and a pending changeover still overruns at the right plant time', () => {
    const plant = smallPlant();
    const twin = createTwin(plant, { startTime: T0 });
    const s = feed();
    twin.applyBatch(
      [
        s(0, { type: 'order.started', orderId: 'O1', line: 'L1' }),
        s(5, { type: 'order.completed', orderId: 'O1', line: 'L1' }),
        s(6, { type: 'order.started', orderId: 'O2', line: 'L1' }),
        s(10, { type: 'machine.state', machine: 'L1-mix', state: 'changeover' }), // plain → nutty: 30 min, due at 40
        s(11, { type: 'quality.hold', holdId: 'H1', orderId: 'O4', reason: 'x' }),
      ],
      5,
    );
    twin.advanceTo(T0 + 20 * MIN);
    const snap = JSON.parse(JSON.stringify(twin.persist()));
    expect(snap).toMatchObject({ version: expect.any(Number), position: 5, time: T0 + 20 * MIN });
    const restored = createTwin(plant, { startTime: T0, snapshot: snap });
    expect(restored.hash()).toBe(twin.hash());
    expect(restored.view().lines.map((l) => l.id)).toEqual(['L1', 'L2']);
    expect(restored.view().machines).toHaveLength(5);
    expect(order(restored, 'O4')!.state).toBe('held');
    expect(order(restored, 'O1')!.state).toBe('complete');
    expect(machine(restored, 'L1-mix')).toMatchObject({ state: 'changeover', alarm: null });
    restored.advanceTo(T0 + 40 * MIN - 1);
    expect(machine(restored, 'L1-mix').alarm).toBeNull();
    restored.advanceTo(T0 + 40 * MIN);
    expect(machine(restored, 'L1-mix').alarm).toBe('overrun');
    // the close timer of O1 (complete at 5 min, closes at 65) survives too
    restored.advanceTo(T0 + 65 * MIN - 1);
    expect(order(restored, 'O1')!.state).toBe('complete');
    restored.advanceTo(T0 + 65 * MIN);
    expect(order(restored, 'O1')!.state).toBe('closed');
    twin.advanceTo(T0 + 65 * MIN);
    expect(restored.hash()).toBe(twin.hash());
    // a release after restore still resumes the held order
    restored.apply(s(70, { type: 'quality.release', holdId: 'H1' }), 6);
    expect(order(restored, 'O4')!.state).toBe('released');
  });

  it('same signals → same hash: one batch, one by one, uneven batches, and across persist/restore', () => {
    const plant = smallPlant();
    const sim = createPlantSimulator(plant, { seed: 11, startTime: T0, mtbfHours: 3 });
    const signals = sim.runUntil(T0 + 10 * HOUR);
    expect(signals.length).toBeGreaterThan(1000);

    const a = createTwin(plant, { startTime: T0 });
    a.applyBatch(signals, signals.length);

    const b = createTwin(plant, { startTime: T0 });
    signals.forEach((sig, i) => b.apply(sig, i + 1));
    expect(b.hash()).toBe(a.hash());

    const c = createTwin(plant, { startTime: T0 });
    for (let i = 0, k = 1; i < signals.length; k = (k * 7) % 97 + 1) {
      const end = Math.min(signals.length, i + k);
      c.applyBatch(signals.slice(i, end), end);
      i = end;
    }
    expect(c.hash()).toBe(a.hash());

    const half = Math.floor(signals.length / 2);
    const d1 = createTwin(plant, { startTime: T0 });
    d1.applyBatch(signals.slice(0, half), half);
    const d2 = createTwin(plant, { startTime: T0, snapshot: JSON.parse(JSON.stringify(d1.persist())) });
    expect(d2.hash()).toBe(d1.hash());
    d2.applyBatch(signals.slice(half), signals.length);
    expect(d2.hash()).toBe(a.hash());
    expect(d2.view()).toEqual(a.view());

    const other = createTwin(plant, { startTime: T0 });
    other.applyBatch(signals.slice(0, -1), signals.length);
    expect(other.hash()).not.toBe(a.hash());
  });

  it('same state whether the actors get their SYNCs after every batch (a read each time) or only at the end', () => {
    const plant = smallPlant();
    const sim = createPlantSimulator(plant, { seed: 5, startTime: T0, mtbfHours: 2 });
    const signals = sim.runUntil(T0 + 12 * HOUR);
    const read = createTwin(plant, { startTime: T0 });
    const unread = createTwin(plant, { startTime: T0 });
    const views: string[] = [];
    for (let i = 0; i < signals.length; i += 50) {
      const end = Math.min(signals.length, i + 50);
      read.applyBatch(signals.slice(i, end), end);
      views.push(read.hash()); // a read: the actors get this batch's SYNCs now
      unread.applyBatch(signals.slice(i, end), end);
    }
    expect(new Set(views).size).toBeGreaterThan(10);
    expect(unread.position).toBe(signals.length);
    expect(unread.hash()).toBe(read.hash());
    expect(unread.view()).toEqual(read.view());
    // Time moved on without signals: both fire the same delayed transitions.
    read.advanceTo(T0 + 14 * HOUR);
    unread.advanceTo(T0 + 14 * HOUR);
    expect(unread.hash()).toBe(read.hash());
  });
});

describe('twin: deltas', () => {
  it('takeDelta carries only changed entities and fields', () => {
    const twin = createTwin(smallPlant(), { startTime: T0 });
    const s = feed();
    const first = twin.takeDelta()!;
    expect(first.lines).toHaveLength(2);
    expect(first.machines).toHaveLength(5);
    expect(first.orders).toHaveLength(4);
    expect(twin.takeDelta()).toBeNull();
    twin.apply(s(0, { type: 'machine.state', machine: 'L2-fill', state: 'running' }), 1);
    const d = twin.takeDelta()!;
    expect(d.machines).toEqual([{ id: 'L2-fill', state: 'running' }]);
    expect(d.orders).toBeUndefined();
    expect(d.lines!.map((l) => l.id)).toEqual(['L2']);
    expect(d.lines![0]).toMatchObject({ id: 'L2', status: 'running' });
    expect(Object.keys(d.lines![0]!)).not.toContain('queue');
    twin.apply(s(1, { type: 'order.priority', orderId: 'O3', priority: 1 }), 2);
    const d2 = twin.takeDelta()!;
    expect(d2.orders).toEqual([{ id: 'O3', priority: 1 }]);
    expect(d2.machines).toBeUndefined();
  });
});

describe('twin driven by the simulator', () => {
  it('after 8 plant hours: completed orders, counts, at least one breakdown seen', () => {
    const plant = smallPlant();
    const sim = createPlantSimulator(plant, { seed: 3, startTime: T0, mtbfHours: 4 });
    const twin = createTwin(plant, { startTime: T0 });
    let pos = 0;
    let sawDown = false;
    for (let t = T0; t < T0 + 8 * HOUR; ) {
      t += 5 * MIN;
      const batch = sim.runUntil(t);
      pos += batch.length;
      twin.applyBatch(batch, pos);
      if (twin.view().machines.some((m) => m.state === 'down')) sawDown = true;
      if (batch.some((s) => s.type === 'machine.state' && s.state === 'down')) sawDown = true;
    }
    const v = twin.view();
    expect(v.orders.filter((o) => o.state === 'complete' || o.state === 'closed').length).toBeGreaterThan(0);
    expect(v.lines.reduce((a, l) => a + l.good, 0)).toBeGreaterThan(0);
    expect(sim.stats().breakdowns).toBeGreaterThan(0);
    expect(sawDown).toBe(true);
    expect(twin.ignored).toBe(0);
    expect(v.lines.some((l) => l.availability > 0)).toBe(true);
  });
});
