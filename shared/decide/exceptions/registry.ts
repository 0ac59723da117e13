/**
 * The exception registry owns the records: it applies detections (./detection.ts), runs operator
 * actions through the lifecycle reducer (./lifecycle.ts), records who and when for every
 * transition, expires shelves (`until <= now`, checked on each update against the plant clock, so
 * it replays exactly) and measures the flood rate.
 */
import { MINUTE } from '../../twin/schedule';
import { plantTime } from '../../clock/plant-time';
import { num } from '../context';
import { exceptionPriorities, type ExceptionPriority, type ExceptionType, type RuleSet } from '../rules-schema';
import { PRIORITY_RANK, type DetectedCondition } from './detection';
import { exceptionStates, lifecycleNext, type ExceptionState, type LifecycleEvent } from './lifecycle';
import type { ExceptionRecord } from './record';

export type { ExceptionComment, ExceptionRecord, ExceptionTransition } from './record';

export type ExceptionChange =
  | { kind: 'raised'; exception: ExceptionRecord }
  | { kind: 'transition'; exception: ExceptionRecord; from: ExceptionState; event: LifecycleEvent }
  | { kind: 'updated'; exception: ExceptionRecord }
  | { kind: 'comment'; exception: ExceptionRecord }
  | { kind: 'removed'; id: string };

export interface ExceptionFilter {
  states?: ExceptionState[];
  types?: ExceptionType[];
  priorities?: ExceptionPriority[];
  lineId?: string;
  orderId?: string;
  /** Closed exceptions are left out unless asked for (or named in `states`). */
  includeClosed?: boolean;
}

export interface FloodRate {
  windowMinutes: number;
  /** New annunciations (raised, or back to active-unacknowledged) in the window. */
  newInWindow: number;
  operators: number;
  perOperator: number;
  threshold: number;
  flooding: boolean;
}

export class ExceptionError extends Error {
  override readonly name = 'ExceptionError';
  constructor(
    readonly code: 'not_found' | 'illegal_transition' | 'invalid',
    readonly id: string,
    message: string,
    readonly state?: ExceptionState,
  ) {
    super(message);
  }
}

export const REGISTRY_FORMAT = 1;

export interface RegistrySnapshot {
  format: number;
  seq: number;
  records: ExceptionRecord[];
  /** Plant times of recent annunciations (for the flood rate). */
  annunciations: number[];
}

const clone = <T>(v: T): T => structuredClone(v);
const OPEN_ANNUNCIATED: readonly ExceptionState[] = ['active-unacknowledged', 'active-acknowledged', 'rtn-unacknowledged'];

/**
 * Owns the exceptions: applies detections (`update`), operator actions and shelve expiry, all on
 * plant time from the clock it is given. Deterministic: the same detections and actions at the
 * same times give the same records, ids included.
 */
export class ExceptionRegistry {
  private seq = 0;
  private readonly records = new Map<string, ExceptionRecord>();
  private readonly openByKey = new Map<string, string>();
  private annunciations: number[] = [];
  private readonly listeners = new Set<(changes: ExceptionChange[]) => void>();

  /** `timeZone`: the plant's, for the times in lifecycle texts (shelve expiry, refusals). */
  constructor(
    private rules: RuleSet,
    private readonly clock: { now(): number },
    private readonly timeZone = 'UTC',
  ) {}

  setRules(rules: RuleSet): void {
    this.rules = rules;
  }

