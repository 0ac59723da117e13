/**
 * The soak's fault schedule: which fault happens at what fraction of the run's plant time, drawn
 * from a seeded generator so a run can be repeated exactly (`--seed`). Pure: no I/O, no clock.
 */
import { createRng } from '../../shared/sim/random';

export type FaultKind = 'kill' | 'broker' | 'disk-full' | 'clock-step';

export interface Fault {
  kind: FaultKind;
  /** Fraction of the run's plant time (0..1) at which it starts. */
  at: number;
  /** kill: tear the journal's last write while the core is down. */
  torn?: boolean;
  /** clock-step: milliseconds the wall clock is stepped by. */
  stepMs?: number;
}

/** mulberry32: a small seeded generator, good enough to spread faults. */
export function seeded(seed: number): () => number {
  return createRng(seed).next;
}

/** Per plant week, from the issue: at least 20 kills and 10 broker restarts; the rest are ours. */
export const PER_WEEK = { kill: 20, broker: 10, 'disk-full': 3, 'clock-step': 7, torn: 5 } as const;

export interface ScheduleOptions {
  plantDays: number;
  seed: number;
  /** Fraction of plant time kept free of faults at the start (warm-up and the fault-free baseline). */
  warmup: number;
  /** Lower bounds whatever the length (the CI soak: at least 3 kills and 2 broker restarts). */
  min?: Partial<Record<FaultKind | 'torn', number>>;
  /** Without a size-limited file system the disk cannot fill: leave that fault out. */
  diskFull?: boolean;
}

/** Faults sorted by time, pro rata per plant week, never fewer than `min`. */
export function faultSchedule(o: ScheduleOptions): Fault[] {
  const rnd = seeded(o.seed);
  const weeks = o.plantDays / 7;
  const count = (k: keyof typeof PER_WEEK) => Math.max(o.min?.[k] ?? 0, Math.ceil(PER_WEEK[k] * weeks));
  const kinds: FaultKind[] = ['kill', 'broker', 'disk-full', 'clock-step'];
  const faults: Fault[] = [];
  for (const kind of kinds) {
    if (kind === 'disk-full' && o.diskFull === false) continue;
    const n = count(kind);
    for (let i = 0; i < n; i++) {
      // Stratified: one fault in each of n equal slices of the faulted span, placed at random inside it,
      // so faults are spread over the whole run but not on a fixed grid.
      const at = o.warmup + ((1 - o.warmup) * (i + rnd())) / n;
      const f: Fault = { kind, at: Math.min(0.98, at) };
      if (kind === 'clock-step') f.stepMs = (i % 2 === 0 ? 1 : -1) * 5 * 60_000;
      faults.push(f);
    }
  }
  const kills = faults.filter((f) => f.kind === 'kill');
  const torn = Math.min(kills.length, count('torn'));
  // Torn writes on kills spread over the run (every k-th kill).
  for (let i = 0; i < torn; i++) kills[Math.floor((i * kills.length) / torn)]!.torn = true;
  return faults.sort((a, b) => a.at - b.at);
}
