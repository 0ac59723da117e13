/**
 * The parsed and checked plant, cached in the data folder so that a restart skips the YAML parse
 * and the validation (about a quarter of a second for the demo plant, more on a busy machine).
 *
 * A cache entry is used only when all of these match what is on disk and running now:
 * - the plant file's absolute path and the SHA-256 of its text (a changed file re-validates);
 * - the cache format;
 * - the code version: a fingerprint of the code that parses and checks plants (the built bundle,
 *   or the sources when running from TypeScript) and of the installed yaml and zod, so a changed
 *   schema, checker or parser re-validates without anyone remembering to bump a number.
 * The entry also carries a checksum of its own content: a truncated or edited cache file is
 * ignored (re-validated and rewritten), never trusted. Invalid plants are never cached.
 *
 * Connector secrets (tokens, passwords: shared/plant/redact.ts) are not in the cache in plain text:
 * the cached plant has them redacted, and they are stored apart, encrypted (AES-256-GCM) with a key
 * derived from the plant file's text, which a hit has in hand anyway (the entry only counts when
 * that text is unchanged) and which the cache does not hold. Whoever can read the cache but not the
 * plant file learns no secret. The file is written mode 600.
 *
 * The embedded demo plant also has a cache made by the build (`dist/demo-plant-cache.json`, written
 * by `writeDemoPlantCache` once the bundles exist, under the same checks, keyed by the plant's path
 * inside the package), so that even a first start with an empty data folder skips the parse.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parsePlantText, type PlantIssue } from '../../../shared/plant/parse';
import type { Plant } from '../../../shared/plant/schema';
import { redactSecrets, restoreSecrets, type SecretValue } from '../../../shared/plant/redact';
import { PlantFileError, demoPlantPath, loadPlantFile, packageRoot } from './plant-file';

export const PLANT_CACHE_FILE = 'plant-cache.json';
/** Layout of the cache file; bump when it changes. */
const CACHE_FORMAT = 1;

export interface LoadedPlant {
  plant: Plant;
  file: string;
  warnings: PlantIssue[];
  /** True when the plant came from the cache (no parse, no validation). */
  cached: boolean;
}

export interface PlantCacheOptions {
  /** The core's data folder; the cache is `<dataDir>/plant-cache.json`. */
  dataDir: string;
  /** Fingerprint of the parsing/validating code (default: `plantCodeVersion()`); tests pass their own. */
  codeVersion?: string;
  /** The build's cache of the embedded demo plant (default `dist/demo-plant-cache.json`); tests pass their own. */
  demoCache?: string;
  log?: (line: string) => void;
}

interface CacheEntry {
  format: number;
  code: string;
  file: string;
  textSha256: string;
  /** `JSON.stringify({ plant, warnings })`, kept as a string so the checksum covers exactly what is parsed. */
  body: string;
  bodySha256: string;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let codeVersionMemo: string | undefined;

/**
 * Fingerprint of the code that turns a plant file into a `Plant`: from a bundle, every built
 * `dist/*.mjs` and `dist/core/*.mjs` (the parser sits in one of them; any rebuild that changes code
 * invalidates, which errs on the safe side); from source, the plant parser, schema and checker
 * sources. Plus the installed yaml and zod package manifests (their versions).
 */
export function plantCodeVersion(): string {
  if (codeVersionMemo) return codeVersionMemo;
  const root = packageRoot();
  const here = fileURLToPath(import.meta.url);
  const files: string[] = [];
  const listDir = (dir: string, ext: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) : []);
  if (here.endsWith('.ts')) {
    files.push(...listDir(join(root, 'shared', 'plant'), '.ts'), ...listDir(join(root, 'shared', 'files'), '.ts'), join(root, 'main', 'core', 'persistence', 'plant-file.ts'), here);
  } else {
    const dist = basename(dirname(here)) === 'core' ? dirname(dirname(here)) : dirname(here);
    files.push(...listDir(dist, '.mjs'), ...listDir(join(dist, 'core'), '.mjs'));
  }
  files.push(join(root, 'node_modules', 'yaml', 'package.json'), join(root, 'node_modules', 'zod', 'package.json'));
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.slice(root.length)).update('\0');
    try {
      h.update(readFileSync(f));
    } catch {
      h.update('(missing)');
    }
    h.update('\0');
  }
  codeVersionMemo = h.digest('hex').slice(0, 32);
  return codeVersionMemo;
}

/**
 * Loads a plant file like `loadPlantFile` (same errors: `PlantFileError`), answering from the
 * cache in the data folder when the file and the code are unchanged, and refreshing the cache
 * otherwise. A cache that cannot be read or written only costs the parse.
 */
