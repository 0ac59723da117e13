/**
 * Hostile signals against the real twin: ≥ 10,000 malformed or hostile signals interleaved with
 * valid traffic through the real pipeline, a real SQLite journal and the real XState twin. Zero
 * throws, every hostile one dead-lettered with a reason, and the twin's state hash is exactly what
 * it was before each hostile burst.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIngestPipeline } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import { createTwin } from '../../../shared/twin/twin';
import { openJournal } from '../../../main/core/persistence/journal';
import { examples, plant, T0 } from '../ingest/helpers';

const ex = examples(T0);
const HOUR = 3_600_000;

/** Signals that must be rejected whatever state the twin is in. */
const hostile = fc.oneof(
  fc.tuple(fc.nat(ex.length - 1), fc.constantFrom('machine', 'line', 'component', 'location', 'sku', 'customer'), fc.string({ maxLength: 40 })).map(([i, f, v]) => {
    const s = { ...ex[i]! } as Record<string, unknown>;
    if (!(f in s)) s.machine = `zz-${v}`;
    else s[f] = `zz-${v}`;
    if (s.type !== 'machine.state' && s.type !== 'production.count' && !(f in ex[i]!)) s.type = 'machine.state';
    return s;
  }),
  fc.tuple(fc.constantFrom('good', 'scrap'), fc.constantFrom(-1, -0.5, 1e12, Number.NaN, Number.POSITIVE_INFINITY, '7', null)).map(([f, v]) => ({ ...ex[10]!, [f]: v })),
  fc.tuple(fc.nat(ex.length - 1), fc.constantFrom(T0 + 2 * HOUR, T0 + 365 * 24 * HOUR, 0, -5, 1.5)).map(([i, t]) => ({ ...ex[i]!, eventTime: t, receiveTime: T0 })),
  fc.tuple(fc.nat(ex.length - 1), fc.constantFrom('id', 'source', 'type', 'eventTime', 'seq')).map(([i, f]) => {
    const s = { ...ex[i]! } as Record<string, unknown>;
    delete s[f];
    return s;
  }),
  fc.tuple(fc.nat(ex.length - 1), fc.integer({ min: 200, max: 70_000 })).map(([i, n]) => ({ ...ex[i]!, id: 'B'.repeat(n) })),
  fc.constantFrom('not json', '{"type":"machine.state"', '[]', 'null', '42', '{"__proto__":{"polluted":1}}'),
  fc.anything().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
);

describe('hostile signals against the real twin', () => {
  it('rejects ≥ 10,000 hostile signals without a crash and without changing the twin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-twin-fuzz-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    const twin = createTwin(plant, { startTime: T0 - HOUR });
    const dead: { reason: string }[] = [];
    const pipeline = createIngestPipeline({
      index: createPlantIndex(plant),
      journal: { append: (b) => journal.append(b) },
      deliver: (b, pos) => twin.applyBatch(b, pos),
      onDeadLetter: (d) => dead.push(d),
    });
    let hostileCount = 0;
    let validSeq = 0;
    try {
      fc.assert(
        fc.property(fc.array(hostile, { minLength: 40, maxLength: 80 }), fc.nat(ex.length - 1), (burst, vi) => {
          // Some valid traffic first, so the twin has state to protect.
          const v = { ...ex[vi]!, id: `ok-${++validSeq}`, seq: validSeq, eventTime: T0 + validSeq, receiveTime: T0 + validSeq };
          pipeline.push(v);
          pipeline.flush();
          const before = twin.hash();
          const deadBefore = dead.length;
          for (const raw of burst) expect(pipeline.push(raw)).not.toBe('accepted');
          pipeline.flush();
          hostileCount += burst.length;
          expect(dead.length - deadBefore).toBe(burst.length);
          expect(dead.slice(deadBefore).every((d) => typeof d.reason === 'string' && d.reason.length > 0)).toBe(true);
          expect(twin.hash()).toBe(before);
        }),
        { numRuns: 200, seed: 4242 },
      );
      expect(hostileCount).toBeGreaterThanOrEqual(10_000);
      // Every valid signal was journaled and delivered; none of the hostile ones was.
      expect(journal.lastPosition).toBe(validSeq);
      expect(twin.position).toBe(validSeq);
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
