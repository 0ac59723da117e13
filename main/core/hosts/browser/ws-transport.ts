import { WebSocket } from 'ws';
import type { TextTransport } from '../../../../shared/protocol/transport';
import { ProtocolClient } from '../../../../shared/protocol/client';
import { MAX_FRAME_BYTES } from '../../../../shared/protocol/messages';

/**
 * Most bytes a connection may have queued and not yet taken by its client (ws `bufferedAmount`).
 * A console that keeps up has almost nothing queued; one that stops reading would otherwise make
 * the core hold every frame it is sent, without bound.
 */
export const WS_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Close code for a dropped slow consumer (RFC 6455 1008: policy violation). */
export const WS_CLOSE_SLOW_CONSUMER = 1008;
/** How long a dropped client has to take its close frame before the socket is cut. */
const SLOW_CLOSE_GRACE_MS = 1000;

export interface WsTransportOptions {
  /** Default WS_MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number;
  /** Told when the connection is dropped for not reading (for the log). */
  onSlowConsumer?: (queuedBytes: number) => void;
}

/**
 * Wraps a WebSocket (server or client side) as a TextTransport. Binary frames are passed on as text
 * so the protocol layer rejects them with a reason. A peer that lets more than `maxQueuedBytes` pile
 * up unsent is told why (close code 1008 with a reason) and dropped: its subscriptions end with the
 * connection and their queued frames are freed; it may reconnect and subscribe again (the streams
 * start from a fresh view).
 */
export function wsTransport(ws: WebSocket, opts: WsTransportOptions = {}): TextTransport {
  const maxQueued = opts.maxQueuedBytes ?? WS_MAX_QUEUED_BYTES;
  return {
    send(frame) {
      if (ws.readyState !== ws.OPEN) return;
      const queued = ws.bufferedAmount;
      if (queued > maxQueued) {
        opts.onSlowConsumer?.(queued);
        ws.close(WS_CLOSE_SLOW_CONSUMER, `too slow: ${queued} bytes unsent (limit ${maxQueued}); reconnect and subscribe again`);
        // A client that does not read will not read the close frame either: cut it after a grace period.
        setTimeout(() => ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
        return;
      }
      ws.send(frame);
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

/** How a program signs in to a core's `/ws`: an API token, or a session cookie's value. */
export type ClientCredential = { token: string } | { session: string };

/** The handshake headers of a credential. */
export function credentialHeaders(c: ClientCredential | undefined): Record<string, string> {
  if (!c) return {};
  return 'token' in c ? { authorization: `Bearer ${c.token}` } : { cookie: `takt_session=${c.session}` };
}

/** Connects to a core's `/ws` as a protocol client (`takt import`, tests, benchmarks), signed in with `credential`. */
export async function connectProtocolClient(url: string, timeoutMs = 5000, credential?: ClientCredential): Promise<ProtocolClient & { close(): void }> {
  // No maxPayload cap here: answers (a twin view, a timeline, a PDF) may exceed the core's inbound frame limit.
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, headers: credentialHeaders(credential) });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    // A refused handshake (401: no or a wrong credential) says so, with the core's reason.
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(new Error(`the core refused the connection (${res.statusCode}): ${body.trim() || res.statusMessage}`)));
    });
    ws.once('error', reject);
  });
  return Object.assign(new ProtocolClient(wsTransport(ws)), { close: () => ws.close() });
}
