/**
 * Event-time ordering within a lateness window.
 *
 * Signals wait in a queue sorted by (eventTime, source, seq, arrival). With `maxSeen` the newest
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
 *
 * Speed: the queue is a sorted ring (parallel arrays of signals and tags, no entry objects).
 * Streams are nearly in order, so almost every signal is appended at the back (one comparison) and
 * released from the front; one that arrives out of order is placed by binary search, after every
 * equal key, so arrival order breaks ties. The ring keeps the size a burst gave it.
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
  'plan.sequence': 'dead-letter',
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

const WATERMARK = 0;
const MAX_SEEN = 1;

const iso = (t: number) => new Date(t).toISOString();

export function lateReason(eventTime: number, watermark: number): string {
  return `late: event time ${iso(eventTime)} is before watermark ${iso(watermark)} by ${watermark - eventTime} ms`;
}

export function createReorder<T>(opts: ReorderOptions<T>): Reorder<T> {
  const lateness = opts.latenessMs;
  if (!(lateness >= 0)) throw new RangeError('latenessMs must be >= 0');
  const { emit, onLate } = opts;
  // The sorted queue: a ring of `count` entries from `head` (capacity a power of two, doubled when
  // full), in parallel arrays of signals and tags. A ring, not a sliding array, so a steady stream
  // allocates nothing per signal. Numbers that change per signal live in a Float64Array: a closure
  // variable holding a non-integer-sized number (event times are ~1.8e12) would box a fresh heap
  // number on every store.
  let cap = 256;
  let mask = cap - 1;
  let sigs: (Signal | undefined)[] = new Array(cap);
  let tags: (T | undefined)[] = new Array(cap);
  let head = 0;
  let count = 0;
  const times = new Float64Array(2); // [WATERMARK], [MAX_SEEN]
  times[WATERMARK] = opts.startWatermark ?? -Infinity;
  times[MAX_SEEN] = times[WATERMARK]!;
  let released = 0;
  let late = 0;
  let lateRejected = 0;

  /** a sorts strictly before b by (eventTime, source, seq). */
  const less = (x: Signal, y: Signal): boolean => {
    if (x.eventTime !== y.eventTime) return x.eventTime < y.eventTime;
    if (x.source !== y.source) return x.source < y.source;
    return x.seq < y.seq;
  };

  /** The entry `k` places from the front. */
  const at = (k: number): Signal => sigs[(head + k) & mask]!;

  function growRing(): void {
    const s2: (Signal | undefined)[] = new Array(cap * 2);
    const t2: (T | undefined)[] = new Array(cap * 2);
    for (let k = 0; k < count; k++) {
      s2[k] = sigs[(head + k) & mask];
      t2[k] = tags[(head + k) & mask];
    }
    sigs = s2;
    tags = t2;
    head = 0;
    cap *= 2;
    mask = cap - 1;
  }

  function insert(s: Signal, tag: T): void {
    if (count === cap) growRing();
    if (count === 0 || !less(s, at(count - 1))) {
      const i = (head + count) & mask;
      sigs[i] = s;
      tags[i] = tag;
      count++;
      return;
    }
    // First place whose key is strictly greater than s (s goes after equal keys).
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (less(s, at(mid))) hi = mid;
      else lo = mid + 1;
    }
    // Shift [lo, count) one place back, then put s at lo.
    for (let k = count; k > lo; k--) {
      const to = (head + k) & mask;
      const from = (head + k - 1) & mask;
      sigs[to] = sigs[from];
      tags[to] = tags[from];
    }
    sigs[(head + lo) & mask] = s;
    tags[(head + lo) & mask] = tag;
    count++;
  }

  function releaseFront(): void {
    const s = sigs[head]!;
    const tag = tags[head] as T;
    sigs[head] = undefined; // let it go
    tags[head] = undefined;
    head = (head + 1) & mask;
    count--;
    times[WATERMARK] = s.eventTime;
    released++;
    emit(s, tag);
  }

  function drain(upTo: number): void {
    while (count > 0 && sigs[head]!.eventTime <= upTo) releaseFront();
  }

  return {
    push(s, tag) {
      const t = s.eventTime;
      const watermark = times[WATERMARK]!;
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
      if (t > times[MAX_SEEN]!) times[MAX_SEEN] = t;
      const limit = times[MAX_SEEN]! - lateness;
      if (count === 0 && t <= limit) {
        // Fast path (always taken when latenessMs = 0 and time does not go back).
        times[WATERMARK] = t;
        released++;
        emit(s, tag);
        return 'released';
      }
      insert(s, tag);
      const before = released;
      drain(limit);
      return released > before ? 'released' : 'buffered';
    },
    flush() {
      while (count > 0) releaseFront();
    },
    releaseUpTo(time) {
      drain(time);
    },
    get watermark() {
      return times[WATERMARK]!;
    },
    get maxSeen() {
      return times[MAX_SEEN]!;
    },
    get size() {
      return count;
    },
    stats() {
      return { buffered: count, released, late, lateRejected };
    },
  };
}
