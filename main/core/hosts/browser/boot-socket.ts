/**
 * A console's WebSocket in browser mode while the core boots.
 *
 * The socket is accepted at once. Until the core is up, its frames are held and replayed to the
 * core, in order, once it is (a console sends its first requests the moment the socket opens).
 * One request is answered before: `plant.get`, from the plant file that was checked before the URL
 * was announced. The plant is the floor's layout, not live state, so a console builds its floor
 * (areas, lines, machines, labels: a few hundred milliseconds on a slow PC) while the core boots,
 * and only the live view waits for the core. A small protocol server (the same `serveConnection`,
 * with that one method) answers it and says hello; the core's own hello is then not sent again, so
 * a client sees one hello per connection as before.
 */
import type { WebSocket } from 'ws';
import type { Plant } from '../../../../shared/plant/schema';
import { serveConnection, type MethodHandlers, type StreamHandlers } from '../../../../shared/protocol/server';
import type { TextTransport } from '../../../../shared/protocol/transport';
import type { TaktCore } from '../../core';
import type { Caller } from '../../../../shared/auth/caller';
import { wsTransport } from './ws-transport';

/** What a console can be answered from before the core is up. */
export interface EarlyAnswers {
  /** The core's name, as its hello gives it. */
  name: string;
  plant: Plant;
  /** Called after each early answer (browser mode's start-up gate waits for the first). */
  answered?(): void;
}

type Frame = [Buffer | ArrayBuffer | Buffer[], boolean];

/** Most bytes of frames held for one socket while the core boots (a console sends a few small requests). */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;

const sizeOf = (data: Frame[0]) => (Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength);

const text = (data: Frame[0]) => (Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));

/** Longest close reason a WebSocket close frame carries, in UTF-8 bytes (RFC 6455: 125 less the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` cut to what a close frame carries, by UTF-8 bytes and on a character boundary (ws throws past it). */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let bytes = 0;
  for (const ch of reason) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX_CLOSE_REASON_BYTES - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/** A request frame for `plant.get` (anything else, malformed frames included, is the core's to answer). */
function isPlantRequest(frame: string): boolean {
  if (!frame.includes('"plant.get"')) return false;
  try {
    const m = JSON.parse(frame) as { t?: unknown; method?: unknown };
    return m.t === 'req' && m.method === 'plant.get';
  } catch {
    return false;
  }
}

/** The answers' server on `ws`, fed only the frames handed to `frame`. */
function earlyServer(ws: WebSocket, early: EarlyAnswers) {
  let handler: ((frame: string) => void) | null = null;
  const t: TextTransport = {
    send(frame) {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    onFrame(h) {
      handler = h;
      return () => (handler = null);
    },
    onClose(h) {
      ws.on('close', h);
      return () => ws.off('close', h);
    },
    close() {
      ws.close();
    },
  };
  // Only plant.get ever reaches it (see isPlantRequest), so the other handlers are never looked up.
  const methods = {
    'plant.get': () => {
      // After this frame is sent: the gate may let the boot take the thread right away.
      if (early.answered) setImmediate(early.answered);
      return early.plant;
    },
  } as Partial<MethodHandlers> as MethodHandlers;
  const stop = serveConnection(t, { name: early.name, methods, streams: {} as StreamHandlers });
  return { frame: (f: string) => handler?.(f), stop };
}

/** `t` without the first frame when that is a hello (the client has had one). */
function withoutHello(t: TextTransport): TextTransport {
  let first = true;
  return {
    ...t,
    send(frame) {
      if (first) {
        first = false;
        if (frame.startsWith('{"t":"hello"')) return;
      }
      t.send(frame);
    },
  };
}

/**
 * Hands a socket to the core once it is up; until then holds its frames, answering `plant.get`
 * from `early` when given (null: the plant is not checked yet, everything waits).
 */
export function attachWhenReady(ws: WebSocket, ready: Promise<{ core: TaktCore }>, early: EarlyAnswers | null, caller: Caller): void {
  const held: Frame[] = [];
  let heldBytes = 0;
  const answers = early ? earlyServer(ws, early) : null;
  // plant.get is answered early once: its answer (the whole plant) is sent without waiting for the
  // client to read, so a client repeating it would queue plants in memory. Repeats wait for the core,
  // counted against the held bytes like any frame.
  let plantAnswered = false;
  const onMessage = (data: Frame[0], isBinary: boolean) => {
    if (answers && !isBinary && !plantAnswered) {
      const frame = text(data);
      if (isPlantRequest(frame)) {
        plantAnswered = true;
        return answers.frame(frame);
      }
    }
    heldBytes += sizeOf(data);
    if (heldBytes > MAX_HELD_BYTES) {
      held.length = 0;
      ws.off('message', onMessage);
      ws.close(1008, closeReason(`more than ${MAX_HELD_BYTES} bytes sent before the core was up; reconnect`));
      return;
    }
    held.push([data, isBinary]);
  };
  ws.on('message', onMessage);
  ready.then(
    ({ core }) => {
      ws.off('message', onMessage);
      answers?.stop();
      if (ws.readyState !== ws.OPEN) return;
      core.connect(answers ? withoutHello(wsTransport(ws)) : wsTransport(ws), caller);
      for (const [data, isBinary] of held) ws.emit('message', data, isBinary);
    },
    (e: Error) => {
      answers?.stop();
      ws.close(1011, closeReason(`the plant core failed to start: ${String(e?.message ?? e)}`));
    },
  );
}
