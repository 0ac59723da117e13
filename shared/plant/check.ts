/**
 * Cross-reference checks over a plant that already passed the shape checks of ./schema.ts:
 * duplicate ids, references to things that do not exist, lines that cannot run what they are
 * asked to run, missing changeovers, allergen transitions without a clean, impossible orders,
 * overlapping shifts. Every problem is reported at once, each with the path of the offending
 * value, so a parser can point at a line and column. Pure: no I/O.
 */
import { didYouMean, formatPath, oneOf } from '../files/issues';
import type { Plant } from './schema';

export type PlantPath = (string | number)[];

export interface PlantCheckIssue {
  severity: 'error' | 'warning';
  path: PlantPath;
  message: string;
  /** What would have been accepted, e.g. `one of: milk, nuts`. */
  expected?: string;
  /** The value found, quoted when it is a string. */
  found?: string;
}

const q = (s: string) => `'${s}'`;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Runs every cross-reference check; the result is empty for a consistent plant. */
export function checkPlant(plant: Plant): PlantCheckIssue[] {
  const issues: PlantCheckIssue[] = [];
  const error = (path: PlantPath, message: string, extra: { expected?: string; found?: string } = {}) => issues.push({ severity: 'error', path, message, ...extra });
  const warn = (path: PlantPath, message: string, extra: { expected?: string; found?: string } = {}) => issues.push({ severity: 'warning', path, message, ...extra });

  /** Registers ids of one kind; reports the second and later occurrences. */
  const register = (kind: string, entries: { id: string; path: PlantPath }[]): Map<string, PlantPath> => {
    const seen = new Map<string, PlantPath>();
    for (const { id, path } of entries) {
      const first = seen.get(id);
      if (first) error(path, `duplicate ${kind} id ${q(id)} (first at ${formatPath(first)})`);
      else seen.set(id, path);
    }
    return seen;
  };

  /** Reports a reference to an id that is not in `known`. Returns whether it resolved. */
  const ref = (kind: string, value: string, known: Map<string, unknown>, path: PlantPath): boolean => {
    if (known.has(value)) return true;
    const guess = didYouMean(value, known.keys());
    error(path, `unknown ${kind} ${q(value)}${guess ? ` (did you mean ${q(guess)}?)` : ''}`, { expected: oneOf([...known.keys()]), found: q(value) });
    return false;
  };

  // ---- ids ---------------------------------------------------------------------------------
  const lineEntries: { id: string; path: PlantPath }[] = [];
  const machineEntries: { id: string; path: PlantPath }[] = [];
  const lineInfo = new Map<string, { path: PlantPath; families: Set<string>; name: string }>();
  plant.areas.forEach((area, a) =>
    area.lines.forEach((line, l) => {
      const path: PlantPath = ['areas', a, 'lines', l];
      lineEntries.push({ id: line.id, path: [...path, 'id'] });
      if (!lineInfo.has(line.id)) lineInfo.set(line.id, { path, families: new Set(line.families), name: line.name });
      line.machines.forEach((m, i) => machineEntries.push({ id: m.id, path: [...path, 'machines', i, 'id'] }));
    }),
  );
  register('area', plant.areas.map((x, i) => ({ id: x.id, path: ['areas', i, 'id'] })));
  const lines = register('line', lineEntries);
  register('machine', machineEntries);
  const allergens = register('allergen', plant.allergens.map((x, i) => ({ id: x.id, path: ['allergens', i, 'id'] })));
  const families = register('family', plant.families.map((x, i) => ({ id: x.id, path: ['families', i, 'id'] })));
  const skus = register('product', plant.products.map((x, i) => ({ id: x.sku, path: ['products', i, 'sku'] })));
  const tools = register('tool', plant.tools.map((x, i) => ({ id: x.id, path: ['tools', i, 'id'] })));
  const locations = register('location', plant.locations.map((x, i) => ({ id: x.id, path: ['locations', i, 'id'] })));
  const components = register('component', plant.components.map((x, i) => ({ id: x.id, path: ['components', i, 'id'] })));
  const skills = register('skill', plant.skills.map((x, i) => ({ id: x.id, path: ['skills', i, 'id'] })));
  const crews = register('crew', plant.crews.map((x, i) => ({ id: x.id, path: ['crews', i, 'id'] })));
  register('person', plant.crews.flatMap((c, ci) => c.members.map((p, pi) => ({ id: p.id, path: ['crews', ci, 'members', pi, 'id'] as PlantPath }))));
  register('shift', plant.shifts.map((x, i) => ({ id: x.id, path: ['shifts', i, 'id'] })));
  const customers = register('customer', plant.customers.map((x, i) => ({ id: x.id, path: ['customers', i, 'id'] })));
  register('order', plant.orders.map((x, i) => ({ id: x.id, path: ['orders', i, 'id'] })));

  const familyById = new Map(plant.families.map((f) => [f.id, f] as const));
  const productBySku = new Map(plant.products.map((p) => [p.sku, p] as const));

  // ---- families and allergens ----------------------------------------------------------------
  plant.families.forEach((f, i) => f.allergens.forEach((al, j) => ref('allergen', al, allergens, ['families', i, 'allergens', j])));

  // ---- lines and machines --------------------------------------------------------------------
  const anySkill = new Set(plant.crews.flatMap((c) => c.members.flatMap((p) => p.skills)));
  plant.areas.forEach((area, a) =>
    area.lines.forEach((line, l) => {
      const path: PlantPath = ['areas', a, 'lines', l];
      if (line.machines.length === 0) error([...path, 'machines'], `line ${q(line.id)} has no machines`, { expected: 'at least one machine', found: 'an empty list' });
      const seenFamilies = new Set<string>();
      line.families.forEach((f, i) => {
        if (seenFamilies.has(f)) warn([...path, 'families', i], `family ${q(f)} is listed twice on line ${q(line.id)}`);
        seenFamilies.add(f);
        ref('family', f, families, [...path, 'families', i]);
      });
      line.crew.skills.forEach((s, i) => {
        if (ref('skill', s, skills, [...path, 'crew', 'skills', i]) && plant.crews.length > 0 && !anySkill.has(s))
          warn([...path, 'crew', 'skills', i], `line ${q(line.id)} needs skill ${q(s)} but nobody in any crew has it`);
      });
    }),
  );

  // ---- products --------------------------------------------------------------------------
  /** Lines that can run each sku: a rate on an existing line that runs the sku's family. */
  const capableLines = new Map<string, string[]>();
  plant.products.forEach((p, i) => {
    const path: PlantPath = ['products', i];
    const familyKnown = ref('family', p.family, families, [...path, 'family']);
    p.bom.forEach((b, j) => ref('component', b.component, components, [...path, 'bom', j, 'component']));
    p.tools.forEach((t, j) => ref('tool', t, tools, [...path, 'tools', j]));
    const capable: string[] = [];
    const rateLines = Object.keys(p.rates);
    if (rateLines.length === 0) error([...path, 'rates'], `product ${q(p.sku)} has no rate on any line, so no line can make it`, { expected: `a rate (units/h) on ${oneOf([...lines.keys()])}`, found: 'no rates' });
    for (const lineId of rateLines) {
      if (!ref('line', lineId, lines, [...path, 'rates', lineId])) continue;
      const info = lineInfo.get(lineId)!;
      if (familyKnown && !info.families.has(p.family)) {
        error([...path, 'rates', lineId], `line ${q(lineId)} has a rate for ${q(p.sku)} but does not run its family ${q(p.family)}`, { expected: `a line running ${q(p.family)}`, found: `line ${q(lineId)} (families: ${[...info.families].join(', ')})` });
        continue;
      }
      capable.push(lineId);
      for (const [j, t] of p.tools.entries()) {
        const tool = plant.tools.find((x) => x.id === t);
        if (tool && tool.lines.length > 0 && !tool.lines.includes(lineId)) warn([...path, 'tools', j], `tool ${q(t)} is not fitted to line ${q(lineId)}, where ${q(p.sku)} has a rate`);
      }
    }
    capableLines.set(p.sku, capable);
  });

  // ---- changeovers -----------------------------------------------------------------------
  const matrix = plant.changeovers.matrix;
  const pairs = new Map<string, number>();
  matrix.forEach((c, i) => {
    const path: PlantPath = ['changeovers', 'matrix', i];
    const fromOk = ref('family', c.from, families, [...path, 'from']);
    const toOk = ref('family', c.to, families, [...path, 'to']);
    const key = `${c.from}\u0000${c.to}`;
    if (pairs.has(key)) error(path, `duplicate changeover ${q(c.from)} → ${q(c.to)} (first at ${formatPath(['changeovers', 'matrix', pairs.get(key)!])})`);
    else pairs.set(key, i);
    if (fromOk && toOk && c.from !== c.to) {
      const carried = allergenCarryOver(c.from, c.to);
      if (carried.length > 0 && !c.clean)
        error([...path, 'clean'], `changeover ${q(c.from)} → ${q(c.to)} carries allergen ${carried.map(q).join(', ')} into a family without it and needs a clean`, { expected: 'clean: true', found: String(c.clean) });
      else if (carried.length > 0 && !c.qaRelease) warn([...path, 'qaRelease'], `allergen changeover ${q(c.from)} → ${q(c.to)} (${carried.join(', ')}) has no QA release`, { expected: 'qaRelease: true' });
    }
  });
  function allergenCarryOver(from: string, to: string): string[] {
    const a = familyById.get(from)?.allergens ?? [];
    const b = new Set(familyById.get(to)?.allergens ?? []);
    return a.filter((x) => !b.has(x));
  }
  // Every ordered pair of different families that share a line needs a changeover.
  const needed = new Map<string, { from: string; to: string; lines: string[] }>();
  for (const [lineId, info] of lineInfo) {
    const fams = [...info.families].filter((f) => families.has(f));
    for (const from of fams)
      for (const to of fams) {
        if (from === to) continue;
        const key = `${from}\u0000${to}`;
        const entry = needed.get(key) ?? { from, to, lines: [] };
        entry.lines.push(lineId);
        needed.set(key, entry);
      }
  }
  const hasDefault = plant.changeovers.defaultMinutes !== undefined;
  for (const [key, { from, to, lines: on }] of needed) {
    if (pairs.has(key)) continue;
    const carried = allergenCarryOver(from, to);
    const where = `line${on.length > 1 ? 's' : ''} ${on.map(q).join(', ')}`;
    if (carried.length > 0)
      error(['changeovers', 'matrix'], `missing changeover ${q(from)} → ${q(to)} (shared on ${where}); it carries allergen ${carried.map(q).join(', ')} and needs an entry with clean: true${hasDefault ? ' (defaultMinutes does not clean)' : ''}`, { expected: `{ from: ${from}, to: ${to}, minutes, clean: true, qaRelease: true }` });
    else if (!hasDefault) error(['changeovers', 'matrix'], `missing changeover ${q(from)} → ${q(to)} (shared on ${where})`, { expected: `{ from: ${from}, to: ${to}, minutes } or changeovers.defaultMinutes` });
  }

  // ---- tools, locations, components --------------------------------------------------------
  plant.tools.forEach((t, i) => {
    if (!(t.count >= 1)) error(['tools', i, 'count'], `tool ${q(t.id)} has a count below 1`, { expected: 'an integer ≥ 1', found: String(t.count) });
    t.lines.forEach((l, j) => ref('line', l, lines, ['tools', i, 'lines', j]));
  });
  plant.components.forEach((c, i) =>
    c.stock.forEach((s, j) => ref('location', s.location, locations, ['components', i, 'stock', j, 'location'])),
  );

  // ---- people, crews, shifts --------------------------------------------------------------
  plant.crews.forEach((c, ci) => c.members.forEach((p, pi) => p.skills.forEach((s, si) => ref('skill', s, skills, ['crews', ci, 'members', pi, 'skills', si]))));
  const spans: { start: number; end: number; index: number }[] = [];
  plant.shifts.forEach((s, i) => {
    ref('crew', s.crew, crews, ['shifts', i, 'crew']);
    const start = minutesOf(s.start);
    let end = minutesOf(s.end);
    if (end === start) {
      error(['shifts', i, 'end'], `shift ${q(s.id)} starts and ends at ${s.start}`, { expected: `an end other than ${s.start}`, found: s.end });
      return;
    }
    if (end < start) end += 24 * 60; // runs past midnight
    spans.push({ start, end, index: i });
  });
  for (let i = 0; i < spans.length; i++)
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      const overlaps = [-1440, 0, 1440].some((shift) => a.start < b.end + shift && b.start + shift < a.end);
      if (overlaps) {
        const sa = plant.shifts[a.index]!;
        const sb = plant.shifts[b.index]!;
        error(['shifts', b.index], `shift ${q(sb.id)} (${sb.start}–${sb.end}) overlaps shift ${q(sa.id)} (${sa.start}–${sa.end})`);
      }
    }

  // ---- orders ------------------------------------------------------------------------------
  plant.orders.forEach((o, i) => {
    const path: PlantPath = ['orders', i];
    ref('customer', o.customer, customers, [...path, 'customer']);
    if (o.dueInHours <= o.releaseInHours)
      error([...path, 'dueInHours'], `order ${q(o.id)} is due (${o.dueInHours} h) before it is released (${o.releaseInHours} h)`, { expected: `dueInHours > ${o.releaseInHours}`, found: String(o.dueInHours) });
    if (!ref('product', o.sku, skus, [...path, 'sku'])) return;
    const capable = capableLines.get(o.sku) ?? [];
    if (capable.length === 0) {
      error([...path, 'sku'], `order ${q(o.id)} is for ${q(o.sku)}, which no line can run`, { found: q(o.sku) });
      return;
    }
    if (o.line !== undefined && ref('line', o.line, lines, [...path, 'line']) && !capable.includes(o.line))
      error([...path, 'line'], `order ${q(o.id)} is planned on line ${q(o.line)}, which cannot run ${q(o.sku)}`, { expected: oneOf(capable), found: q(o.line) });
    const product = productBySku.get(o.sku)!;
    const onLines = o.line !== undefined && capable.includes(o.line) ? [o.line] : capable;
    const bestRate = Math.max(...onLines.map((l) => product.rates[l] ?? 0));
    const window = o.dueInHours - o.releaseInHours;
    const need = o.qty / bestRate;
    if (window > 0 && need > window)
      warn([...path, 'qty'], `order ${q(o.id)} needs ${need.toFixed(1)} h at the best rate (${bestRate}/h) but has only ${window} h between release and due`);
  });

  return issues;
}
