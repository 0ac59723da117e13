/**
 * Takt's HTTP API for integrations (mounted by browser mode, so headless `takt serve` has it too):
 * exceptions, decisions and actions to read; acknowledge/complete actions; POST /api/signals, the
 * ERP/MES webhook entry, with the same validation and IngestResult as `signals.ingest`. Every call
 * goes through the protocol's method table with the protocol's zod params, so the HTTP API cannot
 * accept what the protocol would refuse. Errors are JSON `{error:{code,message,path}}` with the
 * HTTP status of the protocol code (400 bad params, 404 unknown id, 409 illegal transition,
 * 413 too large, 401 webhook credentials, 403 a token without the scope). Documented at GET
 * /api/openapi.json. Browser mode answers a mutating call from another web page (403) or without a
 * JSON content type (415) before it gets here (request-policy.ts), and one without a session or an
 * API token (401), except `GET /api/health` and a webhook post with its own credentials.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { methodParams, type MethodName, type MethodResults, type ParamsOf } from '../../../../shared/protocol/api';
import { describeIssues, jsonTooDeep, MAX_JSON_DEPTH, type ErrorCode } from '../../../../shared/protocol/messages';
import { ProtocolFailure, type CallContext, type MethodHandlers } from '../../../../shared/protocol/server';
import type { Caller, TokenScope } from '../../../../shared/auth/caller';
import { openApiDocument } from './openapi';
import type { CoreHealth } from '../../core';

/** Largest request body (a batch of 10,000 signals fits). */
export const HTTP_MAX_BODY = 8 * 1024 * 1024;
/** How long a client that sent too much may go on sending (discarded) before its connection is cut. */
const LIMIT_GRACE_MS = 5000;

/** The caller of a `POST /api/signals` that proved itself with the webhook's token or HMAC (not a session or an API token). */
export const WEBHOOK_CALLER: Caller = Object.freeze({ kind: 'token', tokenId: 'webhook', name: 'webhook', scopes: ['ingest'] as const });

/** Who may call an API route without a session or token: only health, and the webhook with its own credentials. */
export function openApiRoute(method: string, path: string, webhookConfigured: boolean): 'health' | 'webhook' | null {
  const p = path.replace(/\/+$/, '');
  if (p === '/api/health' && (method === 'GET' || method === 'HEAD')) return 'health';
  if (p === '/api/signals' && method === 'POST' && webhookConfigured) return 'webhook';
  return null;
}

