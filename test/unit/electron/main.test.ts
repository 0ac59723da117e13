import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { app, fake, ipcMain, resetFakeElectron } from './fake-electron';

vi.mock('electron', () => import('./fake-electron'));

const { runApp, OPEN_WALL_DISPLAY_CHANNEL } = await import('../../../main/electron/main');
const { rendererLocation, rendererUrl } = await import('../../../main/electron/security');
const preloadApi = await import('../../../preload/api');

const dist = resolve('/opt/takt/dist');
let userData: string;

beforeEach(() => {
  resetFakeElectron();
  userData = mkdtempSync(join(tmpdir(), 'takt-main-'));
  fake.userData = userData;
});
afterEach(() => rmSync(userData, { recursive: true, force: true }));

type MenuItem = { id?: string; role?: string; label?: string; submenu?: MenuItem[]; click?: () => void };
const flatten = (items: MenuItem[]): MenuItem[] => items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);

describe('main entry', () => {
  it('does nothing on import outside Electron', () => {
    expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
  });

  it('quits when another instance holds the single-instance lock', async () => {
    fake.lock = false;
    const r = runApp(dist);
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(app.quit).toHaveBeenCalled();
    expect(r.primary).toBe(false);
    expect(await r.ready).toBeUndefined();
    expect(fake.windows).toHaveLength(0);
    expect(fake.forks).toHaveLength(0);
  });

  it('takes the lock, enables the sandbox, forks the core and opens the console with a port', async () => {
    const r = runApp(dist);
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(app.enableSandbox).toHaveBeenCalled();
    const shell = (await r.ready)!;
    expect(fake.forks).toHaveLength(1);
    expect(fake.forks[0]!.modulePath).toBe(join(dist, 'core', 'utility-entry.mjs'));
    expect(fake.forks[0]!.args).toEqual(['--data-dir', join(userData, 'data')]);
    expect(fake.windows).toHaveLength(1);
    const consoleWin = fake.windows[0]!;
    expect((consoleWin.options.webPreferences as { preload: string }).preload).toBe(join(dist, 'preload', 'preload.cjs'));
    expect(consoleWin.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    consoleWin.webContents.finishLoad();
    expect(consoleWin.webContents.posted.map((p) => p.channel)).toEqual(['takt:port']);
    expect(fake.forks[0]!.posted[0]!.ports).toEqual([fake.channels[0]!.port1]);
    // session policy installed, and the navigation policy reached the window's webContents
    expect(fake.headerHandlers).toHaveLength(1);
    expect(fake.permissionRequestHandler).toBeDefined();
    expect(consoleWin.webContents.windowOpenHandler!({ url: 'https://x.example' })).toEqual({ action: 'deny' });
    expect(shell.core.running).toBe(true);
  });

  it('passes --plant and --data-dir switches to the core', async () => {
    fake.switches = { plant: '/plants/demo.yaml', 'data-dir': '/var/takt' };
    await runApp(dist).ready;
    expect(fake.forks[0]!.args).toEqual(['--data-dir', '/var/takt', '--plant', '/plants/demo.yaml']);
  });

  it('opens the wall display from the trusted renderer only, and both windows get ports', async () => {
    expect(OPEN_WALL_DISPLAY_CHANNEL).toBe(preloadApi.OPEN_WALL_DISPLAY_CHANNEL);
    await runApp(dist).ready;
    const loc = rendererLocation(dist);
    ipcMain.emit(OPEN_WALL_DISPLAY_CHANNEL, { senderFrame: { url: 'https://evil.example/' } });
    expect(fake.windows).toHaveLength(1);
    ipcMain.emit(OPEN_WALL_DISPLAY_CHANNEL, { senderFrame: { url: rendererUrl(loc, 'console') } });
    expect(fake.windows).toHaveLength(2);
    const [consoleWin, wall] = fake.windows;
    expect(wall!.options).toMatchObject({ kiosk: true, fullscreen: true });
    consoleWin!.webContents.finishLoad();
    wall!.webContents.finishLoad();
    expect(consoleWin!.webContents.posted).toHaveLength(1);
    expect(wall!.webContents.posted).toHaveLength(1);
    expect(fake.forks[0]!.posted.map((p) => p.ports[0])).toEqual(fake.channels.map((c) => c.port1));
  });

  it('has a menu item for the wall display, and no reload or DevTools in production', async () => {
    fake.isPackaged = true;
    await runApp(dist).ready;
    const items = flatten((fake.menus[0] as { template: MenuItem[] }).template);
    const roles = items.map((i) => i.role).filter(Boolean);
    expect(roles).not.toContain('reload');
    expect(roles).not.toContain('forceReload');
    expect(roles).not.toContain('toggleDevTools');
    items.find((i) => i.id === 'open-wall-display')!.click!();
    expect(fake.windows).toHaveLength(2);
    expect((fake.windows[0]!.options.webPreferences as { devTools: boolean }).devTools).toBe(false);
  });

  it('keeps reload in development', async () => {
    await runApp(dist).ready;
    const roles = flatten((fake.menus[0] as { template: MenuItem[] }).template).map((i) => i.role);
    expect(roles).toContain('reload');
  });

  it('focuses the console on a second instance, and stops the core before quitting', async () => {
    await runApp(dist).ready;
    const consoleWin = fake.windows[0]!;
    app.emit('second-instance');
    expect(consoleWin.focused).toBe(1);
    const event = { preventDefault: vi.fn() };
    app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(fake.forks[0]!.posted.at(-1)!.message).toEqual({ type: 'takt:shutdown' });
    fake.forks[0]!.emit('exit', 0);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
  });
});
