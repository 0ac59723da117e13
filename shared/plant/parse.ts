/**
 * Parses a plant file (YAML or JSON) into a checked `Plant`, or into a list of issues that each
 * say where (file, path, line, column), what was expected and what was found. Shape problems
 * (zod) and cross-reference problems (./check.ts) are reported together; cross-references are
 * checked once the shape is valid. Pure: the caller reads the file.
 */
import type { FileIssue } from '../files/issues';
import { detectFormat, parseChecked } from '../files/positioned';
import { checkPlant, type PlantPath } from './check';
import { plantSchema, type Plant } from './schema';

/** A plant file's problem: where (file, path, line, column), what was expected and found. */
export type PlantIssue = FileIssue;

export type PlantParseResult = { ok: true; plant: Plant; warnings: PlantIssue[] } | { ok: false; errors: PlantIssue[] };

export type PlantFileFormat = 'yaml' | 'json';

/** By extension (.yaml/.yml/.json), else by content (a leading `{` means JSON). */
export const detectPlantFormat: (text: string, file: string) => PlantFileFormat = detectFormat;

/** Parses and checks a plant file's text. `file` names it in issues and picks the format. */
export function parsePlantText(text: string, file: string): PlantParseResult {
  const r = parseChecked(text, file, {
    schema: plantSchema,
    // Only cross-reference issues point at record keys; shape issues point at the offending value.
    check: (plant) => checkPlant(plant).map((i) => ({ ...i, target: targetFor(i.path) })),
    emptyHint: 'a plant file is a mapping that starts with `takt: 1`',
  });
  return r.ok ? { ok: true, plant: r.value, warnings: r.warnings } : { ok: false, errors: r.errors };
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
