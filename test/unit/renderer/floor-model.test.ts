/** Floor logic without a browser: history ring buffers, drill-down levels, lane/buffer geometry. */
import { describe, expect, it } from 'vitest';
import { HISTORY_SIZE, Ring, TwinMirror } from '../../../renderer/src/twin/twin-mirror';
import { layoutPlant, LANE_DY, MACHINE_H, MACHINE_W } from '../../../renderer/src/floor/layout';
import { levelOf, parentOf, PLANT } from '../../../renderer/src/floor/focus';
import type { Plant } from '../../../shared/plant/schema';
import type { LineView, MachineView, TwinView } from '../../../shared/twin/view';

const line = (id: string): LineView => ({ id, areaId: 'A', name: id, status: 'running', currentOrderId: null, currentSku: null, lastFamily: null, queue: [], good: 0, scrap: 0, wip: 0, availability: 1, crewOnShift: 2, crewNeeded: 2, holds: [] });
const machine = (id: string): MachineView => ({ id, lineId: 'L1', state: 'running', since: 1 });
const view = (): TwinView => ({ time: 1, position: 1, hash: 'h', lines: [line('L1')], machines: [machine('M1')], orders: [], inventory: [], onShift: { shiftId: null, people: [] } });

describe('Ring', () => {
  it('keeps the newest cap items in order', () => {
    const r = new Ring<number>(3);
    [1, 2, 3, 4, 5].forEach((x) => r.push(x));
    expect(r.items()).toEqual([3, 4, 5]);
    expect(r.last()).toBe(5);
  });
});

describe('TwinMirror history', () => {
  it('remembers machine and line state changes, bounded, with stable snapshots', () => {
    const s = new TwinMirror();
    s.applyView(view());
    s.applyDelta({ time: 2, position: 2, machines: [{ id: 'M1', state: 'down', since: 2, reason: 'fault' }], lines: [{ id: 'L1', status: 'down' }] });
    s.applyDelta({ time: 3, position: 3, machines: [{ id: 'M1', good: 5 }] }); // no state change: no entry
    const h = s.getMachineHistory('M1');
    expect(h.map((e) => e.state)).toEqual(['running', 'down']);
    expect(h[1]).toMatchObject({ time: 2, reason: 'fault' });
    expect(s.getMachineHistory('M1')).toBe(h); // stable until the next change
    expect(s.getLineHistory('L1').map((e) => e.state)).toEqual(['running', 'down']);
    for (let i = 0; i < HISTORY_SIZE * 2; i++) s.applyDelta({ time: 10 + i, position: 10 + i, machines: [{ id: 'M1', state: i % 2 ? 'running' : 'starved', since: 10 + i }] });
    expect(s.getMachineHistory('M1')).toHaveLength(HISTORY_SIZE);
  });
});

describe('drill-down levels', () => {
  it('goes plant ▸ area ▸ line ▸ detail and back up', () => {
    const m = { areaId: 'A', lineId: 'L', machineId: 'M', orderId: null };
    expect(levelOf(m)).toBe('detail');
    expect(levelOf(parentOf(m))).toBe('line');
    expect(levelOf(parentOf(parentOf(m)))).toBe('area');
    expect(parentOf(parentOf(parentOf(m)))).toEqual(PLANT);
  });
});

describe('lane and buffers', () => {
  const plant = {
    areas: [{ id: 'A', name: 'A', lines: [{ id: 'L', name: 'L', bufferSize: 80, machines: [1, 2, 3].map((i) => ({ id: `M${i}`, name: `M${i}`, kind: 'other' })) }] }],
  } as unknown as Plant;
  it('runs the token lane below the boxes and puts one buffer in each gap', () => {
    const L = layoutPlant(plant);
    const l = L.lines[0]!;
    for (const p of l.lane) for (const m of L.machines) expect(p.y - m.y).toBeGreaterThan(MACHINE_H / 2); // never inside a box
    expect(l.lane[0]!.y - L.machines[0]!.y).toBe(LANE_DY);
    expect(l.buffers).toHaveLength(2);
    for (const b of l.buffers) {
      expect(b.size).toBe(80);
      for (const m of L.machines) expect(Math.abs(b.x - m.x)).toBeGreaterThan(MACHINE_W / 2);
    }
    expect(l.bounds.w).toBeGreaterThan(0);
  });
});
