/**
 * CSV of orders or inventory movements → drafts of canonical signals, through a column mapping
 * (./csv-mapping.ts). Every cell problem in every row is reported (row, column, expected, found),
 * so a person fixes the file once instead of once per error. Pure: csv-parse's sync parser.
 */
import { parse } from 'csv-parse/sync';
import type { Plant } from '../plant/schema';
import { createPlantIndex, type RefKind } from '../ingest/plant-index';
import { csvFields, defaultMapping, type CsvMapping } from './csv-mapping';
import { describeFound, issueAt, type Draft, type ImportIssue, type ParsedImport, type Where } from './types';
import { parseInstant, parseNumber, parseOffset } from './values';

export interface CsvOptions {
  /** The mapping; when absent the headers must be Takt's field names (defaultMapping). */
  mapping?: CsvMapping;
  /** For reference checks (SKU, customer, line, component, location) in the preview. */
  plant?: Plant;
}

type FieldKind = 'text' | 'qty' | 'signedQty' | 'instant' | 'priority';
const fieldKinds: Record<string, FieldKind> = { qty: 'qty', qtyDelta: 'signedQty', due: 'instant', release: 'instant', priority: 'priority' };
const refs: Record<string, RefKind> = { sku: 'sku', customer: 'customer', line: 'line', component: 'component', location: 'location' };

function detectDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const c = firstLine.split(d).length - 1;
    if (c > bestCount) [best, bestCount] = [d, c];
  }
  return best;
}

