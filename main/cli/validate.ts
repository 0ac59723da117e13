/**
 * `takt validate <file>`: checks a plant file and prints either a one-line summary or every
 * problem with its file:line:column and path. Exit codes: 0 valid, 1 invalid, 2 unreadable.
 * A rules file (`takt: rules`) is recognised by its content and checked against the plant
 * (`opts.plant`, else the demo plant).
 */
import { readFileSync } from 'node:fs';
import { PlantFileError, loadPlantFile } from '../core/persistence/plant-file';
import { RulesFileError, loadRulesFile } from '../core/services/decide-service';
import { formatRulesIssues } from '../../shared/decide/rules-parse';
import { formatPlantIssues } from '../../shared/plant/parse';
import type { Plant } from '../../shared/plant/schema';

export interface ValidateOptions {
  json?: boolean;
  /** Where output goes (tests); defaults to stdout and stderr. */
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Plant file a rules file is checked against (the demo plant when absent). */
  plant?: string;
}

function isRulesFile(file: string): boolean {
  try {
    return /^\s*takt\s*:\s*["']?rules["']?\s*$/m.test(readFileSync(file, 'utf8')) || /"takt"\s*:\s*"rules"/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

async function validateRules(file: string, opts: ValidateOptions, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const { plant, file: plantFile } = await loadPlantFile(opts.plant);
  try {
    const { loaded, warnings } = await loadRulesFile(file, plant);
    if (opts.json) out(JSON.stringify({ ok: true, file: loaded.file, kind: 'rules', version: loaded.version, hash: loaded.hash, plant: plantFile, warnings }, null, 2));
    else {
      out(`OK ${loaded.file}: rules '${loaded.rules.name}' version ${loaded.version} (hash ${loaded.hash}) for plant ${plant.site.id}${warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`);
      if (warnings.length) err(formatRulesIssues(warnings).replace(/^/gm, 'warning: '));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof RulesFileError)) throw e;
    if (opts.json) out(JSON.stringify({ ok: false, file: e.file, kind: 'rules', unreadable: e.kind === 'unreadable', errors: e.issues }, null, 2));
    else err(e.kind === 'unreadable' ? e.message : `${formatRulesIssues(e.issues)}\n${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in ${e.file}`);
    return e.kind === 'unreadable' ? 2 : 1;
  }
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
  if (isRulesFile(file)) return validateRules(file, opts, out, err);
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
