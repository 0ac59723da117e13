/**
 * The shift report as PDF in the desktop app, with Electron's own `webContents.printToPDF`
 * (browser mode and `takt report` print with Chromium's `page.pdf` through playwright-core; a
 * packaged desktop app has no separate Chromium). The renderer builds the report HTML from
 * `report.shift`; it is laid out in a hidden, sandboxed window with JavaScript off, printed A4
 * landscape, and saved where the person chooses.
 */
import { BrowserWindow, dialog, ipcMain, type SaveDialogOptions, type SaveDialogReturnValue } from 'electron';
import { writeFile } from 'node:fs/promises';
import { isTrustedSender, type RendererLocation } from './security';

/** Same channel and result as preload/api.ts (main may not import preload code; both tests pin the name). */
export const PRINT_PDF_CHANNEL = 'takt:print-pdf';
export type PrintPdfResult = { ok: true; path: string; bytes: number } | { ok: false; reason: string };

/** Largest report HTML accepted from the renderer (a month of a large plant is well under 1 MB). */
export const MAX_REPORT_HTML_CHARS = 5_000_000;

export async function printHtmlToPdf(html: string): Promise<Buffer> {
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webSecurity: true, disableBlinkFeatures: 'Auxclick' },
  });
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    return await win.webContents.printToPDF({ landscape: true, pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    win.destroy();
  }
}

export interface PrintPdfDeps {
  print(html: string): Promise<Buffer>;
  save(owner: BrowserWindow | null, options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
  write(path: string, data: Buffer): Promise<void>;
}

const defaultDeps: PrintPdfDeps = {
  print: printHtmlToPdf,
  save: (owner, options) => (owner ? dialog.showSaveDialog(owner, options) : dialog.showSaveDialog(options)),
  write: (path, data) => writeFile(path, data),
};

/** Serves `takt:print-pdf` for our renderer only. Returns an unsubscribe. */
export function handlePrintPdf(loc: RendererLocation, deps: PrintPdfDeps = defaultDeps): () => void {
  ipcMain.handle(PRINT_PDF_CHANNEL, async (event, html: unknown, suggestedName: unknown): Promise<PrintPdfResult> => {
    if (!isTrustedSender(event, loc)) return { ok: false, reason: 'refused: the request did not come from the Takt console' };
    if (typeof html !== 'string' || html.length === 0 || html.length > MAX_REPORT_HTML_CHARS) {
      return { ok: false, reason: `the report must be HTML text of 1 to ${MAX_REPORT_HTML_CHARS} characters` };
    }
    const name = typeof suggestedName === 'string' && /^[\w. -]{1,120}\.pdf$/.test(suggestedName) ? suggestedName : 'shift-report.pdf';
    try {
      const pdf = await deps.print(html);
      const choice = await deps.save(BrowserWindow.fromWebContents(event.sender), { title: 'Save the shift report', defaultPath: name, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (choice.canceled || !choice.filePath) return { ok: false, reason: 'cancelled' };
      await deps.write(choice.filePath, pdf);
      return { ok: true, path: choice.filePath, bytes: pdf.length };
    } catch (e) {
      return { ok: false, reason: `could not print the report: ${(e as Error).message}` };
    }
  });
  return () => ipcMain.removeHandler(PRINT_PDF_CHANNEL);
}
