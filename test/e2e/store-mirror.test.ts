/**
 * The Takt RxDB holds the business records besides the commit records (issue 6): every exception
 * change, saved what-if scenarios and the rule sets the core ran with are copied into the store
 * (the JSON files stay what the services load from), the copies survive a restart, and a data
 * folder whose store is missing is brought in on start.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore, type TaktCore } from '../../main/core/core';
import { ruleSetDocId, savedScenarioDocId } from '../../main/core/persistence/store-mirror';
import type { CallContext } from '../../shared/protocol/server';
import { SYSTEM_CALLER } from '../../shared/auth/caller';
import type { ExceptionRecord } from '../../shared/decide/exceptions';
import { repoRoot } from './core';

const ctx: CallContext = { signal: new AbortController().signal, caller: SYSTEM_CALLER, progress: () => undefined };
const plantFile = join(repoRoot, 'test/fixtures/plants/small-plant.yaml');
const KEY = 'line-down:L1';

describe('store mirror', () => {
  const dir = mkdtempSync(join(tmpdir(), 'takt-mirror-'));
  let core: TaktCore | undefined;
  const start = async () => (core = await startCore({ dataDir: dir, plantFile, simulator: false }));
  const stop = async () => {
    const c = core;
    core = undefined;
    await c?.close();
  };
  afterEach(stop);
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const db = () => core!.commit.store.db;
  const lineDownDoc = async () => (await db().exceptions.findOne({ selector: { key: KEY } }).exec())?.toJSON();
  let exceptionId = '';
  let firstRules = '';
  let secondRules = '';

  it('copies a raised exception, its acknowledgement, a saved scenario and the rule sets into the store', async () => {
    const c = await start();
    const rules = await c.methods['rules.get'](undefined, ctx);
    firstRules = ruleSetDocId(rules);
    await expect.poll(async () => (await db().rule_set_versions.findOne(firstRules).exec())?.hash, { timeout: 10_000 }).toBe(rules.hash);

    c.pipeline.push({ id: 'mirror-1', source: 'mes', seq: 1, eventTime: c.twin.time, receiveTime: c.twin.time, type: 'machine.state', machine: 'L1-FIL', state: 'down', reason: 'e2e: mirror' }, { origin: 'test' });
    c.pipeline.flush();
    await expect.poll(lineDownDoc, { timeout: 15_000 }).toMatchObject({ key: KEY, type: 'line-down', lineId: 'L1' });
    const raised = (await lineDownDoc())!;
    exceptionId = raised.id;
    expect(raised.state).toBe((await c.methods['exceptions.get']({ id: exceptionId }, ctx)).state);
    expect((raised.record as unknown as ExceptionRecord).subject.machineId).toBe('L1-FIL');

    const acked = await c.methods['exceptions.acknowledge']({ id: exceptionId, by: 'p1' }, ctx);
    expect(acked.state).not.toBe(raised.state);
    await expect.poll(async () => (await lineDownDoc())?.state, { timeout: 10_000 }).toBe(acked.state);
    expect(((await lineDownDoc())!.record as unknown as ExceptionRecord).acknowledged?.by).toBe('p1');

    const scenario = { takt: 'scenario' as const, name: 'L2 down for two hours (mirror test)', disruptions: [{ type: 'line-down' as const, line: 'L2', atHours: 0, hours: 2 }], moves: [] };
    await c.methods['whatIf.save']({ scenario, by: 'p2' }, ctx);
    const stored = (await db().scenarios.findOne(savedScenarioDocId(scenario.name)).exec())?.toJSON();
    expect(stored).toMatchObject({ exceptionId: '', title: scenario.name, createdBy: 'p2', changes: [{ type: 'line-down', line: 'L2' }], saved: { name: scenario.name, by: 'p2' } });
    expect(stored?.journalPosition).toBe(c.twin.position);
    // A deleted scenario leaves the store too.
    await c.methods['whatIf.save']({ scenario: { ...scenario, name: 'scratch' } }, ctx);
    expect(await db().scenarios.findOne(savedScenarioDocId('scratch')).exec()).not.toBeNull();
    await c.methods['whatIf.delete']({ name: 'scratch' }, ctx);
    expect(await db().scenarios.findOne(savedScenarioDocId('scratch')).exec()).toBeNull();

    // An activated rule set with a new version is recorded once, by who activated it.
    const { text } = await c.methods['rules.text'](undefined, ctx);
    const next = text.replace(/^version: .*$/m, 'version: "mirror-test-2"');
    expect(next).not.toBe(text);
    const activated = await c.methods['rules.activate']({ text: next, by: 'p1' }, ctx);
    secondRules = ruleSetDocId(activated);
    expect(secondRules).not.toBe(firstRules);
    expect((await db().rule_set_versions.findOne(secondRules).exec())?.toJSON()).toMatchObject({ version: 'mirror-test-2', createdBy: 'p1', hash: activated.hash });
  }, 90_000);

  it('keeps the copies across a restart', async () => {
    await start();
    expect((await lineDownDoc())?.id).toBe(exceptionId);
    expect(((await lineDownDoc())!.record as unknown as ExceptionRecord).acknowledged?.by).toBe('p1');
    expect(await db().scenarios.findOne(savedScenarioDocId('L2 down for two hours (mirror test)')).exec()).not.toBeNull();
    expect(await db().scenarios.findOne(savedScenarioDocId('scratch')).exec()).toBeNull();
    expect((await db().rule_set_versions.findByIds([firstRules, secondRules]).exec()).size).toBe(2);
  }, 60_000);

  it('brings an existing data folder into an empty store on start', async () => {
    rmSync(join(dir, 'store'), { recursive: true, force: true });
    expect(existsSync(join(dir, 'store'))).toBe(false);
    const c = await start();
    await c.commit.store.serial(async () => undefined);
    const doc = await lineDownDoc();
    expect(doc?.id).toBe(exceptionId);
    expect(doc?.state).toBe((await c.methods['exceptions.get']({ id: exceptionId }, ctx)).state);
    expect((await db().scenarios.findOne(savedScenarioDocId('L2 down for two hours (mirror test)')).exec())?.toJSON()).toMatchObject({ createdBy: 'p2', saved: { by: 'p2' } });
    // The active rule set (mirror-test-2, kept in rules-active.yaml) is recorded again.
    expect(await db().rule_set_versions.findOne(secondRules).exec()).not.toBeNull();
  }, 60_000);
});
