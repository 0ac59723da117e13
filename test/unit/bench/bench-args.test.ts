import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { largePlant, plantCase } from '../../../bench/_large-plant';
import { checkPlant } from '../../../shared/plant/check';
import { plantSchema } from '../../../shared/plant/schema';

const root = join(import.meta.dirname, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

describe('bench flags', () => {
  // Every bench moved onto benchArgs: an unknown flag exits 2 before any work, naming the flag.
  for (const bench of ['twin', 'store', 'simulate', 'simulate-kernel', 'startup', 'ingest', 'mqtt']) {
    it(`${bench} refuses a flag it does not know`, () => {
      const r = spawnSync(tsx, [join(root, 'bench', `${bench}.ts`), '--bogus'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`bench ${bench}:`);
      expect(r.stderr).toContain("'--bogus'");
      expect(r.stderr).toContain('flags this bench knows: --json');
      expect(r.stdout).toBe('');
    });
  }

  it('ingest refuses a plant it does not have', () => {
    const r = spawnSync(tsx, [join(root, 'bench', 'ingest.ts'), '--plant', 'huge'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--plant must be 'demo' or 'large', got 'huge'");
  });
});

describe('large plant', () => {
  it('has the asked shape, passes the plant checks and is the same for the same seed', () => {
    const plant = largePlant();
    expect(plantCase(plant)).toEqual({ halls: 4, lines: 60, machines: 1000 });
    expect(plantSchema.safeParse(plant).success).toBe(true);
    expect(checkPlant(plant).filter((i) => i.severity === 'error')).toEqual([]);
    expect(JSON.stringify(largePlant())).toBe(JSON.stringify(plant));
    const ids = plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => m.id)));
    expect(new Set(ids).size).toBe(1000);
  });

  it('takes other sizes and seeds, and refuses impossible ones', () => {
    const small = largePlant({ machines: 37, lines: 5, halls: 2, seed: 3 });
    expect(plantCase(small)).toEqual({ halls: 2, lines: 5, machines: 37 });
    expect(JSON.stringify(largePlant({ machines: 37, lines: 5, halls: 2, seed: 4 }))).not.toBe(JSON.stringify(small));
    expect(() => largePlant({ machines: 3, lines: 5 })).toThrow(/machines \(3\) ≥ lines/);
  });
});
