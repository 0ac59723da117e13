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
