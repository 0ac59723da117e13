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
 * Speed: the queue is a sorted array read from a moving head (parallel arrays of signals and tags,
 * no entry objects). Streams are nearly in order, so almost every signal is appended at the back
 * (one comparison) and released from the front; one that arrives out of order is placed by binary
 * search, after every equal key, so arrival order breaks ties.
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

const iso = (t: number) => new Date(t).toISOString();

export function lateReason(eventTime: number, watermark: number): string {
  return `late: event time ${iso(eventTime)} is before watermark ${iso(watermark)} by ${watermark - eventTime} ms`;
}

export function createReorder<T>(opts: ReorderOptions<T>): Reorder<T> {
  const lateness = opts.latenessMs;
  if (!(lateness >= 0)) throw new RangeError('latenessMs must be >= 0');
  const { emit, onLate } = opts;
  // The sorted queue: live entries are [head, sigs.length).
  let sigs: Signal[] = [];
  let tags: T[] = [];
  let head = 0;
  let watermark = opts.startWatermark ?? -Infinity;
  let maxSeen = watermark;
  let released = 0;
  let late = 0;
  let lateRejected = 0;

  /** a sorts strictly before b by (eventTime, source, seq). */
  const less = (x: Signal, y: Signal): boolean => {
    if (x.eventTime !== y.eventTime) return x.eventTime < y.eventTime;
    if (x.source !== y.source) return x.source < y.source;
    return x.seq < y.seq;
  };

  function insert(s: Signal, tag: T): void {
    const n = sigs.length;
    if (n === head || !less(s, sigs[n - 1]!)) {
      sigs.push(s);
      tags.push(tag);
      return;
    }
    // First live index whose key is strictly greater than s (s goes after equal keys).
    let lo = head;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (less(s, sigs[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    sigs.splice(lo, 0, s);
    tags.splice(lo, 0, tag);
  }

  function releaseFront(): void {
    const s = sigs[head]!;
    const tag = tags[head]!;
    sigs[head] = undefined as unknown as Signal; // let it go
    tags[head] = undefined as T;
    head++;
    if (head === sigs.length) {
      sigs.length = 0;
      tags.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= sigs.length) {
      sigs = sigs.slice(head);
      tags = tags.slice(head);
      head = 0;
    }
    watermark = s.eventTime;
    released++;
    emit(s, tag);
  }

  function drain(upTo: number): void {
    while (head < sigs.length && sigs[head]!.eventTime <= upTo) releaseFront();
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
      if (head === sigs.length && t <= limit) {
        // Fast path (always taken when latenessMs = 0 and time does not go back).
        watermark = t;
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
      while (head < sigs.length) releaseFront();
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
      return sigs.length - head;
    },
    stats() {
      return { buffered: sigs.length - head, released, late, lateRejected };
    },
  };
}
