/**
 * The collection schemas generated from the records' zod schemas (shared/store/collections.ts)
 * are the ones the store has kept since version 0 (test/fixtures/store/rx-schemas-v0.json, the
 * hand-written schemas as they were): RxDB refuses a data folder whose stored schema differs at the
 * same version, so a drift here would lock users out of their data.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRxDatabase, createRxSchema, type RxJsonSchema } from 'rxdb';
import { defaultHashSha256 } from 'rxdb/plugins/utils';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openTaktDatabase } from '../../../main/store/database';
import { getRxStorageSQLite } from '../../../main/store/sqlite-storage';
import { TAKT_COLLECTIONS } from '../../../shared/store/collections';
import { collectionSchema, storedField } from '../../../shared/store/rx-schema';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/store/rx-schemas-v0.json', import.meta.url), 'utf8')) as Record<string, RxJsonSchema<unknown>>;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('generated collection schemas', () => {
  it('cover the same collections as version 0', () => {
    expect(Object.keys(TAKT_COLLECTIONS).sort()).toEqual(Object.keys(fixture).sort());
  });

  for (const [name, { schema }] of Object.entries(TAKT_COLLECTIONS)) {
    it(`${name}: equals the stored version-0 schema and has its RxDB hash`, async () => {
      const old = fixture[name]!;
      expect(JSON.parse(JSON.stringify(schema))).toStrictEqual(old);
      expect(await createRxSchema(schema as RxJsonSchema<unknown>, defaultHashSha256).hash).toBe(await createRxSchema(old, defaultHashSha256).hash);
    });
  }
});

async function writeWithFixtureSchemas(dataDir: string, schemas: Record<string, RxJsonSchema<unknown>>): Promise<void> {
  mkdirSync(join(dataDir, 'store'), { recursive: true });
  const db = await createRxDatabase({
    name: `fixture-${dirs.length}`,
    storage: wrappedValidateAjvStorage({ storage: getRxStorageSQLite({ filename: join(dataDir, 'store', 'takt.sqlite') }) }),
    multiInstance: false,
    closeDuplicates: false,
  });
  await db.addCollections(Object.fromEntries(Object.entries(schemas).map(([k, schema]) => [k, { schema }])));
  await db.collections['outbox']!.insert({
    id: 'out-1', target: 'erp', idempotencyKey: 'dec-1/erp/1', decisionId: 'dec-1', status: 'pending',
    attempts: 0, nextAttemptAt: 0, createdAt: 1_700_000_000_000, payload: { order: 'PO-1' },
  });
  await db.close();
}

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'takt-store-schemas-'));
  dirs.push(d);
  return d;
}

describe('a data folder written with the version-0 schemas', () => {
  it('opens with the generated schemas, documents intact', { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    await writeWithFixtureSchemas(dataDir, fixture);
    const db = await openTaktDatabase({ dataDir });
    expect((await db.outbox.find().exec()).map((d) => d.idempotencyKey)).toEqual(['dec-1/erp/1']);
    await db.close();
  });

  it('is refused when a stored schema differs at the same version (the check above is live)', { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const drifted = structuredClone(fixture);
    (drifted['outbox']!.properties as Record<string, unknown>)['kind'] = { type: 'string', maxLength: 32 };
    await writeWithFixtureSchemas(dataDir, drifted);
    await expect(openTaktDatabase({ dataDir })).rejects.toThrow(/DB6/);
  });
});

describe('collectionSchema', () => {
  it('keeps types and index bounds, drops vocabularies and inner shapes', () => {
    const record = z.object({
      id: z.string().max(48),
      state: z.enum(['a', 'b']).meta({ maxLength: 32 }),
      at: z.int().min(0).max(1000).multipleOf(1),
      n: z.int(),
      tags: z.array(z.string().regex(/^[a-z]+$/)),
      inner: z.object({ x: z.number() }),
      either: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]),
    });
    const s = collectionSchema(record, { title: 't', version: 3, primaryKey: 'id', required: ['id', 'state', 'at'], indexes: [['state', 'at']] });
    expect(s).toStrictEqual({
      title: 't',
      version: 3,
      primaryKey: 'id',
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 48 },
        state: { type: 'string', maxLength: 32 },
        at: { type: 'integer', minimum: 0, maximum: 1000, multipleOf: 1 },
        n: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
        inner: { type: 'object' },
        either: { type: 'object' },
      },
      required: ['id', 'state', 'at'],
      indexes: [['state', 'at']],
    });
  });

  it('refuses a nullable field, naming it', () => {
    expect(() => storedField({ type: ['integer', 'null'] }, 'action.closedAt')).toThrow(/'action\.closedAt'.*never null/);
  });
});
