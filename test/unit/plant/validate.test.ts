import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../../main/cli/validate';
import { PlantFileError, loadPlantFile } from '../../../main/core/persistence/plant-file';
import { fixture } from './helpers';

async function run(file: string, json = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await validateCommand(file, { json, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = mkdtempSync(join(tmpdir(), 'takt-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('takt validate', () => {
  it('0 and a one-line summary for a valid plant', async () => {
    const r = await run(fixture('small-plant.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toBe(`OK ${fixture('small-plant.yaml')}: 1 area, 2 lines, 5 machines, 3 SKUs, 3 families, 6 orders`);
    expect(r.err).toBe('');
  });

  it('0 for the JSON plant, with a JSON summary', async () => {
    const r = await run(fixture('small-plant.json'), true);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ ok: true, file: fixture('small-plant.json'), summary: { areas: 1, lines: 2, machines: 5, skus: 3, families: 3, orders: 6 }, warnings: [] });
  });

  it('1 and every issue for an invalid plant', async () => {
    const r = await run(fixture('three-problems.yaml'));
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/three-problems\.yaml:19:36 areas\[0\]\.lines\[1\]\.families\[2\]: unknown family 'dairy'/);
    expect(lines[3]).toBe(`3 problems in ${fixture('three-problems.yaml')}`);
  });

  it('1 and the issues as JSON with --json', async () => {
    const r = await run(fixture('syntax-error.yaml'), true);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.ok).toBe(false);
    expect(body.errors).toEqual([expect.objectContaining({ file: fixture('syntax-error.yaml'), line: 11, column: 9 })]);
  });

  it('2 for a missing file, naming the path', async () => {
    const missing = join(tmp, 'nope.yaml');
    const r = await run(missing);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot read plant file ${missing}: no such file`);
    const j = await run(missing, true);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, unreadable: true });
  });

  it('2 for a folder', async () => {
    expect((await run(tmp)).code).toBe(2);
  });

  it('loadPlantFile throws PlantFileError with the issues and a formatted message', async () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'takt: 1\nsite: { id: s, name: S }\n');
    const e = await loadPlantFile(bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PlantFileError);
    const err = e as PlantFileError;
    expect(err.kind).toBe('invalid');
    expect(err.issues.map((i) => i.path)).toEqual(['areas', 'families', 'products', 'customers']);
    expect(err.message).toContain(`${bad}:1:1 areas: missing required key 'areas'`);
  });
});
