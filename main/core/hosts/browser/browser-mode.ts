/**
 * Browser mode: the plant core in this Node process, serving the built renderer and the protocol
 * WebSocket (`/ws`) on one host:port. Binds to 127.0.0.1 unless told otherwise.
 *
 * Start-up order (what makes the first live frame early): the HTTP server listens first; the core's
 * modules load while the plant file is loaded and checked (from the data folder's plant cache when
 * unchanged); then `onServing` announces the URL. A page that asks for the HTML at once loads, opens
 * its WebSocket and gets its plant before the core boots (page-gate.ts: one thread serves the page
 * and boots the core, and the boot's steps would hold the page back), so the browser builds the
 * floor while the core boots (journal, twin, decide, connectors); the business store (RxDB) opens
 * only after the first console has its opening view (`deferStore`). Until the core is up, `/ws`
 * connections are accepted and their frames held (except `plant.get`, answered from the checked
 * plant: boot-socket.ts), and `/api/*` requests wait; both are answered once it is (or get an error
 * naming the failure if it fails).
 *
 * Other web pages may not drive it (request-policy.ts): a WebSocket from a foreign Origin is refused
 * with 403, and a mutating API call needs a JSON content type and, from a browser, this console's own
 * origin. A non-loopback host needs TLS (https and wss on node:https); loopback may use it too.
 *
 * Nobody unauthenticated gets past the sign-in page (main/core/auth/): the console's files, the
 * WebSocket and every `/api/*` route need a session cookie or an API token; the page itself
 * redirects to `/signin`. Open are only the sign-in routes, `GET /api/health`, and `POST
 * /api/signals` with the webhook's own credentials when they are configured. Every connection and
 * call carries the caller its credential established. A fresh data folder (no accounts) prints a
 * one-time link that creates the first administrator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { CoreOptions, TaktCore } from '../../core';
import type { DataDirLock } from '../../persistence/data-dir';
import { createPageGate } from './page-gate';
import { serveStatic, SECURITY_HEADERS } from './static-files';
import { packageRoot } from '../../package-root';
import { WS_MAX_PAYLOAD } from './ws-transport';
import { attachWhenReady, type EarlyAnswers } from './boot-socket';
import { watchSessionSockets } from './session-sockets';
import { redactSecrets } from '../../../../shared/plant/redact';
import { createRequestPolicy, isLoopbackHost, type RequestHeaders, type RequestPolicy } from './request-policy';
import { createAuthService, type AuthService, type AuthServiceOptions } from '../../auth/auth-service';
import { coreAuditSink } from '../../auth/core-audit-sink';
import { oidcSessions } from '../../auth/oidc-sessions';
import { createAuthRoutes, type PlantPerson } from '../../auth/signin-routes';
import type { SignInOption } from '../../auth/signin-page';
import type { Caller } from '../../../../shared/auth/caller';
import { openApiRoute, WEBHOOK_CALLER } from './http-api';
import { createOidcSignIn, type OidcSettings } from '../../auth/oidc';
import { createOidcRoutes, START_PATH } from '../../auth/oidc-routes';
import { peopleDirectory } from '../../../../shared/auth/claims';

export interface BrowserModeOptions extends CoreOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  quiet?: boolean;
  /** POST /api/signals needs `Authorization: Bearer <token>` (default env TAKT_WEBHOOK_TOKEN). */
  webhookToken?: string;
  /** POST /api/signals needs `X-Takt-Signature: sha256=<HMAC-SHA256 of the body>` (default env TAKT_WEBHOOK_SECRET). */
  webhookSecret?: string;
  /** Serve https and wss with this certificate and key (PEM). Required for a non-loopback host. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Origins other than the console's own whose pages may open the WebSocket and call the API (canonical, see parseAllowedOrigin). */
  allowedOrigins?: readonly string[];
  /**
   * Called once the server listens and the plant file is valid, before the rest of the core has
   * booted: the page can be opened now (it connects when the core is up). Not called when the plant
   * file is refused or the port is taken.
   */
  onServing?: (url: string) => void;
  /**
   * `--reset`: run once the port is bound and the plant file is valid (so a refusal leaves the folder
   * as it was), before the data folder is locked and checked; it refuses a folder a core is using.
   */
  reset?: () => void;
  /** Scrypt cost, lockout and session policy, clock (tests lower the cost). */
  auth?: AuthServiceOptions;
  /** Called with the one-time link that creates the first administrator, when the data folder has no account. */
  onFirstStart?: (link: string) => void;
  /** Other ways to sign in shown on the sign-in page. */
  signInOptions?: () => readonly SignInOption[];
  /**
   * OIDC sign-in against this identity provider (`/auth/oidc/start`, `/auth/oidc/callback`), shown
   * on the sign-in page as "Sign in with <name>"; sessions and audit are the data folder's.
   */
  oidc?: OidcSettings;
}

