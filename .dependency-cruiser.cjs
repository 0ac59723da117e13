/**
 * Import cycles and the layering table of ../shared/GUIDE.md §2, checked on the resolved module
 * graph (type-only imports included: a cycle through types still ties two modules together).
 * Run by `npm run lint` and by `npm test`; any violation fails them.
 *
 * | folder           | may import                                                        |
 * |------------------|-------------------------------------------------------------------|
 * | shared/          | shared/ and pure libraries; no Node built-ins, no I/O, no UI      |
 * | main/ (not electron) | shared/, Node, server-side libraries; never electron          |
 * | main/electron/   | main/ entry points, shared/, electron                             |
 * | preload/         | electron and shared/protocol types                                |
 * | renderer/        | shared/, browser libraries; never main/, preload/ or Node         |
 */
const layer = (what) => `layering (GUIDE.md §2): ${what}`;
// Packages that do I/O or draw: never in shared/.
const impure = ['electron', 'better-sqlite3', 'ws', 'mqtt', 'node-opcua', 'playwright-core', 'commander', 'react', 'react-dom', 'pixi\\.js', 'd3', 'esbuild'];
const pkg = (names) => `(^|/)node_modules/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that need each other are one module in two files. Move the shared part down (types to where they belong) so the graph is a tree.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-imports-only-shared',
      severity: 'error',
      comment: layer('shared/ imports only shared/ and pure libraries'),
      from: { path: '^shared/' },
      to: { pathNot: ['^shared/', '(^|/)node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'shared-no-node-builtins',
      severity: 'error',
      comment: layer('shared/ is pure: no Node built-ins'),
      from: { path: '^shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-no-io-libraries',
      severity: 'error',
      comment: layer('shared/ does no I/O and has no UI'),
      from: { path: '^shared/' },
      to: { path: pkg(impure) },
    },
    {
      name: 'renderer-not-main-or-node',
      severity: 'error',
      comment: layer('renderer/ runs in Chromium: never main/, preload/ or Node built-ins'),
      from: { path: '^renderer/' },
      to: { path: ['^main/', '^preload/', '^bin/', '^scripts/'] },
    },
    {
      name: 'renderer-no-node-builtins',
      severity: 'error',
      comment: layer('renderer/ runs in Chromium: no Node built-ins'),
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-server-libraries',
      severity: 'error',
      comment: layer('renderer/ never touches the database or Node sockets; window.takt from the preload instead of electron'),
      from: { path: '^renderer/' },
      to: { path: pkg(['electron', 'better-sqlite3', 'ws', 'mqtt', 'node-opcua']) },
    },
    {
      name: 'electron-only-in-electron-main-and-preload',
      severity: 'error',
      comment: layer('electron only in main/electron/ and preload/; the core is plain Node'),
      from: { pathNot: ['^main/electron/', '^preload/', '^test/'] },
      to: { path: [pkg(['electron']), '^electron$'] },
    },
    {
      name: 'main-not-electron-main',
      severity: 'error',
      comment: layer('main/ outside main/electron/ never imports main/electron/ (it must run without Electron)'),
      from: { path: '^main/', pathNot: '^main/electron/' },
      to: { path: '^main/electron/' },
    },
    {
      name: 'main-not-ui',
      severity: 'error',
      comment: layer('main/ never imports renderer/ or preload/ code'),
      from: { path: '^main/' },
      to: { path: ['^renderer/', '^preload/'] },
    },
    {
      name: 'preload-only-electron-and-protocol',
      severity: 'error',
      comment: layer('the sandboxed preload imports only electron and shared/protocol types'),
      from: { path: '^preload/' },
      to: { pathNot: ['^preload/', '^shared/protocol/', pkg(['electron']), '^electron$'] },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: ['^dist/', '^out/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
