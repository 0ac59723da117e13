import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import Ajv from 'ajv';

const root = process.cwd();
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const schema = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));

type Target = string | { target: string };
const targetNames = (t: Target | Target[] | undefined): string[] => (t === undefined ? [] : (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : x.target)));

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`).toBe(true);
  expect(b.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('validates against app-builder-lib/scheme.json', () => {
    const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('is a rejecting schema (a wrong key fails), so the check above means something', () => {
    const validate = new Ajv({ strict: false, allowUnionTypes: true }).compile(schema);
    expect(validate({ ...config, linux: { ...config.linux, target: 42 } })).toBe(false);
    expect(validate({ ...config, notAnOption: true })).toBe(false);
  });

  it('identifies the app and writes to release/', () => {
    expect(config.appId).toBe('com.takt.controlroom');
    expect(config.productName).toBe('Takt');
    expect(config.directories.output).toBe('release');
  });

  it('builds Linux AppImage + deb, Windows nsis and macOS dmg', () => {
    expect(targetNames(config.linux.target)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targetNames(config.win.target)).toContain('nsis');
    expect(targetNames(config.mac.target)).toContain('dmg');
  });

  it('packs dist/ and package.json, unpacks and rebuilds better-sqlite3', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/**/*', 'package.json']));
    expect(config.asarUnpack.some((p: string) => p.includes('better-sqlite3'))).toBe(true);
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
    expect(config.electronFuses.runAsNode).toBe(false);
  });

  it('points at icon files that exist and are real PNGs of the right size', () => {
    for (const icon of [config.icon, config.win.icon, config.mac.icon]) {
      expect(existsSync(join(root, icon)), icon).toBe(true);
      expect(pngSize(join(root, icon)).width).toBeGreaterThanOrEqual(512);
    }
    const linuxDir = join(root, config.linux.icon);
    for (const size of [256, 512]) {
      expect(pngSize(join(linuxDir, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    }
    expect(pngSize(join(linuxDir, 'icon.png'))).toEqual({ width: 1024, height: 1024 });
  });
});
