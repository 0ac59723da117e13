// `npm run bench -- <name> [--json] [...]`: the one entry for every benchmark in bench/<name>.ts.
// Each benchmark prints one JSON object per line; the last line is its summary.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...rest] = process.argv.slice(2);
const names = readdirSync('bench').filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
if (!name || name === '--help' || !names.includes(name)) {
  if (name && name !== '--help') console.error(`unknown benchmark '${name}'`);
  console.error(`usage: npm run bench -- <name> [--json]\nbenchmarks: ${names.join(', ')}`);
  process.exit(name && name !== '--help' ? 2 : 0);
}
const needsBuild = ['startup', 'render', 'timeline'].includes(name);
if (needsBuild && !existsSync('dist/renderer/index.html')) spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
const r = spawnSync('npx', ['tsx', `bench/${name}.ts`, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
