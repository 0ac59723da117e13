/** The built `takt` command: help, validate and refusing a broken plant. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const takt = (...args: string[]) => spawnSync(process.execPath, ['bin/takt.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('takt CLI', () => {
  it('lists its commands', () => {
    const r = takt('--help');
    expect(r.status).toBe(0);
    for (const c of ['start', 'serve', 'validate', 'replay']) expect(r.stdout).toMatch(new RegExp(`\\n\\s+${c}\\b`));
  });

  it('validates the demo plant and reports a broken one with file, path, line and column', () => {
    expect(takt('validate', 'resources/plants/demo-plant.yaml').status).toBe(0);
    const r = takt('validate', 'test/fixtures/plants/unknown-family.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown-family\.yaml:\d+:\d+ .*famil/);
    expect(takt('validate', 'no/such/plant.yaml').status).toBe(2);
  });

  it('refuses to serve a half-valid plant, with the message', () => {
    const r = takt('serve', '--port', '0', '--plant', 'test/fixtures/plants/three-problems.yaml', '--data', mkdtempSync(join(tmpdir(), 'takt-cli-')));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/three-problems\.yaml: 3 problems/);
    expect(r.stdout).not.toMatch(/running in browser mode/);
  });

  it('hands a slow pipe all of its output (over 64 KiB) before exiting', () => {
    const args = ['simulate', '--scenario', 'resources/scenarios/line-down-2h.yaml', '--json'];
    const whole = takt(...args);
    expect(whole.status).toBe(0);
    const bytes = Buffer.byteLength(whole.stdout);
    expect(bytes).toBeGreaterThan(128 * 1024);
    // The reader starts a second late: a command that exits with output still queued loses its tail.
    for (let i = 0; i < 2; i++) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/takt.mjs ${args.join(' ')} | (sleep 1; wc -c)`], { encoding: 'utf8', timeout: 60_000 });
      expect(Number(r.stdout.trim())).toBe(bytes);
    }
  });
});
