/**
 * Shift report to PDF in the desktop app: the `takt:print-pdf` handler prints with Electron's
 * printToPDF in a hidden, sandboxed, script-less window, saves where the person chose, and refuses
 * senders that are not our renderer and input that is not report HTML.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialog, fake, FakeBrowserWindow, resetFakeElectron } from './fake-electron';

vi.mock('electron', () => import('./fake-electron'));

const { handlePrintPdf, printHtmlToPdf, MAX_REPORT_HTML_CHARS } = await import('../../../main/electron/print-pdf');
const { rendererLocation, rendererUrl } = await import('../../../main/electron/security');

const loc = rendererLocation('/opt/takt/dist');
const trusted = (sender: unknown = {}) => ({ senderFrame: { url: rendererUrl(loc, 'console') }, sender });
const invoke = (event: unknown, ...args: unknown[]) => fake.invokeHandlers.get('takt:print-pdf')!(event, ...args) as Promise<{ ok: boolean; reason?: string; path?: string; bytes?: number }>;

let dir: string;
beforeEach(() => {
  resetFakeElectron();
  dialog.showSaveDialog.mockReset();
  dir = mkdtempSync(join(tmpdir(), 'takt-print-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Electron printToPDF for the shift report', () => {
  it('prints in a hidden sandboxed window with JavaScript off, A4 landscape, and closes it', async () => {
    const pdf = await printHtmlToPdf('<h1>Shift A</h1>');
    expect(pdf.toString()).toMatch(/^%PDF/);
    const win = fake.windows.at(-1) as FakeBrowserWindow;
    expect(win.options).toMatchObject({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false } });
    expect(win.loadedUrl).toBe(`data:text/html;charset=utf-8,${encodeURIComponent('<h1>Shift A</h1>')}`);
    expect(fake.printed.at(-1)!.options).toMatchObject({ landscape: true, pageSize: 'A4', printBackground: true });
    expect(win.destroyed).toBe(true);
  });

  it('saves the printed PDF where the person chose and says where', async () => {
    const out = join(dir, 'report.pdf');
    dialog.showSaveDialog.mockResolvedValue({ canceled: false, filePath: out });
    handlePrintPdf(loc);
    const r = await invoke(trusted(), '<h1>Shift B</h1>', 'shift-2026-11-26-A.pdf');
    expect(r).toMatchObject({ ok: true, path: out });
    expect(readFileSync(out).toString()).toMatch(/^%PDF/);
    expect(r.bytes).toBe(readFileSync(out).length);
    expect(dialog.showSaveDialog.mock.calls[0]!.at(-1)).toMatchObject({ defaultPath: 'shift-2026-11-26-A.pdf' });
  });

  it('refuses other senders and bad input, and reports a cancelled dialog', async () => {
    handlePrintPdf(loc);
    expect(await invoke({ senderFrame: { url: 'https://evil.example/' }, sender: {} }, '<p>x</p>', 'a.pdf')).toMatchObject({ ok: false, reason: expect.stringMatching(/did not come from the Takt console/) });
    expect(await invoke(trusted(), 42, 'a.pdf')).toMatchObject({ ok: false, reason: expect.stringMatching(/HTML text/) });
    expect(await invoke(trusted(), 'x'.repeat(MAX_REPORT_HTML_CHARS + 1), 'a.pdf')).toMatchObject({ ok: false });
    expect(fake.printed).toHaveLength(0);
    dialog.showSaveDialog.mockResolvedValue({ canceled: true, filePath: '' });
    expect(await invoke(trusted(), '<p>x</p>', '../../etc/passwd')).toEqual({ ok: false, reason: 'cancelled' });
    // A suggested name that is not a plain .pdf file name is replaced.
    expect(dialog.showSaveDialog.mock.calls[0]!.at(-1)).toMatchObject({ defaultPath: 'shift-report.pdf' });
  });
});
