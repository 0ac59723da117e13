/**
 * Keeps copies of the decide service's exception registry, the saved what-if scenarios and the
 * active rule set in the Takt RxDB, so the store holds every business record. The JSON
 * files (`exceptions.json`, `scenarios.json`, `rules-active.yaml`) stay what the services load
 * from; the store gets an up-to-date copy, written through the commit store's one serialized
 * writer (so these writes queue behind, never between, the commit chains' writes). A failed
 * mirror write is logged and never reaches the service that made the change.
 */
import { createHash } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import type { ExceptionChange, ExceptionRecord } from '../../../shared/decide/exceptions';
import type { LoadedRules } from '../../../shared/decide/rules-parse';
import type { SavedScenario } from '../../../shared/protocol/api';
import type { ExceptionDoc, ScenarioDoc } from '../../../shared/store/collections';
import type { CommitStore } from './commit-store';

/** Saved what-ifs have names up to 120 characters; the store's ids are at most 48. */
export const savedScenarioDocId = (name: string) => `whatif-${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
/** The same id the receipt writer (services/commit/receipts.ts) gives a rule set when a decision records it (first 40 hex of its hash). */
export const ruleSetDocId = (r: { hash: string }) => r.hash.slice(0, 40);

/**
 * Retention of pruned exceptions in the store: the last record of the newest this many that the
 * registry has forgotten (state 'removed') is kept; older ones are deleted from the store. The
 * store holds every document in memory (sqlite-storage.ts), so a copy of every exception ever
 * raised would grow the core's memory by a few KB per exception for as long as it runs. What a
 * person did to an exception stays in the audit log, and a decision's receipt keeps its exception's
 * id and title.
 */
export const KEEP_REMOVED_EXCEPTIONS = 500;
/** Removals between two trims (a trim reads the removed records through an index). */
const TRIM_EVERY = 100;

const json = <T>(v: unknown) => JSON.parse(JSON.stringify(v)) as T;
const int = (t: number) => Math.max(0, Math.floor(t));

export function exceptionDoc(e: ExceptionRecord): ExceptionDoc {
  return { id: e.id, key: e.key, type: e.type, priority: e.priority, state: e.state, lineId: e.subject.lineId ?? '', raisedAt: int(e.raisedAt), updatedAt: int(e.updatedAt), record: json(e) };
}

export function scenarioDoc(s: SavedScenario, journalPosition?: number): ScenarioDoc {
  return {
    id: savedScenarioDocId(s.name),
    exceptionId: '',
    status: 'draft',
    createdAt: int(s.savedAt),
    createdBy: (s.by ?? 'takt').slice(0, 32),
    ...(journalPosition !== undefined ? { journalPosition } : {}),
    title: s.name,
    changes: json([...s.scenario.disruptions, ...s.scenario.moves]),
    saved: json(s),
  };
}

export interface StoreMirror {
  /**
   * `current` reads the registry's record now: a change carries a copy taken mid-action (an
   * acknowledgement's transition is copied before `acknowledged` is set), so the copy can be stale.
   */
  exceptions(changes: readonly ExceptionChange[], current?: (id: string) => ExceptionRecord | undefined): Promise<void>;
  allExceptions(list: readonly ExceptionRecord[]): Promise<void>;
  scenarioSaved(s: SavedScenario, journalPosition?: number): Promise<void>;
  scenarioDeleted(name: string): Promise<void>;
  /** Makes the stored saved what-ifs the given list (start: brings an existing scenarios.json in). */
  allScenarios(list: readonly SavedScenario[]): Promise<void>;
  ruleSet(r: LoadedRules, by: string, at: number): Promise<void>;
}

export function createStoreMirror(store: CommitStore, log: (line: string) => void, opts: { keepRemoved?: number } = {}): StoreMirror {
  const { db } = store;
  const keepRemoved = opts.keepRemoved ?? KEEP_REMOVED_EXCEPTIONS;
  let removedSinceTrim = TRIM_EVERY; // trim once at the first removal: a store from before this rule may hold more
  /** Deletes the oldest removed exceptions beyond `keepRemoved`, and purges them from memory and the file. */
  const trimRemoved = async () => {
    removedSinceTrim = 0;
    const removed = await db.exceptions.count({ selector: { state: 'removed' } }).exec();
    if (removed <= keepRemoved) return;
    const oldest = await db.exceptions.find({ selector: { state: 'removed' }, sort: [{ state: 'asc' }, { raisedAt: 'asc' }], limit: removed - keepRemoved }).exec();
    await db.exceptions.bulkRemove(oldest.map((d) => d.id));
    // A deleted document stays as a tombstone until purged; nothing replicates this store, so at once.
    await db.exceptions.storageInstance.cleanup(0);
  };
  const write = (what: string, f: () => Promise<void>) =>
    store.serial(f).catch((e: unknown) => log(`store mirror: ${what} not written to the store: ${(e as Error).message}`));
  const upsert = async <T>(c: RxCollection<T>, docs: T[]) => {
    if (docs.length === 0) return;
    const r = await c.bulkUpsert(docs);
    if (r.error.length) throw new Error(`${r.error.length} write(s) refused, first: ${JSON.stringify(r.error[0]).slice(0, 300)}`);
  };

  return {
    exceptions: (changes, current) => {
      // Latest record per id wins (a batch may move one exception twice); read now, written later.
      const latest = new Map<string, ExceptionRecord>();
      const removed: string[] = [];
      for (const c of changes) {
        if (c.kind === 'removed') removed.push(c.id);
        else latest.set(c.exception.id, current?.(c.exception.id) ?? c.exception);
      }
      return write('exception changes', async () => {
        await upsert(db.exceptions, [...latest.values()].map(exceptionDoc));
        // The registry forgets a removed exception; the store keeps its last record, marked removed.
        for (const id of removed) {
          if (latest.has(id)) continue;
          const d = await db.exceptions.findOne(id).exec();
          if (d && d.state !== 'removed') await d.incrementalPatch({ state: 'removed' });
          removedSinceTrim++;
        }
        if (removedSinceTrim >= TRIM_EVERY) await trimRemoved();
      });
    },
    allExceptions: (list) => write('exception registry', () => upsert(db.exceptions, list.map(exceptionDoc))),
    scenarioSaved: (s, position) => write(`saved scenario '${s.name}'`, () => upsert(db.scenarios, [scenarioDoc(s, position)])),
    scenarioDeleted: (name) =>
      write(`deletion of saved scenario '${name}'`, async () => {
        const d = await db.scenarios.findOne(savedScenarioDocId(name)).exec();
        if (d) await d.remove();
      }),
    allScenarios: (list) =>
      write('saved scenarios', async () => {
        const keep = new Set(list.map((s) => savedScenarioDocId(s.name)));
        // Stored docs the file no longer has were deleted while the store was not listening.
        const stale = (await db.scenarios.find({ selector: { exceptionId: '' } }).exec()).filter((d) => d.id.startsWith('whatif-') && !keep.has(d.id));
        for (const d of stale) await d.remove();
        // A doc already stored keeps its journal position (known only when saved while mirrored).
        const have = new Map((await db.scenarios.findByIds([...keep]).exec()).entries());
        await upsert(
          db.scenarios,
          list.map((s) => scenarioDoc(s, have.get(savedScenarioDocId(s.name))?.journalPosition)),
        );
      }),
    ruleSet: (r, by, at) => write(`rule set ${r.version}`, () => store.saveRuleSet({ id: ruleSetDocId(r), version: r.version, name: r.rules.name, hash: r.hash, createdAt: int(at), createdBy: by.slice(0, 32), rules: json(r.rules) })),
  };
}
