/**
 * Leadership of a plant (an active core and its standby) as a lease: one key per site in a
 * JetStream key-value bucket whose entries expire on the server after the lease time. Whoever
 * creates the key holds the lease; the holder renews it by updating the key at the revision it
 * last wrote, so a holder that lost the lease (its key expired and another core created it anew)
 * finds out at its next renewal: the revision no longer matches. The revision is the fencing token.
 *
 * The holder's own view must never outlast the server's: the key expires `ttl` after the server
 * wrote it, which is after the holder sent the write, so the holder counts itself leader only until
 * `sent + ttl × (1 − margin)` on its own monotonic clock (the margin covers clock-rate drift). Pure:
 * the clock is an argument.
 */
import { z } from 'zod';
import { FEDERATION_VERSION } from './messages';

export const LEASE_BUCKET = 'takt_leases';

export const leaseValueSchema = z
  .object({
    v: z.literal(FEDERATION_VERSION),
    site: z.string(),
    /** Who holds it: a name a person can find (host and process). */
    holder: z.string().min(1).max(200),
    /** Wall-clock ms when this holder first took it (for status lines, not for decisions). */
    since: z.number(),
  })
  .strict();
export type LeaseValue = z.infer<typeof leaseValueSchema>;

export interface HeldLease {
  /** The revision this holder last wrote: its fencing token. */
  revision: number;
  /** Monotonic ms when the write that produced `revision` was sent. */
  sentAt: number;
}

/** Share of the lease time the holder gives up early. */
export const LEASE_MARGIN = 0.2;

/** Until when (monotonic ms) a holder may act on `held`; after it, not until a renewal succeeds. */
export function leaseValidUntil(held: HeldLease, ttlMs: number, margin = LEASE_MARGIN): number {
  return held.sentAt + ttlMs * (1 - margin);
}

export function holdsLease(held: HeldLease | undefined, ttlMs: number, now: number): boolean {
  return held !== undefined && now < leaseValidUntil(held, ttlMs);
}
