/**
 * Which browser requests may drive the core: the rule that keeps other web pages, open in the same
 * browser as a console, from opening the protocol WebSocket or posting to the HTTP API.
 *
 * A browser attaches `Origin` to every WebSocket handshake and to every POST (same-origin ones too),
 * and `Sec-Fetch-Site` to every request; a page cannot forge either. So:
 * - a WebSocket whose Origin is not this console's own (or one named with `--allow-origin`) is refused;
 * - bound to loopback, any request (GETs and the console's files included) whose Host header is not
 *   127.0.0.1, localhost or [::1] on the bound port is refused (421): DNS rebinding;
 * - a mutating API call (POST/PUT/PATCH/DELETE) must say `Content-Type: application/json` (or an
 *   `application/<name>+json` type), which a
 *   cross-site page can only send after a CORS preflight that the core never grants (so the
 *   `text/plain` form post or `no-cors` fetch is out), and when it carries Origin or Sec-Fetch-Site
 *   they must be this console's own (or allowed);
 * - a request with neither header comes from a program (the CLI, a connector, an ERP's webhook, a
 *   test's `ws` client), not from a page, and is let through; the webhook keeps its own credentials.
 *
 * "Own origin". Bound to loopback, the core's origins are the bound address and `localhost` with the
 * bound port (127.0.0.1 and localhost, or [::1] and localhost): fixed, the Host header is not trusted,
 * so a page on a name that an attacker re-points to 127.0.0.1 (DNS rebinding) is still foreign, and
 * its reads are refused by the Host check. A
 * page on [::1] while the core listens on 127.0.0.1 is not this server (another process could hold
 * that port on ::1) and is refused too. Bound to a network address (which needs TLS), it is also
 * the scheme plus the Host header the browser used to reach it, since a network name is not known in
 * advance; a re-pointed name fails there on the certificate. No Node built-ins: headers in, verdict out.
 */

export type Verdict = { ok: true } | { ok: false; status: 403 | 415 | 421; code: 'forbidden_origin' | 'unsupported_media_type' | 'misdirected_host'; reason: string };

export interface RequestHeaders {
  origin?: string | undefined;
  host?: string | undefined;
  secFetchSite?: string | undefined;
  contentType?: string | undefined;
}

export interface RequestPolicyOptions {
  /** https (TLS) or http. */
  secure: boolean;
  /** The address the server is bound to, as the socket reports it (e.g. 127.0.0.1, ::1, 0.0.0.0, ::). */
  boundAddress: string;
  port: number;
  /** Other origins that may drive the core (`--allow-origin`, TAKT_ALLOWED_ORIGINS), as parseAllowedOrigin returns them. */
  allowedOrigins?: readonly string[];
}

