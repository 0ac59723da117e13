import { WebSocket } from 'ws';
import type { TextTransport } from '../../../../shared/protocol/transport';
import { ProtocolClient } from '../../../../shared/protocol/client';
import { MAX_FRAME_BYTES } from '../../../../shared/protocol/messages';

/** Wraps a WebSocket (server or client side) as a TextTransport. Binary frames are passed on as text so the protocol layer rejects them with a reason. */
export function wsTransport(ws: WebSocket): TextTransport {
  return {
    send(frame) {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    onFrame(h) {
      const l = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        h(isBinary ? `\u0000binary frame of ${text.length} bytes` : text);
      };
      ws.on('message', l);
      return () => ws.off('message', l);
    },
    onClose(h) {
      ws.on('close', h);
      return () => ws.off('close', h);
    },
    close() {
      ws.close();
    },
  };
}

export const WS_MAX_PAYLOAD = MAX_FRAME_BYTES + 1024;

/** Connects to a core's `/ws` as a protocol client (`takt import`, tests, benchmarks). */
export async function connectProtocolClient(url: string, timeoutMs = 5000): Promise<ProtocolClient & { close(): void }> {
  // No maxPayload cap here: answers (a twin view, a timeline, a PDF) may exceed the core's inbound frame limit.
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return Object.assign(new ProtocolClient(wsTransport(ws)), { close: () => ws.close() });
}
