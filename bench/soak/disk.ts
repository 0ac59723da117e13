/**
 * The soak's file-system faults: the data folder on a size-limited tmpfs (mounting needs root;
 * without it the folder is a plain one and the disk-full fault is left out), filling it up and
 * freeing it, and a torn last journal write.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Mounts a tmpfs of `mb` MiB at `dir`; false when that is not possible here (not root, no mount). */
export function mountSizeLimited(dir: string, mb: number): boolean {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    /* not mounted */
  }
}

/** Fills the file system holding `dir` with one file until ENOSPC; returns the file's path. */
export function fillDisk(dir: string): string {
  const file = join(dir, 'soak-filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  try {
    for (;;) {
      const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
      const n = free >= chunk.length ? chunk.length : free;
      if (n <= 0) break;
      writeSync(fd, chunk, 0, n);
    }
    // The last partial blocks: small writes until the file system refuses.
    const small = Buffer.alloc(4096, 0x5a);
    for (let i = 0; i < 1024; i++) writeSync(fd, small);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return file;
}

export function freeDisk(file: string): void {
  rmSync(file, { force: true });
}

/**
 * A torn last write, made while the core is down: the journal's tail is its SQLite WAL, and a
 * write cut off by a crash leaves the start of a frame at its end that was never committed (and so
 * never acknowledged). This appends the first half of a copy of the WAL's last frame: a frame
 * header whose checksums do not continue the chain, and half a page. Cutting committed frames off
 * instead would be a lost fsync, not a torn write. Returns the bytes appended (0: no WAL frames).
 */
export function tearJournalTail(dataDir: string): number {
  const wal = join(dataDir, 'journal.sqlite-wal');
  if (!existsSync(wal)) return 0;
  const fd = openSync(wal, 'r+');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(32);
    if (size < 32 || readSync(fd, header, 0, 32, 0) !== 32) return 0;
    const pageSize = header.readUInt32BE(8);
    const frame = 24 + pageSize;
    const frames = Math.floor((size - 32) / frame);
    if (frames < 1) return 0;
    const last = Buffer.alloc(frame);
    readSync(fd, last, 0, frame, 32 + (frames - 1) * frame);
    const torn = last.subarray(0, 24 + Math.floor(pageSize / 2));
    writeSync(fd, torn, 0, torn.length, 32 + frames * frame);
    return torn.length;
  } finally {
    closeSync(fd);
  }
}
