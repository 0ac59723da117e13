/**
 * PlantIndex: the ids a signal may refer to, built once from the plant, so reference checks in
 * ingest are a Set lookup each. Pure.
 */
import type { Plant } from '../plant/schema';

export const refKinds = ['machine', 'line', 'component', 'location', 'sku', 'customer'] as const;
export type RefKind = (typeof refKinds)[number];

export interface PlantIndex {
  readonly plantId: string;
  readonly ids: Readonly<Record<RefKind, ReadonlySet<string>>>;
  /** Machine id → the line it stands on. */
  readonly lineOfMachine: ReadonlyMap<string, string>;
  has(kind: RefKind, id: string): boolean;
  /** "12 machines: L01-M1, L01-M2, … (and 2 more)": for rejection messages. */
  describe(kind: RefKind, max?: number): string;
}

const plural: Record<RefKind, string> = { machine: 'machines', line: 'lines', component: 'components', location: 'locations', sku: 'SKUs', customer: 'customers' };

export function createPlantIndex(plant: Plant): PlantIndex {
  const ids: Record<RefKind, Set<string>> = { machine: new Set(), line: new Set(), component: new Set(), location: new Set(), sku: new Set(), customer: new Set() };
  const lineOfMachine = new Map<string, string>();
  for (const area of plant.areas) {
    for (const line of area.lines) {
      ids.line.add(line.id);
      for (const m of line.machines) {
        ids.machine.add(m.id);
        lineOfMachine.set(m.id, line.id);
      }
    }
  }
  for (const c of plant.components ?? []) {
    ids.component.add(c.id);
    for (const st of c.stock ?? []) ids.location.add(st.location);
  }
  for (const l of plant.locations ?? []) ids.location.add(l.id);
  for (const p of plant.products) ids.sku.add(p.sku);
  for (const c of plant.customers) ids.customer.add(c.id);
  const described = new Map<string, string>();
  return {
    plantId: plant.site.id,
    ids,
    lineOfMachine,
    has: (kind, id) => ids[kind].has(id),
    describe(kind, max = 8) {
      const key = `${kind}/${max}`;
      let text = described.get(key);
      if (text === undefined) {
        const all = [...ids[kind]];
        if (all.length === 0) text = `the plant "${plant.site.id}" defines no ${plural[kind]}`;
        else {
          const shown = all.slice(0, max).join(', ');
          text = `the plant "${plant.site.id}" has ${all.length} ${plural[kind]}: ${shown}${all.length > max ? `, … (and ${all.length - max} more)` : ''}`;
        }
        described.set(key, text);
      }
      return text;
    },
  };
}
