/**
 * kill -9 during a burst of commits and action transitions loses nothing acknowledged: a child
 * process core (`takt serve`) gets a line-down, then concurrent `decisions.commit` calls and, as
 * each is acknowledged, an acknowledge of the action it dispatched; the child is killed with
 * SIGKILL right after the last acknowledgement we wait for, while more calls are still in flight.
 * After a restart on the same data folder every acknowledged receipt and transition is there and
 * both hash chains verify.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';
import { until } from '../helpers/until';
import { killChildCores, startChildCore } from './child-core';

const dataDir = mkdtempSync(join(tmpdir(), 'takt-commit-kill-'));
const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
afterAll(() => {
  killChildCores();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('commit records survive kill -9', () => {
  it('keeps every acknowledged commit and transition', { timeout: 120_000 }, async () => {
    const first = await startChildCore(['--data', dataDir, '--plant', plantFile, '--rules', rulesFile, '--no-simulator', '--speed', '60']);
    const client: ProtocolClient & { close(): void } = await first.connect();
    const now = (await client.call('core.info')).clock.now + 2_000;
    await client.call('signals.ingest', { signals: [{ id: 'k-1', source: 'e2e-kill', seq: 1, eventTime: Math.round(now), receiveTime: Math.round(now), type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    const exception = await until('line-down', async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down'));
    const { options } = await client.call('decide.options', { exceptionId: exception.id });
    const wait = options.find((o) => o.kind === 'wait' && o.feasible && o.approvals.length === 0)!;
    expect(wait, 'a feasible wait option that needs no approval').toBeTruthy();

    const decisions = new Set<string>();
    const acknowledged = new Map<string, string>(); // action id → status acknowledged
    const inFlight: Promise<unknown>[] = [];
    const TARGET = 12;
    let killed = false;
    // The controller commits on their own connection; each action's owner moves it on theirs.
    const controller = await first.as('a-controller');
    const done = new Promise<void>((resolve) => {
      const check = () => {
        if (!killed && decisions.size >= TARGET && acknowledged.size >= TARGET) {
          killed = true;
          // kill -9 at once: later calls are still queued in the core.
          first.child.kill('SIGKILL');
          resolve();
        }
      };
      for (let i = 0; i < 30; i++) {
        inFlight.push(
          controller
            .call('decisions.commit', { exceptionId: exception.id, optionId: wait.id, by: 'a-controller', comment: `burst ${i}` })
            .then(async (r) => {
              if (killed) return;
              decisions.add(r.decision.id);
              const a = r.actions[0]!;
              const moved = await (await first.as(a.ownerId)).call('actions.transition', { id: a.id, by: a.ownerId, to: 'acknowledged' });
              if (!killed) acknowledged.set(moved.id, moved.status);
              check();
            })
            .catch(() => undefined),
        );
      }
    });
    await done;
    await Promise.allSettled(inFlight);
    client.close();
    await new Promise<void>((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r() : first.child.once('exit', () => r())));
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(decisions.size).toBeGreaterThanOrEqual(TARGET);

    const second = await startChildCore(['--data', dataDir, '--plant', plantFile, '--rules', rulesFile, '--no-simulator', '--speed', '60']);
    const again: ProtocolClient & { close(): void } = await second.connect();
    const stored = new Set((await again.call('decisions.list', { limit: 1000 })).items.map((d) => d.id));
    for (const id of decisions) expect(stored.has(id), `acknowledged decision ${id}`).toBe(true);
    for (const [id, status] of acknowledged) expect((await again.call('actions.get', { id })).status, `action ${id}`).toBe(status);
    const check = await again.call('audit.verify');
    expect(check.ok, JSON.stringify(check.firstBad)).toBe(true);
    expect(check.decisions).toBe(stored.size);
    again.close();
    second.child.kill('SIGKILL');
  });
});
