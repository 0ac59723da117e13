/** CSV import: a declarative column mapping, every row error at once, positioned mapping errors. */
import { describe, expect, it } from 'vitest';
import { parseCsvMapping, previewImport, formatPreview, type CsvMapping } from '../../../shared/import';
import { parseInstant, parseNumber } from '../../../shared/import/values';
import { demoPlant, fixture, NOW } from './helpers';

const plant = demoPlant();
function mapping(file: string): CsvMapping {
  const m = parseCsvMapping(fixture(`csv/${file}`), file);
  if (!m.ok) throw new Error(JSON.stringify(m.errors));
  return m.mapping;
}

describe('CSV import', () => {
  it('maps an ERP export (semicolons, decimal comma, day-first dates, value map) into orders', () => {
    const p = previewImport(fixture('csv/orders-erp.csv'), 'orders-erp.csv', { plant, mapping: mapping('orders-erp.mapping.yaml'), now: NOW });
    expect(p.errors).toEqual([]);
    expect(p.ready.map((r) => r.signal.type === 'order.created' && r.signal.order)).toEqual([
      { id: 'PO-CSV-4001', sku: 'Y-NAT-125', qty: 12000, customer: 'nordmarkt', due: Date.parse('2026-11-28T13:00:00Z'), priority: 2, line: 'DD-L1' },
      // empty Prio → the mapping's default; 8.500,5 with a decimal comma
      { id: 'PO-CSV-4002', sku: 'C-BUT-200', qty: 8500.5, customer: 'sonnenkorn', due: Date.parse('2026-11-28T23:00:00Z'), priority: 3 },
      { id: 'PO-CSV-4003', sku: 'CM-CAR-250', qty: 20000, customer: 'kiste-online', due: Date.parse('2026-11-30T05:30:00Z'), priority: 4, line: 'BV-L2' },
    ]);
  });

  it('lists every row error at once, with row, column, expected and found', () => {
    const p = previewImport(fixture('csv/orders-bad.csv'), 'orders-bad.csv', { plant, mapping: mapping('orders-erp.mapping.yaml'), now: NOW });
    const rows = p.errors.map((e) => [e.row, e.header, e.field, e.found]);
    expect(rows).toEqual([
      [2, 'Menge', 'qty', "'zwölf'"],
      [3, 'Material', 'sku', "'NO-SUCH-SKU'"],
      [3, 'Liefertermin', 'due', "'31.11.2026'"],
      [4, 'Prio', 'priority', "'7'"],
      [5, 'Auftrag', 'id', 'an empty cell'],
      [5, 'Kunde', 'customer', "'Unknown Shop'"],
      [5, 'Linie', 'line', "'XX-L9'"],
    ]);
    for (const e of p.errors) expect(e.expected).toBeTruthy();
    expect(p.errors[0]).toMatchObject({ line: 2, column: 3, path: 'row 2, column "Menge"', expected: 'a number with a decimal comma' });
    // Only the good row is ready; the bad ones are counted once each.
    expect(p.ready.map((r) => r.draft.key)).toEqual(['PO-CSV-5005']);
    expect(p.badRecords).toBe(4);
    const text = formatPreview(p);
    expect(text).toMatch(/5 records → 1 order\.created; 7 errors in 4 records/);
    expect(text).toMatch(/orders-bad\.csv:3:5 row 3, column "Liefertermin": due: not a date — expected a date that exists \(31\.11\.2026 does not\) \(found '31\.11\.2026'\)/);
    expect(text).toMatch(/orders-bad\.csv:2:3 row 2, column "Menge": qty: not a valid quantity — expected a number with a decimal comma \(found 'zwölf'\)/);
    expect(text).toMatch(/orders-bad\.csv:5:4 row 5, column "Kunde": customer: unknown customer \(the plant "lindenau" has 9 customers: .*\) — expected a customer of the plant \(found 'Unknown Shop'\)/);
  });

  it('reads headers that are Takt field names without a mapping (inventory receipts)', () => {
    const p = previewImport(fixture('csv/inventory.csv'), 'inventory.csv', { plant, now: NOW });
    expect(p.errors).toEqual([]);
    expect(p.ready.map((r) => r.signal)).toMatchObject([
      { type: 'inventory.receipt', component: 'cocoa', location: 'WH-RAW', qty: 1200, lot: 'LOT-C-1' },
      { type: 'inventory.receipt', component: 'skim-milk', location: 'WH-COLD', qty: 30000.5, lot: 'LOT-S-9' },
    ]);
  });

  it('asks for a mapping when the headers are not field names, and names missing columns', () => {
    const p = previewImport(fixture('csv/orders-erp.csv'), 'orders-erp.csv', { plant, now: NOW });
    expect(p.errors[0]!.message).toMatch(/a mapping is needed/);
    const m = mapping('orders-erp.mapping.yaml');
    const q = previewImport('Auftrag;Material\nX;Y\n', 'short.csv', { plant, mapping: m, now: NOW });
    expect(q.errors.map((e) => e.found)).toEqual(['"Menge"', '"Kunde"', '"Liefertermin"', '"Prio"', '"Linie"']);
  });

  it('reports mapping-file problems with line and column', () => {
    const r = parseCsvMapping(fixture('csv/bad-mapping.yaml'), 'bad-mapping.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
    expect(lines).toEqual([expect.stringMatching(/^2:10 decimal: /), "6:3 columns.quantity: unknown key 'quantity'"]);
  });

  it('parses numbers and dates the way ERP exports write them', () => {
    expect(parseNumber('1.234,5', ',')).toEqual({ ok: true, value: 1234.5 });
    expect(parseNumber('1,234.5')).toEqual({ ok: true, value: 1234.5 });
    expect(parseNumber('1,5')).toMatchObject({ ok: false });
    expect(parseInstant('2026-11-28')).toEqual({ ok: true, value: Date.UTC(2026, 10, 28) });
    expect(parseInstant('11/28/2026 14:30', 'MM/DD/YYYY', -300)).toEqual({ ok: true, value: Date.UTC(2026, 10, 28, 19, 30) });
    expect(parseInstant('2026-02-29')).toMatchObject({ ok: false });
  });
});
