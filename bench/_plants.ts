/**
 * The plants the render bench draws (and any bench that wants a plant of a known size), generated
 * from a seed so every run measures the same case and no fixture file is committed. Each is a
 * valid plant file (`takt validate` accepts it; test/unit/bench/plants.test.ts checks it against
 * the schema and the cross-reference checks).
 *
 * - `standard`: 4 halls × 10 lines × 5 machines (200 machines), the render bench's long-standing case.
 * - `large`: 4 halls, 60 lines, 1,000 machines; line lengths vary (12–22 machines) from the seed.
 */
import { createRng } from '../shared/sim/random';

export type PlantCase = 'standard' | 'large';
export const PLANT_CASES: readonly PlantCase[] = ['standard', 'large'];

/** A seeded generator (mulberry32): the same plant every run. */
export function rng(seed: number): () => number {
  return createRng(seed).next;
}

const KINDS = ['mixer', 'filler', 'oven', 'cooler', 'capper', 'labeller', 'inspector', 'wrapper', 'packer', 'palletiser'] as const;

/** Machines per line: `lines` lengths in [min, max] that add up to exactly `machines`. */
export function lineLengths(lines: number, machines: number, min: number, max: number, r: () => number): number[] {
  if (machines < lines * min || machines > lines * max) throw new Error(`cannot put ${machines} machines on ${lines} lines of ${min}–${max}`);
  const out = Array.from({ length: lines }, () => min + Math.floor(r() * (max - min + 1)));
  let diff = machines - out.reduce((a, b) => a + b, 0);
  // Walk the lines round-robin from a seeded start, nudging each by one until the total is exact.
  for (let i = Math.floor(r() * lines); diff !== 0; i = (i + 1) % lines) {
    if (diff > 0 && out[i]! < max) {
      out[i]!++;
      diff--;
    } else if (diff < 0 && out[i]! > min) {
      out[i]!--;
      diff++;
    }
  }
  return out;
}

export interface GeneratedPlant {
  takt: 1;
  site: { id: string; name: string; timezone: string };
  areas: { id: string; name: string; lines: { id: string; name: string; families: string[]; bufferSize: number; machines: { id: string; name: string; kind: string }[] }[] }[];
  families: { id: string; name: string }[];
  products: { sku: string; name: string; family: string; rates: Record<string, number> }[];
  customers: { id: string; name: string; tier: string; serviceLevel: number }[];
}

/** The plant of a case: minimal master data (one family, one SKU that every line runs), automatic layout. */
export function benchPlant(which: PlantCase, seed = 1): GeneratedPlant {
  const r = rng(seed);
  const halls = 4;
  const linesPerHall = which === 'large' ? 15 : 10;
  const lengths = which === 'large' ? lineLengths(halls * linesPerHall, 1000, 12, 22, r) : Array.from({ length: halls * linesPerHall }, () => 5);
  const lineIds: string[] = [];
  let n = 0;
  const areas = Array.from({ length: halls }, (_, a) => ({
    id: `A${a + 1}`,
    name: `Hall ${a + 1}`,
    lines: Array.from({ length: linesPerHall }, (_, l) => {
      const id = `A${a + 1}-L${String(l + 1).padStart(2, '0')}`;
      lineIds.push(id);
      const len = lengths[n++]!;
      return {
        id,
        name: `Line ${a + 1}.${l + 1}`,
        families: ['std'],
        bufferSize: 400,
        machines: Array.from({ length: len }, (_, m) => {
          // The standard plant keeps its fixed five kinds; the large one draws a kind per position.
          const kind = which === 'large' ? KINDS[Math.floor(r() * KINDS.length)]! : (['mixer', 'filler', 'inspector', 'packer', 'palletiser'] as const)[m]!;
          return { id: `${id}-M${m + 1}`, name: `${kind[0]!.toUpperCase()}${kind.slice(1)} ${m + 1}`, kind };
        }),
      };
    }),
  }));
  return {
    takt: 1,
    site: { id: `bench-${which}`, name: `Synthetic plant (${which}, seed ${seed})`, timezone: 'UTC' },
    areas,
    families: [{ id: 'std', name: 'Standard' }],
    products: [{ sku: 'SKU-1', name: 'Standard pack', family: 'std', rates: Object.fromEntries(lineIds.map((l) => [l, 1200])) }],
    customers: [{ id: 'C1', name: 'Customer', tier: 'A', serviceLevel: 0.95 }],
  };
}
