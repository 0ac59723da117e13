/**
 * Runs the built CLI's `takt serve` as a child process (for tests that kill the core with SIGKILL
 * and start it again on the same data folder) and waits for the URL it announces. Every child
 * started here is killed by `killChildCores()` (call it in afterAll).
 *
 * Its connections sign in like the in-process core's: `core.connect(personId?)` makes a session for
 * the person (or a token of every scope) in the data folder's auth files, which the running core
 * reads when they change; a session outlives a restart of the core on the same folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './core';
import { openSessionStore } from '../../main/core/auth/session-store';
import { openTokenStore } from '../../main/core/auth/token-store';
import { connectProtocolClient, type ClientCredential } from '../../main/core/hosts/browser/ws-transport';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { TokenScope } from '../../shared/auth/caller';

/** What a machine token may do unless a test asks for more. */
const MACHINE_SCOPES: readonly TokenScope[] = ['ingest', 'read'];


const children = new Set<ChildProcess>();

export interface ChildCore {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/ as printed by serve. */
  url: string;
  /** The WebSocket endpoint of that URL. */
  wsUrl: string;
  /** A protocol client signed in as `personId`; without one, with a token of every scope. */
  connect(personId?: string): Promise<ProtocolClient & { close(): void }>;
  /** A session cookie value for `personId` (in the data folder; made once per folder and person). */
  session(personId: string): string;
  /** A new API token with these scopes (default all). */
  token(scopes?: readonly TokenScope[]): string;
  /** One shared client per person on this core. */
  as(personId: string): Promise<ProtocolClient>;
}

/** Sessions and tokens made per data folder, so a restarted core's connections reuse them. */
const made = new Map<string, { sessions: Map<string, string>; token?: string }>();

/** Sign-in for connections to a core on `dataDir` (a child process, or one about to start). */
export function childSignIn(dataDir: string, wsUrl: string) {
  const m = made.get(dataDir) ?? { sessions: new Map<string, string>() };
  made.set(dataDir, m);
  const session = (personId: string) => {
    let c = m.sessions.get(personId);
    if (!c) m.sessions.set(personId, (c = openSessionStore(dataDir).create({ personId, via: 'password' }).cookie));
    return c;
  };
  const token = (scopes: readonly TokenScope[] = MACHINE_SCOPES, person?: string) => openTokenStore(dataDir).create('e2e test', scopes, person).token;
  const connect = (personId?: string) => {
    const credential: ClientCredential = personId ? { session: session(personId) } : { token: (m.token ??= token()) };
    return connectProtocolClient(wsUrl, 30_000, credential);
  };
  const clients = new Map<string, Promise<ProtocolClient & { close(): void }>>();
  return {
    session,
    token,
    connect,
    /** One shared client per person on this core (closed with the core's process). */
    as(personId: string): Promise<ProtocolClient> {
      let c = clients.get(personId);
      if (!c) clients.set(personId, (c = connect(personId)));
      return c;
    },
  };
}

const dataDirOf = (args: readonly string[]) => {
  const i = args.indexOf('--data');
  if (i < 0 || !args[i + 1]) throw new Error('startChildCore needs --data <dir> (its connections sign in through the folder)');
  return args[i + 1]!;
};

/** `takt serve --port 0` plus `args`; rejects with its output when it exits or prints no URL in time. */
export function startChildCore(args: readonly string[], timeoutMs = 30_000): Promise<ChildCore> {
  // --reset moves the folder aside, its sessions and tokens with it.
  if (args.includes('--reset')) made.delete(dataDirOf(args));
  const child = spawn(process.execPath, ['bin/takt.mjs', 'serve', '--port', '0', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`core did not start: ${out} ${err}`)), timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const wsUrl = `${m[1]!.replace('http', 'ws')}ws`;
        resolve({ child, url: m[1]!, wsUrl, ...childSignIn(dataDirOf(args), wsUrl) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`core exited with ${code}: ${err}`));
    });
  });
}

export function killChildCores(): void {
  for (const c of children) c.kill('SIGKILL');
}
