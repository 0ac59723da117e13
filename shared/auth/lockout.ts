/**
 * Lockout with back-off after wrong passwords: the pure policy (state in, state out; time is given).
 * A few free attempts (a typo, caps lock), then each further failure locks the account for twice as
 * long as the last, up to a ceiling: guessing becomes slow without a person being locked out for a
 * whole shift by a colleague's mistakes. A success clears it.
 */

export interface LockoutState {
  /** Wrong passwords since the last success. */
  readonly failures: number;
  /** Epoch ms before which no attempt is checked (0: not locked). */
  readonly lockedUntil: number;
}

export interface LockoutPolicy {
  /** Failures allowed before the first lock. */
  readonly freeAttempts: number;
  /** The first lock's length (ms); each further failure doubles it. */
  readonly baseLockMs: number;
  /** The longest lock (ms). */
  readonly maxLockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { freeAttempts: 5, baseLockMs: 30_000, maxLockMs: 15 * 60_000 };

export const NOT_LOCKED: LockoutState = { failures: 0, lockedUntil: 0 };

/** Whether an attempt may be checked now; when not, until when it is locked. */
export function lockoutVerdict(s: LockoutState, now: number): { ok: true } | { ok: false; retryAt: number } {
  return s.lockedUntil > now ? { ok: false, retryAt: s.lockedUntil } : { ok: true };
}

/** The state after one more wrong password at `now`. */
export function afterFailure(s: LockoutState, now: number, p: LockoutPolicy = DEFAULT_LOCKOUT): LockoutState {
  const failures = s.failures + 1;
  const over = failures - p.freeAttempts;
  if (over < 0) return { failures, lockedUntil: s.lockedUntil };
  // 2^over grows past the ceiling long before it overflows; cap the exponent anyway.
  const lock = Math.min(p.maxLockMs, p.baseLockMs * 2 ** Math.min(over, 30));
  return { failures, lockedUntil: now + lock };
}

/** The state after a right password. */
export function afterSuccess(): LockoutState {
  return NOT_LOCKED;
}
