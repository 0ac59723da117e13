/**
 * The backtest tests' oracle, from the twin alone: the journal is folded into a fresh twin at each
 * detection pass, a line's overrun is its worst timed machine's minutes past plan, and `classify`
 * says what difference (if any) that overrun makes at that pass. Contiguous passes with the same
 * kind make one window, ending at the first pass where it changes.
 */
import type { JournalEntry } from '../../../shared/decide/backtest';
import type { Plant } from '../../../shared/plant/schema';
import { createTwin } from '../../../shared/twin/twin';
import { MIN } from './helpers';

export interface OverrunWindow<K extends string> {
  key: string;
  kind: K;
  from: number;
  until: number | null;
}

export function overrunWindows<K extends string>(
  plant: Plant,
  entries: readonly JournalEntry[],
  pass: { from: number; to: number; step: number },
  classify: (t: number, overMinutes: number) => K | null,
): OverrunWindow<K>[] {
  const twin = createTwin(plant, { startTime: pass.from });
  const out: OverrunWindow<K>[] = [];
  const open = new Map<string, OverrunWindow<K>>();
  let i = 0;
  for (let t = pass.from; t <= pass.to; t += pass.step) {
    const batch = [];
    let last = twin.position;
    while (i < entries.length && entries[i]!.signal.eventTime <= t) {
      batch.push(entries[i]!.signal);
      last = entries[i]!.position;
      i++;
    }
    if (batch.length) twin.applyBatch(batch, last);
    if (t > twin.time) twin.advanceTo(t);
    const worst = new Map<string, number>();
    for (const m of twin.peek().machines) {
      if ((m.state !== 'changeover' && m.state !== 'cleaning') || m.plannedMinutes == null) continue;
      const over = (t - m.since) / MIN - m.plannedMinutes;
      worst.set(m.lineId, Math.max(worst.get(m.lineId) ?? -Infinity, over));
    }
    const now = new Map<string, K>();
    for (const [line, over] of worst) {
      const kind = classify(t, over);
      if (kind !== null) now.set(`changeover-overrun:${line}`, kind);
    }
    for (const [key, d] of open) {
      if (now.get(key) === d.kind) continue;
      d.until = t;
      open.delete(key);
    }
    for (const [key, kind] of [...now].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (open.has(key)) continue;
      const d: OverrunWindow<K> = { key, kind, from: t, until: null };
      out.push(d);
      open.set(key, d);
    }
  }
  twin.stop();
  return out;
}
