/**
 * The two Takt windows: the console (a normal, remembered window) and the wall display
 * (kiosk, full screen on a chosen display). Every window is built by `newTaktWindow`, which
 * writes the security baseline of `security.ts` literally into its webPreferences.
 */
import { BrowserWindow, screen } from 'electron';
import type { BrowserWindowConstructorOptions } from 'electron';
import { join } from 'node:path';
import { rendererUrl, type RendererLocation } from './security';
import {
  chooseWallDisplay,
  loadPlacements,
  PLACEMENT_FILE_NAME,
  restorablePlacement,
  savePlacements,
  type WallDisplaySelector,
} from './placement';

export type WindowRole = 'console' | 'wall';

export interface WindowOptions {
  renderer: RendererLocation;
  /** Absolute path of `dist/preload/preload.cjs`. */
  preload: string;
  appVersion: string;
  /** `app.getPath('userData')`: the placement file lives here. */
  userDataDir: string;
  /** DevTools are available only in development. */
  devTools: boolean;
  /** Which display the wall window uses (else remembered, else first non-primary). */
  wallDisplay?: WallDisplaySelector;
  /** Called for every window created, before its page loads (the core hands it a port). */
  onCreated?: (win: BrowserWindow, role: WindowRole) => void;
}

const BACKGROUND = '#2b2b2b'; // ISA-101 calm grey, also the colour before the first paint

/** Arguments the preload reads from `process.argv` (a sandboxed preload has no other channel). */
export function preloadArguments(appVersion: string): string[] {
  return [`--takt-version=${appVersion}`];
}

/** Builds a BrowserWindow with the Takt security baseline; `options` may not touch webPreferences. */
export function newTaktWindow(options: Omit<BrowserWindowConstructorOptions, 'webPreferences'>, opts: WindowOptions): BrowserWindow {
  return new BrowserWindow({
    title: 'Takt',
    backgroundColor: BACKGROUND,
    show: false,
    ...options,
    webPreferences: {
      preload: opts.preload,
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
      disableBlinkFeatures: 'Auxclick',
      devTools: opts.devTools,
      additionalArguments: preloadArguments(opts.appVersion),
    },
  });
}

export class WindowManager {
  private consoleWin: BrowserWindow | undefined;
  private wallWin: BrowserWindow | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  readonly placementFile: string;

  constructor(private readonly opts: WindowOptions) {
    this.placementFile = join(opts.userDataDir, PLACEMENT_FILE_NAME);
  }

  get console(): BrowserWindow | undefined {
    return this.consoleWin && !this.consoleWin.isDestroyed() ? this.consoleWin : undefined;
  }

  get wall(): BrowserWindow | undefined {
    return this.wallWin && !this.wallWin.isDestroyed() ? this.wallWin : undefined;
  }

  /** Opens the console window (or focuses it), at its remembered place if that is still visible. */
  openConsole(): BrowserWindow {
    const existing = this.console;
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.focus();
      return existing;
    }
    const saved = restorablePlacement(loadPlacements(this.placementFile).console, screen.getAllDisplays());
    const win = newTaktWindow(
      {
        minWidth: 960,
        minHeight: 600,
        ...(saved
          ? { x: saved.bounds.x, y: saved.bounds.y, width: saved.bounds.width, height: saved.bounds.height }
          : { width: 1440, height: 900, center: true }),
      },
      this.opts,
    );
    this.consoleWin = win;
    if (saved?.maximized) win.maximize();
    const scheduleSave = () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.saveConsolePlacement(win), 500);
    };
    win.on('resize', scheduleSave);
    win.on('move', scheduleSave);
    win.on('close', () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveConsolePlacement(win);
    });
    win.on('closed', () => {
      if (this.consoleWin === win) this.consoleWin = undefined;
    });
    this.show(win, 'console');
    return win;
  }

  /** Opens the wall display in kiosk mode on the chosen display (or focuses it). */
  openWallDisplay(): BrowserWindow {
    const existing = this.wall;
    if (existing) {
      existing.focus();
      return existing;
    }
    const stored = loadPlacements(this.placementFile);
    const display = chooseWallDisplay(screen.getAllDisplays(), screen.getPrimaryDisplay(), this.opts.wallDisplay, stored.wallDisplayId);
    const { x, y, width, height } = display.bounds;
    const win = newTaktWindow({ x, y, width, height, frame: false, kiosk: true, fullscreen: true, autoHideMenuBar: true }, this.opts);
    this.wallWin = win;
    this.writePlacements({ ...loadPlacements(this.placementFile), wallDisplayId: display.id });
    win.on('closed', () => {
      if (this.wallWin === win) this.wallWin = undefined;
    });
    this.show(win, 'wall');
    return win;
  }

  closeWallDisplay(): void {
    this.wall?.close();
  }

  private show(win: BrowserWindow, role: WindowRole): void {
    win.once('ready-to-show', () => win.show());
    this.opts.onCreated?.(win, role);
    void win.loadURL(rendererUrl(this.opts.renderer, role)).catch((e: unknown) => {
      console.error(`takt: could not load the ${role} window from ${this.opts.renderer.indexFile}: ${String(e)}. Run "npm run build" first.`);
    });
  }

  /** Saves the console's normal (un-maximized) bounds and whether it was maximized. */
  saveConsolePlacement(win: BrowserWindow): void {
    if (win.isDestroyed()) return;
    const bounds = win.getNormalBounds();
    const current = loadPlacements(this.placementFile);
    this.writePlacements({
      ...current,
      console: { bounds, maximized: win.isMaximized(), displayId: screen.getDisplayMatching(bounds).id },
    });
  }

  private writePlacements(data: ReturnType<typeof loadPlacements>): void {
    try {
      savePlacements(this.placementFile, data);
    } catch (e) {
      console.warn(`takt: could not save window placement to ${this.placementFile}: ${String(e)}`);
    }
  }
}
