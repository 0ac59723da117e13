/**
 * A record's RxDB collection schema, generated from its zod schema (`z.toJSONSchema`) plus what
 * only the store knows: title, version, primary key, required fields and indexes.
 *
 * The stored schema keeps each field's JSON type and the bounds RxDB builds index keys from
 * (`maxLength`, `minimum`, `maximum`, `multipleOf`); it leaves vocabularies (enums, patterns) and
 * the inner shape of nested objects to the record's own schema. That is what the collections have
 * always stored: RxDB refuses to open a data folder whose stored schema differs from the code's at
 * the same `version` (error DB6), so tightening a collection means a new version and a migration
 * strategy in main/store/database.ts, not a silent change here.
 */
import type { RxJsonSchema } from 'rxdb';
import { z } from 'zod';

type Json = Record<string, unknown>;

/**
 * A stored document: the fields its collection requires, and the rest of the record where present
 * (documents written before a field became part of the record lack it).
 */
export type StoredDoc<T, R extends keyof T> = Pick<T, R> & Partial<Omit<T, R>>;

/** What the store adds to a record's schema. Fields are checked against the record's keys. */
export interface CollectionOptions<K extends string, R extends K> {
  title: string;
  version: number;
  primaryKey: K;
  /**
   * The fields every stored document must carry: every indexed field (RxDB cannot index a missing
   * value) and those the store has always required. Wider than a record's optional fields and
   * narrower than its required ones where older documents lack a field.
   */
  required: readonly R[];
  indexes?: readonly (K | readonly K[])[];
}

/** The integer bounds zod writes for `z.int()`; JSON numbers imply them, so they are left out. */
const SAFE_BOUNDS: Json = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

function pick(s: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (s[k] !== undefined && s[k] !== SAFE_BOUNDS[k]) out[k] = s[k];
  return out;
}

/** The stored form of one field's JSON schema (see the module comment); `path` names it in errors. */
export function storedField(s: Json, path: string): Json {
  const branches = s['anyOf'] ?? s['oneOf'];
  if (Array.isArray(branches) && (branches as Json[]).every((b) => b['type'] === 'object')) return { type: 'object' };
  switch (s['type']) {
    case 'string':
      return { type: 'string', ...pick(s, ['maxLength']) };
    case 'integer':
    case 'number':
      return { type: s['type'], ...pick(s, ['minimum', 'maximum', 'multipleOf']) };
    case 'boolean':
      return { type: 'boolean' };
    case 'object':
      return { type: 'object' };
    case 'array':
      return { type: 'array', items: storedField((s['items'] ?? {}) as Json, `${path}[]`) };
    default:
      // A nullable or untyped field cannot be indexed or validated the way the store does; say
      // which one, so the record's author picks '' or 0 for "not yet" instead (see collections.ts).
      throw new Error(`store schema: field '${path}' has no single JSON type (${JSON.stringify(s).slice(0, 120)}); stored fields are strings, numbers, booleans, objects or arrays, never null`);
  }
}

/** The RxDB schema of a collection whose documents are `record`. */
export function collectionSchema<S extends z.ZodObject, const R extends keyof z.infer<S> & string>(
  record: S,
  opts: CollectionOptions<keyof z.infer<S> & string, R>,
): RxJsonSchema<StoredDoc<z.infer<S>, R>> {
  const json = z.toJSONSchema(record, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Json;
  const fields = json['properties'] as Record<string, Json>;
  const properties = Object.fromEntries(Object.entries(fields).map(([name, s]) => [name, storedField(s, `${opts.title}.${name}`)]));
  const schema: Json = {
    title: opts.title,
    version: opts.version,
    primaryKey: opts.primaryKey,
    type: 'object',
    properties,
    required: [...opts.required],
  };
  if (opts.indexes) schema['indexes'] = opts.indexes.map((i) => (typeof i === 'string' ? i : [...i]));
  return schema as unknown as RxJsonSchema<StoredDoc<z.infer<S>, R>>;
}
