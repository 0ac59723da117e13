/**
 * CSV formula injection: every cell Takt writes that a spreadsheet would run as a formula is
 * neutralised with a leading quote (OWASP), numbers included as they are; `takt import` refuses
 * order ids that start a formula.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvCell, toCsv } from '../../../shared/files/csv-write';
import { previewImport, parseCsvMapping } from '../../../shared/import';
import { demoPlant, fixture, NOW } from '../import/helpers';

const hostile = ['=1+2', "@SUM(1+1)*cmd|' /C calc'!A0", '+HYPERLINK("http://x","click")', '-2+3', '\tTAB', '\rCR=1'];

describe('CSV cells', () => {
  it('prefix text that starts a formula with a single quote, and keep numbers and plain text', () => {
    for (const h of hostile) {
      const cell = csvCell(h);
      const back = (parse(`${cell}\r\n`, { relax_quotes: true }) as string[][])[0]?.[0];
      expect(back).toBe(`'${h}`);
    }
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell('Line jam')).toBe('"Line jam"');
    expect(csvCell("it's fine")).toBe(`"it's fine"`);
    expect(csvCell(null)).toBe('');
  });

  it('are quoted whatever separator a spreadsheet splits on (a `;` locale sees no formula either)', () => {
    const cell = csvCell('ok;=HYPERLINK("http://x")');
    expect(cell).toBe('"ok;=HYPERLINK(""http://x"")"');
    // Split as a `;`-separated file: one quoted field, not a second cell starting with =.
    const rows = parse(`${cell};1\r\n`, { delimiter: ';' }) as string[][];
    expect(rows).toEqual([['ok;=HYPERLINK("http://x")', '1']]);
  });

  it('are neutralised in a whole table (the shift report writes its CSV with toCsv)', () => {
    const rows = parse(toCsv(['reason', 'minutes'], hostile.map((h) => [h, 5])), { columns: true }) as { reason: string; minutes: string }[];
    expect(rows.map((r) => r.reason)).toEqual(hostile.map((h) => `'${h}`));
    expect(rows.every((r) => r.minutes === '5')).toBe(true);
  });
});

describe('takt import', () => {
  it('refuses an order id that starts a formula, naming the row', () => {
    const mapping = parseCsvMapping(fixture('csv/orders-erp.mapping.yaml'), 'm.yaml');
    if (!mapping.ok) throw new Error('mapping fixture is invalid');
    const text = fixture('csv/orders-erp.csv').replace('PO-CSV-4001', '"=HYPERLINK(""http://evil"",""x"")"');
    const p = previewImport(text, 'orders.csv', { plant: demoPlant(), mapping: mapping.mapping, now: NOW });
    const e = p.errors.find((x) => /formula/.test(x.message));
    expect(e?.message).toMatch(/order id '=HYPERLINK.*starts with '='/);
    expect(e?.row).toBe(2);
    expect(p.ready.some((r) => JSON.stringify(r.signal).includes('HYPERLINK'))).toBe(false);
  });
});
