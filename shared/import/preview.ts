/**
 * The import preview: the file's drafts stamped into canonical signals and checked exactly as the
 * core's ingest will check them (same validator, same plant references), with every problem listed
 * before anything is applied. Signal ids are derived from the content (type, business key and a
 * hash of the body), so importing the same file twice changes nothing the second time. Pure.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Plant } from '../plant/schema';
import type { Signal } from '../signals/schema';
import { createValidator } from '../ingest/validate';
import { createPlantIndex } from '../ingest/plant-index';
import { formatPlantIssues } from '../plant/parse';
import { issueAt, type Draft, type ImportIssue, type ParsedImport } from './types';
import { startsFormula } from '../files/csv-write';

/** The source every imported signal carries: dedupe is on (source, id). */
export const IMPORT_SOURCE = 'takt-import';

export interface PreviewItem {
  signal: Signal;
  draft: Draft;
}

export interface ImportPreview {
  file: string;
  describe: string;
  records: number;
  ready: PreviewItem[];
  errors: ImportIssue[];
  warnings: ImportIssue[];
  /** Records that have at least one error (skipped with --skip-bad-rows). */
  badRecords: number;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function signalId(d: Draft): string {
  const hash = bytesToHex(sha256(utf8ToBytes(`${d.type}\n${stableJson(d.body)}`))).slice(0, 16);
  return `${d.type}:${d.key.slice(0, 64)}:${hash}`;
}

/** `now` is the core's plant time: imports happen now, whatever dates the file carries. */
export function stamp(drafts: readonly Draft[], now: number): Signal[] {
  // Signal times are whole milliseconds; a plant clock may run in fractions.
  const t = Math.round(now);
  return drafts.map((d, i) => ({ id: signalId(d), source: IMPORT_SOURCE, seq: i + 1, eventTime: t, receiveTime: t, type: d.type, ...d.body }) as Signal);
}

export function buildPreview(parsed: ParsedImport, opts: { now: number; plant?: Plant }): ImportPreview {
  const validate = createValidator({ index: opts.plant ? createPlantIndex(opts.plant) : undefined });
  const errors = [...parsed.errors];
  const signals = stamp(parsed.drafts, opts.now);
  const ready: PreviewItem[] = [];
  const seen = new Map<string, number>();
  signals.forEach((s, i) => {
    const draft = parsed.drafts[i]!;
    const v = validate(s);
    if (!v.ok) {
      // Point at the field the validator names, else at the record.
      const field = Object.keys(draft.fields).find((f) => v.path === f || v.path.startsWith(`${f}.`)) ?? Object.keys(draft.fields).find((f) => v.path.endsWith(f));
      errors.push(issueAt(parsed.file, field ? draft.fields[field]! : draft.where, v.reason, { field: v.path || undefined }));
      return;
    }
    // Two records for the same order in one file: the second would be ignored by the twin.
    if (s.type === 'order.created') {
      // An id is a key, not free text: one a spreadsheet would run as a formula is refused here
      // (free text in Takt's own CSV is neutralised when written instead: shared/files/csv-write.ts).
      if (startsFormula(s.order.id)) {
        errors.push(issueAt(parsed.file, draft.fields['order.id'] ?? draft.where, `order id '${s.order.id.slice(0, 40)}' starts with '${JSON.stringify(s.order.id[0]).slice(1, -1)}', which spreadsheets run as a formula; use an id that starts with a letter or digit`, { expected: 'an order id not starting with = + - @, tab or CR', field: 'order.id' }));
        return;
      }
      const prev = seen.get(s.order.id);
      if (prev !== undefined) {
        errors.push(issueAt(parsed.file, draft.fields['order.id'] ?? draft.where, `order ${s.order.id} appears twice (first at ${parsed.drafts[prev]!.where.path})`, { expected: 'each order once per file', field: 'order.id' }));
        return;
      }
      seen.set(s.order.id, i);
    }
    ready.push({ signal: v.signal, draft });
  });
  // One record per CSV row, or per record element (a request, lot or response) of a B2MML file.
  const keyOf = (e: ImportIssue) => (e.row !== undefined ? `row${e.row}` : (/^.*?(ProductionRequest|OperationsRequest|MaterialLot|ProductionResponse)(\[\d+\])?/.exec(e.path)?.[0] ?? e.path));
  const badRecords = Math.min(parsed.records, new Set(errors.map(keyOf)).size);
  const order = (a: ImportIssue, b: ImportIssue) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
  return { file: parsed.file, describe: parsed.describe, records: parsed.records, ready, errors: errors.sort(order), warnings: parsed.warnings, badRecords };
}

function summary(s: Signal): string {
  switch (s.type) {
    case 'order.created': {
      const o = s.order;
      return `order ${o.id}: ${o.qty} × ${o.sku} for ${o.customer}, due ${new Date(o.due).toISOString().slice(0, 16).replace('T', ' ')}Z${o.line ? ` on ${o.line}` : ''}${o.priority !== 3 ? `, priority ${o.priority}` : ''}`;
    }
    case 'inventory.receipt':
      return `receipt ${s.qty} ${s.component} into ${s.location}${s.lot ? ` (lot ${s.lot})` : ''}`;
    case 'inventory.adjustment':
      return `adjustment ${s.qtyDelta > 0 ? '+' : ''}${s.qtyDelta} ${s.component} at ${s.location}${s.reason ? ` (${s.reason})` : ''}`;
    case 'production.count':
      return `count ${s.machine}: ${s.good} good, ${s.scrap} scrap${s.orderId ? ` for ${s.orderId}` : ''}`;
    case 'order.completed':
      return `order ${s.orderId} completed on ${s.line}`;
    default:
      return s.type;
  }
}

/** The preview as text: what would be applied, then every error and warning with its position. */
export function formatPreview(p: ImportPreview, maxItems = 50): string {
  const out: string[] = [];
  const byType = new Map<string, number>();
  for (const r of p.ready) byType.set(r.signal.type, (byType.get(r.signal.type) ?? 0) + 1);
  const counts = [...byType].map(([t, n]) => `${n} ${t}`).join(', ') || 'nothing';
  out.push(`${p.file}: ${p.describe}, ${p.records} record${p.records === 1 ? '' : 's'} → ${counts}${p.errors.length ? `; ${p.errors.length} error${p.errors.length === 1 ? '' : 's'} in ${p.badRecords} record${p.badRecords === 1 ? '' : 's'}` : ''}`);
  for (const r of p.ready.slice(0, maxItems)) out.push(`  ${r.draft.where.path}: ${summary(r.signal)}`);
  if (p.ready.length > maxItems) out.push(`  … and ${p.ready.length - maxItems} more`);
  if (p.errors.length) {
    out.push(`Errors (${p.errors.length}):`);
    out.push(formatIssues(p.errors));
  }
  if (p.warnings.length) {
    out.push(`Warnings (${p.warnings.length}):`);
    out.push(formatIssues(p.warnings));
  }
  return out.join('\n');
}

/** One line per issue: `file:line:column path: message — expected … (found …)`. */
export function formatIssues(issues: readonly ImportIssue[]): string {
  return formatPlantIssues(issues)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
