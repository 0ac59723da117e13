/**
 * What a problem in a file says, for every schema-checked file (plant, rules, scenarios, mappings):
 * the issue record (file, path, line, column, expected, found, message) and the words that go in
 * it: a readable path, the allowed values, the likely intended id.
 */

export interface FileIssue {
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

export type IssuePath = (string | number)[];

/** `areas[0].lines[2].machines` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** `one of: a, b, c…` with at most `max` items. */
export function oneOf(ids: readonly string[], max = 8): string {
  if (ids.length === 0) return 'none are declared';
  const shown = ids.slice(0, max).join(', ');
  return `one of: ${shown}${ids.length > max ? '…' : ''}`;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest known id, when it is close enough to be a likely typo. */
export function didYouMean(value: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = value.toLowerCase();
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const d = c === lower ? 0 : c.startsWith(lower) || lower.startsWith(c) ? 1 : levenshtein(lower, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined;
}
