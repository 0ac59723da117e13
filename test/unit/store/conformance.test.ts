/**
 * RxStorage conformance: ONE suite, run against RxDB's memory storage (the reference) and
 * Takt's SQLite storage (main/store/sqlite-storage.ts). Both must pass the same expectations,
 * and a differential test runs one seeded workload through both and requires equal answers.
 * The persistence block (close + reopen from the file) runs for storages that persist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addRxPlugin,
  createRevision,
  createRxDatabase,
  fillWithDefaultSettings,
  getChangedDocumentsSince,
  normalizeMangoQuery,
  now,
  prepareQuery,
  randomToken,
  type EventBulk,
  type MangoQuery,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorage,
  type RxStorageBulkWriteResponse,
  type RxStorageChangeEvent,
  type RxStorageDefaultCheckpoint,
  type RxStorageInstance,
} from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { getRxStorageSQLite } from '../../../main/store/sqlite-storage';
import { until } from '../../helpers/until';

disableWarnings();
addRxPlugin(RxDBDevModePlugin);

interface TestDoc {
  key: string;
  value: string;
  age: number;
  group: string;
}
type Doc = RxDocumentData<TestDoc>;
type Instance = RxStorageInstance<TestDoc, unknown, unknown, RxStorageDefaultCheckpoint>;

const rawSchema: RxJsonSchema<TestDoc> = {
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 32 },
    value: { type: 'string', maxLength: 32 },
    age: { type: 'integer', minimum: 0, maximum: 200, multipleOf: 1 },
    group: { type: 'string', maxLength: 16 },
  },
  required: ['key', 'value', 'age', 'group'],
  indexes: ['age', ['group', 'age']],
};
const schema = fillWithDefaultSettings(rawSchema);
const TOKEN = 'conformance';

function makeDoc(key: string, over: Partial<TestDoc> = {}, previous?: Doc): Doc {
  return {
    key,
    value: over.value ?? `v-${key}`,
    age: over.age ?? 1,
    group: over.group ?? 'a',
    _deleted: false,
    _rev: createRevision(TOKEN, previous),
    _attachments: {},
    _meta: { lwt: now() },
  };
}
function nextVersion(prev: Doc, over: Partial<TestDoc> & { _deleted?: boolean } = {}): Doc {
  const { _deleted, ...fields } = over;
  return { ...prev, ...fields, _deleted: _deleted ?? prev._deleted, _rev: createRevision(TOKEN, prev), _meta: { lwt: now() } };
}
const strip = (docs: Doc[]): Doc[] => docs.map((d) => JSON.parse(JSON.stringify(d)) as Doc);
const prep = (q: MangoQuery<Doc>) => prepareQuery<Doc>(schema as never, normalizeMangoQuery<Doc>(schema as never, q));

/** What the suite needs of a storage under test. */
export interface StorageUnderTest {
  name: string;
  /** A storage object; for persistent ones, a second call must see what the first wrote. */
  storage(): RxStorage<unknown, unknown>;
  persistent: boolean;
}

async function open(sut: StorageUnderTest, databaseName: string, storage = sut.storage()): Promise<Instance> {
  return (await storage.createStorageInstance<TestDoc>({
    databaseName,
    collectionName: 'items',
    schema: schema as never,
    options: {},
    multiInstance: false,
    devMode: true,
    databaseInstanceToken: TOKEN,
  })) as unknown as Instance;
}

async function seed(inst: Instance, docs: Doc[]): Promise<void> {
  const res = await inst.bulkWrite(docs.map((document) => ({ document })), 'seed');
  expect(res.error).toEqual([]);
}