export interface BrowserMode {
  url: string;
  core: TaktCore;
  server: Server | HttpsServer;
  /** Accounts, tokens and sessions of the data folder. */
  auth: AuthService;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4870;

type ApiHandler = (req: IncomingMessage, res: ServerResponse, caller: Caller) => boolean;

/** The path of a request target, or null when the target is not a URL path (`http://[`, garbage). */
export function requestPath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return null;
  }
}

/** What `takt serve` says when asked to serve the network without TLS. */
export function networkWithoutTlsMessage(host: string): string {
  return (
    `--host ${host} would serve the console and its API to the network unencrypted, so anyone on it could read the plant and ` +
    `watch what is sent: give a certificate and key with --tls-cert <file.pem> --tls-key <file.pem> (https and wss), ` +
    `or keep --host 127.0.0.1 (this machine only)`
  );
}

/** An https server, or an error that names the certificate and key when TLS cannot use them. */
function httpsServer(tls: NonNullable<BrowserModeOptions['tls']>, handler: (req: IncomingMessage, res: ServerResponse) => void): HttpsServer {
  try {
    return createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  } catch (e) {
    throw new Error(`the TLS certificate and key cannot be used (${(e as Error).message}): check that --tls-cert is a PEM certificate and --tls-key its private key`);
  }
}

const headersOf = (req: IncomingMessage): RequestHeaders => ({
  origin: req.headers.origin,
  host: req.headers.host,
  secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
  contentType: req.headers['content-type'],
});

/** A request for the console's page itself (answered with a redirect to /signin when signed out). */
const isPage = (path: string) => path === '/' || path.endsWith('.html');

const refuse401 = (res: ServerResponse, reason: string) =>
  res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="takt"' }).end(JSON.stringify({ error: { code: 'unauthorized', message: reason } }));

