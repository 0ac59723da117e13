/**
 * The sign-in routes, answered without a session (everything else in browser mode needs one):
 *  GET  /signin              the sign-in page
 *  POST /auth/signin         user name + password (form or JSON) → session cookie
 *  POST /auth/signout        ends the session
 *  POST /auth/lock           a person's session becomes a locked display's (read-only floor)
 *  GET  /auth/whoami         who this session is (the console's header)
 *  GET  /auth/first-start    the one-time page that creates the first administrator
 *  POST /auth/first-start
 * Posts must come from this console's own page (request policy). A form is answered with a
 * redirect or a page; JSON with JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthService } from './auth-service';
import type { Session } from './session-store';
import { sessionIdOf } from './session-store';
import { clearedSessionCookie, sessionCookie } from './cookies';
import { firstStartPage, messagePage, signInPage, SIGNIN_CSP, type SignInOption } from './signin-page';
import { usernameProblem, normalizeUsername } from './account-store';
import { signInWithPassword } from './password-signin';
import { passwordProblem } from './password';
import type { Verdict, RequestHeaders } from '../hosts/browser/request-policy';

export interface PlantPerson {
  id: string;
  name: string;
  role: string;
}

export interface AuthRoutesOptions {
  /** Null while the data folder is not open yet (the routes answer 503). */
  auth: () => AuthService | null;
  secure: boolean;
  formPost(h: RequestHeaders): Verdict;
  headers(req: IncomingMessage): RequestHeaders;
  people: () => readonly PlantPerson[];
  /** Called after a route ended a session (its open sockets are closed at once, not on the next check). */
  sessionEnded?: () => void;
  /** Other ways to sign in shown on the page (OIDC). */
  signInOptions?: () => readonly SignInOption[];
  log?: (line: string) => void;
}

const MAX_FORM_BYTES = 16 * 1024;

function readForm(req: IncomingMessage): Promise<{ json: boolean; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error('the form is too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const json = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
      const fields: Record<string, string> = {};
      try {
        if (json) {
          const v = JSON.parse(text || '{}') as unknown;
          if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') fields[k] = x;
        } else for (const [k, x] of new URLSearchParams(text)) fields[k] = x;
      } catch {
        /* empty fields: answered as missing */
      }
      resolve({ json, fields });
    });
  });
}

const personOfSession = (s: Session) => s.personId;

