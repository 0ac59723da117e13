/**
 * `takt validate <file>`: checks a plant file and prints either a one-line summary or every
 * problem with its file:line:column and path. Exit codes: 0 valid, 1 invalid, 2 unreadable.
 */
import { PlantFileError, loadPlantFile } from '../core/plant-file';
import { formatPlantIssues } from '../../shared/plant/parse';
import type { Plant } from '../../shared/plant/schema';

export interface ValidateOptions {
  json?: boolean;
  /** Where output goes (tests); defaults to stdout and stderr. */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export function summarizePlant(plant: Plant) {
  const lines = plant.areas.flatMap((a) => a.lines);
  return {
    areas: plant.areas.length,
    lines: lines.length,
    machines: lines.reduce((n, l) => n + l.machines.length, 0),
    skus: plant.products.length,
    families: plant.families.length,
    orders: plant.orders.length,
  };
}

export async function validateCommand(file: string, opts: ValidateOptions = {}): Promise<number> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t + '\n'));
  const err = opts.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  try {
    const { plant, file: path, warnings } = await loadPlantFile(file);
    const summary = summarizePlant(plant);
    if (opts.json) {
      out(JSON.stringify({ ok: true, file: path, summary, warnings }, null, 2));
    } else {
      const s = summary;
      const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
      out(`OK ${path}: ${[n(s.areas, 'area'), n(s.lines, 'line'), n(s.machines, 'machine'), n(s.skus, 'SKU'), n(s.families, 'family', 'families'), n(s.orders, 'order'), ...(warnings.length ? [n(warnings.length, 'warning')] : [])].join(', ')}`);
      if (warnings.length) err(formatPlantIssues(warnings).replace(/^/gm, 'warning: '));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof PlantFileError)) throw e;
    const code = e.kind === 'unreadable' ? 2 : 1;
    if (opts.json) out(JSON.stringify({ ok: false, file: e.file, unreadable: e.kind === 'unreadable', errors: e.issues }, null, 2));
    else err(e.kind === 'unreadable' ? e.message : `${formatPlantIssues(e.issues)}\n${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in ${e.file}`);
    return code;
  }
}
