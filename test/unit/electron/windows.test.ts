import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fake, resetFakeElectron } from './fake-electron';

vi.mock('electron', () => import('./fake-electron'));

const { WindowManager, preloadArguments } = await import('../../../main/electron/windows');
const { rendererLocation, secureWebPreferences, isRendererDocument } = await import('../../../main/electron/security');
const placement = await import('../../../main/electron/placement');

const loc = rendererLocation(resolve('/opt/takt/dist'));
let userData: string;

function manager(extra: Partial<ConstructorParameters<typeof WindowManager>[0]> = {}) {
  return new WindowManager({ renderer: loc, preload: '/opt/takt/dist/preload/preload.cjs', appVersion: '0.1.0', userDataDir: userData, devTools: false, ...extra });
}

beforeEach(() => {
  resetFakeElectron();
  userData = mkdtempSync(join(tmpdir(), 'takt-windows-'));
});
afterEach(() => rmSync(userData, { recursive: true, force: true }));

describe('console window', () => {
  it('is built with exactly the security baseline and loads the renderer by file URL', () => {
    const win = manager().openConsole() as unknown as (typeof fake.windows)[number];
    expect(win.options.webPreferences).toEqual(secureWebPreferences('/opt/takt/dist/preload/preload.cjs', preloadArguments('0.1.0'), false));
    expect(win.options.title).toBe('Takt');
    expect(win.options.show).toBe(false);
    expect(win.loadedUrl).toMatch(/^file:\/\//);
    expect(isRendererDocument(win.loadedUrl, loc)).toBe(true);
    expect(new URL(win.loadedUrl!).search).toBe('');
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('enables DevTools only when asked (development)', () => {
    const win = manager({ devTools: true }).openConsole() as unknown as (typeof fake.windows)[number];
    expect((win.options.webPreferences as { devTools: boolean }).devTools).toBe(true);
  });

  it('focuses the existing console instead of opening a second one', () => {
    const m = manager();
    const a = m.openConsole();
    const b = m.openConsole();
    expect(a).toBe(b);
    expect(fake.windows).toHaveLength(1);
  });

  it('saves its placement on close and restores it next time', () => {
    const m = manager();
    const win = m.openConsole() as unknown as (typeof fake.windows)[number];
    win.bounds = { x: 2000, y: 50, width: 1200, height: 800 };
    win.maximized = true;
    win.close();
    const saved = JSON.parse(readFileSync(join(userData, placement.PLACEMENT_FILE_NAME), 'utf8'));
    expect(saved.console).toEqual({ bounds: { x: 2000, y: 50, width: 1200, height: 800 }, maximized: true, displayId: 2 });

    const again = manager().openConsole() as unknown as (typeof fake.windows)[number];
    expect(again.options).toMatchObject({ x: 2000, y: 50, width: 1200, height: 800 });
    expect(again.maximized).toBe(true);
  });

  it('discards a saved placement that is no longer on a visible display', () => {
    writeFileSync(join(userData, placement.PLACEMENT_FILE_NAME), JSON.stringify({ version: 1, console: { bounds: { x: 6000, y: 100, width: 1200, height: 800 } } }));
    const win = manager().openConsole() as unknown as (typeof fake.windows)[number];
    expect(win.options.x).toBeUndefined();
    expect(win.options.center).toBe(true);
    expect(win.options).toMatchObject({ width: 1440, height: 900 });
  });

  it('ignores a corrupt placement file', () => {
    writeFileSync(join(userData, placement.PLACEMENT_FILE_NAME), '{ not json');
    const win = manager().openConsole() as unknown as (typeof fake.windows)[number];
    expect(win.options.center).toBe(true);
  });
});

describe('wall display window', () => {
  it('opens kiosk and full screen on the first non-primary display by default, and remembers it', () => {
    const win = manager().openWallDisplay() as unknown as (typeof fake.windows)[number];
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true, frame: false, x: 1920, y: 0, width: 3840, height: 2160 });
    expect(win.options.webPreferences).toEqual(secureWebPreferences('/opt/takt/dist/preload/preload.cjs', preloadArguments('0.1.0'), false));
    expect(new URL(win.loadedUrl!).searchParams.has('wall')).toBe(true);
    expect(JSON.parse(readFileSync(join(userData, placement.PLACEMENT_FILE_NAME), 'utf8')).wallDisplayId).toBe(2);
  });

  it('uses the configured display (by index or id)', () => {
    const byIndex = manager({ wallDisplay: { index: 0 } }).openWallDisplay() as unknown as (typeof fake.windows)[number];
    expect(byIndex.options).toMatchObject({ x: 0, y: 0, width: 1920, height: 1080 });
    byIndex.close();
    const byId = manager({ wallDisplay: { id: 2 } }).openWallDisplay() as unknown as (typeof fake.windows)[number];
    expect(byId.options).toMatchObject({ x: 1920 });
  });

  it('reopens on the remembered display while it is connected, else falls back', () => {
    writeFileSync(join(userData, placement.PLACEMENT_FILE_NAME), JSON.stringify({ version: 1, wallDisplayId: 1 }));
    const m = manager();
    const first = m.openWallDisplay() as unknown as (typeof fake.windows)[number];
    expect(first.options).toMatchObject({ x: 0 });
    expect(m.openWallDisplay()).toBe(first); // focus, not a second wall
    m.closeWallDisplay();
    fake.displays = [fake.displays[1]!]; // display 1 unplugged
    const second = manager().openWallDisplay() as unknown as (typeof fake.windows)[number];
    expect(second.options).toMatchObject({ x: 1920 });
  });

  it('tells onCreated about each window before it loads (for the core port)', () => {
    const seen: string[] = [];
    const m = manager({ onCreated: (w, role) => seen.push(`${role}:${(w as unknown as { loadedUrl?: string }).loadedUrl ?? 'unloaded'}`) });
    m.openConsole();
    m.openWallDisplay();
    expect(seen).toEqual(['console:unloaded', 'wall:unloaded']);
  });
});

describe('placement rules', () => {
  const displays = [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 25, width: 1920, height: 1055 } }];
  it('keeps windows whose title bar is reachable and drops those that are not', () => {
    expect(placement.isVisibleOnSomeDisplay({ x: 100, y: 100, width: 800, height: 600 }, displays)).toBe(true);
    expect(placement.isVisibleOnSomeDisplay({ x: 1850, y: 100, width: 800, height: 600 }, displays)).toBe(false); // 70 px visible
    expect(placement.isVisibleOnSomeDisplay({ x: 100, y: -400, width: 800, height: 600 }, displays)).toBe(false); // title bar above the screen
    expect(placement.isVisibleOnSomeDisplay({ x: -3000, y: 0, width: 800, height: 600 }, displays)).toBe(false);
  });
  it('parses the wall display selector', () => {
    expect(placement.parseWallDisplaySelector('2')).toEqual({ index: 2 });
    expect(placement.parseWallDisplaySelector('index:1')).toEqual({ index: 1 });
    expect(placement.parseWallDisplaySelector('id:2779098405')).toEqual({ id: 2779098405 });
    expect(placement.parseWallDisplaySelector('left')).toBeUndefined();
    expect(placement.parseWallDisplaySelector('')).toBeUndefined();
  });
  it('falls back to the primary display when it is the only one, and when the configured one is gone', () => {
    expect(placement.chooseWallDisplay(displays, displays[0]!, { index: 3 }).id).toBe(1);
  });
  it('writes atomically and reads back', () => {
    const file = join(userData, 'sub', 'p.json');
    placement.savePlacements(file, { version: 1, wallDisplayId: 7 });
    expect(existsSync(file)).toBe(true);
    expect(placement.loadPlacements(file)).toEqual({ version: 1, wallDisplayId: 7 });
  });
});
