/**
 * Event-time ordering within a lateness window.
 *
 * Signals wait in a min-heap keyed (eventTime, source, seq, arrival). With `maxSeen` the newest
 * event time pushed, everything with eventTime ≤ maxSeen − latenessMs is released in key order.
 * The *watermark* is the event time of the last signal released in order: the stream handed on is
 * sorted up to it. A signal arriving with eventTime < watermark is late:
 *  - commutative types (counts, stock movements, demand deltas, labour) are released at once,
 *    out of order: adding them late gives the same totals (`stats.late`);
 *  - state-setting types (machine.state, order lifecycle, quality, clock) would overwrite newer
 *    state with older, so they go to `onLate` (the pipeline dead-letters them with the reason
 *    "late: event time X is before watermark Y by Z ms"). Nothing is dropped silently.
 * `latenessMs = 0` is pass-through: nothing waits, and the late rule still applies to signals that
 * go back in time.
 * `flush()` releases everything buffered (end of stream, or an idle timer at the edge).
 */
import type { Signal, SignalType } from '../signals/schema';

/** What to do with a signal older than the watermark. A Record so a new type forces a decision. */
export const lateRule: Record<SignalType, 'apply' | 'dead-letter'> = {
  'order.created': 'dead-letter',
  'order.changed': 'dead-letter',
  'order.cancelled': 'dead-letter',
  'order.priority': 'dead-letter',
  'demand.changed': 'apply',
  'inventory.receipt': 'apply',
  'inventory.issue': 'apply',
  'inventory.adjustment': 'apply',
  'po.eta': 'dead-letter',
  'machine.state': 'dead-letter',
  'production.count': 'apply',
  'order.started': 'dead-letter',
  'order.completed': 'dead-letter',
  'quality.hold': 'dead-letter',
  'quality.release': 'dead-letter',
  'quality.deviation': 'dead-letter',
  'labour.clockIn': 'apply',
  'labour.clockOut': 'apply',
  'clock.tick': 'dead-letter',
};

export interface LateInfo {
  watermark: number;
  byMs: number;
  reason: string;
}

export interface ReorderOptions<T> {
  latenessMs: number;
  /** Receives signals in order (and late commutative ones when they arrive). */
  emit(signal: Signal, tag: T): void;
  /** Receives late state-setting signals; they are not emitted. */
  onLate(signal: Signal, tag: T, info: LateInfo): void;
  /** Resume: the watermark the previous run reached (e.g. the journal's newest event time). */
  startWatermark?: number;
}

export type ReorderOutcome = 'buffered' | 'released' | 'late-applied' | 'late-rejected';

export interface ReorderStats {
  buffered: number;
  released: number;
  late: number;
  lateRejected: number;
}

export interface Reorder<T> {
  push(signal: Signal, tag: T): ReorderOutcome;
  /** Releases everything buffered, in order. */
  flush(): void;
  /** Releases buffered signals with eventTime ≤ `time` (a processing-time watermark from a clock). */
  releaseUpTo(time: number): void;
  /** Event time of the last signal released in order (−Infinity before the first). */
  readonly watermark: number;
  /** Newest event time pushed. */
  readonly maxSeen: number;
  readonly size: number;
  stats(): ReorderStats;
}

interface Entry<T> {
  s: Signal;
  tag: T;
  n: number;
}

const iso = (t: number) => new Date(t).toISOString();

export function lateReason(eventTime: number, watermark: number): string {
  return `late: event time ${iso(eventTime)} is before watermark ${iso(watermark)} by ${watermark - eventTime} ms`;
}

export function createReorder<T>(opts: ReorderOptions<T>): Reorder<T> {
  const lateness = opts.latenessMs;
  if (!(lateness >= 0)) throw new RangeError('latenessMs must be >= 0');
  const { emit, onLate } = opts;
  const heap: Entry<T>[] = [];
  let watermark = opts.startWatermark ?? -Infinity;
  let maxSeen = watermark;
  let arrivals = 0;
  let released = 0;
  let late = 0;
  let lateRejected = 0;

  const less = (a: Entry<T>, b: Entry<T>): boolean => {
    const x = a.s;
    const y = b.s;
    if (x.eventTime !== y.eventTime) return x.eventTime < y.eventTime;
    if (x.source !== y.source) return x.source < y.source;
    if (x.seq !== y.seq) return x.seq < y.seq;
    return a.n < b.n;
  };

  function siftUp(i: number): void {
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = heap[p]!;
      if (!less(e, pe)) break;
      heap[i] = pe;
      i = p;
    }
    heap[i] = e;
  }

  function pop(): Entry<T> {
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
        if (!less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  function release(e: Entry<T>): void {
    watermark = e.s.eventTime;
    released++;
    emit(e.s, e.tag);
  }

  function drain(upTo: number): void {
    while (heap.length > 0 && heap[0]!.s.eventTime <= upTo) release(pop());
  }

  return {
    push(s, tag) {
      const t = s.eventTime;
      if (t < watermark) {
        if (lateRule[s.type] === 'apply') {
          late++;
          emit(s, tag);
          return 'late-applied';
        }
        lateRejected++;
        onLate(s, tag, { watermark, byMs: watermark - t, reason: lateReason(t, watermark) });
        return 'late-rejected';
      }
      if (t > maxSeen) maxSeen = t;
      const limit = maxSeen - lateness;
      if (heap.length === 0 && t <= limit) {
        // Fast path (always taken when latenessMs = 0 and time does not go back).
        watermark = t;
        released++;
        emit(s, tag);
        return 'released';
      }
      heap.push({ s, tag, n: arrivals++ });
      siftUp(heap.length - 1);
      const before = released;
      drain(limit);
      return released > before ? 'released' : 'buffered';
    },
    flush() {
      while (heap.length > 0) release(pop());
    },
    releaseUpTo(time) {
      drain(time);
    },
    get watermark() {
      return watermark;
    },
    get maxSeen() {
      return maxSeen;
    },
    get size() {
      return heap.length;
    },
    stats() {
      return { buffered: heap.length, released, late, lateRejected };
    },
  };
}
