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
 * more than `maxKeys` (default 1,000,000, roughly 100 MB with ids of ~20 characters): past that the oldest bucket is dropped
 * and the floor raised just above the newest event time it held — trading late acceptance for
 * memory, never correctness (`stats.forcedEvictions` counts it). Just above that event time, not to
 * the bucket's end: a flood of signals with nearly one event time fills one bucket, and a floor at
 * its end would lie up to a bucket's width (horizon / 32) ahead of every event time ever accepted,
 * refusing on-time signals as 'too-old' (and again after every restart, which re-arms the same keys).
 * So the floor never passes the newest accepted event time by more than a millisecond; `floorCause`
 * says which rule set it, for the rejection's message. `horizonMs` must be at least the reorder lateness window so
 * that in-window signals are never 'too-old'; the pipeline enforces that.
 *
 * Storage (speed). The keys live in one open-addressing table of typed arrays (linear probing,
 * deletion by backward shift, so no tombstones): per slot a 32-bit hash of (source, id) and an
 * entry number; per entry the hash, a source number and where the id's characters are. Those lie
 * in a byte arena of the entry's time bucket (one byte per character, two when the id has one above
 * 255), dropped with the bucket. No JS string is kept per key: a million remembered ids would be a
 * million old-generation objects for the garbage collector to promote, mark and sweep. A new key
 * costs one string hash computed here and, almost always, one probe into a flat Int32Array. A JS
 * `Set` of strings with the same bucket bookkeeping cost about twice this per signal in the
 * ingest stream (its backing store re-hashes as deletes accumulate, each probe chases pointers
 * to key strings, and the strings load the GC). The hash is
 * seeded (`hashSeed`; the core passes a random one) so that crafted ids cannot force long probe
 * runs on a table whose hash an attacker could otherwise compute offline.
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
  /** Seed of the key hash (any 32-bit integer). Verdicts never depend on it, only probe lengths do. */
  hashSeed?: number;
  /** Replaces the key hash; tests pass a weak one to force long collision runs. */
  hash?: (text: string, seed: number) => number;
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
  /** What set the floor: the horizon behind the newest event time, or the `maxKeys` memory cap. */
  readonly floorCause: 'horizon' | 'capacity';
  /** Newest event time accepted. */
  readonly newest: number;
  readonly size: number;
  stats(): DedupeStats;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** FNV-1a over the UTF-16 code units of `s`, from `seed`, finalised. */
