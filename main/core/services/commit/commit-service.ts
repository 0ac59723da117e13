/**
 * The core's commit service (issue 6): decision receipts, approvals, dispatched actions,
 * readiness gates, the write-back outbox and the audit chain, kept in the Takt RxDB
 * (main/core/persistence/commit-store.ts) and served as the `decisions.* / approvals.* / actions.* /
 * dispatch.gates / outbox.* / audit.*` methods and the `records` stream.
 *
 *  commit   re-scores the exception's options at the current journal position (same generator as
 *           `decide.options`), refuses an unknown or infeasible option, stores the hash-chained
 *           receipt and the approvals the escalation rules ask for;
 *  approve  by a person of the approval's role; when the last one is approved, the plan change is
 *           journaled through the ingest pipeline (so a replay reproduces it), the workflow
 *           templates expand into actions with owners on shift, and write-back messages enter the
 *           outbox;
 *  track    delivered signals verify matching actions (`observe`, called where the twin gets a
 *           batch); `tick` escalates approvals past due and marks overdue actions (plant time);
 *           the outbox loop sends due messages to the registered write-back targets with backoff.
 * Every commit, approval, action transition and outbox ack appends a hash-chained audit entry.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ProtocolFailure, type MethodHandlers, type StreamHandlers } from '../../../../shared/protocol/server';
import type { IngestResult, MethodResults, StreamItems } from '../../../../shared/protocol/api';
import type { Plant } from '../../../../shared/plant/schema';
import type { Signal } from '../../../../shared/signals/schema';
import type { Twin } from '../../../../shared/twin/twin';
import type { TwinState } from '../../../../shared/twin/view';
import { generateOptions, type RankedOption } from '../../../../shared/decide/options';
import { ruleSetSchema } from '../../../../shared/decide/rules-schema';
import type { LoadedRules } from '../../../../shared/decide/rules-parse';
import type { ExceptionRecord } from '../../../../shared/decide/exceptions';
import type { ActionRecord, ApprovalRecord, ConsideredOption, DecisionReceipt, OutboxRecord, RecordChange, Role } from '../../../../shared/commit/records';
import type { WriteBackTarget } from '../../../../shared/commit/writeback';
import { IllegalTransition, applyActionEvent, personEvent, type ActionEvent } from '../../../../shared/commit/action-machine';
import { expandActions, findPerson, gatingKinds, movedOrders, ownerOnShift, type OrderFacts, type Person } from '../../../../shared/commit/workflows';
import { readinessGates } from '../../../../shared/commit/gates';
import { verifies, type VerificationContext } from '../../../../shared/commit/verification';
import { checkActionOverdue, escalateApproval } from '../../../../shared/commit/overdue';
import { DEFAULT_RETRY, afterFailure, type RetryPolicy } from '../../../../shared/commit/outbox-policy';
import { COMMIT_SOURCE, linePlansOf, planChange, type OrderSpec } from '../../../../shared/commit/plan-change';
import { openCommitStore, type CommitStore, type NewAudit } from '../../persistence/commit-store';
import { createFileWriteBackTarget } from './outbox-file-target';
import { reconstructTwin } from '../../persistence/time-travel';
import { plantFingerprint } from '../../persistence/data-dir';
import type { DecideService } from '../decide-service';
import type { Journal } from '../../persistence/journal';
import type { SavedScenario } from '../../../../shared/protocol/api';
import { evaluateScenarioCommit, scenarioCommitProblems } from '../../../../shared/commit/scenario-commit';
import { savedScenarioDocId } from '../../persistence/store-mirror';

type CommitMethod =
  | 'decisions.commit'
  | 'decisions.list'
  | 'decisions.get'
  | 'decisions.replay'
  | 'approvals.list'
  | 'approvals.decide'
  | 'actions.list'
  | 'actions.get'
  | 'actions.transition'
  | 'dispatch.gates'
  | 'outbox.list'
  | 'outbox.retry'
  | 'audit.list'
  | 'audit.verify';

export interface CommitServiceOptions {
  plant: Plant;
  twin: Twin;
  journal: Journal;
  decide: DecideService;
  dataDir: string;
  /** Plant time when the twin started (replays start there). */
  startTime: number;
  /** Plant time now (the core's clock). */
  now: () => number;
  /** Journals plan-change signals through the ingest pipeline (and flushes it). */
  ingest: (signals: object[]) => IngestResult;
  /** Real time for the outbox's retry schedule: it talks to real systems (default Date.now). */
  realNow?: () => number;
  retry?: RetryPolicy;
  /** Real ms between outbox passes (default 200). */
  outboxEveryMs?: number;
  log?: (line: string) => void;
  /** The saved what-if scenarios (whatIf.save), for committing one as a decision. */
  scenarios?: () => readonly SavedScenario[];
}