export async function loadPlantCached(path: string | undefined, opts: PlantCacheOptions): Promise<LoadedPlant> {
  const log = opts.log ?? (() => undefined);
  const file = path === undefined ? demoPlantPath() : resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // loadPlantFile words the read error (no such file, a folder, permission); it fails the same way.
    return { ...(await loadPlantFile(path)), cached: false };
  }
  const cachePath = join(opts.dataDir, PLANT_CACHE_FILE);
  const key = { format: CACHE_FORMAT, code: opts.codeVersion ?? plantCodeVersion(), file, textSha256: sha256(text) };

  const hit = await readEntry(cachePath, key, text, log);
  if (hit) return { ...hit, file, cached: true };
  if (file === demoPlantPath()) {
    const shipped = await readEntry(opts.demoCache ?? join(packageRoot(), DEMO_CACHE), { ...key, file: DEMO_KEY }, text, log);
    if (shipped) return { ...shipped, file, cached: true };
  }

  const result = parsePlantText(text, file);
  if (!result.ok) throw new PlantFileError(file, result.errors, 'invalid');
  await writeEntry(cachePath, key, text, result.plant, result.warnings, log);
  return { plant: result.plant, file, warnings: result.warnings, cached: false };
}

/** The build's cache of the embedded demo plant, relative to the package root, and its file key. */
const DEMO_CACHE = join('dist', 'demo-plant-cache.json');
const DEMO_KEY = 'resources/plants/demo-plant.yaml';

/**
 * Writes the build's cache of the embedded demo plant (run from the built bundle, after every bundle
 * is written: the code fingerprint covers them). Throws when the demo plant is invalid.
 */
export async function writeDemoPlantCache(opts: { out?: string; codeVersion?: string } = {}): Promise<string> {
  const file = demoPlantPath();
  const text = await readFile(file, 'utf8');
  const result = parsePlantText(text, file);
  if (!result.ok) throw new PlantFileError(file, result.errors, 'invalid');
  const out = opts.out ?? join(packageRoot(), DEMO_CACHE);
  let failure: string | undefined;
  await writeEntry(out, { format: CACHE_FORMAT, code: opts.codeVersion ?? plantCodeVersion(), file: DEMO_KEY, textSha256: sha256(text) }, text, result.plant, result.warnings, (line) => (failure = line));
  if (failure) throw new Error(failure);
  return out;
}

/** The key that seals an entry's secrets: derived from the plant file's text, which the cache does not hold. */
const secretsKey = (text: string) => createHash('sha256').update('takt plant-cache secrets\0').update(text).digest();

function seal(secrets: readonly SecretValue[], text: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', secretsKey(text), iv);
  const data = Buffer.concat([c.update(JSON.stringify(secrets), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), data]).toString('base64');
}

function unseal(sealed: string, text: string): SecretValue[] {
  const b = Buffer.from(sealed, 'base64');
  const d = createDecipheriv('aes-256-gcm', secretsKey(text), b.subarray(0, 12));
  d.setAuthTag(b.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8')) as SecretValue[];
}

async function readEntry(cachePath: string, key: Omit<CacheEntry, 'body' | 'bodySha256'>, text: string, log: (line: string) => void): Promise<{ plant: Plant; warnings: PlantIssue[] } | null> {
  let raw: string;
  try {
    raw = await readFile(cachePath, 'utf8');
  } catch {
    return null; // no cache yet
  }
  try {
    const e = JSON.parse(raw) as Partial<CacheEntry>;
    if (e.format !== key.format || e.code !== key.code || e.file !== key.file || e.textSha256 !== key.textSha256) return null;
    if (typeof e.body !== 'string' || e.bodySha256 !== sha256(e.body)) throw new Error('its checksum does not match its content');
    const body = JSON.parse(e.body) as { plant: Plant; warnings: PlantIssue[]; sealed?: string };
    if (typeof body.plant !== 'object' || body.plant === null || !Array.isArray(body.warnings)) throw new Error('it holds no plant');
    if (body.sealed !== undefined) restoreSecrets(body.plant, unseal(body.sealed, text));
    return { plant: body.plant, warnings: body.warnings };
  } catch (err) {
    log(`plant cache ${cachePath} ignored (${(err as Error).message}); validating the plant file again`);
    return null;
  }
}

async function writeEntry(cachePath: string, key: Omit<CacheEntry, 'body' | 'bodySha256'>, text: string, plant: Plant, warnings: PlantIssue[], log: (line: string) => void): Promise<void> {
  const { plant: redacted, secrets } = redactSecrets(plant);
  const body = JSON.stringify({ plant: redacted, warnings, ...(secrets.length > 0 ? { sealed: seal(secrets, text) } : {}) });
  // Only what survives JSON unchanged may be cached (an undefined-valued key or a Date would come back different).
  const back = JSON.parse(body) as { plant: Plant; warnings: PlantIssue[]; sealed?: string };
  if (!isDeepStrictEqual({ plant: restoreSecrets(back.plant, secrets), warnings: back.warnings }, { plant, warnings })) {
    log(`plant cache: ${key.file} does not survive a JSON round trip; not cached`);
    return;
  }
  const entry: CacheEntry = { ...key, body, bodySha256: sha256(body) };
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(cachePath), { recursive: true, mode: 0o700 }); // the data folder is private (data-dir.ts)
    await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await rename(tmp, cachePath);
  } catch (e) {
    log(`plant cache ${cachePath} not written (${(e as Error).message})`);
  }
}
