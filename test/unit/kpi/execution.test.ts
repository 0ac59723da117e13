import { describe, expect, it } from 'vitest';
import { actionDoneAt, actionSla, decisionCycleTime, exceptionTimes, floodRate, onTimeDelivery, onTimeProjected, replans, scheduleAdherence } from '../../../shared/kpi/execution';
import { periodAt, periodsBack } from '../../../shared/kpi/periods';

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 10, 26, 6, 0); // 06:00, start of the early shift

describe('schedule adherence on a scripted shift', () => {
  // Baseline frozen at 06:00; tolerance 30 min; judged at 14:00 (shift end).
  const plan = [
    { orderId: 'A', start: T0, end: T0 + 2 * H }, // on time → on plan
    { orderId: 'B', start: T0 + 2 * H, end: T0 + 4 * H }, // +10 min start, +20 min end → on plan
    { orderId: 'C', start: T0 + 4 * H, end: T0 + 6 * H }, // +45 min start → off plan
    { orderId: 'D', start: T0 + 6 * H, end: T0 + 7 * H }, // never started → off plan
    { orderId: 'E', start: T0 + 7 * H, end: T0 + 9 * H }, // planned end after the shift → not judged here
    { orderId: 'F', start: T0 - 3 * H, end: T0 - H }, // planned end before the shift → not judged here
  ];
  const actual = new Map([
    ['A', { startedAt: T0, completedAt: T0 + 2 * H }],
    ['B', { startedAt: T0 + 2 * H + 10 * M, completedAt: T0 + 4 * H + 20 * M }],
    ['C', { startedAt: T0 + 4 * H + 45 * M, completedAt: T0 + 6 * H + 45 * M }],
    ['E', { startedAt: T0 + 7 * H, completedAt: null }],
  ]);
  it('is 2 of 4 = 0.5 with the reasons named', () => {
    const r = scheduleAdherence(plan, actual, { from: T0, to: T0 + 8 * H, now: T0 + 8 * H }, 30 * M);
    expect(r.value).toBe(0.5);
    expect(r.numerator).toBe(2);
    expect(r.denominator).toBe(4);
    expect(r.details.map((d) => [d.orderId, d.onPlan, d.why ?? ''])).toEqual([
      ['A', true, ''],
      ['B', true, ''],
      ['C', false, 'started 45 min off plan'],
      ['D', false, 'not started'],
    ]);
  });
  it('does not judge orders whose planned end is still ahead of now', () => {
    const r = scheduleAdherence(plan, actual, { from: T0, to: T0 + 8 * H, now: T0 + 3 * H }, 30 * M);
    expect(r.denominator).toBe(1);
    expect(r.value).toBe(1);
  });
  it('a tighter tolerance turns B off plan', () => {
    expect(scheduleAdherence(plan, actual, { from: T0, to: T0 + 8 * H, now: T0 + 8 * H }, 15 * M).value).toBe(0.25);
  });
  it('no planned orders: null, not NaN', () => {
    expect(scheduleAdherence([], actual, { from: T0, to: T0 + 8 * H, now: T0 + 8 * H }).value).toBeNull();
  });
});

