/**
 * Prints an HTML page to PDF with Chromium (`page.pdf`, playwright-core), as browser mode and
 * `takt report` do. Debian's Chromium at /usr/bin/chromium unless CHROMIUM_PATH says otherwise.
 */
import { existsSync } from 'node:fs';

export function reportChromiumPath(): string {
  const p = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary`);
  return p;
}

/** A4 landscape, backgrounds printed; returns the PDF bytes. Optionally a PNG of the page as laid out for print. */
export async function htmlToPdf(html: string, opts: { png?: boolean } = {}): Promise<{ pdf: Buffer; png?: Buffer }> {
  // Loaded on demand: playwright-core is a large part of the core's start-up, and only reports need it.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: reportChromiumPath(), args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'], headless: true });
  try {
    // 297 × 210 mm at 96 dpi, less the 10/9 mm margins: the PNG shows what the PDF page holds.
    const page = await browser.newPage({ viewport: { width: 1047, height: 726 } });
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true, preferCSSPageSize: true });
    const png = opts.png ? await page.screenshot({ fullPage: true }) : undefined;
    return { pdf, ...(png ? { png } : {}) };
  } finally {
    await browser.close();
  }
}
