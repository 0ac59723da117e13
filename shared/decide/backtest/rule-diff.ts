/**
 * Which rules differ between two rule sets, as dotted paths with both values, and which of them
 * alone turns a detection into another: a backtest names "the rule that made the difference" by
 * putting one changed value of the candidate into the recorded rules at a time and detecting again.
 * Pure.
 */
import { canonicalJson } from '../../twin/hash';
import type { RuleSet } from '../rules-schema';

export interface RuleChange {
  /** Dotted path in the rule set, e.g. `exceptions.changeoverOverrunMinutes`. */
  path: string;
  recorded: unknown;
  candidate: unknown;
}

/** The parts of a rule set exception detection reads (../exceptions/detection.ts). */
const DETECTION_ROOTS: readonly (readonly string[])[] = [['exceptions'], ['constraints', 'material', 'excludeLocationKinds']];

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function get(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

/** Leaf differences under `path` (arrays compare whole: a maintenance window list is one rule). */
function diffAt(a: unknown, b: unknown, path: string[], out: RuleChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffAt(a[k], b[k], [...path, k], out);
    return;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push({ path: path.join('.'), recorded: a, candidate: b });
}

/** Every change that exception detection can see, in path order. */
export function detectionRuleChanges(recorded: RuleSet, candidate: RuleSet): RuleChange[] {
  const out: RuleChange[] = [];
  for (const root of DETECTION_ROOTS) diffAt(get(recorded, root), get(candidate, root), [...root], out);
  return out;
}

/**
 * What options, approvals and actions are made with (everything but detection, the KPI targets and
 * the names): two rule sets with the same key rank the same options for the same exception.
 */
export function decisionRulesKey(rules: RuleSet): string {
  const { exceptions: _e, kpiTargets: _k, version: _v, name: _n, ...rest } = rules;
  return canonicalJson(rest);
}

/** `base` with one change's candidate value put in (a deep copy; `base` is untouched). */
export function withChange(base: RuleSet, change: RuleChange): RuleSet {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const keys = change.path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (change.candidate === undefined) delete at[last];
  else at[last] = JSON.parse(JSON.stringify(change.candidate)) as unknown;
  return copy as unknown as RuleSet;
}

/** `path: recorded → candidate`, for people. */
export function describeChange(c: RuleChange): string {
  const v = (x: unknown) => (x === undefined ? '(unset)' : typeof x === 'string' ? x : canonicalJson(x));
  return `${c.path}: ${v(c.recorded)} → ${v(c.candidate)}`;
}
