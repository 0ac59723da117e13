/** `takt import` refuses a file over its size limit before reading it, with a message saying what to do. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCommand, MAX_IMPORT_BYTES } from '../../../main/cli/import';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'takt-import-limit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a file over the limit without reading it (bounded memory)', async () => {
  const file = join(dir, 'huge.csv');
  writeFileSync(file, 'id,sku,qty,customer,due\n');
  truncateSync(file, MAX_IMPORT_BYTES + 1); // sparse: no disk, no time
  const errs: string[] = [];
  const rss = process.memoryUsage().rss;
  const code = await importCommand(file, { dryRun: true, out: () => undefined, err: (t) => errs.push(t) });
  expect(code).toBe(2);
  expect(errs.join('\n')).toMatch(/huge\.csv is 16\.0 MiB; the import takes files of at most 16 MiB: split it/);
  expect(process.memoryUsage().rss - rss).toBeLessThan(MAX_IMPORT_BYTES);
});
