/**
 * Electron main entry: single-instance lock and the app lifecycle. Everything else lives in its
 * own module: `security.ts` (policy), `windows.ts` (console + wall display), `core-process.ts`
 * (the plant core in a utilityProcess), `menu.ts`.
 */
import { app, dialog, session } from 'electron';
import { join, resolve } from 'node:path';
import { CoreProcess } from './core-process';
import { installMenu } from './menu';
import { parseWallDisplaySelector } from './placement';
import { hardenSession, hardenWebContents, onTrustedIpc, rendererLocation } from './security';
import { handlePrintPdf } from './print-pdf';
import { WindowManager } from './windows';

export const OPEN_WALL_DISPLAY_CHANNEL = 'takt:open-wall-display';

export interface TaktShell {
  core: CoreProcess;
  windows: WindowManager;
}

export interface RunResult {
  /** False when another instance holds the lock; this one quits. */
  primary: boolean;
  /** Resolves once the app is ready and the console window exists. */
  ready: Promise<TaktShell | undefined>;
}

/** Starts the desktop shell. `distDir` is the folder holding `electron/`, `preload/`, `core/`, `renderer/`. */
export function runApp(distDir: string): RunResult {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { primary: false, ready: Promise.resolve(undefined) };
  }
  app.enableSandbox();

  const renderer = rendererLocation(distDir);
  const isProduction = app.isPackaged;
  const switchOrEnv = (name: string, env: string): string | undefined => app.commandLine.getSwitchValue(name) || process.env[env] || undefined;

  // Every webContents, whoever creates it, gets the navigation / window-open policy.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, renderer));

  const core = new CoreProcess({
    entry: join(distDir, 'core', 'utility-entry.mjs'),
    dataDir: switchOrEnv('data-dir', 'TAKT_DATA_DIR') ?? join(app.getPath('userData'), 'data'),
    plantFile: switchOrEnv('plant', 'TAKT_PLANT_FILE'),
    onGiveUp: (code) =>
      dialog.showErrorBox('Takt core stopped', `The plant core exited (code ${code}) and kept failing after restarts. Check the log, then restart Takt.`),
  });
  const windows = new WindowManager({
    renderer,
    preload: join(distDir, 'preload', 'preload.cjs'),
    appVersion: app.getVersion(),
    userDataDir: app.getPath('userData'),
    devTools: !isProduction,
    wallDisplay: parseWallDisplaySelector(switchOrEnv('wall-display', 'TAKT_WALL_DISPLAY')),
    onCreated: (win) => core.attach(win.webContents),
  });

  app.on('second-instance', () => windows.openConsole());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let coreStopped = false;
  app.on('before-quit', (event) => {
    if (coreStopped || !core.running) return;
    event.preventDefault();
    void core.stop().finally(() => {
      coreStopped = true;
      app.quit();
    });
  });

  const ready = app.whenReady().then(() => {
    hardenSession(session.defaultSession, renderer);
    onTrustedIpc(OPEN_WALL_DISPLAY_CHANNEL, renderer, () => windows.openWallDisplay());
    handlePrintPdf(renderer);
    installMenu({
      isProduction,
      isMac: process.platform === 'darwin',
      openWallDisplay: () => windows.openWallDisplay(),
      closeWallDisplay: () => windows.closeWallDisplay(),
    });
    core.start();
    windows.openConsole();
    app.on('activate', () => windows.openConsole());
    return { core, windows };
  });
  return { primary: true, ready };
}

// In Electron's main process (not under test): run, with dist/ one level above this bundle.
if (process.versions.electron && process.type === 'browser') {
  runApp(resolve(__dirname, '..'));
}
