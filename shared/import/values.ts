/**
 * Text → number and text → instant, the way ERP exports write them (decimal comma, thousands
 * separators, day-first dates, ISO 8601 with or without a zone). Each returns a value or the words
 * for "expected …" in an issue. Pure.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

/** `1234.5`, `1,234.5` (decimal '.'), `1234,5` / `1.234,5` (decimal ','). */
export function parseNumber(text: string, decimal: '.' | ',' = '.'): Parsed<number> {
  let t = text.trim().replace(/[\u00a0\u202f ]/g, '');
  const group = decimal === '.' ? ',' : '.';
  const grouped = new RegExp(`^[-+]?\\d{1,3}(\\${group}\\d{3})+(\\${decimal}\\d+)?$`);
  if (grouped.test(t)) t = t.split(group).join('');
  if (decimal === ',') t = t.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return { ok: false, expected: `a number${decimal === ',' ? ' with a decimal comma' : ''}` };
  const n = Number(t);
  return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, expected: 'a finite number' };
}

export const dateFormats = ['iso', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof dateFormats)[number];

/** `Z`, `+01:00`, `-0500` → minutes east of UTC. */
export function parseOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

const timePart = String.raw`(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?`;
const patterns: Record<DateFormat, { re: RegExp; order: [number, number, number] }> = {
  // capture groups: year, month, day in the order given
  iso: { re: new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${timePart}$`), order: [1, 2, 3] },
  'DD.MM.YYYY': { re: new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${timePart}$`), order: [3, 2, 1] },
  'DD/MM/YYYY': { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${timePart}$`), order: [3, 2, 1] },
  'MM/DD/YYYY': { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${timePart}$`), order: [3, 1, 2] },
};

/**
 * An instant in ms since the epoch. Times without a zone are read at `defaultOffsetMinutes` (the
 * plant's offset from UTC; 0 by default); dates without a time mean midnight.
 */
export function parseInstant(text: string, format: DateFormat = 'iso', defaultOffsetMinutes = 0): Parsed<number> {
  const expected = format === 'iso' ? 'an ISO 8601 date or date-time (2026-11-27 or 2026-11-27T14:00:00Z)' : `a date as ${format} (optionally followed by HH:MM)`;
  const p = patterns[format];
  const m = p.re.exec(text.trim());
  if (!m) return { ok: false, expected };
  const year = Number(m[p.order[0]]);
  const month = Number(m[p.order[1]]);
  const day = Number(m[p.order[2]]);
  const hh = Number(m[4] ?? 0);
  const mm = Number(m[5] ?? 0);
  const ss = Number(m[6] ?? 0);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return { ok: false, expected };
  const offset = m[8] !== undefined ? parseOffset(m[8]) : defaultOffsetMinutes;
  if (offset === undefined) return { ok: false, expected };
  const utc = Date.UTC(year, month - 1, day, hh, mm, ss, ms);
  // Date.UTC rolls 31 February over into March: refuse dates that do not exist.
  if (new Date(utc).getUTCDate() !== day) return { ok: false, expected: `a date that exists (${text.trim()} does not)` };
  return { ok: true, value: utc - offset * 60_000 };
}
