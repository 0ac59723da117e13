// Lint, including the layering table (README, Project layout): a violation fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const msg = (what) => `layering (README, Project layout): ${what}`;

/** Import restrictions per folder, as `no-restricted-imports` options. */
export const layering = {
  shared: {
    paths: [
      ...nodeBuiltins.map((name) => ({ name, message: msg('shared/ is pure: no Node built-ins') })),
      { name: 'electron', message: msg('shared/ must not import electron') },
      { name: 'better-sqlite3', message: msg('shared/ does no I/O') },
      { name: 'ws', message: msg('shared/ does no I/O') },
      { name: 'react', message: msg('shared/ has no UI') },
      { name: 'pixi.js', message: msg('shared/ has no UI') },
    ],
    patterns: [
      { group: ['**/main/**', '**/renderer/**', '**/preload/**', '../main/*', '../renderer/*', '../preload/*'], message: msg('shared/ imports only shared/') },
    ],
  },
  renderer: {
    paths: [
      ...nodeBuiltins.map((name) => ({ name, message: msg('renderer/ runs in Chromium: no Node built-ins') })),
      { name: 'electron', message: msg('renderer/ never imports electron; use window.takt from the preload') },
      { name: 'better-sqlite3', message: msg('renderer/ never touches the database') },
      { name: 'ws', message: msg('renderer/ uses the browser WebSocket') },
    ],
    patterns: [{ group: ['**/main/**', '../main/*', '../../main/*'], message: msg('renderer/ never imports main/') }],
  },
  core: {
    paths: [{ name: 'electron', message: msg('the core is plain Node: electron only in main/electron and preload/') }],
    patterns: [
      { group: ['**/renderer/**', '**/preload/**', '**/electron/**'], message: msg('the core imports shared/ and Node only') },
      { group: ['**/cli/**'], message: msg('the core never imports the command line (main/cli/ sits on top of it)') },
    ],
  },
  cli: {
    paths: [{ name: 'electron', message: msg('the command line is plain Node: electron only in main/electron and preload/') }],
    patterns: [{ group: ['**/renderer/**', '**/preload/**', '**/electron/**'], message: msg('the command line imports main/core, main/report, shared/ and Node only') }],
  },
  // The core's timeline service prints through main/report, so the report never reaches back up.
  report: {
    paths: [{ name: 'electron', message: msg('report printing is plain Node: electron only in main/electron and preload/') }],
    patterns: [{ group: ['**/renderer/**', '**/preload/**', '**/electron/**', '**/cli/**', '**/core/**'], message: msg('main/report imports shared/ and Node only') }],
  },
  preload: {
    paths: nodeBuiltins.map((name) => ({ name, message: msg('the sandboxed preload may import only electron') })),
    patterns: [{ group: ['**/main/**', '**/renderer/**'], message: msg('the preload imports only electron and protocol types') }],
  },
  electronMain: {
    patterns: [{ group: ['**/renderer/**', '**/preload/**'], message: msg('Electron main must not import renderer or preload code') }],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'test-results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: msg('electron only in main/electron and preload/') }] }],
    },
  },
  // Type-aware rules: a promise nobody awaits or catches loses its error, and one passed where a
  // plain callback is expected (an event handler, a forEach) runs unchecked. Types come from one
  // program over the whole repository (tsconfig.eslint.json), not one per layer: five overlapping
  // programs made lint several times slower.
  {
    files: ['**/*.ts', '**/*.tsx'],
    // shared/'s own declarations of runtime globals would clash with the DOM's in one program.
    ignores: ['shared/types/runtime.d.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },
  },
  { files: ['shared/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.shared], 'no-restricted-globals': ['error', { name: 'process', message: msg('shared/ is pure: no process') }, { name: 'window', message: msg('shared/ has no DOM') }, { name: 'document', message: msg('shared/ has no DOM') }] } },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: { 'no-restricted-imports': ['error', layering.renderer] } },
  { files: ['main/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.core] } },
  { files: ['main/cli/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.cli] } },
  { files: ['main/report/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.report] } },
  { files: ['preload/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.preload] } },
  { files: ['main/electron/**/*.ts'], rules: { 'no-restricted-imports': ['error', layering.electronMain] } },
  // Tests mock electron; they never evaluate the real module.
  { files: ['test/**/*.ts', 'test/**/*.tsx'], rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
);
