/**
 * `takt review` on a data folder: the same numbers as the core's `decisions.review` and
 * `decisions.reviewWeekly`, in words per decision and per week, and clear errors for a folder
 * without a journal and an unknown decision.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { reviewCommand } from '../../../main/cli/review';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { raiseLineDown } from '../../helpers/line-down';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import type { DecisionQualityReport, DecisionReview } from '../../../shared/decide/review';

const dir = mkdtempSync(join(tmpdir(), 'takt-review-cli-'));
let core: TaktCore | undefined;
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(o: { decision?: string; json?: boolean; data?: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await reviewCommand({ data: o.data ?? dir, ...(o.decision ? { decision: o.decision } : {}), ...(o.json ? { json: true } : {}), out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

it('prints a decision review and the weekly roll-up equal to the core\u2019s', { timeout: 180_000 }, async () => {
  core = await startCore({ dataDir: dir, speed: 600, seed: 7 });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  const client = new ProtocolClient(b);
  await new Promise((r) => setTimeout(r, 1500));
  const { exceptionId } = await raiseLineDown(client, core, 'review-cli-test');
  const { options } = await client.call('decide.options', { exceptionId, horizonHours: 1, replanMs: 0 });
  const plant = await client.call('plant.get');
  const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
  const c = await client.call('decisions.commit', { exceptionId, optionId: options.find((o) => o.feasible)!.id, by: controller.id, horizonHours: 1 });
  const until = c.decision.forkAt + 3_600_000;
  while (core.twin.time < until || core.journal.maxEventTime <= until) await new Promise((r) => setTimeout(r, 250));
  const live: DecisionReview = await client.call('decisions.review', { id: c.decision.id });
  const weekly: DecisionQualityReport = await client.call('decisions.reviewWeekly', { limit: 1000 });
  await core.close();
  core = undefined;

  const one = await run({ decision: c.decision.id, json: true });
  expect(one.err).toEqual([]);
  expect(one.code).toBe(0);
  expect(JSON.parse(one.out.at(-1)!)).toEqual(live);

  const words = await run({ decision: c.decision.id });
  expect(words.code).toBe(0);
  const text = words.out.join('\n');
  expect(text).toContain(`Decision ${c.decision.id}`);
  expect(text).toContain(`regret ${live.regret.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}`);
  expect(text).toContain(`'${live.best.title}'`);
  for (const e of live.endErrors) expect(text).toContain(e.orderId);

  const week = await run({ json: true });
  expect(week.code).toBe(0);
  const w = JSON.parse(week.out.at(-1)!) as DecisionQualityReport;
  expect(w.reviewed).toBe(weekly.reviewed);
  expect(w.weeks).toEqual(weekly.weeks);
  const table = (await run({})).out.join('\n');
  expect(table).toMatch(/1 decision reviewed/);
  expect(table).toContain('week of');

  const unknown = await run({ decision: 'D-nope' });
  expect(unknown.code).toBe(1);
  expect(unknown.err.join('\n')).toMatch(/takt review: .*D-nope/);
});

it('says which folder has no journal', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'takt-review-empty-'));
  try {
    const r = await run({ data: empty });
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain(`no journal in ${empty}`);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
