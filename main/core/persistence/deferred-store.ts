/**
 * Start-up: the business store (RxDB: commit records, mirrored exceptions, scenarios, rule sets) is
 * not needed for the first live frame, and loading RxDB with its plugins (ajv, mingo, rxjs) is one
 * of the largest parts of a core start. With `deferStore` the core serves consoles first and opens
 * the store right after; these helpers let the commit methods and the `records` stream exist from
 * the start and wait for the store instead of failing.
 */
import type { MethodHandlers, StreamHandlers } from '../../../shared/protocol/server';
import type { CommitService } from '../services/commit/commit-service';

/** The commit service's methods, known before the service exists. */
export const COMMIT_METHODS = [
  'decisions.commit',
  'decisions.list',
  'decisions.get',
  'decisions.replay',
  'decisions.review',
  'decisions.reviewWeekly',
  'approvals.list',
  'approvals.decide',
  'actions.list',
  'actions.get',
  'actions.transition',
  'dispatch.gates',
  'outbox.list',
  'outbox.retry',
  'audit.list',
  'audit.verify',
] as const satisfies readonly (keyof CommitService['methods'])[];

type MissingCommitMethods = Exclude<keyof CommitService['methods'], (typeof COMMIT_METHODS)[number]>;
/** Does not type-check (and names the method) when the commit service gains a method the list above lacks. */
export const COMMIT_METHODS_COMPLETE: [MissingCommitMethods] extends [never] ? true : { addToCommitMethods: MissingCommitMethods } = true;

/** A one-way gate: `opened` resolves on the first `open()`. */
export interface Gate {
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  open(): void;
}

export function createGate(): Gate {
  let resolve!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((r) => (resolve = r));
  return {
    opened,
    get isOpen() {
      return isOpen;
    },
    open() {
      isOpen = true;
      resolve();
    },
  };
}

/** Handlers for `names` that wait for `ready` and then call its handler (a failed `ready` fails the call with its error). */
export function waitingMethods<K extends keyof MethodHandlers>(ready: Promise<Pick<MethodHandlers, K>>, names: readonly K[]): Pick<MethodHandlers, K> {
  ready.catch(() => undefined); // a failure is reported to each call, not as an unhandled rejection
  const out = {} as Record<K, unknown>;
  for (const name of names) {
    out[name] = async (params: unknown, ctx: unknown) => {
      const handlers = await ready;
      return (handlers[name] as (p: unknown, c: unknown) => unknown)(params, ctx);
    };
  }
  return out as Pick<MethodHandlers, K>;
}

/** A stream handler that subscribes once `ready` resolves; unsubscribing before then cancels it. */
export function waitingStream<S extends keyof StreamHandlers>(ready: Promise<Pick<StreamHandlers, S>>, name: S, log: (line: string) => void): StreamHandlers[S] {
  ready.catch(() => undefined); // reported per subscription below
  const handler = (params: unknown, emit: unknown) => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    ready.then(
      (handlers) => {
        if (!cancelled) stop = (handlers[name] as (p: unknown, e: unknown) => () => void)(params, emit);
      },
      (e: Error) => log(`stream ${name}: not served, ${e.message}`),
    );
    return () => {
      cancelled = true;
      stop?.();
    };
  };
  return handler as StreamHandlers[S];
}
