/**
 * What each protocol method and stream needs: a permission from the rule set's table
 * (./permissions.ts), or `read` (anyone signed in, or a token with the `read` scope). The core
 * checks this table for every call in one place (main/core/authorize-calls.ts), so a method added
 * to the protocol without an entry here does not compile, and a unit test says which is missing.
 *
 * `person: true` marks the methods that record who did it (a `by` in their params): the core takes
 * that person from the caller, never from the params, and refuses a machine that is not allowed to
 * name one.
 */
import type { MethodName, StreamName } from '../protocol/api';
import type { Permission } from './permissions';

/** What a call needs: a permission (or `read`), and whether it records a person. */
export interface MethodNeed {
  /** `public`: anyone on a connection, a signed-out desktop window included (signing in itself). */
  permission: Permission | 'read' | 'public';
  person?: true;
  /** A signed-out desktop window may make it too: what the sign-in form needs to draw itself. */
  signedOut?: true;
}

const read: MethodNeed = { permission: 'read' };
const open: MethodNeed = { permission: 'public' };
const by = (permission: Permission): MethodNeed => ({ permission, person: true });

/** Every method: its need, or (commits) a function of its params. */
export const METHOD_PERMISSIONS: { readonly [M in MethodName]: MethodNeed | ((params: unknown) => MethodNeed) } = {
  'core.info': read,
  // The sign-in form shows the plant's name, and at first start its people to choose from.
  'plant.get': { permission: 'read', signedOut: true },
  // Signing in on the connection itself (the desktop window); browser mode signs in at /signin.
  'session.whoami': open,
  'session.signIn': open,
  'session.signOut': open,
  'session.lock': open,
  'session.firstStart': open,
  'twin.view': read,
  'deadLetters.list': read,
  'signals.ingest': { permission: 'ingest' },
  'clock.setSpeed': { permission: 'clock.speed' },
  'debug.echo': read,
  'rules.get': read,
  'rules.validate': read,
  'rules.text': read,
  'rules.activate': by('rules.activate'),
  'rules.backtest': by('rules.backtest'),
  'exceptions.list': read,
  'exceptions.get': read,
  'exceptions.acknowledge': by('exceptions.acknowledge'),
  'exceptions.shelve': by('exceptions.shelve'),
  'exceptions.unshelve': by('exceptions.shelve'),
  'exceptions.comment': by('exceptions.comment'),
  'exceptions.outOfService': by('exceptions.outOfService'),
  'exceptions.returnToService': by('exceptions.outOfService'),
  'exceptions.flood': read,
  // Options and what-ifs are computed on forks of the twin: nothing in the plant changes.
  'decide.options': read,
  'whatIf.parse': read,
  'whatIf.run': read,
  'whatIf.compare': read,
  'whatIf.risk': read,
  'whatIf.optimize': read,
  'whatIf.list': read,
  'whatIf.save': by('scenarios.save'),
  'whatIf.delete': { permission: 'scenarios.save' },
  'decisions.commit': (p) => by((p as { kind?: string } | undefined)?.kind === 'scenario' ? 'commit.scenario' : 'commit.option'),
  'decisions.list': read,
  'decisions.get': read,
  'decisions.replay': read,
  'decisions.review': read,
  'decisions.reviewWeekly': read,
  'approvals.list': read,
  'approvals.decide': by('approve'),
  'actions.list': read,
  'actions.get': read,
  'actions.transition': by('actions.transition'),
  'dispatch.gates': read,
  'outbox.list': read,
  'outbox.retry': by('outbox.retry'),
  'audit.list': read,
  'audit.verify': read,
  'connectors.status': read,
  'timeline.get': read,
  'kpi.get': read,
  'report.shift': read,
  'report.shiftPdf': read,
};

/** Streams only report: each needs `read`. Listed so a new stream is a decision, not an accident. */
export const STREAM_PERMISSIONS: { readonly [S in StreamName]: MethodNeed } = {
  'twin.deltas': read,
  'deadLetters.new': read,
  'core.status': read,
  exceptions: read,
  connectors: read,
  records: read,
};

/** The need of one call of `method` with `params`. */
export function methodNeed(method: MethodName, params: unknown): MethodNeed {
  const n = METHOD_PERMISSIONS[method];
  return typeof n === 'function' ? n(params) : n;
}
