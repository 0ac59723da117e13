/**
 * Hostile-input fuzz: ≥ 10,000 malformed, hostile and valid-but-awkward signals through the real
 * pipeline and a real SQLite journal. Zero throws; every push ends in exactly one of accepted,
 * duplicate or dead-lettered; every rejection is in the dead-letter table with a reason; and the
 * state folded from what was delivered equals the state folded from the accepted signals alone
 * (rejected ones changed nothing).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIngestPipeline, type PushOutcome } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import { createValidator } from '../../../shared/ingest/validate';
import type { Signal } from '../../../shared/signals/schema';
import { openJournal } from '../../../main/core/persistence/journal';
import { examples, plant, T0 } from './helpers';

const index = createPlantIndex(plant);

/** A tiny hash-able state: what a twin would fold (counts, states, stock, everything else by type). */
function createFold() {
  const st = new Map<string, number | string>();
  const add = (k: string, v: number) => st.set(k, ((st.get(k) as number) ?? 0) + v);
  return {
    apply(s: Signal) {
      switch (s.type) {
        case 'production.count':
          add(`good/${s.machine}`, s.good);
          add(`scrap/${s.machine}`, s.scrap);
          break;
        case 'machine.state':
          st.set(`state/${s.machine}`, s.state);
          break;
        case 'inventory.receipt':
          add(`stock/${s.component}/${s.location}`, s.qty);
          break;
        case 'inventory.issue':
          add(`stock/${s.component}/${s.location}`, -s.qty);
          break;
        case 'inventory.adjustment':
          add(`stock/${s.component}/${s.location}`, s.qtyDelta);
          break;
        default:
          add(`n/${s.type}`, 1);
      }
    },
    hash: () => JSON.stringify([...st].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

const ex = examples(T0);
const fields = ['id', 'source', 'seq', 'eventTime', 'receiveTime', 'type', 'machine', 'state', 'good', 'scrap', 'qty', 'qtyDelta', 'line', 'component', 'location', 'sku', 'customer', 'order', 'orderId'];
const hostileKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** One raw item and how to push it. */
const item = fc.oneof(
  // valid, with fresh or re-used ids and jittered times (duplicates, out of order, late)
  { weight: 6, arbitrary: fc.record({ i: fc.nat(ex.length - 1), id: fc.nat(400), src: fc.constantFrom('mes', 'erp'), dt: fc.integer({ min: -8000, max: 600_000 }), seq: fc.nat(1000), text: fc.boolean() }).map(({ i, id, src, dt, seq, text }) => {
    const s = { ...ex[i]!, id: `x-${id}`, source: src, seq, eventTime: T0 + dt, receiveTime: T0 + dt + 5 };
    return text ? JSON.stringify(s) : s;
  }) },
  // wrong type for one field
  { weight: 3, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.constantFrom(...fields), fc.anything({ withNullPrototype: true, withBigInt: true, withTypedArray: true, withDate: true, withMap: true, withSet: true })).map(([i, f, v]) => ({ ...ex[i]!, id: `w-${f}`, [f]: v })) },
  // unknown ids
  { weight: 2, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.constantFrom('machine', 'line', 'component', 'location', 'sku', 'customer'), fc.string({ maxLength: 70 })).map(([i, f, v]) => ({ ...ex[i]!, id: `u-${v}`, [f]: `zz-${v}` })) },
  // negative, absurd, NaN-ish quantities
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(10, 5, 6, 7, 8), fc.constantFrom('good', 'scrap', 'qty', 'qtyDelta'), fc.oneof(fc.double(), fc.constantFrom(-1, 1e7 + 1, 1e12, -1e8, Number.NaN, Number.POSITIVE_INFINITY, -0))).map(([i, f, v]) => ({ ...ex[i]!, id: `q-${v}`, [f]: v })) },
  // future / ancient / absurd timestamps
  { weight: 2, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.oneof(fc.integer({ min: -1e13, max: 1e13 }), fc.constantFrom(T0 + 6 * 60_000, T0 - 31 * 86_400_000, 0, -1, 1e300))).map(([i, t]) => ({ ...ex[i]!, id: `t-${t}`, eventTime: t })) },
  // huge strings
  { weight: 1, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.constantFrom('id', 'source', 'machine', 'reason', 'description'), fc.integer({ min: 65, max: 80_000 })).map(([i, f, n]) => JSON.stringify({ ...ex[i]!, [f]: 'A'.repeat(n) })) },
  // prototype-pollution keys, in JSON text (own keys after parse) and as defined properties
  { weight: 2, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.constantFrom(...hostileKeys), fc.jsonValue(), fc.boolean()).map(([i, k, v, text]) => {
    if (text) return `{${JSON.stringify(ex[i]!).slice(1, -1)},${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}}`;
    const o: Record<string, unknown> = { ...ex[i]! };
    Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
    return o;
  }) },
  // not objects at all, or not JSON
  { weight: 2, arbitrary: fc.oneof(fc.anything(), fc.string(), fc.json(), fc.constantFrom('', '{', 'null', '[]', '{"type":"clock.tick"}', '\u0000', '{"__proto__":{"type":"clock.tick"}}')) },
  // truncated JSON text of a valid signal
  { weight: 1, arbitrary: fc.tuple(fc.nat(ex.length - 1), fc.nat(300)).map(([i, n]) => JSON.stringify(ex[i]!).slice(0, n)) },
);

