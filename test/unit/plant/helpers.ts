import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'plants');
export const fixture = (name: string) => join(fixtures, name);
export const readFixture = (name: string) => readFileSync(fixture(name), 'utf8');

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
export function pos(text: string, needle: string, nth = 1): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' #${nth} not in text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The small valid plant with some text replaced (each `from` must occur exactly once). */
export function smallPlantWith(...edits: [from: string, to: string][]): string {
  let text = readFixture('small-plant.yaml');
  for (const [from, to] of edits) {
    if (text.split(from).length !== 2) throw new Error(`'${from}' must occur once in small-plant.yaml`);
    text = text.replace(from, to);
  }
  return text;
}
