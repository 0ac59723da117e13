/**
 * The core's data folder: the journal database and a small identity file that pins the folder to
 * one plant, one twin start instant and one simulator seed, so a restart resumes the same twin.
 *
 * Private: the folder is made 0700 and its files 0600 (older folders are tightened on open): it
 * holds the plant's history, the decisions' records and the connectors' sealed secrets.
 *
 * A folder with an identity has a history, and its journal is that history: a journal that is
 * missing or empty (0 bytes) while the identity, store and exceptions remain is refused, never taken
 * for a fresh start (which would pair an empty twin with the old records). A journal whose header is
 * not SQLite's is refused as damaged. Both errors name the file and what to do; `resetDataDir`
 * (`--reset`) is the explicit way to start over, moving the old contents aside.
 */
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

export interface DataDirIdentity {
  format: 1;
  plantId: string;
  plantHash: string;
  plantFile: string;
  startTime: number;
  seed: number;
  createdAt: string;
}

export const IDENTITY_FILE = 'takt-data.json';
export const JOURNAL_FILE = 'journal.sqlite';
const SQLITE_HEADER = 'SQLite format 3\u0000';

export function plantFingerprint(plant: unknown): string {
  return createHash('sha256').update(JSON.stringify(plant)).digest('hex').slice(0, 16);
}

/**
 * Makes `dir` (created when missing) 0700 and everything in it (a few levels down) 0700 / 0600.
 * Best effort on entries that are not ours to change (a file owned by someone else is left alone).
 */
export function makeDataDirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tighten = (path: string, mode: number) => {
    try {
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
    } catch {
      /* not ours, or gone meanwhile */
    }
  };
  tighten(dir, 0o700);
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        tighten(p, 0o700);
        if (depth < 4) walk(p, depth + 1);
      } else if (st.isFile()) tighten(p, 0o600);
    }
  };
  walk(dir, 0);
}

function readIdentity(file: string): DataDirIdentity {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DataDirIdentity;
  } catch (e) {
    throw new Error(`${file} is not readable JSON (${(e as Error).message}); restore it from a backup, or start over with --reset (the folder's contents are moved aside, not deleted)`);
  }
}

/** What else of the folder's history is there (for the message: what would be orphaned). */
function historyBesides(dir: string): string {
  const parts = ['store', 'exceptions.json', 'whatif-scenarios.json', 'outbox'].filter((n) => existsSync(join(dir, n)));
  return [IDENTITY_FILE, ...parts].join(', ');
}

/**
 * Refuses a data folder that would resume the wrong history: an identity of another plant, or a
 * history whose journal is missing, empty or not a database. `plant` is what the core runs.
 */
export function checkDataDir(dir: string, plant: { plantId: string; plantHash: string; plantFile: string }): DataDirIdentity | null {
  const file = join(dir, IDENTITY_FILE);
  if (!existsSync(file)) return null;
  const identity = readIdentity(file);
  if (identity.plantId !== plant.plantId || identity.plantHash !== plant.plantHash) {
    throw new Error(
      `the data folder ${dir} belongs to plant '${identity.plantId}' (${identity.plantFile}, fingerprint ${identity.plantHash}), ` +
        `not to '${plant.plantId}' (${plant.plantFile}, fingerprint ${plant.plantHash}): use another --data folder or the matching plant file`,
    );
  }
  const journal = join(dir, JOURNAL_FILE);
  const restore = `restore ${JOURNAL_FILE} (with its ${JOURNAL_FILE}-wal if there is one) from a backup into ${dir}, or start over with --reset (moves the folder's contents aside, deletes nothing)`;
  let size: number;
  try {
    size = statSync(journal).size;
  } catch {
    throw new Error(`the journal ${journal} is missing, but the data folder ${dir} has a history (${historyBesides(dir)}, since ${identity.createdAt}): ${restore}`);
  }
  if (size === 0) throw new Error(`the journal ${journal} is empty (0 bytes), but the data folder ${dir} has a history (${historyBesides(dir)}, since ${identity.createdAt}): ${restore}`);
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number | undefined;
  try {
    fd = openSync(journal, 'r');
    readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    throw new Error(`the journal ${journal} cannot be read (${(e as Error).message}): check its permissions, or ${restore}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER) throw new Error(`the journal ${journal} is damaged (it does not start with an SQLite header): ${restore}`);
  return identity;
}

export function openDataDir(dir: string, fresh: Omit<DataDirIdentity, 'format' | 'createdAt'>): { identity: DataDirIdentity; created: boolean; journalPath: string } {
  makeDataDirPrivate(dir);
  const file = join(dir, IDENTITY_FILE);
  const journalPath = join(dir, JOURNAL_FILE);
  const existing = checkDataDir(dir, fresh);
  if (existing) return { identity: existing, created: false, journalPath };
  const identity: DataDirIdentity = { format: 1, ...fresh, createdAt: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, JSON.stringify(identity, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return { identity, created: true, journalPath };
}

/**
 * `--reset`: moves the data folder aside (to `<dir>.reset-<time>` next to it) so the core starts
 * afresh; nothing is deleted. Returns where the old contents are, or null when there was no folder.
 */
export function resetDataDir(dir: string, now = new Date()): string | null {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(dir), `${basename(dir)}.reset-${stamp}`);
  try {
    renameSync(dir, aside);
    return aside;
  } catch {
    // The folder itself cannot move (a mount point, no rights on its parent): move its contents into a folder inside it.
    const inside = join(dir, `reset-${stamp}`);
    mkdirSync(inside, { mode: 0o700 });
    for (const name of readdirSync(dir)) if (name !== basename(inside)) renameSync(join(dir, name), join(inside, name));
    return inside;
  }
}
