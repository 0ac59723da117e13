/**
 * Status words for commit records, each with a shape so nothing depends on colour; ISA-101:
 * colour (alarm red) only for the abnormal ones (blocked, rejected, overdue, failed, escalated).
 */
import type { ActionKind, ActionStatus, ApprovalStatus, DecisionStatus, OutboxStatus } from '../../../shared/commit/records';
import { ShapePath } from '../app/StateIcon';
import type { Shape } from '../app/states';

const ALARM = '#b01f1f';
const INK = '#2b3035';
const GREY = '#7d848b';

interface Look {
  label: string;
  shape: Shape;
  color: string;
  abnormal?: boolean;
}

export const actionStatusLook: Record<ActionStatus, Look> = {
  created: { label: 'Created', shape: 'none', color: GREY },
  assigned: { label: 'Assigned', shape: 'none', color: INK },
  acknowledged: { label: 'Acknowledged', shape: 'diamond', color: GREY },
  'in-progress': { label: 'In progress', shape: 'triangle-up', color: INK },
  done: { label: 'Done', shape: 'circle', color: INK },
  verified: { label: 'Verified', shape: 'circle', color: GREY },
  blocked: { label: 'Blocked', shape: 'octagon', color: ALARM, abnormal: true },
  rejected: { label: 'Rejected', shape: 'octagon', color: ALARM, abnormal: true },
};

export const approvalStatusLook: Record<ApprovalStatus, Look> = {
  pending: { label: 'Waiting', shape: 'pause', color: INK },
  escalated: { label: 'Escalated', shape: 'triangle-up', color: ALARM, abnormal: true },
  approved: { label: 'Approved', shape: 'circle', color: GREY },
  rejected: { label: 'Rejected', shape: 'octagon', color: ALARM, abnormal: true },
};

export const decisionStatusLook: Record<DecisionStatus, Look> = {
  'pending-approval': { label: 'Waiting for approval', shape: 'pause', color: INK },
  rejected: { label: 'Rejected', shape: 'octagon', color: ALARM, abnormal: true },
  dispatched: { label: 'Dispatched', shape: 'triangle-up', color: INK },
  closed: { label: 'Closed', shape: 'circle', color: GREY },
};

export const outboxStatusLook: Record<OutboxStatus, Look> = {
  pending: { label: 'Pending', shape: 'pause', color: GREY },
  sending: { label: 'Sending', shape: 'triangle-up', color: INK },
  acked: { label: 'Acknowledged', shape: 'circle', color: GREY },
  failed: { label: 'Failed', shape: 'octagon', color: ALARM, abnormal: true },
};

export const kindLabel: Record<ActionKind, string> = {
  kitting: 'Material staging / kitting',
  'line-clearance': 'Line clearance',
  'qa-release': 'QA release',
  'changeover-readiness': 'Changeover readiness',
  'maintenance-window': 'Maintenance window',
  'schedule-communication': 'Schedule-change communication',
};

export function StatusBadge({ look, testId, value }: { look: Look; testId?: string; value?: string }) {
  return (
    <span className={look.abnormal ? 'cm-status cm-abnormal' : 'cm-status'} data-testid={testId} data-status={value}>
      <svg className="state-icon" width={14} height={14} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <ShapePath shape={look.shape} color={look.color} />
      </svg>
      <span>{look.label}</span>
    </span>
  );
}
