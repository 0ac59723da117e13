/**
 * File import: B2MML (XML) or CSV text → positioned problems and a preview of canonical signals.
 * The format follows the extension (.xml / .csv, .tsv, .txt), else the content (a leading `<`
 * means XML). Pure: the caller reads the files and sends the signals.
 */
import type { Plant } from '../plant/schema';
import { parseB2mml } from './b2mml';
import { parseCsv } from './csv';
import type { CsvMapping } from './csv-mapping';
import { buildPreview, type ImportPreview } from './preview';
import type { ParsedImport } from './types';

export { parseB2mml, B2MML_NAMESPACES } from './b2mml';
export { parseCsv } from './csv';
export { parseCsvMapping, defaultMapping, csvMappingSchema, type CsvMapping } from './csv-mapping';
export { buildPreview, formatPreview, formatIssues, stamp, signalId, IMPORT_SOURCE, type ImportPreview, type PreviewItem } from './preview';
export type { Draft, ImportIssue, ParsedImport, Where } from './types';

export interface ImportOptions {
  plant?: Plant;
  mapping?: CsvMapping;
  defaultCustomer?: string;
  defaultLocation?: string;
  utcOffsetMinutes?: number;
}

export function detectImportFormat(text: string, file: string): 'xml' | 'csv' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.xml') || lower.endsWith('.b2mml')) return 'xml';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv') || lower.endsWith('.txt')) return 'csv';
  return /^\uFEFF?\s*</.test(text) ? 'xml' : 'csv';
}

export function parseImport(text: string, file: string, opts: ImportOptions = {}): ParsedImport {
  return detectImportFormat(text, file) === 'xml'
    ? parseB2mml(text, file, { plant: opts.plant, defaultCustomer: opts.defaultCustomer, defaultLocation: opts.defaultLocation, utcOffsetMinutes: opts.utcOffsetMinutes })
    : parseCsv(text, file, { mapping: opts.mapping, plant: opts.plant });
}

/** Parse and check in one go: `now` is the plant time the signals will carry. */
export function previewImport(text: string, file: string, opts: ImportOptions & { now: number }): ImportPreview {
  return buildPreview(parseImport(text, file, opts), { now: opts.now, plant: opts.plant });
}