export function storageConformance(sut: StorageUnderTest): void {
  describe(`RxStorage conformance: ${sut.name}`, () => {
    const dbName = () => `db${randomToken(8).toLowerCase()}`;

    it('inserts and finds by id; a second insert of the same id is a 409 with documentInDb', async () => {
      const inst = await open(sut, dbName());
      const a = makeDoc('a');
      const b = makeDoc('b');
      await seed(inst, [a, b]);
      expect(strip(await inst.findDocumentsById(['a', 'b', 'zz'], false))).toEqual(strip([a, b]));
      const dup = makeDoc('a', { value: 'other' });
      const res = await inst.bulkWrite([{ document: dup }], 'dup');
      expect(res.error).toHaveLength(1);
      expect(res.error[0]).toMatchObject({ status: 409, documentId: 'a', isError: true });
      expect(strip([(res.error[0] as { documentInDb?: Doc }).documentInDb!])).toEqual(strip([a]));
      await inst.close();
    });

    it('updates with the right previous revision; a stale revision is a 409 and writes nothing', async () => {
      const inst = await open(sut, dbName());
      const a1 = makeDoc('a', { age: 10 });
      await seed(inst, [a1]);
      const a2 = nextVersion(a1, { age: 11 });
      expect((await inst.bulkWrite([{ previous: a1, document: a2 }], 'upd')).error).toEqual([]);
      const stale = nextVersion(a1, { age: 99 });
      const res = await inst.bulkWrite([{ previous: a1, document: stale }], 'stale');
      expect(res.error).toHaveLength(1);
      expect(res.error[0]).toMatchObject({ status: 409, documentId: 'a' });
      expect((res.error[0] as { documentInDb?: Doc }).documentInDb!._rev).toBe(a2._rev);
      const [found] = await inst.findDocumentsById(['a'], false);
      expect(found!.age).toBe(11);
      // A mixed bulk: the good row is written, the bad one reported.
      const b = makeDoc('b');
      const mixed: RxStorageBulkWriteResponse<TestDoc> = await inst.bulkWrite(
        [{ document: b }, { previous: a1, document: nextVersion(a1, { age: 50 }) }],
        'mixed',
      );
      expect(mixed.error.map((e) => [e.documentId, e.status])).toEqual([['a', 409]]);
      expect((await inst.findDocumentsById(['b'], false)).map((d) => d.key)).toEqual(['b']);
      await inst.close();
    });

    it('deletes: findDocumentsById with and without deleted; queries skip deleted', async () => {
      const inst = await open(sut, dbName());
      const a = makeDoc('a');
      const b = makeDoc('b');
      await seed(inst, [a, b]);
      const aDel = nextVersion(a, { _deleted: true });
      expect((await inst.bulkWrite([{ previous: a, document: aDel }], 'del')).error).toEqual([]);
      expect((await inst.findDocumentsById(['a', 'b'], false)).map((d) => d.key)).toEqual(['b']);
      const withDeleted = await inst.findDocumentsById(['a', 'b'], true);
      expect(withDeleted.map((d) => [d.key, d._deleted]).sort()).toEqual([['a', true], ['b', false]]);
      const q = await inst.query(prep({ selector: { _deleted: { $eq: false } } }));
      expect(q.documents.map((d) => d.key)).toEqual(['b']);
      // Undelete (deleted → alive) is a write with the deleted revision as previous.
      const aBack = nextVersion(aDel, { _deleted: false, value: 'back' });
      expect((await inst.bulkWrite([{ previous: aDel, document: aBack }], 'undelete')).error).toEqual([]);
      expect((await inst.findDocumentsById(['a'], false))[0]!.value).toBe('back');
      await inst.close();
    });

    it('queries: $eq, $gt, $in, $regex, $or, multi-field sort, skip, limit, count', async () => {
      const inst = await open(sut, dbName());
      const docs = Array.from({ length: 30 }, (_, i) =>
        makeDoc(`k${String(i).padStart(2, '0')}`, { age: (i * 7) % 13, group: ['a', 'b', 'c'][i % 3]!, value: i % 2 ? `odd-${i}` : `even-${i}` }),
      );
      await seed(inst, docs);
      const alive = { _deleted: { $eq: false } } as const;
      const keys = async (q: MangoQuery<Doc>) => (await inst.query(prep(q))).documents.map((d) => d.key);
      const expected = (pred: (d: Doc) => boolean, cmp: (x: Doc, y: Doc) => number = (x, y) => (x.key < y.key ? -1 : 1)) =>
        docs.filter(pred).sort(cmp).map((d) => d.key);

      // Without a sort, the order is the chosen index's: compare those as sets.
      expect((await keys({ selector: { ...alive, group: { $eq: 'b' } } })).sort()).toEqual(expected((d) => d.group === 'b'));
      expect(await keys({ selector: { ...alive, age: { $gt: 8 } }, sort: [{ age: 'asc' }, { key: 'asc' }] })).toEqual(
        expected((d) => d.age > 8, (x, y) => x.age - y.age || (x.key < y.key ? -1 : 1)),
      );
      expect((await keys({ selector: { ...alive, age: { $in: [0, 3, 12] } } })).sort()).toEqual(expected((d) => [0, 3, 12].includes(d.age)));
      expect(await keys({ selector: { ...alive, value: { $regex: '^odd-1' } }, sort: [{ key: 'asc' }] })).toEqual(expected((d) => /^odd-1/.test(d.value)));
      expect(await keys({ selector: { ...alive, $or: [{ group: 'c' }, { age: { $lt: 2 } }] }, sort: [{ key: 'asc' }] })).toEqual(
        expected((d) => d.group === 'c' || d.age < 2),
      );
      const byGroupAgeDesc = (x: Doc, y: Doc) => (x.group < y.group ? -1 : x.group > y.group ? 1 : y.age - x.age || (x.key < y.key ? -1 : 1));
      expect(await keys({ selector: alive, sort: [{ group: 'asc' }, { age: 'desc' }, { key: 'asc' }] })).toEqual(expected(() => true, byGroupAgeDesc));
      expect(await keys({ selector: alive, sort: [{ group: 'asc' }, { age: 'desc' }, { key: 'asc' }], skip: 5, limit: 7 })).toEqual(
        expected(() => true, byGroupAgeDesc).slice(5, 12),
      );
      expect(await keys({ selector: { ...alive, group: 'a' }, sort: [{ age: 'asc' }, { key: 'asc' }], limit: 3 })).toHaveLength(3);
      expect((await inst.count(prep({ selector: { ...alive, group: { $eq: 'a' } } }))).count).toBe(10);
      expect((await inst.count(prep({ selector: { ...alive, age: { $gt: 8 } } }))).count).toBe(docs.filter((d) => d.age > 8).length);
      expect((await inst.count(prep({ selector: { ...alive, value: { $regex: 'odd' } } }))).count).toBe(15);
      await inst.close();
    });

    it('changeStream: one EventBulk per write, operations, context and the checkpoint of the newest row', async () => {
      const inst = await open(sut, dbName());
      const bulks: EventBulk<RxStorageChangeEvent<TestDoc>, RxStorageDefaultCheckpoint>[] = [];
      const sub = inst.changeStream().subscribe((b) => bulks.push(b));
      const a = makeDoc('a');
      const b = makeDoc('b');
      await seed(inst, [a, b]);
      const a2 = nextVersion(a, { age: 5 });
      await inst.bulkWrite([{ previous: a, document: a2 }], 'upd');
      await inst.bulkWrite([{ document: makeDoc('a') }], 'conflict'); // 409: no event
      const bDel = nextVersion(b, { _deleted: true });
      await inst.bulkWrite([{ previous: b, document: bDel }], 'del');
      sub.unsubscribe();
      expect(bulks.map((x) => x.context)).toEqual(['seed', 'upd', 'del']);
      expect(bulks.map((x) => x.events.map((e) => [e.operation, e.documentId]))).toEqual([
        [['INSERT', 'a'], ['INSERT', 'b']],
        [['UPDATE', 'a']],
        [['DELETE', 'b']],
      ]);
      expect(bulks.map((x) => x.checkpoint)).toEqual([
        { id: 'b', lwt: b._meta.lwt },
        { id: 'a', lwt: a2._meta.lwt },
        { id: 'b', lwt: bDel._meta.lwt },
      ]);
      expect(bulks[1]!.events[0]!.previousDocumentData!._rev).toBe(a._rev);
      expect(new Set(bulks.map((x) => x.id)).size).toBe(3);
      await inst.close();
    });

    it('getChangedDocumentsSince pages by (lwt, id) with limit and checkpoint, and sees later updates', async () => {
      const inst = await open(sut, dbName());
      const docs = Array.from({ length: 10 }, (_, i) => makeDoc(`c${i}`));
      await seed(inst, docs.slice(0, 4));
      await seed(inst, docs.slice(4));
      const seen: string[] = [];
      let checkpoint: RxStorageDefaultCheckpoint | undefined;
      const pages: number[] = [];
      for (;;) {
        const page = await getChangedDocumentsSince(inst, 3, checkpoint);
        if (page.documents.length === 0) {
          expect(page.checkpoint).toEqual(checkpoint);
          break;
        }
        pages.push(page.documents.length);
        seen.push(...page.documents.map((d) => d.key));
        const last = page.documents[page.documents.length - 1]!;
        expect(page.checkpoint).toEqual({ id: last.key, lwt: last._meta.lwt });
        checkpoint = page.checkpoint;
      }
      expect(pages).toEqual([3, 3, 3, 1]);
      expect(seen).toEqual(docs.map((d) => d.key));
      // An update (and a delete) after the checkpoint come back, in write order.
      const c2 = nextVersion(docs[2]!, { value: 'changed' });
      await inst.bulkWrite([{ previous: docs[2]!, document: c2 }], 'upd');
      const c5 = nextVersion(docs[5]!, { _deleted: true });
      await inst.bulkWrite([{ previous: docs[5]!, document: c5 }], 'del');
      const after = await getChangedDocumentsSince(inst, 10, checkpoint);
      expect(after.documents.map((d) => [d.key, d._deleted])).toEqual([['c2', false], ['c5', true]]);
      // From the beginning, each document appears once, at its newest version.
      const all = await getChangedDocumentsSince(inst, 100, undefined);
      expect(all.documents.map((d) => d.key)).toEqual(['c0', 'c1', 'c3', 'c4', 'c6', 'c7', 'c8', 'c9', 'c2', 'c5']);
      await inst.close();
    });

    it('cleanup purges deleted documents older than the given age, and only those', async () => {
      const inst = await open(sut, dbName());
      const a = makeDoc('a');
      const b = makeDoc('b');
      await seed(inst, [a, b]);
      await inst.bulkWrite([{ previous: a, document: nextVersion(a, { _deleted: true }) }], 'del');
      expect(await inst.cleanup(60_000)).toBe(true); // deleted just now: kept
      expect((await inst.findDocumentsById(['a'], true)).map((d) => d.key)).toEqual(['a']);
      await new Promise((r) => setTimeout(r, 5));
      expect(await inst.cleanup(0)).toBe(true);
      expect(await inst.findDocumentsById(['a'], true)).toEqual([]);
      expect((await inst.findDocumentsById(['b'], true)).map((d) => d.key)).toEqual(['b']);
      expect((await getChangedDocumentsSince(inst, 10)).documents.map((d) => d.key)).toEqual(['b']);
      // The purged id can be inserted again as new.
      expect((await inst.bulkWrite([{ document: makeDoc('a') }], 'again')).error).toEqual([]);
      await inst.close();
    });

    it.runIf(sut.persistent)('persists across close and reopen with a fresh storage object', async () => {
      const name = dbName();
      let inst = await open(sut, name);
      const docs = Array.from({ length: 20 }, (_, i) => makeDoc(`p${String(i).padStart(2, '0')}`, { age: i, group: i % 2 ? 'x' : 'y' }));
      await seed(inst, docs);
      const d3 = nextVersion(docs[3]!, { value: 'updated' });
      await inst.bulkWrite([{ previous: docs[3]!, document: d3 }], 'upd');
      const d4 = nextVersion(docs[4]!, { _deleted: true });
      await inst.bulkWrite([{ previous: docs[4]!, document: d4 }], 'del');
      const mid = await getChangedDocumentsSince(inst, 5);
      const q = prep({ selector: { _deleted: { $eq: false }, group: 'x' }, sort: [{ age: 'desc' }, { key: 'asc' }], limit: 4 });
      const before = strip((await inst.query(q)).documents);
      await inst.close();

      inst = await open(sut, name, sut.storage());
      expect(strip((await inst.query(q)).documents)).toEqual(before);
      expect((await inst.findDocumentsById(['p03'], false))[0]!.value).toBe('updated');
      expect((await inst.findDocumentsById(['p04'], true))[0]!._deleted).toBe(true);
      expect((await inst.findDocumentsById(['p04'], false))).toEqual([]);
      // The checkpoint taken before the restart continues where it left off.
      const rest = await getChangedDocumentsSince(inst, 100, mid.checkpoint);
      expect(rest.documents).toHaveLength(20 - 5);
      // Revisions survived: a stale write is still a 409, a correct one succeeds.
      expect((await inst.bulkWrite([{ previous: docs[3]!, document: nextVersion(docs[3]!) }], 'stale')).error[0]?.status).toBe(409);
      expect((await inst.bulkWrite([{ previous: d3, document: nextVersion(d3, { value: 'again' }) }], 'ok')).error).toEqual([]);
      await inst.remove();
      inst = await open(sut, name, sut.storage());
      expect((await inst.count(prep({ selector: {} }))).count).toBe(0);
      await inst.close();
    });

    it('runs an RxDatabase: validated inserts, a reactive query that emits updates, conflicts as CONFLICT', async () => {
      const db = await createRxDatabase({
        name: dbName(),
        storage: wrappedValidateAjvStorage({ storage: sut.storage() }),
        multiInstance: false,
      });
      const { items } = await db.addCollections({ items: { schema: rawSchema } });
      const results: string[][] = [];
      const sub = items
        .find({ selector: { group: 'a' }, sort: [{ age: 'asc' }] })
        .$.subscribe((docs) => results.push(docs.map((d) => `${d.key}:${d.age}`)));
      await items.insert({ key: 'x', value: 'x', age: 3, group: 'a' });
      const y = await items.insert({ key: 'y', value: 'y', age: 1, group: 'a' });
      await items.insert({ key: 'z', value: 'z', age: 2, group: 'b' });
      await y.incrementalPatch({ age: 9 });
      await expect(items.insert({ key: 'x', value: 'dup', age: 1, group: 'a' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(items.insert({ key: 'bad', value: 'v', age: 'old' as unknown as number, group: 'a' })).rejects.toThrow();
      await (await items.findOne('x').exec())!.remove();
      // The query re-runs asynchronously: wait for its latest result rather than a fixed time.
      await until('the query to drop x', async () => results.at(-1)?.join() === 'y:9', 10_000);
      sub.unsubscribe();
      expect(results[results.length - 1]).toEqual(['y:9']);
      expect(results).toContainEqual(['y:1', 'x:3']);
      expect(results).toContainEqual(['x:3', 'y:9']);
      const change = firstValueFrom(items.$.pipe(filter((e) => e.documentId === 'z'), take(1), toArray()));
      await (await items.findOne('z').exec())!.incrementalPatch({ value: 'zz' });
      expect((await change)[0]!.operation).toBe('UPDATE');
      expect(await items.count({ selector: {} }).exec()).toBe(2);
      await db.close();
    });
  });
}

// ------------------------------------------------------------------------------------------

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const sqliteDir = mkdtempSync(join(tmpdir(), 'takt-store-conformance-'));
dirs.push(sqliteDir);

const memory: StorageUnderTest = { name: 'RxDB memory', storage: () => getRxStorageMemory() as never, persistent: false };
const sqlite: StorageUnderTest = {
  name: 'Takt SQLite',
  storage: () => getRxStorageSQLite({ directory: sqliteDir }) as never,
  persistent: true,
};

storageConformance(memory);
storageConformance(sqlite);

describe('differential: one seeded workload through both storages gives the same answers', () => {
  /** Deterministic PRNG (mulberry32). */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  async function run(sut: StorageUnderTest, seedValue: number): Promise<unknown[]> {
    const name = `diff${randomToken(6).toLowerCase()}`;
    let inst = await open(sut, name);
    const out: unknown[] = [];
    const events: unknown[] = [];
    const listen = (i: Instance) =>
      i.changeStream().subscribe((b) => events.push([b.context, b.events.map((e) => [e.operation, e.documentId]), b.checkpoint?.id]));
    let sub = listen(inst);
    const rand = rng(seedValue);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    // Fixed lwt sequence so both runs write byte-identical documents.
    let lwt = 1_700_000_000_000;
    const live = new Map<string, Doc>();
    for (let step = 0; step < 60; step++) {
      if (step === 25 && sut.persistent) {
        // Restart half-way: the rest runs on state loaded from the file, with writes landing
        // before the lazily built indexes exist (they are built at the next query).
        sub.unsubscribe();
        await inst.close();
        inst = await open(sut, name, sut.storage());
        sub = listen(inst);
      }
      const rows = [];
      const n = 1 + Math.floor(rand() * 6);
      for (let j = 0; j < n; j++) {
        const key = `d${Math.floor(rand() * 40)}`;
        const prev = live.get(key);
        const fields = { value: pick(['alpha', 'beta', 'gamma', 'delta']), age: Math.floor(rand() * 50), group: pick(['a', 'b', 'c']) };
        const r = rand();
        const base = { key, ...fields, _attachments: {}, _meta: { lwt: ++lwt } };
        if (!prev || r < 0.1) {
          // insert (or a conflicting insert when the doc exists)
          rows.push({ document: { ...base, _deleted: false, _rev: `1-${key}${step}` } });
        } else if (r < 0.2) {
          // stale previous → conflict
          rows.push({ previous: { ...prev, _rev: '0-stale' }, document: { ...base, _deleted: false, _rev: `9-${step}` } });
        } else {
          const height = Number(prev._rev.split('-')[0]) + 1;
          rows.push({ previous: prev, document: { ...base, _deleted: r > 0.85, _rev: `${height}-${key}${step}` } });
        }
      }
      // One row a document a bulk (RxDB itself never sends two writes of one id in one bulk).
      const unique = [...new Map(rows.map((row) => [row.document.key, row])).values()];
      const res = await inst.bulkWrite(unique as never, `s${step}`);
      const failed = new Set(res.error.map((e) => e.documentId));
      out.push(['errors', res.error.map((e) => [e.documentId, e.status, (e as { documentInDb?: Doc }).documentInDb?._rev])]);
      for (const row of unique) if (!failed.has(row.document.key)) live.set(row.document.key, row.document as Doc);
      if (step % 10 === 9) {
        const alive = { _deleted: { $eq: false } } as const;
        const queries: MangoQuery<Doc>[] = [
          { selector: alive },
          { selector: { ...alive, group: 'b' }, sort: [{ age: 'desc' }, { key: 'asc' }] },
          { selector: { ...alive, age: { $gte: 10, $lt: 30 } }, sort: [{ age: 'asc' }, { key: 'asc' }], skip: 2, limit: 5 },
          { selector: { ...alive, value: { $in: ['beta', 'delta'] } }, sort: [{ group: 'asc' }, { age: 'asc' }, { key: 'asc' }] },
          { selector: { ...alive, value: { $regex: 'a$' } }, limit: 4 },
          { selector: { $or: [{ _deleted: true }, { age: { $lt: 5 } }] } },
        ];
        for (const q of queries) {
          out.push(['query', strip((await inst.query(prep(q))).documents)]);
          out.push(['count', (await inst.count(prep({ ...q, skip: 0, limit: undefined }))).count]);
        }
        let cp: RxStorageDefaultCheckpoint | undefined;
        for (let page = 0; page < 20; page++) {
          const res2 = await getChangedDocumentsSince(inst, 7, cp);
          out.push(['changes', res2.documents.map((d) => [d.key, d._rev]), res2.checkpoint]);
          if (res2.documents.length === 0) break;
          cp = res2.checkpoint;
        }
      }
    }
    sub.unsubscribe();
    out.push(['events', events]);
    await inst.close();
    return out;
  }

  for (const seedValue of [1, 42, 20260]) {
    it(`seed ${seedValue}`, async () => {
      const a = await run(memory, seedValue);
      const b = await run(sqlite, seedValue);
      expect(b).toEqual(a);
    });
  }
});