export function parseCsv(text: string, file: string, opts: CsvOptions = {}): ParsedImport {
  const errors: ImportIssue[] = [];
  const warnings: ImportIssue[] = [];
  const drafts: Draft[] = [];
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = opts.mapping?.delimiter ?? detectDelimiter(firstLine);
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(body, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number; column?: number | string };
    errors.push({ file, path: '', line: typeof err.lines === 'number' ? err.lines : undefined, message: `CSV syntax error: ${err.message.replace(/^Invalid Record Length: /, '')}` });
    return { file, format: 'csv', describe: 'CSV (unreadable)', records: 0, drafts, errors, warnings };
  }
  if (records.length === 0) {
    errors.push({ file, path: '', line: 1, message: 'the file is empty', expected: 'a header row and data rows' });
    return { file, format: 'csv', describe: 'CSV (empty)', records: 0, drafts, errors, warnings };
  }
  const headers = records[0]!.record.map((h) => h.trim());
  const headerLine = records[0]!.info.lines;
  const mapping = opts.mapping ?? defaultMapping(headers);
  if (!mapping) {
    errors.push({ file, path: 'header', line: headerLine, column: 1, message: 'the headers are not Takt field names, so a mapping is needed (--mapping m.yaml)', expected: 'headers id,sku,qty,customer,due (orders) or component,location,qty (inventory receipts)', found: headers.join(delimiter) });
    return { file, format: 'csv', describe: 'CSV', records: 0, drafts, errors, warnings };
  }
  const fieldsOfKind = csvFields[mapping.kind];
  // Every mapped column must exist in the header: one error per missing column, pointing at the header.
  const columnIndex: Record<string, number> = {};
  for (const [field, h] of Object.entries(mapping.columns)) {
    if (h === undefined) continue;
    const i = headers.findIndex((x) => x === h) >= 0 ? headers.findIndex((x) => x === h) : headers.findIndex((x) => x.toLowerCase() === h.toLowerCase());
    if (i < 0) errors.push({ file, path: 'header', line: headerLine, column: 1, message: `the mapping reads '${field}' from column "${h}", which the file does not have`, expected: `one of the headers: ${headers.map((x) => `"${x}"`).join(', ')}`, found: `"${h}"`, field });
    else columnIndex[field] = i;
  }
  if (errors.length) return { file, format: 'csv', describe: `CSV (${mapping.kind})`, records: 0, drafts, errors, warnings };

  const index = opts.plant ? createPlantIndex(opts.plant) : undefined;
  const offset = parseOffset(mapping.utcOffset) ?? 0;
  const all = [...fieldsOfKind.required, ...fieldsOfKind.optional];
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r]!;
    const row = info.lines;
    const rowWhere: Where = { path: `row ${row}`, line: row, row };
    if (record.length !== headers.length) warnings.push(issueAt(file, rowWhere, `row has ${record.length} fields; the header has ${headers.length}`));
    const values: Record<string, unknown> = {};
    const fields: Record<string, Where> = {};
    let bad = false;
    for (const field of all) {
      const col = columnIndex[field];
      const where: Where = col !== undefined ? { path: `row ${row}, column "${headers[col]}"`, line: row, column: col + 1, row, header: headers[col] } : { ...rowWhere, path: `row ${row} (default for ${field})` };
      let raw: string | number | undefined = col !== undefined ? record[col] : undefined;
      if (typeof raw === 'string' && raw !== '') {
        const translated = mapping.values[field]?.[raw];
        if (translated !== undefined) raw = translated;
      }
      if (raw === undefined || raw === '') raw = mapping.defaults[field];
      fields[field] = where;
      const required = fieldsOfKind.required.includes(field);
      if (raw === undefined || raw === '') {
        if (required) {
          errors.push(issueAt(file, where, `${field} is empty`, { expected: `a value for ${field}`, found: 'an empty cell', field }));
          bad = true;
        }
        continue;
      }
      const text = String(raw);
      const kind = fieldKinds[field] ?? 'text';
      const fail = (expected: string) => {
        const what = kind === 'instant' ? 'not a date' : kind === 'priority' ? 'not a priority' : kind === 'text' ? 'too long' : 'not a valid quantity';
        errors.push(issueAt(file, where, `${field}: ${what}`, { expected, found: describeFound(text), field }));
        bad = true;
      };
      if (kind === 'qty' || kind === 'signedQty') {
        const n = typeof raw === 'number' ? { ok: true as const, value: raw } : parseNumber(text, mapping.decimal);
        if (!n.ok) fail(n.expected);
        else if (kind === 'qty' && n.value <= 0) fail('a quantity greater than 0');
        else if (kind === 'signedQty' && n.value === 0) fail('a non-zero change');
        else values[field] = n.value;
      } else if (kind === 'instant') {
        const t = parseInstant(text, mapping.dateFormat, offset);
        if (!t.ok) fail(t.expected);
        else values[field] = t.value;
      } else if (kind === 'priority') {
        const n = parseNumber(text);
        if (!n.ok || !Number.isInteger(n.value) || n.value < 1 || n.value > 5) fail('a whole number from 1 (highest) to 5');
        else values[field] = n.value;
      } else {
        const ref = refs[field];
        if (text.length > 64 && field !== 'reason') fail('at most 64 characters');
        else if (ref && index && !index.has(ref, text)) {
          errors.push(issueAt(file, where, `${field}: unknown ${ref} (${index.describe(ref)})`, { expected: `a ${ref} of the plant`, found: describeFound(text), field }));
          bad = true;
        } else values[field] = text;
      }
    }
    if (bad) continue;
    if (mapping.kind === 'orders') {
      const order: Record<string, unknown> = { id: values.id, sku: values.sku, qty: values.qty, customer: values.customer, due: values.due };
      for (const k of ['release', 'priority', 'line']) if (values[k] !== undefined) order[k] = values[k];
      const f: Record<string, Where> = {};
      for (const [k, w] of Object.entries(fields)) f[`order.${k}`] = w;
      drafts.push({ type: 'order.created', body: { order }, where: rowWhere, fields: f, key: String(values.id) });
    } else {
      const b: Record<string, unknown> = {};
      for (const k of all) if (values[k] !== undefined) b[k] = values[k];
      drafts.push({ type: mapping.kind, body: b, where: rowWhere, fields, key: `row${row}:${String(values.component)}@${String(values.location)}${values.lot ? `/${String(values.lot)}` : ''}` });
    }
  }
  return { file, format: 'csv', describe: `CSV (${mapping.kind})`, records: records.length - 1, drafts, errors, warnings };
}
