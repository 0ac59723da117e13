/** Polling and failure helpers shared by the unit and e2e tests. */
import { RemoteError } from '../../shared/protocol/client';

/** Polls `f` every 100 ms until it returns something truthy; fails naming `what` after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The protocol error a call fails with; throws when it succeeds or fails some other way. */
export async function failure(p: Promise<unknown>): Promise<RemoteError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RemoteError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}
