/**
 * The short soak of `npm test`: the soak run (bench/soak) for a fraction of a plant day at the
 * core's top speed, with at least 3 kill -9 restarts (one with a torn journal tail), 2 broker
 * restarts, a full disk (when the run can mount a tmpfs: root with mount rights) and a wall-clock step, two
 * consoles open throughout. It asserts the invariants, not timings: nothing acknowledged lost,
 * nothing applied twice, every restart resumed the twin a replay of the journal gives, the hash
 * chains verify, the consoles came back (a generous bound for a loaded CI machine: the real figure
 * is in the report), and a full disk paused ingest visibly and resumed by itself.
 * Needs the built CLI (`npm run build`).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak } from '../../bench/soak/soak';
import { invariantLines, writeReport } from '../../bench/soak/report';
import { repoRoot } from './core';

describe('short soak under faults', () => {
  it('loses nothing acknowledged, applies nothing twice and resumes the replayed twin through kills, broker restarts and a full disk', { timeout: 600_000 }, async () => {
    if (!existsSync(join(repoRoot, 'dist', 'cli.mjs'))) throw new Error('dist/cli.mjs is missing: run `npm run build` before this test');
    const out = mkdtempSync(join(tmpdir(), 'takt-soak-'));
    const r = await runSoak({
      plantDays: 0.6,
      speed: 600,
      seed: 7,
      faults: true,
      out,
      diskMb: 256,
      minFaults: { kill: 3, broker: 2, 'disk-full': 1, 'clock-step': 2, torn: 1 },
      reconnectLimitMs: 30_000,
      log: () => undefined,
    });
    writeReport(out, r);
    console.log([...invariantLines(r), `report: ${out}/report.html`, JSON.stringify(r.summary)].join('\n'));
    const s = r.summary;
    expect(s.kills).toBeGreaterThanOrEqual(3);
    expect(s.broker_restarts).toBeGreaterThanOrEqual(2);
    expect(r.acknowledged, 'the feeders got acknowledgements').toBeGreaterThan(100);
    expect(r.lostIds, 'acknowledged signals lost').toEqual([]);
    expect(r.duplicateIds, 'signals journaled twice').toEqual([]);
    expect(r.hashes.checked, 'one resume hash per restart').toBeGreaterThanOrEqual(3);
    expect(r.hashes.mismatches, 'resumed twin hash vs a replay of the journal').toEqual([]);
    expect(r.chains.ok, r.chains.detail).toBe(true);
    expect(r.reconnect.missed, 'console reconnects missed (30 s bound)').toBe(0);
    expect(r.tornTails).toBeGreaterThanOrEqual(1);
    for (const d of r.disk.events) expect(d, 'a full disk: paused in the log and the console, then resumed').toMatchObject({ pausedLogged: true, consoleShowed: true, resumed: true });
    // Where the run could mount its size-limited tmpfs (root with mount rights), the disk did fill.
    if (r.disk.sizeLimited) expect(r.disk.events.length).toBeGreaterThanOrEqual(1);
    rmSync(out, { recursive: true, force: true }); // kept (with its report) only when the test fails
  });
});
