/**
 * The outbox's retry policy and idempotency keys. Backoff doubles from `baseMs` up to `capMs`,
 * with "full jitter" in [half, whole] of that step from a seeded rng (so a test can predict it
 * and many failing messages do not retry in lockstep); after `maxAttempts` a message is 'failed'
 * and waits for a person (`outbox.retry`). Pure.
 */
import { createRng } from '../sim/random';
import { sha256Hex, canonicalJson } from './hash';

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
  seed: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, capMs: 60_000, maxAttempts: 8, seed: 1 };

/** Delay before attempt `attempts + 1` (after `attempts` failures), deterministic for (seed, message id, attempts). */
export function backoffMs(policy: RetryPolicy, attempts: number, messageId: string): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  let h = policy.seed >>> 0;
  for (let i = 0; i < messageId.length; i++) h = Math.imul(h ^ messageId.charCodeAt(i), 0x01000193) >>> 0;
  const rng = createRng((h + attempts * 0x9e3779b1) >>> 0);
  return Math.round(step / 2 + rng.next() * (step / 2));
}

/** After a failed attempt: retry later, or give up. */
export function afterFailure(policy: RetryPolicy, attempts: number, messageId: string, now: number): { status: 'pending' | 'failed'; nextAttemptAt: number } {
  if (attempts >= policy.maxAttempts) return { status: 'failed', nextAttemptAt: 0 };
  return { status: 'pending', nextAttemptAt: now + backoffMs(policy, attempts, messageId) };
}

/** The key the receiving system de-duplicates on: the same effect of the same decision, whatever the attempt. */
export function idempotencyKey(decisionId: string, kind: string, payload: Record<string, unknown>): string {
  return `${decisionId}:${kind}:${sha256Hex(canonicalJson(payload)).slice(0, 16)}`;
}
