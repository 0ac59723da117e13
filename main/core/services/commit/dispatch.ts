/**
 * Dispatching a decision once it needs no more approvals: its plan change goes through the
 * journal (via the ingest pipeline, so a replay reproduces it), the workflow templates expand into
 * actions with owners on shift, and the write-back messages enter the outbox.
 */
import type { IngestResult } from '../../../../shared/protocol/api';
import type { ActionRecord, DecisionReceipt, OutboxRecord } from '../../../../shared/commit/records';
import { expandActions, movedOrders } from '../../../../shared/commit/workflows';
import { COMMIT_SOURCE, linePlansOf, planChange } from '../../../../shared/commit/plan-change';
import { orderFacts, type CommitContext } from './context';

/** Dispatches a decision; inside `serial`. Returns the actions it created. */
export type Dispatch = (d: DecisionReceipt) => Promise<ActionRecord[]>;

export function createDispatch(ctx: CommitContext, ingest: (signals: object[]) => IngestResult, kickOutbox: () => void): Dispatch {
  const { plant, twin, store, decide, log } = ctx;
  return async (d) => {
    const at = ctx.now();
    const beforeView = twin.peek();
    const before = orderFacts(beforeView);
    // Queue moves become plan.sequence pins of the lines' queues as the twin shows them now.
    const change = planChange(d.id, d.chosen.moves, before.spec, linePlansOf(beforeView));
    const envelope = (body: object, n: number) => ({ id: `${d.id}-s${n + 1}`, source: COMMIT_SOURCE, seq: d.seq * 1000 + n + 1, eventTime: at, receiveTime: at, ...body });
    const ingested = change.signals.length ? ingest(change.signals.map(envelope)) : { accepted: 0, duplicates: 0, rejected: [] };
    if (ingested.rejected.length) log(`commit: ${d.id}: ${ingested.rejected.length} plan-change signal(s) refused by ingest: ${ingested.rejected.map((r) => r.reason).join('; ')}`);
    const templates = decide.rules.rules.workflows.templates;
    const exception = { type: String(d.replayInput?.exception.type ?? ''), lineId: d.lineId };
    const actions = expandActions({ plant, templates, decisionId: d.id, exception, option: d.chosen, moved: movedOrders(d.chosen, before.facts), at });
    const outbox: OutboxRecord[] = change.messages.map((m, i) => ({ ...m, id: `${d.id}-m${i + 1}`, status: 'pending', attempts: 0, nextAttemptAt: ctx.realNow(), createdAt: at }));
    await store.putActions(actions);
    await store.putOutbox(outbox);
    await store.putDecision({ ...d, status: 'dispatched' });
    await ctx.audit({
      at,
      actor: 'takt',
      kind: 'decision.dispatched',
      subjectId: d.id,
      payload: { signals: change.signals.length, accepted: ingested.accepted, refused: ingested.rejected.map((r) => r.reason), applied: change.applied, unapplied: change.unapplied, actions: actions.map((a) => a.id), outbox: outbox.map((m) => m.id) },
    });
    kickOutbox();
    await ctx.closeIfDone(d.id);
    return actions;
  };
}
