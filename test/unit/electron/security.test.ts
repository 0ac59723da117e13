import { beforeEach, describe, expect, it, vi } from 'vitest';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { fake, FakeWebContents, ipcMain, resetFakeElectron, session } from './fake-electron';

vi.mock('electron', () => import('./fake-electron'));

const {
  CONTENT_SECURITY_POLICY,
  hardenSession,
  hardenWebContents,
  isRendererDocument,
  onTrustedIpc,
  rendererLocation,
  rendererUrl,
  secureWebPreferences,
  withSecurityHeaders,
} = await import('../../../main/electron/security');

const dist = resolve('/opt/takt/dist');
const loc = rendererLocation(dist);

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

beforeEach(() => resetFakeElectron());

describe('Content-Security-Policy', () => {
  const d = directives(CONTENT_SECURITY_POLICY);
  it("is strict: default-src 'self', no unsafe-eval, no unsafe-inline scripts, no plugins", () => {
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });
  it('lets the page connect only to itself (the core comes over a MessagePort) or the local core', () => {
    for (const source of d.get('connect-src')!) expect(["'self'", 'ws://127.0.0.1:*']).toContain(source);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*(?!:)/);
  });
  it('is put on every response by onHeadersReceived, replacing any policy the response brought', () => {
    hardenSession(session.defaultSession as never, loc);
    expect(fake.headerHandlers).toHaveLength(1);
    let out: Record<string, string[]> | undefined;
    fake.headerHandlers[0]!({ responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, (r) => (out = r.responseHeaders));
    expect(out!['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(out!['content-security-policy']).toBeUndefined();
    expect(out!['X-Other']).toEqual(['1']);
    expect(withSecurityHeaders(undefined)['X-Content-Type-Options']).toEqual(['nosniff']);
  });
  it('serves file:// only from the renderer folder, with the CSP header', async () => {
    hardenSession(session.defaultSession as never, loc);
    const handler = fake.protocolHandlers.get('file')!;
    const ok = await handler({ url: rendererUrl(loc, 'console') });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const asset = await handler({ url: pathToFileURL(join(loc.dir, 'assets', 'index-abc.js')).href });
    expect(asset.status).toBe(200);
    for (const outside of [pathToFileURL('/etc/passwd').href, pathToFileURL(join(dist, 'core', 'utility-entry.mjs')).href, `${pathToFileURL(loc.dir).href}/../../secret`]) {
      expect((await handler({ url: outside })).status, outside).toBe(403);
    }
    expect(fake.fetched.every((u) => u.startsWith(pathToFileURL(loc.dir).href))).toBe(true);
  });
});

describe('permissions', () => {
  it('denies every permission request and check, device and display-media request', () => {
    hardenSession(session.defaultSession as never, loc);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const cb = vi.fn();
      fake.permissionRequestHandler!({}, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
      expect(fake.permissionCheckHandler!({}, p)).toBe(false);
    }
    expect(fake.devicePermissionHandler!({ deviceType: 'usb' })).toBe(false);
    const cb = vi.fn();
    fake.displayMediaHandler!({}, cb);
    expect(cb).toHaveBeenCalledWith(null);
  });
});

describe('webPreferences baseline', () => {
  it('is isolated, sandboxed, without Node, with web security', () => {
    const p = secureWebPreferences('/x/preload.cjs');
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
  });
});

describe('navigation and new windows', () => {
  it('blocks navigation away from the renderer, redirects and webviews; denies window.open', () => {
    const wc = new FakeWebContents();
    hardenWebContents(wc as never, loc);
    const nav = (url: string) => {
      const event = { preventDefault: vi.fn() };
      wc.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(nav(pathToFileURL(join(loc.dir, 'other.html')).href)).toBe(true);
    expect(nav(rendererUrl(loc, 'console'))).toBe(false);
    for (const ev of ['will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      wc.emit(ev, event, 'https://evil.example/');
      expect(event.preventDefault).toHaveBeenCalled();
    }
    expect(wc.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: rendererUrl(loc) })).toEqual({ action: 'deny' });
  });
  it('recognises only the renderer document as ours', () => {
    expect(isRendererDocument(rendererUrl(loc, 'wall'), loc)).toBe(true);
    expect(isRendererDocument(`${rendererUrl(loc)}#/x`, loc)).toBe(true);
    expect(isRendererDocument('https://127.0.0.1/index.html', loc)).toBe(false);
    expect(isRendererDocument('file://remote-host/opt/takt/dist/renderer/index.html', loc)).toBe(false);
    expect(isRendererDocument('not a url', loc)).toBe(false);
    expect(isRendererDocument(undefined, loc)).toBe(false);
  });
});

describe('IPC sender check', () => {
  it('accepts messages from our file:// renderer and rejects foreign or frameless senders', () => {
    const listener = vi.fn();
    const rejected = vi.fn();
    const off = onTrustedIpc('takt:test', loc, listener, rejected);
    ipcMain.emit('takt:test', { senderFrame: { url: rendererUrl(loc, 'console') } }, 'a');
    expect(listener).toHaveBeenCalledTimes(1);
    ipcMain.emit('takt:test', { senderFrame: { url: 'https://evil.example/index.html' } });
    ipcMain.emit('takt:test', { senderFrame: { url: 'file:///tmp/evil/index.html' } });
    ipcMain.emit('takt:test', { senderFrame: null });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(rejected).toHaveBeenCalledTimes(3);
    expect(rejected).toHaveBeenCalledWith('takt:test', 'https://evil.example/index.html');
    off();
    expect(ipcMain.listenerCount('takt:test')).toBe(0);
  });
});

describe('file:// handler edge cases', () => {
  it('answers 404 when the file does not exist inside the renderer folder', async () => {
    const { net } = await import('./fake-electron');
    hardenSession(session.defaultSession as never, loc);
    const spy = vi.spyOn(net, 'fetch').mockRejectedValueOnce(new Error('ERR_FILE_NOT_FOUND'));
    const res = await fake.protocolHandlers.get('file')!({ url: pathToFileURL(join(loc.dir, 'missing.js')).href });
    expect(res.status).toBe(404);
    spy.mockRestore();
  });
  it('does not treat a sibling folder with the same prefix as inside', async () => {
    hardenSession(session.defaultSession as never, loc);
    const res = await fake.protocolHandlers.get('file')!({ url: pathToFileURL(`${loc.dir}-evil/index.html`).href });
    expect(res.status).toBe(403);
  });
});
