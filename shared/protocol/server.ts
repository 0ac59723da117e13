/**
 * Serves the protocol over any TextTransport: validates every frame at runtime, answers
 * requests, runs streams and honours cancellation. A bad frame gets an error reply naming the
 * problem; nothing a client sends can throw out of here.
 */
import { describeIssues, parseClientFrame, PROTOCOL_VERSION, type ProtocolError, type ServerMessage } from './messages';
import { methodParams, streamParams, type MethodName, type MethodResults, type StreamItems, type StreamName } from './api';
import type { TextTransport } from './transport';
import type { z } from 'zod';
import { SYSTEM_CALLER, type Caller, type ConnectionIdentity } from '../auth/caller';

export class ProtocolFailure extends Error {
  constructor(readonly code: ProtocolError['code'], message: string, readonly path?: string) {
    super(message);
  }
}

export interface CallContext {
  signal: AbortSignal;
  /** Who made the call, as the host established it for this connection. */
  caller: Caller;
  /** The connection's changeable identity, where its person signs in on it (the desktop window). */
  identity?: ConnectionIdentity;
  progress(done: number, total: number, label?: string): void;
}

export type MethodHandlers = {
  [M in MethodName]: (params: z.output<(typeof methodParams)[M]>, ctx: CallContext) => MethodResults[M] | Promise<MethodResults[M]>;
};

/** What a stream handler knows of its subscriber. */
export interface StreamContext {
  /** Who subscribed, as the host established it for this connection. */
  caller: Caller;
}

export type StreamHandlers = {
  [S in StreamName]: (params: z.output<(typeof streamParams)[S]>, emit: (item: StreamItems[S]) => void, ctx: StreamContext) => () => void;
};

export interface ProtocolServerOptions {
  name: string;
  methods: MethodHandlers;
  streams: StreamHandlers;
  onError?: (e: unknown) => void;
  /**
   * Who is on the other end (default: the in-process host, for transports that never leave the
   * process): fixed, or an identity read at each call (a window that signs in and out on its channel).
   */
  caller?: Caller | ConnectionIdentity;
  /** Most open subscriptions one connection may hold (default MAX_SUBSCRIPTIONS). */
  maxSubscriptions?: number;
}

/**
 * Open subscriptions per connection. A console holds fewer than ten; each one is a copy of its
 * stream's traffic, so a client that subscribes hundreds of times multiplies what the core sends it.
 */
export const MAX_SUBSCRIPTIONS = 64;

