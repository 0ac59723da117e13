/**
 * Browser mode's start-up gate: a console page that is already waiting gets going before the
 * core's boot takes the thread.
 *
 * Why: the same Node thread serves the page's files, accepts its WebSocket and boots the core, and
 * the boot's steps (the journal, the twin's actors, the rules) each hold the thread for up to a few
 * hundred milliseconds on a loaded machine. Without this gate the page's main script and its
 * WebSocket each waited behind a boot step. Once the console is connected, it has its plant (answered before
 * the core is up, boot-socket.ts) and builds its floor in the browser's process while the core boots
 * in this one: the two overlap on the two cores instead of taking turns.
 *
 * The gate opens when the first of these happens:
 *  - a console is connected (its `plant.get` was answered);
 *  - no page asked for the HTML within `waitForPageMs` of the URL (headless start, a browser opened
 *    later, a client of the WebSocket or the HTTP API only: the boot is delayed by that much at
 *    most); a request that arrived while the thread was busy is read before this is decided;
 *  - `maxWaitMs` after the HTML was asked for (a page that stopped loading, or a plain download).
 */

export interface PageGate {
  /** A static file was served (its URL path); the HTML (`/`, `/index.html`) means a page is loading. */
  served(path: string): void;
  /** A console connected and has its plant. */
  consoleConnected(): void;
  /** Call once the URL is announced; resolves once the boot may go on. */
  start(): Promise<void>;
}

export interface PageGateOptions {
  waitForPageMs?: number;
  maxWaitMs?: number;
}

/** Runs `fn` after two turns of the event loop, so that a connection accepted meanwhile has had its request read. */
const afterPendingIo = (fn: () => void) => setImmediate(() => setImmediate(fn));

export function createPageGate(opts: PageGateOptions = {}): PageGate {
  const waitForPageMs = opts.waitForPageMs ?? 250;
  const maxWaitMs = opts.maxWaitMs ?? 2000;
  let pageComing = false;
  let connected = false;
  let open: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(timer);
    const o = open;
    open = null;
    o?.();
  };
  /** A page asked for the HTML: wait for it to connect, at most maxWaitMs. */
  const awaitConsole = () => {
    clearTimeout(timer);
    timer = setTimeout(finish, maxWaitMs);
  };
  return {
    served(path) {
      if ((path === '/' || path === '/index.html') && !pageComing) {
        pageComing = true;
        if (open && !connected) awaitConsole();
      }
    },
    consoleConnected() {
      connected = true;
      finish();
    },
    start() {
      return new Promise<void>((resolve) => {
        open = resolve;
        if (connected) finish();
        else if (pageComing) awaitConsole();
        else timer = setTimeout(() => afterPendingIo(() => (connected ? finish() : pageComing ? awaitConsole() : finish())), waitForPageMs);
      });
    },
  };
}
