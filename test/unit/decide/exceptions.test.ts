import { describe, expect, it } from 'vitest';
import { ExceptionError, ExceptionRegistry, detectExceptions, lifecycleNext, type DetectedCondition, type ExceptionChange, type ExceptionRecord } from '../../../shared/decide/exceptions';
import { HOUR, MIN, T0, line, machine, order, rules, smallPlant, view } from './helpers';

const plant = smallPlant();

describe('exception detection from twin views', () => {
  it('finds nothing in a calm plant', () => {
    expect(detectExceptions(plant, rules(), view(), T0)).toEqual([]);
  });

  it('line down: raised for a line with work, suppressed by design for an idle line or in a maintenance window', () => {
    const q = { orderId: 'O1', sku: 'Y-PLAIN-125', qty: 12000, projectedStart: T0 + 10 * MIN, projectedEnd: T0 + 2 * HOUR, changeoverMinutes: 0, late: false };
    const v = view({ time: T0 + 10 * MIN, lines: [line('L1', { status: 'down', queue: [q] }), line('L2', { status: 'down' })], machines: [machine('L1-FIL', 'L1', { state: 'down', since: T0, reason: 'jam' }), machine('L2-FIL', 'L2', { state: 'down', since: T0 + 5 * MIN })], orders: [order('O1')] });
    const d = detectExceptions(plant, rules(), v, v.time);
    expect(d.map((c) => [c.key, c.priority, c.suppressedBy ?? null])).toEqual([
      ['line-down:L1', 'critical', null],
      ['line-down:L2', 'critical', 'L2 has no current or queued order'],
    ]);
    expect(d[0]!.detail).toBe('L1-FIL (jam) down since 07:00 (10 min); 1 order waiting');
    // v.time is 07:10 on the plant's clock (Europe/Berlin), where the window is read.
    const maint = rules((r) => void (r.exceptions = { suppression: { maintenanceWindows: [{ line: 'L1', start: '07:00', end: '08:00' }] } }));
    expect(detectExceptions(plant, maint, v, v.time)[0]!.suppressedBy).toBe('maintenance window 07:00–08:00 on L1: planned maintenance');
  });

  it('material shortage within the horizon, counting cumulative demand and inbound POs; none beyond the horizon', () => {
    const runs = [
      { orderId: 'O1', sku: 'Y-PLAIN-125', qty: 100000, projectedStart: T0 + 1 * HOUR, projectedEnd: T0 + 5 * HOUR, changeoverMinutes: 0, late: false },
      { orderId: 'O5', sku: 'Y-PLAIN-125', qty: 80000, projectedStart: T0 + 5 * HOUR, projectedEnd: T0 + 9 * HOUR, changeoverMinutes: 0, late: false },
    ];
    const v = view({ lines: [line('L1', { queue: runs }), line('L2')], orders: [order('O1', { qty: 100000 }), order('O5', { qty: 80000 })] });
    // milk: 100000 × 0.12 = 12000, then + 80000 × 0.12 = 21600 > 20000 at 11:00
    const d = detectExceptions(plant, rules(), v, T0).filter((c) => c.type === 'material-shortage');
    expect(d.map((c) => c.key)).toEqual(['material-shortage:cup', 'material-shortage:milk']);
    const milk = d[1]!;
    expect(milk.detail).toBe('Milk: 21,600 l needed by 12:00 (through O5 on L1, 80,000 × 0.12), 20,000 l on hand + 0 inbound → short 1,600 l in 5 h (horizon 8 h)');
    expect(milk.subject).toEqual({ component: 'milk', orderId: 'O5', lineId: 'L1' });
    expect(milk.priority).toBe('high');
    const withPo = detectExceptions(plant, rules(), v, T0, { inbound: [{ po: 'PO1', component: 'milk', qty: 2000, eta: T0 + 4 * HOUR }] });
    expect(withPo.some((c) => c.key === 'material-shortage:milk')).toBe(false);
    const short = rules((r) => void (r.exceptions = { materialShortageHorizonHours: 4 }));
    expect(detectExceptions(plant, short, v, T0).some((c) => c.key === 'material-shortage:milk')).toBe(false);
  });

  it('QA hold, late risk (with tier floor), changeover overrun, crew gap and rush order', () => {
    const r = rules((x) => void (x.exceptions = { lateRiskMinutes: 30, changeoverOverrunMinutes: 15, rushOrderHours: 6, tierPriorityFloor: { A: 'high' } }));
    const v = view({
      time: T0 + HOUR,
      lines: [
        line('L1', { status: 'changeover', lastFamily: 'hazelnut', queue: [{ orderId: 'O1', sku: 'Y-PLAIN-125', qty: 12000, projectedStart: T0 + 2 * HOUR, projectedEnd: T0 + 9 * HOUR, changeoverMinutes: 90, late: true }] }),
        line('L2', { status: 'held', currentOrderId: 'O4', currentSku: 'Y-PLAIN-125', currentProjectedEnd: T0 + 3 * HOUR, crewOnShift: 1, holds: ['H1'] }),
      ],
      machines: [machine('L1-MIX', 'L1', { state: 'cleaning', since: T0, plannedMinutes: 30 }), machine('L2-FIL', 'L2', { state: 'running' })],
      orders: [order('O1', { due: T0 + 8 * HOUR }), order('O4', { lineId: 'L2', state: 'held', holds: ['H1'], customer: 'corner-shop', startedAt: T0 }), order('O9', { lineId: null, due: T0 + 5 * HOUR, customer: 'corner-shop' })],
    });
    const d = detectExceptions(plant, r, v, v.time, { firstSeen: { O1: 0, O4: 0, O9: T0 + 30 * MIN } });
    const byKey = Object.fromEntries(d.map((c) => [c.key, c]));
    expect(Object.keys(byKey)).toEqual(['changeover-overrun:L1', 'crew-gap:L2', 'late-risk:O1', 'qa-hold:H1', 'rush-order:O9']);
    expect(byKey['changeover-overrun:L1']!.detail).toBe('L1-MIX in cleaning since 07:00: 1 h 00 min against 30 planned → 30 min over (threshold 15 min)');
    expect(byKey['crew-gap:L2']!.detail).toBe('1 of 2 people on L2 (shift early) → 1 short while O4 runs');
    expect(byKey['late-risk:O1']).toMatchObject({ priority: 'high', detail: 'O1 (12,000 × Y-PLAIN-125, big-retail, tier A) projected to finish 16:00 on L1, due 15:00 → 1 h 00 min late (threshold 30 min)' });
    expect(byKey['qa-hold:H1']).toMatchObject({ priority: 'high', subject: { holdId: 'H1', lineId: 'L2', orderId: 'O4' }, detail: 'quality hold H1 on line L2, order O4' });
    expect(byKey['rush-order:O9']).toMatchObject({ priority: 'medium', detail: 'O9 (12,000 × Y-PLAIN-125, corner-shop, tier C) arrived 07:30 due 12:00: 4.5 h lead time (rush below 6 h), not started, no line' });
  });
});

