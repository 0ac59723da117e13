import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import type { StreamItems } from '../../../shared/protocol/api';
import { defaultRulesText, root } from './helpers';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

let core: TaktCore | null = null;
let dir = '';
afterEach(async () => {
  await core?.close();
  core = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function connect(c: TaktCore): ProtocolClient {
  const [a, b] = memoryTransportPair();
  c.connect(a, SYSTEM_CALLER);
  return new ProtocolClient(b);
}

describe('core: decide service wiring', () => {
  it('raises a line-down exception within 1 s of a machine.state down signal, serves the lifecycle over the protocol, and persists it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'takt-decide-'));
    core = await startCore({ dataDir: dir, plantFile: join(root, 'test/fixtures/plants/small-plant.yaml'), speed: 600, simulator: false });
    const client = connect(core);
    const items: StreamItems['exceptions'][] = [];
    client.subscribe('exceptions', (i) => items.push(i));

    const rules = await client.call('rules.get');
    expect(rules.version).toBe('builtin-1'); // the shipped rules name the demo plant: the generic ones apply
    const t = core.twin.time;
    const sent = performance.now();
    const ingest = await client.call('signals.ingest', { signals: [{ id: 'down-1', source: 'test', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down', reason: 'film break' }] });
    expect(ingest.accepted).toBe(1);

    let raised: string | undefined;
    while (!raised && performance.now() - sent < 1000) {
      await new Promise((r) => setTimeout(r, 10));
      for (const i of items) if ('changes' in i) for (const c of i.changes) if (c.kind === 'raised' && c.exception.key === 'line-down:L1') raised = c.exception.id;
    }
    expect(raised, 'line-down raised within 1 s').toBeDefined();
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(items[0]).toMatchObject({ list: [], flood: { threshold: 10 } });

    const id = raised!;
    const got = await client.call('exceptions.get', { id });
    expect(got).toMatchObject({ type: 'line-down', state: 'active-unacknowledged', priority: 'critical', subject: { lineId: 'L1', machineId: 'L1-FIL' } });
    expect(got.detail).toContain('L1-FIL (film break) down since');
    expect((await client.call('exceptions.acknowledge', { id, by: 'p1', comment: 'fitter called' })).state).toBe('active-acknowledged');
    expect((await client.call('exceptions.comment', { id, by: 'p2', text: 'film reel replaced' })).comments).toHaveLength(2);
    expect((await client.call('exceptions.shelve', { id, by: 'p1', minutes: 30, reason: 'repair under way' })).state).toBe('shelved');
    expect((await client.call('exceptions.unshelve', { id, by: 'p1' })).state).toBe('active-unacknowledged');
    expect((await client.call('exceptions.outOfService', { id, by: 'p1', reason: 'sensor' })).state).toBe('out-of-service');
    expect((await client.call('exceptions.returnToService', { id, by: 'p1' })).state).toBe('active-unacknowledged');
    const list = await client.call('exceptions.list', { filter: { types: ['line-down'] } });
    expect(list.items.map((x) => x.id)).toEqual([id]);
    expect(list.flood.newInWindow).toBeGreaterThanOrEqual(1);

    const fail = async (p: Promise<unknown>) => p.then(() => { throw new Error('no error'); }, (e: RemoteError) => e.error);
    expect(await fail(client.call('exceptions.get', { id: 'EX-404' }))).toMatchObject({ code: 'not_found', message: "no exception with id 'EX-404'", path: 'params.id' });
    expect(await fail(client.call('exceptions.unshelve', { id, by: 'p1' }))).toMatchObject({ code: 'conflict', message: `exception ${id} is active-unacknowledged, not shelved` });
    expect(await fail(client.call('exceptions.acknowledge', { id, by: 'nobody' }))).toMatchObject({ code: 'bad_params', path: 'params.by' });
    expect(await fail(client.call('exceptions.shelve', { id, by: 'p1', minutes: -5, reason: 'x' } as never))).toMatchObject({ code: 'bad_params' });

    const v = await client.call('rules.validate', { text: defaultRulesText(), file: 'default-rules.yaml' });
    expect(v.ok).toBe(false);
    expect(v.errors[0]).toMatchObject({ path: 'plant', line: 6, message: "these rules are written for plant 'lindenau', not for 'test-site'" });

    // the machine comes back: the condition clears; acknowledged → closed
    const t2 = core.twin.time + 60_000;
    await client.call('signals.ingest', { signals: [{ id: 'up-1', source: 'test', seq: 2, eventTime: t2, receiveTime: t2, type: 'machine.state', machine: 'L1-FIL', state: 'running' }] });
    const deadline = performance.now() + 10_000;
    while ((await client.call('exceptions.get', { id })).state === 'active-unacknowledged' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await client.call('exceptions.get', { id })).state).toBe('rtn-unacknowledged');

    await core.close();
    core = null;
    const saved = JSON.parse(readFileSync(join(dir, 'exceptions.json'), 'utf8'));
    expect(saved.registry.records.find((r: { id: string }) => r.id === id).state).toBe('rtn-unacknowledged');

    // a restart restores the registry
    core = await startCore({ dataDir: dir, plantFile: join(root, 'test/fixtures/plants/small-plant.yaml'), speed: 600, simulator: false });
    const again = connect(core);
    expect((await again.call('exceptions.get', { id })).history.length).toBeGreaterThan(5);
  });
});
