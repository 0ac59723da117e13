/**
 * The declarative column mapping of a CSV import (a small YAML or JSON file), and the default one
 * used when the CSV's headers already are Takt's field names. Pure.
 *
 *   kind: orders                 # orders | inventory.receipt | inventory.adjustment
 *   delimiter: ";"               # optional: detected from , ; tab |
 *   decimal: ","                 # decimal separator, default "."
 *   dateFormat: DD.MM.YYYY       # iso (default) | DD.MM.YYYY | DD/MM/YYYY | MM/DD/YYYY
 *   utcOffset: "+01:00"          # for dates/times written without a zone; default Z
 *   columns:                     # Takt field → CSV header
 *     id: Auftrag
 *     sku: Material
 *   values:                      # optional: translate values per field
 *     customer: { "NordMarkt Retail": nordmarkt }
 *   defaults:                    # optional: a value for fields with no column (or an empty cell)
 *     priority: 3
 */
import { z } from 'zod';
import { parseChecked, type FileIssue } from '../files/positioned';
import { dateFormats, parseOffset } from './values';

export const csvKinds = ['orders', 'inventory.receipt', 'inventory.adjustment'] as const;
export type CsvKind = (typeof csvKinds)[number];

/** Fields per kind: required first. */
export const csvFields: Record<CsvKind, { required: readonly string[]; optional: readonly string[] }> = {
  orders: { required: ['id', 'sku', 'qty', 'customer', 'due'], optional: ['release', 'priority', 'line'] },
  'inventory.receipt': { required: ['component', 'location', 'qty'], optional: ['lot'] },
  'inventory.adjustment': { required: ['component', 'location', 'qtyDelta'], optional: ['reason'] },
};

const header = z.string().min(1).max(200);
const fieldNames = [...new Set(Object.values(csvFields).flatMap((f) => [...f.required, ...f.optional]))] as [string, ...string[]];

export const csvMappingSchema = z
  .object({
    kind: z.enum(csvKinds),
    delimiter: z.string().min(1).max(3).optional(),
    decimal: z.enum(['.', ',']).default('.'),
    dateFormat: z.enum(dateFormats).default('iso'),
    utcOffset: z
      .string()
      .refine((s) => parseOffset(s) !== undefined, 'an offset from UTC: Z, +01:00 or -05:00')
      .default('Z'),
    columns: z.partialRecord(z.enum(fieldNames), header).default({}),
    values: z.partialRecord(z.enum(fieldNames), z.record(z.string(), z.union([z.string(), z.number()]))).default({}),
    defaults: z.partialRecord(z.enum(fieldNames), z.union([z.string(), z.number()])).default({}),
  })
  .strict();

export type CsvMapping = z.infer<typeof csvMappingSchema>;

/** Cross-checks: every required field has a column or a default, and no field foreign to the kind. */
function checkMapping(m: CsvMapping) {
  const f = csvFields[m.kind];
  const known = new Set([...f.required, ...f.optional]);
  const issues: { path: (string | number)[]; message: string; expected?: string; found?: string; severity: 'error' | 'warning'; target?: 'key' }[] = [];
  for (const req of f.required)
    if (m.columns[req] === undefined && m.defaults[req] === undefined)
      issues.push({ path: ['columns'], message: `no column for '${req}', which ${m.kind} needs`, expected: `a '${req}: <CSV header>' entry (or a default)`, severity: 'error' });
  for (const part of ['columns', 'values', 'defaults'] as const)
    for (const key of Object.keys(m[part]))
      if (!known.has(key)) issues.push({ path: [part, key], target: 'key', message: `'${key}' is not a field of ${m.kind}`, expected: `one of: ${[...known].join(', ')}`, found: `'${key}'`, severity: 'error' });
  return issues;
}

export type MappingParse = { ok: true; mapping: CsvMapping } | { ok: false; errors: FileIssue[] };

export function parseCsvMapping(text: string, file: string): MappingParse {
  const r = parseChecked(text, file, { schema: csvMappingSchema, check: checkMapping, emptyHint: 'a CSV mapping is a mapping with `kind:` and `columns:`' });
  return r.ok ? { ok: true, mapping: r.value } : { ok: false, errors: r.errors };
}

/** The mapping implied by headers that already are Takt's field names, or undefined. */
export function defaultMapping(headers: readonly string[]): CsvMapping | undefined {
  const has = new Set(headers.map((h) => h.trim()));
  const kind = (csvKinds as readonly CsvKind[]).find((k) => csvFields[k].required.every((f) => has.has(f)));
  if (!kind) return undefined;
  const columns: Record<string, string> = {};
  for (const f of [...csvFields[kind].required, ...csvFields[kind].optional]) if (has.has(f)) columns[f] = f;
  return { kind, decimal: '.', dateFormat: 'iso', utcOffset: 'Z', columns, values: {}, defaults: {} };
}
