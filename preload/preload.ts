/**
 * Sandboxed preload (bundled to one CommonJS file that requires only 'electron').
 *
 * Exposes exactly one frozen global, `window.takt`, and forwards the core's MessagePort from the
 * main process to the page. No ipcRenderer, no Node, no arbitrary channels reach the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { OPEN_WALL_DISPLAY_CHANNEL, PORT_CHANNEL, PORT_MESSAGE_TYPE, PRINT_PDF_CHANNEL, type PrintPdfResult, type TaktPreloadApi } from './api';

export type { TaktPreloadApi } from './api';

/** Reads `--takt-version=x.y.z` (set by the main process in webPreferences.additionalArguments). */
export function versionFromArgv(argv: readonly string[]): string {
  const arg = argv.find((a) => a.startsWith('--takt-version='));
  const value = arg?.slice('--takt-version='.length) ?? '';
  return /^[0-9A-Za-z.+-]{1,64}$/.test(value) ? value : 'unknown';
}

export function createApi(argv: readonly string[], platform: string): TaktPreloadApi {
  return Object.freeze({
    shell: 'electron' as const,
    version: versionFromArgv(argv),
    platform,
    // Takes no arguments: whatever a page passes is dropped, never forwarded to the main process.
    openWallDisplay(): void {
      ipcRenderer.send(OPEN_WALL_DISPLAY_CHANNEL);
    },
    // Only two strings are forwarded (checked again in the main process).
    printPdf(html: string, suggestedName: string): Promise<PrintPdfResult> {
      return ipcRenderer.invoke(PRINT_PDF_CHANNEL, String(html), String(suggestedName)) as Promise<PrintPdfResult>;
    },
  });
}

export const api: TaktPreloadApi = createApi(process.argv, process.platform);

contextBridge.exposeInMainWorld('takt', api);

// The main process sends the core's port after each page load; hand it to the page. Only the
// ports travel: the payload is fixed here, nothing from the main process message is copied.
ipcRenderer.on(PORT_CHANNEL, (event) => {
  if (event.ports.length === 0) return;
  window.postMessage({ type: PORT_MESSAGE_TYPE }, '*', [...event.ports]);
});
