/**
 * The console's link to the core. Chooses the transport by shell (`window.takt` set by the
 * Electron preload → MessagePort; otherwise a WebSocket to `/ws` on the page's host), makes one
 * ProtocolClient per live transport, reconnects the WebSocket with exponential backoff and
 * publishes a small state for the header. Lives outside React; React reads it through
 * useSyncExternalStore (see ClientContext).
 */
import { ProtocolClient } from '../../../shared/protocol/client';
import type { TextTransport } from '../../../shared/protocol/transport';
import { defaultWebSocketUrl, openWebSocket, webSocketTransport } from './websocket';
import { messagePortTransport, waitForElectronPort } from './messageport';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  shell: 'browser' | 'electron';
  /** Failed attempts since the last open connection. */
  attempt: number;
  /** Wall-clock time of the next retry while reconnecting. */
  retryAt: number | null;
  /** Last problem, in words, for the header's tooltip. */
  error: string | null;
  /** The ProtocolClient of the open connection (null when not open). */
  client: ProtocolClient | null;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1 share of random spread so many consoles do not retry in step. */
  jitter: number;
}

/**
 * Capped at 4 s (4.8 s with the jitter): a console is back within 5 s of its core coming back,
 * however long the core was away (the soak checks it after every restart).
 */
export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 4000, factor: 2, jitter: 0.2 };

/** Delay before retry number `attempt` (1-based). Pure, for tests. */
export function backoffDelay(attempt: number, o: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - o.jitter + 2 * o.jitter * random()));
}

export interface ConnectionOptions {
  /** Makes a transport; defaults to the shell's. */
  open?: () => Promise<TextTransport>;
  shell?: 'browser' | 'electron';
  /** Reconnect after a close (browser mode only by default: Electron's port is handed over once). */
  reconnect?: boolean;
  backoff?: BackoffOptions;
}

export class Connection {
  private state: ConnectionState;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly openTransport: () => Promise<TextTransport>;
  private readonly reconnect: boolean;
  private readonly backoff: BackoffOptions;

  constructor(opts: ConnectionOptions = {}) {
    const shell = opts.shell ?? (typeof window !== 'undefined' && window.takt?.shell === 'electron' ? 'electron' : 'browser');
    this.openTransport =
      opts.open ??
      (shell === 'electron'
        ? async () => messagePortTransport(await waitForElectronPort())
        : async () => webSocketTransport(await openWebSocket(defaultWebSocketUrl())));
    this.reconnect = opts.reconnect ?? shell === 'browser';
    this.backoff = opts.backoff ?? defaultBackoff;
    this.state = { status: 'connecting', shell, attempt: 0, retryAt: null, error: null, client: null };
  }

  start(): this {
    void this.attemptOpen();
    return this;
  }

  getState = (): ConnectionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Retry now (the header's "retry" button). */
  retryNow(): void {
    if (this.state.status !== 'reconnecting' && this.state.status !== 'closed') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopped = false;
    void this.attemptOpen();
  }

  /**
   * A fresh connection now (the console's person changed: the core takes who acts from the
   * connection's session, so the old socket would go on acting as the one before).
   */
  renew(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.state.client;
    this.set({ status: 'connecting', client: null, attempt: 0, error: null, retryAt: null });
    closeClient(c);
    void this.attemptOpen();
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.state.client;
    this.set({ status: 'closed', client: null, retryAt: null });
    closeClient(c);
  }

  private set(patch: Partial<ConnectionState>) {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  private async attemptOpen() {
    if (this.stopped) return;
    this.set({ status: this.state.attempt === 0 && !this.state.error ? 'connecting' : 'reconnecting', retryAt: null });
    let transport: TextTransport;
    try {
      transport = await this.openTransport();
    } catch (e) {
      this.failed((e as Error).message);
      return;
    }
    if (this.stopped) {
      transport.close();
      return;
    }
    const client = new ProtocolClient(transport);
    clients.set(client, transport);
    client.onClose(() => {
      if (this.state.client !== client) return;
      this.failed('the connection to the core closed');
    });
    this.set({ status: 'open', attempt: 0, error: null, client });
  }

  private failed(error: string) {
    if (this.stopped) return;
    if (!this.reconnect) {
      this.set({ status: 'closed', client: null, error, retryAt: null });
      return;
    }
    const attempt = this.state.attempt + 1;
    const delay = backoffDelay(attempt, this.backoff);
    this.set({ status: 'reconnecting', client: null, error, attempt, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attemptOpen();
    }, delay);
  }
}

const clients = new WeakMap<ProtocolClient, TextTransport>();
function closeClient(c: ProtocolClient | null) {
  if (c) clients.get(c)?.close();
}
