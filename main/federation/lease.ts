/**
 * A plant's leadership lease in the JetStream key-value bucket `takt_leases` (see
 * shared/federation/lease.ts for the rule): `tryAcquire` creates the site's key, `renew` updates it
 * at the revision last written (a stale revision means the lease was lost: the core stops acting as
 * leader), `release` deletes it at that revision so a standby takes over at once. `run()` keeps
 * doing the right one on a timer. `fenced(f)` runs a write only while the lease is held and
 * passes the revision along (a reader keeps the highest revision it has seen and ignores older).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { holdsLease, LEASE_BUCKET, leaseValueSchema, type HeldLease, type LeaseValue } from '../../shared/federation/lease';
import { FEDERATION_VERSION } from '../../shared/federation/messages';

export class LeaseLostError extends Error {
  constructor(site: string, why: string) {
    super(`this core does not hold the lease of site '${site}' (${why}): it must not write as the plant's leader`);
    this.name = 'LeaseLostError';
  }
}

/** Opens (creating if needed) the lease bucket; its entries expire `ttlMs` after their last write. */
export async function openLeaseBucket(nc: NatsConnection, o: { ttlMs: number; replicas: number }): Promise<{ kv: KV; ttlMs: number }> {
  const { Kvm } = await import('@nats-io/kv');
  const kv = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, ttl: o.ttlMs, replicas: o.replicas });
  // An existing bucket keeps its lease time: every core of every site must count with the same one.
  const st = await kv.status();
  return { kv, ttlMs: st.ttl > 0 ? st.ttl : o.ttlMs };
}

export interface LeaseOptions {
  kv: KV;
  site: string;
  holder: string;
  ttlMs: number;
  /** Monotonic ms (performance.now in the core). */
  now(): number;
  /** Wall ms for the `since` field. */
  wallNow(): number;
  log(line: string): void;
  onChange?(leader: boolean, revision: number | undefined): void;
}

const encoder = new TextEncoder();

export function createLease(o: LeaseOptions) {
  let held: HeldLease | undefined;
  let value: LeaseValue | undefined;
  let lastHolder: string | undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let looping = false;
  let wasLeader = false;

  const leader = () => holdsLease(held, o.ttlMs, o.now());
  const changed = () => {
    const l = leader();
    if (l !== wasLeader) {
      wasLeader = l;
      o.onChange?.(l, held?.revision);
    }
  };

  async function tryAcquire(): Promise<boolean> {
    const v: LeaseValue = { v: FEDERATION_VERSION, site: o.site, holder: o.holder, since: o.wallNow() };
    const sentAt = o.now();
    try {
      const revision = await o.kv.create(o.site, encoder.encode(JSON.stringify(v)));
      held = { revision, sentAt };
      value = v;
      o.log(`lease: this core (${o.holder}) leads site '${o.site}' from revision ${revision}`);
    } catch (e) {
      if (!/wrong last sequence|key exists/i.test((e as Error).message)) throw e;
      await readHolder();
    }
    changed();
    return leader();
  }

  async function readHolder() {
    const e = await o.kv.get(o.site).catch(() => null);
    if (e && e.operation === 'PUT') {
      const p = leaseValueSchema.safeParse(e.json());
      lastHolder = p.success ? p.data.holder : `an unreadable lease value (revision ${e.revision})`;
    }
  }

  async function renew(): Promise<boolean> {
    if (!held || !value) return false;
    const sentAt = o.now();
    try {
      const revision = await o.kv.update(o.site, encoder.encode(JSON.stringify(value)), held.revision);
      held = { revision, sentAt };
    } catch (e) {
      if (/wrong last sequence/i.test((e as Error).message)) {
        o.log(`lease: site '${o.site}' was taken over (revision ${held.revision} is no longer the lease's): this core stops leading`);
        held = undefined;
        value = undefined;
        await readHolder();
      } else if (!leader()) {
        // Unreachable for longer than the lease: another core may lead now; the next renewal tells.
        o.log(`lease: renewing site '${o.site}' failed (${(e as Error).message}) past the lease time: not leading until it succeeds`);
      }
    }
    changed();
    return leader();
  }

  async function release(): Promise<void> {
    if (!held) return;
    const revision = held.revision;
    held = undefined;
    value = undefined;
    changed();
    await o.kv.delete(o.site, { previousSeq: revision }).catch(() => undefined);
  }

  const tick = async () => {
    if (stopped) return void (looping = false);
    try {
      if (held) await renew();
      if (!held) await tryAcquire();
    } catch (e) {
      changed();
      o.log(`lease: site '${o.site}': ${(e as Error).message}`);
    }
    // Renew three times per lease time; a standby tries as often, so it takes over soon after expiry.
    if (stopped) looping = false;
    else timer = setTimeout(() => void tick(), Math.max(50, Math.floor(o.ttlMs / 6)));
  };

  return {
    tryAcquire,
    renew,
    release,
    isLeader: leader,
    get revision() {
      return leader() ? held!.revision : undefined;
    },
    /** Who held the lease when this core last looked (undefined: nobody, or this core). */
    get otherHolder() {
      return leader() ? undefined : lastHolder;
    },
    /** Runs `f` with the fencing revision, or throws LeaseLostError when the lease is not held. */
    async fenced<T>(f: (revision: number) => Promise<T>): Promise<T> {
      if (!leader()) throw new LeaseLostError(o.site, held ? 'its last renewal is older than the lease time' : 'another core holds it, or it was never taken');
      return f(held!.revision);
    },
    run(): void {
      stopped = false;
      if (looping) return;
      looping = true;
      void tick();
    },
    /** Stops the timer; with `release`, gives the lease up so that a standby leads at once. */
    async stop(opts: { release?: boolean } = {}): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (opts.release) await release();
    },
  };
}

export type Lease = ReturnType<typeof createLease>;
