/**
 * The journal under the soak's file-system faults, in process: a torn last write (half a WAL frame
 * appended, bench/soak/disk.ts) is ignored on open with every committed row intact, and a full
 * disk pauses the writer thread, which resumes by itself, in order, when space returns (mounting a
 * size-limited tmpfs needs root: skipped otherwise).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../../../main/core/persistence/journal';
import { fillDisk, freeDisk, mountSizeLimited, tearJournalTail, unmount } from '../../../bench/soak/disk';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tick = (i: number) => ({ id: `c${i}`, source: 'test', seq: i, eventTime: 1_700_000_000_000 + i, receiveTime: 1_700_000_000_000 + i, type: 'clock.tick' }) as never;

describe('journal under soak faults', () => {
  it('ignores a torn last write in the WAL and keeps every committed row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-torn-'));
    dirs.push(dir);
    const live = join(dir, 'live');
    const crashed = join(dir, 'crashed');
    mkdirSync(live);
    mkdirSync(crashed);
    const j = openJournal(join(live, 'journal.sqlite'));
    for (let b = 0; b < 20; b++) j.append(Array.from({ length: 50 }, (_, i) => tick(b * 50 + i)));
    // The files as a killed process leaves them: the WAL not checkpointed.
    for (const f of ['journal.sqlite', 'journal.sqlite-wal']) copyFileSync(join(live, f), join(crashed, f));
    j.close();
    const before = statSync(join(crashed, 'journal.sqlite-wal')).size;
    const torn = tearJournalTail(crashed);
    expect(torn).toBeGreaterThan(24);
    expect(statSync(join(crashed, 'journal.sqlite-wal')).size).toBeGreaterThan(before);
    const r = openJournal(join(crashed, 'journal.sqlite'));
    expect(r.lastPosition).toBe(1000);
    expect([...r.readFrom(0)].map((x) => x.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `c${i}`));
    r.append([tick(1000)]); // and it goes on writing after the torn tail
    expect(r.lastPosition).toBe(1001);
    r.close();
  });

  it.skipIf(process.getuid?.() !== 0)('pauses the writer on a full disk and resumes by itself, losing nothing', { timeout: 60_000 }, async () => {
    const base = mkdtempSync(join(tmpdir(), 'takt-full-'));
    const dir = join(base, 'mnt');
    dirs.push(base);
    if (!mountSizeLimited(dir, 4)) return; // no tmpfs here (a container without mount rights)
    try {
      const j = openJournal(join(dir, 'journal.sqlite'), { writer: 'worker' });
      const filler = fillDisk(dir);
      let i = 0;
      const t0 = Date.now();
      while (j.paused === undefined && Date.now() - t0 < 20_000) {
        j.append(Array.from({ length: 100 }, () => tick(i++)));
        j.waitDurable(j.lastPosition); // returns while paused instead of blocking
      }
      expect(j.paused, 'the writer paused').toBeDefined();
      expect(j.durablePosition).toBeLessThan(j.lastPosition);
      expect(() => j.listDeadLetters(1)).toThrow(/waiting for disk space/);
      freeDisk(filler);
      const t1 = Date.now();
      while (j.paused !== undefined && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 100));
      expect(j.paused).toBeUndefined();
      j.waitDurable(j.lastPosition);
      expect(j.durablePosition).toBe(i);
      expect([...j.readFrom(0)].length).toBe(i);
      j.close();
    } finally {
      unmount(dir);
    }
  });
});