describe('ingest fuzz (hostile signals)', () => {
  it('≥ 10,000 hostile signals: no throw, full accounting, every rejection dead-lettered, rejected ones change nothing', () => {
    let total = 0;
    fc.assert(
      fc.property(fc.array(item, { minLength: 900, maxLength: 1300 }), fc.constantFrom(0, 2000), (raws, latenessMs) => {
        const dir = mkdtempSync(join(tmpdir(), 'takt-fuzz-'));
        const journal = openJournal(join(dir, 'j.sqlite'));
        try {
          const fold = createFold();
          const delivered: Signal[] = [];
          const dead: string[] = [];
          const p = createIngestPipeline({
            index,
            journal,
            latenessMs,
            batchSize: 97,
            deliver: (b) => {
              for (const s of b) {
                fold.apply(s);
                delivered.push(s);
              }
            },
            onDeadLetter: (d) => dead.push(d.reason),
          });
          const outcomes: PushOutcome[] = [];
          const accepted: unknown[] = [];
          for (const raw of raws) {
            const o = p.push(raw, { origin: 'fuzz' });
            outcomes.push(o);
            if (o === 'accepted') accepted.push(raw);
          }
          p.flush();
          total += raws.length;
          const st = p.stats();
          expect(st.pushed).toBe(raws.length);
          expect(st.accepted + st.duplicates + st.deadLettered).toBe(st.pushed);
          expect(st.accepted).toBeGreaterThan(0);
          expect(st.duplicates).toBeGreaterThan(0);
          const rejected = outcomes.filter((o) => typeof o === 'object');
          expect(rejected).toHaveLength(st.deadLettered);
          expect(dead).toHaveLength(st.deadLettered);
          expect(journal.countDeadLetters()).toBe(st.deadLettered);
          for (const r of rejected) expect(typeof r === 'object' && r.reason.length > 0).toBe(true);
          for (const d of journal.listDeadLetters(5000)) expect(d.reason.length).toBeGreaterThan(0);
          // Delivered = journaled = accepted, and every delivered signal is valid against the plant.
          expect(delivered).toHaveLength(st.accepted);
          expect(journal.lastPosition).toBe(st.accepted);
          expect([...journal.readFrom(1)].map((r) => r.signal)).toEqual(JSON.parse(JSON.stringify(delivered)));
          const check = createValidator({ index, clockSkewMs: Infinity, maxAgeMs: Infinity });
          for (const s of delivered) expect(check(s).ok).toBe(true);
          // Rejected and duplicate signals changed nothing: the accepted ones alone give the same state.
          const fold2 = createFold();
          const j2 = openJournal(join(dir, 'j2.sqlite'));
          const p2 = createIngestPipeline({ index, journal: j2, latenessMs, deliver: (b) => b.forEach((s) => fold2.apply(s)) });
          for (const raw of accepted) expect(p2.push(raw)).toBe('accepted');
          p2.flush();
          j2.close();
          expect(fold2.hash()).toBe(fold.hash());
          // The prototype was not polluted.
          expect(({} as Record<string, unknown>).type).toBeUndefined();
        } finally {
          journal.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 10, seed: 20260101 },
    );
    expect(total).toBeGreaterThanOrEqual(10_000);
  }, 180_000);
});
