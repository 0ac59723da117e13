/**
 * decisions.review on the demo plant with the embedded simulator at ×600: a decision committed with
 * a 1-hour horizon is refused a review until the horizon has passed, then judged against what the
 * journal recorded (projected order ends against actual completions, regret in hindsight).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { TimelineBuilder } from '../../../shared/timeline/builder';
import { iso22400 } from '../../../shared/kpi/iso22400';

const dir = mkdtempSync(join(tmpdir(), 'takt-commit-review-'));
let core: TaktCore | undefined;
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('reviews a committed decision once its horizon has passed', { timeout: 180_000 }, async () => {
  core = await startCore({ dataDir: dir, speed: 600, seed: 7 });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  const client = new ProtocolClient(b);
  await new Promise((r) => setTimeout(r, 1500));
  const view = await client.call('twin.view');
  const line = view.lines.find((l) => l.queue.length > 0 && l.status !== 'down')!;
  const machine = view.machines.find((m) => m.lineId === line.id)!;
  const t = Math.round(core.twin.time) + 1;
  await client.call('signals.ingest', { signals: [{ id: 'rv-1', source: 'review-test', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: machine.id, state: 'down', reason: 'review test' }] });
  let exceptionId = '';
  for (let i = 0; i < 100 && !exceptionId; i++) {
    await new Promise((r) => setTimeout(r, 100));
    exceptionId = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id)?.id ?? '';
  }
  expect(exceptionId).not.toBe('');
  const { options } = await client.call('decide.options', { exceptionId, horizonHours: 1, replanMs: 0 });
  const chosen = options.find((o) => o.feasible)!;
  const plant = await client.call('plant.get');
  const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
  const c = await client.call('decisions.commit', { exceptionId, optionId: chosen.id, by: controller.id, horizonHours: 1 });
  const early = client.call('decisions.review', { id: c.decision.id });
  await expect(early).rejects.toBeInstanceOf(RemoteError);
  await expect(early).rejects.toThrow(/review it once the horizon has passed/);
  const until = c.decision.forkAt + 3_600_000;
  // The shift report lists the decision, not yet reviewed: its horizon has not passed.
  const before = (await client.call('report.shift', { shiftStart: c.decision.committedAt })).decisions.find((d) => d.id === c.decision.id);
  expect(before?.review).toEqual({ state: 'pending', horizonEnds: until });
  while (core.twin.time < until) await new Promise((r) => setTimeout(r, 250));
  const r = await client.call('decisions.review', { id: c.decision.id });
  expect(r.decisionId).toBe(c.decision.id);
  expect(r.reviewedUntil).toBe(until);
  for (const e of r.endErrors) {
    expect(e.actualEnd).toBeGreaterThan(c.decision.forkAt);
    expect(e.actualEnd).toBeLessThanOrEqual(until);
  }
  expect(r.regret).toBeGreaterThanOrEqual(0);
  expect(r.best.cost).toBeLessThanOrEqual(r.hindsightCost);
  expect(r.cycleMinutes).not.toBeNull();
  expect(r.cycleMinutes!).toBeGreaterThanOrEqual(0);
  // Deterministic: the same journal gives the same review.
  expect(await client.call('decisions.review', { id: c.decision.id })).toEqual(r);

  // The review's actual KPIs are the timeline's for the same period: a timeline folded afresh over
  // the recorded journal gives the same quantities and ISO 22400 KPIs for the line over the horizon.
  expect(r.actual).toBeDefined();
  expect(r.actual!.lineIds).toEqual([c.decision.lineId]);
  expect([r.actual!.from, r.actual!.to]).toEqual([c.decision.forkAt, until]);
  const { startTime } = await client.call('timeline.get', { from: c.decision.forkAt, to: until });
  const fold = new TimelineBuilder(core.plant, startTime);
  for (const row of core.journal.readFrom(1)) fold.apply(row.signal, row.position);
  const q = fold.quantities(c.decision.lineId, c.decision.forkAt, until, core.twin.time);
  expect(r.actual!.quantities).toEqual(q);
  expect(r.actual!.iso).toEqual(iso22400(q));
  // Something ran on the line in that hour: the equality is over real figures, not two empty periods.
  expect(q.pbtMs).toBeGreaterThan(0);

  // The shift report carries the same review once the horizon has passed.
  const after = (await client.call('report.shift', { shiftStart: c.decision.committedAt })).decisions.find((d) => d.id === c.decision.id);
  expect(after?.review).toEqual({ state: 'reviewed', endMaeMinutes: r.endMaeMinutes, regret: r.regret, best: r.best.title, forecastCost: r.forecastCost, hindsightCost: r.hindsightCost, cycleMinutes: r.cycleMinutes });

  // The weekly roll-up covers it: one decision reviewed, its week's MAE and regret are its own.
  const weekly = await client.call('decisions.reviewWeekly');
  expect(weekly.reviewed).toBe(1);
  expect(weekly.skipped).toEqual([]);
  expect(weekly.weeks).toHaveLength(1);
  expect(weekly.weeks[0]!.decisions).toBe(1);
  expect(weekly.weeks[0]!.meanRegret).toBeCloseTo(r.regret, 1);
  expect(weekly.weeks[0]!.meanCycleMinutes).toBeCloseTo(r.cycleMinutes!, 1);
  expect(weekly.weeks[0]!.endMaeMinutes).toBe(r.endMaeMinutes);
});
