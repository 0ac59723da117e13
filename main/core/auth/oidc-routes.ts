/**
 * The console's OIDC endpoints: `GET /auth/oidc/start` sends the browser to the identity provider,
 * `GET /auth/oidc/callback` is where the provider sends it back. A refusal is a page that says what
 * happened and what to do, never a stack trace, a token or the client secret.
 *
 * Two cookies: the flow's state, bound to this browser (HttpOnly, SameSite=Lax: the provider's
 * redirect back is a cross-site top-level navigation, on which a Strict cookie would not be sent),
 * and then the session cookie from the session store. The callback answers with a small page that
 * moves on to the console instead of a redirect: a browser does not send a SameSite=Strict cookie on
 * a redirect chain that began at another site, so the console's first request would look signed out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALLBACK_PATH, type OidcRefusal, type OidcSignIn } from './oidc';
import { readCookie } from './cookies';
import { messagePage, SIGNIN_CSP } from './signin-page';

export { CALLBACK_PATH };
export const START_PATH = '/auth/oidc/start';

export const STATE_COOKIE = 'takt_oidc_state';
/** Where the sign-in page is; a refusal links back to it. */
export const SIGNIN_PATH = '/signin';

export interface OidcRoutesOptions {
  signIn: OidcSignIn;
  /** Served over TLS: cookies are Secure and the console's origin is https. */
  secure: boolean;
  log?: (line: string) => void;
}

const REFUSAL_STATUS: Record<OidcRefusal, number> = {
  'bad-state': 400,
  expired: 400,
  'missing-claim': 403,
  'unverified-email': 403,
  'unknown-person': 403,
  'no-role': 403,
  disabled: 403,
  'provider-error': 403,
  'provider-unreachable': 502,
  'exchange-failed': 502,
};

const TITLES: Record<OidcRefusal, string> = {
  'bad-state': 'This sign-in link is not valid here',
  expired: 'The sign-in took too long',
  'missing-claim': 'The identity provider did not say who you are',
  'unverified-email': 'Your email address is not verified',
  'unknown-person': 'You are not one of this plant’s people',
  'no-role': 'You have no role at this console',
  disabled: 'Your access to this console is disabled',
  'provider-error': 'The identity provider did not sign you in',
  'provider-unreachable': 'The identity provider cannot be reached',
  'exchange-failed': 'The sign-in could not be completed',
};

/** The page of a refused sign-in: what happened, what to do, and the way back (the sign-in pages' look). */
export function refusalPage(code: OidcRefusal, reason: string): string {
  return messagePage(TITLES[code], reason, { label: 'Back to sign-in', href: SIGNIN_PATH });
}

/**
 * After a sign-in: a page that moves on to the console at once. The navigation starts on this
 * console's own page, so the new SameSite=Strict session cookie goes with it.
 */
const SIGNED_IN_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/"><title>Signed in · Takt</title></head>' +
  '<body style="font:16px system-ui,sans-serif;background:#10141a;color:#e6e9ee"><p>Signed in. <a href="/" style="color:#58a6ff">Continue to the console</a></p></body></html>';

export function createOidcRoutes(o: OidcRoutesOptions): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const log = o.log ?? (() => undefined);
  const secure = o.secure ? '; Secure' : '';
  const stateCookie = (value: string, maxAgeS: number) => `${STATE_COOKIE}=${value}; Path=/auth/oidc/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure}`;
  const send = (res: ServerResponse, status: number, html: string, cookies: string[] = []) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': SIGNIN_CSP, ...(cookies.length ? { 'set-cookie': cookies } : {}) });
    res.end(html);
  };
  const refused = (res: ServerResponse, code: OidcRefusal, reason: string) => send(res, REFUSAL_STATUS[code], refusalPage(code, reason), [stateCookie('', 0)]);

  return (req, res, path) => {
    if (path !== START_PATH && path !== CALLBACK_PATH) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end(`${path} takes GET only`);
      return true;
    }
    // The host header has passed the request policy (a name this console answers to) before routing.
    const origin = `${o.secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
    const done = (p: Promise<void>): void =>
      void p.catch((e: Error) => {
        log(`oidc: ${path} failed: ${e.message}`);
        if (!res.headersSent) refused(res, 'exchange-failed', `the console could not complete the sign-in (${e.message}): start again from the sign-in page`);
        else res.end();
      });
    if (path === START_PATH) {
      done(
        o.signIn.start(origin).then((r) => {
          if (!r.ok) return refused(res, r.code, r.reason);
          res.writeHead(302, { location: r.location, 'cache-control': 'no-store', 'set-cookie': [stateCookie(r.state, 600)] });
          res.end();
        }),
      );
      return true;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? CALLBACK_PATH, origin);
    } catch {
      refused(res, 'bad-state', 'the sign-in answer is not a valid URL: start again from the sign-in page');
      return true;
    }
    done(
      o.signIn.callback(url, readCookie(req.headers.cookie, STATE_COOKIE)).then((v) => {
        if (!v.ok) return refused(res, v.code, v.reason);
        send(res, 200, SIGNED_IN_PAGE, [v.setCookie, stateCookie('', 0)]);
      }),
    );
    return true;
  };
}