export interface RequestPolicy {
  /**
   * The verdict on any request's Host header (static files, API, WebSocket). Bound to loopback, only
   * 127.0.0.1, localhost and [::1] on the bound port are this server: a page on a name an attacker
   * re-points to 127.0.0.1 (DNS rebinding) sends its own name, and reading the API or the console's
   * files back through it is refused, GETs included. Bound to a network address (TLS) the name is
   * not known in advance, and the certificate answers a re-pointed name.
   */
  host(h: RequestHeaders): Verdict;
  /** The WebSocket handshake's verdict. */
  webSocket(h: RequestHeaders): Verdict;
  /** The verdict on an API call with this HTTP method (only mutating methods are checked). */
  apiCall(method: string, h: RequestHeaders): Verdict;
  /**
   * The verdict on a form post to the sign-in routes (/auth/*): from a browser it must come from
   * this console's own page; any content type (the sign-in page is a plain HTML form).
   */
  formPost(h: RequestHeaders): Verdict;
  /** This server's own origins for a request with this Host header (for messages and tests). */
  ownOrigins(host?: string): string[];
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** JSON media types: application/json, and the structured-syntax form application/<name>+json (RFC 6839) that ERPs use. */
const JSON_TYPE = /^application\/(json|[a-z0-9!#$&^_.-]+\+json)$/;
/** A loopback Host header: name or address, and the port when given. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(?::(\d{1,5}))?$/;
const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Whether a host (name or address, IPv6 with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** `scheme://host:port` of an http(s) URL with the port always written; null when it is not one. */
export function canonicalOrigin(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  return `${u.protocol}//${u.hostname}:${u.port || DEFAULT_PORT[u.protocol]}`;
}

/** An origin for `--allow-origin` (scheme://host[:port], no path): its canonical form, or an Error saying what is wrong. */
export function parseAllowedOrigin(text: string): string {
  const trimmed = text.trim().replace(/\/$/, '');
  const origin = canonicalOrigin(trimmed);
  let path = '';
  try {
    const u = new URL(trimmed);
    path = u.pathname === '/' ? '' : u.pathname + u.search + u.hash;
  } catch {
    /* reported below */
  }
  if (!origin || path) throw new Error(`--allow-origin ${JSON.stringify(text)} is not an origin: write scheme://host[:port], e.g. https://mes.plant.example:8443 (no path)`);
  return origin;
}

/** Origins from TAKT_ALLOWED_ORIGINS (separated by commas or spaces) and --allow-origin flags, checked. */
export function allowedOriginsFrom(flags: readonly string[], env: string | undefined): string[] {
  const all = [...(env ?? '').split(/[\s,]+/), ...flags].filter((s) => s.trim() !== '');
  return [...new Set(all.map(parseAllowedOrigin))];
}

/** The address as a URL host: IPv6 in brackets. */
const urlHost = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address);

/** An origin header value shortened and quoted for a message or log line (it is the client's text). */
const quote = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

export function createRequestPolicy(o: RequestPolicyOptions): RequestPolicy {
  const scheme = o.secure ? 'https:' : 'http:';
  const allowed = new Set(o.allowedOrigins ?? []);
  const wildcard = o.boundAddress === '0.0.0.0' || o.boundAddress === '::';
  const at = (host: string) => `${scheme}//${urlHost(host)}:${o.port}`;
  // Fixed origins: the bound loopback address and localhost; a wildcard bind listens on loopback too.
  const fixed = new Set<string>();
  if (isLoopbackHost(o.boundAddress)) [o.boundAddress, 'localhost'].forEach((h) => fixed.add(at(h)));
  else if (wildcard) {
    ['127.0.0.1', 'localhost', ...(o.boundAddress === '::' ? ['::1'] : [])].forEach((h) => fixed.add(at(h)));
  } else fixed.add(at(o.boundAddress));
  const network = !isLoopbackHost(o.boundAddress);

  const ownOrigins = (host?: string) => {
    const own = [...fixed].map((x) => canonicalOrigin(x)!);
    if (network && host) {
      const viaHost = canonicalOrigin(`${scheme}//${host}`);
      if (viaHost) own.push(viaHost);
    }
    return [...new Set(own)];
  };

  const originVerdict = (origin: string, host: string | undefined, what: string): Verdict => {
    const c = canonicalOrigin(origin);
    if (c && (allowed.has(c) || ownOrigins(host).includes(c))) return { ok: true };
    return {
      ok: false,
      status: 403,
      code: 'forbidden_origin',
      reason: `${what} from the page at ${quote(origin)} refused: only this console's own pages (${ownOrigins(host)[0]}) may drive the core; start takt with --allow-origin <origin> to allow another`,
    };
  };

  const loopbackBind = isLoopbackHost(o.boundAddress);
  const defaultPort = o.secure ? 443 : 80;

  return {
    ownOrigins,
    host(h) {
      // A request without Host is a program speaking HTTP/1.0, not a browser (browsers always send it).
      if (!loopbackBind || h.host === undefined) return { ok: true };
      const m = LOOPBACK_HOST.exec(h.host.trim().toLowerCase());
      if (m && Number(m[2] ?? defaultPort) === o.port) return { ok: true };
      return {
        ok: false,
        status: 421,
        code: 'misdirected_host',
        reason: `a request for host ${quote(h.host)} refused: this core is bound to loopback and answers only 127.0.0.1, localhost or [::1] on port ${o.port} (a page on another name that resolves here is not one of its consoles)`,
      };
    },
    webSocket(h) {
      // No Origin: not a browser (browsers always send it on a WebSocket handshake).
      if (h.origin === undefined) return { ok: true };
      return originVerdict(h.origin, h.host, 'WebSocket');
    },
    formPost(h) {
      if (h.origin !== undefined && h.origin !== 'null') return originVerdict(h.origin, h.host, 'sign-in');
      // A form posted from a page with Referrer-Policy: no-referrer (ours) says Origin: null; the
      // browser's Sec-Fetch-Site, which no page can set, still says where it came from.
      if (h.origin === 'null' && h.secFetchSite === 'same-origin') return { ok: true };
      if (h.origin === 'null' || (h.secFetchSite !== undefined && h.secFetchSite !== 'same-origin' && h.secFetchSite !== 'none')) {
        return { ok: false, status: 403, code: 'forbidden_origin', reason: `sign-in from a ${quote(h.secFetchSite ?? 'opaque')} page refused: sign in on this console's own page` };
      }
      return { ok: true };
    },
    apiCall(method, h) {
      const m = method.toUpperCase();
      if (!MUTATING.has(m)) return { ok: true };
      if (h.origin !== undefined) {
        const v = originVerdict(h.origin, h.host, m);
        if (!v.ok) return v;
      } else if (h.secFetchSite !== undefined && h.secFetchSite !== 'same-origin' && h.secFetchSite !== 'none') {
        return { ok: false, status: 403, code: 'forbidden_origin', reason: `${m} from a ${quote(h.secFetchSite)} page refused: only this console's own pages may drive the core` };
      }
      const type = (h.contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (!JSON_TYPE.test(type)) {
        return {
          ok: false,
          status: 415,
          code: 'unsupported_media_type',
          reason: `${m} needs Content-Type: application/json${h.contentType ? ` (got ${quote(h.contentType)})` : ' (none given)'}`,
        };
      }
      return { ok: true };
    },
  };
}
