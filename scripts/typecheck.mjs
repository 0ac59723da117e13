// `npm run typecheck`: every layer with its own types (shared/ neither DOM nor Node, renderer/ DOM,
// main/ Node, the preload, then tests, benchmarks and scripts with both), two at a time.
import { spawn } from 'node:child_process';

export const projects = ['shared/tsconfig.json', 'renderer/tsconfig.json', 'main/tsconfig.json', 'preload/tsconfig.json', 'tsconfig.json'];

function check(project) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project, '--noEmit', '--pretty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ project, ok: code === 0, out }));
  });
}

const queue = [...projects];
const results = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const r = await check(p);
      results.push(r);
      console.log(`${r.ok ? '✔' : '✘'} tsc -p ${r.project}`);
      if (!r.ok) process.stdout.write(r.out);
    }
  }),
);
process.exit(results.every((r) => r.ok) ? 0 : 1);
