import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { recordJournal } from '../../../bench/_record-journal';
import { loadPlantFile } from '../../../main/core/persistence/plant-file';
import { readRulesActivations } from '../../../main/core/persistence/rules-history';
import { defaultRulesText, HOUR, T0 } from './helpers';

let dir: string;
let core: TaktCore;
let client: ProtocolClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'takt-backtest-service-'));
  const { plant, file } = await loadPlantFile();
  recordJournal({ plant, plantFile: file, dir, seed: 5, startTime: T0, hours: 6 });
  core = await startCore({ dataDir: dir, simulator: false, speed: 1 });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  client = new ProtocolClient(b);
}, 120_000);
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls again while the core says a backtest is still running (a cancelled one ends at its next pass). */
async function whenFree<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof RemoteError) || !/already running/.test(e.message) || i > 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const draft = (version: string, extra = '') => defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 5').replace(/^version: .*$/m, `version: "${version}"`) + extra;

describe('rules.backtest', () => {
  it('runs on a worker with progress, answers the differences and writes the record to the audit log', async () => {
    const progress: number[] = [];
    const r = await client.call('rules.backtest', { text: draft('draft-1'), by: 'A-001', from: T0 + 3 * HOUR }, { onProgress: (done) => progress.push(done) });
    expect(r.ruleChanges).toEqual(['exceptions.changeoverOverrunMinutes: 15 → 5']);
    expect(r.period.from).toBe(T0 + 3 * HOUR);
    expect(r.candidate.version).toBe('draft-1');
    // The folder was recorded before rule history was kept: the result says the rules active now stood in.
    expect(r.recordedStandIn).not.toBeNull();
    expect(r.recordedRules[0]).toMatchObject({ from: T0 + 3 * HOUR, hash: r.recorded.hash, fromHistory: false });
    expect(progress.length).toBeGreaterThan(0);
    const audit = await client.call('audit.list', {});
    const entry = audit.items.find((e) => e.kind === 'rules.backtested');
    expect(entry).toMatchObject({ actor: 'A-001', role: 'lead', subjectId: `rules-${r.candidate.hash}`, payload: { period: { from: r.period.from, to: r.period.to }, recordedHash: r.recorded.hash, candidateHash: r.candidate.hash, resultsHash: r.resultsHash } });
  }, 120_000);

  it('is cancelled from the client', async () => {
    const ctl = new AbortController();
    const call = client.call('rules.backtest', { text: draft('draft-2'), by: 'A-001', from: T0, stepMinutes: 1 }, { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(call).rejects.toBeInstanceOf(Error);
    // The worker stops at its next detection pass; then the core takes the next one.
    const r = await whenFree(() => client.call('rules.backtest', { text: draft('draft-2'), by: 'A-001', from: T0 + 5 * HOUR }));
    expect(r.candidate.version).toBe('draft-2');
  }, 120_000);

  it('refuses a bad draft with the issues, and an unknown person', async () => {
    await expect(client.call('rules.backtest', { text: defaultRulesText().replace('lateRiskMinutes: 30', 'lateRiskMinutes: -1'), by: 'A-001' })).rejects.toThrow(/exceptions\.lateRiskMinutes/);
    await expect(client.call('rules.backtest', { text: draft('x'), by: 'nobody' })).rejects.toThrow(/unknown person 'nobody'/);
  });

  it('activation can require a backtest of that exact draft', async () => {
    const strict = draft('strict-1', '\nactivation: { requireBacktest: true }\n');
    // The rules active now do not require one: the strict set goes live.
    await client.call('rules.activate', { text: strict, by: 'A-001' });
    const next = strict.replace('changeoverOverrunMinutes: 5', 'changeoverOverrunMinutes: 10').replace('version: "strict-1"', 'version: "strict-2"');
    const refused = client.call('rules.activate', { text: next, by: 'A-001' });
    await expect(refused).rejects.toBeInstanceOf(RemoteError);
    await expect(refused).rejects.toThrow(/require a backtest before activation: this draft \(version strict-2/);
    // Backtesting another draft is not enough; this one is.
    await client.call('rules.backtest', { text: next, by: 'A-001', from: T0 + 5 * HOUR });
    const ok = await client.call('rules.activate', { text: next, by: 'A-001' });
    expect(ok.version).toBe('strict-2');
    // Each activation is kept, with its text under its hash, after the start's own record.
    const history = readRulesActivations(dir);
    expect(history.map((h) => [h.version, h.source])).toEqual([
      [expect.any(String), 'startup'],
      ['strict-1', 'activate'],
      ['strict-2', 'activate'],
    ]);
    expect(history.at(-1)).toMatchObject({ hash: ok.hash, by: 'A-001', at: ok.activatedAt });
    expect(readFileSync(join(dir, 'rules-history', `${ok.hash}.yaml`), 'utf8')).toBe(next);
  }, 120_000);
});
