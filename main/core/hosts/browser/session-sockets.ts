/**
 * Open WebSockets whose caller came from a session, checked against the session store: a socket
 * acts as its session for as long as it is open, so it must not outlive it. When the session
 * ends (sign-out in another tab, `takt users disable|reset` from another process, expiry, a lock
 * that turns it into a display's) the socket is closed with SESSION_ENDED_CLOSE_CODE and a reason
 * that says what to do; the console then asks who it is and lands on the sign-in page.
 *
 * Checked on a short timer (the CLI ends sessions by rewriting the file from another process, and
 * expiry has no event), and at once when this process ends one (`check`).
 */
import type { WebSocket } from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from '../../../../shared/auth/caller';

export const SESSION_ENDED_REASON = 'the session has ended (signed out, expired, locked or disabled): sign in again';

export interface SessionSockets {
  /** Watches `ws` until it closes; it is closed once the session `hash` is no longer live. */
  add(ws: WebSocket, hash: string): void;
  /** Checks every watched socket now. */
  check(): void;
  close(): void;
}

/** What the watcher asks of the session store. */
export interface SessionLiveness {
  isLive(hash: string): boolean;
  /** Live, and used now: the socket carried the console's calls since the last check. */
  used(hash: string): boolean;
}

export function watchSessionSockets(sessions: () => SessionLiveness | null, everyMs = 1000): SessionSockets {
  const watched = new Map<WebSocket, { hash: string; active: boolean }>();
  const check = () => {
    const store = sessions();
    if (!store) return;
    for (const [ws, w] of watched) {
      // Calls on the socket are use: a console worked through it is not idle, though it makes no HTTP request.
      const live = w.active ? store.used(w.hash) : store.isLive(w.hash);
      w.active = false;
      if (live) continue;
      watched.delete(ws);
      ws.close(SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_REASON);
      // A peer that does not answer the close handshake is cut off.
      setTimeout(() => ws.terminate(), 2000).unref();
    }
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return {
    add(ws, hash) {
      const w = { hash, active: false };
      watched.set(ws, w);
      ws.on('message', () => (w.active = true));
      ws.once('close', () => watched.delete(ws));
    },
    check,
    close() {
      clearInterval(timer);
      watched.clear();
    },
  };
}
