/**
 * Declarative JSON → canonical signal mapping for MQTT/UNS payloads (configured in the plant file).
 *
 * A rule matches a topic pattern (`plant/{area}/{line}/{machine}/state`, see ./topic) and builds a
 * signal of one `type` from field specs:
 * - `"$.path.to.value"` (or `"$.list[0].x"`, `"$"` for the whole payload) reads the JSON payload;
 * - a string with `{capture}` is a template over the topic's captures (and `{topic}`);
 * - any other string, number or boolean is a constant.
 * `values` maps raw values to canonical ones per field (`state: { RUN: running }`); a value missing
 * from a map is an error, not a silent pass. The envelope (`id`, `source`, `seq`, `eventTime`) can be
 * given the same way; by default `source` is the connector's, `id` is a hash of topic and payload
 * (so a QoS 1 re-delivery has the same id and ingest drops it), `seq` the connector's counter and
 * `eventTime` the receive time. A rule with `canonical: true` takes the payload as a canonical
 * signal as it is. The result is a raw object: ingest validates it (wrong types are dead-lettered
 * there, with the field path), so this module only fails for what ingest cannot see: no rule,
 * unparsable JSON, a value outside its map, an unreadable time.
 */
import { z } from 'zod';
import { signalTypes } from '../signals/schema';
import { compileTopicPattern, type TopicPattern } from './topic';

const constant = z.union([z.string().max(500), z.number(), z.boolean()]);

export const mappingRuleSchema = z
  .object({
    /** Topic pattern with `+`, `#` and `{name}` captures. */
    topic: z.string().min(1).max(500),
    /** The payload already is a canonical signal (validated by ingest as it is). */
    canonical: z.boolean().default(false),
    type: z.enum(signalTypes as [string, ...string[]]).optional(),
    id: constant.optional(),
    source: constant.optional(),
    seq: constant.optional(),
    eventTime: constant.optional(),
    /** Signal fields (besides the envelope) → field spec. */
    fields: z.record(z.string(), constant).default({}),
    /** Per field: raw value (as text) → canonical value. */
    values: z.record(z.string(), z.record(z.string(), constant)).default({}),
  })
  .strict()
  .refine((r) => r.canonical || r.type !== undefined, { message: 'a mapping rule needs a signal `type` (or `canonical: true`)', path: ['type'] });

export type MappingRule = z.infer<typeof mappingRuleSchema>;

export interface MapContext {
  /** Receive time (ms epoch, plant clock). */
  receiveTime: number;
  /** Connector-level sequence number, used when the rule gives none. */
  seq: number;
  /** Default `source` (the connector id). */
  source: string;
}

export type MapResult =
  /** `text` is set when the raw payload text is itself the signal (canonical rules). */
  | { ok: true; signal: unknown; text?: string; rule: number }
  | { ok: false; reason: string; path?: string };

type Getter = (payload: unknown, caps: Record<string, string>) => unknown;

/** `$.a.b[0].c` → ['a', 'b', 0, 'c']. */
function parsePath(spec: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g;
  let pos = 1;
  let m: RegExpExecArray | null;
  re.lastIndex = 1;
  while ((m = re.exec(spec)) !== null) {
    if (m.index !== pos) break;
    keys.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
    pos = re.lastIndex;
  }
  if (pos !== spec.length) throw new Error(`cannot read the path '${spec}' at character ${pos + 1}: use $.a.b, $.list[0] or $["odd key"]`);
  return keys;
}

function compileSpec(spec: string | number | boolean, captures: readonly string[], where: string): Getter {
  if (typeof spec !== 'string') return () => spec;
  if (spec === '$' || spec.startsWith('$.') || spec.startsWith('$[')) {
    const keys = parsePath(spec);
    return (payload) => {
      let v: unknown = payload;
      for (const k of keys) {
        if (v === null || typeof v !== 'object') return undefined;
        v = (v as Record<string | number, unknown>)[k];
      }
      return v;
    };
  }
  if (spec.includes('{')) {
    const parts = spec.split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/);
    for (const p of parts) {
      const name = p.startsWith('{') && p.endsWith('}') ? p.slice(1, -1) : null;
      if (name !== null && name !== 'topic' && !captures.includes(name)) throw new Error(`${where}: '{${name}}' is not a capture of the topic pattern (captures: ${captures.length ? captures.map((c) => `{${c}}`).join(', ') : 'none'}, and {topic})`);
    }
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
      const name = parts[1]!.slice(1, -1);
      return (_p, caps) => caps[name];
    }
    return (_p, caps) => parts.map((p) => (p.startsWith('{') && p.endsWith('}') ? (caps[p.slice(1, -1)] ?? '') : p)).join('');
  }
  return () => spec;
}

/** FNV-1a over the text, two 32-bit lanes: a stable, fast, non-cryptographic message id. */
export function messageHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36);
}

function toTime(v: unknown): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    const t = Date.parse(v);
    return Number.isNaN(t) ? `unreadable time '${v.slice(0, 60)}' (use ms since the epoch or an ISO 8601 text)` : t;
  }
  return undefined;
}

