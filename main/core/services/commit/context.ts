/**
 * What every part of the commit service works with: the plant, the twin, the store and its one
 * writer, the clocks, and the checks and audit helpers the parts share. Built once by
 * commit-service.ts and handed to decisions, approvals, tracking and the outbox.
 */
import { ProtocolFailure } from '../../../../shared/protocol/server';
import type { Plant } from '../../../../shared/plant/schema';
import type { Twin } from '../../../../shared/twin/twin';
import type { TwinState } from '../../../../shared/twin/view';
import type { Role } from '../../../../shared/commit/records';
import { findPerson, type OrderFacts, type Person } from '../../../../shared/commit/workflows';
import type { OrderSpec } from '../../../../shared/commit/plan-change';
import type { CommitStore, NewAudit } from '../../persistence/commit-store';
import type { Journal } from '../../persistence/journal';
import type { DecideService } from '../decide-service';

/** Action states that count as done for dependencies and overdue checks. */
export const DONE_LIKE = new Set(['done', 'verified']);
/** Action states nothing moves out of. */
export const FINAL_ACTION = new Set(['verified', 'rejected']);
/** Roles that may move any action (besides its owner and people of its role). */
export const SUPERVISORS: readonly Role[] = ['lead', 'manager'];

export interface CommitContext {
  readonly plant: Plant;
  readonly twin: Twin;
  readonly journal: Journal;
  readonly decide: DecideService;
  readonly store: CommitStore;
  readonly log: (line: string) => void;
  /** Plant time in whole milliseconds: records carry integer times (the store's indexes need them). */
  now(): number;
  /** Real time for the outbox's retry schedule: it talks to real systems. */
  realNow(): number;
  /** The person with this id, or a bad_params failure naming `path`. */
  person(id: string, path?: string): Person;
  /** The record with this id, or a not_found failure naming `path`. */
  mustGet<T>(m: Map<string, T>, id: string, what: string, path?: string): T;
  /** Appends a hash-chained audit entry (plant time now unless `at`). Inside `serial`. */
  audit(e: Omit<NewAudit, 'at'> & { at?: number }): Promise<unknown>;
  /** Closes a dispatched decision once all its actions are final and all its messages acked. Inside `serial`. */
  closeIfDone(decisionId: string): Promise<void>;
  /**
   * A refusal of what a person asked for (`reason`, null when allowed) is audited like any change
   * they make, then answered as a failure naming `path`. Inside `serial`.
   */
  refuseIf(reason: string | null, who: Person, kind: string, subjectId: string, path: string, code?: 'bad_params' | 'conflict'): Promise<void>;
}

export interface CommitContextOptions {
  plant: Plant;
  twin: Twin;
  journal: Journal;
  decide: DecideService;
  store: CommitStore;
  log: (line: string) => void;
  now: () => number;
  realNow: () => number;
}

export function createCommitContext(o: CommitContextOptions): CommitContext {
  const { plant, twin, store } = o;
  const now = () => Math.floor(Math.max(o.now(), twin.time));
  const audit = (e: Omit<NewAudit, 'at'> & { at?: number }) => store.appendAudit({ at: now(), ...e });
  return {
    plant,
    twin,
    journal: o.journal,
    decide: o.decide,
    store,
    log: o.log,
    now,
    realNow: () => Math.floor(o.realNow()),
    person(id, path = 'params.by') {
      const p = findPerson(plant, id);
      if (!p) throw new ProtocolFailure('bad_params', `unknown person '${id}': use a person id from plant '${plant.site.id}' (its crews)`, path);
      return p;
    },
    mustGet(m, id, what, path = 'params.id') {
      const r = m.get(id);
      if (!r) throw new ProtocolFailure('not_found', `no ${what} with id '${id}'`, path);
      return r;
    },
    audit,
    async refuseIf(reason, who, kind, subjectId, path, code = 'bad_params') {
      if (reason === null) return;
      await audit({ actor: who.id, role: who.role, kind, subjectId, payload: { reason } });
      throw new ProtocolFailure(code, reason, path);
    },
    async closeIfDone(decisionId) {
      const d = store.decisions.get(decisionId);
      if (!d || d.status !== 'dispatched') return;
      const actions = [...store.actions.values()].filter((a) => a.decisionId === decisionId);
      const msgs = [...store.outbox.values()].filter((m) => m.decisionId === decisionId);
      if (!actions.every((a) => FINAL_ACTION.has(a.status)) || !msgs.every((m) => m.status === 'acked')) return;
      await store.putDecision({ ...d, status: 'closed' });
      await audit({ actor: 'takt', kind: 'decision.closed', subjectId: d.id, payload: { actions: actions.length, outbox: msgs.length } });
    },
  };
}

/** The twin's orders as the workflows (what is left to make) and the plan change (the full order) see them. */
export function orderFacts(view: TwinState) {
  const byId = new Map(view.orders.map((o) => [o.id, o]));
  const facts = (id: string): OrderFacts | undefined => {
    const o = byId.get(id);
    return o ? { sku: o.sku, qty: Math.max(0, o.qty - o.good), lineId: o.lineId } : undefined;
  };
  const spec = (id: string): OrderSpec | undefined => {
    const o = byId.get(id);
    return o ? { id: o.id, sku: o.sku, qty: o.qty, good: o.good, customer: o.customer, due: o.due, priority: o.priority, lineId: o.lineId } : undefined;
  };
  return { facts, spec };
}
