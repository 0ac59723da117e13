/**
 * Where sign-in events go: the core's hash-chained audit log, at plant time as every audit entry,
 * with the wall-clock time beside it. Browser mode and the desktop window's core both use it.
 */
import type { TaktCore } from '../core';
import type { AuthAuditEvent } from './auth-service';

export function coreAuditSink(core: Pick<TaktCore, 'storeReady' | 'commit' | 'twin'>): (e: AuthAuditEvent) => Promise<void> {
  return async (e) => {
    await core.storeReady;
    const s = core.commit.store;
    await s.serial(() =>
      s.appendAudit({ at: Math.max(0, Math.floor(core.twin.time)), actor: e.actor.slice(0, 128), kind: e.kind.slice(0, 32), subjectId: e.subjectId.slice(0, 48), payload: { ...e.payload, wallTime: new Date().toISOString() } }),
    );
  };
}
