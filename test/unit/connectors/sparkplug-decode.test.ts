/**
 * The Sparkplug connector's one-pass decode (main/connectors/sparkplug-decode.ts) against the
 * library's full decode (sparkplug-payload's decodePayload, numbers made plain): the same payload
 * for every scalar datatype, set and unset fields, null and historical metrics, 64-bit values;
 * the library's own result for datatypes it decodes into objects; a negative Int64 signed, as the spec says; the same error for bytes that
 * are not a payload.
 */
import { describe, expect, it } from 'vitest';
import Long from 'long';
import { decodeSparkplug, decodeSparkplugFull, sparkplugCodec } from '../../../main/connectors/sparkplug-decode';
import { createRng } from '../../../shared/sim/random';

const encode = (p: Parameters<ReturnType<typeof sparkplugCodec>['encodePayload']>[0]) => sparkplugCodec().encodePayload(p);

describe('sparkplug decode', () => {
  it('gives what the library decode gives for every scalar datatype, set or not', () => {
    const payload = encode({
      timestamp: Date.UTC(2026, 0, 1),
      seq: 7,
      metrics: [
        { name: 'i8', type: 'Int8', value: -5, alias: 1, timestamp: 1700000000000 },
        { name: 'i16', type: 'Int16', value: -30000 },
        { name: 'i32', type: 'Int32', value: -2_000_000_000, alias: 3 },
        { name: 'i64', type: 'Int64', value: Long.fromNumber(-9_000_000_000) },
        { name: 'u8', type: 'UInt8', value: 250 },
        { name: 'u16', type: 'UInt16', value: 65000 },
        { name: 'u32', type: 'UInt32', value: 4_000_000_000 },
        { name: 'u64', type: 'UInt64', value: Long.fromNumber(2 ** 40, true) },
        { name: 'f', type: 'Float', value: 1.5 },
        { name: 'd', type: 'Double', value: Math.PI },
        { name: 'b', type: 'Boolean', value: false },
        { name: 's', type: 'String', value: 'RUN' },
        { name: 'dt', type: 'DateTime', value: Long.fromNumber(1_700_000_000_123, true) },
        { name: 't', type: 'Text', value: 'text' },
        { name: 'uuid', type: 'UUID', value: '2b5c6f1e' },
        { name: 'bytes', type: 'Bytes', value: new Uint8Array([1, 2, 3]) },
        { name: 'nul', type: 'Int32', value: null },
        { name: 'hist', type: 'Double', value: 2, isHistorical: true },
        { type: 'Int32', value: 9, alias: 12 }, // by alias, no name (as DDATA after a birth)
      ],
    });
    const lean = decodeSparkplug(payload);
    const full = decodeSparkplugFull(payload);
    // Int64 is signed (the Sparkplug spec): the library passes -9e9 on as an unsigned 64-bit number.
    expect(full.metrics![3]!.value).toBeGreaterThan(2 ** 63);
    expect({ ...lean, metrics: lean.metrics!.filter((_, i) => i !== 3) }).toEqual({ ...full, metrics: full.metrics!.filter((_, i) => i !== 3) });
    expect(lean.metrics!.map((m) => m.value)).toEqual([
      -5,
      -30000,
      -2_000_000_000,
      -9_000_000_000,
      250,
      65000,
      4_000_000_000,
      2 ** 40,
      1.5,
      Math.PI,
      false,
      'RUN',
      1_700_000_000_123,
      'text',
      '2b5c6f1e',
      expect.anything(),
      null,
      2,
      9,
    ]);
    expect(lean.metrics![0]).toMatchObject({ name: 'i8', alias: 1, timestamp: 1700000000000 });
    expect(lean.metrics![18]).toMatchObject({ name: null, alias: 12, timestamp: null });
  });

  it('gives the same for random DDATA and for a payload with no timestamp, seq or metrics', () => {
    const rng = createRng(3);
    const types = ['Int8', 'Int16', 'Int32', 'UInt8', 'UInt16', 'Float', 'Double', 'Boolean', 'String'] as const;
    for (let n = 0; n < 50; n++) {
      const metrics = Array.from({ length: rng.int(0, 30) }, () => {
        const type = rng.pick(types);
        const value = type === 'Boolean' ? rng.chance(0.5) : type === 'String' ? `v${rng.int(0, 9)}` : type.startsWith('U') ? rng.int(0, 200) : rng.int(-100, 100);
        return { alias: rng.int(0, 500), type, value, ...(rng.chance(0.2) ? { isHistorical: true } : {}), ...(rng.chance(0.1) ? { timestamp: rng.int(0, 2 ** 40) } : {}) };
      });
      const payload = encode({ timestamp: rng.int(0, 2 ** 41), seq: rng.int(0, 255), metrics });
      expect(decodeSparkplug(payload)).toEqual(decodeSparkplugFull(payload));
    }
    const empty = encode({});
    expect(decodeSparkplug(empty)).toEqual(decodeSparkplugFull(empty));
  });

  it("takes the library's decode for Template values and for metric properties", () => {
    const payload = encode({
      timestamp: 1,
      metrics: [
        { name: 'x', type: 'Int32', value: 1 },
        { name: 'tpl', type: 'Template', value: { isDefinition: true, metrics: [{ name: 'a', type: 'Int32', value: 1 }] } },
      ],
    });
    expect(decodeSparkplug(payload)).toEqual(decodeSparkplugFull(payload));
    expect(decodeSparkplug(payload).metrics![1]!.value).toMatchObject({ isDefinition: true, metrics: [{ name: 'a', value: 1 }] });
    const withProps = encode({ metrics: [{ name: 'p', type: 'Double', value: 3, properties: { engUnit: { type: 'String', value: 'kg' } } }] });
    expect(decodeSparkplug(withProps)).toEqual(decodeSparkplugFull(withProps));
  });

  it('throws as the library does on bytes that are not a payload', () => {
    const junk = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
    expect(() => decodeSparkplugFull(junk)).toThrow();
    expect(() => decodeSparkplug(junk)).toThrow();
  });
});
