import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// Feeds the real lint configuration files that break the layering table and checks it refuses them.
// The files exist only in the test, so no tsconfig holds them: the type-aware rules (which need a
// file's project) are off here; the layering rules need no types.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { project: null, projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

async function layeringErrors(code: string, filePath: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('layering lint rule', () => {
  it('refuses Node built-ins, I/O and upward imports in shared/', async () => {
    expect(await layeringErrors("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'shared/twin/bad.ts')).toEqual([expect.stringContaining('shared/ is pure')]);
    expect(await layeringErrors("import fs from 'fs';\nexport const x = fs;\n", 'shared/bad.ts')).toHaveLength(1);
    expect(await layeringErrors("import { startCore } from '../main/core/core';\nexport const x = startCore;\n", 'shared/bad.ts')).toEqual([expect.stringContaining('shared/ imports only shared/')]);
    expect(await layeringErrors("export const x = process.env.HOME;\n", 'shared/bad.ts')).toEqual([expect.stringContaining('no process')]);
  });

  it('refuses electron outside main/electron and preload/', async () => {
    expect(await layeringErrors("import { app } from 'electron';\nexport const x = app;\n", 'main/core/bad.ts')).toEqual([expect.stringContaining('electron')]);
    expect(await layeringErrors("import { app } from 'electron';\nexport const x = app;\n", 'renderer/src/bad.ts')).toEqual([expect.stringContaining('electron')]);
    expect(await layeringErrors("import { app } from 'electron';\nexport const x = app;\n", 'shared/bad.ts')).toHaveLength(1);
    expect(await layeringErrors("import { app } from 'electron';\nexport const x = app;\n", 'main/electron/ok.ts')).toEqual([]);
    expect(await layeringErrors("import { contextBridge } from 'electron';\nexport const x = contextBridge;\n", 'preload/ok.ts')).toEqual([]);
  });

  it('refuses main/ and Node in the renderer', async () => {
    expect(await layeringErrors("import { startCore } from '../../main/core/core';\nexport const x = startCore;\n", 'renderer/src/bad.ts')).toEqual([expect.stringContaining('renderer/ never imports main/')]);
    expect(await layeringErrors("import { join } from 'node:path';\nexport const x = join;\n", 'renderer/src/bad.ts')).toHaveLength(1);
    expect(await layeringErrors("import { ProtocolClient } from '../../shared/protocol/client';\nexport const x = ProtocolClient;\n", 'renderer/src/ok.ts')).toEqual([]);
  });

  it('allows the core its Node built-ins and shared/', async () => {
    expect(await layeringErrors("import { join } from 'node:path';\nimport { createRng } from '../../shared/sim/random';\nexport const x = [join, createRng];\n", 'main/core/ok.ts')).toEqual([]);
  });

  it('keeps main/cli on top of main/core and main/report, so no import runs in a circle', async () => {
    expect(await layeringErrors("import { parseInstant } from '../../cli/replay';\nexport const x = parseInstant;\n", 'main/core/services/bad.ts')).toEqual([expect.stringContaining('never imports the command line')]);
    expect(await layeringErrors("import { startCore } from '../core/core';\nexport const x = startCore;\n", 'main/report/bad.ts')).toEqual([expect.stringContaining('main/report imports shared/ and Node only')]);
    expect(await layeringErrors("import { parseInstant } from '../cli/replay';\nexport const x = parseInstant;\n", 'main/report/bad.ts')).toHaveLength(1);
    expect(await layeringErrors("import { startCore } from '../core/core';\nimport { htmlToPdf } from '../report/pdf';\nexport const x = [startCore, htmlToPdf];\n", 'main/cli/ok.ts')).toEqual([]);
    expect(await layeringErrors("import { htmlToPdf } from '../../report/pdf';\nexport const x = htmlToPdf;\n", 'main/core/services/ok.ts')).toEqual([]);
  });
});
