/**
 * Parses a plant file (YAML or JSON) into a checked `Plant`, or into a list of issues that each
 * say where (file, path, line, column), what was expected and what was found. Shape problems
 * (zod) and cross-reference problems (./check.ts) are reported together; cross-references are
 * checked once the shape is valid. Pure: the caller reads the file.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { checkPlant, didYouMean, formatPath, oneOf, type PlantPath } from './check';
import { plantSchema, type Plant } from './schema';

export interface PlantIssue {
  file: string;
  /** e.g. `areas[0].lines[2].machines`; empty for the whole file. */
  path: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  expected?: string;
  found?: string;
  message: string;
}

export type PlantParseResult = { ok: true; plant: Plant; warnings: PlantIssue[] } | { ok: false; errors: PlantIssue[] };

export type PlantFileFormat = 'yaml' | 'json';

/** By extension (.yaml/.yml/.json), else by content (a leading `{` means JSON). */
export function detectPlantFormat(text: string, file: string): PlantFileFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\uFEFF?\s*\{/.test(text) ? 'json' : 'yaml';
}

// ---- positions ------------------------------------------------------------------------------

interface Located {
  offset: number;
}

function keyOf(node: unknown): string | undefined {
  if (isScalar(node)) return String(node.value);
  return undefined;
}

/**
 * The source offset for a path: the value node when it is a scalar, the key when the value is a
 * collection (so `machines: []` points at `machines`) or when `target` is 'key', and the nearest
 * existing ancestor when the path does not exist (a missing key points at its parent's key).
 */
function locate(doc: Document, path: readonly (string | number)[], target: 'value' | 'key' = 'value'): Located | undefined {
  let node: unknown = doc.contents;
  let anchor: number | undefined = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === String(key));
      if (!pair) return anchor === undefined ? undefined : { offset: anchor };
      const keyStart = rangeStart(pair.key);
      const value = pair.value;
      if (last) {
        if (target === 'key' || !isScalar(value)) return { offset: keyStart ?? rangeStart(value) ?? anchor ?? 0 };
        return { offset: rangeStart(value) ?? keyStart ?? anchor ?? 0 };
      }
      anchor = keyStart ?? anchor;
      node = value;
      if (node === null || node === undefined) return anchor === undefined ? undefined : { offset: anchor };
    } else if (isSeq(node)) {
      const index = typeof key === 'number' ? key : Number(key);
      const item = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined || item === null) return anchor === undefined ? undefined : { offset: anchor };
      anchor = rangeStart(item) ?? anchor;
      node = item;
      if (last) return anchor === undefined ? undefined : { offset: anchor };
    } else {
      return anchor === undefined ? undefined : { offset: anchor };
    }
  }
  return anchor === undefined ? undefined : { offset: anchor };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

// ---- zod issues -----------------------------------------------------------------------------

type ZodIssue = z.core.$ZodIssue;

/** zod's default messages start with these; custom ones from the schema are kept as they are. */
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

/** The keys an object schema at `path` allows (for "unknown key" hints). */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let def: DefLike | undefined = (plantSchema as unknown as { _zod: { def: DefLike } })._zod.def;
  const unwrap = () => {
    while (def && (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'pipe'))
      def = (def.innerType ?? def.in)?._zod.def;
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

interface RawIssue {
  path: PlantPath;
  target?: 'value' | 'key';
  message: string;
  expected?: string;
  found?: string;
}

function fromZod(issue: ZodIssue, data: unknown): RawIssue[] {
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  const custom = !zodDefault.test(issue.message);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return { path: [...path, key], target: 'key' as const, message: `unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`, expected: allowed.length ? oneOf(allowed, 20) : undefined, found: `'${key}'` };
      });
    }
    case 'invalid_type': {
      const at = valueAt(data, path);
      const expected = expectedType[issue.expected] ?? issue.expected;
      if (!at.exists && path.length > 0) return [{ path, message: `missing required key '${String(path[path.length - 1])}'`, expected }];
      if (path.length === 0 && (at.value === null || at.value === undefined)) return [{ path, message: 'the file is empty: a plant file is a mapping that starts with `takt: 1`', expected: 'a mapping' }];
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
      if (issue.origin === 'string') return [{ path, message: custom ? issue.message : min <= 1 ? 'must not be empty' : `must be at least ${min} characters`, expected: `at least ${min} character${min === 1 ? '' : 's'}`, found }];
      const expected = `a number ${issue.inclusive ? '≥' : '>'} ${min}`;
      return [{ path, message: custom ? issue.message : `must be ${min === 0 && !issue.inclusive ? 'positive' : issue.inclusive ? `at least ${min}` : `greater than ${min}`}`, expected, found }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      const found = describe(input ?? valueAt(data, path).value);
      if (issue.origin === 'array') return [{ path, message: custom ? issue.message : `has more than ${max} items`, expected: `at most ${max} items`, found }];
      if (issue.origin === 'string') return [{ path, message: custom ? issue.message : `is longer than ${max} characters`, expected: `at most ${max} characters`, found }];
      return [{ path, message: custom ? issue.message : `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}`, expected: `a number ${issue.inclusive ? '≤' : '<'} ${max}`, found }];
    }
    case 'invalid_format': {
      const found = describe(input ?? valueAt(data, path).value);
      return [{ path, message: 'invalid format', expected: custom ? issue.message : `a ${issue.format}`, found }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const innerMessage = inner && !zodDefault.test(inner.message) ? inner.message : undefined;
      return [{ path, target: 'key', message: 'invalid key', expected: innerMessage, found: describe(input ?? path[path.length - 1]) }];
    }
    default: {
      const at = valueAt(data, path);
      return [{ path, message: issue.message, found: at.exists ? describe(at.value) : undefined }];
    }
  }
}