interface CompiledRule {
  index: number;
  pattern: TopicPattern;
  canonical: boolean;
  type?: string;
  id?: Getter;
  source?: Getter;
  seq?: Getter;
  eventTime?: Getter;
  fields: [string, Getter][];
  values: Map<string, Record<string, string | number | boolean>>;
}

export interface Mapper {
  /** MQTT subscription filters covering every rule. */
  readonly filters: readonly string[];
  /** Maps one message. `text` is the payload as UTF-8 text. */
  map(topic: string, text: string, ctx: MapContext): MapResult;
}

/**
 * Compiles rules (already schema-checked); throws an Error whose message starts with
 * `mappings[i].<field>` for a pattern or spec that cannot work.
 */
export function createMapper(rules: readonly MappingRule[], opts: { defaultCanonical?: boolean } = {}): Mapper {
  const compiled: CompiledRule[] = rules.map((r, i) => {
    const where = (f: string) => `mappings[${i}].${f}`;
    let pattern: TopicPattern;
    try {
      pattern = compileTopicPattern(r.topic);
    } catch (e) {
      throw new Error(`${where('topic')}: ${(e as Error).message}`);
    }
    const spec = (f: string, s: string | number | boolean | undefined) => {
      if (s === undefined) return undefined;
      try {
        return compileSpec(s, pattern.captures, where(f));
      } catch (e) {
        throw new Error((e as Error).message.startsWith('mappings[') ? (e as Error).message : `${where(f)}: ${(e as Error).message}`);
      }
    };
    for (const f of Object.keys(r.values)) if (!(f in r.fields)) throw new Error(`${where(`values.${f}`)}: there is no field '${f}' in fields to map`);
    return {
      index: i,
      pattern,
      canonical: r.canonical,
      type: r.type,
      id: spec('id', r.id),
      source: spec('source', r.source),
      seq: spec('seq', r.seq),
      eventTime: spec('eventTime', r.eventTime),
      fields: Object.entries(r.fields).map(([k, s]) => [k, spec(`fields.${k}`, s)!] as [string, Getter]),
      values: new Map(Object.entries(r.values)),
    };
  });
  // Topic → (rule, captures): UNS topics repeat, so matching is done once per topic (bounded cache).
  const cache = new Map<string, { rule: CompiledRule; caps: Record<string, string> } | null>();
  const lookup = (topic: string) => {
    let hit = cache.get(topic);
    if (hit !== undefined) return hit;
    hit = null;
    for (const rule of compiled) {
      const caps = rule.pattern.match(topic);
      if (caps) {
        caps.topic = topic;
        hit = { rule, caps };
        break;
      }
    }
    if (cache.size >= 50_000) cache.clear();
    cache.set(topic, hit);
    return hit;
  };

  return {
    filters: [...new Set(compiled.map((c) => c.pattern.filter))],
    map(topic, text, ctx) {
      const hit = lookup(topic);
      if (!hit) {
        if (opts.defaultCanonical) return { ok: true, signal: text, text, rule: -1 };
        return { ok: false, reason: `no mapping rule matches topic '${topic}'` };
      }
      const { rule, caps } = hit;
      if (rule.canonical) return { ok: true, signal: text, text, rule: rule.index };
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch (e) {
        return { ok: false, reason: `invalid JSON: ${String((e as Error).message).slice(0, 200)}` };
      }
      const src = rule.source?.(payload, caps);
      const idv = rule.id?.(payload, caps);
      let et: number | string | undefined = ctx.receiveTime;
      if (rule.eventTime) {
        et = toTime(rule.eventTime(payload, caps));
        if (typeof et === 'string') return { ok: false, path: 'eventTime', reason: et };
        if (et === undefined) return { ok: false, path: 'eventTime', reason: `no event time at mappings[${rule.index}].eventTime in the payload` };
      }
      const seqv = rule.seq?.(payload, caps);
      // Envelope first, then the fields, in one object (no spread: this runs for every message).
      const signal: Record<string, unknown> = {
        id: idv === undefined ? `${rule.index}-${messageHash(`${topic}\n${text}`)}` : typeof idv === 'number' ? String(idv) : idv,
        source: src === undefined ? ctx.source : src,
        seq: seqv === undefined ? ctx.seq : seqv,
        eventTime: et,
        receiveTime: ctx.receiveTime,
        type: rule.type,
      };
      for (let i = 0; i < rule.fields.length; i++) {
        const [name, get] = rule.fields[i]!;
        let v = get(payload, caps);
        const map = rule.values.get(name);
        if (map !== undefined && v !== undefined) {
          const key = typeof v === 'object' ? JSON.stringify(v) : String(v);
          if (!Object.hasOwn(map, key)) return { ok: false, path: name, reason: `value '${key.slice(0, 80)}' of '${name}' is not in mappings[${rule.index}].values.${name} (known: ${Object.keys(map).slice(0, 20).join(', ')})` };
          v = map[key];
        }
        if (v !== undefined) signal[name] = v;
      }
      return { ok: true, signal, rule: rule.index };
    },
  };
}
