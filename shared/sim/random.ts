/**
 * Seeded random numbers (mulberry32): the same seed gives the same stream, everywhere.
 * Domain code takes an Rng; it never calls Math.random().
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  int(min: number, maxInclusive: number): number;
  exponential(mean: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** State for persistence; `createRng(0, state)` resumes the stream. */
  state(): number;
}

export function createRng(seed: number, state?: number): Rng {
  let a = (state ?? seed) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    exponential: (mean) => -mean * Math.log(1 - next()),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    state: () => a,
  };
}
