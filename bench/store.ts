/**
 * Durable store (main/store/sqlite-storage.ts): start-up with 100k documents, bulk and single
 * insert rates.
 *
 *   npx tsx bench/store.ts [--json] [--docs N] [--runs N]      (npm run bench -- store)
 *
 * - bulk insert: N `actions` documents (the widest schema: 5 indexes + RxDB's 2) in bulkWrite
 *   calls of 1,000, each one committed SQLite transaction (WAL, synchronous=NORMAL);
 * - start-up: a fresh process-level open of the file (new connection, load into memory, all
 *   indexes built) until the first query answers — what the core does at start; repeated --runs
 *   times (default 3), median reported, best in the per-run lines;
 * - single insert: 2,000 bulkWrite calls of one document each, every one its own commit.
 *
 * `startup_ms` is wall time; `startup_cpu_ms` is this process's CPU time over the same span, the
 * figure to compare on a shared, loaded machine (the summary says the load average and cores).
 * Prints one JSON object per measurement, then the summary line. Budget: start-up ≤ 1000 ms.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillWithDefaultSettings, normalizeMangoQuery, now, prepareQuery, type RxDocumentData, type RxStorageInstance } from 'rxdb';
import { getRxStorageSQLite } from '../main/store/sqlite-storage';
import { actionSchema, type ActionDoc } from '../shared/store/collections';
import { benchArgs, numberFlag } from './_args';

const args = benchArgs('store', { docs: { type: 'string' }, runs: { type: 'string' } });
const json = args.json === true;
const DOCS = Math.max(1, numberFlag('store', 'docs', args.docs, 100_000));
const RUNS = Math.max(1, numberFlag('store', 'runs', args.runs, 3));
const BUDGET_MS = 1000;
const schema = fillWithDefaultSettings(actionSchema);

const print = (o: Record<string, unknown>): void => {
  if (json) console.log(JSON.stringify(o));
  else console.log(Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 10) / 10 : String(v)}`).join('  '));
};

let lwt = now();
function doc(i: number): RxDocumentData<ActionDoc> {
  return {
    id: `act-${String(i).padStart(7, '0')}`,
    decisionId: `dec-${Math.floor(i / 6)}`,
    kind: (['kitting', 'line-clearance', 'qa-release', 'changeover-readiness', 'schedule-communication'] as const)[i % 5]!,
    role: (['warehouse', 'qa', 'maintenance', 'planner'] as const)[i % 4]!,
    ownerId: `p-${i % 97}`,
    status: (['created', 'assigned', 'acknowledged', 'in-progress', 'done', 'verified'] as const)[i % 6]!,
    lineId: `L${i % 12}`,
    dueAt: 1_700_000_000_000 + i * 60_000,
    updatedAt: 1_700_000_000_000 + i * 1000,
    dependsOn: i % 3 === 0 ? [`act-${i - 1}`] : [],
    history: [{ at: 1_700_000_000_000 + i * 1000, from: null, to: 'created', by: 'takt' }],
    _deleted: false,
    _rev: '1-bench',
    _attachments: {},
    _meta: { lwt: ++lwt },
  };
}

async function open(file: string): Promise<RxStorageInstance<ActionDoc, unknown, unknown>> {
  const storage = getRxStorageSQLite({ filename: file });
  return (await storage.createStorageInstance<ActionDoc>({
    databaseName: 'bench',
    collectionName: 'actions',
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
    databaseInstanceToken: 'bench',
  })) as RxStorageInstance<ActionDoc, unknown, unknown>;
}

const dir = mkdtempSync(join(tmpdir(), 'takt-bench-store-'));
const file = join(dir, 'bench.sqlite');
try {
  // bulk insert
  let inst = await open(file);
  const BATCH = 1000;
  let t0 = performance.now();
  for (let start = 0; start < DOCS; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(DOCS, start + BATCH); i++) rows.push({ document: doc(i) });
    const res = await inst.bulkWrite(rows, 'bench');
    if (res.error.length) throw new Error(`bench store: ${res.error.length} write errors`);
  }
  const bulkMs = performance.now() - t0;
  const bulkPerS = (DOCS / bulkMs) * 1000;
  print({ bench: 'store', phase: 'bulk-insert', docs: DOCS, batch: BATCH, ms: bulkMs, per_s: bulkPerS });
  await inst.close();
  print({ bench: 'store', phase: 'file', bytes: statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) });

  // start-up
  const query = prepareQuery(schema, normalizeMangoQuery(schema, { selector: { ownerId: 'p-7', status: 'assigned' }, sort: [{ dueAt: 'asc' }], limit: 20 }));
  const startups: number[] = [];
  const warms: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    inst = await open(file);
    const res = await inst.query(query);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    cpus.push(cpuMs);
    const state = (inst.internals as { state: { loadMs: number; warmMs: number | undefined } }).state;
    const loadMs = state.loadMs;
    const count = (await inst.count(prepareQuery(schema, normalizeMangoQuery(schema, { selector: {} })))).count;
    if (count !== DOCS || res.documents.length === 0) throw new Error(`bench store: reopened with ${count} docs, query gave ${res.documents.length}`);
    startups.push(ms);
    while (state.warmMs === undefined) await new Promise((r) => setTimeout(r, 5));
    warms.push(state.warmMs);
    print({ bench: 'store', phase: 'startup', run: r + 1, docs: count, ms, cpu_ms: cpuMs, load_ms: loadMs, all_indexes_ms: state.warmMs });
    await inst.close();
  }
  const sorted = [...startups].sort((a, b) => a - b);
  const startupMs = sorted[Math.floor(sorted.length / 2)]!;
  const warmMs = [...warms].sort((a, b) => a - b)[Math.floor(warms.length / 2)]!;

  // single inserts
  inst = await open(file);
  const SINGLE = 2000;
  t0 = performance.now();
  for (let i = 0; i < SINGLE; i++) {
    const res = await inst.bulkWrite([{ document: doc(DOCS + i) }], 'bench');
    if (res.error.length) throw new Error('bench store: single write error');
  }
  const singleMs = performance.now() - t0;
  const singlePerS = (SINGLE / singleMs) * 1000;
  print({ bench: 'store', phase: 'single-insert', writes: SINGLE, ms: singleMs, per_s: singlePerS });
  await inst.close();

  const summary = {
    bench: 'store',
    docs: DOCS,
    startup_ms: Math.round(startupMs * 10) / 10,
    startup_best_ms: Math.round(sorted[0]! * 10) / 10,
    startup_cpu_ms: Math.round([...cpus].sort((a, b) => a - b)[Math.floor(cpus.length / 2)]!),
    all_indexes_ms: Math.round(warmMs),
    loadavg: Math.round(loadavg()[0]! * 10) / 10,
    cores: availableParallelism(),
    bulk_insert_per_s: Math.round(bulkPerS),
    single_insert_per_s: Math.round(singlePerS),
    budget_startup_ms: BUDGET_MS,
    ok: startupMs <= BUDGET_MS,
  };
  console.log(JSON.stringify(summary));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
