/**
 * Seeded stochastic breakdowns: a failure clock per line (exponential time between failures, the
 * line's machines × the per-machine rate) that only bites while the line works; the repair time is
 * drawn by reason. Each line has its own generator, so options compared with the same seed see the
 * same breakdowns.
 */
import type { Rng } from '../random';
import { goDown } from './dispatch';
import type { LineRt, Run } from './run';

const REPAIR_REASONS: readonly { weight: number; repairMin: number }[] = [
  { weight: 5, repairMin: 6 },
  { weight: 2, repairMin: 15 },
  { weight: 1, repairMin: 45 },
  { weight: 1, repairMin: 20 },
];

export function scheduleFailure(run: Run, l: LineRt, mtbfHours: number): void {
  const rng = l.rng as Rng;
  const machines = Math.max(1, run.index.lineById.get(l.s.id)?.machines.length ?? 1);
  l.failureHandle = run.sim.schedule(rng.exponential((mtbfHours * 60) / machines), run.on.failure, l);
}

export function onFailure(run: Run, l: LineRt, mtbfHours: number): void {
  const rng = l.rng as Rng;
  if (l.phase === 'run' || l.phase === 'setup') {
    const total = REPAIR_REASONS.reduce((a, r) => a + r.weight, 0);
    let pick = rng.next() * total;
    const r = REPAIR_REASONS.find((x) => (pick -= x.weight) < 0) ?? (REPAIR_REASONS[0] as (typeof REPAIR_REASONS)[number]);
    goDown(run, l, run.sim.now + Math.max(1, rng.exponential(r.repairMin)));
  }
  scheduleFailure(run, l, mtbfHours);
}
