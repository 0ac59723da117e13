// `npm test`: typecheck, lint (layering + Electron security scan), dependency check (cycles, layers), build, unit and e2e tests.
// Ends with one plain line totalling every suite: `N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const out = 'test-results';
mkdirSync(out, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return ok;
}

function countVitest(file, suite) {
  if (!existsSync(file)) {
    totals.failed += 1;
    failures.push(`${suite}: no report (the runner crashed)`);
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    const name = relative(process.cwd(), f.name);
    const tests = f.assertionResults ?? [];
    // Each failed test is named again at the end: a CI log is often read from its tail only.
    for (const a of tests) if (a.status === 'failed') failures.push(`${suite}: ${name} > ${a.fullName}: ${String(a.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300)}`);
    // A file that failed to load counts as a failure even with no test inside.
    if (f.status === 'failed' && tests.length === 0) {
      totals.failed += 1;
      failures.push(`${suite}: ${name}: ${String(f.message).split('\n')[0]}`);
    }
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const checks = [
  ['typecheck (every layer)', 'node', ['scripts/typecheck.mjs']],
  ['lint', npx, ['eslint', '.', '--max-warnings', '0']],
  // Import cycles and the layer table (.dependency-cruiser.cjs).
  ['dependency check', npm, ['run', '--silent', 'lint:deps']],
  ['electron security scan', 'node', ['scripts/electronegativity.mjs']],
  ['build', 'node', ['scripts/build.mjs']],
];
for (const [name, cmd, args] of checks) {
  if (step(name, cmd, args)) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(name);
  }
}

for (const project of ['unit', 'e2e']) {
  const report = join(out, `vitest-${project}.json`);
  const ok = step(`${project} tests`, npx, ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  const failedBefore = totals.failed;
  countVitest(report, project);
  // Vitest fails a run whose tests all passed when an error escaped them (an unhandled rejection,
  // an error after a test ended): the report has no failed test, so count the run itself.
  if (!ok && totals.failed === failedBefore) {
    totals.failed += 1;
    failures.push(`${project}: vitest failed with no failed test: look for "Unhandled Errors" in the log above`);
  }
}

if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed ? 1 : 0);
