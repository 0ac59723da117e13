/**
 * The auth folder's files (`<data>/auth/`): private (folder 0700, files 0600) and written
 * atomically (a temporary file, fsync, rename), so a crash mid-write leaves the old file or the
 * new one, never half of one, and no other user of the machine can read the hashes in them.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const AUTH_DIR = 'auth';

/** `<dataDir>/auth`, created private when missing. */
export function authDir(dataDir: string): string {
  const dir = join(dataDir, AUTH_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Writes `value` as JSON to `file` atomically, mode 0600. */
export function writePrivateJson(file: string, value: unknown): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(value, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The file's JSON and its modification stamp, or null when it does not exist. Throws naming the file when it is not JSON. */
export function readPrivateJson(file: string): { value: unknown; stamp: string } | null {
  let text: string;
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return { value: JSON.parse(text), stamp };
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}): restore it from a backup, or move it aside to start without it`);
  }
}

/** The file's modification stamp (cheap check whether another process changed it), or null when absent. */
export function stampOf(file: string): string | null {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return null;
  }
}
