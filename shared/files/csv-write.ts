/**
 * CSV as Takt writes it (the shift report's tables). A cell is quoted when it holds a comma, quote or
 * line break, and a text cell that a spreadsheet would run as a formula (it starts with = + - @, a
 * tab or a carriage return: a downtime reason `=HYPERLINK(…)` typed on the floor) gets a leading
 * single quote, as OWASP recommends, so it shows as text. Numbers are written as they are (a
 * negative number is not a formula).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-neutralised text, quoted when needed. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header and rows as CSV text (CRLF line ends, as RFC 4180). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** True when text would start a spreadsheet formula (what `csvCell` neutralises). */
export const startsFormula = (s: string) => FORMULA_START.test(s);
