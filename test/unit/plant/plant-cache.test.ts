/**
 * The plant cache in the data folder (main/core/persistence/plant-cache.ts): a restart with the same plant file
 * and the same parser skips parse and validation; anything else re-validates.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLANT_CACHE_FILE, loadPlantCached, plantCodeVersion } from '../../../main/core/persistence/plant-cache';
import { PlantFileError } from '../../../main/core/persistence/plant-file';
import { parsePlantText } from '../../../shared/plant/parse';
import { fixture, readFixture } from './helpers';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let dir: string;
let dataDir: string;
let plantFile: string;
let logs: string[];
const opts = (codeVersion = 'code-v1') => ({ dataDir, codeVersion, log: (l: string) => logs.push(l) });
const cachePath = () => join(dataDir, PLANT_CACHE_FILE);
const expected = (file = plantFile) => {
  const r = parsePlantText(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error('fixture is invalid');
  return r.plant;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-plant-cache-'));
  dataDir = join(dir, 'data');
  plantFile = join(dir, 'plant.yaml');
  copyFileSync(fixture('small-plant.yaml'), plantFile);
  logs = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPlantCached', () => {
  it('validates on the first load, writes the cache, and answers the next load from it', async () => {
    const first = await loadPlantCached(plantFile, opts());
    expect(first.cached).toBe(false);
    expect(first.plant).toEqual(expected());
    expect(existsSync(cachePath())).toBe(true);

    const second = await loadPlantCached(plantFile, opts());
    expect(second.cached).toBe(true);
    expect(second.file).toBe(plantFile);
    expect(second.plant).toEqual(first.plant);
    // Same JSON, so the data folder's plant fingerprint (sha256 of JSON.stringify) is the same.
    expect(JSON.stringify(second.plant)).toBe(JSON.stringify(first.plant));
    expect(second.warnings).toEqual(first.warnings);
  });

  it('serves a hit from the cache without parsing the file', async () => {
    await loadPlantCached(plantFile, opts());
    // Put a different (but well-formed, correctly summed) plant into the entry: a hit must return it as is.
    const entry = JSON.parse(readFileSync(cachePath(), 'utf8')) as { body: string; bodySha256: string };
    const body = JSON.parse(entry.body) as { plant: { site: { name: string } } };
    body.plant.site.name = 'served from the cache';
    entry.body = JSON.stringify(body);
    entry.bodySha256 = sha256(entry.body);
    writeFileSync(cachePath(), JSON.stringify(entry));
    const hit = await loadPlantCached(plantFile, opts());
    expect(hit.cached).toBe(true);
    expect(hit.plant.site.name).toBe('served from the cache');
  });

  it('re-validates a changed plant file', async () => {
    await loadPlantCached(plantFile, opts());
    const text = readFileSync(plantFile, 'utf8');
    const changed = text.replace(/^(\s*name:\s*).*$/m, '$1Changed Works');
    expect(changed).not.toBe(text);
    writeFileSync(plantFile, changed);
    const r = await loadPlantCached(plantFile, opts());
    expect(r.cached).toBe(false);
    expect(r.plant).toEqual(expected());
    expect(JSON.stringify(r.plant)).toContain('Changed Works');
    // ...and caches the new content.
    expect((await loadPlantCached(plantFile, opts())).cached).toBe(true);
  });

  it('re-validates when the parser/schema code version changes', async () => {
    await loadPlantCached(plantFile, opts('code-v1'));
    const r = await loadPlantCached(plantFile, opts('code-v2'));
    expect(r.cached).toBe(false);
    expect(r.plant).toEqual(expected());
    expect((await loadPlantCached(plantFile, opts('code-v2'))).cached).toBe(true);
    expect((await loadPlantCached(plantFile, opts('code-v1'))).cached).toBe(false);
  });

  it('re-validates the same text under another path (issues name the file)', async () => {
    await loadPlantCached(plantFile, opts());
    const other = join(dir, 'other.yaml');
    copyFileSync(plantFile, other);
    const r = await loadPlantCached(other, opts());
    expect(r.cached).toBe(false);
    expect(r.file).toBe(other);
  });

  it('ignores a corrupt cache file, says so, re-validates and rewrites it', async () => {
    await loadPlantCached(plantFile, opts());
    const good = readFileSync(cachePath(), 'utf8');
    for (const corrupt of [good.slice(0, good.length >> 1), good.replace('"bodySha256":"', '"bodySha256":"0'), 'not json at all', '{}']) {
      writeFileSync(cachePath(), corrupt);
      logs = [];
      const r = await loadPlantCached(plantFile, opts());
      expect(r.cached).toBe(false);
      expect(r.plant).toEqual(expected());
      if (corrupt !== '{}') expect(logs.join('\n')).toMatch(/plant cache .* ignored/);
      expect((await loadPlantCached(plantFile, opts())).cached).toBe(true);
    }
  });

  it('refuses an invalid plant with the same error as loadPlantFile and does not cache it', async () => {
    const bad = join(dir, 'three-problems.yaml');
    writeFileSync(bad, readFixture('three-problems.yaml'));
    const err = await loadPlantCached(bad, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlantFileError);
    expect((err as PlantFileError).kind).toBe('invalid');
    expect((err as Error).message).toMatch(/three-problems\.yaml: 3 problems/);
    expect(existsSync(cachePath())).toBe(false);
    // Still refused the second time (nothing was cached).
    await expect(loadPlantCached(bad, opts())).rejects.toBeInstanceOf(PlantFileError);
  });

  it('names a missing plant file like loadPlantFile', async () => {
    const err = await loadPlantCached(join(dir, 'nope.yaml'), opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlantFileError);
    expect((err as PlantFileError).kind).toBe('unreadable');
    expect((err as Error).message).toMatch(/nope\.yaml: no such file/);
  });

  it('still loads when the cache cannot be written', async () => {
    writeFileSync(dataDir, 'a file where the data folder should be');
    const r = await loadPlantCached(plantFile, opts());
    expect(r.cached).toBe(false);
    expect(r.plant).toEqual(expected());
    expect(logs.join('\n')).toMatch(/not written/);
  });
});

describe('plantCodeVersion', () => {
  it('is a stable fingerprint of the parsing code', () => {
    expect(plantCodeVersion()).toMatch(/^[0-9a-f]{32}$/);
    expect(plantCodeVersion()).toBe(plantCodeVersion());
  });
});

describe('the build cache of the embedded demo plant', () => {
  it('answers a first start with an empty data folder; a tampered or stale one is ignored and the plant validated', async () => {
    const { writeDemoPlantCache } = await import('../../../main/core/persistence/plant-cache');
    const { demoPlantPath } = await import('../../../main/core/persistence/plant-file');
    const demoCache = join(dir, 'demo-plant-cache.json');
    await writeDemoPlantCache({ out: demoCache, codeVersion: 'code-v1' });
    const want = expected(demoPlantPath());

    const hit = await loadPlantCached(undefined, { ...opts('code-v1'), demoCache });
    expect(hit.cached).toBe(true);
    expect(hit.file).toBe(demoPlantPath());
    expect(hit.plant).toEqual(want);

    // Another parser version: the build cache does not apply.
    const stale = await loadPlantCached(undefined, { ...opts('code-v2'), dataDir: join(dir, 'other-data'), demoCache });
    expect(stale.cached).toBe(false);
    expect(stale.plant).toEqual(want);

    // A changed body (checksum mismatch): ignored with a log line, the plant validated again.
    const entry = JSON.parse(readFileSync(demoCache, 'utf8')) as { body: string };
    entry.body = entry.body.replace('"site"', '"sitE"');
    writeFileSync(demoCache, JSON.stringify(entry));
    const tampered = await loadPlantCached(undefined, { ...opts('code-v1'), dataDir: join(dir, 'third-data'), demoCache });
    expect(tampered.cached).toBe(false);
    expect(tampered.plant).toEqual(want);
    expect(logs.some((l) => l.includes('demo-plant-cache.json ignored'))).toBe(true);
  });
});
