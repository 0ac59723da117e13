/**
 * Snapshot retention (journal-format.ts THIN_SNAPSHOTS): after many saved snapshots the journal
 * keeps the newest ones and one per plant hour, so the table stops growing with every save, a
 * rebuild at any past time still starts within about a plant hour, and every signal stays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../../../main/core/persistence/journal';
import { SNAPSHOTS_KEPT } from '../../../main/core/persistence/journal-format';

const HOUR = 3_600_000;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.each(['inline', 'worker'] as const)('journal snapshot retention (%s writer)', (writer) => {
  it('keeps the newest snapshots and the first of each plant hour, and every signal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'takt-snapshots-'));
    dirs.push(dir);
    const j = openJournal(join(dir, 'journal.sqlite'), { writer });
    const t0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR);
    const saves = 200; // one every 10 plant minutes: 33 plant hours
    for (let i = 1; i <= saves; i++) {
      const t = t0 + i * 600_000;
      j.append([{ id: `c${i}`, source: 'test', seq: i, eventTime: t, receiveTime: t, type: 'clock.tick' } as never]);
      j.saveSnapshot({ position: i, time: t, version: 1, hash: `h${i}`, data: '{}' });
    }
    j.sync();
    const kept: { position: number; time: number }[] = [];
    for (let p = saves; p > 0; ) {
      const s = j.latestSnapshot({ atOrBeforePosition: p });
      if (!s) break;
      kept.push(s);
      p = s.position - 1;
    }
    const hours = new Set(kept.map((s) => Math.floor(s.time / HOUR)));
    // The newest SNAPSHOTS_KEPT, plus one per older plant hour: far fewer than were saved.
    expect(kept.length).toBeLessThan(SNAPSHOTS_KEPT + 40);
    expect(kept.slice(0, SNAPSHOTS_KEPT).map((s) => s.position)).toEqual(Array.from({ length: SNAPSHOTS_KEPT }, (_, i) => saves - i));
    // Every plant hour that had a snapshot still has one, so a rebuild replays at most about an hour.
    for (let i = 1; i <= saves; i++) expect(hours.has(Math.floor((t0 + i * 600_000) / HOUR))).toBe(true);
    for (let i = 1; i <= saves; i++) {
      const t = t0 + i * 600_000;
      expect(t - j.latestSnapshot({ atOrBeforeTime: t })!.time).toBeLessThan(HOUR);
    }
    expect([...j.readFrom(0)].length).toBe(saves);
    j.close();
  });
});
