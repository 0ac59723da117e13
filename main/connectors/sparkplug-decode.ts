/**
 * Sparkplug B payload → `SpPayload` (plain numbers), for the Sparkplug connector.
 *
 * Decoding is sparkplug-payload's own protobuf codec (protobuf.js code generated from the Tahu
 * .proto); what this module replaces is the library's second pass, `decodePayload`, which turns
 * each protobuf Metric into a new object (reading its value twice, naming its type, decoding its
 * metadata and properties), after which the connector made a third object per metric with the
 * numbers made plain. A DDATA carries up to hundreds of metrics, and that pass cost about as much
 * as the protobuf decode itself. Here each Metric becomes its `SpMetric` in one step, with the
 * value read exactly as the library's `getValue` reads it for the scalar types. A payload with a
 * DataSet, Template or PropertySet value, or metric metadata or properties (rare in DDATA; none of
 * them is a state or a counter), goes through the library's full decode instead, so its result
 * and its errors are the library's.
 * `test/unit/connectors/sparkplug-decode.test.ts` checks both paths give the same result, but for
 * one case where this follows the Sparkplug spec and the library does not: a negative Int64.
 */
import { createRequire } from 'node:module';
import type sparkplugPayloadModule from 'sparkplug-payload';
import type * as ProtoModule from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { SPARKPLUG_NAMESPACE, toPlainNumber, type SpMetric, type SpPayload } from '../../shared/connectors/sparkplug';

type Codec = NonNullable<ReturnType<(typeof sparkplugPayloadModule)['get']>>;
type ProtoPayload = ProtoModule.org.eclipse.tahu.protobuf.Payload;
type ProtoMetric = ProtoModule.org.eclipse.tahu.protobuf.Payload.IMetric;
interface Lib {
  codec: Codec;
  Payload: typeof ProtoModule.org.eclipse.tahu.protobuf.Payload;
}

// Loaded on first use: plants without Sparkplug never pay for protobuf.js at start-up.
let lib: Lib | undefined;
function load(): Lib {
  if (lib) return lib;
  const require = createRequire(import.meta.url);
  const codec = (require('sparkplug-payload') as typeof sparkplugPayloadModule).get(SPARKPLUG_NAMESPACE)!;
  const proto = require('sparkplug-payload/lib/sparkplugPayloadProto') as typeof ProtoModule;
  return (lib = { codec, Payload: proto.org.eclipse.tahu.protobuf.Payload });
}

/** The library's codec (encoding, and the full decode). */
export function sparkplugCodec(): Codec {
  return load().codec;
}

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** A protobuf.js Long (signed or not) as a signed one, as the library reads Int64. */
type LongLike = { toSigned(): LongLike; toNumber(): number };
const isLong = (v: unknown): v is LongLike => v !== null && typeof v === 'object' && typeof (v as Partial<LongLike>).toSigned === 'function';

/** Datatypes whose value the library decodes into objects (DataSet, Template, PropertySet, PropertySetList). */
const COMPLEX = new Set([16, 19, 20, 21]);

/** The library's `getValue` for a scalar datatype, then made plain as the connector did (`toPlainNumber(v) ?? v`). */
function scalarValue(m: ProtoMetric): unknown {
  let v: unknown;
  switch (m.datatype) {
    case 1: // Int8
    case 2: // Int16
    case 3: // Int32
      v = (m.intValue ?? 0) | 0; // uint32 on the wire → signed, as new Int32Array([x])[0] (null → 0)
      break;
    case 5: // UInt8
    case 6: // UInt16
      v = m.intValue;
      break;
    case 4: // Int64: the wire's uint64 read as signed. (The library means to, but its check is an
      // `instanceof` against its own copy of 'long', not protobuf.js's, so with the packages as
      // installed it passes -1 on as 18446744073709552000; a negative counter is refused here.)
      v = isLong(m.longValue) ? m.longValue.toSigned() : m.longValue;
      break;
    case 7: // UInt32 (unsigned, as the library's value is with the packages as installed)
    case 8: // UInt64
    case 13: // DateTime
      v = m.longValue;
      break;
    case 9:
      v = m.floatValue;
      break;
    case 10:
      v = m.doubleValue;
      break;
    case 11:
      v = m.booleanValue;
      break;
    case 12: // String
    case 14: // Text
    case 15: // UUID
      v = m.stringValue;
      break;
    case 17: // Bytes
    case 18: // File
      v = m.bytesValue;
      break;
    default:
      v = null;
  }
  return toPlainNumber(v) ?? v;
}

/** Recursively turns protobufjs Longs into numbers (timestamps, seq, aliases, Int64 values): the full decode's result. */
function plain(p: ReturnType<Codec['decodePayload']>): SpPayload {
  return {
    timestamp: toPlainNumber(p.timestamp) ?? null,
    seq: toPlainNumber(p.seq) ?? null,
    metrics: (p.metrics ?? []).map((m) => ({
      name: m.name ?? null,
      alias: toPlainNumber(m.alias) ?? null,
      timestamp: toPlainNumber(m.timestamp) ?? null,
      value: toPlainNumber(m.value) ?? m.value,
      isHistorical: m.isHistorical ?? null,
      isNull: m.isNull ?? null,
    })),
  };
}

/** Through the library's `decodePayload` (every datatype; what the lean path falls back to). */
export function decodeSparkplugFull(bytes: Uint8Array): SpPayload {
  return plain(load().codec.decodePayload(bytes));
}

/** Decodes a Sparkplug B payload; throws (protobuf.js's error) on bytes that are not one. */
export function decodeSparkplug(bytes: Uint8Array): SpPayload {
  const p: ProtoPayload = load().Payload.decode(bytes);
  const list = p.metrics;
  const metrics: SpMetric[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    // Values decoded into objects, metadata and properties: the library's decode, whose result (and
    // errors) those keep.
    if (COMPLEX.has(m.datatype as number) || own(m, 'properties') || own(m, 'metadata')) return decodeSparkplugFull(bytes);
    // As the library: fields not on the wire are absent (protobuf.js keeps defaults on the prototype);
    // a null metric's value is null; `isNull` itself is not passed on.
    metrics[i] = {
      name: own(m, 'name') ? (m.name as string) : null,
      alias: own(m, 'alias') ? (toPlainNumber(m.alias) ?? null) : null,
      timestamp: own(m, 'timestamp') ? (toPlainNumber(m.timestamp) ?? null) : null,
      value: own(m, 'isNull') && m.isNull === true ? null : scalarValue(m),
      isHistorical: own(m, 'isHistorical') ? (m.isHistorical as boolean) : null,
      isNull: null,
    };
  }
  return {
    timestamp: own(p, 'timestamp') ? (toPlainNumber(p.timestamp) ?? null) : null,
    seq: own(p, 'seq') ? (toPlainNumber(p.seq) ?? null) : null,
    metrics,
  };
}
