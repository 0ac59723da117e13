import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signalSchema, signalTypes } from '../../../shared/signals/schema';
import { compileFastChecks, createValidator, type Rejection } from '../../../shared/ingest/validate';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import { examples, plant, T0 } from './helpers';

const index = createPlantIndex(plant);
const validate = createValidator({ index });
const rejected = (raw: unknown, ctx?: { receiveTime?: number }) => {
  const r = validate(raw, ctx);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  return r as Rejection;
};

describe('validate', () => {
  it('accepts one valid signal of every type, as object and as JSON text', () => {
    const ex = examples();
    expect(new Set(ex.map((s) => s.type))).toEqual(new Set(signalTypes));
    for (const s of ex) {
      const r = validate(s);
      expect(r.ok, `${s.type}: ${JSON.stringify(r)}`).toBe(true);
      if (r.ok) {
        expect(r.signal).toEqual(s);
        expect(r.verbatim).toBe(true); // every example takes the compiled fast path
      }
      const t = validate(JSON.stringify(s));
      expect(t.ok).toBe(true);
    }
  });

  it('compiles a fast check for every signal type from the zod schemas', () => {
    expect([...compileFastChecks().keys()].sort()).toEqual([...signalTypes].sort());
  });

  it('fills defaults through zod (order.created without priority)', () => {
    const s = examples()[0] as Extract<ReturnType<typeof examples>[number], { type: 'order.created' }>;
    const { priority: _p, ...order } = s.order;
    const r = validate({ ...s, order });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.verbatim).toBe(false);
      expect((r.signal as typeof s).order.priority).toBe(3);
    }
  });

  it('fast path never accepts what zod rejects, and accepts exactly what zod would output (random mutations)', () => {
    const checks = compileFastChecks();
    const ex = examples();
    const keys = ['id', 'source', 'seq', 'eventTime', 'receiveTime', 'type', 'machine', 'state', 'good', 'scrap', 'qty', 'order', 'line', 'priority', 'reason', '__proto__', 'constructor', 'extra'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ex.length - 1 }), fc.constantFrom(...keys), fc.anything({ withNullPrototype: true, withObjectString: true }), fc.boolean(), (i, key, value, viaJson) => {
        const base = JSON.parse(JSON.stringify(ex[i]));
        let obj: Record<string, unknown> = base;
        if (viaJson) {
          const text = JSON.stringify(value);
          obj = JSON.parse(`{${JSON.stringify(base).slice(1, -1)},${JSON.stringify(key)}:${text === undefined ? 'null' : text}}`);
        } else {
          Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
        }
        const fast = checks.get(obj.type as string);
        if (fast && fast(obj)) {
          const z = signalSchema.safeParse(obj);
          expect(z.success).toBe(true);
          if (z.success) expect(z.data).toEqual(obj);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects text that is not JSON, and non-objects', () => {
    expect(rejected('{"id": ').code).toBe('json');
    expect(rejected('[1,2]').reason).toMatch(/JSON object/);
    expect(rejected(42).reason).toMatch(/JSON object.*number/);
    expect(rejected(null).reason).toMatch(/null/);
    expect(rejected('x'.repeat(70_000)).code).toBe('size');
  });

  it('rejects an unknown type naming the known ones', () => {
    const r = rejected({ ...examples()[9], type: 'machine.exploded' });
    expect(r.path).toBe('type');
    expect(r.reason).toMatch(/unknown signal type "machine.exploded".*machine.state/);
  });

  it('rejects shape errors with the path of the field', () => {
    const ms = examples()[9]!;
    expect(rejected({ ...ms, machine: 7 }).path).toBe('machine');
    expect(rejected({ ...ms, state: 'on fire' }).path).toBe('state');
    expect(rejected({ ...ms, seq: -1 }).path).toBe('seq');
    expect(rejected({ ...ms, eventTime: 1.5 }).path).toBe('eventTime');
    expect(rejected({ ...ms, extra: 1 }).reason).toMatch(/extra/);
    const { machine: _m, ...noMachine } = ms as Record<string, unknown>;
    expect(rejected(noMachine).path).toBe('machine');
    expect(rejected(JSON.parse(`{${JSON.stringify(ms).slice(1, -1)},"__proto__":{"polluted":1}}`)).reason).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const order = examples()[0] as { order: object };
    expect(rejected({ ...order, order: { ...order.order, qty: 0 } }).path).toBe('order.qty');
  });

  it('rejects references to ids the plant does not have, naming the id and the known ones', () => {
    const ex = examples();
    const cases: [number, Record<string, unknown>, string, RegExp][] = [
      [9, { machine: 'L9-M9' }, 'machine', /unknown machine "L9-M9".*4 machines: L1-M1/],
      [11, { line: 'L7' }, 'line', /unknown line "L7".*2 lines: L1, L2/],
      [5, { component: 'C9' }, 'component', /unknown component "C9"/],
      [5, { location: 'NOWHERE' }, 'location', /unknown location "NOWHERE".*locations: WH, LS1|LS1, WH/],
      [4, { sku: 'SKU-X' }, 'sku', /unknown sku "SKU-X".*SKUs: SKU-1/],
      [4, { customer: 'NOPE' }, 'customer', /unknown customer "NOPE"/],
    ];
    for (const [i, patch, path, re] of cases) {
      const r = rejected({ ...ex[i], ...patch });
      expect(r.code).toBe('reference');
      expect(r.path).toBe(path);
      expect(r.reason).toMatch(re);
    }
    const oc = ex[0] as { order: object };
    expect(rejected({ ...oc, order: { ...oc.order, customer: 'X' } }).path).toBe('order.customer');
  });

  it('rejects impossible quantities', () => {
    const pc = examples()[10]!;
    expect(rejected({ ...pc, good: -1 }).path).toBe('good');
    const absurd = rejected({ ...pc, scrap: 2e7 });
    expect(absurd.code).toBe('quantity');
    expect(absurd.reason).toMatch(/scrap = 20000000 is implausible/);
    expect(rejected({ ...examples()[7], qtyDelta: -5e7 }).code).toBe('quantity');
    expect(rejected({ ...pc, good: Number.NaN }).path).toBe('good');
    expect(rejected({ ...pc, good: Number.POSITIVE_INFINITY }).path).toBe('good');
  });

  it('rejects far-future and ancient event times against receive time', () => {
    const pc = examples()[10]!;
    const future = rejected({ ...pc, eventTime: T0 + 10 * 60_000 });
    expect(future.code).toBe('time');
    expect(future.reason).toMatch(/after receive time.*clock skew/);
    expect(validate({ ...pc, eventTime: T0 + 4 * 60_000 }).ok).toBe(true);
    expect(rejected({ ...pc, eventTime: T0 - 40 * 86_400_000 }).reason).toMatch(/before receive time/);
    // The edge's receive time wins over the signal's own.
    expect(rejected(pc, { receiveTime: T0 - 3_600_000 }).code).toBe('time');
    const tight = createValidator({ index, clockSkewMs: 0 });
    expect(tight({ ...pc, eventTime: pc.receiveTime + 1 }).ok).toBe(false);
  });

  it('survives hostile objects (throwing getters, proxies)', () => {
    const hostile = Object.defineProperty({ ...examples()[9] }, 'machine', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(validate(hostile).ok).toBe(false);
    const proxy = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    expect(validate(proxy).ok).toBe(false);
  });
});
