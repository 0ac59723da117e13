/**
 * The write-back outbox: a loop sends due messages to the registered write-back targets (the
 * latest one serving a target wins; the file target in the data folder otherwise), retries with
 * backoff, audits each ack and final failure, and closes a decision whose messages are all
 * acknowledged. A message caught 'sending' by a crash is sent again: its idempotency key makes
 * that safe.
 */
import { ProtocolFailure, type MethodHandlers } from '../../../../shared/protocol/server';
import type { OutboxRecord } from '../../../../shared/commit/records';
import type { WriteBackTarget } from '../../../../shared/commit/writeback';
import { afterFailure, type RetryPolicy } from '../../../../shared/commit/outbox-policy';
import { createFileWriteBackTarget } from './outbox-file-target';
import type { CommitContext } from './context';
import { redactUrlsIn } from '../../../../shared/plant/redact';
import { actingPerson } from '../../../../shared/auth/authorize';

type OutboxMethod = 'outbox.list' | 'outbox.retry';

export interface Outbox {
  readonly methods: Pick<MethodHandlers, OutboxMethod>;
  /** Runs a pass soon (a message was queued or a target registered). */
  kick(): void;
  /** Adds a write-back target; the returned function removes it. */
  register(target: WriteBackTarget): () => void;
  /** Stops the loop and waits for a pass in flight. */
  close(): Promise<void>;
}

export interface OutboxOptions {
  dataDir: string;
  retry: RetryPolicy;
  /** Real ms between passes. */
  everyMs: number;
}

export async function startOutbox(ctx: CommitContext, opts: OutboxOptions): Promise<Outbox> {
  const { store, log } = ctx;
  const { retry } = opts;
  const realNow = () => ctx.realNow();
  const fileTarget = createFileWriteBackTarget(opts.dataDir, realNow);
  const targets: WriteBackTarget[] = [];
  const targetFor = (t: 'erp' | 'mes'): WriteBackTarget => [...targets].reverse().find((x) => x.serves.includes(t)) ?? fileTarget;
  let sending = false;
  let closed = false;
  const pass = async () => {
    if (sending || closed) return;
    sending = true;
    try {
      // Passes never overlap, so a message still 'sending' here was left so by a pass that could not
      // store its result even as a failure (see below): it is due again, like one interrupted by a crash.
      const due = [...store.outbox.values()].filter((m) => m.status === 'sending' || (m.status === 'pending' && m.nextAttemptAt <= realNow())).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
      for (const m of due) {
        if (closed) break;
        const target = targetFor(m.target);
        const attempt = m.attempts + 1;
        await store.serial(() => store.putOutbox([{ ...m, status: 'sending', attempts: attempt }]));
        let ack: Awaited<ReturnType<WriteBackTarget['send']>> | null = null;
        let error = '';
        try {
          ack = await target.send({ id: m.id, target: m.target, kind: m.kind, idempotencyKey: m.idempotencyKey, decisionId: m.decisionId, payload: m.payload });
        } catch (e) {
          // A target's error may quote its URL, with a key in it: stored, audited and shown without it.
          error = redactUrlsIn(`${target.id}: ${(e as Error)?.message ?? String(e)}`);
        }
        try {
          await store.serial(async () => {
            const cur = store.outbox.get(m.id)!;
            if (ack) {
              const { lastError: _l, ...rest } = cur;
              await store.putOutbox([{ ...rest, status: 'acked', ackedAt: ack.ackedAt }]);
              await ctx.audit({ actor: `writeback:${target.id}`, kind: 'outbox.acked', subjectId: m.id, payload: { decisionId: m.decisionId, target: m.target, kind: m.kind, idempotencyKey: m.idempotencyKey, attempts: attempt, ...(ack.reference ? { reference: ack.reference } : {}) } });
              await ctx.closeIfDone(m.decisionId);
            } else {
              const next = afterFailure(retry, attempt, m.id, realNow());
              await store.putOutbox([{ ...cur, ...next, lastError: error }]);
              if (next.status === 'failed') await ctx.audit({ actor: `writeback:${target.id}`, kind: 'outbox.failed', subjectId: m.id, payload: { decisionId: m.decisionId, attempts: attempt, error } });
            }
          });
        } catch (e) {
          // The result could not be stored (e.g. the store refused the target's acknowledgement). The
          // message must not stay 'sending' until a restart: it goes back to the retry schedule with
          // the reason, and is sent again after the backoff. Its idempotency key makes a second
          // delivery of a message the target did take harmless.
          const why = `${ack ? `${target.id} acknowledged it` : error}, but storing that failed: ${((e as Error)?.message ?? String(e)).slice(0, 500)}`;
          log(`commit: outbox ${m.id}: ${why}`);
          await store
            .serial(() => store.putOutbox([{ ...store.outbox.get(m.id)!, ...afterFailure(retry, attempt, m.id, realNow()), lastError: why }]))
            .catch((e2: unknown) => log(`commit: outbox ${m.id}: could not record the failure either (${(e2 as Error)?.message ?? e2}); the next pass sends it again`));
        }
      }
    } catch (e) {
      log(`commit: outbox pass failed: ${(e as Error).stack ?? e}`);
    } finally {
      sending = false;
    }
  };
  const kick = () => setImmediate(() => void pass());
  // A message caught 'sending' by a crash is sent again: the idempotency key makes that safe.
  const interrupted = [...store.outbox.values()].filter((m) => m.status === 'sending');
  if (interrupted.length) await store.serial(() => store.putOutbox(interrupted.map((m) => ({ ...m, status: 'pending' as const, nextAttemptAt: realNow() }))));
  const timer = setInterval(() => void pass(), opts.everyMs);

  const methods: Pick<MethodHandlers, OutboxMethod> = {
    'outbox.list': (p) => {
      let items = [...store.outbox.values()];
      if (p?.statuses) items = items.filter((m) => p.statuses!.includes(m.status));
      if (p?.decisionId) items = items.filter((m) => m.decisionId === p.decisionId);
      return { items: items.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)) };
    },
    'outbox.retry': (p, c) => {
      const who = ctx.person(actingPerson(c.caller, p.by));
      return store.serial(async () => {
        const m = ctx.mustGet(store.outbox, p.id, 'outbox message');
        if (m.status !== 'failed') throw new ProtocolFailure('conflict', `outbox message ${m.id} is '${m.status}': only a failed message can be retried`, 'params.id');
        const next: OutboxRecord = { ...m, status: 'pending', attempts: 0, nextAttemptAt: realNow() };
        await store.putOutbox([next]);
        await ctx.audit({ actor: who.id, role: who.role, kind: 'outbox.retry', subjectId: m.id, payload: { decisionId: m.decisionId, lastError: m.lastError ?? '' } });
        kick();
        return next;
      });
    },
  };

  return {
    methods,
    kick,
    register(t) {
      targets.push(t);
      kick();
      return () => {
        const i = targets.indexOf(t);
        if (i >= 0) targets.splice(i, 1);
      };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      while (sending) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