export async function startBrowserMode(opts: BrowserModeOptions): Promise<BrowserMode> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !opts.tls) throw new Error(networkWithoutTlsMessage(host));
  const log = opts.log ?? (() => undefined);
  const rendererDir = join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`the renderer is not built (${rendererDir} is missing): run \`npm run build\` first`);

  // Settled once the core is up (or failed to start); requests and sockets that came early wait on it.
  let settle!: { ok: (v: { core: TaktCore; api: ApiHandler }) => void; fail: (e: Error) => void };
  const ready = new Promise<{ core: TaktCore; api: ApiHandler }>((ok, fail) => (settle = { ok, fail }));
  ready.catch(() => undefined); // observed by whoever waits; startBrowserMode itself rethrows
  let api: ApiHandler | null = null;
  // Once the plant is checked: what a console is answered before the core is up (boot-socket.ts).
  let early: EarlyAnswers | null = null;
  // The boot waits (briefly) for a waiting page to connect: see page-gate.ts.
  const gate = createPageGate();
  // Opened once the data folder is locked and checked (and --reset has run); until then nobody is signed in.
  let auth: AuthService | null = null;
  let people: readonly PlantPerson[] = [];
  const webhookToken = opts.webhookToken ?? (process.env.TAKT_WEBHOOK_TOKEN || undefined);
  const webhookSecret = opts.webhookSecret ?? (process.env.TAKT_WEBHOOK_SECRET || undefined);
  const oidcRoutes = opts.oidc ? oidcSignInRoutes(opts.oidc, () => auth, () => people, opts.tls !== undefined, log) : null;
  const signInOptions = opts.oidc
    ? () => [...(opts.signInOptions?.() ?? []), { label: `Sign in with ${opts.oidc!.name}`, href: START_PATH }]
    : opts.signInOptions;
  // A socket does not outlive its session (sign-out elsewhere, disable, expiry, lock).
  const sessionSockets = watchSessionSockets(() => auth?.sessions ?? null);
  const authRoutes = createAuthRoutes({
    auth: () => auth,
    sessionEnded: () => sessionSockets.check(),
    secure: opts.tls !== undefined,
    formPost: (h) => policy().formPost(h),
    headers: headersOf,
    people: () => people,
    ...(signInOptions ? { signInOptions } : {}),
    log,
  });
  const who = (req: IncomingMessage) =>
    auth ? auth.authenticate({ cookie: req.headers.cookie, authorization: req.headers.authorization }) : ({ ok: false, refused: false, reason: 'the core is starting: try again in a moment' } as const);

  // Made once the server listens (it needs the bound address and port); no request arrives before.
  let policyMade: RequestPolicy | null = null;
  const policy = () => {
    if (policyMade) return policyMade;
    const a = server.address();
    if (typeof a !== 'object' || a === null) throw new Error('the server is not listening');
    return (policyMade = createRequestPolicy({ secure: opts.tls !== undefined, boundAddress: a.address, port: a.port, allowedOrigins: opts.allowedOrigins }));
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // Every answer, the API's and the errors' included, carries the same security headers.
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    try {
      const hostVerdict = policy().host(headersOf(req));
      if (!hostVerdict.ok) {
        res.writeHead(hostVerdict.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
        res.end(JSON.stringify({ error: { code: hostVerdict.code, message: hostVerdict.reason, path: 'headers.host' } }));
        return;
      }
      const path = requestPath(req.url);
      if (path === null) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target');
        return;
      }
      if (oidcRoutes?.(req, res, path)) return;
      if (authRoutes(req, res, path)) return;
      if (path === '/auth' || path.startsWith('/auth/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}`);
        return;
      }
      if (path === '/api' || path.startsWith('/api/')) {
        // Refused before the body is read and before waiting for the core: a foreign page's post never reaches a method.
        const verdict = policy().apiCall(req.method ?? 'GET', headersOf(req));
        if (!verdict.ok) {
          log(`http api: ${req.method} ${path} refused (${verdict.status}): ${verdict.reason}`);
          res.writeHead(verdict.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
          res.end(JSON.stringify({ error: { code: verdict.code, message: verdict.reason, path: verdict.status === 415 ? 'headers.content-type' : 'headers.origin' } }));
          return;
        }
        // Who it is: a session or an API token; without either, only health and the webhook (with its own credentials).
        const id = who(req);
        let caller: Caller;
        if (id.ok) caller = id.caller;
        else {
          const open = openApiRoute(req.method ?? 'GET', path, Boolean(webhookToken || webhookSecret));
          if (open === null || (id.refused && open === 'webhook' && /^bearer\s+takt_/i.test(req.headers.authorization ?? ''))) {
            log(`http api: ${req.method} ${path} refused (401): ${id.reason}`);
            refuse401(res, id.reason);
            return;
          }
          caller = open === 'webhook' ? WEBHOOK_CALLER : { kind: 'system', name: 'health check' };
        }
        // The HTTP API (/api/*, documented at /api/openapi.json), health included: answered once the core is up.
        if (api) api(req, res, caller);
        else
          ready.then(
            (r) => r.api(req, res, caller),
            (e: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`the plant core failed to start: ${e.message}`),
          );
        return;
      }
      const id = who(req);
      if (!id.ok) {
        // The console's page sends a signed-out visitor to sign in; its other files are not served either.
        if (isPage(path) && (req.method === 'GET' || req.method === 'HEAD')) res.writeHead(303, { location: '/signin', 'cache-control': 'no-store' }).end();
        else res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${id.reason}\n`);
        return;
      }
      if (serveStatic(rendererDir, req, res)) {
        gate.served(path);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}`);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error: ${(e as Error).message}`);
    }
  };
  const server = opts.tls ? httpsServer(opts.tls, handler) : createServer(handler);
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  server.on('upgrade', (req, socket, head) => {
    // A socket that errors after the upgrade was refused must not surface as an uncaught error.
    socket.on('error', () => socket.destroy());
    const path = requestPath(req.url);
    if (path === null) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const hostVerdict = policy().host(headersOf(req));
    if (!hostVerdict.ok) {
      log(`websocket refused (${hostVerdict.status}): ${hostVerdict.reason}`);
      socket.end(`HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\n\r\n`);
      return;
    }
    const verdict = policy().webSocket(headersOf(req));
    if (!verdict.ok) {
      log(`websocket: refused (403): ${verdict.reason}`);
      const body = Buffer.from(`${verdict.reason}\n`);
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`);
      return;
    }
    const id = who(req);
    if (!id.ok) {
      log(`websocket: refused (401): ${id.reason}`);
      const body = Buffer.from(`${id.reason}\n`);
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`);
      return;
    }
    const caller = id.caller;
    const session = id.session;
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      if (session) sessionSockets.add(ws, session.hash);
      // The connection acts as whoever its session or token is, for as long as it is open.
      attachWhenReady(ws, ready, early, caller);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} on ${host} is in use: pick another with --port`) : e),
    );
    server.listen(opts.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const stopServer = async () => {
    sessionSockets.close();
    wss.clients.forEach((c) => c.terminate());
    wss.close();
    await new Promise<void>((r) => server.close(() => r()));
  };

  let core: TaktCore;
  let dataDirLock: DataDirLock | undefined;
  try {
    // The core's modules load while the plant is read (before the URL: a browser is not yet loading
    // the page, so nothing competes for the CPU); a refused plant file stops us before the URL is announced.
    const modules = Promise.all([import('../../core'), import('./http-api')]);
    modules.catch(() => undefined); // awaited below
    const { loadPlantCached } = await import('../../persistence/plant-cache');
    const loadedPlant = await loadPlantCached(opts.plantFile, { dataDir: opts.dataDir, log: opts.log });
    const [{ startCore, CORE_VERSION }, { createHttpApi }] = await modules;
    // A data folder that would be refused (another plant's, a history without its journal) stops us before the URL is announced.
    const { checkDataDir, lockDataDir, plantFingerprint } = await import('../../persistence/data-dir');
    opts.reset?.();
    // Held from here (a core already running on the folder refuses us before the URL), then by the core until it closes.
    dataDirLock = lockDataDir(opts.dataDir);
    checkDataDir(opts.dataDir, { plantId: loadedPlant.plant.site.id, plantHash: plantFingerprint(loadedPlant.plant), plantFile: loadedPlant.file });
    people = loadedPlant.plant.crews.flatMap((c) => c.members.map((m) => ({ id: m.id, name: m.name, role: m.role })));
    auth = createAuthService(opts.dataDir, opts.auth);
    early = { name: `takt-core ${CORE_VERSION}`, plant: redactSecrets(loadedPlant.plant).plant, answered: gate.consoleConnected };
    opts.onServing?.(url);
    const code = auth.firstStartCode();
    if (code) opts.onFirstStart?.(`${url}auth/first-start?code=${code}`);
    // A page that is already waiting loads and connects before the boot takes the thread (page-gate.ts).
    await gate.start();
    // The business store opens once the first console has its view (deferStore); records calls wait for it.
    core = await startCore({ deferStore: true, ...opts, loadedPlant, dataDirLock, authService: () => auth });
    auth.setAuditSink(coreAuditSink(core));
    api = createHttpApi({ methods: core.methods, health: () => core.health(), version: CORE_VERSION, webhookToken, webhookSecret, log: opts.log });
    settle.ok({ core, api });
  } catch (e) {
    settle.fail(e as Error);
    auth?.close();
    dataDirLock?.release();
    await stopServer();
    throw e;
  }
  const signIn = auth!;
  return {
    url,
    core,
    server,
    auth: signIn,
    async close() {
      await stopServer();
      signIn.close();
      await core.close();
    },
  };
}

