/**
 * Validation of one raw signal (parsed object or JSON text) into a canonical `Signal`, or a
 * rejection `{ code, reason, path }` that a person can act on.
 *
 * Two layers, one source of truth:
 * - zod (`shared/signals/schema.ts`) is the truth and produces the human-readable messages.
 * - a fast path compiled from the same zod schemas (via `z.toJSONSchema`, then generated into a
 *   plain JS predicate per signal type). It is a *sufficient* condition: when it says yes the value
 *   is valid as it stands (no defaults to fill, no unknown keys, plain object); when it says no, or
 *   meets anything it does not understand, zod decides. So the fast path can only ever be stricter
 *   than zod, never looser, and `test/unit/ingest/validate.test.ts` checks that property on random
 *   and hostile inputs. zod's safeParse is an order of magnitude slower (and copies every object);
 *   the `ingest` benchmark in the README shows what the whole stage costs.
 *
 * After the shape: references against the plant (PlantIndex), plausible quantities, and event time
 * against receive time (far future, ancient).
 */
import { z } from 'zod';
import { signalSchema, signalSchemas, signalTypes, type Signal, type SignalType } from '../signals/schema';
import { createPlantIndex, type PlantIndex, type RefKind } from './plant-index';

export type { PlantIndex, RefKind } from './plant-index';
/** Alias of `createPlantIndex` (./plant-index). */
export const buildPlantIndex = createPlantIndex;

export type RejectCode = 'json' | 'size' | 'shape' | 'reference' | 'quantity' | 'time' | 'late' | 'too-old';

export interface Rejection {
  ok: false;
  code: RejectCode;
  reason: string;
  /** Dotted path of the offending field ('' for the whole signal). */
  path: string;
}

export interface Accepted {
  ok: true;
  signal: Signal;
  /**
   * True when `signal` is the very object that was passed in (or parsed from the text), unchanged:
   * the original JSON text is then a faithful serialisation of it.
   */
  verbatim: boolean;
}

export type Validated = Accepted | Rejection;

export interface ValidateOptions {
  /** Reference checks; without it only shape, quantities and time are checked. */
  index?: PlantIndex;
  /** How far event time may be ahead of receive time. Default 5 minutes. */
  clockSkewMs?: number;
  /** How far event time may be behind receive time. Default 30 days. */
  maxAgeMs?: number;
  /** Largest plausible quantity in one count or stock movement. Default 1e7. */
  maxQty?: number;
  /** Longest JSON text accepted. Default 64 KiB. */
  maxBytes?: number;
}

export interface ValidateContext {
  /** Receive time stamped at the edge; defaults to the signal's own `receiveTime`. */
  receiveTime?: number;
}

export type SignalValidator = (raw: unknown, ctx?: ValidateContext) => Validated;

