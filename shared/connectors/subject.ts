/**
 * NATS subject patterns for connector mappings, in NATS's own terms: tokens separated by `.`, `*`
 * matches one token, a trailing `>` matches one or more, `{name}` captures one token
 * (`acme.lindenau.{area}.{line}.{machine}.state`). They are translated to the topic patterns of
 * ./topic.ts (`/`, `+`, `#`) so that NATS and MQTT mappings share one mapper; a subject is
 * translated the same way before it is matched.
 */

/** The NATS subscription subject of a pattern (captures become `*`). */
export function natsSubscription(pattern: string): string {
  return pattern
    .split('.')
    .map((t) => (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(t) ? '*' : t))
    .join('.');
}

/** Translates a subject pattern to a topic pattern; throws naming what is wrong with it. */
export function subjectPatternToTopic(pattern: string): string {
  if (pattern.length === 0) throw new Error('the subject pattern is empty');
  const tokens = pattern.split('.');
  return tokens
    .map((t, i) => {
      if (t === '') throw new Error(`'${pattern}' has an empty token (two dots, or a dot at an end)`);
      if (t === '>') {
        if (i !== tokens.length - 1) throw new Error(`'>' must be the last token of '${pattern}'`);
        return '#';
      }
      if (t === '*') return '+';
      if (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(t)) return t;
      if (/[*>{}/+#\s]/.test(t)) throw new Error(`token ${i + 1} ('${t}') of '${pattern}' mixes text with a wildcard or capture, or holds '/', '+', '#' or a space; a token is literal, '*', '>' or '{name}'`);
      return t;
    })
    .join('/');
}

/** A received subject in topic form, or undefined when one of its tokens holds a `/` (no mapping can match it). */
export function subjectToTopic(subject: string): string | undefined {
  return subject.includes('/') ? undefined : subject.replaceAll('.', '/');
}
