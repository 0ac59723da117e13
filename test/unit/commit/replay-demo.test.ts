/**
 * decisions.replay on the demo plant with the embedded simulator running (signals arrive all the
 * time, so the live twin has moved on by the time the replay runs): re-running the decision from
 * its receipt's journal position with its stored rule set reproduces the recorded ranking exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { raiseLineDown } from '../../helpers/line-down';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const dir = mkdtempSync(join(tmpdir(), 'takt-commit-replay-'));
let core: TaktCore | undefined;
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('reproduces the ranking of a decision made while the simulator was running', { timeout: 120_000 }, async () => {
  core = await startCore({ dataDir: dir, speed: 120, seed: 7 });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  const client = new ProtocolClient(b);
  await new Promise((r) => setTimeout(r, 1500));
  const { exceptionId } = await raiseLineDown(client, core, 'replay-test');
  const { options } = await client.call('decide.options', { exceptionId });
  const chosen = options.find((o) => o.feasible && o.kind !== 'wait') ?? options.find((o) => o.feasible)!;
  const plant = await client.call('plant.get');
  const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
  const c = await client.call('decisions.commit', { exceptionId, optionId: chosen.id, by: controller.id });
  expect(c.decision.options.length).toBeGreaterThan(1);
  // Let the simulator move the live twin on before replaying.
  await new Promise((r) => setTimeout(r, 1500));
  expect(core.twin.position).toBeGreaterThan(c.decision.journalPosition);
  core.snapshot();
  const replay = await client.call('decisions.replay', { id: c.decision.id });
  expect(replay.differences).toEqual([]);
  expect(replay.same).toBe(true);
  expect(replay.replayed.map((o) => o.id)).toEqual(c.decision.options.map((o) => o.id));
});
