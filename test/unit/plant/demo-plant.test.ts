import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPlantPath, loadPlantFile, packageRoot } from '../../../main/core/persistence/plant-file';
import type { Plant } from '../../../shared/plant/schema';

let plant: Plant;
let warnings: unknown[];
beforeAll(async () => {
  ({ plant, warnings } = await loadPlantFile());
});

describe('the embedded demo plant', () => {
  it('loads from the package root without a path, with no errors and no warnings', async () => {
    expect(demoPlantPath()).toBe(join(packageRoot(), 'resources', 'plants', 'demo-plant.yaml'));
    expect(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).toMatch(/"name": "takt"/);
    expect(warnings).toEqual([]);
  });

  it('meets the size requirements', () => {
    const lines = plant.areas.flatMap((a) => a.lines);
    const allergensUsed = new Set(plant.families.flatMap((f) => f.allergens));
    expect(plant.areas.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(plant.products.length).toBeGreaterThanOrEqual(40);
    expect(plant.families.length).toBeGreaterThanOrEqual(6);
    expect(allergensUsed.size).toBeGreaterThanOrEqual(3);
    expect(plant.components.length).toBeGreaterThanOrEqual(20);
    expect(plant.shifts).toHaveLength(3);
    expect(new Set(plant.customers.map((c) => c.tier))).toEqual(new Set(['A', 'B', 'C']));
    expect(plant.orders.length).toBeGreaterThanOrEqual(150);
    expect(plant.crews).toHaveLength(3);
    expect(new Set(plant.crews.flatMap((c) => c.members.map((m) => m.role)))).toEqual(new Set(['operator', 'lead', 'qa', 'maintenance', 'warehouse', 'planner', 'controller', 'manager']));
    expect(plant.tools.length).toBeGreaterThan(0);
  });

  it('has 3–6 positioned machines per line, lines laid out as rows', () => {
    for (const area of plant.areas)
      for (const line of area.lines) {
        expect(line.machines.length, line.id).toBeGreaterThanOrEqual(3);
        expect(line.machines.length, line.id).toBeLessThanOrEqual(6);
        for (const m of line.machines) expect(m.position, m.id).toBeDefined();
        expect(new Set(line.machines.map((m) => m.position!.y)).size, line.id).toBe(1);
      }
  });

  it('has shifts 06–14, 14–22, 22–06 and realistic allergen changeovers', () => {
    expect(plant.shifts.map((s) => `${s.start}-${s.end}`)).toEqual(['06:00-14:00', '14:00-22:00', '22:00-06:00']);
    const fam = new Map(plant.families.map((f) => [f.id, f.allergens]));
    let allergenTransitions = 0;
    for (const c of plant.changeovers.matrix) {
      expect(c.minutes).toBeGreaterThanOrEqual(15);
      expect(c.minutes).toBeLessThanOrEqual(120);
      const carried = fam.get(c.from)!.filter((a) => !fam.get(c.to)!.includes(a));
      if (carried.length > 0) {
        allergenTransitions++;
        expect(c, `${c.from}→${c.to}`).toMatchObject({ clean: true, qaRelease: true });
      }
    }
    expect(allergenTransitions).toBeGreaterThan(5);
  });

  it('has an order book over ≤ 72 h that is busy but feasible', () => {
    for (const o of plant.orders) {
      expect(o.releaseInHours).toBeGreaterThanOrEqual(0);
      expect(o.releaseInHours).toBeLessThanOrEqual(60);
      expect(o.dueInHours).toBeGreaterThanOrEqual(8);
      expect(o.dueInHours).toBeLessThanOrEqual(72);
      expect(o.dueInHours).toBeGreaterThan(o.releaseInHours);
    }
    // Run hours on the fastest capable line, against 72 h of every line.
    const lines = plant.areas.flatMap((a) => a.lines);
    const bySku = new Map(plant.products.map((p) => [p.sku, p]));
    const runHours = plant.orders.reduce((h, o) => h + o.qty / Math.max(...Object.values(bySku.get(o.sku)!.rates)), 0);
    const load = runHours / (lines.length * 72);
    expect(load).toBeGreaterThan(0.6);
    expect(load).toBeLessThan(0.95);
    // Some orders are tight: little slack between release and due beyond the run itself.
    const tight = plant.orders.filter((o) => o.dueInHours - o.releaseInHours - o.qty / Math.max(...Object.values(bySku.get(o.sku)!.rates)) < 3);
    expect(tight.length).toBeGreaterThan(5);
  });

  it('is what scripts/make-demo-plant.mjs generates (deterministic, committed in sync)', () => {
    const root = packageRoot();
    const generated = execFileSync(process.execPath, [join(root, 'scripts', 'make-demo-plant.mjs'), '--stdout'], { encoding: 'utf8' });
    expect(generated).toBe(readFileSync(demoPlantPath(), 'utf8'));
    expect(generated.startsWith('# Takt demo plant')).toBe(true);
  });

  it('is found from an esbuild bundle in dist/ too (package root by walking up)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-root-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"name":"takt","type":"module"}');
      mkdirSync(join(dir, 'resources', 'plants'), { recursive: true });
      copyFileSync(demoPlantPath(), join(dir, 'resources', 'plants', 'demo-plant.yaml'));
      await build({
        stdin: { contents: "import { loadPlantFile } from './main/core/persistence/plant-file';\nconst { plant, file } = await loadPlantFile();\nconsole.log(JSON.stringify({ file, orders: plant.orders.length }));", resolveDir: packageRoot(), loader: 'ts' },
        bundle: true, platform: 'node', format: 'esm', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }, target: 'node20', outfile: join(dir, 'dist', 'cli.mjs'), logLevel: 'silent',
      });
      const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'dist', 'cli.mjs')], { encoding: 'utf8' }));
      expect(out).toEqual({ file: join(dir, 'resources', 'plants', 'demo-plant.yaml'), orders: plant.orders.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
