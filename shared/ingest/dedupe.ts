/**
 * Idempotency on `(source, id)` in bounded memory.
 *
 * The set remembers the key of every signal whose event time is at or above a *floor*, and the
 * stage answers 'too-old' for any signal below the floor, which the pipeline dead-letters (it is
 * never applied). The floor only rises:
 *   floor = max(maxEventTimeSeen − horizonMs, floor raised by forced eviction)
 * and keys are dropped only in whole time buckets lying entirely below the floor.
 *
 * Why a duplicate can never be applied twice. Take a signal S applied once, with event time t and
 * key k. A later copy S' (same key, same content, so same event time t) arrives:
 *  - if t ≥ floor now: every key with event time ≥ floor is still in the set (only buckets wholly
 *    below the floor are dropped, and the floor never falls), so k is found: 'duplicate';
 *  - if t < floor now: S' is 'too-old' and dead-lettered, not applied.
 * Either way S' changes nothing. The pipeline registers a key only after the signal passed
 * validation, so a malformed copy cannot "burn" an id.
 *
 * Memory: the set holds the keys of signals within `horizonMs` of the newest event time, and never
 * more than `maxKeys` (default 1,000,000, roughly 100 MB): past that the oldest bucket is dropped
 * and the floor raised above it — trading late acceptance for memory, never correctness
 * (`stats.forcedEvictions` counts it). `horizonMs` must be at least the reorder lateness window so
 * that in-window signals are never 'too-old'; the pipeline enforces that.
 *
 * Limit, by design: a source that re-uses an id for a *different* message with a *newer* event
 * time after the old key left the horizon gets it accepted. Ids are meant to be unique per source.
 */

export type DedupeVerdict = 'new' | 'duplicate' | 'too-old';

export interface DedupeOptions {
  /** How far behind the newest event time keys are kept (and signals accepted). Default 1 hour. */
  horizonMs?: number;
  /** Hard cap on remembered keys. Default 1,000,000. */
  maxKeys?: number;
  /** Bucket width; default horizonMs / 32 (at least 1 ms). */
  bucketMs?: number;
}

export interface DedupeStats {
  keys: number;
  duplicates: number;
  tooOld: number;
  evictedKeys: number;
  forcedEvictions: number;
}

export interface Dedupe {
  /** Checks and, when 'new', remembers the key. */
  check(source: string, id: string, eventTime: number): DedupeVerdict;
  /** Event time below which signals are answered 'too-old'. */
  readonly floor: number;
  readonly size: number;
  stats(): DedupeStats;
}

interface SourceKeys {
  ids: Set<string>;
  /** bucket index → ids with event time in [b·bucketMs, (b+1)·bucketMs). */
  buckets: Map<number, string[]>;
  lastB: number;
  lastArr: string[] | undefined;
}

export function createDedupe(opts: DedupeOptions = {}): Dedupe {
  const horizonMs = opts.horizonMs ?? 3_600_000;
  const maxKeys = opts.maxKeys ?? 1_000_000;
  const bucketMs = Math.max(1, Math.floor(opts.bucketMs ?? horizonMs / 32));
  if (!(horizonMs >= 0)) throw new RangeError('dedupe horizonMs must be >= 0');
  if (!(maxKeys >= 1)) throw new RangeError('dedupe maxKeys must be >= 1');

  // Keyed per source, then by id: no concatenated key string to build and hash per signal.
  const sources = new Map<string, SourceKeys>();
  let size = 0;
  let floor = -Infinity;
  let maxSeen = -Infinity;
  let lowest = Infinity; // lowest bucket index that may be present (any source)
  let lastSource = '';
  let lastKeys: SourceKeys | undefined;
  const st: DedupeStats = { keys: 0, duplicates: 0, tooOld: 0, evictedKeys: 0, forcedEvictions: 0 };

  function dropBucket(b: number): void {
    for (const sk of sources.values()) {
      const arr = sk.buckets.get(b);
      if (arr === undefined) continue;
      for (let i = 0; i < arr.length; i++) sk.ids.delete(arr[i]!);
      size -= arr.length;
      st.evictedKeys += arr.length;
      sk.buckets.delete(b);
      if (b === sk.lastB) {
        sk.lastB = NaN;
        sk.lastArr = undefined;
      }
    }
  }

  function presentBuckets(): number[] {
    const all = new Set<number>();
    for (const sk of sources.values()) for (const b of sk.buckets.keys()) all.add(b);
    return [...all].sort((a, b) => a - b);
  }

  /** Drops every bucket lying entirely below the floor. */
  function evictBelowFloor(): void {
    const limit = Math.floor(floor / bucketMs); // buckets < limit end at or below the floor
    if (!(lowest < limit)) return;
    if (limit - lowest > 256) {
      for (const b of presentBuckets()) if (b < limit) dropBucket(b);
    } else {
      for (let b = lowest; b < limit; b++) dropBucket(b);
    }
    lowest = limit;
  }

  return {
    check(source, id, eventTime) {
      if (eventTime < floor) {
        st.tooOld++;
        return 'too-old';
      }
      let sk = source === lastSource ? lastKeys : sources.get(source);
      if (sk === undefined) {
        sk = { ids: new Set(), buckets: new Map(), lastB: NaN, lastArr: undefined };
        sources.set(source, sk);
      }
      lastSource = source;
      lastKeys = sk;
      const ids = sk.ids;
      // One hash operation: add, and a size that did not grow means the id was there already.
      const had = ids.size;
      ids.add(id);
      if (ids.size === had) {
        st.duplicates++;
        return 'duplicate';
      }
      size++;
      const b = Math.floor(eventTime / bucketMs);
      let arr = b === sk.lastB ? sk.lastArr : sk.buckets.get(b);
      if (arr === undefined) {
        arr = [];
        sk.buckets.set(b, arr);
        if (b < lowest) lowest = b;
      }
      arr.push(id);
      sk.lastB = b;
      sk.lastArr = arr;
      if (eventTime > maxSeen) {
        maxSeen = eventTime;
        const f = maxSeen - horizonMs;
        if (f > floor) {
          floor = f;
          evictBelowFloor();
        }
      }
      if (size > maxKeys) {
        for (const b0 of presentBuckets()) {
          if (size <= maxKeys) break;
          st.forcedEvictions++;
          floor = Math.max(floor, (b0 + 1) * bucketMs);
          dropBucket(b0);
          lowest = b0 + 1;
        }
      }
      return 'new';
    },
    get floor() {
      return floor;
    },
    get size() {
      return size;
    },
    stats() {
      return { ...st, keys: size };
    },
  };
}
