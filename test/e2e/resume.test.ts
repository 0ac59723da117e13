/**
 * kill -9 of the core and a restart resume the same twin: same journal position, same state hash,
 * a pending delayed transition (a changeover's overrun timer) still fires after the restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ProtocolClient } from '../../shared/protocol/client';
import type { TextTransport } from '../../shared/protocol/transport';
import type { Plant } from '../../shared/plant/schema';
import { loadPlantFile } from '../../main/core/persistence/plant-file';
import { openJournal } from '../../main/core/persistence/journal';
import { until } from '../helpers/until';
import { reconstructTwin } from '../../main/core/persistence/time-travel';
import { openDataDir, plantFingerprint } from '../../main/core/persistence/data-dir';
import { killChildCores, startChildCore, type ChildCore } from './child-core';

const dataDir = mkdtempSync(join(tmpdir(), 'takt-resume-'));
afterAll(() => {
  killChildCores();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A protocol client on the core's raw socket, signed in with a token (a machine reading the twin). */
async function connect(core: ChildCore): Promise<ProtocolClient> {
  const ws = new WebSocket(core.wsUrl, { headers: { authorization: `Bearer ${core.token()}` } });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const t: TextTransport = {
    send: (f) => ws.send(f),
    onFrame: (h) => (ws.on('message', (d) => h(d.toString())), () => ws.removeAllListeners('message')),
    onClose: (h) => (ws.on('close', h), () => ws.off('close', h)),
    close: () => ws.close(),
  };
  return new ProtocolClient(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 and restart', () => {
  it('resumes the same twin, hash for hash, and keeps pending delayed transitions', async () => {
    const first = await startChildCore(['--data', dataDir, '--no-simulator', '--speed', '1', '--snapshot-every', '1']);
    const c1 = await connect(first);
    const plant: Plant = await c1.call('plant.get');
    const info = await c1.call('core.info');
    const t0 = info.clock.now;
    const line = plant.areas[0]!.lines[0]!;
    const machines = line.machines.map((m) => m.id);
    let seq = 0;
    // Event times follow the core's clock (speed 1), so the core's own minute ticks never make them late.
    let base = Math.round(t0);
    const sig = (type: string, body: object, dt = 0) => ({ id: `t-${++seq}`, source: 'resume-test', seq, eventTime: base + dt, receiveTime: base + dt, type, ...body });

    // Burst 1: counts and state changes, then let a snapshot happen.
    const burst1 = [
      ...machines.map((m, i) => sig('machine.state', { machine: m, state: 'running' }, i)),
      ...Array.from({ length: 200 }, (_, i) => sig('production.count', { machine: machines[i % machines.length], good: 5, scrap: i % 7 === 0 ? 1 : 0 }, 10 + i)),
    ];
    const r1 = await c1.call('signals.ingest', { signals: burst1 });
    expect(r1.rejected).toEqual([]);
    // Wait for a snapshot that holds burst 1 (the core takes one every plant second here).
    const applied = (await c1.call('core.info')).journal.position;
    await until(`a snapshot at position ${applied} or later`, async () => {
      const j = openJournal(join(dataDir, 'journal.sqlite'), { readonly: true });
      const snap = j.latestSnapshot({});
      j.close();
      return snap !== undefined && snap.position >= applied;
    });
    const burst1End = base + 300;
    while ((await c1.call('core.info')).clock.now <= burst1End + 1) await sleep(50);
    base = Math.round((await c1.call('core.info')).clock.now);
    expect(base).toBeGreaterThan(burst1End);
    // Burst 2 after the snapshot: a changeover starts (its overrun timer is pending) and more counts.
    const burst2 = [sig('machine.state', { machine: machines[1], state: 'changeover', reason: 'format change' }, 0), ...Array.from({ length: 50 }, (_, i) => sig('production.count', { machine: machines[0], good: 3, scrap: 0 }, 1 + i))];
    const r2 = await c1.call('signals.ingest', { signals: burst2 });
    expect(r2.accepted).toBe(burst2.length);
    const before = await c1.call('twin.view');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // What a full replay of the journal from scratch gives, independently of snapshots.
    const { plant: p2, file } = await loadPlantFile();
    const dd = openDataDir(dataDir, { plantId: p2.site.id, plantHash: plantFingerprint(p2), plantFile: file, startTime: 0, seed: 0 });
    const journal = openJournal(dd.journalPath, { readonly: true });
    const scratch = reconstructTwin(p2, journal, dd.identity.startTime, { fromScratch: true }).twin;
    expect(journal.latestSnapshot({})).toBeTruthy();
    journal.close();

    // Time travel: the twin between the two bursts, twice — deterministic, and before the changeover.
    const replay = () => {
      const r = spawnSync(process.execPath, ['bin/takt.mjs', 'replay', '--until', String(burst1End), '--data', dataDir, '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as typeof before;
    };
    const past1 = replay();
    const past2 = replay();
    expect(past1.hash).toBe(past2.hash);
    expect(past1.position).toBeGreaterThanOrEqual(burst1.length);
    expect(past1.position).toBeLessThan(before.position);
    expect(past1.machines.find((m) => m.id === machines[1])!.state).toBe('running');
    expect(past1.hash).not.toBe(before.hash);

    const second = await startChildCore(['--data', dataDir, '--no-simulator', '--speed', '1', '--snapshot-every', '1']);
    const c2 = await connect(second);
    const after = await c2.call('twin.view');
    expect(after.position).toBeGreaterThanOrEqual(before.position);
    expect(after.hash).toBe(scratch.hash());
    if (after.position === before.position) expect(after.hash).toBe(before.hash);
    const m1 = after.machines.find((m) => m.id === machines[1])!;
    expect(m1.state).toBe('changeover');
    expect(m1.alarm ?? null).toBeNull();

    // The restored changeover's overrun timer still fires: run plant time fast and watch the deltas.
    // Changing the clock is a person's act (the permission table's clock.speed), not a token's.
    const lead = await second.connect('A-001');
    await lead.call('clock.setSpeed', { speed: 600 });
    lead.close();
    const overran = await new Promise<boolean>((resolve) => {
      const stop = c2.subscribe('twin.deltas', (item) => {
        const ms = 'view' in item ? item.view.machines : (item.delta.machines ?? []);
        if (ms.some((m) => m.id === machines[1] && m.alarm === 'overrun')) {
          stop();
          resolve(true);
        }
      });
      setTimeout(() => resolve(false), 30_000);
    });
    expect(overran).toBe(true);
    second.child.kill('SIGKILL');
  });
});
