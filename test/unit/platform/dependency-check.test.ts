import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Feeds the real dependency-cruiser configuration a small tree that breaks it, and checks each
// cycle and layer breach is named (and that allowed imports pass).
const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'takt-depcheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

tree({
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true } }),
  // a cycle, type-only on one side
  'shared/a.ts': "import type { B } from './b';\nexport type A = { b?: B };\n",
  'shared/b.ts': "import type { A } from './a';\nexport type B = { a?: A };\n",
  'shared/fs.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
  'shared/up.ts': "import { x } from '../main/core/ok';\nexport const y = x;\n",
  'shared/io.ts': "import { WebSocket } from 'ws';\nexport const w = WebSocket;\n",
  'main/core/ok.ts': "import { join } from 'node:path';\nimport type { A } from '../../shared/a';\nexport const x: [typeof join, A | null] = [join, null];\n",
  'main/core/electron.ts': "import { app } from 'electron';\nexport const a = app;\n",
  'main/electron/ok.ts': "import { app } from 'electron';\nimport { x } from '../core/ok';\nexport const a = [app, x];\n",
  'renderer/src/bad.ts': "import { x } from '../../main/core/ok';\nimport { join } from 'node:path';\nexport const y = [x, join];\n",
  'preload/ok.ts': "import { contextBridge } from 'electron';\nexport const c = contextBridge;\n",
});
symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'), 'dir');

function violations(): string[] {
  const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json', 'shared', 'main', 'renderer', 'preload'], { cwd: dir, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`).sort();
}

describe('dependency check (.dependency-cruiser.cjs)', () => {
  it('names every cycle and layer breach, and nothing else', () => {
    expect(violations()).toEqual([
      'electron-only-in-electron-main-and-preload: main/core/electron.ts → node_modules/electron/index.js',
      // a cycle is reported once, from where the cruise meets it first
      'no-circular: shared/a.ts → shared/b.ts',
      'renderer-no-node-builtins: renderer/src/bad.ts → path',
      'renderer-not-main-or-node: renderer/src/bad.ts → main/core/ok.ts',
      'shared-imports-only-shared: shared/up.ts → main/core/ok.ts',
      'shared-no-io-libraries: shared/io.ts → node_modules/ws/wrapper.mjs',
      'shared-no-node-builtins: shared/fs.ts → fs',
    ]);
  }, 60_000);
});
