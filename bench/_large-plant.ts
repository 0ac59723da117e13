/**
 * The large plant of the scale benchmarks (`--plant large`): by default 1,000 machines in 60 lines
 * across 4 halls, generated from a seed rather than committed as a file, so every bench (ingest,
 * render, …) measures the same floor and the case can be re-made at any size.
 *
 * It is the demo plant scaled out: each new line copies one of the demo's 10 lines (families, crew,
 * buffer, the products' rates on it with a seeded ±15 %, the tools fitted to it) and gets a seeded
 * number of machines (the total is exact) of the kinds its template line has, in the template's
 * order, extended with seeded kinds. Master data (families, products, changeovers, components,
 * crews, shifts, customers) stay the demo's; the opening order book is the demo's, once per copy of
 * its lines. The result passes the plant schema and cross-reference checks (test/unit/bench).
 *
 *   import { largePlant } from './_large-plant';
 *   const plant = largePlant();                        // 1,000 machines, 60 lines, 4 halls, seed 21
 *   const small = largePlant({ machines: 200, lines: 12, halls: 2, seed: 7 });
 *
 *   npx tsx bench/_large-plant.ts [--machines N] [--lines N] [--halls N] [--seed N] > large.json
 *   (prints the plant as JSON; a plant file may be JSON, so `takt --plant large.json` opens it)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePlantText } from '../shared/plant/parse';
import { machineKinds, type Area, type Line, type Machine, type Plant, type PlantOrder } from '../shared/plant/schema';
import { createRng } from '../shared/sim/random';
import { benchArgs, numberFlag } from './_args';

export interface LargePlantOptions {
  machines?: number;
  lines?: number;
  halls?: number;
  seed?: number;
}

export const LARGE_PLANT_DEFAULTS = { machines: 1000, lines: 60, halls: 4, seed: 21 } as const;

const root = join(fileURLToPath(import.meta.url), '..', '..');

/** The demo plant, the template every large plant is scaled from. */
export function demoPlant(): Plant {
  const file = join(root, 'resources/plants/demo-plant.yaml');
  const parsed = parsePlantText(readFileSync(file, 'utf8'), 'demo-plant.yaml');
  if (!parsed.ok) throw new Error(`${file} does not parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.plant;
}

/** A plant of `machines` machines in `lines` lines across `halls` halls; the same options give the same plant. */
export function largePlant(options: LargePlantOptions = {}, template: Plant = demoPlant()): Plant {
  const { machines, lines, halls, seed } = { ...LARGE_PLANT_DEFAULTS, ...options };
  if (!(Number.isInteger(halls) && halls >= 1 && Number.isInteger(lines) && lines >= halls && Number.isInteger(machines) && machines >= lines)) {
    throw new Error(`large plant: need whole numbers with halls (${halls}) ≥ 1, lines (${lines}) ≥ halls and machines (${machines}) ≥ lines`);
  }
  const rng = createRng(seed);
  const templates = template.areas.flatMap((a) => a.lines);
  // Machines per line: an even share, the remainder spread over seeded lines (the total is exact).
  const perLine = new Array<number>(lines).fill(Math.floor(machines / lines));
  for (let extra = machines - perLine[0]! * lines; extra > 0; extra--) {
    let l = rng.int(0, lines - 1);
    while (perLine[l]! > Math.floor(machines / lines)) l = (l + 1) % lines;
    perLine[l]!++;
  }
  /** Template line id → the ids of its copies. */
  const copies = new Map<string, string[]>(templates.map((t) => [t.id, []]));
  const areas: Area[] = [];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const lineDigits = String(lines).length;
  const machineDigits = String(Math.max(...perLine)).length;
  const rowPitch = 10;
  let lineNo = 0;
  for (let h = 0; h < halls; h++) {
    const hallLines: Line[] = [];
    const count = Math.floor(lines / halls) + (h < lines % halls ? 1 : 0);
    const hallY = areas.reduce((y, a) => y + a.lines.length * rowPitch + 20, 0);
    for (let i = 0; i < count; i++, lineNo++) {
      const t = templates[lineNo % templates.length]!;
      const lineId = `H${h + 1}-L${pad(lineNo + 1, lineDigits)}`;
      copies.get(t.id)!.push(lineId);
      const y = hallY + 6 + i * rowPitch;
      const kinds = t.machines.map((m) => m.kind);
      const ms: Machine[] = Array.from({ length: perLine[lineNo]! }, (_, k) => {
        const kind = k < kinds.length ? kinds[k]! : rng.pick(machineKinds);
        return { id: `${lineId}-M${pad(k + 1, machineDigits)}`, name: `${kind[0]!.toUpperCase()}${kind.slice(1)} ${k + 1}`, kind, position: { x: 4 + k * 8, y } };
      });
      hallLines.push({ id: lineId, name: `${t.name} (hall ${h + 1}, line ${i + 1})`, families: [...t.families], machines: ms, position: { x: 0, y }, bufferSize: t.bufferSize, crew: { size: t.crew.size, skills: [...t.crew.skills] } });
    }
    areas.push({ id: `H${h + 1}`, name: `Hall ${h + 1}`, position: { x: 0, y: hallY }, lines: hallLines });
  }
  const jitter = (rate: number) => Math.max(1, Math.round(rate * rng.uniform(0.85, 1.15)));
  const products = template.products.map((p) => ({
    ...p,
    rates: Object.fromEntries(Object.entries(p.rates).flatMap(([line, rate]) => (copies.get(line) ?? []).map((c) => [c, jitter(rate)] as const))),
  }));
  const tools = template.tools.map((t) => ({ ...t, lines: t.lines.flatMap((l) => copies.get(l) ?? []) }));
  const rounds = Math.max(...[...copies.values()].map((c) => c.length));
  const orders: PlantOrder[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const o of template.orders) {
      const line = o.line === undefined ? undefined : copies.get(o.line)?.[r];
      if (o.line !== undefined && line === undefined) continue; // that line has fewer copies
      orders.push({ ...o, id: r === 0 ? o.id : `${o.id}-${r + 1}`, ...(line === undefined ? {} : { line }) });
    }
  }
  return {
    ...template,
    site: { ...template.site, id: `${template.site.id}-large`, name: `${template.site.name} (large: ${machines} machines, ${lines} lines, ${halls} halls, seed ${seed})` },
    areas,
    products,
    tools,
    orders,
    connectors: [],
  };
}

/** What a bench summary echoes about the plant it measured. */
export function plantCase(plant: Plant): { halls: number; lines: number; machines: number } {
  const lines = plant.areas.flatMap((a) => a.lines);
  return { halls: plant.areas.length, lines: lines.length, machines: lines.reduce((n, l) => n + l.machines.length, 0) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const a = benchArgs('large-plant', { machines: { type: 'string' }, lines: { type: 'string' }, halls: { type: 'string' }, seed: { type: 'string' } });
  const d = LARGE_PLANT_DEFAULTS;
  const n = (f: 'machines' | 'lines' | 'halls' | 'seed') => numberFlag('large-plant', f, a[f], d[f]);
  console.log(JSON.stringify(largePlant({ machines: n('machines'), lines: n('lines'), halls: n('halls'), seed: n('seed') }), null, 1));
}
