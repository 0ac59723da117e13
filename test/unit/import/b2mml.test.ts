/** B2MML V0401 and V07 → canonical signals, and positioned problems for broken files. */
import { describe, expect, it } from 'vitest';
import { parseB2mml, previewImport, formatPreview } from '../../../shared/import';
import type { Signal } from '../../../shared/signals/schema';
import { demoPlant, fixture, NOW } from './helpers';

const plant = demoPlant();
const preview = (file: string) => previewImport(fixture(`b2mml/${file}`), file, { plant, now: NOW });
const orders = (signals: Signal[]) => signals.flatMap((s) => (s.type === 'order.created' ? [s.order] : []));

describe('B2MML import', () => {
  it('reads a V0401 ProductionSchedule into orders', () => {
    const p = preview('production-schedule-v0401.xml');
    expect(p.errors).toEqual([]);
    expect(p.describe).toBe('B2MML V0401 ProductionSchedule');
    expect(orders(p.ready.map((r) => r.signal))).toEqual([
      { id: 'PO-V4-1001', sku: 'Y-NAT-125', qty: 12000, customer: 'nordmarkt', due: Date.parse('2026-11-28T14:00:00Z'), release: Date.parse('2026-11-27T06:00:00Z'), priority: 2, line: 'DD-L1' },
      // No Location: no line; the EndTime's +01:00 offset is honoured; priority defaults to 3.
      { id: 'PO-V4-1002', sku: 'Y-NAT-4X125', qty: 6500, customer: 'freshway', due: Date.parse('2026-11-29T21:00:00Z'), release: Date.parse('2026-11-28T06:00:00Z'), priority: 3 },
    ]);
    for (const r of p.ready) {
      expect(r.signal.source).toBe('takt-import');
      expect(r.signal.eventTime).toBe(NOW);
    }
  });

  it('reads a V07 OperationsSchedule, skipping non-production requests with a warning', () => {
    const p = preview('operations-schedule-v07.xml');
    expect(p.errors).toEqual([]);
    expect(p.describe).toBe('B2MML V07 OperationsSchedule');
    const o = orders(p.ready.map((r) => r.signal));
    expect(o.map((x) => [x.id, x.sku, x.qty, x.customer, x.line, x.priority])).toEqual([
      ['PO-V7-2001', 'C-BUT-200', 9000, 'sonnenkorn', 'BS-L1', 1],
      // The line comes from the segment's EquipmentRequirement; the consumed flour is not the product.
      ['PO-V7-2002', 'W-COC-45', 15000, 'citycorner', 'BS-L3', 3],
    ]);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]!.message).toMatch(/OperationsType is Maintenance/);
    expect(p.warnings[0]!.path).toBe('OperationsSchedule/OperationsRequest[3]');
    expect(p.warnings[0]!.line).toBe(88);
  });

  it('reads a V07 ProductionSchedule inside a Process verb message', () => {
    const p = preview('process-production-schedule-v07.xml');
    expect(p.errors).toEqual([]);
    expect(orders(p.ready.map((r) => r.signal))).toEqual([{ id: 'PO-V7-3001', sku: 'CM-CAR-250', qty: 20000, customer: 'kiste-online', due: Date.parse('2026-11-28T10:00:00Z'), priority: 4, line: 'BV-L2' }]);
  });

  it('reads MaterialLot elements (V07 StorageLocation, V0401 Location) into inventory receipts', () => {
    const v7 = preview('material-information-v07.xml');
    expect(v7.errors).toEqual([]);
    expect(v7.ready.map((r) => r.signal)).toMatchObject([
      { type: 'inventory.receipt', component: 'cocoa', location: 'WH-RAW', qty: 2500, lot: 'LOT-COC-7781' },
      { type: 'inventory.receipt', component: 'skim-milk', location: 'WH-COLD', qty: 18000.5, lot: 'LOT-SKM-0412' },
    ]);
    const v4 = preview('material-information-v0401.xml');
    expect(v4.errors).toEqual([]);
    expect(v4.ready.map((r) => r.signal)).toMatchObject([{ type: 'inventory.receipt', component: 'cultures', location: 'WH-COLD', qty: 40, lot: 'LOT-CUL-0099' }]);
  });

  it('reads ProductionPerformance actuals into counts and a completion', () => {
    const p = preview('production-performance-v0401.xml');
    expect(p.errors).toEqual([]);
    expect(p.ready.map((r) => r.signal)).toMatchObject([
      { type: 'production.count', machine: 'DD-L1-PAL', orderId: 'SO-24004', good: 23400, scrap: 310 },
      { type: 'order.completed', orderId: 'SO-24004', line: 'DD-L1' },
    ]);
  });

  it('gives the same ids for the same content, so a re-import is a duplicate', () => {
    const a = preview('production-schedule-v0401.xml').ready.map((r) => r.signal.id);
    // A plant clock runs in fractions of a millisecond; signal times are whole ones.
    const again = previewImport(fixture('b2mml/production-schedule-v0401.xml'), 'again.xml', { plant, now: NOW + 60_000.4 });
    expect(again.errors).toEqual([]);
    expect(again.ready[0]!.signal.eventTime).toBe(NOW + 60_000);
    const b = again.ready.map((r) => r.signal.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(2);
  });

  it('reports XML syntax errors with line and column', () => {
    const p = preview('bad-syntax.xml');
    expect(p.ready).toEqual([]);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ file: 'bad-syntax.xml', line: 6 });
    expect(p.errors[0]!.message).toMatch(/XML syntax error: .*ProductionReqest/);
  });

  it('refuses unknown namespaces and nouns a version does not have', () => {
    const ns = preview('wrong-namespace.xml');
    expect(ns.errors[0]).toMatchObject({ line: 2, column: 1, path: 'ProductionSchedule', found: "'http://www.mesa.org/xml/B2MML-V0600'" });
    expect(ns.errors[0]!.expected).toContain('http://www.mesa.org/xml/B2MML-V0401');
    const old = preview('operations-schedule-v0401.xml');
    expect(old.errors[0]!.message).toMatch(/not part of B2MML V0401/);
    expect(old.errors[0]!.line).toBe(3);
  });

  it('lists every problem of a broken schedule with its element path and line', () => {
    const p = preview('bad-values-v07.xml');
    expect(p.ready).toEqual([]);
    const lines = p.errors.map((e) => `${e.line} ${e.path}: ${e.message}`);
    expect(lines).toEqual([
      expect.stringMatching(/^6 OperationsSchedule\/OperationsRequest\[1\]: OperationsRequest has no ID/),
      expect.stringMatching(/^20 OperationsSchedule\/OperationsRequest\[2\]\/EndTime: order\.due: not a date-time/),
      expect.stringMatching(/^21 OperationsSchedule\/OperationsRequest\[2\]\/Priority: order\.priority/),
      expect.stringMatching(/^27 .*MaterialRequirement\/Quantity\/QuantityString: order\.qty: not a number/),
      expect.stringMatching(/^37 OperationsSchedule\/OperationsRequest\[3\]\/.*MaterialRequirement\/MaterialDefinitionID: .*NO-SUCH-SKU/),
    ]);
    expect(p.errors.find((e) => e.field === 'order.qty')).toMatchObject({ found: "'twelve'" });
    expect(p.badRecords).toBe(3);
    const text = formatPreview(p);
    expect(text).toMatch(/bad-values-v07\.xml:27:\d+ OperationsSchedule\/OperationsRequest\[2\]\/SegmentRequirement\/MaterialRequirement\/Quantity\/QuantityString: order\.qty: not a number — expected a number \(found 'twelve'\)/);
  });

  it('needs a customer, or a default one', () => {
    const xml = fixture('b2mml/production-schedule-v0401.xml').replace(/<ProductionParameter>[\s\S]*?<\/ProductionParameter>/g, '');
    const without = parseB2mml(xml, 's.xml', { plant });
    expect(without.errors.map((e) => e.message)).toEqual(['ProductionRequest names no customer', 'ProductionRequest names no customer']);
    const withDefault = parseB2mml(xml, 's.xml', { plant, defaultCustomer: 'alpina' });
    expect(withDefault.errors).toEqual([]);
    expect(withDefault.drafts.map((d) => (d.body.order as { customer: string }).customer)).toEqual(['alpina', 'alpina']);
  });
});