  /** Listens to every change (detections and actions); returns an unsubscribe. */
  onChange(fn: (changes: ExceptionChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(changes: ExceptionChange[]): ExceptionChange[] {
    if (changes.length) this.listeners.forEach((f) => f(changes));
    return changes;
  }

  private move(r: ExceptionRecord, event: LifecycleEvent, by: string, at: number, changes: ExceptionChange[], note?: string): void {
    const next = lifecycleNext(r.state, event, r.conditionActive);
    if (next === null) throw new ExceptionError('illegal_transition', r.id, `exception ${r.id} is ${r.state}: '${event}' is not allowed in that state`, r.state);
    if (next === r.state) return;
    const from = r.state;
    r.state = next;
    r.updatedAt = at;
    r.history.push({ at, by, event, from, to: next, ...(note ? { note } : {}) });
    if (next === 'active-unacknowledged' && from !== 'active-unacknowledged') {
      r.acknowledged = null;
      this.annunciations.push(at);
    }
    if (from === 'shelved') r.shelved = null;
    if (from === 'out-of-service') r.outOfService = null;
    if (next === 'closed') {
      r.closedAt = at;
      this.openByKey.delete(r.key);
    }
    changes.push({ kind: 'transition', exception: clone(r), from, event });
  }

  private must(id: string): ExceptionRecord {
    const r = this.records.get(id);
    if (!r) throw new ExceptionError('not_found', id, `no exception with id '${id}'`);
    return r;
  }

  /** Applies a full detection pass at `now`: raises new conditions, updates present ones, clears absent ones, expires shelves. */
  update(detected: readonly DetectedCondition[], now: number = this.clock.now()): ExceptionChange[] {
    const changes: ExceptionChange[] = [];
    this.expire(now, changes);
    const present = new Set<string>();
    for (const d of detected) {
      if (present.has(d.key)) continue;
      present.add(d.key);
      const id = this.openByKey.get(d.key);
      if (id === undefined) {
        this.raise(d, now, changes);
        continue;
      }
      const r = this.records.get(id)!;
      const before = JSON.stringify([r.priority, r.title, r.detail, r.subject, r.numbers]);
      r.priority = d.priority;
      r.title = d.title;
      r.detail = d.detail;
      r.subject = { ...d.subject };
      if (d.numbers) r.numbers = { ...d.numbers };
      else delete r.numbers;
      const changed = before !== JSON.stringify([r.priority, r.title, r.detail, r.subject, r.numbers]);
      if (!r.conditionActive) {
        r.conditionActive = true;
        r.clearedAt = null;
        this.move(r, 'condition-active', 'system', now, changes);
      }
      const suppressedBy = d.suppressedBy ?? null;
      if (suppressedBy !== r.suppressedBy) {
        r.suppressedBy = suppressedBy;
        if (suppressedBy !== null && (r.state === 'active-unacknowledged' || r.state === 'active-acknowledged')) this.move(r, 'suppress', 'system', now, changes, suppressedBy);
        else if (suppressedBy === null && r.state === 'suppressed') this.move(r, 'unsuppress', 'system', now, changes);
      }
      if (changed) {
        r.updatedAt = now;
        changes.push({ kind: 'updated', exception: clone(r) });
      }
    }
    for (const id of [...this.openByKey.values()]) {
      const r = this.records.get(id)!;
      if (present.has(r.key) || !r.conditionActive) continue;
      r.conditionActive = false;
      r.clearedAt = now;
      this.move(r, 'condition-cleared', 'system', now, changes);
    }
    this.prune(changes);
    this.pruneAnnunciations(now);
    return this.emit(changes);
  }

  private raise(d: DetectedCondition, now: number, changes: ExceptionChange[]): void {
    const id = `EX-${++this.seq}`;
    const state: ExceptionState = d.suppressedBy ? 'suppressed' : 'active-unacknowledged';
    const r: ExceptionRecord = {
      id,
      key: d.key,
      type: d.type,
      priority: d.priority,
      title: d.title,
      detail: d.detail,
      subject: { ...d.subject },
      ...(d.numbers ? { numbers: { ...d.numbers } } : {}),
      state,
      conditionActive: true,
      raisedAt: now,
      updatedAt: now,
      clearedAt: null,
      closedAt: null,
      acknowledged: null,
      shelved: null,
      outOfService: null,
      suppressedBy: d.suppressedBy ?? null,
      comments: [],
      history: [{ at: now, by: 'system', event: 'raised', from: null, to: state, ...(d.suppressedBy ? { note: d.suppressedBy } : {}) }],
    };
    this.records.set(id, r);
    this.openByKey.set(d.key, id);
    if (state === 'active-unacknowledged') this.annunciations.push(now);
    changes.push({ kind: 'raised', exception: clone(r) });
  }

  /** Returns shelved exceptions whose time is up (also done by update). */
  expire(now: number = this.clock.now(), changes: ExceptionChange[] = []): ExceptionChange[] {
    for (const id of [...this.openByKey.values()]) {
      const r = this.records.get(id)!;
      if (r.state === 'shelved' && r.shelved && r.shelved.until <= now) this.move(r, 'shelve-expired', 'system', r.shelved.until, changes, `shelved until ${plantTime(this.timeZone).relative(r.shelved.until, now)}`);
    }
    return changes;
  }

  private prune(changes: ExceptionChange[]): void {
    const keep = this.rules.exceptions.keepClosed;
    const closed = [...this.records.values()].filter((r) => r.state === 'closed');
    if (closed.length <= keep) return;
    closed.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0) || Number(a.id.slice(3)) - Number(b.id.slice(3)));
    for (const r of closed.slice(0, closed.length - keep)) {
      this.records.delete(r.id);
      changes.push({ kind: 'removed', id: r.id });
    }
  }

  private pruneAnnunciations(now: number): void {
    const from = now - this.rules.exceptions.flood.windowMinutes * MINUTE;
    if (this.annunciations.length && this.annunciations[0]! <= from) this.annunciations = this.annunciations.filter((t) => t > from);
  }

  private act(id: string, by: string, f: (r: ExceptionRecord, now: number, changes: ExceptionChange[]) => void): ExceptionRecord {
    const r = this.must(id);
    if (!by || !by.trim()) throw new ExceptionError('invalid', id, `who acts on exception ${id}: 'by' must name a person`, r.state);
    const changes: ExceptionChange[] = [];
    f(r, this.clock.now(), changes);
    // The transition's copy is taken mid-action (before e.g. `acknowledged` is set): send the record as the action left it.
    const done = clone(r);
    for (const c of changes) if ('exception' in c && c.exception.id === r.id) c.exception = clone(done);
    this.emit(changes);
    return done;
  }

