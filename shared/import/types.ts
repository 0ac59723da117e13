/**
 * What a file import produces before anything is sent: drafts of canonical signals (type and body,
 * no envelope yet) that remember where in the file each field came from, and issues that point at
 * file, line/column, element path or CSV row/column. Pure.
 */
import type { SignalType } from '../signals/schema';
import type { FileIssue } from '../files/positioned';

/** Where a value came from: an XML element path with its position, or a CSV row and column. */
export interface Where {
  /** `ProductionSchedule/ProductionRequest[2]/ID`, or `row 4, column "Menge"`. */
  path: string;
  /** 1-based line (XML: where the element starts; CSV: the record's first line). */
  line?: number;
  /** 1-based column (XML: character; CSV: field number). */
  column?: number;
  /** CSV only: the record's line number (header = 1). */
  row?: number;
  /** CSV only: the header of the column. */
  header?: string;
}

export interface Draft {
  type: SignalType;
  /** The signal without its envelope (`{ order: {...} }`, `{ component, location, qty }`…). */
  body: Record<string, unknown>;
  /** The record as a whole (the ProductionRequest element, the CSV row). */
  where: Where;
  /** Where each body field came from, by dotted path (`order.qty`). */
  fields: Record<string, Where>;
  /** A stable key of the business object (order id, lot id) for ids and the preview. */
  key: string;
}

/** A positioned problem (same shape as plant-file issues) plus the CSV row/column when it is one. */
export type ImportIssue = FileIssue & { row?: number; header?: string; field?: string };

export type ImportFormat = 'b2mml-V0401' | 'b2mml-V07' | 'csv';

export interface ParsedImport {
  file: string;
  format: ImportFormat;
  /** Human words for the preview: "B2MML V0401 ProductionSchedule", "CSV (orders)". */
  describe: string;
  /** Records read (production requests, lots, CSV data rows). */
  records: number;
  drafts: Draft[];
  errors: ImportIssue[];
  warnings: ImportIssue[];
}

export function issueAt(file: string, where: Where, message: string, extra: { expected?: string; found?: string; field?: string } = {}): ImportIssue {
  const issue: ImportIssue = { file, path: where.path, message };
  if (where.line !== undefined) issue.line = where.line;
  if (where.column !== undefined) issue.column = where.column;
  if (where.row !== undefined) issue.row = where.row;
  if (where.header !== undefined) issue.header = where.header;
  if (extra.expected !== undefined) issue.expected = extra.expected;
  if (extra.found !== undefined) issue.found = extra.found;
  if (extra.field !== undefined) issue.field = extra.field;
  return issue;
}

export function describeFound(value: unknown): string {
  if (value === undefined || value === '') return 'nothing';
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
  return String(value);
}
