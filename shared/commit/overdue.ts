/**
 * Time-driven escalation in plant time: an approval nobody decided by its `dueAt` passes to its
 * `escalateTo` role (with a fresh due time); an action still open past its due time is overdue,
 * and escalates to its template's role once it is `escalateAfterMinutes` late. Pure: returns the
 * changed records, the caller stores them.
 */
import type { ActionRecord, ApprovalRecord, Role } from './records';
import { MINUTE } from '../twin/schedule';

const OPEN_ACTION = new Set(['created', 'assigned', 'acknowledged', 'in-progress', 'blocked']);

/** The approval escalated at `now`, or null when it is not due (or already decided / at the top). */
export function escalateApproval(a: ApprovalRecord, now: number, escalateAfterMinutes: number): ApprovalRecord | null {
  if (a.status !== 'pending' || now < a.dueAt || a.role === a.escalateTo) return null;
  return { ...a, status: 'escalated', role: a.escalateTo, level: a.level + 1, dueAt: now + Math.round(escalateAfterMinutes * MINUTE) };
}

/** The action marked overdue (and escalated once late enough), or null when nothing changes. */
export function checkActionOverdue(a: ActionRecord, now: number, sla: { escalateAfterMinutes: number; escalateTo: Role }): ActionRecord | null {
  if (!OPEN_ACTION.has(a.status) || now <= a.dueAt) return null;
  const escalate = a.escalatedTo === undefined && now >= a.dueAt + sla.escalateAfterMinutes * MINUTE;
  if (a.overdue && !escalate) return null;
  return { ...a, overdue: true, updatedAt: now, ...(escalate ? { escalatedTo: sla.escalateTo } : {}) };
}
