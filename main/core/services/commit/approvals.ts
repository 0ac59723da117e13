/**
 * Approvals: a person of the approval's role decides it (never the one who committed the
 * decision); the last approval dispatches the decision, a rejection rejects it. Approvals past
 * due escalate to the next role (plant time), each step audited.
 */
import { ProtocolFailure, type MethodHandlers } from '../../../../shared/protocol/server';
import type { RuleSet } from '../../../../shared/decide/rules-schema';
import type { ApprovalRecord } from '../../../../shared/commit/records';
import { escalateApproval } from '../../../../shared/commit/overdue';
import type { CommitContext } from './context';
import { approvalRefusal } from '../../../../shared/commit/permissions';
import type { Dispatch } from './dispatch';
import { actingPerson } from '../../../../shared/auth/authorize';

type ApprovalMethod = 'approvals.list' | 'approvals.decide';

export interface Approvals {
  readonly methods: Pick<MethodHandlers, ApprovalMethod>;
  /** Escalates the approvals past due at `at`; inside `serial`. */
  escalate(at: number, rules: RuleSet): Promise<void>;
}

export function createApprovals(ctx: CommitContext, dispatch: Dispatch): Approvals {
  const { store } = ctx;

  const decide = (p: { id: string; by: string; verdict: 'approve' | 'reject'; comment: string }) => {
    const who = ctx.person(p.by);
    return store.serial(async () => {
      const a = ctx.mustGet(store.approvals, p.id, 'approval');
      if (a.status !== 'pending' && a.status !== 'escalated') throw new ProtocolFailure('conflict', `approval ${a.id} is already '${a.status}'${a.decidedBy ? ` (by ${a.decidedBy})` : ''}`, 'params.id');
      const d = ctx.mustGet(store.decisions, a.decisionId, 'decision');
      // The approval's role, and four eyes: whoever committed the decision does not approve it.
      await ctx.refuseIf(approvalRefusal(ctx.plant, who, a, d), who, 'approval.refused', a.id, 'params.by');
      const at = ctx.now();
      const next: ApprovalRecord = { ...a, status: p.verdict === 'approve' ? 'approved' : 'rejected', decidedBy: who.id, decidedAt: at, comment: p.comment };
      await store.putApprovals([next]);
      await ctx.audit({ at, actor: who.id, role: who.role, kind: p.verdict === 'approve' ? 'approval.approved' : 'approval.rejected', subjectId: a.id, payload: { decisionId: d.id, comment: p.comment } });
      if (d.status === 'pending-approval') {
        if (p.verdict === 'reject') {
          await store.putDecision({ ...d, status: 'rejected' });
          await ctx.audit({ at, actor: who.id, role: who.role, kind: 'decision.rejected', subjectId: d.id, payload: { approvalId: a.id } });
        } else if (d.approvalIds.every((id) => store.approvals.get(id)?.status === 'approved')) {
          await dispatch(d);
        }
      }
      return { approval: next, decision: store.decisions.get(d.id)! };
    });
  };

  return {
    methods: {
      'approvals.list': (p) => {
        let items = [...store.approvals.values()];
        if (p?.statuses) items = items.filter((a) => p.statuses!.includes(a.status));
        if (p?.role) items = items.filter((a) => a.role === p.role);
        if (p?.decisionId) items = items.filter((a) => a.decisionId === p.decisionId);
        return { items: items.sort((a, b) => a.dueAt - b.dueAt) };
      },
      'approvals.decide': (p, c) => decide({ ...p, by: actingPerson(c.caller, p.by) }),
    },
    async escalate(at, rules) {
      for (const a of [...store.approvals.values()]) {
        const rule = rules.escalation.find((r) => r.id === a.ruleId);
        const next = escalateApproval(a, at, rule?.escalateAfterMinutes ?? 30);
        if (!next) continue;
        await store.putApprovals([next]);
        await ctx.audit({ at, actor: 'takt', kind: 'approval.escalated', subjectId: a.id, payload: { decisionId: a.decisionId, from: a.role, to: next.role, level: next.level, dueAt: next.dueAt } });
      }
    },
  };
}