/** A registry on a hand-moved plant clock. */
function setup(over: Parameters<typeof rules>[0] = () => undefined) {
  const clock = { t: T0, now() { return this.t; } };
  const reg = new ExceptionRegistry(rules(over), clock);
  const cond = (key: string, extra: Partial<DetectedCondition> = {}): DetectedCondition => ({ key, type: 'line-down', priority: 'critical', title: key, detail: key, subject: { lineId: 'L1' }, ...extra });
  const at = (min: number) => (clock.t = T0 + min * MIN);
  return { clock, reg, cond, at };
}

const states = (h: ExceptionRecord['history']) => h.map((x) => `${x.event}:${x.from ?? '-'}→${x.to}@${(x.at - T0) / MIN}/${x.by}`);

describe('ISA-18.2 lifecycle', () => {
  it('active-unack → ack → cleared (closed), with who and when on every transition', () => {
    const { reg, cond, at } = setup();
    const [raised] = reg.update([cond('line-down:L1')], at(0));
    expect(raised).toMatchObject({ kind: 'raised', exception: { id: 'EX-1', state: 'active-unacknowledged' } });
    at(2);
    const seen: ExceptionChange[] = [];
    reg.onChange((c) => seen.push(...c));
    const acked = reg.acknowledge('EX-1', 'p1', 'on it');
    expect(acked).toMatchObject({ state: 'active-acknowledged', acknowledged: { by: 'p1', at: T0 + 2 * MIN }, comments: [{ by: 'p1', text: 'on it' }] });
    // Listeners (the exceptions stream, the store mirror) get the record as the action left it.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ kind: 'transition', event: 'ack', exception: { acknowledged: { by: 'p1' }, comments: [{ text: 'on it' }] } });
    reg.update([], at(5));
    const r = reg.get('EX-1');
    expect(r).toMatchObject({ state: 'closed', clearedAt: T0 + 5 * MIN, closedAt: T0 + 5 * MIN });
    expect(states(r.history)).toEqual(['raised:-→active-unacknowledged@0/system', 'ack:active-unacknowledged→active-acknowledged@2/p1', 'condition-cleared:active-acknowledged→closed@5/system']);
    expect(reg.list()).toEqual([]);
    expect(reg.list({ includeClosed: true }).map((x) => x.id)).toEqual(['EX-1']);
  });

  it('clears while unacknowledged → returned-to-normal-unack, which needs an ack to close; re-activation re-annunciates', () => {
    const { reg, cond, at } = setup();
    reg.update([cond('k')], at(0));
    reg.update([], at(1));
    expect(reg.get('EX-1').state).toBe('rtn-unacknowledged');
    reg.update([cond('k')], at(2));
    expect(reg.get('EX-1').state).toBe('active-unacknowledged');
    reg.update([], at(3));
    at(4);
    expect(reg.acknowledge('EX-1', 'p2').state).toBe('closed');
    expect(states(reg.get('EX-1').history).slice(1)).toEqual([
      'condition-cleared:active-unacknowledged→rtn-unacknowledged@1/system',
      'condition-active:rtn-unacknowledged→active-unacknowledged@2/system',
      'condition-cleared:active-unacknowledged→rtn-unacknowledged@3/system',
      'ack:rtn-unacknowledged→closed@4/p2',
    ]);
    // the same condition after closing is a new exception
    reg.update([cond('k')], at(5));
    expect(reg.list().map((x) => x.id)).toEqual(['EX-2']);
  });

  it('de-duplicates: detecting the same key again updates the one exception', () => {
    const { reg, cond, at } = setup();
    reg.update([cond('k', { detail: 'down 1 min' })], at(1));
    const changes = reg.update([cond('k', { detail: 'down 2 min' }), cond('k', { detail: 'dup in one pass' })], at(2));
    expect(changes.map((c) => c.kind)).toEqual(['updated']);
    expect(reg.list()).toHaveLength(1);
    expect(reg.get('EX-1').detail).toBe('down 2 min');
    expect(reg.update([cond('k', { detail: 'down 2 min' })], at(2))).toEqual([]);
  });

  it('shelves with an expiry on the plant clock: back to active-unack if still present, closed if it cleared', () => {
    const { reg, cond, at } = setup((r) => void (r.exceptions = { shelveMaxMinutes: 60 }));
    reg.update([cond('a'), cond('b')], at(0));
    expect(reg.shelve('EX-1', 'p1', T0 + 30 * MIN, 'known, fitter on the way')).toMatchObject({ state: 'shelved', shelved: { by: 'p1', until: T0 + 30 * MIN, reason: 'known, fitter on the way' } });
    reg.shelve('EX-2', 'p1', T0 + 30 * MIN, 'known');
    reg.update([cond('a')], at(29)); // b clears while shelved
    expect([reg.get('EX-1').state, reg.get('EX-2').state]).toEqual(['shelved', 'shelved']);
    reg.update([cond('a')], at(30));
    expect(reg.get('EX-1')).toMatchObject({ state: 'active-unacknowledged', shelved: null });
    expect(reg.get('EX-2').state).toBe('closed');
    expect(states(reg.get('EX-1').history).at(-1)).toBe('shelve-expired:shelved→active-unacknowledged@30/system');
    // limits
    expect(() => reg.shelve('EX-1', 'p1', T0 + 200 * MIN, 'x')).toThrow(/exceeds the rules' maximum of 60 min/);
    expect(() => reg.shelve('EX-1', 'p1', T0 + 10 * MIN, 'x')).toThrow(/not after now/);
    reg.shelve('EX-1', 'p1', T0 + 40 * MIN, 'x');
    at(35);
    expect(reg.unshelve('EX-1', 'p2').state).toBe('active-unacknowledged');
  });

  it('suppressed by design, out of service (with reason) and return to service', () => {
    const { reg, cond, at } = setup();
    reg.update([cond('k', { suppressedBy: 'no orders on L1' })], at(0));
    expect(reg.get('EX-1')).toMatchObject({ state: 'suppressed', suppressedBy: 'no orders on L1' });
    expect(reg.flood().newInWindow).toBe(0);
    reg.update([cond('k')], at(1)); // orders arrive: the suppression ends
    expect(reg.get('EX-1').state).toBe('active-unacknowledged');
    reg.update([cond('k', { suppressedBy: 'maintenance' })], at(2));
    expect(reg.get('EX-1').state).toBe('suppressed');
    at(3);
    expect(reg.outOfService('EX-1', 'p1', 'sensor faulty, work order WO-7')).toMatchObject({ state: 'out-of-service', outOfService: { by: 'p1', reason: 'sensor faulty, work order WO-7' } });
    reg.update([cond('k')], at(4));
    expect(reg.get('EX-1').state).toBe('out-of-service');
    at(5);
    expect(reg.returnToService('EX-1', 'p1')).toMatchObject({ state: 'active-unacknowledged', outOfService: null });
    expect(reg.comment('EX-1', 'p3', 'checked').comments).toEqual([{ at: T0 + 5 * MIN, by: 'p3', text: 'checked' }]);
  });

  it('throws a typed error naming the id and the state for unknown ids and illegal transitions', () => {
    const { reg, cond, at } = setup();
    reg.update([cond('k')], at(0));
    reg.acknowledge('EX-1', 'p1');
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as ExceptionError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => reg.acknowledge('EX-1', 'p1'))).toMatchObject({ code: 'illegal_transition', id: 'EX-1', state: 'active-acknowledged', message: "exception EX-1 is active-acknowledged: 'ack' is not allowed in that state" });
    expect(err(() => reg.get('EX-99'))).toMatchObject({ code: 'not_found', id: 'EX-99', message: "no exception with id 'EX-99'" });
    expect(err(() => reg.unshelve('EX-1', 'p1'))).toMatchObject({ code: 'illegal_transition', message: 'exception EX-1 is active-acknowledged, not shelved' });
    expect(err(() => reg.returnToService('EX-1', 'p1'))).toMatchObject({ code: 'illegal_transition', state: 'active-acknowledged' });
    expect(err(() => reg.acknowledge('EX-1', ''))).toMatchObject({ code: 'invalid' });
    reg.update([], at(1));
    expect(err(() => reg.shelve('EX-1', 'p1', T0 + 30 * MIN, 'x'))).toMatchObject({ code: 'illegal_transition', state: 'closed' });
    expect(lifecycleNext('closed', 'ack', false)).toBeNull();
    expect(lifecycleNext('suppressed', 'ack', true)).toBeNull();
  });

  it('measures the flood rate: new annunciations per 10 minutes per operator', () => {
    const { reg, cond, at } = setup();
    reg.update(Array.from({ length: 10 }, (_, i) => cond(`k${i}`)), at(0));
    expect(reg.flood()).toEqual({ windowMinutes: 10, newInWindow: 10, operators: 1, perOperator: 10, threshold: 10, flooding: false });
    reg.update([...Array.from({ length: 10 }, (_, i) => cond(`k${i}`)), cond('k10')], at(5));
    expect(reg.flood()).toMatchObject({ newInWindow: 11, flooding: true });
    at(10);
    expect(reg.flood()).toMatchObject({ newInWindow: 1, flooding: false }); // the first ten left the window
    const two = setup((r) => void (r.exceptions = { flood: { operators: 2 } }));
    two.reg.update(Array.from({ length: 15 }, (_, i) => two.cond(`k${i}`)), two.at(0));
    expect(two.reg.flood()).toMatchObject({ newInWindow: 15, perOperator: 7.5, flooding: false });
  });

  it('persists and restores: same records, ids continue, shelve expiry still works', () => {
    const a = setup();
    a.reg.update([a.cond('x'), a.cond('y')], a.at(0));
    a.reg.shelve('EX-2', 'p1', T0 + 20 * MIN, 'later');
    a.reg.acknowledge('EX-1', 'p1', 'seen');
    const snap = JSON.parse(JSON.stringify(a.reg.persist()));
    const b = setup();
    b.reg.restore(snap);
    b.at(0);
    expect(b.reg.list()).toEqual(a.reg.list());
    b.reg.update([b.cond('x'), b.cond('y'), b.cond('z')], b.at(25));
    expect(b.reg.list().map((r) => [r.id, r.state])).toEqual([
      ['EX-1', 'active-acknowledged'],
      ['EX-2', 'active-unacknowledged'],
      ['EX-3', 'active-unacknowledged'],
    ]);
    expect(() => b.reg.restore({ format: 9 } as never)).toThrow(/format 9/);
  });

  it('is deterministic: the same detections and actions give the same registry', () => {
    const run = () => {
      const s = setup();
      s.reg.update([s.cond('a'), s.cond('b')], s.at(0));
      s.reg.acknowledge('EX-2', 'p2');
      s.reg.update([s.cond('b')], s.at(3));
      return JSON.stringify(s.reg.persist());
    };
    expect(run()).toBe(run());
  });
});
