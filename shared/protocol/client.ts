/**
 * The console side of the protocol: typed requests, streams with unsubscribe, cancellation and
 * progress. Runs in the renderer, in tests and in Node tools alike.
 */
import type { ProtocolError, ServerMessage } from './messages';
import type { MethodName, MethodResults, ParamsOf, StreamItems, StreamName, StreamParamsOf } from './api';
import type { TextTransport } from './transport';

export class RemoteError extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
    this.name = 'RemoteError';
  }
  get code() {
    return this.error.code;
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label?: string) => void;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: CallOptions['onProgress'];
}

export class ProtocolClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private streams = new Map<number, (item: unknown) => void>();
  private closed = false;
  private readonly closeHandlers = new Set<() => void>();
  /** Errors the core sent without a request id (unparseable frames). */
  readonly orphanErrors: ProtocolError[] = [];
  hello: { protocol: number; core: string } | null = null;

  constructor(private readonly transport: TextTransport) {
    transport.onFrame((f) => this.receive(f));
    transport.onClose(() => {
      this.closed = true;
      const err = new RemoteError({ code: 'internal', message: 'connection to the core closed' });
      this.pending.forEach((p) => p.reject(err));
      this.pending.clear();
      this.streams.clear();
      this.closeHandlers.forEach((h) => h());
    });
  }

  onClose(h: () => void): () => void {
    this.closeHandlers.add(h);
    return () => this.closeHandlers.delete(h);
  }

  get isClosed() {
    return this.closed;
  }

  call<M extends MethodName>(method: M, params?: ParamsOf<M>, opts: CallOptions = {}): Promise<MethodResults[M]> {
    if (this.closed) return Promise.reject(new RemoteError({ code: 'internal', message: 'connection to the core is closed' }));
    const id = this.nextId++;
    return new Promise<MethodResults[M]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress });
      if (opts.signal) {
        if (opts.signal.aborted) {
          this.pending.delete(id);
          return reject(new RemoteError({ code: 'cancelled', message: 'cancelled before it was sent' }));
        }
        opts.signal.addEventListener('abort', () => {
          if (!this.pending.has(id)) return;
          this.transport.send(JSON.stringify({ t: 'cancel', id }));
        });
      }
      this.transport.send(JSON.stringify(params === undefined ? { t: 'req', id, method } : { t: 'req', id, method, params }));
    });
  }

  /** Opens a stream; returns the unsubscribe. */
  subscribe<S extends StreamName>(stream: S, onItem: (item: StreamItems[S]) => void, params?: StreamParamsOf<S>, onError?: (e: RemoteError) => void): () => void {
    const id = this.nextId++;
    this.streams.set(id, onItem as (item: unknown) => void);
    if (onError) this.pending.set(id, { resolve: () => undefined, reject: (e) => onError(e as RemoteError) });
    this.transport.send(JSON.stringify(params === undefined ? { t: 'sub', id, stream } : { t: 'sub', id, stream, params }));
    return () => {
      if (!this.streams.delete(id)) return;
      this.pending.delete(id);
      if (!this.closed) this.transport.send(JSON.stringify({ t: 'unsub', id }));
    };
  }

  private receive(frame: string) {
    let m: ServerMessage;
    try {
      m = JSON.parse(frame) as ServerMessage;
    } catch {
      return;
    }
    switch (m.t) {
      case 'hello':
        this.hello = { protocol: m.protocol, core: m.core };
        return;
      case 'res': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.result);
        return;
      }
      case 'err': {
        if (m.id === null) {
          this.orphanErrors.push(m.error);
          return;
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        this.streams.delete(m.id);
        p?.reject(new RemoteError(m.error));
        return;
      }
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.done, m.total, m.label);
        return;
      case 'evt':
        this.streams.get(m.id)?.(m.data);
        return;
      case 'end':
        this.streams.delete(m.id);
        return;
    }
  }
}