describe('delivery, exceptions, decisions, actions', () => {
  const period = { from: T0, to: T0 + 8 * H, now: T0 + 8 * H };
  it('on-time delivery actual and projected', () => {
    const orders = [
      { due: T0 + H, completedAt: T0 + 30 * M }, // on time
      { due: T0 + H, completedAt: T0 + 2 * H }, // late
      { due: T0 + H, completedAt: T0 + H }, // exactly due → on time
      { due: T0 + H, completedAt: null }, // open: not counted
      { due: T0, completedAt: T0 - M }, // before the period: not counted
    ];
    expect(onTimeDelivery(orders, period)).toEqual({ value: 2 / 3, numerator: 2, denominator: 3 });
    expect(onTimeDelivery([], period).value).toBeNull();
    const open = [
      { due: T0 + 2 * H, projectedEnd: T0 + H },
      { due: T0 + 2 * H, projectedEnd: T0 + 3 * H },
      { due: T0 + 9 * H, projectedEnd: T0 + 10 * H }, // due after the period
    ];
    expect(onTimeProjected(open, period).value).toBe(0.5);
  });
  it('exception times by priority', () => {
    const ex = [
      { priority: 'P1', raisedAt: T0, acknowledged: { at: T0 + 2 * M }, closedAt: T0 + 20 * M },
      { priority: 'P1', raisedAt: T0 + H, acknowledged: { at: T0 + H + 4 * M }, closedAt: null },
      { priority: 'P2', raisedAt: T0 + H, acknowledged: null, closedAt: null },
      { priority: 'P1', raisedAt: T0 - H, acknowledged: { at: T0 }, closedAt: T0 }, // before the period
    ];
    const r = exceptionTimes(ex, period, ['P1', 'P2', 'P3']);
    expect(r[0]).toEqual({ priority: 'P1', raised: 2, timeToAcknowledge: { minutes: 3, count: 2 }, timeToResolve: { minutes: 20, count: 1 } });
    expect(r[1]).toEqual({ priority: 'P2', raised: 1, timeToAcknowledge: { minutes: null, count: 0 }, timeToResolve: { minutes: null, count: 0 } });
    expect(r[2]!.raised).toBe(0);
  });
  it('flood rate: windows above 10 per operator', () => {
    // 48 windows in 8 h; window 0 gets 25 (2 operators → 12.5 > 10), window 5 gets 20 (10, not above).
    const raised = [...Array.from({ length: 25 }, (_, i) => T0 + i * 1000), ...Array.from({ length: 20 }, (_, i) => T0 + 50 * M + i * 1000)];
    const r = floodRate(raised, period, 2);
    expect(r).toEqual({ value: 1 / 48, numerator: 1, denominator: 48 });
    expect(floodRate([], { from: T0, to: T0 + H, now: T0 }, 1).value).toBeNull();
  });
  it('decision cycle time, action SLA and replans', () => {
    expect(decisionCycleTime([{ committedAt: T0 + 30 * M, raisedAt: T0 }, { committedAt: T0 + 2 * H, raisedAt: T0 + H + 50 * M }, { committedAt: T0, raisedAt: null }], period)).toEqual({ minutes: 20, count: 2 });
    const actions = [
      { dueAt: T0 + H, doneAt: T0 + 50 * M },
      { dueAt: T0 + H, doneAt: T0 + 70 * M },
      { dueAt: T0 + 2 * H, doneAt: null },
      { dueAt: T0 + 2 * H, doneAt: null, rejected: true },
      { dueAt: T0 + 9 * H, doneAt: null }, // due after the period
    ];
    expect(actionSla(actions, period)).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(actionSla([], period).value).toBeNull();
    expect(actionDoneAt([{ at: 1, to: 'assigned' }, { at: 5, to: 'done' }, { at: 9, to: 'verified' }])).toBe(5);
    expect(replans([{ committedAt: T0 + H, status: 'dispatched' }, { committedAt: T0 + H, status: 'rejected' }, { committedAt: T0 + H, status: 'closed' }, { committedAt: T0 - H, status: 'closed' }], period)).toBe(2);
  });
});

describe('periods', () => {
  const plant = { shifts: [
    { id: 'early', name: 'Early', start: '06:00', end: '14:00', crew: 'a' },
    { id: 'late', name: 'Late', start: '14:00', end: '22:00', crew: 'b' },
    { id: 'night', name: 'Night', start: '22:00', end: '06:00', crew: 'c' },
  ] };
  it('finds the shift, including one across midnight', () => {
    expect(periodAt(plant, 'shift', T0 + H)).toMatchObject({ from: T0, to: T0 + 8 * H, shiftId: 'early' });
    const n = periodAt(plant, 'shift', T0 - H); // 05:00 → night shift from 22:00 the day before
    expect(n).toMatchObject({ from: T0 - 8 * H, to: T0, shiftId: 'night' });
  });
  it('days and weeks (Monday start) and trends back', () => {
    expect(periodAt(plant, 'day', T0).from).toBe(Date.UTC(2026, 10, 26));
    expect(periodAt(plant, 'week', T0).from).toBe(Date.UTC(2026, 10, 23)); // Monday
    const back = periodsBack(plant, 'shift', T0 + H, 4);
    expect(back.map((p) => p.shiftId)).toEqual(['early', 'late', 'night', 'early']);
    expect(back[3]!.from).toBe(T0);
    expect(back[0]!.from).toBe(T0 - 24 * H);
  });
  it('a plant without shifts gets three 8-hour shifts', () => {
    expect(periodAt({ shifts: [] }, 'shift', T0)).toMatchObject({ from: Date.UTC(2026, 10, 26, 0), to: Date.UTC(2026, 10, 26, 8) });
  });
});
