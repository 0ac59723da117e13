/**
 * The one place the core checks every call: each method and stream of the protocol table is
 * wrapped so that, before its handler runs, the caller (a signed-in person, a token, the in-process
 * host) is checked against what the call needs (shared/auth/method-permissions.ts) under the active
 * rule set's permission table. A refusal answers `forbidden` naming the permission and is written to
 * the audit log, so denials are on the record like what people did. WebSocket connections and the
 * HTTP API both call through these tables.
 */
import { authorize, type AuthorizeInput, type Refusal } from '../../shared/auth/authorize';
import { describeCaller, type Caller } from '../../shared/auth/caller';
import { methodNeed, STREAM_PERMISSIONS } from '../../shared/auth/method-permissions';
import type { Plant } from '../../shared/plant/schema';
import type { MethodName, StreamName } from '../../shared/protocol/api';
import { ProtocolFailure, type CallContext, type MethodHandlers, type StreamContext, type StreamHandlers } from '../../shared/protocol/server';
import type { NewAudit } from './persistence/commit-store';

export interface AuthorizeCallsOptions {
  plant: Plant;
  /** The active rule set (its permission table and commit roles), read at each call: activating a rule set applies at once. */
  rules: () => AuthorizeInput['rules'];
  /** Appends a denial to the audit log (the business store may open later: the promise waits for it). */
  audit: (entry: Omit<NewAudit, 'at'>) => Promise<unknown>;
  log: (line: string) => void;
}

/** The record a denial is about: the exception, approval, action… the params name, else the method. */
function subjectOf(name: string, params: unknown): string {
  const p = (params ?? {}) as Record<string, unknown>;
  const id = [p['id'], p['exceptionId'], p['scenarioId']].find((v): v is string => typeof v === 'string' && v.length > 0);
  return (id ?? name).slice(0, 48);
}

function denialAudit(name: string, caller: Caller, params: unknown, r: Refusal): Omit<NewAudit, 'at'> {
  return {
    actor: r.actor,
    ...(r.role ? { role: r.role } : {}),
    kind: 'permission.denied',
    subjectId: subjectOf(name, params),
    payload: { method: name, permission: r.permission, reason: r.message, caller: describeCaller(caller) },
  };
}

/** What the refused caller is told; a signed-out window is told which call it may not make before signing in. */
function refusalText(call: string, caller: Caller, r: Refusal): string {
  return caller.kind === 'signed-out' ? `'${call}' refused: ${r.message}` : r.message;
}

/** The method table with every method checked; the refusal is audited before it is answered. */
export function authorizeMethods(methods: MethodHandlers, o: AuthorizeCallsOptions): MethodHandlers {
  const wrap = (name: MethodName) => {
    const handler = methods[name] as (p: unknown, ctx: CallContext) => unknown;
    return async (params: unknown, ctx: CallContext) => {
      const refusal = authorize(ctx.caller, methodNeed(name, params), { plant: o.plant, rules: o.rules() });
      if (refusal) {
        await o.audit(denialAudit(name, ctx.caller, params, refusal)).catch((e: Error) => o.log(`audit of a denied ${name} failed: ${e.message}`));
        throw new ProtocolFailure('forbidden', refusalText(name, ctx.caller, refusal));
      }
      return handler(params, ctx);
    };
  };
  return Object.fromEntries((Object.keys(methods) as MethodName[]).map((m) => [m, wrap(m)])) as unknown as MethodHandlers;
}

/** The stream table with every subscription checked; a refusal is answered at once and audited after. */
export function authorizeStreams(streams: StreamHandlers, o: AuthorizeCallsOptions): StreamHandlers {
  const wrap = (name: StreamName) => {
    const handler = streams[name] as (p: unknown, emit: (x: unknown) => void, ctx: StreamContext) => () => void;
    return (params: unknown, emit: (x: unknown) => void, ctx: StreamContext) => {
      const refusal = authorize(ctx.caller, STREAM_PERMISSIONS[name], { plant: o.plant, rules: o.rules() });
      if (refusal) {
        void o.audit(denialAudit(name, ctx.caller, params, refusal)).catch((e: Error) => o.log(`audit of a denied ${name} subscription failed: ${e.message}`));
        throw new ProtocolFailure('forbidden', refusalText(`stream ${name}`, ctx.caller, refusal));
      }
      return handler(params, emit, ctx);
    };
  };
  return Object.fromEntries((Object.keys(streams) as StreamName[]).map((s) => [s, wrap(s)])) as unknown as StreamHandlers;
}
