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
import { raiseLineDown } from '../../helpers/line-down';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { TimelineBuilder } from '../../../shared/timeline/builder';
import { iso22400 } from '../../../shared/kpi/iso22400';
import { forecast } from '../../../shared/sim/forecast/forecast';

const dir = mkdtempSync(join(tmpdir(), 'takt-commit-review-'));
let core: TaktCore | undefined;
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('reviews a committed decision once its horizon has passed', { timeout: 180_000 }, async () => {
  // Every forecast a review runs is counted: a review once made is kept, not re-simulated.
  let forecasts = 0;
  const reviewForecast: typeof forecast = (...a) => {
    forecasts++;
    return forecast(...a);
  };
  core = await startCore({ dataDir: dir, speed: 600, seed: 7, reviewForecast });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  const client = new ProtocolClient(b);
  await new Promise((r) => setTimeout(r, 1500));
  const { lineId, exceptionId } = await raiseLineDown(client, core, 'review-test');
  const { options } = await client.call('decide.options', { exceptionId, horizonHours: 1, replanMs: 0 });
  const chosen = options.find((o) => o.feasible)!;
  const plant = await client.call('plant.get');
  const controller = plant.crews.flatMap((c) => c.members).find((m) => m.role === 'controller')!;
  const c = await client.call('decisions.commit', { exceptionId, optionId: chosen.id, by: controller.id, horizonHours: 1 });

  // A planner's what-if committed as a decision: on another line, move its second order to the
  // front, assuming that line goes down for 20 minutes and one person is absent. Its horizon (3 h)
  // passes after the option decision's (long enough for orders to finish).
  const now = await client.call('twin.view');
  const other = now.lines.find((l) => l.id !== lineId && l.queue.length > 1 && l.status !== 'down')!;
  const planner = plant.crews.flatMap((x) => x.members).find((m) => m.role === 'planner')!;
  await client.call('whatIf.save', {
    scenario: { takt: 'scenario', name: 'front of the queue', horizonHours: 3, seed: 1, disruptions: [{ type: 'line-down', line: other.id, atHours: 0.25, hours: 1 / 3 }, { type: 'absence', hours: 1, count: 1 }], moves: [{ type: 'sequence', order: other.queue[1]!.orderId, position: 0 }] },
    by: planner.id,
  } as never);
  const sc = await client.call('decisions.commit', { kind: 'scenario', scenarioId: 'front of the queue', by: controller.id });
  expect(sc.decision.status).toBe('dispatched');
  const early = client.call('decisions.review', { id: c.decision.id });
  await expect(early).rejects.toBeInstanceOf(RemoteError);
  await expect(early).rejects.toThrow(/review it once the horizon has passed/);
  const until = c.decision.forkAt + 3_600_000;
  // The shift report lists the decision, not yet reviewed: its horizon has not passed.
  const before = (await client.call('report.shift', { shiftStart: c.decision.committedAt })).decisions.find((d) => d.id === c.decision.id);
  expect(before?.review).toEqual({ state: 'pending', horizonEnds: until });
  // Until the journal has recorded past the horizon a late signal may still change the review, so it is kept only then.
  while (core.twin.time < until || core.journal.maxEventTime <= until) await new Promise((r) => setTimeout(r, 250));
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
  // The options were re-simulated once (the chosen one at commit, each feasible one in hindsight);
  // asking again answers the same review from the cache without another forecast.
  const ran = forecasts;
  expect(ran).toBeGreaterThanOrEqual(2);
  expect(await client.call('decisions.review', { id: c.decision.id })).toEqual(r);
  expect(forecasts).toBe(ran);

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
  expect(forecasts).toBe(ran);

  // The committed scenario is reviewed too: its forecast is the receipt's (the scenario's cost in
  // the stored comparison), regret is against the plan as is in hindsight, the actual KPIs are its
  // line's, and the absence it assumed is named as what the hindsight cannot replay.
  const scUntil = sc.decision.forkAt + 3 * 3_600_000;
  while (core.twin.time < scUntil || core.journal.maxEventTime <= scUntil) await new Promise((r) => setTimeout(r, 250));
  const s = await client.call('decisions.review', { id: sc.decision.id });
  const comparison = sc.decision.replayInput!.scenario!.comparison;
  expect(comparison.scenarios).toEqual(['Plan as is', 'front of the queue']);
  expect(s.forecastCost).toBeCloseTo(comparison.rows.find((x) => x.kpi === 'cost')!.values[1]!, 3);
  expect(s.scenario).toEqual({ name: 'front of the queue', assumptions: 2 });
  expect(s.hindsightGaps).toEqual([expect.stringMatching(/^disruptions\.1 \(absence\): .*crew absences/)]);
  expect(s.endErrors.length).toBeGreaterThan(0);
  // The MAE is rounded to 0.1 min: within half of that of the mean of the errors listed.
  expect(Math.abs(s.endMaeMinutes! - s.endErrors.reduce((a, e) => a + Math.abs(e.errorMinutes), 0) / s.endErrors.length)).toBeLessThanOrEqual(0.05 + 1e-9);
  expect(sc.decision.options.map((o) => o.id)).toContain(s.best.id);
  expect(s.regret).toBeCloseTo(Math.max(0, s.hindsightCost - s.best.cost), 3);
  expect(s.actual!.lineIds).toEqual([other.id]);
  expect([s.actual!.from, s.actual!.to]).toEqual([sc.decision.forkAt, scUntil]);
  const refold = new TimelineBuilder(core.plant, startTime);
  for (const row of core.journal.readFrom(1)) refold.apply(row.signal, row.position);
  expect(s.actual!.quantities).toEqual(refold.quantities(other.id, sc.decision.forkAt, scUntil, core.twin.time));
  expect(s.actual!.quantities.pbtMs).toBeGreaterThan(0);
  expect(await client.call('decisions.review', { id: sc.decision.id })).toEqual(s);
  const inReport = (await client.call('report.shift', { shiftStart: sc.decision.committedAt })).decisions.find((d) => d.id === sc.decision.id);
  expect(inReport?.review).toEqual({ state: 'reviewed', endMaeMinutes: s.endMaeMinutes, regret: s.regret, best: s.best.title, forecastCost: s.forecastCost, hindsightCost: s.hindsightCost, cycleMinutes: null, hindsightGaps: s.hindsightGaps });

  // The weekly roll-up covers both: neither is skipped, and the week's figures are the two reviews'.
  // Both are reviewed already: the roll-up (the panel asks every minute) runs no forecast.
  const ranBoth = forecasts;
  const weekly = await client.call('decisions.reviewWeekly');
  expect(await client.call('decisions.reviewWeekly')).toEqual(weekly);
  expect(forecasts).toBe(ranBoth);
  expect(weekly.reviewed).toBe(2);
  expect(weekly.skipped).toEqual([]);
  expect(weekly.weeks).toHaveLength(1);
  expect(weekly.weeks[0]!.decisions).toBe(2);
  expect(weekly.weeks[0]).toMatchObject({ withHindsightGaps: 1, hindsightGapKinds: ['absence'] });
  expect(weekly.weeks[0]!.meanRegret).toBeCloseTo((r.regret + s.regret) / 2, 1);
  const errs = [...r.endErrors, ...s.endErrors].map((e) => Math.abs(e.errorMinutes));
  expect(weekly.weeks[0]!.endMaeMinutes).toBeCloseTo(errs.reduce((a, b) => a + b, 0) / errs.length, 1);
});
