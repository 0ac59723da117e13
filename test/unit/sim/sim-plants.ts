import { plantSchema, type Plant, type PlantInput } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import { createTwin } from '../../../shared/twin/twin';
import type { TwinView } from '../../../shared/twin/view';

/** Monday 2026-01-05 06:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 6);
export const H = 3_600_000;

/**
 * Two (or three) lines, families `plain` and `nutty` (nuts); nutty → plain needs a 90 min clean with
 * QA release, plain → nutty 20 min, `f2` → plain 120 min. L3 lists `plain` but has no rates
 * (rerouting onto it is infeasible). No shifts (no crew limits), no BOM unless asked.
 */
export function twoLinePlant(over: Partial<PlantInput> = {}, opts: { bom?: boolean; l3?: boolean } = {}): Plant {
  const lines = [
    { id: 'L1', name: 'Line 1', families: ['plain', 'nutty', 'f2'], machines: [{ id: 'L1-fill', name: 'Filler', kind: 'filler' as const }] },
    { id: 'L2', name: 'Line 2', families: ['plain', 'nutty', 'f2'], machines: [{ id: 'L2-fill', name: 'Filler', kind: 'filler' as const }] },
    ...(opts.l3 ? [{ id: 'L3', name: 'Line 3', families: ['plain'], machines: [{ id: 'L3-fill', name: 'Filler', kind: 'filler' as const }] }] : []),
  ];
  return plantSchema.parse({
    takt: 1,
    site: { id: 'test', name: 'Test' },
    areas: [{ id: 'A', name: 'Area', lines }],
    allergens: [{ id: 'nuts', name: 'Nuts' }],
    families: [
      { id: 'plain', name: 'Plain' },
      { id: 'nutty', name: 'Nutty', allergens: ['nuts'] },
      { id: 'f2', name: 'Family 2' },
    ],
    products: [
      { sku: 'P', name: 'Plain', family: 'plain', rates: { L1: 1000, L2: 1000 }, ...(opts.bom ? { bom: [{ component: 'milk', perUnit: 0.1 }] } : {}) },
      { sku: 'N', name: 'Nutty', family: 'nutty', rates: { L1: 1000, L2: 1000 } },
      { sku: 'F2', name: 'F2', family: 'f2', rates: { L1: 1000, L2: 1000 } },
    ],
    changeovers: {
      defaultMinutes: 10,
      matrix: [
        { from: 'nutty', to: 'plain', minutes: 90, clean: true, qaRelease: true },
        { from: 'plain', to: 'nutty', minutes: 20 },
        { from: 'f2', to: 'plain', minutes: 120 },
      ],
    },
    locations: [{ id: 'WH', name: 'WH', kind: 'warehouse' }],
    components: opts.bom ? [{ id: 'milk', name: 'Milk', uom: 'l', stock: [{ location: 'WH', qty: 100 }], leadTimeHours: 10 }] : [],
    customers: [
      { id: 'big', name: 'Big', tier: 'A', serviceLevel: 0.98 },
      { id: 'small', name: 'Small', tier: 'C', serviceLevel: 0.9 },
    ],
    orders: [],
    ...over,
  });
}

let seq = 0;
export function sig(t: number, body: Record<string, unknown>): Signal {
  seq++;
  return { id: `t-${seq}`, source: 'test', seq, eventTime: t, receiveTime: t, ...body } as Signal;
}

/** A twin view after `signals` (at T0 + 1 min onwards), for a plant whose book is `plant.orders`. */
export function viewAfter(plant: Plant, signals: Signal[]): TwinView {
  const twin = createTwin(plant, { startTime: T0 });
  if (signals.length) twin.applyBatch(signals, signals.length);
  const v = twin.view();
  twin.stop();
  return v;
}

/** Signals that make `line` have last run `sku` (a tiny order started and completed). */
export function ranBefore(line: string, orderId: string, at = T0 + 60_000): Signal[] {
  return [sig(at, { type: 'order.started', orderId, line }), sig(at + 1000, { type: 'order.completed', orderId, line })];
}
