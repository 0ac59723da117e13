import type { Plant } from '../../../shared/plant/schema';
import type { Signal, SignalType } from '../../../shared/signals/schema';

/** A small plant built in code (2 lines × 2 machines), so these tests depend on no fixture file. */
export const plant: Plant = {
  takt: 1,
  site: { id: 'test-site', name: 'Test site', timezone: 'UTC' },
  areas: [
    {
      id: 'A1',
      name: 'Area 1',
      lines: [
        { id: 'L1', name: 'Line 1', families: ['F1'], bufferSize: 50, crew: { size: 2, skills: [] }, machines: [{ id: 'L1-M1', name: 'Mixer', kind: 'mixer' }, { id: 'L1-M2', name: 'Filler', kind: 'filler' }] },
        { id: 'L2', name: 'Line 2', families: ['F1'], bufferSize: 50, crew: { size: 2, skills: [] }, machines: [{ id: 'L2-M1', name: 'Mixer', kind: 'mixer' }, { id: 'L2-M2', name: 'Packer', kind: 'packer' }] },
      ],
    },
  ],
  allergens: [],
  families: [{ id: 'F1', name: 'Family', allergens: [] }],
  products: [{ sku: 'SKU-1', name: 'Product 1', family: 'F1', bom: [{ component: 'C1', perUnit: 1 }], rates: { L1: 600, L2: 500 }, tools: [] }],
  changeovers: { matrix: [] },
  tools: [],
  locations: [{ id: 'WH', name: 'Warehouse', kind: 'warehouse' }],
  components: [{ id: 'C1', name: 'Flour', uom: 'kg', stock: [{ location: 'LS1', qty: 10 }], leadTimeHours: 24 }],
  skills: [],
  crews: [],
  shifts: [],
  customers: [{ id: 'CUST-1', name: 'Customer', tier: 'A', serviceLevel: 0.98 }],
  orders: [],
  connectors: [],
};

export const T0 = Date.UTC(2026, 0, 1, 6);

let n = 0;
const env = (type: SignalType, over: { t?: number; source?: string; id?: string; seq?: number } = {}) => {
  n++;
  const t = over.t ?? T0;
  return { id: over.id ?? `${type}-${n}`, source: over.source ?? 'test', seq: over.seq ?? n, eventTime: t, receiveTime: t + 5, type };
};

/** One valid example of every signal type (all references exist in `plant`). */
export function examples(t = T0): Signal[] {
  return [
    { ...env('order.created', { t }), type: 'order.created', order: { id: 'SO-1', sku: 'SKU-1', qty: 100, customer: 'CUST-1', due: t + 86_400_000, priority: 2, line: 'L1' } },
    { ...env('order.changed', { t }), type: 'order.changed', orderId: 'SO-1', qty: 120, sku: 'SKU-1', line: 'L2' },
    { ...env('order.cancelled', { t }), type: 'order.cancelled', orderId: 'SO-1', reason: 'customer' },
    { ...env('order.priority', { t }), type: 'order.priority', orderId: 'SO-1', priority: 1 },
    { ...env('demand.changed', { t }), type: 'demand.changed', sku: 'SKU-1', qtyDelta: -20, customer: 'CUST-1' },
    { ...env('inventory.receipt', { t }), type: 'inventory.receipt', component: 'C1', location: 'WH', qty: 500, lot: 'LOT-1' },
    { ...env('inventory.issue', { t }), type: 'inventory.issue', component: 'C1', location: 'LS1', qty: 5, orderId: 'SO-1', line: 'L1' },
    { ...env('inventory.adjustment', { t }), type: 'inventory.adjustment', component: 'C1', location: 'WH', qtyDelta: -3, reason: 'count' },
    { ...env('po.eta', { t }), type: 'po.eta', po: 'PO-1', component: 'C1', qty: 1000, eta: t + 3_600_000 },
    { ...env('machine.state', { t }), type: 'machine.state', machine: 'L1-M1', state: 'down', reason: 'jam' },
    { ...env('production.count', { t }), type: 'production.count', machine: 'L1-M2', orderId: 'SO-1', good: 10, scrap: 1 },
    { ...env('order.started', { t }), type: 'order.started', orderId: 'SO-1', line: 'L1' },
    { ...env('order.completed', { t }), type: 'order.completed', orderId: 'SO-1', line: 'L1' },
    { ...env('quality.hold', { t }), type: 'quality.hold', holdId: 'H-1', orderId: 'SO-1', line: 'L1', reason: 'seal' },
    { ...env('quality.release', { t }), type: 'quality.release', holdId: 'H-1' },
    { ...env('quality.deviation', { t }), type: 'quality.deviation', line: 'L2', description: 'weight drift' },
    { ...env('labour.clockIn', { t }), type: 'labour.clockIn', person: 'P1', line: 'L1' },
    { ...env('labour.clockOut', { t }), type: 'labour.clockOut', person: 'P1' },
    { ...env('clock.tick', { t }), type: 'clock.tick' },
    { ...env('plan.sequence', { t }), type: 'plan.sequence', line: 'L1', orderIds: ['SO-2', 'SO-1'], decisionId: 'dec-1' },
  ] as Signal[];
}

export function count(machine: string, t: number, id: string, good = 1, source = 'mes'): Signal {
  return { id, source, seq: 0, eventTime: t, receiveTime: t + 5, type: 'production.count', machine, good, scrap: 0 };
}

export function state(machine: string, t: number, id: string, st: 'running' | 'down' = 'running', source = 'mes'): Signal {
  return { id, source, seq: 0, eventTime: t, receiveTime: t + 5, type: 'machine.state', machine, state: st };
}
