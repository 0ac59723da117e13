/**
 * Positioned issues for any schema-checked YAML/JSON file: syntax errors, zod shape issues and
 * cross-reference issues, each pointing at file, path, line and column. Plant, rules and scenario
 * files all report problems through this one parser. Pure: the caller reads the file.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { didYouMean, formatPath, oneOf, type FileIssue, type IssuePath } from './issues';

export type { FileIssue, IssuePath };

export interface RawIssue {
  path: IssuePath;
  target?: 'value' | 'key';
  message: string;
  expected?: string;
  found?: string;
}

function keyOf(node: unknown): string | undefined {
  return isScalar(node) ? String(node.value) : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Offset of a path: the scalar value, or the key of a collection / missing child (nearest ancestor). */
function locate(doc: Document, path: readonly (string | number)[], target: 'value' | 'key' = 'value'): number | undefined {
  let node: unknown = doc.contents;
  let anchor: number | undefined = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === String(key));
      if (!pair) return anchor;
      const keyStart = rangeStart(pair.key);
      if (last) {
        if (target === 'key' || !isScalar(pair.value)) return keyStart ?? rangeStart(pair.value) ?? anchor;
        return rangeStart(pair.value) ?? keyStart ?? anchor;
      }
      anchor = keyStart ?? anchor;
      node = pair.value;
      if (node === null || node === undefined) return anchor;
    } else if (isSeq(node)) {
      const index = typeof key === 'number' ? key : Number(key);
      const item = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined || item === null) return anchor;
      anchor = rangeStart(item) ?? anchor;
      node = item;
      if (last) return anchor;
    } else {
      return anchor;
    }
  }
  return anchor;
}

const zodDefault = /^(Invalid input|Invalid option|Invalid string|Invalid key|Invalid element|Too small|Too big|Unrecognized key|Invalid number)/;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

const expectedType: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false', int: 'an integer' };

interface DefLike {
  type: string;
  shape?: Record<string, { _zod: { def: DefLike } }>;
  element?: { _zod: { def: DefLike } };
  innerType?: { _zod: { def: DefLike } };
  valueType?: { _zod: { def: DefLike } };
  in?: { _zod: { def: DefLike } };
}

function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def: DefLike | undefined = (schema as unknown as { _zod: { def: DefLike } })._zod.def;
  const unwrap = () => {
    while (def && (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'pipe')) def = (def.innerType ?? def.in)?._zod.def;
  };
  unwrap();
  for (const key of path) {
    if (!def) return [];
    if (def.type === 'object') def = def.shape?.[String(key)]?._zod.def;
    else if (def.type === 'array') def = def.element?._zod.def;
    else if (def.type === 'record') def = def.valueType?._zod.def;
    else return [];
    unwrap();
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): { exists: boolean; value: unknown } {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return { exists: false, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return { exists: true, value: cur };
}

function fromZod(schema: z.ZodType, issue: z.core.$ZodIssue, data: unknown, emptyHint: string): RawIssue[] {
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  const custom = !zodDefault.test(issue.message);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return { path: [...path, key], target: 'key' as const, message: `unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`, expected: allowed.length ? oneOf(allowed, 20) : undefined, found: `'${key}'` };
      });
    }
    case 'invalid_type': {
      const at = valueAt(data, path);
      const expected = expectedType[issue.expected] ?? issue.expected;
      if (!at.exists && path.length > 0) return [{ path, message: `missing required key '${String(path[path.length - 1])}'`, expected }];
      if (path.length === 0 && (at.value === null || at.value === undefined)) return [{ path, message: `the file is empty: ${emptyHint}`, expected: 'a mapping' }];
      return [{ path, message: custom ? issue.message : `expected ${expected}, found ${typeName(at.value)}`, expected, found: describe(at.value) }];
    }
    case 'invalid_value': {
      const at = valueAt(data, path);
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (!at.exists) return [{ path, message: `missing required key '${String(path[path.length - 1])}'${custom ? `: ${issue.message}` : ''}`, expected: oneOf(values, 20) }];
      return [{ path, message: custom ? issue.message : 'not an allowed value', expected: oneOf(values, 20), found: describe(at.value) }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      const found = describe(input ?? valueAt(data, path).value);
      if (issue.origin === 'array') return [{ path, message: custom ? issue.message : `needs at least ${min} item${min === 1 ? '' : 's'}`, expected: `at least ${min} item${min === 1 ? '' : 's'}`, found }];
      if (issue.origin === 'string') return [{ path, message: custom ? issue.message : 'must not be empty', expected: `at least ${min} character${min === 1 ? '' : 's'}`, found }];
      return [{ path, message: custom ? issue.message : `must be ${min === 0 && !issue.inclusive ? 'positive' : issue.inclusive ? `at least ${min}` : `greater than ${min}`}`, expected: `a number ${issue.inclusive ? '≥' : '>'} ${min}`, found }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      const found = describe(input ?? valueAt(data, path).value);
      if (issue.origin === 'array') return [{ path, message: custom ? issue.message : `has more than ${max} items`, expected: `at most ${max} items`, found }];
      if (issue.origin === 'string') return [{ path, message: custom ? issue.message : `is longer than ${max} characters`, expected: `at most ${max} characters`, found }];
      return [{ path, message: custom ? issue.message : `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}`, expected: `a number ${issue.inclusive ? '≤' : '<'} ${max}`, found }];
    }
    case 'invalid_format':
      return [{ path, message: 'invalid format', expected: custom ? issue.message : `a ${issue.format}`, found: describe(input ?? valueAt(data, path).value) }];
    case 'invalid_key': {
      const inner = issue.issues[0];
      return [{ path, target: 'key', message: inner && !zodDefault.test(inner.message) ? `invalid key: ${inner.message}` : 'invalid key', found: describe(path[path.length - 1]) }];
    }
    default: {
      const at = valueAt(data, path);
      return [{ path, message: issue.message, found: at.exists ? describe(at.value) : undefined }];
    }
  }
}

