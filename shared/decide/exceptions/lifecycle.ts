/**
 * The ISA-18.2 alarm lifecycle applied to business exceptions, as a pure reducer over an explicit
 * transition table rather than an XState machine: an exception is a record with a state, and every
 * transition is (state, event, condition still present?) → state | illegal. The table is easy to
 * read next to the standard, every transition is total and deterministic, and a record persists as
 * plain JSON (no actor snapshot, no scheduled events to re-arm).
 *
 *   active-unacknowledged ─ack→ active-acknowledged ─clears→ closed
 *   active-unacknowledged ─clears→ returned-to-normal-unacknowledged ─ack→ closed
 *   returned-to-normal-unacknowledged ─condition again→ active-unacknowledged
 *   any annunciated ─shelve(until)→ shelved ─unshelve / expiry→ active-unacknowledged | closed
 *   condition suppressed by design → suppressed ─suppression ends→ active-unacknowledged | closed
 *   any open ─out of service (reason)→ out-of-service ─return to service→ active-unacknowledged | closed
 */

export const exceptionStates = ['active-unacknowledged', 'active-acknowledged', 'rtn-unacknowledged', 'shelved', 'suppressed', 'out-of-service', 'closed'] as const;
export type ExceptionState = (typeof exceptionStates)[number];

export const lifecycleEvents = [
  'ack',
  'condition-cleared',
  'condition-active',
  'shelve',
  'unshelve',
  'shelve-expired',
  'suppress',
  'unsuppress',
  'remove-from-service',
  'return-to-service',
] as const;
export type LifecycleEvent = (typeof lifecycleEvents)[number];

/**
 * The transition table. `active` is whether the condition is present after the event. Returns
 * the next state, or null when the event is illegal in `state`.
 */
export function lifecycleNext(state: ExceptionState, event: LifecycleEvent, active: boolean): ExceptionState | null {
  const back: ExceptionState = active ? 'active-unacknowledged' : 'closed';
  switch (state) {
    case 'active-unacknowledged':
      return event === 'ack' ? 'active-acknowledged' : event === 'condition-cleared' ? 'rtn-unacknowledged' : event === 'condition-active' ? state : event === 'shelve' ? 'shelved' : event === 'suppress' ? 'suppressed' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'active-acknowledged':
      return event === 'condition-cleared' ? 'closed' : event === 'condition-active' ? state : event === 'shelve' ? 'shelved' : event === 'suppress' ? 'suppressed' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'rtn-unacknowledged':
      return event === 'ack' ? 'closed' : event === 'condition-active' ? 'active-unacknowledged' : event === 'condition-cleared' ? state : event === 'shelve' ? 'shelved' : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'shelved':
      return event === 'unshelve' || event === 'shelve-expired' ? back : event === 'condition-active' || event === 'condition-cleared' || event === 'suppress' ? state : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'suppressed':
      return event === 'unsuppress' ? back : event === 'condition-cleared' ? 'closed' : event === 'condition-active' || event === 'suppress' ? state : event === 'remove-from-service' ? 'out-of-service' : null;
    case 'out-of-service':
      return event === 'return-to-service' ? back : event === 'condition-active' || event === 'condition-cleared' || event === 'suppress' || event === 'unsuppress' ? state : null;
    case 'closed':
      return null;
  }
}
