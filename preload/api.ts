/**
 * The one global the preload gives a page: `window.takt`. Types and channel names only; the
 * renderer may `import type { TaktPreloadApi } from '../../preload/api'` to declare `window.takt`.
 */
export interface TaktPreloadApi {
  /** Tells the renderer it runs inside the desktop shell (browser mode has no `window.takt`). */
  readonly shell: 'electron';
  /** Takt's version (the app's, not Electron's). */
  readonly version: string;
  /** `process.platform` of the machine: 'linux' | 'win32' | 'darwin' | … */
  readonly platform: string;
  /** Opens (or focuses) the wall display window. Takes no arguments. */
  openWallDisplay(): void;
  /**
   * Prints report HTML to PDF with Electron's `printToPDF` (A4 landscape) and saves it where the
   * person chooses. Only text crosses: the HTML and a suggested file name.
   */
  printPdf(html: string, suggestedName: string): Promise<PrintPdfResult>;
}

export type PrintPdfResult = { ok: true; path: string; bytes: number } | { ok: false; reason: string };

/** The main process posts the core's MessagePort on this channel; the preload forwards it. */
export const PORT_CHANNEL = 'takt:port';
/** `window.postMessage` type the renderer listens for; `event.ports[0]` is the core port. */
export const PORT_MESSAGE_TYPE = 'takt:port';
/** Renderer → main: open the wall display. */
export const OPEN_WALL_DISPLAY_CHANNEL = 'takt:open-wall-display';
/** Renderer → main (invoke): print report HTML to PDF and save it. */
export const PRINT_PDF_CHANNEL = 'takt:print-pdf';
