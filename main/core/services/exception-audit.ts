/**
 * What a person does to an exception (acknowledge, shelve, comment, out of service…) and every
 * refusal of it goes into the audit log, like commits, approvals and action moves do. The
 * exception lifecycle lives in the decide service (no store); the audit log lives in the business
 * store, which opens later, so each call answers after its entry is written.
 */
import { findPerson } from '../../../shared/commit/workflows';
import type { Plant } from '../../../shared/plant/schema';
import { ProtocolFailure, type CallContext, type MethodHandlers } from '../../../shared/protocol/server';
import { describeCaller, personOf } from '../../../shared/auth/caller';
import type { CommitStore } from '../persistence/commit-store';

const KINDS = {
  'exceptions.acknowledge': 'exception.acknowledged',
  'exceptions.shelve': 'exception.shelved',
  'exceptions.unshelve': 'exception.unshelved',
  'exceptions.comment': 'exception.commented',
  'exceptions.outOfService': 'exception.out-of-service',
  'exceptions.returnToService': 'exception.returned-to-service',
} as const;

export type ExceptionPersonMethod = keyof typeof KINDS;

/** The exception methods a person calls, wrapped so each success and each refusal is audited. */
export function auditedExceptionMethods(
  plant: Plant,
  methods: Pick<MethodHandlers, ExceptionPersonMethod | 'exceptions.get'>,
  store: () => Promise<CommitStore>,
  now: () => number,
): Pick<MethodHandlers, ExceptionPersonMethod> {
  const wrap = <M extends ExceptionPersonMethod>(name: M): MethodHandlers[M] =>
    (async (p: { id: string; by?: string } & Record<string, unknown>, ctx: CallContext) => {
      // The signed-in person, whatever the params say (the in-process host names one in `by`).
      const actor = personOf(ctx.caller) ?? p.by ?? describeCaller(ctx.caller);
      const who = findPerson(plant, actor);
      const details = Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'id' && k !== 'by'));
      const write = async (kind: string, payload: Record<string, unknown>) => {
        const s = await store();
        await s.serial(() => s.appendAudit({ at: Math.floor(now()), actor: actor.slice(0, 128), ...(who ? { role: who.role } : {}), kind, subjectId: p.id, payload }));
      };
      let before: string | undefined;
      try {
        before = (await (methods['exceptions.get'] as (q: { id: string }, c: CallContext) => Promise<{ state: string }> | { state: string })({ id: p.id }, ctx)).state;
      } catch {
        before = undefined;
      }
      try {
        const r = await (methods[name] as unknown as (q: typeof p, c: CallContext) => Promise<{ state: string; title: string }> | { state: string; title: string })(p, ctx);
        await write(KINDS[name], { title: r.title, ...(before ? { from: before } : {}), to: r.state, ...details });
        return r;
      } catch (e) {
        if (e instanceof ProtocolFailure) await write('exception.refused', { method: name, reason: e.message, ...details });
        throw e;
      }
    }) as unknown as MethodHandlers[M];
  return Object.fromEntries((Object.keys(KINDS) as ExceptionPersonMethod[]).map((k) => [k, wrap(k)])) as unknown as Pick<MethodHandlers, ExceptionPersonMethod>;
}
