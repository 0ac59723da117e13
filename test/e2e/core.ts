/**
 * Starts the real browser mode (core + static renderer + /ws) in this process on a free port with a
 * temporary data folder, for e2e tests. Needs `dist/renderer` (`npm run build`, or
 * `node scripts/build.mjs renderer`); builds the renderer once if it is missing.
 *
 * Every connection signs in: `core.session(personId)` is a session for one of the plant's people
 * (made in-process through the core's session store, as a sign-in would), `core.token(scopes)` an
 * API token, `core.connect(personId?)` a protocol client signed in as that person (or, without one,
 * with a token of every scope), `core.signIn(context, personId)` a browser context's cookie. A test
 * signs each connection in as the person it passes as `by`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BrowserContext } from 'playwright-core';
import { startBrowserMode, type BrowserMode, type BrowserModeOptions } from '../../main/core/hosts/browser/browser-mode';
import { connectProtocolClient, type ClientCredential } from '../../main/core/hosts/browser/ws-transport';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { TokenScope } from '../../shared/auth/caller';

import type { AuthService } from '../../main/core/auth/auth-service';
import { SESSION_COOKIE } from '../../main/core/auth/session-store';

/** What a machine token may do unless a test asks for more. */
const MACHINE_SCOPES: readonly TokenScope[] = ['ingest', 'read'];

export const repoRoot = join(import.meta.dirname, '..', '..');

/** Cheap scrypt for tests' accounts (the product's default cost is for real passwords). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1, keyLen: 32 };

export function ensureRendererBuilt(): void {
  if (existsSync(join(repoRoot, 'dist', 'renderer', 'index.html'))) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), 'renderer'], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, TAKT_QUIET: '1' } });
}

export interface TestCoreOptions {
  speed?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Reuse a data folder (e.g. to restart the same plant); a temporary one otherwise. */
  dataDir?: string;
  /** Keep the data folder on close (default: remove it when this helper made it). */
  keepData?: boolean;
  /** More browser-mode options (auth policy, first-start link…). */
  browserMode?: Partial<BrowserModeOptions>;
}

/** Sign-in helpers over one core's auth (in-process), shared by startTestCore and tests that start browser mode themselves. */
export interface SignedIn {
  /** A session cookie value for one of the plant's people. */
  session(personId: string): string;
  /** A new API token with these scopes (default all). */
  token(scopes?: readonly TokenScope[], name?: string): string;
  /** A protocol client signed in as `personId`; without one, with a token of every scope (a machine: reads and ingests). */
  connect(personId?: string): Promise<ProtocolClient & { close(): void }>;
  /** One shared client per person (made on first use, closed by `closeClients`): the connection a call that acts `by` that person goes through. */
  as(personId: string): Promise<ProtocolClient>;
  /** Closes the clients `as` made. */
  closeClients(): void;
  /** Puts a session for `personId` on a browser context (its pages are signed in). */
  signIn(context: BrowserContext, personId: string): Promise<void>;
  /** `{cookie}` headers of a session for `personId` (for fetch). */
  headers(personId: string): Record<string, string>;
}

export function signedIn(auth: AuthService, url: string): SignedIn {
  const wsUrl = `${url.replace(/^http/, 'ws')}ws`;
  const sessions = new Map<string, string>();
  const session = (personId: string) => {
    let c = sessions.get(personId);
    if (!c) sessions.set(personId, (c = auth.sessions.create({ personId, via: 'password' }).cookie));
    return c;
  };
  let allScopes: string | null = null;
  // A machine token reads and ingests; one with 'actions' is made for a plant person (`person`).
  const token = (scopes: readonly TokenScope[] = MACHINE_SCOPES, name = 'e2e test', person?: string) => auth.tokens.create(name, scopes, person).token;
  const connect = (personId?: string) => {
    const credential: ClientCredential = personId ? { session: session(personId) } : { token: (allScopes ??= token()) };
    return connectProtocolClient(wsUrl, 30_000, credential);
  };
  const clients = new Map<string, Promise<ProtocolClient & { close(): void }>>();
  return {
    session,
    token,
    connect,
    as(personId) {
      let c = clients.get(personId);
      if (!c) clients.set(personId, (c = connect(personId)));
      return c;
    },
    closeClients() {
      for (const c of clients.values()) void c.then((x) => x.close(), () => undefined);
      clients.clear();
    },
    async signIn(context, personId) {
      await context.addCookies([{ name: SESSION_COOKIE, value: session(personId), url, httpOnly: true, sameSite: 'Strict' }]);
    },
    headers: (personId) => ({ cookie: `${SESSION_COOKIE}=${session(personId)}` }),
  };
}

export interface RunningCore extends SignedIn {
  url: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  bm: BrowserMode;
  close(): Promise<void>;
}

export async function startTestCore(opts: TestCoreOptions = {}): Promise<RunningCore> {
  ensureRendererBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'takt-e2e-'));
  const bm = await startBrowserMode({ port: opts.port ?? 0, dataDir, speed: opts.speed ?? 120, quiet: true, ...opts.browserMode, auth: { accounts: { scrypt: TEST_SCRYPT }, ...opts.browserMode?.auth } });
  const u = new URL(bm.url);
  const signed = signedIn(bm.auth, bm.url);
  return {
    ...signed,
    url: bm.url,
    wsUrl: `ws://${u.host}/ws`,
    port: Number(u.port),
    dataDir,
    bm,
    async close() {
      signed.closeClients();
      await bm.close();
      if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Browser-mode auth options for tests that start it themselves (cheap scrypt). */
export const TEST_AUTH = { accounts: { scrypt: TEST_SCRYPT } };
