/**
 * The data folder: private (0700, files 0600, older folders tightened), and a history whose journal
 * is missing, empty or damaged is refused with a message naming the file and the way out, never
 * taken for a fresh start; `resetDataDir` (--reset) moves the old contents aside.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { symlinkSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkDataDir, JOURNAL_FILE, LOCK_FILE, lockDataDir, makeDataDirPrivate, openDataDir, plantFingerprint, resetDataDir } from '../../../main/core/persistence/data-dir';
import { loadPlantFile } from '../../../main/core/persistence/plant-file';
import { replayCommand } from '../../../main/cli/replay';
import { readFixture } from '../plant/helpers';
import { openJournal } from '../../../main/core/persistence/journal';

const fresh = { plantId: 'p1', plantHash: 'h1', plantFile: '/plants/p1.yaml', startTime: 0, seed: 1 };
let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'takt-data-dir-'));
  dir = join(root, 'data');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A folder with a history: identity, a journal with one write, and the other files a core leaves. */
function withHistory(): string {
  const dd = openDataDir(dir, fresh);
  const j = openJournal(dd.journalPath);
  j.close();
  mkdirSync(join(dir, 'store'));
  writeFileSync(join(dir, 'exceptions.json'), '[]');
  writeFileSync(join(dir, 'scenarios.json'), '[]');
  mkdirSync(join(dir, 'writeback'));
  return dd.journalPath;
}

describe('permissions', () => {
  it('creates the folder 0700 and its identity 0600, and tightens an older folder', () => {
    openDataDir(dir, fresh);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'takt-data.json')).mode & 0o777).toBe(0o600);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'exceptions.json'), '[]', { mode: 0o644 });
    mkdirSync(join(dir, 'store'), { mode: 0o755 });
    writeFileSync(join(dir, 'store', 'takt.sqlite'), '', { mode: 0o644 });
    openJournal(join(dir, JOURNAL_FILE)).close();
    openDataDir(dir, fresh);
    for (const p of [dir, join(dir, 'store')]) expect(statSync(p).mode & 0o777).toBe(0o700);
    for (const p of ['exceptions.json', 'store/takt.sqlite', JOURNAL_FILE]) expect(statSync(join(dir, p)).mode & 0o777).toBe(0o600);
  });
});

describe('permissions, kept', () => {
  it('takes group and other away and leaves the owner its bits (a script keeps +x)', () => {
    openDataDir(dir, fresh);
    writeFileSync(join(dir, 'hook.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'hook.sh'), 0o755);
    writeFileSync(join(dir, 'readonly.json'), '{}');
    chmodSync(join(dir, 'readonly.json'), 0o444);
    makeDataDirPrivate(dir);
    expect(statSync(join(dir, 'hook.sh')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'readonly.json')).mode & 0o777).toBe(0o400);
  });

  it('takt replay reads the folder without changing it', async () => {
    const plantPath = join(root, 'plant.yaml');
    writeFileSync(plantPath, readFixture('small-plant.yaml'));
    const { plant, file } = await loadPlantFile(plantPath);
    const t0 = Date.UTC(2026, 0, 1);
    openDataDir(dir, { plantId: plant.site.id, plantHash: plantFingerprint(plant), plantFile: file, startTime: t0, seed: 1 });
    openJournal(join(dir, JOURNAL_FILE)).close();
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    chmodSync(dir, 0o755);
    const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mode] as const);
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await replayCommand({ until: String(t0 + 60_000), data: dir, plant: plantPath, json: true })).toBe(0);
    } finally {
      console.log = log;
    }
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    // (SQLite may add its -wal/-shm beside the journal to read it; what was there keeps its mode.)
    expect(before.map(([f]) => [f, statSync(join(dir, f)).mode] as const)).toEqual(before);
  });
});

