/**
 * Only what is durable is acknowledged: with the journal's default settings, every batch's commit
 * (its frames written to the WAL) is followed by an fsync of the WAL before the batch is
 * acknowledged. Observed with strace (system calls of every thread, file descriptors with their
 * paths), so the test sees what the kernel was asked, not what the code says it does.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
const hasStrace = strace.status === 0;

describe.skipIf(!hasStrace)('journal durability (strace)', () => {
  it('fsyncs the WAL between each batch commit and its acknowledgement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-fsync-'));
    try {
      const journal = join(dir, 'journal.sqlite');
      const r = spawnSync(
        'strace',
        ['-f', '-y', '-qq', '-e', 'trace=pwrite64,write,fsync,fdatasync', '-o', join(dir, 'trace'), process.execPath, '--import', 'tsx', 'test/unit/hostile/fixtures/ack-after-commit.ts', journal],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('ACK 0\nACK 1\nACK 2\n');
      const trace = spawnSync('cat', [join(dir, 'trace')], { encoding: 'utf8' }).stdout.split('\n');
      const wal = `${journal}-wal>`;
      let walWrite = false; // a WAL write (a commit's frames) not yet followed by a sync
      let synced = false; // since the last acknowledgement: a WAL sync after the last WAL write
      const acks: boolean[] = [];
      for (const line of trace) {
        if (/pwrite64\(\d+</.test(line) && line.includes(wal)) {
          walWrite = true;
          synced = false;
        } else if (/f(data)?sync\(\d+</.test(line) && line.includes(wal)) {
          if (walWrite) synced = true;
          walWrite = false;
        } else if (/write\(1<[^>]*>, "ACK \d/.test(line)) {
          acks.push(synced && !walWrite);
          synced = false;
        }
      }
      expect(acks).toEqual([true, true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
