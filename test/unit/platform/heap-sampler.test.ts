/**
 * The soak's heap sampler (main/cli/heap-sampler.ts): off unless TAKT_SOAK_HEAP_FILE is set, and
 * then it collects (gc) before every sample, so the samples are the live heap, not GC timing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installHeapSampler } from '../../../main/cli/heap-sampler';

const g = globalThis as { gc?: () => void };
const realGc = g.gc;
const dirs: string[] = [];
afterEach(() => {
  g.gc = realGc;
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('heap sampler', () => {
  it('does nothing without the variable', () => {
    const lines: string[] = [];
    installHeapSampler({}, (l) => lines.push(l))();
    expect(lines).toEqual([]);
  });

  it('says so and samples nothing when node runs without --expose-gc', () => {
    g.gc = undefined;
    const lines: string[] = [];
    installHeapSampler({ TAKT_SOAK_HEAP_FILE: join(tmpdir(), 'never-written.jsonl') }, (l) => lines.push(l))();
    expect(lines.join('\n')).toMatch(/without --expose-gc/);
  });

  it('collects, then appends one JSON line per interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-heap-'));
    dirs.push(dir);
    const file = join(dir, 'heap.jsonl');
    let collections = 0;
    g.gc = () => void collections++;
    const stop = installHeapSampler({ TAKT_SOAK_HEAP_FILE: file, TAKT_SOAK_HEAP_INTERVAL_MS: '100' });
    await new Promise((r) => setTimeout(r, 450));
    stop();
    const samples = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; heapUsed: number; rss: number });
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(collections).toBe(samples.length);
    expect(samples.map((s) => s.seq)).toEqual(samples.map((_, i) => i));
    for (const s of samples) expect(s.heapUsed).toBeGreaterThan(0);
  });
});
