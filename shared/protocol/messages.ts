/**
 * Wire envelope of the one typed protocol between the plant core and its consoles.
 * The same frames travel over a WebSocket (browser mode) and a MessagePort (Electron);
 * both carry JSON text so one runtime validator guards both.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

const id = z.number().int().nonnegative().max(2 ** 31);

export const clientMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id, method: z.string().min(1).max(120), params: z.unknown().optional() }).strict(),
  z.object({ t: z.literal('sub'), id, stream: z.string().min(1).max(120), params: z.unknown().optional() }).strict(),
  z.object({ t: z.literal('unsub'), id }).strict(),
  z.object({ t: z.literal('cancel'), id }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** Error codes a client can branch on; the message is for people. */
export type ErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'unknown_method'
  | 'unknown_stream'
  | 'bad_params'
  | 'not_found'
  | 'conflict'
  | 'cancelled'
  | 'too_large'
  /** The core cannot do it now (e.g. its journal's disk is full); the same call may succeed later. */
  | 'unavailable'
  /** The caller may not do this (its role, or its token's scopes); the message names the permission. */
  | 'forbidden'
  /** Signing in failed (wrong user name or password, a disabled or locked account); the message says what to do. */
  | 'unauthorized'
  | 'internal';

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** Where in the message or params the problem is, e.g. `params.lineId`. */
  path?: string;
}

export type ServerMessage =
  | { t: 'hello'; protocol: number; core: string }
  /** Reply to `req`. */
  | { t: 'res'; id: number; result: unknown }
  /** Error reply to `req`/`sub`, or to an unparseable frame (`id: null`). */
  | { t: 'err'; id: number | null; error: ProtocolError }
  /** One item of the stream opened by `sub` with this id. */
  | { t: 'evt'; id: number; data: unknown }
  /** Progress of a long request (`req`) with this id. */
  | { t: 'progress'; id: number; done: number; total: number; label?: string }
  /** The stream opened by `sub` with this id has ended. */
  | { t: 'end'; id: number };

/** Largest frame the core accepts; bigger frames are rejected, never parsed. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a frame may have. Real frames are a few levels deep; a
 * value nested thousands deep would overflow the stack of whatever walks it later (echoing it back,
 * validating it), so it is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests arrays/objects deeper than `max` (brackets inside strings do not count). One pass, no recursion. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Turns zod issues into one readable line naming the path. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix = ''): { message: string; path?: string } {
  const first = issues[0];
  const path = first ? [prefix, ...first.path.map(String)].filter(Boolean).join('.') : prefix || undefined;
  const message = issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { message: issues.length > 5 ? `${message}; and ${issues.length - 5} more` : message, path };
}

/** Parses one text frame from a client. Never throws. */
export function parseClientFrame(text: unknown): { ok: true; msg: ClientMessage } | { ok: false; id: number | null; error: ProtocolError } {
  if (typeof text !== 'string') return { ok: false, id: null, error: { code: 'bad_message', message: 'frames must be JSON text' } };
  if (text.length > MAX_FRAME_BYTES) return { ok: false, id: null, error: { code: 'too_large', message: `frame of ${text.length} bytes exceeds ${MAX_FRAME_BYTES}` } };
  if (jsonTooDeep(text)) return { ok: false, id: null, error: { code: 'bad_message', message: `frame nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels` } };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, error: { code: 'bad_json', message: `frame is not JSON: ${(e as Error).message}` } };
  }
  const parsed = clientMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const rawId = (raw as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'number' && Number.isInteger(rawId) ? rawId : null;
    const d = describeIssues(parsed.error.issues);
    return { ok: false, id, error: { code: 'bad_message', message: `malformed message: ${d.message}`, path: d.path } };
  }
  return { ok: true, msg: parsed.data };
}