/** How far event time may be ahead of receive time unless configured. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

const reject = (code: RejectCode, reason: string, path = ''): Rejection => ({ ok: false, code, reason, path });

// ---------------------------------------------------------------------------------------------
// The compiler: JSON Schema (as zod emits it) → JS predicate source.
// ---------------------------------------------------------------------------------------------

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  [k: string]: unknown;
}

const understood = new Set(['type', 'properties', 'required', 'additionalProperties', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'const', 'enum', 'default', '$schema', 'description', 'title', 'items', 'minItems', 'maxItems']);

class Unsupported extends Error {}

/** Emits statements that `return false` unless `v` (a JS expression naming a local) satisfies `s`. */
function emitCheck(s: JsonSchema, v: string, fresh: () => string, out: string[]): void {
  for (const k of Object.keys(s)) if (!understood.has(k)) throw new Unsupported(`keyword ${k}`);
  const lit = (x: unknown) => JSON.stringify(x);
  if (s.const !== undefined) {
    out.push(`if (${v} !== ${lit(s.const)}) return false;`);
    return;
  }
  if (s.enum !== undefined) {
    out.push(`if (${s.enum.map((e) => `${v} !== ${lit(e)}`).join(' && ')}) return false;`);
    return;
  }
  switch (s.type) {
    case 'string': {
      const conds = [`typeof ${v} !== 'string'`];
      if (s.minLength !== undefined) conds.push(`${v}.length < ${s.minLength}`);
      if (s.maxLength !== undefined) conds.push(`${v}.length > ${s.maxLength}`);
      out.push(`if (${conds.join(' || ')}) return false;`);
      return;
    }
    case 'number':
    case 'integer': {
      const conds = [`typeof ${v} !== 'number'`];
      // Written as !(a && b) so NaN fails every bound; Infinity fails finite bounds.
      const bounds: string[] = [];
      if (s.minimum !== undefined) bounds.push(`${v} >= ${s.minimum}`);
      if (s.exclusiveMinimum !== undefined) bounds.push(`${v} > ${s.exclusiveMinimum}`);
      if (s.maximum !== undefined) bounds.push(`${v} <= ${s.maximum}`);
      if (s.exclusiveMaximum !== undefined) bounds.push(`${v} < ${s.exclusiveMaximum}`);
      bounds.push(`${v} - ${v} === 0`); // finite
      conds.push(`!(${bounds.join(' && ')})`);
      if (s.type === 'integer') conds.push(`${v} % 1 !== 0`);
      out.push(`if (${conds.join(' || ')}) return false;`);
      return;
    }
    case 'boolean':
      out.push(`if (typeof ${v} !== 'boolean') return false;`);
      return;
    case 'array': {
      const items = s.items;
      if (typeof items !== 'object' || items === null || Array.isArray(items)) throw new Unsupported('array without one items schema');
      // Plain arrays only, no holes and no extra own keys (zod would copy without them): else zod decides.
      out.push(`if (!Array.isArray(${v}) || Object.getPrototypeOf(${v}) !== Array.prototype || Object.keys(${v}).length !== ${v}.length) return false;`);
      if (s.minItems !== undefined) out.push(`if (${v}.length < ${Number(s.minItems)}) return false;`);
      if (s.maxItems !== undefined) out.push(`if (${v}.length > ${Number(s.maxItems)}) return false;`);
      const i = fresh();
      const w = fresh();
      out.push(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${w} = ${v}[${i}];`);
      emitCheck(items as JsonSchema, w, fresh, out);
      out.push('}');
      return;
    }
    case 'object': {
      if (s.additionalProperties !== false) throw new Unsupported('open object');
      // Plain objects only (own prototype Object.prototype or null); anything else goes to zod.
      out.push(`if (typeof ${v} !== 'object' || ${v} === null) return false;`);
      out.push(`{ const p = Object.getPrototypeOf(${v}); if (p !== OP && p !== null) return false; }`);
      const n = fresh();
      out.push(`let ${n} = 0;`);
      const required = new Set(s.required ?? []);
      for (const [key, sub] of Object.entries(s.properties ?? {})) {
        const w = fresh();
        out.push(`const ${w} = ${v}[${lit(key)}];`);
        if (required.has(key) && sub.default === undefined) {
          emitCheck(sub, w, fresh, out);
          out.push(`${n}++;`);
        } else {
          // Optional, or defaulted: a missing value with a default needs filling: zod does that.
          out.push(`if (${w} === undefined) { ${sub.default !== undefined ? 'return false;' : ''} } else {`);
          emitCheck(sub, w, fresh, out);
          out.push(`${n}++; }`);
        }
      }
      // Every own enumerable key must be one we checked (strict objects; `__proto__` & co. fail here).
      const c = fresh();
      out.push(`let ${c} = 0; for (const k in ${v}) ${c}++; if (${c} !== ${n}) return false;`);
      return;
    }
    default:
      throw new Unsupported(`type ${String(s.type)}`);
  }
}

/** Source of `function (o) { ... return true; }` for one zod object schema, or undefined if unsupported. */
export function compileFastCheckSource(schema: z.ZodType): string | undefined {
  try {
    const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
    let i = 0;
    const out: string[] = [];
    emitCheck(js, 'o', () => `v${i++}`, out);
    return `return function fastCheck(o) {\n${out.join('\n')}\nreturn true;\n}`;
  } catch {
    return undefined;
  }
}

type FastCheck = (o: unknown) => boolean;

/** Per signal type: the compiled predicate, or undefined (then zod alone decides). */
export function compileFastChecks(): Map<string, FastCheck> {
  const checks = new Map<string, FastCheck>();
  for (const sc of signalSchemas) {
    const src = compileFastCheckSource(sc);
    if (src === undefined) continue;
    try {
      // Code generated from our own schemas only (no input text reaches it).
      const make = new Function('OP', src) as (op: object) => FastCheck;
      checks.set(sc.shape.type.value, make(Object.prototype));
    } catch {
      // e.g. a renderer under a CSP without 'unsafe-eval': zod still validates, just slower.
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks: references, quantities, time.
// ---------------------------------------------------------------------------------------------

type Getter = (s: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
interface RefField {
  path: string;
  kind: RefKind;
  get: Getter;
}

const refFields: Partial<Record<SignalType, RefField[]>> = {
  'order.created': [
    { path: 'order.sku', kind: 'sku', get: (s) => s.order.sku },
    { path: 'order.customer', kind: 'customer', get: (s) => s.order.customer },
    { path: 'order.line', kind: 'line', get: (s) => s.order.line },
  ],
  'order.changed': [
    { path: 'sku', kind: 'sku', get: (s) => s.sku },
    { path: 'line', kind: 'line', get: (s) => s.line },
  ],
  'demand.changed': [
    { path: 'sku', kind: 'sku', get: (s) => s.sku },
    { path: 'customer', kind: 'customer', get: (s) => s.customer },
  ],
  'inventory.receipt': [
    { path: 'component', kind: 'component', get: (s) => s.component },
    { path: 'location', kind: 'location', get: (s) => s.location },
  ],
  'inventory.issue': [
    { path: 'component', kind: 'component', get: (s) => s.component },
    { path: 'location', kind: 'location', get: (s) => s.location },
    { path: 'line', kind: 'line', get: (s) => s.line },
  ],
  'inventory.adjustment': [
    { path: 'component', kind: 'component', get: (s) => s.component },
    { path: 'location', kind: 'location', get: (s) => s.location },
  ],
  'po.eta': [{ path: 'component', kind: 'component', get: (s) => s.component }],
  'machine.state': [{ path: 'machine', kind: 'machine', get: (s) => s.machine }],
  'production.count': [{ path: 'machine', kind: 'machine', get: (s) => s.machine }],
  'order.started': [{ path: 'line', kind: 'line', get: (s) => s.line }],
  'order.completed': [{ path: 'line', kind: 'line', get: (s) => s.line }],
  'quality.hold': [{ path: 'line', kind: 'line', get: (s) => s.line }],
  'quality.deviation': [{ path: 'line', kind: 'line', get: (s) => s.line }],
  'labour.clockIn': [{ path: 'line', kind: 'line', get: (s) => s.line }],
  // Its orders are checked by the twin when it applies it (they come and go with the plan).
  'plan.sequence': [{ path: 'line', kind: 'line', get: (s) => s.line }],
};

/** Quantity fields with an upper plausibility bound (absolute value). */
const qtyFields: Partial<Record<SignalType, { path: string; get: Getter }[]>> = {
  'production.count': [
    { path: 'good', get: (s) => s.good },
    { path: 'scrap', get: (s) => s.scrap },
  ],
  'inventory.receipt': [{ path: 'qty', get: (s) => s.qty }],
  'inventory.issue': [{ path: 'qty', get: (s) => s.qty }],
  'inventory.adjustment': [{ path: 'qtyDelta', get: (s) => s.qtyDelta }],
  'po.eta': [{ path: 'qty', get: (s) => s.qty }],
  'order.created': [{ path: 'order.qty', get: (s) => s.order.qty }],
  'order.changed': [{ path: 'qty', get: (s) => s.qty }],
  'demand.changed': [{ path: 'qtyDelta', get: (s) => s.qtyDelta }],
};

const fmtTime = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));
const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max)}…` : text);

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `"${clip(v, 40)}"` : typeof v;
}

const typeList = signalTypes.join(', ');

/** zod's verdict on a value the fast path declined, as a rejection with readable reason and path. */
function zodRejection(raw: unknown, error: z.ZodError): Rejection {
  const issue = error.issues[0];
  if (!issue) return reject('shape', 'invalid signal');
  const path = issue.path.map(String).join('.');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return reject('shape', `a signal must be a JSON object with a "type"; got ${describeValue(raw)}`);
  }
  if (path === 'type') {
    const t = (raw as { type?: unknown }).type;
    return reject('shape', `unknown signal type ${describeValue(t)}; expected one of: ${typeList}`, 'type');
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more issue${error.issues.length > 2 ? 's' : ''})` : '';
  const type = (raw as { type?: unknown }).type;
  return reject('shape', `${String(type)}: ${path || 'signal'}: ${issue.message}${more}`, path);
}

const safePath = /^[A-Za-z]+(\.[A-Za-z]+)*$/;

/**
 * The semantic checks of one signal type as one generated predicate (true = all pass): straight
 * property reads that stay monomorphic per type, where the generic closures above read every field
 * through a shared getter call. Only the verdict; on false the closures produce the rejection, so the
 * messages have one source. Undefined where code cannot be generated (e.g. a CSP without eval).
 */
function compileSemanticCheck(refs: readonly { path: string; ids: ReadonlySet<string> }[], qtys: readonly { path: string }[], maxQty: number): ((s: Signal) => boolean) | undefined {
  if (![...refs, ...qtys].every((f) => safePath.test(f.path))) return undefined;
  const body: string[] = ['let v;'];
  refs.forEach((r, i) => body.push(`v = s.${r.path}; if (v !== undefined && !R[${i}].has(v)) return false;`));
  qtys.forEach((q) => body.push(`v = s.${q.path}; if (v !== undefined && (v > MQ || v < -MQ)) return false;`));
  try {
    // Generated from our own constant field tables only (checked by safePath); no input reaches it.
    return new Function('R', 'MQ', `return function semanticCheck(s) {\n${body.join('\n')}\nreturn true;\n}`)(
      refs.map((r) => r.ids),
      maxQty,
    ) as (s: Signal) => boolean;
  } catch {
    return undefined;
  }
}

/**
 * Builds a validator. Hot path for a valid signal: one Map lookup, one compiled predicate, a Set
 * lookup per reference and a few comparisons; no allocation beyond the result.
 */
export function createValidator(opts: ValidateOptions = {}): SignalValidator {
  const index = opts.index;
  const skew = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const maxAge = opts.maxAgeMs ?? 30 * 24 * 3_600_000;
  const maxQty = opts.maxQty ?? 1e7;
  const maxBytes = opts.maxBytes ?? 65_536;
  const fast = compileFastChecks();

  // Per type, one Map entry: the compiled predicate (if any) and one closure running the semantic
  // checks (undefined = ok). Each reference field carries its plant id Set, looked up once here.
  const perType = new Map<string, { check: FastCheck | undefined; semantic: (s: Signal) => Rejection | undefined }>();
  for (const type of signalTypes) {
    const refs = index ? (refFields[type] ?? []).map((r) => ({ ...r, ids: index.ids[r.kind] })) : [];
    const qtys = qtyFields[type] ?? [];
    const semantic = (s: Signal): Rejection | undefined => {
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i]!;
        const id = r.get(s);
        if (id !== undefined && !r.ids.has(id as string)) {
          return reject('reference', `${type}: unknown ${r.kind} "${clip(String(id), 64)}" at ${r.path}; ${index!.describe(r.kind)}`, r.path);
        }
      }
      for (let i = 0; i < qtys.length; i++) {
        const q = qtys[i]!;
        const v = q.get(s) as number | undefined;
        if (v !== undefined && (v > maxQty || v < -maxQty)) {
          return reject('quantity', `${type}: ${q.path} = ${v} is implausible (more than ${maxQty} in one signal); check the unit or the sender`, q.path);
        }
      }
      return undefined;
    };
    const quick = compileSemanticCheck(refs, qtys, maxQty);
    perType.set(type, { check: fast.get(type), semantic: quick ? (s) => (quick(s) ? undefined : semantic(s)) : semantic });
  }

  function checkTime(s: Signal, ctx: ValidateContext | undefined): Rejection | undefined {
    const rt = ctx?.receiveTime ?? s.receiveTime;
    const et = s.eventTime;
    if (et > rt + skew) {
      return reject('time', `${s.type}: eventTime ${fmtTime(et)} is ${et - rt} ms after receive time ${fmtTime(rt)} (allowed clock skew ${skew} ms); check the sender's clock`, 'eventTime');
    }
    if (et < rt - maxAge) {
      return reject('time', `${s.type}: eventTime ${fmtTime(et)} is ${rt - et} ms before receive time ${fmtTime(rt)} (older than the ${maxAge} ms the ingest accepts); replay old data through an import instead`, 'eventTime');
    }
    return undefined;
  }

  const validate: SignalValidator = (raw, ctx) => {
    try {
      return validateUnsafe(raw, ctx);
    } catch (e) {
      // Hostile objects (throwing getters, proxies) must not take the pipeline down.
      let msg: string;
      try {
        msg = String((e as Error)?.message ?? e);
      } catch {
        msg = 'unknown error';
      }
      return reject('shape', `signal could not be read: ${clip(msg, 200)}`);
    }
  };
  return validate;

  function validateUnsafe(raw: unknown, ctx: ValidateContext | undefined): Validated {
    let obj = raw;
    if (typeof raw === 'string') {
      if (raw.length > maxBytes) return reject('size', `signal text is ${raw.length} characters; the limit is ${maxBytes}`);
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        return reject('json', `invalid JSON: ${clip((e as Error).message, 200)}`);
      }
    }
    let signal: Signal;
    let verbatim = false;
    const type = typeof obj === 'object' && obj !== null ? (obj as { type?: unknown }).type : undefined;
    const entry = typeof type === 'string' ? perType.get(type) : undefined;
    const check = entry?.check;
    if (check !== undefined && check(obj)) {
      signal = obj as Signal;
      verbatim = true;
    } else {
      const parsed = signalSchema.safeParse(obj);
      if (!parsed.success) return zodRejection(obj, parsed.error);
      signal = parsed.data;
    }
    const e = entry !== undefined && signal.type === type ? entry : perType.get(signal.type)!;
    const sem = e.semantic(signal) ?? checkTime(signal, ctx);
    if (sem !== undefined) return sem;
    return { ok: true, signal, verbatim };
  }
}