describe('a history without its journal', () => {
  it('is refused when the journal was deleted, naming the file and how to restore it', () => {
    const journal = withHistory();
    unlinkSync(journal);
    expect(() => openDataDir(dir, fresh)).toThrow(new RegExp(`the journal ${journal} is missing.*restore journal\\.sqlite.*--reset`));
    expect(() => openDataDir(dir, fresh)).toThrow(/store, exceptions\.json, scenarios\.json, writeback/);
  });

  it('is a fresh folder when a first start stopped before its journal existed (only the identity, lock and plant cache)', () => {
    openDataDir(dir, { ...fresh, startTime: 60_000 });
    writeFileSync(join(dir, 'plant-cache.json'), '{}');
    writeFileSync(join(dir, LOCK_FILE), '{}');
    expect(checkDataDir(dir, fresh)).toBeNull();
    // Started again: a new identity (the first one's start instant is not kept), then its journal.
    const dd = openDataDir(dir, { ...fresh, startTime: 120_000 });
    expect(dd).toMatchObject({ created: true, identity: { startTime: 120_000 } });
    // The same with a journal file SQLite created but never wrote (0 bytes).
    writeFileSync(dd.journalPath, '');
    expect(checkDataDir(dir, fresh)).toBeNull();
  });

  it('is refused when the journal was emptied to 0 bytes', () => {
    const journal = withHistory();
    for (const f of readdirSync(dir)) if (f.startsWith(`${JOURNAL_FILE}-`)) unlinkSync(join(dir, f));
    truncateSync(journal, 0);
    expect(() => checkDataDir(dir, fresh)).toThrow(new RegExp(`the journal ${journal} is empty \\(0 bytes\\)`));
  });

  it('names a damaged journal file', () => {
    const journal = withHistory();
    writeFileSync(journal, 'this is not a database, just garbage that replaced it');
    expect(() => checkDataDir(dir, fresh)).toThrow(new RegExp(`the journal ${journal} is damaged`));
  });

  it('starts afresh after resetDataDir, with the old contents moved aside, not deleted', () => {
    const journal = withHistory();
    unlinkSync(journal);
    const aside = resetDataDir(dir, new Date('2026-12-07T10:00:00Z'))!;
    expect(aside).toBe(join(root, 'data.reset-2026-12-07T10-00-00-000Z'));
    expect(existsSync(join(aside, 'exceptions.json'))).toBe(true);
    expect(openDataDir(dir, fresh).created).toBe(true);
    expect(resetDataDir(join(root, 'none'))).toBeNull();
  });

  it('refuses to reset a folder a core holds, and moves nothing', () => {
    withHistory();
    const lock = lockDataDir(dir);
    const before = readdirSync(dir).sort();
    expect(() => resetDataDir(dir)).toThrow(/is in use by another takt core .*stop that core first/);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(root)).toEqual(['data']);
    // A second core in the same process is refused too; once released the folder can be reset.
    expect(() => lockDataDir(dir)).toThrow(/in use/);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(resetDataDir(dir)).toMatch(/data\.reset-/);
  });

  it('refuses a lock of another running process, takes over one whose process is gone', () => {
    withHistory();
    // The parent process runs: its lock holds.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'earlier' }));
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`process ${process.ppid} on .*delete ${join(dir, LOCK_FILE)}`));
    expect(() => resetDataDir(dir)).toThrow(/in use/);
    // A process that has exited (a crash, kill -9) leaves a stale lock: taken over.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), host: hostname(), since: 'earlier' }));
    const lock = lockDataDir(dir);
    lock.release();
  });

  it('resets through a symbolic link by moving the real folder', () => {
    withHistory();
    const link = join(root, 'link');
    symlinkSync(dir, link);
    const aside = resetDataDir(link, new Date('2026-12-07T10:00:00Z'))!;
    expect(aside).toBe(join(root, 'data.reset-2026-12-07T10-00-00-000Z'));
    expect(existsSync(join(aside, 'takt-data.json'))).toBe(true);
    expect(existsSync(join(aside, LOCK_FILE))).toBe(false);
  });
});