  acknowledge(id: string, by: string, comment?: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      const from = r.state;
      this.move(r, 'ack', by, now, changes, comment);
      if (from === 'active-unacknowledged' || from === 'rtn-unacknowledged') r.acknowledged = { by, at: now };
      if (comment) r.comments.push({ at: now, by, text: comment });
    });
  }

  /** Shelves until `until` (plant time), at most the rules' `shelveMaxMinutes` ahead. */
  shelve(id: string, by: string, until: number, reason: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      const max = this.rules.exceptions.shelveMaxMinutes;
      if (!reason || !reason.trim()) throw new ExceptionError('invalid', id, `shelving exception ${id} needs a reason`, r.state);
      if (until <= now) throw new ExceptionError('invalid', id, `shelving exception ${id} until ${plantTime(this.timeZone).relative(until, now)}: that is not after now (${plantTime(this.timeZone).clock(now)})`, r.state);
      if (until - now > max * MINUTE) throw new ExceptionError('invalid', id, `shelving exception ${id} for ${num((until - now) / MINUTE)} min exceeds the rules' maximum of ${num(max)} min`, r.state);
      if (!OPEN_ANNUNCIATED.includes(r.state)) throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}: only active or returned-to-normal exceptions can be shelved`, r.state);
      this.move(r, 'shelve', by, now, changes, reason);
      r.shelved = { by, at: now, until, reason };
    });
  }

  unshelve(id: string, by: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (r.state !== 'shelved') throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}, not shelved`, r.state);
      this.move(r, 'unshelve', by, now, changes);
    });
  }

  comment(id: string, by: string, text: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (!text || !text.trim()) throw new ExceptionError('invalid', id, `a comment on exception ${id} needs text`, r.state);
      r.comments.push({ at: now, by, text });
      r.updatedAt = now;
      changes.push({ kind: 'comment', exception: clone(r) });
    });
  }

  outOfService(id: string, by: string, reason: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (!reason || !reason.trim()) throw new ExceptionError('invalid', id, `taking exception ${id} out of service needs a reason`, r.state);
      this.move(r, 'remove-from-service', by, now, changes, reason);
      r.outOfService = { by, at: now, reason };
    });
  }

  returnToService(id: string, by: string): ExceptionRecord {
    return this.act(id, by, (r, now, changes) => {
      if (r.state !== 'out-of-service') throw new ExceptionError('illegal_transition', id, `exception ${id} is ${r.state}, not out of service`, r.state);
      this.move(r, 'return-to-service', by, now, changes);
    });
  }

  get(id: string): ExceptionRecord {
    return clone(this.must(id));
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Matching exceptions, most urgent first (priority, then oldest, then id). */
  list(filter: ExceptionFilter = {}): ExceptionRecord[] {
    const out: ExceptionRecord[] = [];
    for (const r of this.records.values()) {
      if (filter.states ? !filter.states.includes(r.state) : r.state === 'closed' && !filter.includeClosed) continue;
      if (filter.types && !filter.types.includes(r.type)) continue;
      if (filter.priorities && !filter.priorities.includes(r.priority)) continue;
      if (filter.lineId !== undefined && r.subject.lineId !== filter.lineId) continue;
      if (filter.orderId !== undefined && r.subject.orderId !== filter.orderId) continue;
      out.push(clone(r));
    }
    return out.sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.raisedAt - b.raisedAt || Number(a.id.slice(3)) - Number(b.id.slice(3)));
  }

  /** New annunciations per operator position over the rules' window ending at `now`. */
  flood(now: number = this.clock.now()): FloodRate {
    const f = this.rules.exceptions.flood;
    const from = now - f.windowMinutes * MINUTE;
    const n = this.annunciations.filter((t) => t > from && t <= now).length;
    const perOperator = n / f.operators;
    return { windowMinutes: f.windowMinutes, newInWindow: n, operators: f.operators, perOperator, threshold: f.maxNew, flooding: perOperator > f.maxNew };
  }

  persist(): RegistrySnapshot {
    return { format: REGISTRY_FORMAT, seq: this.seq, records: [...this.records.values()].map(clone), annunciations: [...this.annunciations] };
  }

  /** Replaces the registry's content with a persisted one. */
  restore(snap: RegistrySnapshot): void {
    if (!snap || snap.format !== REGISTRY_FORMAT || !Array.isArray(snap.records)) throw new Error(`exception registry snapshot format ${String(snap?.format)} is not ${REGISTRY_FORMAT}: start with an empty registry`);
    this.records.clear();
    this.openByKey.clear();
    this.seq = snap.seq;
    for (const r of snap.records) {
      if (!(exceptionStates as readonly string[]).includes(r.state) || !(exceptionPriorities as readonly string[]).includes(r.priority)) throw new Error(`exception registry snapshot: record ${r.id} has state '${r.state}' / priority '${r.priority}'`);
      this.records.set(r.id, clone(r));
      if (r.state !== 'closed') this.openByKey.set(r.key, r.id);
    }
    this.annunciations = [...snap.annunciations];
  }
}
