/**
 * A rejected signal is stored once: the core's dead-letter list, its count in health(), and the
 * journal's table agree (the pipeline must not persist it a second time behind the core's back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore, type TaktCore } from '../../main/core/core';
import { repoRoot } from './core';

describe('dead letters', () => {
  let core: TaktCore;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'takt-dl-'));
    core = await startCore({ dataDir: dir, plantFile: join(repoRoot, 'test/fixtures/plants/small-plant.yaml'), simulator: false });
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each rejected signal exactly once, with its reason and origin', () => {
    const before = core.journal.countDeadLetters();
    core.pipeline.push('{"id":"x1","source":"erp","seq":1', { origin: 'test: truncated JSON' });
    core.pipeline.push({ id: 'x2', source: 'mes', seq: 2, eventTime: core.twin.time, receiveTime: core.twin.time, type: 'machine.state', machine: 'NO-SUCH-MACHINE', state: 'down' }, { origin: 'test: unknown machine' });
    core.pipeline.flush();
    expect(core.journal.countDeadLetters() - before).toBe(2);
    expect(core.health().deadLetters - before).toBe(2);
    const items = core.journal.listDeadLetters(10, 0);
    const mine = items.filter((d) => d.origin?.startsWith('test:'));
    expect(mine).toHaveLength(2);
    expect(mine.map((d) => d.reason).join('\n')).toMatch(/JSON/);
    expect(mine.map((d) => d.reason).join('\n')).toMatch(/NO-SUCH-MACHINE/);
  });
});