export interface HttpApiOptions {
  methods: MethodHandlers;
  health: () => CoreHealth;
  version: string;
  /** Shared token for POST /api/signals (`Authorization: Bearer <token>`). */
  webhookToken?: string;
  /** HMAC-SHA256 secret for POST /api/signals (`X-Takt-Signature: sha256=<hex of the raw body>`). */
  webhookSecret?: string;
  log?: (line: string) => void;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const STATUS: Record<ErrorCode, number> = {
  bad_json: 400,
  bad_message: 400,
  bad_params: 400,
  unknown_method: 404,
  unknown_stream: 404,
  not_found: 404,
  conflict: 409,
  cancelled: 409,
  too_large: 413,
  unavailable: 503,
  forbidden: 403,
  unauthorized: 401,
  internal: 500,
};

/** Calls a protocol method with the protocol's validation (params parsed by its zod schema). */
export async function callMethod<M extends MethodName>(methods: MethodHandlers, method: M, params: ParamsOf<M> | undefined, caller: Caller): Promise<MethodResults[M]> {
  const p = methodParams[method].safeParse(params);
  if (!p.success) {
    const d = describeIssues(p.error.issues, '');
    throw new ProtocolFailure('bad_params', `bad request for '${method}': ${d.message}`, d.path?.replace(/^\./, ''));
  }
  const ac = new AbortController();
  const handler = methods[method] as (p: unknown, c: CallContext) => MethodResults[M] | Promise<MethodResults[M]>;
  return handler(p.data, { signal: ac.signal, caller, progress: () => undefined });
}

/**
 * The body, at most HTTP_MAX_BODY bytes. Over the limit (declared, or counted on a chunked body) the
 * request is answered 413 and the rest of the body is read and thrown away rather than the socket
 * reset, so the client reads the answer instead of a connection error; a sender that keeps going
 * past LIMIT_GRACE_MS is cut off.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (e: HttpFailure) => {
      reject(e);
      req.removeAllListeners('data');
      req.resume();
      const cut = setTimeout(() => req.destroy(), LIMIT_GRACE_MS);
      cut.unref();
      req.once('end', () => clearTimeout(cut));
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > HTTP_MAX_BODY) return tooLarge(new HttpFailure(413, 'too_large', `the body is ${declared} bytes; the limit is ${HTTP_MAX_BODY}`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > HTTP_MAX_BODY) {
        chunks.length = 0;
        tooLarge(new HttpFailure(413, 'too_large', `the body is over the limit of ${HTTP_MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpFailure(400, 'bad_json', 'the request needs a JSON body');
  const text = body.toString('utf8');
  if (jsonTooDeep(text)) throw new HttpFailure(400, 'bad_json', `the body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpFailure(400, 'bad_json', `the body is not JSON: ${(e as Error).message}`);
  }
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function checkWebhook(req: IncomingMessage, body: Buffer, o: HttpApiOptions) {
  if (!o.webhookToken && !o.webhookSecret) return;
  const auth = req.headers['authorization'];
  if (o.webhookToken && typeof auth === 'string' && auth.startsWith('Bearer ') && same(auth.slice(7), o.webhookToken)) return;
  const sig = req.headers['x-takt-signature'];
  if (o.webhookSecret && typeof sig === 'string') {
    const want = `sha256=${createHmac('sha256', o.webhookSecret).update(body).digest('hex')}`;
    if (same(sig.toLowerCase(), want)) return;
    throw new HttpFailure(401, 'unauthorized', 'X-Takt-Signature does not match the HMAC-SHA256 of the body', 'headers.x-takt-signature');
  }
  const wants = [o.webhookToken ? "'Authorization: Bearer <token>'" : '', o.webhookSecret ? "'X-Takt-Signature: sha256=<hex HMAC-SHA256 of the body>'" : ''].filter(Boolean).join(' or ');
  throw new HttpFailure(401, 'unauthorized', `POST /api/signals needs ${wants}${auth ? ' (the token does not match)' : ''}`, 'headers.authorization');
}

/** Returns a request handler for `caller` (authenticated by browser mode): true when it handled the request (paths under /api/). */
export function createHttpApi(o: HttpApiOptions): (req: IncomingMessage, res: ServerResponse, caller: Caller) => boolean {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.headersSent) return;
    // A refused body that is still arriving: the answer closes the connection (the rest is discarded).
    const closing = status === 413 ? { connection: 'close' } : {};
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...closing }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, e: unknown) => {
    if (e instanceof HttpFailure) return send(res, e.status, { error: { code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) } });
    if (e instanceof ProtocolFailure) return send(res, STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) } });
    o.log?.(`http api: ${(e as Error)?.stack ?? e}`);
    return send(res, 500, { error: { code: 'internal', message: `internal error: ${(e as Error)?.message ?? String(e)}` } });
  };
  /** An API token may do only what its scopes say (a person's permissions are the core's to check). */
  const needScope = (caller: Caller, scope: TokenScope, what: string) => {
    if (caller.kind === 'token' && !caller.scopes.includes(scope)) {
      throw new HttpFailure(403, 'forbidden', `the token '${caller.name}' may not ${what}: it needs the '${scope}' scope (takt tokens create --scopes ${scope})`, 'headers.authorization');
    }
  };
  const list = (q: URLSearchParams, name: string) => {
    const v = q.getAll(name).flatMap((x) => x.split(',')).filter(Boolean);
    return v.length ? v : undefined;
  };
  const one = (q: URLSearchParams, name: string) => q.get(name) ?? undefined;

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller): Promise<void> {
    const call = <M extends MethodName>(m: M, p: ParamsOf<M> | undefined) => callMethod(o.methods, m, p, caller);
    const path = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    let seg: string[];
    try {
      seg = path.split('/').slice(2).map(decodeURIComponent); // after '', 'api'
    } catch {
      throw new HttpFailure(400, 'bad_path', `the path ${path} has a malformed percent-encoding (%XX with XX hexadecimal, UTF-8 as a whole)`);
    }
    const get = method === 'GET' || method === 'HEAD';
    if (get && seg[0] !== 'health' && seg[0] !== 'openapi.json') needScope(caller, 'read', `read ${path}`);
    const wrongMethod = (allowed: string) => {
      res.setHeader('allow', allowed);
      throw new HttpFailure(405, 'method_not_allowed', `${method} is not allowed on ${path} (allowed: ${allowed})`);
    };
    switch (seg[0]) {
      case 'openapi.json':
        if (!get) wrongMethod('GET');
        return send(res, 200, openApiDocument(o.version));
      case 'health':
        if (!get) wrongMethod('GET');
        return send(res, 200, o.health());
      case 'exceptions': {
        if (!get) wrongMethod('GET');
        if (seg.length === 1) {
          const lineId = one(q, 'lineId');
          const includeClosed = q.get('includeClosed') === 'true';
          return send(res, 200, await call('exceptions.list', { filter: { ...(lineId ? { lineId } : {}), ...(includeClosed ? { includeClosed } : {}) } }));
        }
        if (seg.length === 2) return send(res, 200, await call('exceptions.get', { id: seg[1]! }));
        break;
      }
      case 'decisions': {
        if (!get) wrongMethod('GET');
        if (seg.length === 1) {
          const statuses = list(q, 'status');
          const exceptionId = one(q, 'exceptionId');
          return send(res, 200, await call('decisions.list', { ...(statuses ? { statuses: statuses as never } : {}), ...(exceptionId ? { exceptionId } : {}) }));
        }
        if (seg.length === 2) return send(res, 200, await call('decisions.get', { id: seg[1]! }));
        break;
      }
      case 'actions': {
        if (seg.length === 1) {
          if (!get) wrongMethod('GET');
          const statuses = list(q, 'status');
          const f = { ownerId: one(q, 'ownerId'), role: one(q, 'role'), decisionId: one(q, 'decisionId'), lineId: one(q, 'lineId') };
          const params = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
          return send(res, 200, await call('actions.list', { ...params, ...(statuses ? { statuses } : {}) } as never));
        }
        if (seg.length === 2) {
          if (!get) wrongMethod('GET');
          return send(res, 200, await call('actions.get', { id: seg[1]! }));
        }
        if (seg.length === 3 && (seg[2] === 'acknowledge' || seg[2] === 'complete')) {
          if (method !== 'POST') wrongMethod('POST');
          needScope(caller, 'actions', `move actions`);
          const body = parseJson(await readBody(req));
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpFailure(400, 'bad_params', 'the body must be an object {comment?, by?}', 'body');
          const extra = Object.keys(body).filter((k) => k !== 'by' && k !== 'comment');
          if (extra.length) throw new HttpFailure(400, 'bad_params', `unknown field '${extra[0]}' (the body is {comment?, by?}; who acts is the signed-in person or the person the token was made for, never by)`, `body.${extra[0]}`);
          const b = body as { by?: string; comment?: string };
          return send(res, 200, await call('actions.transition', { id: seg[1]!, to: seg[2] === 'acknowledge' ? 'acknowledged' : 'done', ...(b.by !== undefined ? { by: b.by } : {}), ...(b.comment !== undefined ? { comment: b.comment } : {}) }));
        }
        break;
      }
      case 'signals': {
        if (seg.length !== 1) break;
        if (method !== 'POST') wrongMethod('POST');
        needScope(caller, 'ingest', 'ingest signals');
        const raw = await readBody(req);
        // A session or an API token is a credential of its own; the webhook's token or HMAC is for callers without one.
        if (caller === WEBHOOK_CALLER) checkWebhook(req, raw, o);
        const body = parseJson(raw);
        const signals = Array.isArray(body) ? body : (body as { signals?: unknown })?.signals;
        return send(res, 200, await call('signals.ingest', { signals: signals as unknown[] }));
      }
      default:
        break;
    }
    throw new HttpFailure(404, 'not_found', `no API route ${method} ${path} (see /api/openapi.json)`);
  }

  return (req, res, caller) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return false; // not a path: the server answers it
    }
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) return false;
    route(req, res, url, caller).catch((e: unknown) => fail(res, e));
    return true;
  };
}
