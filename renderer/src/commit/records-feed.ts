/**
 * Live commit records for React: one shared feed per connection (one `records` subscription per
 * console, however many views read it). The feed subscribes to the stream first, then loads the
 * initial lists (`*.list`), and merges both through the pure reducer in records-state.ts. No
 * polling: after the lists, every change arrives on the stream. Stream items are batched and
 * handed to React at most once per 50 ms, so a burst of transitions is one render.
 *
 * Readiness gates have their own small feed (gates.ts).
 */
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { RuleSet } from '../../../shared/decide/rules-schema';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { RecordChange } from '../../../shared/commit/records';
import { useClient } from '../app/ClientContext';
import { useCurrentPerson, usePeople } from '../decide/people';
import { usePlantNow } from '../decide/plant-now';
import { applyChanges, asChanges, emptyRecords, type Person, type RecordsState } from './records-state';

const FLUSH_MS = 50;
/** Keep the subscription this long after the last view using it closes (switching views is cheap). */
const LINGER_MS = 10_000;
const AUDIT_LOAD = 1000;

export class RecordsFeed {
  private state: RecordsState = emptyRecords();
  private readonly listeners = new Set<() => void>();
  private queue: RecordChange[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private off: (() => void) | null = null;
  constructor(private readonly client: ProtocolClient) {}

  readonly get = (): RecordsState => this.state;

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    this.retain();
    return () => {
      this.listeners.delete(l);
      this.release();
    };
  };

  /** Applies a record the caller just got back from a method (it is on the stream too; the guard keeps the newer). */
  readonly upsert = (changes: RecordChange[]): void => {
    this.queue.push(...changes);
    this.flush();
  };

  private retain() {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
    if (!this.off) this.start();
  }

  private release() {
    if (this.listeners.size) return;
    this.stopTimer = setTimeout(() => this.stop(), LINGER_MS);
  }

  private start() {
    const c = this.client;
    this.state = emptyRecords();
    const fail = (what: string) => (e: Error) => {
      if (c.isClosed) return;
      this.state = { ...this.state, error: `${what}: ${e.message}` };
      this.emit();
    };
    this.off = c.subscribe(
      'records',
      (change) => {
        this.queue.push(change);
        this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
      },
      undefined,
      fail('the records stream failed'),
    );
    Promise.all([
      c.call('decisions.list', { limit: 1000 }).then((r) => asChanges('decisions', r.items)),
      c.call('approvals.list').then((r) => asChanges('approvals', r.items)),
      c.call('actions.list').then((r) => asChanges('actions', r.items)),
      c.call('outbox.list').then((r) => asChanges('outbox', r.items)),
      // The newest page in one call (the audit view shows the newest; older ones come by filter).
      c.call('audit.list', { limit: AUDIT_LOAD, order: 'desc' }).then((r) => asChanges('audit', r.items)),
    ]).then((lists) => {
      if (!this.off) return;
      // Lists first, then whatever the stream brought meanwhile (the guard sorts out which is newer).
      this.queue = [...lists.flat(), ...this.queue];
      this.state = { ...this.state, ready: true, error: null };
      this.flush();
    }, fail('could not load the decision records'));
  }

  private stop() {
    this.off?.();
    this.off = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.queue = [];
  }

  private flush() {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const q = this.queue;
    this.queue = [];
    this.state = applyChanges(this.state, q);
    this.emit();
  }

  private emit() {
    this.listeners.forEach((l) => l());
  }

}

const feeds = new WeakMap<ProtocolClient, RecordsFeed>();

export function feedFor(client: ProtocolClient): RecordsFeed {
  let f = feeds.get(client);
  if (!f) feeds.set(client, (f = new RecordsFeed(client)));
  return f;
}

const none = emptyRecords();
const noSub = () => () => undefined;

/** The live records; empty (not ready) while there is no connection. */
export function useRecords(): RecordsState & { feed: RecordsFeed | null } {
  const client = useClient();
  const feed = useMemo(() => (client ? feedFor(client) : null), [client]);
  const state = useSyncExternalStore(feed ? feed.subscribe : noSub, feed ? feed.get : () => none);
  return useMemo(() => ({ ...state, feed }), [state, feed]);
}

/** The person acting at this console, with their role (null until chosen). */
export function useActingPerson(): Person | null {
  const people = usePeople();
  const [id] = useCurrentPerson();
  return useMemo(() => people.find((p) => p.id === id) ?? null, [people, id]);
}

export { usePlantNow };

/**
 * Runs one core call at a time for a control, keeping `busy` and the core's error text (shown
 * as it is: it says what is wrong, e.g. "infeasible" or "needs role qa").
 */
export function useRun(): { busy: boolean; error: string | null; run<T>(label: string, p: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T,>(label: string, p: () => Promise<T>) => {
    setBusy(true);
    setError(null);
    try {
      return await p();
    } catch (e) {
      setError(`${label}: ${(e as Error).message}`);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}

const rulesCache = new WeakMap<ProtocolClient, Promise<RuleSet | null>>();

/**
 * The active rule set (who may commit, whether a doer may verify, the escalation rules), fetched
 * once per connection: the console offers only what it allows. Null until loaded or when the core
 * cannot say; the core still has the last word on every call.
 */
export function useRules(): RuleSet | null {
  const client = useClient();
  const [rules, setRules] = useState<RuleSet | null>(null);
  useEffect(() => {
    if (!client) return;
    let live = true;
    let p = rulesCache.get(client);
    if (!p) {
      p = client.call('rules.get').then(
        (r) => r.rules,
        () => null,
      );
      rulesCache.set(client, p);
    }
    void p.then((r) => live && setRules(r));
    return () => {
      live = false;
    };
  }, [client]);
  return rules;
}
