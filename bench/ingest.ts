/**
 * Ingest benchmark: a synthetic stream of canonical signals (JSON text lines; ~60% production.count,
 * ~25% machine.state, the rest ERP/MES others; ~1% duplicates; ~3% out of order inside the
 * lateness window, ~0.1% beyond it) through the whole pipeline: validate, dedupe, reorder, journal
 * to a real SQLite file in a temp dir, deliver (the twin's applyBatch when shared/twin/twin.ts
 * exists, else a fold). Compares with the ceiling: JSON.parse + Map update of the same lines.
 *
 *   npx tsx bench/ingest.ts [--json] [--signals N] [--lateness MS] [--sync FULL] [--writer inline|worker] [--fold]
 *
 * One JSON object per line; the last line is the summary.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plant } from '../shared/plant/schema';
import type { Signal } from '../shared/signals/schema';
import { createPlantIndex } from '../shared/ingest/plant-index';
import { createIngestPipeline } from '../shared/ingest/pipeline';
import { createRng } from '../shared/sim/random';
import { openJournal } from '../main/core/journal';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const N = Number(arg('--signals') ?? 1_000_000);
const LATENESS = Number(arg('--lateness') ?? 2000);
const SYNC = (arg('--sync') ?? 'NORMAL').toUpperCase() === 'FULL' ? 'FULL' : 'NORMAL';
const WRITER = arg('--writer') === 'worker' ? 'worker' : 'inline';
const out = (o: object) => console.log(JSON.stringify(o));
const root = join(fileURLToPath(import.meta.url), '..', '..');

// ---- plant: the demo plant if its file and parser exist, else one of the same shape (10 lines × 5 machines)
async function loadPlant(): Promise<{ plant: Plant; from: string }> {
  const file = join(root, 'resources/plants/demo-plant.yaml');
  const parser = join(root, 'shared/plant/parse.ts');
  if (existsSync(file) && existsSync(parser)) {
    try {
      const mod = (await import('../shared/plant/parse' as string)) as { parsePlantText?: (text: string, file?: string) => unknown };
      const r = mod.parsePlantText?.(readFileSync(file, 'utf8'), file) as { ok?: boolean; plant?: Plant; value?: Plant } | Plant | undefined;
      const plant = r && 'areas' in r ? (r as Plant) : ((r as { plant?: Plant; value?: Plant })?.plant ?? (r as { value?: Plant })?.value);
      if (plant?.areas) return { plant, from: 'resources/plants/demo-plant.yaml' };
    } catch (e) {
      out({ note: `demo plant not loaded (${(e as Error).message}); using a synthetic plant` });
    }
  }
  const lines = Array.from({ length: 10 }, (_, l) => ({
    id: `L${String(l + 1).padStart(2, '0')}`,
    name: `Line ${l + 1}`,
    families: ['F1'],
    bufferSize: 50,
    crew: { size: 2, skills: [] },
    machines: Array.from({ length: 5 }, (_, m) => ({ id: `L${String(l + 1).padStart(2, '0')}-M${m + 1}`, name: `M${m + 1}`, kind: 'other' as const })),
  }));
  const plant: Plant = {
    takt: 1,
    site: { id: 'bench', name: 'Bench plant', timezone: 'UTC' },
    areas: [{ id: 'A1', name: 'Area 1', lines }],
    allergens: [],
    families: [{ id: 'F1', name: 'Family 1', allergens: [] }],
    products: Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${i + 1}`, name: `Product ${i + 1}`, family: 'F1', bom: [{ component: 'C1', perUnit: 1 }], rates: Object.fromEntries(lines.map((l) => [l.id, 600])), tools: [] })),
    changeovers: { matrix: [] },
    tools: [],
    locations: [
      { id: 'WH', name: 'Warehouse', kind: 'warehouse' },
      { id: 'LS', name: 'Line side', kind: 'line-side' },
    ],
    components: Array.from({ length: 10 }, (_, i) => ({ id: `C${i + 1}`, name: `Component ${i + 1}`, uom: 'kg' as const, stock: [], leadTimeHours: 24 })),
    skills: [],
    crews: [],
    shifts: [],
    customers: [{ id: 'CUST-1', name: 'Customer', tier: 'A', serviceLevel: 0.98 }],
    orders: [],
  };
  return { plant, from: 'synthetic 10 lines × 5 machines' };
}

// ---- stream
function generate(plant: Plant, n: number): string[] {
  const rng = createRng(42);
  const machines = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => m.id)));
  const lines = plant.areas.flatMap((a) => a.lines.map((l) => l.id));
  const skus = plant.products.map((p) => p.sku);
  const components = plant.components.map((c) => c.id);
  const locations = [...new Set([...plant.locations.map((l) => l.id), ...plant.components.flatMap((c) => c.stock.map((s) => s.location))])];
  const customers = plant.customers.map((c) => c.id);
  const states = ['running', 'idle', 'down', 'changeover', 'blocked', 'starved'] as const;
  const t0 = Date.UTC(2026, 0, 1);
  const out: string[] = [];
  let mesSeq = 0;
  let erpSeq = 0;
  for (let i = 0; out.length < n; i++) {
    if (out.length > 100 && rng.chance(0.01)) {
      out.push(out[out.length - 1 - rng.int(0, 100)]!); // a re-delivery
      continue;
    }
    let et = t0 + i * 10;
    const r = rng.next();
    if (r < 0.03) et -= rng.int(1, Math.max(1, LATENESS - 100)); // out of order, inside the window
    else if (r < 0.031) et -= LATENESS + rng.int(100, 5000); // beyond the window: late
    const env = (source: string, seq: number) => ({ id: `${source}-${seq}`, source, seq, eventTime: et, receiveTime: et + 5 });
    const k = rng.next();
    let s: Record<string, unknown>;
    if (k < 0.6) s = { ...env('mes', ++mesSeq), type: 'production.count', machine: rng.pick(machines), orderId: `SO-${rng.int(1000, 1100)}`, good: rng.int(0, 20), scrap: rng.int(0, 1) };
    else if (k < 0.85) s = { ...env('mes', ++mesSeq), type: 'machine.state', machine: rng.pick(machines), state: rng.pick(states), reason: 'auto' };
    else if (k < 0.88) s = { ...env('erp', ++erpSeq), type: 'inventory.issue', component: rng.pick(components), location: rng.pick(locations), qty: rng.int(1, 50), line: rng.pick(lines) };
    else if (k < 0.9) s = { ...env('erp', ++erpSeq), type: 'inventory.receipt', component: rng.pick(components), location: rng.pick(locations), qty: rng.int(100, 1000), lot: `LOT-${i}` };
    else if (k < 0.92) s = { ...env('mes', ++mesSeq), type: 'order.started', orderId: `SO-${rng.int(1000, 1100)}`, line: rng.pick(lines) };
    else if (k < 0.94) s = { ...env('mes', ++mesSeq), type: 'order.completed', orderId: `SO-${rng.int(1000, 1100)}`, line: rng.pick(lines) };
    else if (k < 0.96) s = { ...env('mes', ++mesSeq), type: 'labour.clockIn', person: `P${rng.int(1, 80)}`, line: rng.pick(lines) };
    else if (k < 0.97) s = { ...env('mes', ++mesSeq), type: 'quality.deviation', line: rng.pick(lines), description: 'fill weight drift' };
    else if (k < 0.98) s = { ...env('erp', ++erpSeq), type: 'demand.changed', sku: rng.pick(skus), qtyDelta: rng.int(-100, 100), customer: rng.pick(customers) };
    else if (k < 0.99) s = { ...env('erp', ++erpSeq), type: 'po.eta', po: `PO-${rng.int(1, 200)}`, component: rng.pick(components), qty: 500, eta: et + 86_400_000 };
    else s = { ...env('erp', ++erpSeq), type: 'order.priority', orderId: `SO-${rng.int(1000, 1100)}`, priority: rng.int(1, 5) };
    out.push(JSON.stringify(s));
  }
  return out;
}

// ---- deliver: the twin when it exists, else a fold
type Deliver = (batch: Signal[], last: number) => void;
async function makeDeliver(plant: Plant, startTime: number): Promise<{ deliver: Deliver; kind: string; check: () => string }> {
  if (existsSync(join(root, 'shared/twin/twin.ts')) && !args.includes('--fold')) {
    try {
      const mod = (await import('../shared/twin/twin' as string)) as { createTwin?: (p: Plant, o: object) => { applyBatch(b: Signal[], p: number): void; hash?(): string } };
      if (mod.createTwin) {
        const twin = mod.createTwin(plant, { startTime });
        return { deliver: (b, p) => twin.applyBatch(b, p), kind: 'twin', check: () => String(twin.hash?.() ?? '') };
      }
    } catch (e) {
      out({ note: `twin not used (${(e as Error).message}); folding instead` });
    }
  }
  const state = new Map<string, { state: string; good: number; scrap: number }>();
  let other = 0;
  return {
    kind: 'fold',
    deliver: (b) => {
      for (let i = 0; i < b.length; i++) {
        const s = b[i]!;
        if (s.type === 'production.count') {
          let m = state.get(s.machine);
          if (!m) state.set(s.machine, (m = { state: 'idle', good: 0, scrap: 0 }));
          m.good += s.good;
          m.scrap += s.scrap;
        } else if (s.type === 'machine.state') {
          let m = state.get(s.machine);
          if (!m) state.set(s.machine, (m = { state: 'idle', good: 0, scrap: 0 }));
          m.state = s.state;
        } else other++;
      }
    },
    check: () => String([...state.values()].reduce((a, m) => a + m.good, 0) + other),
  };
}

function ceiling(lines: string[]): number {
  const m = new Map<string, unknown>();
  const t = performance.now();
  for (let i = 0; i < lines.length; i++) {
    const o = JSON.parse(lines[i]!) as { machine?: string; source: string };
    m.set(o.machine ?? o.source, o);
  }
  return lines.length / ((performance.now() - t) / 1000);
}

const { plant, from } = await loadPlant();
const tg = performance.now();
const stream = generate(plant, N);
const bytes = stream.reduce((a, l) => a + l.length, 0);
out({ phase: 'generated', signals: N, avg_bytes: Math.round(bytes / N), plant: from, ms: Math.round(performance.now() - tg) });

// Ceiling first (best of 2), on the same lines.
let ceil = 0;
for (let r = 0; r < 2; r++) ceil = Math.max(ceil, ceiling(stream));
out({ phase: 'ceiling', per_s: Math.round(ceil) });

const dir = mkdtempSync(join(tmpdir(), 'takt-ingest-bench-'));
const journal = openJournal(join(dir, 'journal.sqlite'), { synchronous: SYNC, writer: WRITER });
const t0 = JSON.parse(stream[0]!).eventTime as number;
const { deliver, kind, check } = await makeDeliver(plant, t0 - 1000);
let delivered = 0;
const pipeline = createIngestPipeline({
  index: createPlantIndex(plant),
  journal,
  deliver: (b, p) => {
    delivered += b.length;
    deliver(b, p);
  },
  latenessMs: LATENESS,
  clockSkewMs: 5 * 60_000,
});

if (global.gc) global.gc();
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
let lastReport = start;
for (let i = 0; i < stream.length; i++) {
  pipeline.push(stream[i]!);
  if ((i & 0xffff) === 0 && i > 0) {
    const now = performance.now();
    if (now - lastReport > 1000 && !args.includes('--json')) {
      out({ phase: 'progress', pushed: i, per_s: Math.round(i / ((now - start) / 1000)), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) });
      lastReport = now;
    }
  }
}
pipeline.flush();
journal.sync(); // everything committed before the clock stops
const secs = (performance.now() - start) / 1000;
const rss = process.memoryUsage().rss;
const st = pipeline.stats();
const dbBytes = ['journal.sqlite', 'journal.sqlite-wal'].reduce((a, f) => a + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0);
out({
  phase: 'stats',
  deliver: kind,
  synchronous: SYNC,
  writer: WRITER,
  lateness_ms: LATENESS,
  accepted: st.accepted,
  duplicates: st.duplicates,
  dead_lettered: st.deadLettered,
  late_applied: st.late,
  rejected_by: st.rejectedBy,
  delivered,
  journal_position: journal.lastPosition,
  batches: st.batches,
  dedupe_keys: st.dedupeKeys,
  journal_mb: Math.round(dbBytes / 2 ** 20),
  rss_before_mb: Math.round(rssBefore / 2 ** 20),
  heap_mb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  stream_mb: Math.round((bytes + N * 16) / 2 ** 20),
  check: check(),
});
if (st.accepted + st.duplicates + st.deadLettered !== N || journal.lastPosition !== st.accepted || delivered !== st.accepted) {
  out({ error: 'accounting mismatch', expected: N, ...st });
  process.exitCode = 1;
}
journal.close();
rmSync(dir, { recursive: true, force: true });
const perS = N / secs;
out({ bench: 'ingest', signals: N, signals_per_s: Math.round(perS), ceiling_per_s: Math.round(ceil), ratio: Number((perS / ceil).toFixed(3)), rss_mb: Math.round(rss / 2 ** 20) });