export interface CommitService {
  readonly methods: Pick<MethodHandlers, CommitMethod>;
  /** The RxDB store and its one writer (the core mirrors exceptions, scenarios and rule sets through it). */
  readonly store: CommitStore;
  readonly streams: Pick<StreamHandlers, 'records'>;
  /** Connectors register their write-back targets (MQTT, REST); the latest one serving a target wins over the file target. */
  registerWriteBack(target: WriteBackTarget): () => void;
  /** Signals as the twin got them: verifies matching actions. */
  observe(batch: readonly Signal[]): void;
  /** Escalations and overdue checks (throttled to once a real second unless `force`). */
  tick(force?: boolean): Promise<void>;
  /** Resolves when every queued write is done (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DONE_LIKE = new Set(['done', 'verified']);
const FINAL_ACTION = new Set(['verified', 'rejected']);
/** Roles that may move any action (besides its owner and people of its role). */
const SUPERVISORS: readonly Role[] = ['lead', 'manager'];

export async function createCommitService(opts: CommitServiceOptions): Promise<CommitService> {
  const { plant, twin, journal, decide } = opts;
  const log = opts.log ?? (() => undefined);
  const realNow = () => Math.floor((opts.realNow ?? Date.now)());
  const retry = opts.retry ?? DEFAULT_RETRY;
  const store: CommitStore = await openCommitStore(opts.dataDir);
  // The plant model is versioned in the store; receipts name the version they were decided on.
  const plantVersion = await store.serial(() => store.plantVersion(plant.site.id, plantFingerprint(plant), plant, Math.floor(twin.time)));
  const fileTarget = createFileWriteBackTarget(opts.dataDir, realNow);
  const targets: WriteBackTarget[] = [];
  // Whole plant milliseconds: records carry integer times (the store's indexes need them).
  const now = () => Math.floor(Math.max(opts.now(), twin.time));

  // ------------------------------------------------------------------ helpers
  const person = (id: string, path = 'params.by'): Person => {
    const p = findPerson(plant, id);
    if (!p) throw new ProtocolFailure('bad_params', `unknown person '${id}': use a person id from plant '${plant.site.id}' (its crews)`, path);
    return p;
  };
  const mustGet = <T>(m: Map<string, T>, id: string, what: string, path = 'params.id'): T => {
    const r = m.get(id);
    if (!r) throw new ProtocolFailure('not_found', `no ${what} with id '${id}'`, path);
    return r;
  };
  const audit = (e: Omit<NewAudit, 'at'> & { at?: number }) => store.appendAudit({ at: now(), ...e });
  /** The approvals the chosen option needs (from the escalation rules), all pending from `at`. */
  const pendingApprovals = (decisionId: string, chosen: Pick<RankedOption, 'approvals'>, at: number): ApprovalRecord[] =>
    chosen.approvals.map((a, i) => ({
      id: `${decisionId}-p${i + 1}`,
      decisionId,
      ruleId: a.ruleId,
      reason: a.reason,
      role: a.approver,
      status: 'pending',
      requestedAt: at,
      dueAt: at + Math.round(a.escalateAfterMinutes * 60_000),
      escalateTo: a.escalateTo,
      level: 0,
    }));
  /** Stores the rule-set version a receipt names. */
  const saveRuleSetVersion = (rules: LoadedRules, at: number, by: string) =>
    store.saveRuleSet({ id: rulesDocId(rules), version: rules.version, name: rules.rules.name, hash: rules.hash, createdAt: at, createdBy: by, rules: JSON.parse(JSON.stringify(rules.rules)) as Record<string, unknown> });
  const orderFacts = (view: TwinState) => {
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
  };
  const considered = (o: RankedOption): ConsideredOption => ({ id: o.id, rank: o.rank, title: o.title, kind: o.kind, feasible: o.feasible, score: o.score, moves: o.moves });
  const rulesDocId = (r: LoadedRules) => r.hash.slice(0, 40);
  const exceptionLine = (e: ExceptionRecord): string => {
    const s = (e as unknown as { subject?: { lineId?: string | null } }).subject;
    return s?.lineId ?? '';
  };

  // ------------------------------------------------------------------ decisions
  const maybeClose = async (decisionId: string) => {
    const d = store.decisions.get(decisionId);
    if (!d || d.status !== 'dispatched') return;
    const actions = [...store.actions.values()].filter((a) => a.decisionId === decisionId);
    const msgs = [...store.outbox.values()].filter((m) => m.decisionId === decisionId);
    if (!actions.every((a) => FINAL_ACTION.has(a.status)) || !msgs.every((m) => m.status === 'acked')) return;
    await store.putDecision({ ...d, status: 'closed' });
    await audit({ actor: 'takt', kind: 'decision.closed', subjectId: d.id, payload: { actions: actions.length, outbox: msgs.length } });
  };

  /** Applies the plan change through the journal, expands the actions, queues the write-back. Inside `serial`. */
  const dispatch = async (d: DecisionReceipt): Promise<ActionRecord[]> => {
    const at = now();
    const beforeView = twin.peek();
    const before = orderFacts(beforeView);
    // Queue moves become plan.sequence pins of the lines' queues as the twin shows them now.
    const change = planChange(d.id, d.chosen.moves, before.spec, linePlansOf(beforeView));
    const envelope = (body: object, n: number) => ({ id: `${d.id}-s${n + 1}`, source: COMMIT_SOURCE, seq: d.seq * 1000 + n + 1, eventTime: at, receiveTime: at, ...body });
    const ingested = change.signals.length ? opts.ingest(change.signals.map(envelope)) : { accepted: 0, duplicates: 0, rejected: [] };
    if (ingested.rejected.length) log(`commit: ${d.id}: ${ingested.rejected.length} plan-change signal(s) refused by ingest: ${ingested.rejected.map((r) => r.reason).join('; ')}`);
    const templates = decide.rules.rules.workflows.templates;
    const exception = { type: String(d.replayInput?.exception.type ?? ''), lineId: d.lineId };
    const actions = expandActions({ plant, templates, decisionId: d.id, exception, option: d.chosen, moved: movedOrders(d.chosen, before.facts), at });
    const outbox: OutboxRecord[] = change.messages.map((m, i) => ({ ...m, id: `${d.id}-m${i + 1}`, status: 'pending', attempts: 0, nextAttemptAt: realNow(), createdAt: at }));
    await store.putActions(actions);
    await store.putOutbox(outbox);
    await store.putDecision({ ...d, status: 'dispatched' });
    await audit({
      at,
      actor: 'takt',
      kind: 'decision.dispatched',
      subjectId: d.id,
      payload: { signals: change.signals.length, accepted: ingested.accepted, refused: ingested.rejected.map((r) => r.reason), applied: change.applied, unapplied: change.unapplied, actions: actions.map((a) => a.id), outbox: outbox.map((m) => m.id) },
    });
    kickOutbox();
    await maybeClose(d.id);
    return actions;
  };

  const commit = async (p: { exceptionId: string; optionId: string; by: string; comment?: string; horizonHours?: number; seed?: number }): Promise<MethodResults['decisions.commit']> => {
    const who = person(p.by);
    const rules = decide.rules;
    if (!rules.rules.workflows.commitRoles.includes(who.role)) throw new ProtocolFailure('bad_params', `${who.name} (${who.id}) is a ${who.role}: committing a decision needs one of the roles ${rules.rules.workflows.commitRoles.join(', ')}`, 'params.by');
    if (!decide.registry.has(p.exceptionId)) throw new ProtocolFailure('not_found', `no exception with id '${p.exceptionId}' (it may have closed; list them with exceptions.list)`, 'params.exceptionId');
    const mustHaveNoOpenDecision = () => {
      const open = [...store.decisions.values()].find((d) => d.exceptionId === p.exceptionId && d.status === 'pending-approval');
      if (open) throw new ProtocolFailure('conflict', `exception '${p.exceptionId}' already has decision ${open.id} waiting for approval: decide that one first`, 'params.exceptionId');
    };
    mustHaveNoOpenDecision();
    const exception = decide.registry.get(p.exceptionId);
    // Re-score at the current journal position: the twin may have moved since the console asked.
    const view = twin.peek();
    const horizonHours = p.horizonHours ?? 24;
    const seed = p.seed ?? 1;
    const inbound = decide.inbound();
    const options = generateOptions({ plant, rules, twinState: view, exception, horizonHours, seed, inbound });
    const chosen = options.find((o) => o.id === p.optionId);
    if (!chosen) throw new ProtocolFailure('not_found', `exception '${p.exceptionId}' has no option '${p.optionId}' at journal position ${view.position} (options now: ${options.map((o) => o.id).join(', ')}); ask decide.options again`, 'params.optionId');
    if (!chosen.feasible) throw new ProtocolFailure('conflict', `option '${chosen.id}' (${chosen.title}) is infeasible: ${chosen.violations.map((v) => v.detail).join('; ')}`, 'params.optionId');
    return store.serial(async () => {
      // Again in the writer's turn: a commit queued just before may have opened one.
      mustHaveNoOpenDecision();
      const at = now();
      const id = `dec-${randomUUID()}`;
      const approvals = pendingApprovals(id, chosen, at);
      await saveRuleSetVersion(rules, at, who.id);
      // What goes through the journal (`applied`) is listed in the decision.dispatched audit entry: the receipt's RxDB schema has no field for it.
      const { unapplied } = planChange(id, chosen.moves, orderFacts(view).spec, linePlansOf(view));
      const receipt = await store.appendReceipt({
        id,
        exceptionId: exception.id,
        exceptionTitle: exception.title,
        lineId: exceptionLine(exception),
        status: approvals.length ? 'pending-approval' : 'dispatched',
        journalPosition: view.position,
        forkAt: view.time,
        horizonHours,
        seed,
        ruleSetVersion: rules.version,
        ruleSetHash: rules.hash,
        plantVersion,
        committedBy: who.id,
        committedRole: who.role,
        committedAt: at,
        ...(p.comment ? { comment: p.comment } : {}),
        options: options.map(considered),
        chosenOptionId: chosen.id,
        chosen,
        approvalIds: approvals.map((a) => a.id),
        replayInput: { exception: JSON.parse(JSON.stringify(exception)) as Record<string, unknown>, inbound },
        ...(unapplied.length ? { unapplied } : {}),
      });
      await store.putApprovals(approvals);
      await audit({ at, actor: who.id, role: who.role, kind: 'decision.committed', subjectId: id, payload: { exceptionId: exception.id, optionId: chosen.id, receiptHash: receipt.hash, approvals: approvals.map((a) => a.id) } });
      for (const a of approvals) await audit({ at, actor: 'takt', kind: 'approval.requested', subjectId: a.id, payload: { decisionId: id, role: a.role, reason: a.reason, dueAt: a.dueAt } });
      const actions = approvals.length ? [] : await dispatch(receipt);
      return { decision: store.decisions.get(id)!, approvals, actions };
    });
  };

  /** Commits a saved what-if scenario: checked against the twin now, evaluated like an option (shared/commit/scenario-commit.ts). */
  const commitScenario = async (p: { scenarioId: string; by: string; comment?: string; exceptionId?: string }): Promise<MethodResults['decisions.commit']> => {
    const who = person(p.by);
    const rules = decide.rules;
    if (!rules.rules.workflows.commitRoles.includes(who.role)) throw new ProtocolFailure('bad_params', `${who.name} (${who.id}) is a ${who.role}: committing a decision needs one of the roles ${rules.rules.workflows.commitRoles.join(', ')}`, 'params.by');
    const all = opts.scenarios?.() ?? [];
    const saved = all.find((s) => s.name === p.scenarioId) ?? all.find((s) => savedScenarioDocId(s.name) === p.scenarioId);
    if (!saved) throw new ProtocolFailure('not_found', `no saved scenario named '${p.scenarioId}' (saved: ${all.map((s) => `'${s.name}'`).join(', ') || 'none'}); save it with whatIf.save first`, 'params.scenarioId');
    const name = saved.name;
    const storeId = savedScenarioDocId(name);
    const exception = p.exceptionId !== undefined ? (decide.registry.has(p.exceptionId) ? decide.registry.get(p.exceptionId) : null) : undefined;
    if (exception === null) throw new ProtocolFailure('not_found', `no exception with id '${p.exceptionId}' (it may have closed; list them with exceptions.list)`, 'params.exceptionId');
    const mustHaveNoOpenDecision = () => {
      const open = [...store.decisions.values()].find((d) => d.status === 'pending-approval' && (d.replayInput?.scenario?.name === name || (exception && d.exceptionId === exception.id)));
      if (open) throw new ProtocolFailure('conflict', `${open.replayInput?.scenario?.name === name ? `scenario '${name}'` : `exception '${exception!.id}'`} already has decision ${open.id} waiting for approval: decide that one first`, 'params.scenarioId');
    };
    mustHaveNoOpenDecision();
    const view = twin.peek();
    const savedAtPosition = (await store.db.scenarios.findOne(storeId).exec())?.journalPosition;
    if (savedAtPosition !== undefined && savedAtPosition > view.position) {
      throw new ProtocolFailure('conflict', `scenario '${name}' was saved at journal position ${savedAtPosition}, past this twin's position ${view.position}: the journal it was based on is not this one (a data folder restored from an older copy?); open it, check it and save it again`, 'params.scenarioId');
    }
    const problems = scenarioCommitProblems(plant, view, saved.scenario);
    if (problems.length) {
      const code = saved.scenario.moves.length === 0 ? 'bad_params' : 'conflict';
      throw new ProtocolFailure(code, `scenario '${name}' (saved ${savedAtPosition !== undefined ? `at journal position ${savedAtPosition}` : 'before the store saw it'}) cannot be committed at journal position ${view.position}: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`, `params.scenarioId`);
    }
    const inbound = decide.inbound();
    const ev = evaluateScenarioCommit({ plant, rules, view, scenario: saved.scenario, inbound });
    const chosen = ev.chosen;
    if (!chosen.feasible) throw new ProtocolFailure('conflict', `scenario '${name}' is infeasible at journal position ${view.position}: ${chosen.violations.map((v) => v.detail).join('; ')}`, 'params.scenarioId');
    return store.serial(async () => {
      mustHaveNoOpenDecision();
      const at = now();
      const id = `dec-${randomUUID()}`;
      const approvals = pendingApprovals(id, chosen, at);
      await saveRuleSetVersion(rules, at, who.id);
      // What goes through the journal (`applied`) is listed in the decision.dispatched audit entry: the receipt's RxDB schema has no field for it.
      const { unapplied } = planChange(id, chosen.moves, orderFacts(view).spec, linePlansOf(view));
      const firstLine = saved.scenario.moves.map((m) => (m.type === 'sequence' ? (view.orders.find((o) => o.id === m.order)?.lineId ?? '') : m.line)).find(Boolean) ?? '';
      const json = <T>(v: T) => JSON.parse(JSON.stringify(v)) as T;
      const receipt = await store.appendReceipt({
        id,
        exceptionId: exception?.id ?? '',
        exceptionTitle: exception?.title ?? `What-if scenario “${name}”`,
        lineId: exception ? exceptionLine(exception) || firstLine : firstLine,
        status: approvals.length ? 'pending-approval' : 'dispatched',
        journalPosition: view.position,
        forkAt: view.time,
        horizonHours: ev.horizonHours,
        seed: ev.seed,
        ruleSetVersion: rules.version,
        ruleSetHash: rules.hash,
        plantVersion,
        committedBy: who.id,
        committedRole: who.role,
        committedAt: at,
        ...(p.comment ? { comment: p.comment } : {}),
        options: ev.options.map(considered),
        chosenOptionId: chosen.id,
        chosen,
        approvalIds: approvals.map((a) => a.id),
        replayInput: {
          exception: exception ? (json(exception) as unknown as Record<string, unknown>) : {},
          inbound,
          scenario: { name, storeId, savedAt: Math.floor(saved.savedAt), ...(saved.by ? { savedBy: saved.by } : {}), ...(savedAtPosition !== undefined ? { savedAtPosition } : {}), scenario: json(saved.scenario), comparison: ev.comparison },
        },
        ...(unapplied.length ? { unapplied } : {}),
      });
      await store.putApprovals(approvals);
      // The stored what-if is now a committed one (a later whatIf.save makes it a draft again).
      const doc = await store.db.scenarios.findOne(storeId).exec();
      if (doc) await doc.incrementalPatch({ status: 'committed' });
      await audit({ at, actor: who.id, role: who.role, kind: 'decision.committed', subjectId: id, payload: { scenario: name, ...(exception ? { exceptionId: exception.id } : {}), optionId: chosen.id, receiptHash: receipt.hash, approvals: approvals.map((a) => a.id) } });
      for (const a of approvals) await audit({ at, actor: 'takt', kind: 'approval.requested', subjectId: a.id, payload: { decisionId: id, role: a.role, reason: a.reason, dueAt: a.dueAt } });
      const actions = approvals.length ? [] : await dispatch(receipt);
      return { decision: store.decisions.get(id)!, approvals, actions };
    });
  };

  const decideApproval = (p: { id: string; by: string; verdict: 'approve' | 'reject'; comment: string }) => {
    const who = person(p.by);
    return store.serial(async () => {
      const a = mustGet(store.approvals, p.id, 'approval');
      if (a.status !== 'pending' && a.status !== 'escalated') throw new ProtocolFailure('conflict', `approval ${a.id} is already '${a.status}'${a.decidedBy ? ` (by ${a.decidedBy})` : ''}`, 'params.id');
      if (who.role !== a.role) throw new ProtocolFailure('bad_params', `${who.name} (${who.id}) is a ${who.role}: approval ${a.id} needs a ${a.role}${a.level > 0 ? ' (it was escalated)' : ''}`, 'params.by');
      const d = mustGet(store.decisions, a.decisionId, 'decision');
      // Four eyes: whoever committed the decision does not approve it.
      if (who.id === d.committedBy) throw new ProtocolFailure('bad_params', `${who.name} (${who.id}) committed decision ${d.id} and cannot also decide its approval ${a.id}: another ${a.role} must`, 'params.by');
      const at = now();
      const next: ApprovalRecord = { ...a, status: p.verdict === 'approve' ? 'approved' : 'rejected', decidedBy: who.id, decidedAt: at, comment: p.comment };
      await store.putApprovals([next]);
      await audit({ at, actor: who.id, role: who.role, kind: p.verdict === 'approve' ? 'approval.approved' : 'approval.rejected', subjectId: a.id, payload: { decisionId: d.id, comment: p.comment } });
      if (d.status === 'pending-approval') {
        if (p.verdict === 'reject') {
          await store.putDecision({ ...d, status: 'rejected' });
          await audit({ at, actor: who.id, role: who.role, kind: 'decision.rejected', subjectId: d.id, payload: { approvalId: a.id } });
        } else if (d.approvalIds.every((id) => store.approvals.get(id)?.status === 'approved')) {
          await dispatch(d);
        }
      }
      return { approval: next, decision: store.decisions.get(d.id)! };
    });
  };

  // ------------------------------------------------------------------ actions
  const openDependencies = (a: ActionRecord) =>
    a.dependsOn
      .map((id) => store.actions.get(id))
      .filter((d): d is ActionRecord => d !== undefined && !DONE_LIKE.has(d.status))
      .map((d) => ({ id: d.id, kind: d.kind, status: d.status }));

  /** Moves an action; inside `serial`. */
  const move = async (a: ActionRecord, event: ActionEvent, by: string, role: Role | undefined, comment: string | undefined): Promise<ActionRecord> => {
    const to = applyActionEvent(a.status, event, { openDependencies: openDependencies(a) }, `action ${a.id}`);
    const at = now();
    let next: ActionRecord = { ...a, status: to, updatedAt: at, history: [...a.history, { at, from: a.status, to, by, ...(role ? { role } : {}), ...(comment ? { comment } : {}) }] };
    if (event.type === 'ASSIGN') {
      const owner = findPerson(plant, event.ownerId)!;
      next = { ...next, ownerId: owner.id, ownerName: owner.name };
    }
    if (event.type === 'BLOCK') next = { ...next, blockedReason: event.reason };
    else if (a.status === 'blocked') {
      const { blockedReason: _b, ...rest } = next;
      next = rest;
    }
    if (DONE_LIKE.has(to)) next = { ...next, overdue: false };
    await store.putActions([next]);
    await audit({ at, actor: by, ...(role ? { role } : {}), kind: `action.${to}`, subjectId: a.id, payload: { decisionId: a.decisionId, from: a.status, to, ...(comment ? { comment } : {}), ...(event.type === 'ASSIGN' ? { ownerId: event.ownerId } : {}) } });
    if (FINAL_ACTION.has(to)) await maybeClose(a.decisionId);
    return next;
  };

  const transition = (p: { id: string; by: string; to: (typeof import('../../../../shared/commit/records').personTransitions)[number]; comment?: string; ownerId?: string }) => {
    const who = person(p.by);
    return store.serial(async () => {
      const a = mustGet(store.actions, p.id, 'action');
      if (who.id !== a.ownerId && who.role !== a.role && !SUPERVISORS.includes(who.role))
        throw new ProtocolFailure('bad_params', `${who.name} (${who.id}) is a ${who.role}: action ${a.id} belongs to ${a.ownerName || 'nobody yet'} (${a.role}); its owner, a ${a.role} or a ${SUPERVISORS.join('/')} may move it`, 'params.by');
      if (p.to === 'assigned') {
        if (!p.ownerId) throw new ProtocolFailure('bad_params', `assigning action ${a.id} needs 'ownerId'`, 'params.ownerId');
        const owner = person(p.ownerId, 'params.ownerId');
        if (owner.role !== a.role) throw new ProtocolFailure('bad_params', `${owner.name} (${owner.id}) is a ${owner.role}: action ${a.id} needs a ${a.role}`, 'params.ownerId');
      }
      try {
        return await move(a, personEvent(p.to, { ownerId: p.ownerId, comment: p.comment }), who.id, who.role, p.comment);
      } catch (e) {
        if (e instanceof IllegalTransition) throw new ProtocolFailure('conflict', e.message, 'params.to');
        throw e;
      }
    });
  };

  // ------------------------------------------------------------------ closed loop: verification by signal
  const lineOfMachine = new Map<string, string>();
  for (const a of plant.areas) for (const l of a.lines) for (const m of l.machines) lineOfMachine.set(m.id, l.id);
  const machineState = new Map<string, string>(twin.peek().machines.map((m) => [m.id, m.state]));
  const holds = new Map<string, { lineId: string | null; orderId: string | null }>();
  for (const l of twin.peek().lines) for (const h of l.holds) holds.set(h, { lineId: l.id, orderId: null });
  const bom = new Map(plant.products.map((p) => [p.sku, p.bom.map((b) => b.component)]));
  const orderSku = new Map<string, string>();
  const ctx: VerificationContext = {
    lineOfMachine: (m) => lineOfMachine.get(m),
    previousState: (m) => machineState.get(m),
    hold: (h) => holds.get(h),
    componentsOf: (o) => {
      let sku = orderSku.get(o);
      if (sku === undefined) {
        sku = twin.peek().orders.find((x) => x.id === o)?.sku ?? '';
        orderSku.set(o, sku);
      }
      return bom.get(sku) ?? [];
    },
  };
  /** Gates of runs still waiting for their preparations, by `<lineId>|<orderId>` (recomputed after action writes). */
  const gating = () => gatingKinds(decide.rules.rules.workflows.templates);
  let openCache: { version: string; list: ActionRecord[]; gates: Map<string, ReturnType<typeof readinessGates>[number]> } | null = null;
  const openNow = () => {
    const version = `${store.actionsVersion}|${decide.rules.hash}`;
    if (openCache?.version !== version) {
      const all = [...store.actions.values()];
      const gates = new Map(readinessGates(all, gating()).filter((g) => !g.ready).map((g) => [`${g.lineId}|${g.orderId}`, g]));
      openCache = { version, list: all.filter((a) => a.verification.by === 'signal' && !FINAL_ACTION.has(a.status) && a.status !== 'created'), gates };
    }
    return openCache;
  };
  const observe = (batch: readonly Signal[]) => {
    const { list: open, gates } = openNow();
    const hits: { action: ActionRecord; signal: Signal; why: string }[] = [];
    const violations: { signal: Signal; gate: ReturnType<typeof readinessGates>[number] }[] = [];
    const taken = new Set<string>();
    for (const s of batch) {
      if (s.type === 'quality.hold') holds.set(s.holdId, { lineId: s.line ?? null, orderId: s.orderId ?? null });
      // A run started before its readiness gate opened: recorded, not blocked (the shop floor decides).
      if (s.type === 'order.started') {
        const g = gates.get(`${s.line}|${s.orderId}`);
        if (g) violations.push({ signal: s, gate: g });
      }
      if (open.length) {
        for (const a of open) {
          if (taken.has(a.id)) continue;
          const why = verifies(a, s, ctx);
          if (why) {
            hits.push({ action: a, signal: s, why });
            taken.add(a.id);
          }
        }
      }
      if (s.type === 'machine.state') machineState.set(s.machine, s.state);
    }
    if (hits.length === 0 && violations.length === 0) return;
    void store
      .serial(async () => {
        for (const v of violations)
          await audit({ actor: `signal:${v.signal.id}`, kind: 'dispatch.gate-violated', subjectId: v.gate.decisionId, payload: { lineId: v.gate.lineId, orderId: v.gate.orderId, pending: v.gate.pending.map((p) => `${p.actionId} (${p.kind}, '${p.status}')`) } });
        for (const h of hits) {
          const a = store.actions.get(h.action.id);
          if (!a || FINAL_ACTION.has(a.status)) continue;
          try {
            await move(a, { type: 'VERIFY', bySignal: true }, `signal:${h.signal.id}`, undefined, h.why);
          } catch (e) {
            if (!(e instanceof IllegalTransition)) throw e;
          }
        }
      })
      .catch((e: unknown) => log(`commit: verifying actions failed: ${(e as Error).stack ?? e}`));
  };

  // ------------------------------------------------------------------ time: escalation and overdue
  let lastTick = -Infinity;
  const tick = async (force = false) => {
    const t = performance.now();
    if (!force && t - lastTick < 1000) return;
    lastTick = t;
    await store.serial(async () => {
      const at = now();
      const rules = decide.rules.rules;
      for (const a of [...store.approvals.values()]) {
        const rule = rules.escalation.find((r) => r.id === a.ruleId);
        const next = escalateApproval(a, at, rule?.escalateAfterMinutes ?? 30);
        if (!next) continue;
        await store.putApprovals([next]);
        await audit({ at, actor: 'takt', kind: 'approval.escalated', subjectId: a.id, payload: { decisionId: a.decisionId, from: a.role, to: next.role, level: next.level, dueAt: next.dueAt } });
      }
      for (const a of [...store.actions.values()]) {
        if (FINAL_ACTION.has(a.status)) continue;
        const tpl = rules.workflows.templates.find((x) => x.kind === a.kind);
        // Nobody of the role was on shift at dispatch: the next shift's person takes it.
        if (a.status === 'created' && !a.ownerId) {
          const owner = ownerOnShift(plant, a.role, at);
          if (owner) {
            await move(a, { type: 'ASSIGN', ownerId: owner.id }, 'takt', undefined, `owner ${owner.name} (${owner.id}), ${a.role} on shift`);
            continue;
          }
        }
        const next = checkActionOverdue(a, at, { escalateAfterMinutes: tpl?.escalateAfterMinutes ?? 0, escalateTo: tpl?.escalateTo ?? 'lead' });
        if (!next) continue;
        await store.putActions([next]);
        await audit({ at, actor: 'takt', kind: next.escalatedTo && !a.escalatedTo ? 'action.escalated' : 'action.overdue', subjectId: a.id, payload: { decisionId: a.decisionId, dueAt: a.dueAt, ...(next.escalatedTo ? { escalatedTo: next.escalatedTo } : {}) } });
      }
    });
  };

  // ------------------------------------------------------------------ outbox
  const targetFor = (t: 'erp' | 'mes'): WriteBackTarget => [...targets].reverse().find((x) => x.serves.includes(t)) ?? fileTarget;
  let sending = false;
  let closed = false;
  const outboxPass = async () => {
    if (sending || closed) return;
    sending = true;
    try {
      // Passes never overlap, so a message still 'sending' here was left so by a pass that could not
      // store its result even as a failure (see below): it is due again, like one interrupted by a crash.
      const due = [...store.outbox.values()].filter((m) => m.status === 'sending' || (m.status === 'pending' && m.nextAttemptAt <= realNow())).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
      for (const m of due) {
        if (closed) break;
        const target = targetFor(m.target);
        const attempt = m.attempts + 1;
        await store.serial(() => store.putOutbox([{ ...m, status: 'sending', attempts: attempt }]));
        let ack: Awaited<ReturnType<WriteBackTarget['send']>> | null = null;
        let error = '';
        try {
          ack = await target.send({ id: m.id, target: m.target, kind: m.kind, idempotencyKey: m.idempotencyKey, decisionId: m.decisionId, payload: m.payload });
        } catch (e) {
          error = `${target.id}: ${(e as Error)?.message ?? String(e)}`;
        }
        try {
          await store.serial(async () => {
            const cur = store.outbox.get(m.id)!;
            if (ack) {
              const { lastError: _l, ...rest } = cur;
              await store.putOutbox([{ ...rest, status: 'acked', ackedAt: ack.ackedAt }]);
              await audit({ actor: `writeback:${target.id}`, kind: 'outbox.acked', subjectId: m.id, payload: { decisionId: m.decisionId, target: m.target, kind: m.kind, idempotencyKey: m.idempotencyKey, attempts: attempt, ...(ack.reference ? { reference: ack.reference } : {}) } });
              await maybeClose(m.decisionId);
            } else {
              const next = afterFailure(retry, attempt, m.id, realNow());
              await store.putOutbox([{ ...cur, ...next, lastError: error }]);
              if (next.status === 'failed') await audit({ actor: `writeback:${target.id}`, kind: 'outbox.failed', subjectId: m.id, payload: { decisionId: m.decisionId, attempts: attempt, error } });
            }
          });
        } catch (e) {
          // The result could not be stored (e.g. the store refused the target's acknowledgement). The
          // message must not stay 'sending' until a restart: it goes back to the retry schedule with
          // the reason, and is sent again after the backoff. Its idempotency key makes a second
          // delivery of a message the target did take harmless.
          const why = `${ack ? `${target.id} acknowledged it` : error}, but storing that failed: ${((e as Error)?.message ?? String(e)).slice(0, 500)}`;
          log(`commit: outbox ${m.id}: ${why}`);
          await store
            .serial(() => store.putOutbox([{ ...store.outbox.get(m.id)!, ...afterFailure(retry, attempt, m.id, realNow()), lastError: why }]))
            .catch((e2: unknown) => log(`commit: outbox ${m.id}: could not record the failure either (${(e2 as Error)?.message ?? e2}); the next pass sends it again`));
        }
      }
    } catch (e) {
      log(`commit: outbox pass failed: ${(e as Error).stack ?? e}`);
    } finally {
      sending = false;
    }
  };
  const kickOutbox = () => setImmediate(() => void outboxPass());
  // A message caught 'sending' by a crash is sent again: the idempotency key makes that safe.
  const interrupted = [...store.outbox.values()].filter((m) => m.status === 'sending');
  if (interrupted.length) await store.serial(() => store.putOutbox(interrupted.map((m) => ({ ...m, status: 'pending' as const, nextAttemptAt: realNow() }))));
  const outboxTimer = setInterval(() => void outboxPass(), opts.outboxEveryMs ?? 200);

  // ------------------------------------------------------------------ replay
  const replay = async (id: string): Promise<MethodResults['decisions.replay']> => {
    const d = mustGet(store.decisions, id, 'decision');
    const doc = await store.ruleSet(d.ruleSetHash.slice(0, 40));
    if (!doc) throw new ProtocolFailure('conflict', `rule set ${d.ruleSetVersion} (hash ${d.ruleSetHash}) of decision ${id} is not in the store`, 'params.id');
    const rules: LoadedRules = { rules: ruleSetSchema.parse(doc.rules), version: doc.version, hash: doc.hash, file: `(stored rule set ${doc.id})` };
    if (d.journalPosition > journal.lastPosition) throw new ProtocolFailure('conflict', `decision ${id} was made at journal position ${d.journalPosition}, past the journal's end ${journal.lastPosition}`, 'params.id');
    const past = reconstructTwin(plant, journal, opts.startTime, { untilPosition: d.journalPosition }).twin;
    if (d.forkAt > past.time) past.advanceTo(d.forkAt);
    const input = d.replayInput ?? { exception: {}, inbound: [] };
    // A scenario decision is re-simulated from its scenario as committed; an option decision re-generates the options.
    const options = input.scenario
      ? evaluateScenarioCommit({ plant, rules, view: past.view(), scenario: input.scenario.scenario, inbound: input.inbound }).options
      : generateOptions({ plant, rules, twinState: past.view(), exception: input.exception as unknown as ExceptionRecord, horizonHours: d.horizonHours, seed: d.seed, inbound: input.inbound });
    const brief = (o: { id: string; rank: number | null; score: number | null }) => ({ id: o.id, rank: o.rank, score: o.score });
    const recorded = d.options.map(brief);
    const replayed = options.map(brief);
    const differences: string[] = [];
    const rById = new Map(replayed.map((o) => [o.id, o]));
    for (const r of recorded) {
      const x = rById.get(r.id);
      if (!x) differences.push(`option ${r.id} (rank ${r.rank}) is missing from the replay`);
      else if (x.rank !== r.rank || !sameScore(x.score, r.score)) differences.push(`option ${r.id}: recorded rank ${r.rank} score ${r.score}, replayed rank ${x.rank} score ${x.score}`);
    }
    for (const x of replayed) if (!recorded.some((r) => r.id === x.id)) differences.push(`option ${x.id} (rank ${x.rank}) appears only in the replay`);
    return { id, same: differences.length === 0, recorded, replayed, differences };
  };

  // ------------------------------------------------------------------ protocol
  const sortedBy = <T>(xs: T[], key: (x: T) => number) => xs.sort((a, b) => key(a) - key(b));
  const methods: Pick<MethodHandlers, CommitMethod> = {
    'decisions.commit': (p) => (p.kind === 'scenario' ? commitScenario(p) : commit(p)),
    'decisions.list': (p) => {
      let items = [...store.decisions.values()];
      if (p?.statuses) items = items.filter((d) => p.statuses!.includes(d.status));
      if (p?.exceptionId) items = items.filter((d) => d.exceptionId === p.exceptionId);
      return { items: sortedBy(items, (d) => -d.seq).slice(0, p?.limit ?? 200) };
    },
    'decisions.get': async (p) => {
      const decision = mustGet(store.decisions, p.id, 'decision');
      const ofIt = <T extends { decisionId: string }>(m: Map<string, T>) => [...m.values()].filter((x) => x.decisionId === p.id);
      const approvals = decision.approvalIds.map((id) => store.approvals.get(id)).filter((a): a is ApprovalRecord => a !== undefined);
      const actions = sortedBy(ofIt(store.actions), (a) => a.dueAt);
      const outbox = ofIt(store.outbox).sort((a, b) => a.id.localeCompare(b.id));
      const subjects = new Set([decision.id, ...approvals.map((a) => a.id), ...actions.map((a) => a.id), ...outbox.map((m) => m.id)]);
      const auditItems = (await Promise.all([...subjects].map((s) => store.auditList(1000, 0, s)))).flatMap((r) => r.items);
      return { decision, approvals, actions, outbox, audit: sortedBy(auditItems, (e) => e.seq) };
    },
    'decisions.replay': (p) => replay(p.id),
    'approvals.list': (p) => {
      let items = [...store.approvals.values()];
      if (p?.statuses) items = items.filter((a) => p.statuses!.includes(a.status));
      if (p?.role) items = items.filter((a) => a.role === p.role);
      if (p?.decisionId) items = items.filter((a) => a.decisionId === p.decisionId);
      return { items: sortedBy(items, (a) => a.dueAt) };
    },
    'approvals.decide': (p) => decideApproval(p),
    'actions.list': (p) => {
      let items = [...store.actions.values()];
      if (p?.ownerId) items = items.filter((a) => a.ownerId === p.ownerId);
      if (p?.role) items = items.filter((a) => a.role === p.role);
      if (p?.statuses) items = items.filter((a) => p.statuses!.includes(a.status));
      if (p?.decisionId) items = items.filter((a) => a.decisionId === p.decisionId);
      if (p?.lineId) items = items.filter((a) => a.lineId === p.lineId);
      return { items: items.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id)) };
    },
    'actions.get': (p) => mustGet(store.actions, p.id, 'action'),
    'actions.transition': (p) => transition(p),
    'dispatch.gates': (p) => {
      const gates = readinessGates([...store.actions.values()], gatingKinds(decide.rules.rules.workflows.templates));
      return { items: p?.lineId ? gates.filter((g) => g.lineId === p.lineId) : gates };
    },
    'outbox.list': (p) => {
      let items = [...store.outbox.values()];
      if (p?.statuses) items = items.filter((m) => p.statuses!.includes(m.status));
      if (p?.decisionId) items = items.filter((m) => m.decisionId === p.decisionId);
      return { items: items.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)) };
    },
    'outbox.retry': (p) => {
      const who = person(p.by);
      return store.serial(async () => {
        const m = mustGet(store.outbox, p.id, 'outbox message');
        if (m.status !== 'failed') throw new ProtocolFailure('conflict', `outbox message ${m.id} is '${m.status}': only a failed message can be retried`, 'params.id');
        const next: OutboxRecord = { ...m, status: 'pending', attempts: 0, nextAttemptAt: realNow() };
        await store.putOutbox([next]);
        await audit({ actor: who.id, role: who.role, kind: 'outbox.retry', subjectId: m.id, payload: { decisionId: m.decisionId, lastError: m.lastError ?? '' } });
        kickOutbox();
        return next;
      });
    },
    'audit.list': (p) => store.auditList(p?.limit ?? 200, p?.offset ?? 0, p?.subjectId, p?.order ?? 'asc'),
    'audit.verify': () => store.serial(() => store.verify()),
  };

  /**
   * Why the renderer gets its own change subscription (`records`) rather than RxDB's remote
   * storage over the protocol: the core's protocol is the one channel a console has (WebSocket in
   * browser mode, MessagePort in Electron), and every frame on it is validated server-side against
   * `shared/protocol/api.ts`; the remote storage would tunnel raw storage calls (bulkWrite,
   * query) that bypass the commit rules — only the core may write these records, through the
   * methods above that check roles and transitions and append the audit chain. The renderer needs
   * no RxDB storage at all: it lists with the `*.list` methods and applies these changes to its
   * own in-memory copy; the store's change stream feeds this directly.
   */
  const streams: Pick<StreamHandlers, 'records'> = {
    records: (p, emit) => {
      const want = p?.collections ? new Set(p.collections) : null;
      return store.onChange((c: RecordChange) => {
        if (!want || want.has(c.collection)) emit(c as StreamItems['records']);
      });
    },
  };

  return {
    methods,
    store,
    streams,
    registerWriteBack(t) {
      targets.push(t);
      kickOutbox();
      return () => {
        const i = targets.indexOf(t);
        if (i >= 0) targets.splice(i, 1);
      };
    },
    observe,
    tick: (force) => tick(force).catch((e: unknown) => log(`commit: tick failed: ${(e as Error).stack ?? e}`)),
    idle: () => store.serial(async () => undefined),
    async close() {
      closed = true;
      clearInterval(outboxTimer);
      while (sending) await new Promise((r) => setTimeout(r, 10));
      await store.close();
    },
  };
}

const sameScore = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
