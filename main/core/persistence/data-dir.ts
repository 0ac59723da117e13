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
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
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
/** Held by the core that runs on the folder (its process id and host), for as long as it runs. */
export const LOCK_FILE = 'takt.lock';
const SQLITE_HEADER = 'SQLite format 3\u0000';

export function plantFingerprint(plant: unknown): string {
  return createHash('sha256').update(JSON.stringify(plant)).digest('hex').slice(0, 16);
}

/**
 * Makes `dir` (created when missing) and everything in it (a few levels down) private: group and
 * other lose every permission, the owner's stay (a script's +x too; folders keep rwx). Best effort
 * on entries that are not ours to change (a file owned by someone else is left alone). Not on
 * Windows, where modes are not how files are kept private (and a chmod of every file each start is
 * only cost). Only what writes the folder calls it: a read-only command leaves it as it is.
 */
export function makeDataDirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const tighten = (path: string, folder: boolean) => {
    try {
      const mode = statSync(path).mode & 0o7777;
      if ((mode & 0o077) !== 0) chmodSync(path, (mode & ~0o077) | (folder ? 0o700 : 0));
    } catch {
      /* not ours, or gone meanwhile */
    }
  };
  tighten(dir, true);
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
        tighten(p, true);
        if (depth < 4) walk(p, depth + 1);
      } else if (st.isFile()) tighten(p, false);
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

/**
 * What a first start writes before its journal exists: the identity, the lock, the plant cache (and
 * their temporary files). A folder with nothing else has no history yet.
 */
const BEFORE_JOURNAL = /^(takt-data\.json(\.tmp)?|takt\.lock|plant-cache\.json(\.\d+\.tmp)?|journal\.sqlite(-wal|-shm|-journal)?)$/;

/** Whether the folder holds anything a run writes once its journal exists (store, exceptions, scenarios, …). */
function hasHistoryBeyondIdentity(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => !BEFORE_JOURNAL.test(n));
  } catch {
    return true; // unreadable: not taken for fresh
  }
}

/** What else of the folder's history is there (for the message: what would be orphaned). */
/** What a core writes into its data folder besides the journal: evidence that it has a history. */
const HISTORY_ENTRIES = ['store', 'exceptions.json', 'scenarios.json', 'rules-active.yaml', 'rules-history.jsonl', 'writeback'] as const;

/** The history entries present in `dir`, for the refusal message. */
function historyBesides(dir: string): string {
  const parts = HISTORY_ENTRIES.filter((n) => existsSync(join(dir, n)));
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
    // A first start that stopped between writing the identity and creating the journal: nothing to resume.
    if (!hasHistoryBeyondIdentity(dir)) return null;
    throw new Error(`the journal ${journal} is missing, but the data folder ${dir} has a history (${historyBesides(dir)}, since ${identity.createdAt}): ${restore}`);
  }
  // An empty journal is a first start that stopped as SQLite created the file, unless a history came after it.
  if (size === 0 && !hasHistoryBeyondIdentity(dir)) return null;
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

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export interface DataDirLock {
  /** Removes the lock file (when it is still this process's) so another core may use the folder. */
  release(): void;
}

/** Folders (real paths) whose lock this process holds: a second core in one process is refused too. */
const heldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, since: String(h.since) } : null;
  } catch {
    return null; // half-written or not ours: treated as stale
  }
}

/**
 * Takes the folder for this process: a lock file with its process id, created exclusively. A lock
 * left by a process that no longer runs (a crash, kill -9, a container restarted with the same pid)
 * is taken over; one of a running process, or of another host (a shared folder: its process cannot
 * be checked from here), is refused with what to do.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const real = realpathSync(dir);
  const file = join(real, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
    }
    const h = readHolder(file);
    const held = h !== null && (h.host !== me.host || (h.pid === process.pid ? heldHere.has(real) : processAlive(h.pid)));
    if (held) {
      throw new Error(
        `the data folder ${dir} is in use by another takt core (process ${h.pid} on ${h.host}, since ${h.since}): stop that core first, or use another --data folder; if no core runs there any more, delete ${file}`,
      );
    }
    try {
      unlinkSync(file); // stale: its process is gone
    } catch {
      /* another starter took it over meanwhile: the next exclusive create decides */
    }
  }
  heldHere.add(real);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(real);
      const h = readHolder(file);
      if (h?.pid === me.pid && h.since === me.since) {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/**
 * `--reset`: moves the data folder aside (to `<dir>.reset-<time>` next to it) so the core starts
 * afresh; nothing is deleted. Returns where the old contents are, or null when there was no folder.
 * Refused while a core runs on the folder (its lock). Where the folder itself cannot move, its
 * contents move into a folder inside it, the identity first (without it the folder is not a
 * history), and a failure part-way moves back what was moved.
 */
export function resetDataDir(dir: string, now = new Date()): string | null {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  // The real folder: a symbolic link to it moves the folder, not the link.
  const real = realpathSync(dir);
  const lock = lockDataDir(real);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(real), `${basename(real)}.reset-${stamp}`);
  try {
    renameSync(real, aside);
    // The lock file moved with it: it is this process's, and nothing runs on the aside copy.
    lock.release();
    try {
      unlinkSync(join(aside, LOCK_FILE));
    } catch {
      /* already gone */
    }
    return aside;
  } catch {
    // The folder itself cannot move (a mount point, no rights on its parent): move its contents into a folder inside it.
    const inside = join(real, `reset-${stamp}`);
    try {
      mkdirSync(inside, { mode: 0o700 });
      const names = readdirSync(real).filter((n) => n !== basename(inside) && n !== LOCK_FILE);
      names.sort((a, b) => Number(b === IDENTITY_FILE) - Number(a === IDENTITY_FILE));
      const moved: string[] = [];
      try {
        for (const name of names) {
          renameSync(join(real, name), join(inside, name));
          moved.push(name);
        }
      } catch (e) {
        for (const name of moved.reverse()) {
          try {
            renameSync(join(inside, name), join(real, name));
          } catch {
            /* left in the reset folder, which the message names */
          }
        }
        try {
          rmdirSync(inside);
        } catch {
          /* not empty: something could not move back */
        }
        throw new Error(`--reset could not move the contents of ${real} aside (${(e as Error).message}); what had moved was moved back: check the folder's permissions and try again`);
      }
      return inside;
    } finally {
      lock.release();
    }
  }
}
