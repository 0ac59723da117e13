/**
 * CSV as Takt writes it (the shift report's tables). Every text cell is quoted: a spreadsheet set to
 * another separator (`;` in much of Europe) splits an unquoted `ok;=HYPERLINK(…)` into two cells, the
 * second a formula, so quoting only cells with a comma is not enough. A text cell that a spreadsheet would run as a formula (it starts with = + - @, a
 * tab or a carriage return: a downtime reason `=HYPERLINK(…)` typed on the floor) gets a leading
 * single quote, as OWASP recommends, so it shows as text. Numbers are written as they are (a
 * negative number is not a formula).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: text formula-neutralised and quoted; numbers, booleans and empty cells (nothing to run) as they are. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v !== 'string') return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return `"${s.replace(/"/g, '""')}"`;
}

/** A header and rows as CSV text (CRLF line ends, as RFC 4180). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** True when text would start a spreadsheet formula (what `csvCell` neutralises). */
export const startsFormula = (s: string) => FORMULA_START.test(s);