// ---- parsing --------------------------------------------------------------------------------

/** Parses and checks a plant file's text. `file` names it in issues and picks the format. */
export function parsePlantText(text: string, file: string): PlantParseResult {
  const format = detectPlantFormat(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const issueAt = (path: PlantPath, raw: Omit<RawIssue, 'path'>): PlantIssue & { offset: number } => {
    const loc = locate(doc, path, raw.target);
    const offset = loc?.offset ?? 0;
    const issue: PlantIssue & { offset: number } = { file, path: formatPath(path), ...at(loc?.offset), message: raw.message, offset };
    if (raw.expected !== undefined) issue.expected = raw.expected;
    if (raw.found !== undefined) issue.found = raw.found;
    return issue;
  };
  const finish = (list: (PlantIssue & { offset: number })[]): PlantIssue[] =>
    list
      .map((issue, i) => ({ issue, i }))
      .sort((a, b) => a.issue.offset - b.issue.offset || a.i - b.i)
      .map(({ issue: { offset: _offset, ...rest } }) => rest);

  // Syntax.
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
  if (format === 'yaml') data = doc.toJS({ maxAliasCount: 10_000 });
  const yamlWarnings = doc.warnings.map((w) => ({ file, path: '', ...at(w.pos[0]), message: w.message.split('\n')[0]!, offset: w.pos[0] }));

  // Shape.
  const parsed = plantSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((i) => fromZod(i, data)).map((raw) => issueAt(raw.path, raw));
    return { ok: false, errors: finish(errors) };
  }

  // Cross-references.
  const checked = checkPlant(parsed.data);
  const errors = checked.filter((i) => i.severity === 'error').map((i) => issueAt(i.path, { ...i, target: targetFor(i.path) }));
  const warnings = checked.filter((i) => i.severity === 'warning').map((i) => issueAt(i.path, { ...i, target: targetFor(i.path) }));
  if (errors.length > 0) return { ok: false, errors: finish(errors) };
  return { ok: true, plant: parsed.data, warnings: finish([...yamlWarnings, ...warnings]) };
}

/** Record keys that are ids themselves (a product's `rates.<line>`) are pointed at as keys. */
function targetFor(path: PlantPath): 'value' | 'key' {
  return path.length >= 2 && path[path.length - 2] === 'rates' ? 'key' : 'value';
}

/**
 * One line per issue:
 * `plants/x.yaml:12:7 areas[0].lines[1].families[0]: unknown family 'dairy' — expected one of: milk, nuts (found 'dairy')`
 */
export function formatPlantIssues(issues: readonly PlantIssue[]): string {
  return issues
    .map((i) => {
      const where = i.line !== undefined ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
      const path = i.path ? ` ${i.path}:` : ':';
      const expected = i.expected ? ` — expected ${i.expected}` : '';
      const found = i.found && !i.message.includes(`(found ${i.found})`) ? ` (found ${i.found})` : '';
      return `${where}${path} ${i.message}${expected}${found}`;
    })
    .join('\n');
}
