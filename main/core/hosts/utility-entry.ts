/**
 * Entry of the plant core inside an Electron utilityProcess. Plain Node: no `electron` import.
 *
 * The main process forks this file with `--data-dir <dir> [--plant <file>]` and then posts
 * `{type: 'takt:connect'}` messages carrying one MessagePortMain per window load; each port
 * becomes a TextTransport joined to the core. `{type: 'takt:shutdown'}` closes the core cleanly.
 *
 * The window's channel is trusted as transport, not as a person: each window starts signed out
 * (it may draw its sign-in form and sign in) and acts as whoever signs in at it, on the same
 * accounts, sessions and audit as browser mode (auth/window-signin.ts). The `client` of a connect
 * message (the window's webContents id, set by the main process) keeps a window's sign-in across
 * its page reloads.
 */
import type { TextTransport } from '../../../shared/protocol/transport';
import type { Caller, ConnectionIdentity } from '../../../shared/auth/caller';
import { WindowSignIn } from '../auth/window-signin';
import type { SessionStore } from '../auth/session-store';

/** The part of Electron's MessagePortMain this entry uses (typed here: no electron import). */
export interface MessagePortMainLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** The part of `process.parentPort` this entry uses. */
export interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortMainLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

/** What the entry needs from the core (`TaktCore` satisfies it). */
export interface ConnectableCore {
  connect(t: TextTransport, caller: Caller | ConnectionIdentity): void;
  close(): Promise<void>;
}

/**
 * Wraps a MessagePortMain as a text transport: string frames in and out (anything else that
 * arrives is dropped), `close` fired once, whether the remote end went away or we closed.
 */
export function messagePortTransport(port: MessagePortMainLike): TextTransport {
  const frameHandlers = new Set<(frame: string) => void>();
  const closeHandlers = new Set<() => void>();
  let open = true;
  const closed = () => {
    if (!open) return;
    open = false;
    for (const h of [...closeHandlers]) h();
    frameHandlers.clear();
    closeHandlers.clear();
  };
  port.on('message', (e) => {
    if (!open || typeof e.data !== 'string') return;
    for (const h of [...frameHandlers]) h(e.data);
  });
  port.on('close', closed);
  port.start();
  return {
    send(frame) {
      if (!open) throw new Error('MessagePort transport is closed');
      port.postMessage(frame);
    },
    onFrame(h) {
      frameHandlers.add(h);
      return () => frameHandlers.delete(h);
    },
    onClose(h) {
      closeHandlers.add(h);
      return () => closeHandlers.delete(h);
    },
    close() {
      if (!open) return;
      port.close();
      closed();
    },
  };
}

export interface CoreEntryArgs {
  dataDir: string;
  plantFile?: string;
}

/** `--data-dir <dir>` / `--data-dir=<dir>` (else TAKT_DATA_DIR), `--plant <file>` (else TAKT_PLANT_FILE). */
export function parseEntryArgs(argv: readonly string[], env: Record<string, string | undefined>): CoreEntryArgs {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === `--${name}`) return argv[i + 1];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    }
    return undefined;
  };
  const dataDir = value('data-dir') ?? env.TAKT_DATA_DIR;
  if (!dataDir) throw new Error('takt core: no data directory; pass --data-dir <dir> or set TAKT_DATA_DIR.');
  const plantFile = value('plant') ?? env.TAKT_PLANT_FILE;
  return plantFile ? { dataDir, plantFile } : { dataDir };
}

/**
 * The sign-in of each window, by the `client` id the main process gives its connect messages; a
 * port without one is a window of its own. Windows are few and their ids are not reused.
 */
export function windowSignIns(sessions: () => SessionStore | null): (client: unknown) => WindowSignIn {
  const byWindow = new Map<number, WindowSignIn>();
  return (client) => {
    if (typeof client !== 'number' || !Number.isSafeInteger(client)) return new WindowSignIn(sessions);
    let w = byWindow.get(client);
    if (!w) byWindow.set(client, (w = new WindowSignIn(sessions)));
    return w;
  };
}

/**
 * Serves the parent port: every port in a message becomes a transport connected to the core
 * (ports that arrive before the core is ready wait for it) as its window's identity;
 * `takt:shutdown` closes the core and calls `exit`.
 */
export function serveParentPort(parentPort: ParentPortLike, core: Promise<ConnectableCore>, exit: (code: number) => void, identityOf: (client: unknown) => ConnectionIdentity): void {
  parentPort.on('message', (e) => {
    const ports = e.ports ?? [];
    const client = (e.data as { client?: unknown } | null | undefined)?.client;
    for (const port of ports) {
      void core.then(
        (c) => c.connect(messagePortTransport(port), identityOf(client)),
        () => port.close(),
      );
    }
    const type = (e.data as { type?: unknown } | null | undefined)?.type;
    if (type === 'takt:shutdown') {
      void core
        .then((c) => c.close())
        .then(
          () => exit(0),
          (err: unknown) => {
            console.error(`takt core: error while closing: ${String(err)}`);
            exit(1);
          },
        );
    }
  });
}

async function main(parentPort: ParentPortLike): Promise<void> {
  const args = parseEntryArgs(process.argv, process.env);
  // The data folder is private: what this process creates there (SQLite's files included) is 0600.
  process.umask(0o077);
  const { startCore } = await import('../core');
  const { createAuthService } = await import('../auth/auth-service');
  const { coreAuditSink } = await import('../auth/core-audit-sink');
  // Opened once the core holds the data folder; windows are connected only after that.
  let auth: import('../auth/auth-service').AuthService | null = null;
  // The business store opens once the window has its first twin view (as in browser mode): records calls wait for it.
  const core = startCore({ dataDir: args.dataDir, ...(args.plantFile ? { plantFile: args.plantFile } : {}), deferStore: true, authService: () => auth, log: (line) => console.log(line) }).then((c) => {
    auth = createAuthService(args.dataDir);
    auth.setAuditSink(coreAuditSink(c));
    if (!auth.accounts.any()) console.log('takt core: no accounts yet: the window creates the first administrator');
    // Closing writes the sessions' last use too.
    const close = c.close.bind(c);
    return Object.assign(c, {
      close: async () => {
        auth?.close();
        await close();
      },
    });
  });
  serveParentPort(parentPort, core, (code) => process.exit(code), windowSignIns(() => auth?.sessions ?? null));
  try {
    const c = await core;
    parentPort.postMessage({ type: 'takt:ready' });
    c.storeReady.catch((err: unknown) => {
      console.error(`takt core: the business store could not open (data dir ${args.dataDir}): ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
  } catch (err) {
    console.error(`takt core: failed to start (data dir ${args.dataDir}${args.plantFile ? `, plant ${args.plantFile}` : ''}): ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  }
}

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
if (parentPort) {
  main(parentPort).catch((err: unknown) => {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  });
}
