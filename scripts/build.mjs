// One build for every part: Node bundles (CLI + core, Electron main, utility-process entry, preload)
// with esbuild, and the renderer with vite. Dependencies stay external for the Node bundles.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rmSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// A build is always the production build: started from a test runner (NODE_ENV=test), vite and the
// React plugin would otherwise ship React's development runtime, several times slower per render.
process.env.NODE_ENV = 'production';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(part);

if (only.length === 0) rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// Pure-JS dependencies the start path needs are bundled into the Node chunks: Node's ESM loader
// resolves, reads and compiles each file of a package separately (zod alone is ~100 files, yaml
// ~90 CommonJS files that the loader also lexes for named exports), a visible part of every
// start before the URL (the `startup` benchmark). Everything else (native modules, large lazily-loaded connectors and the
// store) stays external and is loaded from node_modules when used.
// csv-parse stays external: shared/tsconfig.json maps its import to a declaration file for type
// checking, and esbuild would follow that map if it bundled the package.
const bundled = new Set(['zod', 'yaml', 'xstate', 'commander', '@noble/hashes', 'ws']);
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const externalExceptBundled = {
  name: 'external-except-bundled',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  plugins: [externalExceptBundled],
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

const started = Date.now();
const jobs = [];
if (want('node')) {
  jobs.push(
    esbuild({
      ...common,
      format: 'esm',
      entryPoints: { cli: 'main/cli/cli.ts', 'core/utility-entry': 'main/core/hosts/utility-entry.ts', 'core/journal-worker': 'main/core/persistence/journal-worker.ts', 'core/replications-worker': 'main/core/services/replications-worker.ts', 'core/schedule-worker': 'main/core/services/schedule-worker.ts', 'core/backtest-worker': 'main/core/services/backtest-worker.ts', 'core/write-demo-plant-cache': 'scripts/write-demo-plant-cache.ts' },
      outdir: 'dist',
      outExtension: { '.js': '.mjs' },
      // Code splitting: what the CLI and the core load with `await import()` (the core behind browser
      // mode's early HTTP server, the commands other than serve/start) becomes chunks of its own, so
      // a start loads only what it runs. Chunks sit in dist/ itself: modules find their worker
      // entries (core/journal-worker.mjs) relative to their own file.
      splitting: true,
      chunkNames: '[name]-[hash]',
      // Some CommonJS dependencies call require(); give ESM bundles a real one.
      banner: { js: "import { createRequire as __takt_cr } from 'node:module'; const require = __takt_cr(import.meta.url);" },
      allowOverwrite: true,
    }),
  );
}
if (want('electron')) {
  jobs.push(
    esbuild({ ...common, format: 'cjs', entryPoints: { main: 'main/electron/main.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' }, external: ['electron'] }),
    // Sandboxed preloads must be a single CommonJS file that requires only 'electron'.
    esbuild({ ...common, plugins: [], format: 'cjs', entryPoints: { preload: 'preload/preload.ts' }, outdir: 'dist/preload', outExtension: { '.js': '.cjs' }, external: ['electron'] }),
  );
}
if (want('renderer')) {
  jobs.push(viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' }));
}
await Promise.all(jobs).catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
// The embedded demo plant's parse cache, fingerprinted against the bundles just written (main/core/persistence/plant-cache.ts).
if (want('node')) execFileSync(process.execPath, [join(dist, 'core', 'write-demo-plant-cache.mjs')], { stdio: 'inherit', env: { ...process.env, TAKT_QUIET: '1' } });
if (!process.env.TAKT_QUIET) console.log(`built ${only.join(', ') || 'all'} in ${Date.now() - started} ms -> dist/`);
