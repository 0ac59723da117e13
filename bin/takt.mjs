#!/usr/bin/env node
// The `takt` command. It runs the built CLI; `npm run build` makes it.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.mjs');
if (!existsSync(cli)) {
  console.error('takt: the CLI is not built yet. Run `npm run build` (or `npm start`) first.');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