/**
 * The OIDC routes over this data folder's accounts and sessions: a provider user maps to a person
 * through the OIDC people table, a local account of the same name, or the person's id; a person
 * whose every account is disabled is refused; the session and the audit lines are the password
 * sign-in's (`auth.signed-in`, `auth.signin-failed` with `via: 'oidc'`).
 */
function oidcSignInRoutes(settings: OidcSettings, auth: () => AuthService | null, people: () => readonly PlantPerson[], secure: boolean, log: (line: string) => void) {
  const service = () => {
    const a = auth();
    if (!a) throw new Error('the core is starting: try again in a moment');
    return a;
  };
  const signIn = createOidcSignIn({
    settings,
    log,
    people: () => {
      const accounts = service().accounts.list();
      return peopleDirectory(people(), {
        accountPerson: (name) => accounts.find((a) => !a.disabled && a.username === name.trim().toLowerCase())?.personId,
        // `takt users disable` takes a person's access away, whichever way they sign in.
        disabled: (personId) => {
          const theirs = accounts.filter((a) => a.personId === personId);
          return theirs.length > 0 && theirs.every((a) => a.disabled);
        },
      });
    },
    sessions: oidcSessions(() => service().sessions, settings.mapping, secure),
    audit: {
      signedIn: (e) =>
        service().audit({ kind: 'auth.signed-in', actor: e.personId, subjectId: e.claimValue.slice(0, 48), payload: { via: 'oidc', session: e.sessionId, issuer: e.issuer, subject: e.subject, claim: e.claim } }),
      refused: (e) =>
        auth()?.audit({ kind: 'auth.signin-failed', actor: (e.claimValue ?? e.subject ?? 'unknown').slice(0, 128), subjectId: (e.claimValue ?? e.subject ?? '').slice(0, 48), payload: { via: 'oidc', reason: e.code, issuer: e.issuer, ...(e.subject ? { subject: e.subject } : {}) } }),
    },
  });
  return createOidcRoutes({ signIn, secure, log });
}
