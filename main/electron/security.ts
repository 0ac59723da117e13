/**
 * The security baseline of the desktop shell: one place that says what a Takt window may do.
 *
 * - every window is sandboxed, context-isolated, without Node, with web security on (see
 *   `windows.ts`, which builds BrowserWindows only through these preferences);
 * - the renderer is served from `dist/renderer` only; every other `file://` read is refused and
 *   every response carries a strict Content-Security-Policy;
 * - navigation, new windows, `<webview>`, permissions and device access are denied;
 * - IPC is accepted only from a frame whose URL is our own renderer document.
 */
import { ipcMain, net } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent, Session, WebContents, WebPreferences } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve, sep } from 'node:path';

/**
 * Content-Security-Policy for the renderer. The core is reached over a MessagePort, so the page
 * needs no network at all: `connect-src 'self'` only. No `unsafe-eval`, no inline scripts.
 * Inline styles are allowed (the renderer's own <meta> policy asks for them; styles cannot run
 * code).
 * `blob:` workers and images are for pixi's texture loading; `data:` images and fonts for bundled
 * assets.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The same policy as a `<meta>` element, for documents that are loaded without headers. */
export const CSP_META_TAG = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;

/**
 * The webPreferences every Takt window gets. `windows.ts` writes these literally in its
 * `new BrowserWindow(...)` call too (so static analysers see them); this function is the
 * reference the tests compare against.
 */
export function secureWebPreferences(preload: string, extraArgs: string[] = [], devTools = false): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    // Middle-click (auxclick) must not open links in new windows.
    disableBlinkFeatures: 'Auxclick',
    devTools,
    additionalArguments: extraArgs,
  };
}

/** Where the renderer lives on disk and its entry document. */
export interface RendererLocation {
  /** Absolute folder, e.g. `<app>/dist/renderer`. */
  dir: string;
  /** Absolute path of `index.html` inside `dir`. */
  indexFile: string;
}

export function rendererLocation(distDir: string): RendererLocation {
  const dir = resolve(distDir, 'renderer');
  return { dir, indexFile: resolve(dir, 'index.html') };
}

/**
 * The `file://` URL of the renderer's entry document. The wall display is the same page with
 * `?wall=1` (the renderer switches to its wall layout when the `wall` parameter is present).
 */
export function rendererUrl(loc: RendererLocation, role: 'console' | 'wall' = 'console'): string {
  const url = pathToFileURL(loc.indexFile);
  if (role === 'wall') url.searchParams.set('wall', '1');
  return url.href;
}

/** True when `url` is a `file://` URL of the renderer's entry document (any query or hash). */
export function isRendererDocument(url: string | undefined | null, loc: RendererLocation): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false;
  try {
    return samePath(resolve(fileURLToPath(parsed)), loc.indexFile);
  } catch {
    return false;
  }
}

/** True when `url` is a `file://` URL of a file inside the renderer folder. */
export function isInsideRenderer(url: string, loc: RendererLocation): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false;
  let path: string;
  try {
    path = resolve(fileURLToPath(parsed));
  } catch {
    return false;
  }
  return samePath(path, loc.dir) || samePath(path.slice(0, loc.dir.length + 1), loc.dir + sep);
}

/** Path equality; case-insensitive on Windows and macOS file systems (drive letters, volumes). */
function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' || process.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * A response's headers without any Content-Security-Policy it brought (ours replaces it, see
 * `hardenSession`), plus a few hardening headers.
 */
export function withSecurityHeaders(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // Drop any policy a response brings along: ours is the only one.
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['X-Content-Type-Options'] = ['nosniff'];
  out['Cross-Origin-Opener-Policy'] = ['same-origin'];
  return out;
}

/**
 * Session-wide policy: CSP on every response, `file://` confined to the renderer folder,
 * every permission and device request denied.
 */
export function hardenSession(ses: Session, loc: RendererLocation): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    // The policy is written out here (equal to CONTENT_SECURITY_POLICY, a test checks) so that
    // electronegativity can read and evaluate it.
    callback({
      responseHeaders: {
        ...withSecurityHeaders(details.responseHeaders),
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });

  // Chromium does not run webRequest for file:// documents, so serve file:// ourselves: only files
  // inside dist/renderer, each with the CSP header.
  ses.protocol.handle('file', async (request) => {
    if (!isInsideRenderer(request.url, loc)) {
      return new Response('Takt: this file is outside the application and is not served.', { status: 403 });
    }
    let upstream: Response;
    try {
      upstream = await net.fetch(request.url, { bypassCustomProtocolHandlers: true });
    } catch {
      return new Response('Takt: file not found in the application.', { status: 404 });
    }
    const headers = new Headers(upstream.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    // A file fetch may report status 0; a Response needs 200..599.
    const status = upstream.status >= 200 && upstream.status <= 599 ? upstream.status : 200;
    return new Response(upstream.body, { status, headers });
  });

  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback(null));
}

/** Per-webContents policy: no navigation away from the renderer, no new windows, no webviews. */
export function hardenWebContents(contents: WebContents, loc: RendererLocation): void {
  contents.on('will-navigate', (event, url) => {
    // A same-document reload of our own renderer is the only navigation there is.
    if (!isRendererDocument(url, loc)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** True when an IPC event comes from our renderer document (not an iframe, not a foreign page). */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, loc: RendererLocation): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  return isRendererDocument(frame.url, loc);
}

/**
 * `ipcMain.on` that drops messages from any sender but our renderer. Returns an unsubscribe.
 * `onRejected` is told about the drop (for logging).
 */
export function onTrustedIpc(
  channel: string,
  loc: RendererLocation,
  listener: (event: IpcMainEvent, ...args: unknown[]) => void,
  onRejected: (channel: string, url: string | undefined) => void = (ch, url) =>
    console.warn(`takt: ignored IPC "${ch}" from untrusted sender ${url ?? '(no frame)'}`),
): () => void {
  const wrapped = (event: IpcMainEvent, ...args: unknown[]): void => {
    if (!isTrustedSender(event, loc)) {
      onRejected(channel, event.senderFrame?.url);
      return;
    }
    listener(event, ...args);
  };
  ipcMain.on(channel, wrapped);
  return () => {
    ipcMain.removeListener(channel, wrapped);
  };
}