export type CheckedParse<T> = { ok: true; value: T; warnings: FileIssue[] } | { ok: false; errors: FileIssue[] };

export interface ParseCheckedOptions<T> {
  schema: z.ZodType<T>;
  /** Cross-reference checks on the shape-valid value. */
  check?: (value: T) => (RawIssue & { severity: 'error' | 'warning' })[];
  /** Ending of "the file is empty: …". */
  emptyHint: string;
  /** Record keys that are ids themselves are pointed at as keys. */
  keyTarget?: (path: IssuePath) => boolean;
}

/** By extension (.yaml/.yml/.json), else by content (a leading `{` means JSON). */
export function detectFormat(text: string, file: string): 'yaml' | 'json' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\uFEFF?\s*\{/.test(text) ? 'json' : 'yaml';
}

/** Syntax → shape (zod) → cross-references; each stage reports every problem it finds, in file order. */
export function parseChecked<T>(text: string, file: string, opts: ParseCheckedOptions<T>): CheckedParse<T> {
  const format = detectFormat(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  type Sortable = FileIssue & { offset: number };
  const issueAt = (raw: RawIssue): Sortable => {
    const offset = locate(doc, raw.path, raw.target ?? (opts.keyTarget?.(raw.path) ? 'key' : 'value'));
    const issue: Sortable = { file, path: formatPath(raw.path), ...at(offset), message: raw.message, offset: offset ?? 0 };
    if (raw.expected !== undefined) issue.expected = raw.expected;
    if (raw.found !== undefined) issue.found = raw.found;
    return issue;
  };
  const finish = (list: Sortable[]): FileIssue[] =>
    list
      .map((issue, i) => ({ issue, i }))
      .sort((a, b) => a.issue.offset - b.issue.offset || a.i - b.i)
      .map(({ issue: { offset: _offset, ...rest } }) => rest);

  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const m = /at position (\d+)/.exec(message);
      const offset = m ? Number(m[1]) : text.length;
      const clean = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
      return { ok: false, errors: [{ file, path: '', ...at(offset), message: `JSON syntax error: ${clean}` }] };
    }
  }
  const syntax = doc.errors.map((e) => ({ file, path: '', ...at(e.pos[0]), message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, offset: e.pos[0] }));
  if (syntax.length > 0) return { ok: false, errors: finish(syntax) };
  if (format === 'yaml') {
    try {
      data = doc.toJS({ maxAliasCount: 10_000 });
    } catch (e) {
      // The yaml library refuses alias expansion past maxAliasCount (a "billion laughs" file): a file error, not a crash.
      return { ok: false, errors: [{ file, path: '', line: 1, column: 1, message: `YAML refused: ${(e as Error).message} (too many aliases are expanded; write the values out or use fewer anchors)` }] };
    }
  }

  const parsed = opts.schema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: finish(parsed.error.issues.flatMap((i) => fromZod(opts.schema, i, data, opts.emptyHint)).map(issueAt)) };

  const checked = opts.check?.(parsed.data) ?? [];
  const errors = checked.filter((i) => i.severity === 'error').map(issueAt);
  if (errors.length > 0) return { ok: false, errors: finish(errors) };
  const warnings = [...doc.warnings.map((w) => ({ file, path: '', ...at(w.pos[0]), message: w.message.split('\n')[0]!, offset: w.pos[0] })), ...checked.filter((i) => i.severity === 'warning').map(issueAt)];
  return { ok: true, value: parsed.data, warnings: finish(warnings) };
}
