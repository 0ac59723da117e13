/**
 * MQTT topic patterns with named captures, for Unified Namespace mappings:
 * `plant/{area}/{line}/{machine}/state` matches one level per `{name}` and captures it; `+` matches
 * one level without capturing; a trailing `#` matches any remaining levels (also none). Each pattern
 * also yields the MQTT subscription filter it needs (`plant/+/+/+/state`).
 */

export interface TopicPattern {
  readonly pattern: string;
  /** The MQTT subscription filter (captures become `+`). */
  readonly filter: string;
  readonly captures: readonly string[];
  /** Captures by name, or null when the topic does not match. */
  match(topic: string): Record<string, string> | null;
}

const CAPTURE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Compiles a pattern; throws an Error naming the offending level. */
export function compileTopicPattern(pattern: string): TopicPattern {
  if (pattern.length === 0) throw new Error('the topic pattern is empty');
  const levels = pattern.split('/');
  type Level = { kind: 'literal'; text: string } | { kind: 'one'; name?: string } | { kind: 'rest' };
  const compiled: Level[] = [];
  const captures: string[] = [];
  levels.forEach((lv, i) => {
    if (lv === '#') {
      if (i !== levels.length - 1) throw new Error(`'#' must be the last level of '${pattern}'`);
      compiled.push({ kind: 'rest' });
    } else if (lv === '+') compiled.push({ kind: 'one' });
    else {
      const m = CAPTURE.exec(lv);
      if (m) {
        if (captures.includes(m[1]!)) throw new Error(`capture {${m[1]}} appears twice in '${pattern}'`);
        captures.push(m[1]!);
        compiled.push({ kind: 'one', name: m[1]! });
      } else if (/[+#{}]/.test(lv)) throw new Error(`level ${i + 1} ('${lv}') of '${pattern}' mixes text with a wildcard or capture; a level is either literal, '+', '#' or '{name}'`);
      else compiled.push({ kind: 'literal', text: lv });
    }
  });
  const filter = compiled.map((c) => (c.kind === 'literal' ? c.text : c.kind === 'one' ? '+' : '#')).join('/');
  const hasRest = compiled[compiled.length - 1]?.kind === 'rest';
  const fixed = hasRest ? compiled.length - 1 : compiled.length;
  return {
    pattern,
    filter,
    captures,
    match(topic) {
      const parts = topic.split('/');
      if (hasRest ? parts.length < fixed : parts.length !== fixed) return null;
      const out: Record<string, string> = {};
      for (let i = 0; i < fixed; i++) {
        const c = compiled[i]!;
        const p = parts[i]!;
        if (c.kind === 'literal') {
          if (c.text !== p) return null;
        } else if (c.kind === 'one') {
          // MQTT: topics starting with '$' are never matched by a leading wildcard.
          if (i === 0 && p.startsWith('$')) return null;
          if (c.name !== undefined) out[c.name] = p;
        }
      }
      return out;
    },
  };
}
