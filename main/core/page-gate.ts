/**
 * Browser mode's start-up gate: lets a console page that is already waiting get its first files
 * before the core's boot takes the thread.
 *
 * Why: the same Node thread serves the page's files and boots the core, and the boot's steps (the
 * journal, the twin's actors, the rules) each hold the thread for up to a few hundred milliseconds
 * on a loaded machine. A page that asked for its scripts just after the URL was announced waited
 * behind them (measured: ~0.9 s between the request of the main script and its arrival), and the
 * page's own start (compiling and running those scripts, in the browser's process, on the other
 * core) could not overlap the boot. Serving the few files the HTML names first (from memory: a few
 * milliseconds) lets both run at once.
 *
 * The gate opens when the first of these happens:
 *  - every file the built index.html references has been served after the HTML itself;
 *  - no page asked for the HTML within `waitForPageMs` of the URL (headless start, a browser opened
 *    later, a client of the WebSocket or the HTTP API only: nobody is waiting for files, so the
 *    boot is delayed by that much at most); a request that arrived while the thread was busy is
 *    read before this is decided;
 *  - `maxWaitMs` after the HTML was asked for (a page that stopped loading).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PageGate {
  /** A static file was served (its URL path, e.g. `/assets/index-abc.js`). */
  served(path: string): void;
  /** Call once the URL is announced; resolves once the boot may go on. */
  start(): Promise<void>;
}

export interface PageGateOptions {
  /** URL paths the HTML names (from `initialPageFiles`). */
  files: readonly string[];
  waitForPageMs?: number;
  maxWaitMs?: number;
}

/** The same-origin files (scripts, module preloads, styles) that `index.html` references, as URL paths. */
export function initialPageFiles(rendererDir: string): string[] {
  let html: string;
  try {
    html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)) {
    const ref = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('//')) continue; // data:, http:, protocol-relative: not ours to serve
    out.add(new URL(ref, 'http://x/').pathname);
  }
  return [...out];
}

/** Runs `fn` after two turns of the event loop, so that a connection accepted meanwhile has had its request read. */
const afterPendingIo = (fn: () => void) => setImmediate(() => setImmediate(fn));

export function createPageGate(opts: PageGateOptions): PageGate {
  const pending = new Set(opts.files);
  const waitForPageMs = opts.waitForPageMs ?? 250;
  const maxWaitMs = opts.maxWaitMs ?? 600;
  let pageComing = false;
  let open: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(timer);
    const o = open;
    open = null;
    o?.();
  };
  /** A page asked for the HTML: wait for its files, at most maxWaitMs. */
  const awaitFiles = () => {
    clearTimeout(timer);
    if (pending.size === 0) finish();
    else timer = setTimeout(finish, maxWaitMs);
  };
  return {
    served(path) {
      if (path === '/' || path === '/index.html') {
        if (!pageComing) {
          pageComing = true;
          if (open) awaitFiles();
        }
        return;
      }
      if (pending.delete(path) && pending.size === 0 && open) finish();
    },
    start() {
      return new Promise<void>((resolve) => {
        open = resolve;
        if (pageComing) awaitFiles();
        else timer = setTimeout(() => afterPendingIo(() => (pageComing ? awaitFiles() : finish())), waitForPageMs);
      });
    },
  };
}
