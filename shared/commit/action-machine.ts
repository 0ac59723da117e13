/**
 * The lifecycle of a dispatched action, as an XState v5 machine:
 *
 *   created → assigned → acknowledged → in-progress → done → verified
 *                 ↘ blocked (with a reason) ↗ resumes to assigned/acknowledged/in-progress
 *                 ↘ rejected (the owner refuses it; final)
 *
 * A matching MES signal may verify an action that is still assigned, acknowledged or in progress
 * (the shop floor reports it happened); a person verifies only what is done. Starting or finishing
 * waits for the actions it depends on (QA release after line clearance). Records are stored, not
 * actors: `applyActionEvent` resolves the stored status into a snapshot, runs the machine's pure
 * `transition`, and, when the machine refuses, says why (current state, what is allowed, which
 * dependency is open). Pure.
 */
import { setup, transition } from 'xstate';
import type { ActionKind, ActionStatus, PersonTransition } from './records';

export type ActionEvent =
  | { type: 'ASSIGN'; ownerId: string }
  | { type: 'ACKNOWLEDGE' }
  | { type: 'START' }
  | { type: 'DONE' }
  | { type: 'VERIFY'; bySignal: boolean }
  | { type: 'BLOCK'; reason: string }
  | { type: 'REJECT'; reason: string };

/** What the guards need to know about the action's surroundings. */
export interface ActionFacts {
  /** Dependencies not yet done or verified. */
  openDependencies: { id: string; kind: ActionKind; status: ActionStatus }[];
}

const DONE_LIKE: readonly ActionStatus[] = ['done', 'verified'];

export const actionMachine = setup({
  types: {
    context: {} as ActionFacts,
    events: {} as ActionEvent,
    input: {} as ActionFacts,
  },
  guards: {
    hasOwner: ({ event }) => event.type === 'ASSIGN' && event.ownerId.length > 0,
    dependenciesDone: ({ context }) => context.openDependencies.length === 0,
    bySignal: ({ event }) => event.type === 'VERIFY' && event.bySignal,
    hasReason: ({ event }) => (event.type === 'BLOCK' || event.type === 'REJECT') && event.reason.trim().length > 0,
  },
}).createMachine({
  id: 'action',
  initial: 'created',
  context: ({ input }) => input,
  states: {
    created: {
      on: {
        ASSIGN: { target: 'assigned', guard: 'hasOwner' },
        BLOCK: { target: 'blocked', guard: 'hasReason' },
        REJECT: { target: 'rejected', guard: 'hasReason' },
      },
    },
    assigned: {
      on: {
        ASSIGN: { target: 'assigned', guard: 'hasOwner' },
        ACKNOWLEDGE: 'acknowledged',
        VERIFY: { target: 'verified', guard: 'bySignal' },
        BLOCK: { target: 'blocked', guard: 'hasReason' },
        REJECT: { target: 'rejected', guard: 'hasReason' },
      },
    },
    acknowledged: {
      on: {
        ASSIGN: { target: 'assigned', guard: 'hasOwner' },
        START: { target: 'in-progress', guard: 'dependenciesDone' },
        DONE: { target: 'done', guard: 'dependenciesDone' },
        VERIFY: { target: 'verified', guard: 'bySignal' },
        BLOCK: { target: 'blocked', guard: 'hasReason' },
        REJECT: { target: 'rejected', guard: 'hasReason' },
      },
    },
    'in-progress': {
      on: {
        DONE: { target: 'done', guard: 'dependenciesDone' },
        VERIFY: { target: 'verified', guard: 'bySignal' },
        BLOCK: { target: 'blocked', guard: 'hasReason' },
      },
    },
    done: { on: { VERIFY: 'verified' } },
    verified: { type: 'final' },
    blocked: {
      // Resuming: back to the owner's queue, or straight on with the work.
      on: {
        ASSIGN: { target: 'assigned', guard: 'hasOwner' },
        ACKNOWLEDGE: 'acknowledged',
        START: { target: 'in-progress', guard: 'dependenciesDone' },
        REJECT: { target: 'rejected', guard: 'hasReason' },
      },
    },
    rejected: { type: 'final' },
  },
});

export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly from: ActionStatus,
    readonly event: ActionEvent['type'],
    message: string,
  ) {
    super(message);
  }
}

const EVENT_TO: Record<ActionEvent['type'], string> = {
  ASSIGN: 'assigned',
  ACKNOWLEDGE: 'acknowledged',
  START: 'in-progress',
  DONE: 'done',
  VERIFY: 'verified',
  BLOCK: 'blocked',
  REJECT: 'rejected',
};

/** Events the machine's state config lists for a status (guards aside). */
export function eventsFrom(status: ActionStatus): ActionEvent['type'][] {
  const node = actionMachine.config.states?.[status] as { on?: Record<string, unknown> } | undefined;
  return Object.keys(node?.on ?? {}) as ActionEvent['type'][];
}

/** The status after `event`, or an IllegalTransition naming the current state and the reason. */
export function applyActionEvent(status: ActionStatus, event: ActionEvent, facts: ActionFacts, actionId = 'the action'): ActionStatus {
  const snapshot = actionMachine.resolveState({ value: status, context: facts });
  const [next] = transition(actionMachine, snapshot, event);
  const to = next.value as ActionStatus;
  // A self-transition is a change only for ASSIGN (reassigning to another person).
  if (to !== status || (event.type === 'ASSIGN' && status === 'assigned' && event.ownerId)) return to;
  throw new IllegalTransition(status, event.type, whyNot(status, event, facts, actionId));
}

function whyNot(status: ActionStatus, event: ActionEvent, facts: ActionFacts, actionId: string): string {
  const want = EVENT_TO[event.type];
  const allowed = eventsFrom(status);
  if (!allowed.includes(event.type)) {
    const options = allowed.map((e) => EVENT_TO[e]);
    return `${actionId} is '${status}': it cannot move to '${want}' from there (${options.length ? `allowed: ${options.join(', ')}` : 'it is final'})`;
  }
  switch (event.type) {
    case 'ASSIGN':
      return `${actionId} is '${status}': assigning needs a person ('ownerId')`;
    case 'BLOCK':
    case 'REJECT':
      return `${actionId} is '${status}': '${want}' needs a reason ('comment')`;
    case 'VERIFY':
      return `${actionId} is '${status}': a person verifies only a done action (a matching MES signal may verify it earlier)`;
    case 'START':
    case 'DONE': {
      const open = facts.openDependencies.map((d) => `${d.id} (${d.kind}, '${d.status}')`).join(', ');
      return `${actionId} is '${status}': it cannot move to '${want}' before ${open} ${facts.openDependencies.length === 1 ? 'is' : 'are'} done`;
    }
    default:
      return `${actionId} is '${status}': '${want}' is not allowed`;
  }
}

/** A person's requested status as a machine event. */
export function personEvent(to: PersonTransition, opts: { ownerId?: string; comment?: string }): ActionEvent {
  switch (to) {
    case 'assigned':
      return { type: 'ASSIGN', ownerId: opts.ownerId ?? '' };
    case 'acknowledged':
      return { type: 'ACKNOWLEDGE' };
    case 'in-progress':
      return { type: 'START' };
    case 'done':
      return { type: 'DONE' };
    case 'verified':
      return { type: 'VERIFY', bySignal: false };
    case 'blocked':
      return { type: 'BLOCK', reason: opts.comment ?? '' };
    case 'rejected':
      return { type: 'REJECT', reason: opts.comment ?? '' };
  }
}

export const isDoneLike = (s: ActionStatus): boolean => DONE_LIKE.includes(s);