function hashString(s: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

const MIN_CAPACITY = 1024;

/** The keys whose event time falls in one bucket, and their ids' characters. */
interface Bucket {
  /** Index in `bucketAt` (entries refer to their bucket by it). */
  slot: number;
  ents: Int32Array;
  count: number;
  /** The ids, one after another: one byte per character when all are below 256, else two. */
  bytes: Uint8Array;
  used: number;
  /** Newest event time of a key in it. */
  maxTime: number;
}

export function createDedupe(opts: DedupeOptions = {}): Dedupe {
  const horizonMs = opts.horizonMs ?? 3_600_000;
  const maxKeys = opts.maxKeys ?? 1_000_000;
  const bucketMs = Math.max(1, Math.floor(opts.bucketMs ?? horizonMs / 32));
  const seed = (opts.hashSeed ?? 0) | 0;
  const hashOf = opts.hash ?? hashString;
  if (!(horizonMs >= 0)) throw new RangeError('dedupe horizonMs must be >= 0');
  if (!(maxKeys >= 1)) throw new RangeError('dedupe maxKeys must be >= 1');

  // Sources get small numbers and a hash seed of their own: a key is (source number, id).
  const sourceNo = new Map<string, number>();
  const sourceSeed: number[] = [];
  let lastSource: string | undefined;
  let lastNo = 0;
  let lastSeed = 0;

  // Entries (freed numbers are reused): hash, source number, and where the id's characters are
  // (bucket slot, byte offset, length in characters, width).
  let entHash = new Int32Array(MIN_CAPACITY);
  let entSrc = new Int32Array(MIN_CAPACITY);
  let entBkt = new Int32Array(MIN_CAPACITY); // -1: free
  let entOff = new Int32Array(MIN_CAPACITY);
  let entLen = new Int32Array(MIN_CAPACITY); // in characters
  let entWide = new Uint8Array(MIN_CAPACITY); // 1: two bytes per character
  let entries = 0; // high-water mark
  const free: number[] = [];

  // The table: slot i is (slots[2i] = hash, slots[2i+1] = entry + 1), 0 = empty. At most half full.
  let capacity = MIN_CAPACITY;
  let mask = capacity - 1;
  let slots = new Int32Array(2 * capacity);

  // Eviction: bucket index → its keys; a dropped bucket takes its characters with it.
  const buckets = new Map<number, Bucket>();
  const bucketAt: (Bucket | undefined)[] = [];
  const freeBucketSlots: number[] = [];
  let lastB = NaN;
  let lastBucket: Bucket | undefined;

  let size = 0;
  let floor = -Infinity;
  let floorCause: 'horizon' | 'capacity' = 'horizon';
  let maxSeen = -Infinity;
  let lowest = Infinity; // lowest bucket index that may be present
  const st: DedupeStats = { keys: 0, duplicates: 0, tooOld: 0, evictedKeys: 0, forcedEvictions: 0 };

  function placeSlot(h: number, e: number): void {
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = e + 1;
  }

  /**
   * Doubles the table. The old slots are read in order, from just after an empty one, so each probe
   * run is moved from its start: an entry at old slot i goes to i or i + old capacity (its home
   * gains one bit), and the writes run through the new table in two sequential streams instead of
   * jumping at random (a rehash of half a million keys stalled ingest for tens of ms that way).
   * Any insertion order gives a valid linear-probing table; this one is just cache-friendly.
   */
  function grow(): void {
    const old = slots;
    const oldMask = mask;
    capacity *= 2;
    mask = capacity - 1;
    slots = new Int32Array(2 * capacity);
    let start = 0;
    while (old[2 * start + 1] !== 0) start++; // the table is at most half full: there is one
    for (let k = 1; k <= oldMask + 1; k++) {
      const i = (start + k) & oldMask;
      const e1 = old[2 * i + 1]!;
      if (e1 !== 0) placeSlot(old[2 * i]!, e1 - 1);
    }
  }

  function sameId(e: number, id: string): boolean {
    const len = entLen[e]!;
    if (len !== id.length) return false;
    const bytes = bucketAt[entBkt[e]!]!.bytes;
    const off = entOff[e]!;
    if (entWide[e] === 0) {
      for (let k = 0; k < len; k++) if (bytes[off + k] !== id.charCodeAt(k)) return false;
    } else {
      for (let k = 0; k < len; k++) if ((bytes[off + 2 * k]! | (bytes[off + 2 * k + 1]! << 8)) !== id.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Room for `n` more bytes in `bk`. */
  function reserve(bk: Bucket, n: number): void {
    if (bk.used + n <= bk.bytes.length) return;
    const b = new Uint8Array(Math.max(bk.bytes.length * 2, bk.used + n));
    b.set(bk.bytes.subarray(0, bk.used));
    bk.bytes = b;
  }

  function resized(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
    const b = new Int32Array(n);
    b.set(n >= a.length ? a : a.subarray(0, n));
    return b;
  }

  function resizedBytes(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
    const b = new Uint8Array(n);
    b.set(n >= a.length ? a : a.subarray(0, n));
    return b;
  }

  /** Gives every entry array room for `n` entries (keeping the first min(n, current) of each). */
  function resizeEntries(n: number): void {
    entHash = resized(entHash, n);
    entSrc = resized(entSrc, n);
    entBkt = resized(entBkt, n);
    entOff = resized(entOff, n);
    entLen = resized(entLen, n);
    entWide = resizedBytes(entWide, n);
  }

  function bucketFor(b: number): Bucket {
    if (b === lastB) return lastBucket!;
    let bk = buckets.get(b);
    if (bk === undefined) {
      const slot = freeBucketSlots.length > 0 ? freeBucketSlots.pop()! : bucketAt.length;
      bk = { slot, ents: new Int32Array(64), count: 0, bytes: new Uint8Array(1024), used: 0, maxTime: -Infinity };
      bucketAt[slot] = bk;
      buckets.set(b, bk);
      if (b < lowest) lowest = b;
    }
    lastB = b;
    lastBucket = bk;
    return bk;
  }

  /** A new entry for `id`, its characters stored in bucket `bk`. */
  function newEntry(id: string, src: number, h: number, bk: Bucket): number {
    let e: number;
    if (free.length > 0) e = free.pop()!;
    else {
      e = entries++;
      if (e === entHash.length) resizeEntries(entHash.length * 2);
    }
    const len = id.length;
    const off = bk.used;
    reserve(bk, len);
    let bytes = bk.bytes;
    let wide = 0;
    for (let k = 0; k < len; k++) {
      const c = id.charCodeAt(k);
      if (c > 255) {
        wide = 1;
        break;
      }
      bytes[off + k] = c;
    }
    if (wide === 1) {
      reserve(bk, 2 * len);
      bytes = bk.bytes;
      for (let k = 0; k < len; k++) {
        const c = id.charCodeAt(k);
        bytes[off + 2 * k] = c & 255;
        bytes[off + 2 * k + 1] = c >>> 8;
      }
    }
    bk.used = off + (wide === 1 ? 2 * len : len);
    if (bk.count === bk.ents.length) {
      const a = new Int32Array(bk.ents.length * 2);
      a.set(bk.ents);
      bk.ents = a;
    }
    bk.ents[bk.count++] = e;
    entHash[e] = h;
    entSrc[e] = src;
    entBkt[e] = bk.slot;
    entOff[e] = off;
    entLen[e] = len;
    entWide[e] = wide;
    return e;
  }

  /** Removes entry `e` from the table (backward-shift deletion) and frees it. */
  function removeEntry(e: number): void {
    let i = entHash[e]! & mask;
    while (slots[2 * i + 1] !== e + 1) {
      // An empty slot before the entry would mean the table lost it: fail loudly, never spin.
      if (slots[2 * i + 1] === 0) throw new Error(`dedupe: entry ${e} is missing from its probe run`);
      i = (i + 1) & mask;
    }
    // Shift back every later entry of the run that may live at i (its home is not in (i, j]).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const ej = slots[2 * j + 1]!;
      if (ej === 0) break;
      const home = slots[2 * j]! & mask;
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      slots[2 * i] = slots[2 * j]!;
      slots[2 * i + 1] = ej;
      i = j;
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    entBkt[e] = -1;
    free.push(e);
  }

  function dropBucket(b: number): void {
    const bk = buckets.get(b);
    if (bk === undefined) return;
    for (let k = 0; k < bk.count; k++) removeEntry(bk.ents[k]!);
    size -= bk.count;
    st.evictedKeys += bk.count;
    buckets.delete(b);
    bucketAt[bk.slot] = undefined;
    freeBucketSlots.push(bk.slot);
    if (b === lastB) {
      lastB = NaN;
      lastBucket = undefined;
    }
    // Give memory back once the table is mostly empty (after a burst, or a forced eviction).
    if (entries > MIN_CAPACITY && size * 8 < entries) compact();
  }

  /** Renumbers the live entries densely and rebuilds a table sized for them. */
  function compact(): void {
    const map = new Int32Array(entries);
    let n = 0;
    for (let e = 0; e < entries; e++) {
      if (entBkt[e] === -1) continue;
      map[e] = n;
      entHash[n] = entHash[e]!;
      entSrc[n] = entSrc[e]!;
      entBkt[n] = entBkt[e]!;
      entOff[n] = entOff[e]!;
      entLen[n] = entLen[e]!;
      entWide[n] = entWide[e]!;
      n++;
    }
    for (const bk of buckets.values()) for (let k = 0; k < bk.count; k++) bk.ents[k] = map[bk.ents[k]!]!;
    entries = n;
    free.length = 0;
    const keep = Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(n * 2 + 1)));
    resizeEntries(keep);
    capacity = keep;
    mask = capacity - 1;
    slots = new Int32Array(2 * capacity);
    for (let e = 0; e < n; e++) placeSlot(entHash[e]!, e);
  }

  function presentBuckets(): number[] {
    return [...buckets.keys()].sort((a, b) => a - b);
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
      if (source !== lastSource) {
        let no = sourceNo.get(source);
        if (no === undefined) {
          no = sourceSeed.length;
          sourceNo.set(source, no);
          sourceSeed.push(hashOf(source, seed) | 0);
        }
        lastSource = source;
        lastNo = no;
        lastSeed = sourceSeed[no]!;
      }
      const h = hashOf(id, lastSeed) | 0;
      let i = h & mask;
      for (;;) {
        const e1 = slots[2 * i + 1]!;
        if (e1 === 0) break;
        if (slots[2 * i] === h && entSrc[e1 - 1] === lastNo && sameId(e1 - 1, id)) {
          st.duplicates++;
          return 'duplicate';
        }
        i = (i + 1) & mask;
      }
      const bk = bucketFor(Math.floor(eventTime / bucketMs));
      if (eventTime > bk.maxTime) bk.maxTime = eventTime;
      const e = newEntry(id, lastNo, h, bk);
      slots[2 * i] = h;
      slots[2 * i + 1] = e + 1;
      size++;
      if (size * 2 > capacity) grow();
      if (eventTime > maxSeen) {
        maxSeen = eventTime;
        const f = maxSeen - horizonMs;
        if (f > floor) {
          floor = f;
          floorCause = 'horizon';
          evictBelowFloor();
        }
      }
      if (size > maxKeys) {
        for (const b0 of presentBuckets()) {
          if (size <= maxKeys) break;
          st.forcedEvictions++;
          const above = buckets.get(b0)!.maxTime + 1;
          if (above > floor) {
            floor = above;
            floorCause = 'capacity';
          }
          dropBucket(b0);
          lowest = b0 + 1;
        }
      }
      return 'new';
    },
    get floor() {
      return floor;
    },
    get floorCause() {
      return floorCause;
    },
    get newest() {
      return maxSeen;
    },
    get size() {
      return size;
    },
    stats() {
      return { ...st, keys: size };
    },
  };
}
