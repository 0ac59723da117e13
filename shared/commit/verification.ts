/**
 * Closed loop: which delivered MES/ERP signal verifies which open action.
 *  - kitting: `inventory.issue` for the action's order, or to its line of a component of the
 *    order's bill of materials;
 *  - qa-release: `quality.release` of a hold that was on the action's line or order (or whose id
 *    is the action's id);
 *  - changeover-readiness: a machine of the line leaves 'changeover' or 'cleaning', or
 *    `order.started` of the action's order on its line;
 *  - maintenance-window: a machine of the line that was 'down' reports running or idle.
 * Line clearance and schedule communication have no signal: a person verifies them. Pure.
 */
import type { Signal } from '../signals/schema';
import type { ActionRecord } from './records';

export interface VerificationContext {
  /** Line of a machine, or undefined for unknown machines. */
  lineOfMachine(machineId: string): string | undefined;
  /** The machine's state before this signal (the caller keeps it up to date in signal order). */
  previousState(machineId: string): string | undefined;
  /** Where a quality hold was put (from its `quality.hold`). */
  hold(holdId: string): { lineId: string | null; orderId: string | null } | undefined;
  /** Components of the order's bill of materials. */
  componentsOf(orderId: string): readonly string[];
}

const OPEN = new Set(['assigned', 'acknowledged', 'in-progress', 'done', 'created']);

/** Why `signal` verifies `action`, or null when it does not. */
export function verifies(action: ActionRecord, signal: Signal, ctx: VerificationContext): string | null {
  if (!OPEN.has(action.status) || action.verification.by !== 'signal') return null;
  switch (action.kind) {
    case 'kitting':
      if (signal.type !== 'inventory.issue') return null;
      if (action.orderId && signal.orderId === action.orderId) return `${signal.qty} ${signal.component} issued for ${signal.orderId}`;
      if (signal.line === action.lineId && action.orderId && ctx.componentsOf(action.orderId).includes(signal.component)) return `${signal.qty} ${signal.component} issued to ${signal.line}`;
      return null;
    case 'qa-release': {
      if (signal.type !== 'quality.release') return null;
      if (signal.holdId === action.id) return `QA released hold ${signal.holdId}`;
      const h = ctx.hold(signal.holdId);
      if (h && (h.lineId === action.lineId || (action.orderId !== undefined && h.orderId === action.orderId))) return `QA released hold ${signal.holdId} on ${h.lineId ?? h.orderId}`;
      return null;
    }
    case 'changeover-readiness':
      if (signal.type === 'order.started') return signal.line === action.lineId && signal.orderId === action.orderId ? `${signal.orderId} started on ${signal.line}` : null;
      if (signal.type === 'machine.state' && ctx.lineOfMachine(signal.machine) === action.lineId) {
        const prev = ctx.previousState(signal.machine);
        if ((prev === 'changeover' || prev === 'cleaning') && signal.state !== 'changeover' && signal.state !== 'cleaning') return `${signal.machine} left '${prev}' (now '${signal.state}')`;
      }
      return null;
    case 'maintenance-window':
      if (signal.type === 'machine.state' && ctx.lineOfMachine(signal.machine) === action.lineId && ctx.previousState(signal.machine) === 'down' && (signal.state === 'running' || signal.state === 'idle')) return `${signal.machine} is '${signal.state}' again after being down`;
      return null;
    default:
      return null;
  }
}
