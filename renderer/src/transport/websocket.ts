/**
 * TextTransport over a browser WebSocket (browser mode). One instance per socket; reconnecting is
 * the Connection's job (a fresh socket and a fresh ProtocolClient per attempt), because the core
 * forgets a connection's requests and streams when its socket closes.
 */
import type { TextTransport } from '../../../shared/protocol/transport';
import { SESSION_ENDED_CLOSE_CODE } from '../../../shared/auth/caller';

const sessionEndedListeners = new Set<() => void>();
/**
 * Called when the core closes a socket because its session ended (signed out in another tab,
 * disabled, expired): reconnecting would only be refused, so the console asks who it is instead.
 */
export function onSessionEnded(l: () => void): () => void {
  sessionEndedListeners.add(l);
  return () => sessionEndedListeners.delete(l);
}

export function webSocketTransport(ws: WebSocket): TextTransport {
  const frames = new Set<(f: string) => void>();
  const closes = new Set<() => void>();
  let closed = false;
  const fireClose = () => {
    if (closed) return;
    closed = true;
    closes.forEach((h) => h());
  };
  ws.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data === 'string') frames.forEach((h) => h(e.data as string));
  });
  ws.addEventListener('close', (e: CloseEvent) => {
    fireClose();
    if (e.code === SESSION_ENDED_CLOSE_CODE) sessionEndedListeners.forEach((l) => l());
  });
  ws.addEventListener('error', fireClose);
  return {
    send(frame) {
      if (closed || ws.readyState !== WebSocket.OPEN) throw new Error('the WebSocket to the core is not open');
      ws.send(frame);
    },
    onFrame(h) {
      frames.add(h);
      return () => frames.delete(h);
    },
    onClose(h) {
      closes.add(h);
      return () => closes.delete(h);
    },
    close() {
      ws.close(1000, 'console closed');
      fireClose();
    },
  };
}

/** `ws(s)://<host>/ws` for the page's own origin. */
export function defaultWebSocketUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

/** Opens a socket and resolves once it is open (rejects on error/close before open, or timeout). */
export function openWebSocket(url: string, timeoutMs = 5000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`no answer from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = () => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${url}`));
    };
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      ws.removeEventListener('error', fail);
      ws.removeEventListener('close', fail);
      resolve(ws);
    });
    ws.addEventListener('error', fail);
    ws.addEventListener('close', fail);
  });
}
