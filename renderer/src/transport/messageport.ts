/**
 * TextTransport over a MessagePort (Electron: the preload hands the core's port to the page with
 * `window.postMessage({ type: 'takt:port' }, '*', [port])`).
 */
import type { TextTransport } from '../../../shared/protocol/transport';

export function messagePortTransport(port: MessagePort): TextTransport {
  const frames = new Set<(f: string) => void>();
  const closes = new Set<() => void>();
  let closed = false;
  const fireClose = () => {
    if (closed) return;
    closed = true;
    closes.forEach((h) => h());
  };
  port.onmessage = (e: MessageEvent) => {
    if (typeof e.data === 'string') frames.forEach((h) => h(e.data as string));
  };
  // Chromium 123+ fires 'close' on a MessagePort whose peer went away.
  port.addEventListener('close', fireClose);
  port.start();
  return {
    send(frame) {
      if (closed) throw new Error('the port to the core is closed');
      port.postMessage(frame);
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
      port.close();
      fireClose();
    },
  };
}

let early: Promise<MessagePort> | null = null;

/**
 * Resolves with the port the preload posts. Call it as early as possible (main.tsx does, at module
 * load) so the message is not missed; later calls share the same promise.
 */
export function waitForElectronPort(timeoutMs = 10_000): Promise<MessagePort> {
  early ??= new Promise<MessagePort>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Electron preload did not hand over the core's port within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== window || (e.data as { type?: unknown } | null)?.type !== 'takt:port' || !e.ports[0]) return;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      resolve(e.ports[0]);
    };
    window.addEventListener('message', onMessage);
  });
  return early;
}
