import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDedupe } from '../../../shared/ingest/dedupe';
import { T0 } from './helpers';

describe('dedupe', () => {
  it('drops a second signal with the same (source, id), not one with another source', () => {
    const d = createDedupe();
    expect(d.check('mes', 'a', T0)).toBe('new');
    expect(d.check('mes', 'a', T0)).toBe('duplicate');
    expect(d.check('mes', 'a', T0 + 10)).toBe('duplicate'); // same key, other time: still a duplicate
    expect(d.check('erp', 'a', T0)).toBe('new');
    expect(d.stats()).toMatchObject({ keys: 2, duplicates: 2 });
  });

  it('stays bounded on a long stream: keys only within the horizon', () => {
    const horizon = 60_000;
    const d = createDedupe({ horizonMs: horizon });
    let max = 0;
    for (let i = 0; i < 300_000; i++) {
      d.check('mes', `m-${i}`, T0 + i * 10); // 100 signals per second of event time
      max = Math.max(max, d.size);
    }
    // 60 s × 100/s = 6,000 keys in the horizon, plus at most one bucket (horizon/32) of slack.
    expect(max).toBeLessThanOrEqual(6000 + Math.ceil(6000 / 32) + 1);
    expect(d.floor).toBe(T0 + 299_999 * 10 - horizon);
  });

  it('never remembers more than maxKeys, raising the floor instead', () => {
    const d = createDedupe({ horizonMs: 1e12, maxKeys: 1000, bucketMs: 100 });
    for (let i = 0; i < 10_000; i++) d.check('mes', `m-${i}`, T0 + i * 10);
    expect(d.size).toBeLessThanOrEqual(1000);
    expect(d.stats().forcedEvictions).toBeGreaterThan(0);
    // Anything older than the raised floor is refused, so a forgotten key cannot pass again.
    expect(d.check('mes', 'm-0', T0)).toBe('too-old');
  });

  it('property: a re-delivered signal is never "new" twice, whatever the delays and horizon', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.integer({ min: 0, max: 300 }), dt: fc.integer({ min: -5000, max: 5000 }), src: fc.constantFrom('a', 'b') }), { minLength: 1, maxLength: 600 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 50, max: 5000 }),
        (events, horizonMs, maxKeys) => {
          const d = createDedupe({ horizonMs, maxKeys, bucketMs: Math.max(1, Math.floor(horizonMs / 7)) });
          // A message's event time is a function of its key (re-deliveries carry the same content).
          const timeOf = new Map<string, number>();
          let clock = T0;
          const applied = new Set<string>();
          for (const e of events) {
            const key = `${e.src}/${e.id}`;
            clock += 100;
            if (!timeOf.has(key)) timeOf.set(key, clock + e.dt);
            const v = d.check(e.src, String(e.id), timeOf.get(key)!);
            if (v === 'new') {
              expect(applied.has(key)).toBe(false);
              applied.add(key);
            }
          }
          expect(d.size).toBeLessThanOrEqual(maxKeys);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * The specification as the simplest code: a Map of every remembered key to its bucket. The real
 * stage must give the same verdicts, size and floor after every check.
 */
function referenceDedupe(horizonMs: number, maxKeys: number, bucketMs: number) {
  const keys = new Map<string, { b: number; t: number }>();
  let floor = -Infinity;
  let maxSeen = -Infinity;
  let dropped = -Infinity; // every bucket below this is gone already
  const dropBelow = (limit: number) => {
    if (limit <= dropped) return;
    for (const [k, v] of keys) if (v.b < limit) keys.delete(k);
    dropped = limit;
  };
  return {
    check(source: string, id: string, t: number): string {
      if (t < floor) return 'too-old';
      const key = `${source}\u0000${id}`;
      if (keys.has(key)) return 'duplicate';
      const b = Math.floor(t / bucketMs);
      keys.set(key, { b, t });
      if (b < dropped) dropped = b; // a bucket emptied by the memory cap fills again above the floor
      if (t > maxSeen) {
        maxSeen = t;
        if (maxSeen - horizonMs > floor) {
          floor = maxSeen - horizonMs;
          dropBelow(Math.floor(floor / bucketMs));
        }
      }
      while (keys.size > maxKeys) {
        // The memory cap forgets the oldest bucket, and refuses from just past the newest event time it held.
        const b0 = Math.min(...[...keys.values()].map((v) => v.b));
        const newest = Math.max(...[...keys.values()].filter((v) => v.b === b0).map((v) => v.t));
        floor = Math.max(floor, newest + 1);
        for (const [k, v] of keys) if (v.b === b0) keys.delete(k);
      }
      return 'new';
    },
    get floor() {
      return floor;
    },
    get size() {
      return keys.size;
    },
  };
}

describe('dedupe against its specification', () => {
  const hashes: Record<string, ((t: string, seed: number) => number) | undefined> = {
    default: undefined,
    // Every key in one collision run: probing and backward-shift deletion do all the work.
    constant: () => 7,
    // A few long runs that overlap and wrap around the table's end.
    weak: (t) => (t.length * 1021 + t.charCodeAt(t.length - 1)) | 0,
    // Homes in the table's last and first four slots, whatever its size: runs wrap around and meet.
    wrapping: (t) => {
      const c = t.charCodeAt(t.length - 1);
      return c % 2 === 1 ? -1 - (c % 4) : c % 4;
    },
  };
  for (const [name, hash] of Object.entries(hashes)) {
    it(`gives the reference's verdicts, size and floor (${name} hash)`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ id: fc.integer({ min: 0, max: 4000 }), dt: fc.integer({ min: -3000, max: 3000 }), src: fc.constantFrom('mes', 'erp', 'opc'), step: fc.integer({ min: 0, max: 40 }) }), { minLength: 200, maxLength: 2500 }),
          fc.integer({ min: 0, max: 20_000 }),
          fc.integer({ min: 20, max: 3000 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer(),
          (events, horizonMs, maxKeys, buckets, hashSeed) => {
            const bucketMs = Math.max(1, Math.floor(horizonMs / buckets));
            const d = createDedupe({ horizonMs, maxKeys, bucketMs, hashSeed, hash });
            const ref = referenceDedupe(horizonMs, maxKeys, bucketMs);
            let clock = T0;
            for (const e of events) {
              clock += e.step;
              const t = clock + e.dt;
              // Plain ASCII, one-byte non-ASCII (é) and two-byte (✓) ids: both widths of the id store.
              const id = `${e.src === 'opc' ? 'ns=2;s=✓' : e.src === 'erp' ? 'é' : ''}${e.id}`;
              expect(d.check(e.src, id, t)).toBe(ref.check(e.src, id, t));
              expect(d.size).toBe(ref.size);
              expect(d.floor).toBe(ref.floor);
            }
          },
        ),
        { numRuns: name === 'default' ? 60 : 25 },
      );
    });
  }

  for (const [name, hash] of Object.entries(hashes)) {
    it(`finds every key that survives an eviction (${name} hash)`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 300, maxLength: 1500 }), fc.integer({ min: 1, max: 19 }), (slots, cut) => {
          // Keys spread over 20 buckets in random order; then the floor passes `cut` buckets.
          const d = createDedupe({ horizonMs: 100_000, bucketMs: 1000, hash });
          const key = (i: number) => `${i % 3 === 0 ? '✓' : 'k'}${i}`;
          slots.forEach((b, i) => expect(d.check('mes', key(i), T0 + b * 1000)).toBe('new'));
          d.check('mes', 'late-jump', T0 + 100_000 + cut * 1000);
          slots.forEach((b, i) => expect(d.check('mes', key(i), T0 + b * 1000)).toBe(T0 + b * 1000 < d.floor ? 'too-old' : 'duplicate'));
          expect(d.size).toBe(1 + slots.filter((b) => T0 + b * 1000 >= d.floor).length);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('keeps its verdicts through growth, mass eviction and compaction (10^5 keys)', () => {
    const horizonMs = 50_000;
    const d = createDedupe({ horizonMs, bucketMs: 1000 });
    const ref = referenceDedupe(horizonMs, 1_000_000, 1000);
    for (let i = 0; i < 100_000; i++) {
      // A burst of 60k keys at one instant, then a jump past the horizon that evicts all but a few.
      const t = i < 60_000 ? T0 : T0 + 200_000 + i;
      const id = `k-${i % 97 === 0 ? i - 97 : i}`; // some re-deliveries
      const v = d.check('mes', id, t);
      if (v !== ref.check('mes', id, t)) throw new Error(`verdict differs at ${i}`);
    }
    expect(d.size).toBe(ref.size);
    expect(d.floor).toBe(ref.floor);
  });
});
