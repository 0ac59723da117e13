/**
 * Reads a plant file from disk and parses it (shared/plant/parse.ts). Without a path it loads the
 * embedded demo plant, `resources/plants/demo-plant.yaml`, found from the package root so it works
 * from source (tsx, vitest) and from the bundle (`dist/cli.mjs`).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packageRoot } from '../package-root';
import { formatPlantIssues, parsePlantText, type PlantIssue } from '../../../shared/plant/parse';
import type { Plant } from '../../../shared/plant/schema';

export class PlantFileError extends Error {
  override readonly name = 'PlantFileError';
  constructor(
    readonly file: string,
    readonly issues: PlantIssue[],
    /** `unreadable`: the file could not be read; `invalid`: it was read and has problems. */
    readonly kind: 'unreadable' | 'invalid',
    message?: string,
  ) {
    super(message ?? `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the plant file\n${formatPlantIssues(issues)}`);
  }
}

export { packageRoot };

export function demoPlantPath(): string {
  return join(packageRoot(), 'resources', 'plants', 'demo-plant.yaml');
}

/**
 * Loads and checks a plant file (relative paths resolve against the working directory).
 * Throws `PlantFileError` when it cannot be read or is invalid.
 */
export async function loadPlantFile(path?: string): Promise<{ plant: Plant; file: string; warnings: PlantIssue[] }> {
  const file = path === undefined ? demoPlantPath() : resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    const message = `cannot read plant file ${file}: ${why}${code === 'ENOENT' && path !== undefined ? ' (check the path; relative paths start from ' + process.cwd() + ')' : ''}`;
    throw new PlantFileError(file, [{ file, path: '', message }], 'unreadable', message);
  }
  const result = parsePlantText(text, file);
  if (!result.ok) throw new PlantFileError(file, result.errors, 'invalid');
  return { plant: result.plant, file, warnings: result.warnings };
}
