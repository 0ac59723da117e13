/**
 * The one receipt writer for both kinds of commit (an exception's option, a saved what-if
 * scenario): in the store's writer turn it names the rule-set version, appends the hash-chained
 * receipt, requests the approvals the escalation rules ask for, audits the commit, and dispatches
 * at once when no approval is needed.
 */
import { commitRefusal } from '../../../../shared/commit/permissions';
import { permissionRoles } from '../../../../shared/auth/permissions';
import { randomUUID } from 'node:crypto';
import type { MethodResults } from '../../../../shared/protocol/api';
import type { TwinState } from '../../../../shared/twin/view';
import type { RankedOption } from '../../../../shared/decide/options';
import type { LoadedRules } from '../../../../shared/decide/rules-parse';
import type { ExceptionRecord } from '../../../../shared/decide/exceptions';
import type { ApprovalRecord, ConsideredOption, DecisionReceipt } from '../../../../shared/commit/records';
import type { Person } from '../../../../shared/commit/workflows';
import { linePlansOf, planChange } from '../../../../shared/commit/plan-change';
import { orderFacts, type CommitContext } from './context';
import type { Dispatch } from './dispatch';

/** What a commit decided, as the receipt records it. */
export interface ReceiptDraft {
  who: Person;
  rules: LoadedRules;
  /** The twin the options were scored on. */
  view: TwinState;
  options: readonly RankedOption[];
  chosen: RankedOption;
  horizonHours: number;
  seed: number;
  comment?: string;
  /** Checks again in the writer's turn what the caller checked before it (no decision waiting on the same subject). */
  recheck(): void;
  /** The receipt's subject and replay input, read in the writer's turn. */
  subject(): Pick<DecisionReceipt, 'exceptionId' | 'exceptionTitle' | 'lineId' | 'replayInput'>;
  /** After the receipt and its approvals are stored, before the commit is audited. */
  afterStore?(): Promise<void>;
  /** The `decision.committed` audit entry's payload. */
  auditPayload(receiptHash: string, approvalIds: string[]): Record<string, unknown>;
}

export type WriteReceipt = (draft: ReceiptDraft) => Promise<MethodResults['decisions.commit']>;

/**
 * Refuses (and audits the refusal of) a person whose role may not commit this kind under the active
 * rules. A signed-in person was checked already (main/core/authorize-calls.ts); this holds the
 * in-process host's named person to the same table.
 */
export async function mustMayCommit(ctx: CommitContext, who: Person, rules: LoadedRules, subjectId: string, kind: 'commit.option' | 'commit.scenario'): Promise<void> {
  await ctx.store.serial(() => ctx.refuseIf(commitRefusal(who, permissionRoles(rules.rules, kind)), who, 'decision.commit-refused', subjectId, 'params.by'));
}

/** The line an exception is about ('' when it names none). */
export const exceptionLine = (e: ExceptionRecord): string => {
  const s = (e as unknown as { subject?: { lineId?: string | null } }).subject;
  return s?.lineId ?? '';
};

const considered = (o: RankedOption): ConsideredOption => ({ id: o.id, rank: o.rank, title: o.title, kind: o.kind, feasible: o.feasible, score: o.score, moves: o.moves });
const rulesDocId = (r: LoadedRules) => r.hash.slice(0, 40);

export function createReceiptWriter(ctx: CommitContext, plantVersion: string, dispatch: Dispatch): WriteReceipt {
  const { store } = ctx;
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

  return (draft) =>
    store.serial(async () => {
      // Again in the writer's turn: a commit queued just before may have opened one.
      draft.recheck();
      const { who, rules, view, chosen } = draft;
      const at = ctx.now();
      const id = `dec-${randomUUID()}`;
      const approvals = pendingApprovals(id, chosen, at);
      await saveRuleSetVersion(rules, at, who.id);
      // What goes through the journal (`applied`) is listed in the decision.dispatched audit entry: the receipt's RxDB schema has no field for it.
      const { unapplied } = planChange(id, chosen.moves, orderFacts(view).spec, linePlansOf(view));
      const { exceptionId, exceptionTitle, lineId, replayInput } = draft.subject();
      const receipt = await store.appendReceipt({
        id,
        exceptionId,
        exceptionTitle,
        lineId,
        status: approvals.length ? 'pending-approval' : 'dispatched',
        journalPosition: view.position,
        forkAt: view.time,
        horizonHours: draft.horizonHours,
        seed: draft.seed,
        ruleSetVersion: rules.version,
        ruleSetHash: rules.hash,
        plantVersion,
        committedBy: who.id,
        committedRole: who.role,
        committedAt: at,
        ...(draft.comment ? { comment: draft.comment } : {}),
        options: draft.options.map(considered),
        chosenOptionId: chosen.id,
        chosen,
        approvalIds: approvals.map((a) => a.id),
        replayInput,
        ...(unapplied.length ? { unapplied } : {}),
      });
      await store.putApprovals(approvals);
      await draft.afterStore?.();
      await ctx.audit({ at, actor: who.id, role: who.role, kind: 'decision.committed', subjectId: id, payload: draft.auditPayload(receipt.hash, approvals.map((a) => a.id)) });
      for (const a of approvals) await ctx.audit({ at, actor: 'takt', kind: 'approval.requested', subjectId: a.id, payload: { decisionId: id, role: a.role, reason: a.reason, dueAt: a.dueAt } });
      const actions = approvals.length ? [] : await dispatch(receipt);
      return { decision: store.decisions.get(id)!, approvals, actions };
    });
}
