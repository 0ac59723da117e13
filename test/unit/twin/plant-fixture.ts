import { plantSchema, type Plant, type PlantInput } from '../../../shared/plant/schema';

/** A small two-line plant for twin and simulator tests (built in code until the YAML fixtures land). */
export function smallPlantInput(): PlantInput {
  return {
    takt: 1,
    site: { id: 'test-site', name: 'Test site' },
    areas: [
      {
        id: 'A1',
        name: 'Area 1',
        lines: [
          {
            id: 'L1',
            name: 'Line 1',
            families: ['plain', 'nutty'],
            machines: [
              { id: 'L1-mix', name: 'Mixer', kind: 'mixer' },
              { id: 'L1-fill', name: 'Filler', kind: 'filler' },
              { id: 'L1-pack', name: 'Packer', kind: 'packer' },
            ],
            crew: { size: 2 },
          },
          {
            id: 'L2',
            name: 'Line 2',
            families: ['plain'],
            machines: [
              { id: 'L2-fill', name: 'Filler', kind: 'filler' },
              { id: 'L2-pack', name: 'Packer', kind: 'packer' },
            ],
            crew: { size: 2 },
          },
        ],
      },
    ],
    allergens: [{ id: 'nuts', name: 'Nuts' }],
    families: [
      { id: 'plain', name: 'Plain' },
      { id: 'nutty', name: 'Nutty', allergens: ['nuts'] },
    ],
    products: [
      { sku: 'P1', name: 'Plain 1', family: 'plain', rates: { L1: 600, L2: 300 }, bom: [{ component: 'flour', perUnit: 0.1 }] },
      { sku: 'P2', name: 'Plain 2', family: 'plain', rates: { L1: 400, L2: 400 }, bom: [{ component: 'flour', perUnit: 0.2 }] },
      { sku: 'N1', name: 'Nutty 1', family: 'nutty', rates: { L1: 300 }, bom: [{ component: 'flour', perUnit: 0.1 }, { component: 'nuts', perUnit: 0.05 }] },
    ],
    changeovers: {
      defaultMinutes: 20,
      matrix: [
        { from: 'plain', to: 'nutty', minutes: 30 },
        { from: 'nutty', to: 'plain', minutes: 60, clean: true, qaRelease: true },
        { from: 'plain', to: 'plain', minutes: 10 },
      ],
    },
    locations: [{ id: 'WH', name: 'Warehouse', kind: 'warehouse' }],
    components: [
      { id: 'flour', name: 'Flour', uom: 'kg', stock: [{ location: 'WH', qty: 5000 }], leadTimeHours: 4 },
      { id: 'nuts', name: 'Nuts', uom: 'kg', stock: [{ location: 'WH', qty: 300 }], leadTimeHours: 8 },
    ],
    crews: [
      { id: 'C1', name: 'Day crew', members: [{ id: 'ann', name: 'Ann', role: 'operator' }, { id: 'bob', name: 'Bob', role: 'operator' }, { id: 'cat', name: 'Cat', role: 'operator' }, { id: 'dan', name: 'Dan', role: 'operator' }, { id: 'eve', name: 'Eve', role: 'qa' }] },
      { id: 'C2', name: 'Night crew', members: [{ id: 'fay', name: 'Fay', role: 'operator' }, { id: 'gus', name: 'Gus', role: 'operator' }, { id: 'hal', name: 'Hal', role: 'operator' }, { id: 'ivy', name: 'Ivy', role: 'operator' }] },
    ],
    shifts: [
      { id: 'day', name: 'Day', start: '06:00', end: '18:00', crew: 'C1' },
      { id: 'night', name: 'Night', start: '18:00', end: '06:00', crew: 'C2' },
    ],
    customers: [
      { id: 'acme', name: 'Acme', tier: 'A', serviceLevel: 0.98 },
      { id: 'bolt', name: 'Bolt', tier: 'B', serviceLevel: 0.95 },
    ],
    orders: [
      { id: 'O1', sku: 'P1', qty: 1200, customer: 'acme', dueInHours: 4, line: 'L1' },
      { id: 'O2', sku: 'N1', qty: 600, customer: 'bolt', dueInHours: 8, line: 'L1' },
      { id: 'O3', sku: 'P2', qty: 800, customer: 'acme', dueInHours: 6 },
      { id: 'O4', sku: 'P2', qty: 2000, customer: 'bolt', dueInHours: 10, line: 'L2' },
    ],
  };
}

export function smallPlant(patch?: (p: PlantInput) => void): Plant {
  const input = smallPlantInput();
  patch?.(input);
  return plantSchema.parse(input);
}

/** 2026-03-02 06:00 UTC, a Monday at the start of the day shift. */
export const T0 = Date.UTC(2026, 2, 2, 6, 0, 0);
export const MIN = 60_000;