export function serveConnection(transport: TextTransport, opts: ProtocolServerOptions): () => void {
  const running = new Map<number, AbortController>();
  const subscriptions = new Map<number, () => void>();
  const maxSubscriptions = opts.maxSubscriptions ?? MAX_SUBSCRIPTIONS;
  const given = opts.caller ?? SYSTEM_CALLER;
  const identity = 'caller' in given ? given : undefined;
  const callerNow = (): Caller => (identity ? identity.caller() : (given as Caller));
  let open = true;
  const send = (m: ServerMessage) => {
    if (!open) return;
    let frame: string;
    try {
      frame = JSON.stringify(m);
    } catch (e) {
      // A result that cannot be serialised (a cycle, a BigInt, too deep): the caller still gets an answer.
      opts.onError?.(e);
      if (m.t !== 'res' && m.t !== 'evt') return;
      frame = JSON.stringify({ t: 'err', id: m.id, error: { code: 'internal', message: `the ${m.t === 'res' ? 'result' : 'stream item'} could not be serialised: ${(e as Error)?.message ?? String(e)}` } } satisfies ServerMessage);
    }
    try {
      transport.send(frame);
    } catch (e) {
      opts.onError?.(e);
    }
  };
  const fail = (id: number | null, error: ProtocolError) => send({ t: 'err', id, error });

  send({ t: 'hello', protocol: PROTOCOL_VERSION, core: opts.name });

  // What was subscribed as one person is not streamed on to the next (or to a signed-out window): each
  // subscription ends with an error its client can act on (subscribe again, now as whoever acts).
  const offIdentity = identity?.onChange?.(() => {
    for (const [id, stop] of [...subscriptions]) {
      subscriptions.delete(id);
      try {
        stop();
      } catch (e) {
        opts.onError?.(e);
      }
      fail(id, { code: 'unauthorized', message: 'who acts on this connection changed (signed in, out or locked): subscribe again' });
    }
  });

  const offFrame = transport.onFrame((frame) => {
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) return fail(parsed.id, parsed.error);
    const msg = parsed.msg;
    switch (msg.t) {
      case 'req': {
        if (!Object.hasOwn(methodParams, msg.method)) return fail(msg.id, { code: 'unknown_method', message: `unknown method '${msg.method}'`, path: 'method' });
        if (running.has(msg.id)) return fail(msg.id, { code: 'bad_message', message: `request id ${msg.id} is already in use`, path: 'id' });
        const method = msg.method as MethodName;
        const p = methodParams[method].safeParse(msg.params);
        if (!p.success) {
          const d = describeIssues(p.error.issues, 'params');
          return fail(msg.id, { code: 'bad_params', message: `bad params for '${method}': ${d.message}`, path: d.path });
        }
        const ac = new AbortController();
        running.set(msg.id, ac);
        const ctx: CallContext = { signal: ac.signal, caller: callerNow(), ...(identity ? { identity } : {}), progress: (done, total, label) => send({ t: 'progress', id: msg.id, done, total, label }) };
        Promise.resolve()
          .then(() => (opts.methods[method] as (p: unknown, c: CallContext) => unknown)(p.data, ctx))
          .then(
            (result) => {
              if (ac.signal.aborted) return;
              send({ t: 'res', id: msg.id, result: result ?? null });
            },
            (e: unknown) => {
              if (ac.signal.aborted) return;
              if (e instanceof ProtocolFailure) fail(msg.id, { code: e.code, message: e.message, path: e.path });
              else {
                opts.onError?.(e);
                fail(msg.id, { code: 'internal', message: `'${method}' failed: ${(e as Error)?.message ?? String(e)}` });
              }
            },
          )
          .finally(() => running.delete(msg.id));
        return;
      }
      case 'cancel': {
        const ac = running.get(msg.id);
        if (!ac) return fail(msg.id, { code: 'not_found', message: `no running request with id ${msg.id}`, path: 'id' });
        ac.abort();
        running.delete(msg.id);
        return fail(msg.id, { code: 'cancelled', message: `request ${msg.id} was cancelled` });
      }
      case 'sub': {
        if (!Object.hasOwn(streamParams, msg.stream)) return fail(msg.id, { code: 'unknown_stream', message: `unknown stream '${msg.stream}'`, path: 'stream' });
        if (subscriptions.has(msg.id)) return fail(msg.id, { code: 'bad_message', message: `subscription id ${msg.id} is already in use`, path: 'id' });
        if (subscriptions.size >= maxSubscriptions)
          return fail(msg.id, { code: 'too_large', message: `this connection already holds ${subscriptions.size} subscriptions, the most one connection may hold: unsubscribe from one first` });
        const stream = msg.stream as StreamName;
        const p = streamParams[stream].safeParse(msg.params);
        if (!p.success) {
          const d = describeIssues(p.error.issues, 'params');
          return fail(msg.id, { code: 'bad_params', message: `bad params for stream '${stream}': ${d.message}`, path: d.path });
        }
        try {
          const stop = (opts.streams[stream] as (p: unknown, emit: (x: unknown) => void, c: StreamContext) => () => void)(p.data, (data) => send({ t: 'evt', id: msg.id, data }), { caller: callerNow() });
          subscriptions.set(msg.id, stop);
        } catch (e) {
          // A refusal (forbidden, bad params) is the subscriber's answer, not the core's fault.
          if (e instanceof ProtocolFailure) return fail(msg.id, { code: e.code, message: e.message, path: e.path });
          opts.onError?.(e);
          fail(msg.id, { code: 'internal', message: `stream '${stream}' failed to start: ${(e as Error).message}` });
        }
        return;
      }
      case 'unsub': {
        const stop = subscriptions.get(msg.id);
        if (!stop) return fail(msg.id, { code: 'not_found', message: `no subscription with id ${msg.id}`, path: 'id' });
        subscriptions.delete(msg.id);
        stop();
        send({ t: 'end', id: msg.id });
        return;
      }
    }
  });

  const shutdown = () => {
    if (!open) return;
    open = false;
    offFrame();
    offClose();
    offIdentity?.();
    running.forEach((ac) => ac.abort());
    running.clear();
    subscriptions.forEach((stop) => stop());
    subscriptions.clear();
  };
  const offClose = transport.onClose(shutdown);
  return shutdown;
}
