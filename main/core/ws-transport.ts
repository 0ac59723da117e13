import type { WebSocket } from 'ws';
import type { TextTransport } from '../../shared/protocol/transport';
import { MAX_FRAME_BYTES } from '../../shared/protocol/messages';

/** Wraps a server-side WebSocket as a TextTransport. Binary frames are passed on as text so the protocol layer rejects them with a reason. */
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
