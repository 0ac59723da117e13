import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Takt's package.json, found from this module's location (source or dist). */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find Takt's package root above ${fileURLToPath(from)}`);
    dir = up;
  }
}
