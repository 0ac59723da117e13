/**
 * A flood of signals with nearly one event time must not poison duplicate detection: the floor a
 * full key set raises stays at the newest event time it forgot (not a bucket's width in the plant's
 * future), a restart on the same journal re-arms to the same floor, on-time signals after the flood
 * are accepted, and a refused one is told the real horizon. Scaled down: a 2,000-key cap, a 3,000-signal flood.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIngestPipeline, type DeadLetterEntry } from '../../../shared/ingest/pipeline';
import { createPlantIndex } from '../../../shared/ingest/plant-index';
import { createDedupe } from '../../../shared/ingest/dedupe';
import { openJournal, type Journal } from '../../../main/core/persistence/journal';
import { count, plant } from '../ingest/helpers';

const HORIZON = 3_600_000;
const BUCKET = HORIZON / 32;
const MAX_KEYS = 2000;
// The flood's event time sits at the start of a dedupe bucket: a floor raised to the bucket's end would be 112.5 s ahead.
const T = Math.ceil(Date.UTC(2026, 0, 1, 6) / BUCKET) * BUCKET;
const index = createPlantIndex(plant);

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-flood-'));
  journal = openJournal(join(dir, 'journal.sqlite'));
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function pipeline(j: Journal, resume?: boolean) {
  const dead: DeadLetterEntry[] = [];
  const p = createIngestPipeline({
    index,
    journal: j,
    deliver: () => undefined,
    onDeadLetter: (d) => dead.push(d),
    horizonMs: HORIZON,
    maxDedupeKeys: MAX_KEYS,
    resume: resume ? { keys: j.recentKeys(j.maxEventTime - HORIZON), watermark: j.maxEventTime } : undefined,
  });
  return { p, dead };
}

describe('a flood of near-identical event times', () => {
  it('raises the floor only just past the newest forgotten event time', () => {
    const d = createDedupe({ horizonMs: HORIZON, maxKeys: MAX_KEYS });
    for (let i = 0; i < 3 * MAX_KEYS; i++) d.check('flood', `f${i}`, T + (i % 50));
    expect(d.floor).toBeLessThanOrEqual(T + 50);
    expect(d.floorCause).toBe('capacity');
    expect(d.check('sim', 'on-time', T + 1000)).toBe('new');
  });

  it('does not refuse on-time signals, before or after a restart on the same journal, and says the real horizon', () => {
    const first = pipeline(journal);
    for (let i = 0; i < 3000; i++) first.p.push(count('L1-M1', T + (i % 20), `flood-${i}`, 1, 'flooder'));
    first.p.flush();
    expect(first.p.push(count('L1-M2', T + 5_000, 'sim-1', 1, 'simulator'))).toBe('accepted');
    first.p.flush();

    // Restart: the same journal, dedupe re-armed from its recent keys (more than the cap).
    const path = journal.path;
    journal.close();
    journal = openJournal(path);
    const again = pipeline(journal, true);
    for (let k = 2; k <= 20; k++) expect(again.p.push(count('L1-M2', T + 5_000 + k * 1000, `sim-${k}`, 1, 'simulator'))).toBe('accepted');
    again.p.flush();
    expect(again.dead.filter((d) => d.source === 'simulator')).toEqual([]);

    // A signal older than what is remembered is refused, and told which limit and where it lies.
    const r = again.p.push(count('L1-M2', T - 60_000, 'old-1', 1, 'simulator'));
    expect(r).toMatchObject({ code: 'too-old' });
    const reason = (r as { reason: string }).reason;
    expect(reason).toMatch(`more than ${MAX_KEYS} signals arrived within the ${HORIZON} ms horizon`);
    const floorIso = /remembers \(([^:]+:[^:]+:[^:]+Z)/.exec(reason)![1]!;
    expect(Date.parse(floorIso)).toBeLessThanOrEqual(T + 20);
  });

  it('names the horizon behind the newest accepted event time when that is the limit', () => {
    const { p } = pipeline(journal);
    expect(p.push(count('L1-M1', T + HORIZON + 10_000, 'late-clock', 1, 'mes'))).toBe('accepted');
    const r = p.push(count('L1-M1', T, 'old', 1, 'mes')) as { reason: string };
    expect(r.reason).toMatch(`${HORIZON} ms behind the newest accepted event time ${new Date(T + HORIZON + 10_000).toISOString()}`);
  });
});
