/**
 * The soak's checks after the run, on the data folder the core left (the core stopped): what was
 * acknowledged is in the journal, nothing is in it twice, each restart resumed the twin a replay
 * of the journal gives, and the commit store's hash chains verify. Plus the statistics the report
 * needs (percentiles, the RSS slope across restarts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal } from '../../main/core/persistence/journal';
import { IDENTITY_FILE, JOURNAL_FILE } from '../../main/core/persistence/data-dir';
import { loadPlantFile } from '../../main/core/persistence/plant-file';
import type { Signal } from '../../shared/signals/schema';
import { createTwin } from '../../shared/twin/twin';

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * Slope of y over x pooled within groups (each core process is a group: a restart starts its
 * memory afresh, so one line through all samples would measure the restarts, not a leak). The
 * within-group least-squares estimator: Σ cov / Σ var over groups. Null with too little data.
 */
export function pooledSlope(samples: readonly { group: number; x: number; y: number }[]): number | null {
  const groups = new Map<number, { x: number; y: number }[]>();
  for (const s of samples) (groups.get(s.group) ?? groups.set(s.group, []).get(s.group)!).push(s);
  let num = 0;
  let den = 0;
  for (const g of groups.values()) {
    if (g.length < 3) continue;
    const mx = g.reduce((a, s) => a + s.x, 0) / g.length;
    const my = g.reduce((a, s) => a + s.y, 0) / g.length;
    for (const s of g) {
      num += (s.x - mx) * (s.y - my);
      den += (s.x - mx) ** 2;
    }
  }
  return den > 0 ? num / den : null;
}

export interface JournalCheck {
  rows: number;
  /** Acknowledged ids found neither in the journal's signals nor in its dead letters. */
  lost: string[];
  /** Acknowledged, then dead-lettered by the core (not applied, but not lost either). */
  ackedDeadLettered: number;
  /** (source, id) pairs journaled more than once: each would be applied twice. */
  duplicates: string[];
}

/** `acked`: "source id" keys the soak has an acknowledgement for (PUBACK, webhook 2xx). */
export function checkJournal(dataDir: string, acked: ReadonlySet<string>): JournalCheck {
  const seen = new Map<string, number>();
  const j = openJournal(join(dataDir, JOURNAL_FILE), { readonly: true });
  let rows = 0;
  try {
    for (const r of j.readFrom(0)) {
      rows++;
      const k = `${r.source} ${r.id}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  } finally {
    j.close();
  }
  const missing = [...acked].filter((k) => !seen.has(k));
  let ackedDeadLettered = 0;
  const lost: string[] = [];
  if (missing.length > 0) {
    const db = new Database(join(dataDir, JOURNAL_FILE), { readonly: true });
    try {
      const raws = (db.prepare('SELECT raw FROM dead_letters').pluck().all() as string[]).join('\n');
      for (const k of missing) {
        const id = k.slice(k.indexOf(' ') + 1);
        if (raws.includes(`"id":"${id}"`) || raws.includes(`"id": "${id}"`)) ackedDeadLettered++;
        else lost.push(k);
      }
    } finally {
      db.close();
    }
  }
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  return { rows, lost, ackedDeadLettered, duplicates };
}

export interface Resume {
  position: number;
  hash: string;
}

/**
 * Replays the journal from its first signal (no snapshot) once, in order, and compares the twin's
 * hash at each position a restart resumed at with the hash that restart logged.
 */
export async function checkResumeHashes(plantFile: string, dataDir: string, resumes: readonly Resume[]): Promise<{ checked: number; mismatches: { position: number; logged: string; replayed: string }[] }> {
  const { plant } = await loadPlantFile(plantFile);
  const { startTime } = JSON.parse(readFileSync(join(dataDir, IDENTITY_FILE), 'utf8')) as { startTime: number };
  const twin = createTwin(plant, { startTime });
  const todo = [...resumes].sort((a, b) => a.position - b.position);
  const mismatches: { position: number; logged: string; replayed: string }[] = [];
  const j = openJournal(join(dataDir, JOURNAL_FILE), { readonly: true });
  let batch: Signal[] = [];
  let last = 0;
  let k = 0;
  const compareAt = () => {
    while (k < todo.length && todo[k]!.position === last) {
      const h = twin.hash();
      if (h !== todo[k]!.hash) mismatches.push({ position: last, logged: todo[k]!.hash, replayed: h });
      k++;
    }
  };
  try {
    for (const r of j.readFrom(0)) {
      batch.push(r.signal);
      last = r.position;
      // A batch ends where a check is due, so the twin is compared exactly at that position.
      if (batch.length === 4096 || (k < todo.length && todo[k]!.position === last)) {
        twin.applyBatch(batch, last);
        batch = [];
        compareAt();
      }
    }
    if (batch.length) twin.applyBatch(batch, last);
    compareAt();
  } finally {
    j.close();
    twin.stop();
  }
  for (; k < todo.length; k++) mismatches.push({ position: todo[k]!.position, logged: todo[k]!.hash, replayed: `(the journal ends at ${last})` });
  return { checked: todo.length, mismatches };
}

/** `takt audit verify --json` on the stopped core's data folder: both commit-record hash chains. */
export function verifyChains(repoRoot: string, dataDir: string): { ok: boolean; decisions: number; auditEntries: number; detail: string } {
  const r = spawnSync(process.execPath, ['bin/takt.mjs', 'audit', 'verify', '--data', dataDir, '--json'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const v = JSON.parse(line) as { ok: boolean; decisions: number; auditEntries: number; firstBad?: unknown };
    return { ok: v.ok, decisions: v.decisions, auditEntries: v.auditEntries, detail: v.ok ? 'ok' : JSON.stringify(v.firstBad) };
  } catch {
    // No store (no commit ever opened it) is nothing to verify, not a broken chain.
    if (/no store in/.test(r.stderr ?? '')) return { ok: true, decisions: 0, auditEntries: 0, detail: 'no store' };
    return { ok: false, decisions: 0, auditEntries: 0, detail: `takt audit verify exited ${r.status}: ${(r.stderr ?? '').slice(0, 500)}` };
  }
}
