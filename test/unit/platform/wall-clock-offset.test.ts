/** The soak's wall-clock step (main/cli/wall-clock-offset.ts): Date.now() follows the file's offset, only when asked. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installWallClockOffset, WALL_CLOCK_FILE_ENV } from '../../../main/cli/wall-clock-offset';

let undo = () => {};
const dirs: string[] = [];
afterEach(() => {
  undo();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('wall clock offset (soak only)', () => {
  it('leaves Date.now alone without the variable', () => {
    const before = Date.now;
    undo = installWallClockOffset({}, () => undefined);
    expect(Date.now).toBe(before);
  });

  it('steps Date.now by the file\'s milliseconds, follows changes, and ignores garbage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-clock-'));
    dirs.push(dir);
    const file = join(dir, 'offset');
    writeFileSync(file, '300000');
    const lines: string[] = [];
    const real = () => new Date().getTime();
    undo = installWallClockOffset({ [WALL_CLOCK_FILE_ENV]: file }, (l) => lines.push(l));
    expect(Date.now() - real()).toBeGreaterThanOrEqual(299_900);
    writeFileSync(file, '-300000');
    await new Promise((r) => setTimeout(r, 400));
    expect(Date.now() - real()).toBeLessThanOrEqual(-299_900);
    expect(lines.at(-1)).toMatch(/stepped by -600000 ms/);
    writeFileSync(file, 'not a number');
    await new Promise((r) => setTimeout(r, 400));
    expect(Date.now() - real()).toBeLessThanOrEqual(-299_900); // kept the last good offset
    undo();
    expect(Math.abs(Date.now() - real())).toBeLessThan(100);
  });
});