export function createAuthRoutes(o: AuthRoutesOptions): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const html = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': SIGNIN_CSP, ...extra }).end(body);
  const json = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra }).end(JSON.stringify(body));
  const redirect = (res: ServerResponse, to: string, extra: Record<string, string> = {}) => res.writeHead(303, { location: to, 'cache-control': 'no-store', ...extra }).end();
  const options = () => o.signInOptions?.() ?? [];
  const personName = (id: string) => o.people().find((p) => p.id === id);

  async function signIn(req: IncomingMessage, res: ServerResponse, auth: AuthService) {
    const { json: asJson, fields } = await readForm(req);
    const username = (fields.username ?? '').slice(0, 128);
    const password = fields.password ?? '';
    const fail = (status: number, message: string, extra: Record<string, string> = {}) =>
      asJson ? json(res, status, { error: { code: status === 429 ? 'locked' : 'unauthorized', message } }, extra) : html(res, status, signInPage({ error: message, username, options: options() }), extra);
    const r = await signInWithPassword(auth, username, password, 'browser');
    if (r.ok) {
      const setCookie = { 'set-cookie': sessionCookie(r.cookie, o.secure) };
      return asJson ? json(res, 200, { personId: r.account.personId, username: r.account.username }, setCookie) : redirect(res, '/', setCookie);
    }
    const status = { missing: 400, locked: 429, disabled: 403, wrong: 401 }[r.reason];
    return fail(status, r.message, r.retryAfterS !== undefined ? { 'retry-after': String(r.retryAfterS) } : {});
  }

  async function signOut(req: IncomingMessage, res: ServerResponse, auth: AuthService, lock: boolean) {
    const { json: asJson } = await readForm(req);
    const who = auth.authenticate({ cookie: req.headers.cookie });
    const cookieValue = /(?:^|;\s*)takt_session=([A-Za-z0-9_-]{43})/.exec(req.headers.cookie ?? '')?.[1];
    if (lock) {
      if (!who.ok || !who.session || who.session.kind !== 'person' || !cookieValue) return asJson ? json(res, 401, { error: { code: 'unauthorized', message: 'only a signed-in person can lock this display' } }) : redirect(res, '/signin');
      auth.sessions.end(cookieValue);
      o.sessionEnded?.();
      const { cookie, session } = auth.sessions.create({ kind: 'display', personId: personOfSession(who.session), via: who.session.via });
      auth.audit({ kind: 'auth.display-locked', actor: who.session.personId, subjectId: sessionIdOf(session), payload: {} });
      const setCookie = { 'set-cookie': sessionCookie(cookie, o.secure) };
      return asJson ? json(res, 200, { locked: true }, setCookie) : redirect(res, '/', setCookie);
    }
    if (cookieValue && auth.sessions.end(cookieValue)) o.sessionEnded?.();
    if (who.ok && who.session) auth.audit({ kind: 'auth.signed-out', actor: who.session.personId, subjectId: sessionIdOf(who.session), payload: { kind: who.session.kind } });
    const clear = { 'set-cookie': clearedSessionCookie(o.secure) };
    return asJson ? json(res, 200, { signedOut: true }, clear) : redirect(res, '/signin', clear);
  }

  function whoami(req: IncomingMessage, res: ServerResponse, auth: AuthService) {
    const who = auth.authenticate({ cookie: req.headers.cookie, authorization: req.headers.authorization });
    if (!who.ok) return json(res, 401, { error: { code: 'unauthorized', message: who.reason } });
    const c = who.caller;
    if (who.session?.kind === 'display') return json(res, 200, { kind: 'display', lockedBy: who.session.personId });
    if (c.kind === 'person') {
      const p = personName(c.personId);
      return json(res, 200, { kind: 'person', personId: c.personId, name: p?.name ?? c.personId, role: p?.role ?? null, username: who.session?.username ?? null, via: c.via });
    }
    if (c.kind === 'token') return json(res, 200, { kind: 'token', name: c.name, scopes: c.scopes });
    return json(res, 200, { kind: 'system', name: c.name });
  }

  let creating = false;
  async function firstStart(req: IncomingMessage, res: ServerResponse, auth: AuthService) {
    const { fields } = await readForm(req);
    const code = fields.code ?? '';
    const username = normalizeUsername(fields.username ?? '');
    const personId = fields.personId ?? '';
    const password = fields.password ?? '';
    if (creating || !auth.checkFirstStartCode(code)) return html(res, 410, messagePage('First start is done', 'This link has been used or has expired: an administrator exists. Sign in instead.', { label: 'Sign in', href: '/signin' }));
    const again = (error: string) => html(res, 400, firstStartPage({ code, people: o.people(), error, username, personId }));
    if (!o.people().some((p) => p.id === personId)) return again("choose who you are from the plant's people");
    const bad = usernameProblem(username) ?? passwordProblem(password);
    if (bad) return again(bad);
    creating = true;
    try {
      const account = await auth.accounts.add({ username, personId, password, admin: true });
      auth.firstStartDone();
      const { cookie, session } = auth.sessions.create({ personId, username: account.username, via: 'first-start' });
      auth.audit({ kind: 'auth.first-admin', actor: personId, subjectId: account.username, payload: { session: sessionIdOf(session) } });
      o.log?.(`first start: administrator '${account.username}' (${personId}) created`);
      return redirect(res, '/', { 'set-cookie': sessionCookie(cookie, o.secure) });
    } catch (e) {
      return again((e as Error).message);
    } finally {
      creating = false;
    }
  }

  return (req, res, path) => {
    if (path !== '/signin' && path !== '/auth' && !path.startsWith('/auth/')) return false;
    const auth = o.auth();
    if (!auth) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end('the core is starting: try again in a moment');
      return true;
    }
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';
    const route = `${get ? 'GET' : method} ${path}`;
    const onError = (e: unknown) => {
      o.log?.(`sign-in route ${route}: ${(e as Error)?.message ?? e}`);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`the request could not be read: ${(e as Error)?.message ?? e}`);
    };
    if (!get) {
      const v = o.formPost(o.headers(req));
      if (!v.ok) {
        o.log?.(`sign-in route ${route} refused (${v.status}): ${v.reason}`);
        json(res, v.status, { error: { code: v.code, message: v.reason } });
        return true;
      }
    }
    switch (route) {
      case 'GET /signin': {
        const who = auth.authenticate({ cookie: req.headers.cookie });
        html(res, 200, signInPage({ options: options(), locked: who.ok && who.session?.kind === 'display' }));
        return true;
      }
      case 'POST /auth/signin':
        signIn(req, res, auth).catch(onError);
        return true;
      case 'POST /auth/signout':
        signOut(req, res, auth, false).catch(onError);
        return true;
      case 'POST /auth/lock':
        signOut(req, res, auth, true).catch(onError);
        return true;
      case 'GET /auth/whoami':
        whoami(req, res, auth);
        return true;
      case 'GET /auth/first-start': {
        const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code') ?? '';
        if (!auth.checkFirstStartCode(code)) html(res, 410, messagePage('First start is done', 'This link has been used or has expired: an administrator exists. Sign in instead.', { label: 'Sign in', href: '/signin' }));
        else html(res, 200, firstStartPage({ code, people: o.people() }));
        return true;
      }
      case 'POST /auth/first-start':
        firstStart(req, res, auth).catch(onError);
        return true;
      default:
        return false;
    }
  };
}
