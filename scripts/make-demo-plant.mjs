#!/usr/bin/env node
// Generates the embedded demo plant, resources/plants/demo-plant.yaml: a food & beverage site with
// three areas, ten lines, ~50 SKUs, allergen-aware changeovers, materials, crews, shifts,
// customers and a three-day opening order book. Seeded and deterministic: the same script always
// writes the same file (a unit test checks the committed file is in sync).
//
//   node scripts/make-demo-plant.mjs            writes resources/plants/demo-plant.yaml
//   node scripts/make-demo-plant.mjs --stdout   prints it instead
//   node scripts/make-demo-plant.mjs --out F    writes F
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, Scalar, isCollection, isMap, isPair, isScalar, visit } from 'yaml';

const SEED = 20240611;

// mulberry32, the same generator as shared/sim/random.ts
function createRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}
const rng = createRng(SEED);
const round = (x, step) => Math.round(x / step) * step;
const half = (x) => Math.round(x * 2) / 2;

// ---- allergens and families ------------------------------------------------------------------
const allergens = [
  { id: 'milk', name: 'Milk' },
  { id: 'nuts', name: 'Tree nuts (hazelnut, almond)' },
  { id: 'gluten', name: 'Cereals containing gluten' },
  { id: 'soy', name: 'Soya' },
  { id: 'egg', name: 'Egg' },
];
const families = [
  { id: 'yog-plain', name: 'Plain & natural yogurt', allergens: ['milk'] },
  { id: 'yog-fruit', name: 'Fruit yogurt', allergens: ['milk'] },
  { id: 'yog-nut', name: 'Hazelnut & almond yogurt', allergens: ['milk', 'nuts'] },
  { id: 'dessert-vanilla', name: 'Vanilla custard & pudding', allergens: ['milk', 'egg'] },
  { id: 'dessert-choc', name: 'Chocolate pudding & mousse', allergens: ['milk', 'soy'] },
  { id: 'drink-yog', name: 'Drinking yogurt', allergens: ['milk'] },
  { id: 'choco-milk', name: 'Chocolate milk', allergens: ['milk', 'soy'] },
  { id: 'cookie-butter', name: 'Butter cookies', allergens: ['gluten', 'milk', 'egg'] },
  { id: 'cookie-hazel', name: 'Hazelnut & chocolate cookies', allergens: ['gluten', 'milk', 'egg', 'nuts'] },
  { id: 'wafer', name: 'Cocoa wafers', allergens: ['gluten', 'soy', 'milk'] },
  { id: 'bar-oat', name: 'Oat cereal bars', allergens: ['gluten'] },
  { id: 'bar-nut', name: 'Nut cereal bars', allergens: ['gluten', 'nuts'] },
  { id: 'juice', name: 'Fruit juice & nectar', allergens: [] },
  { id: 'ice-tea', name: 'Iced tea', allergens: [] },
];
const familyById = new Map(families.map((f) => [f.id, f]));

// ---- areas, lines, machines --------------------------------------------------------------------
const M = (code, name, kind) => ({ code, name, kind });
const layouts = {
  cup: [M('MIX', 'Process tank & mixer', 'mixer'), M('FIL', 'Cup form-fill-seal', 'filler'), M('CHK', 'Checkweigher & X-ray', 'inspector'), M('PAK', 'Tray packer', 'packer'), M('PAL', 'Palletiser', 'palletiser')],
  pot: [M('MIX', 'Cooker & mixer', 'mixer'), M('FIL', 'Pot filler & sealer', 'filler'), M('COL', 'Cooling tunnel', 'cooler'), M('PAK', 'Case packer', 'packer')],
  bottle: [M('MIX', 'Blending tank', 'mixer'), M('FIL', 'Rotary filler', 'filler'), M('CAP', 'Capper', 'capper'), M('LAB', 'Sleeve labeller', 'labeller'), M('PAK', 'Shrink packer', 'packer'), M('PAL', 'Palletiser', 'palletiser')],
  cookie: [M('MIX', 'Dough mixer', 'mixer'), M('MLD', 'Rotary moulder', 'extruder'), M('OVN', 'Tunnel oven', 'oven'), M('COL', 'Cooling conveyor', 'cooler'), M('WRP', 'Flow wrapper', 'wrapper'), M('PAK', 'Case packer', 'packer')],
  wafer: [M('MIX', 'Batter mixer', 'mixer'), M('OVN', 'Wafer baking oven', 'oven'), M('COL', 'Sheet cooler', 'cooler'), M('CUT', 'Wafer cutter', 'cutter'), M('WRP', 'Flow wrapper', 'wrapper')],
  bar: [M('MIX', 'Binder mixer', 'mixer'), M('FRM', 'Slab former', 'extruder'), M('CUT', 'Guillotine cutter', 'cutter'), M('WRP', 'Flow wrapper', 'wrapper'), M('PAK', 'Case packer', 'packer')],
  pet: [M('MIX', 'Syrup room & blender', 'mixer'), M('FIL', 'PET filler', 'filler'), M('CAP', 'Capper', 'capper'), M('LAB', 'Labeller', 'labeller'), M('PAL', 'Palletiser', 'palletiser')],
  carton: [M('MIX', 'UHT & aseptic tank', 'mixer'), M('FIL', 'Aseptic carton filler', 'filler'), M('CHK', 'Checkweigher', 'inspector'), M('PAK', 'Tray packer', 'packer')],
};
const areaDefs = [
  {
    id: 'DD', name: 'Dairy & Desserts', y: 0,
    lines: [
      { id: 'DD-L1', name: 'Cup line 1 (yogurt 125/150 g)', layout: 'cup', families: ['yog-plain', 'yog-fruit', 'yog-nut'], crew: { size: 2, skills: ['cup-filling', 'cip'] }, bufferSize: 400 },
      { id: 'DD-L2', name: 'Cup line 2 (family cups 500 g)', layout: 'cup', families: ['yog-plain', 'yog-fruit', 'dessert-vanilla'], crew: { size: 2, skills: ['cup-filling', 'cip'] }, bufferSize: 120 },
      { id: 'DD-L3', name: 'Dessert pot line', layout: 'pot', families: ['dessert-vanilla', 'dessert-choc'], crew: { size: 2, skills: ['cup-filling', 'cip'] }, bufferSize: 200 },
      { id: 'DD-L4', name: 'Dairy drinks bottle line', layout: 'bottle', families: ['drink-yog', 'choco-milk'], crew: { size: 3, skills: ['bottle-filling', 'cip'] }, bufferSize: 300 },
    ],
  },
  {
    id: 'BS', name: 'Bakery & Snacks', y: 50,
    lines: [
      { id: 'BS-L1', name: 'Cookie line 1', layout: 'cookie', families: ['cookie-butter', 'cookie-hazel'], crew: { size: 3, skills: ['baking', 'packing'] }, bufferSize: 600 },
      { id: 'BS-L2', name: 'Cookie line 2', layout: 'cookie', families: ['cookie-butter'], crew: { size: 3, skills: ['baking', 'packing'] }, bufferSize: 600 },
      { id: 'BS-L3', name: 'Wafer line', layout: 'wafer', families: ['wafer'], crew: { size: 2, skills: ['baking'] }, bufferSize: 500 },
      { id: 'BS-L4', name: 'Cereal bar line', layout: 'bar', families: ['bar-oat', 'bar-nut'], crew: { size: 2, skills: ['mixing', 'packing'] }, bufferSize: 500 },
    ],
  },
  {
    id: 'BV', name: 'Beverages', y: 100,
    lines: [
      { id: 'BV-L1', name: 'PET line', layout: 'pet', families: ['juice', 'ice-tea'], crew: { size: 2, skills: ['bottle-filling'] }, bufferSize: 250 },
      { id: 'BV-L2', name: 'Aseptic carton line', layout: 'carton', families: ['juice', 'ice-tea', 'choco-milk'], crew: { size: 2, skills: ['aseptic', 'cip'] }, bufferSize: 250 },
    ],
  },
];
const areas = areaDefs.map((a) => ({
  id: a.id,
  name: a.name,
  position: { x: 0, y: a.y },
  lines: a.lines.map((l, i) => {
    const y = a.y + 6 + i * 10; // lines are rows, 10 m apart, inside their area
    return {
      id: l.id,
      name: l.name,
      families: l.families,
      position: { x: 0, y },
      bufferSize: l.bufferSize,
      crew: l.crew,
      machines: layouts[l.layout].map((m, j) => ({ id: `${l.id}-${m.code}`, name: m.name, kind: m.kind, position: { x: 4 + j * 8, y } })),
    };
  }),
}));
const allLines = areas.flatMap((a) => a.lines);

// ---- changeovers: every ordered pair of families sharing a line ------------------------------
const pairSet = new Map();
for (const l of allLines) for (const from of l.families) for (const to of l.families) if (from !== to) pairSet.set(`${from}>${to}`, { from, to });
const matrix = [...pairSet.values()].map(({ from, to }) => {
  const a = familyById.get(from).allergens;
  const b = familyById.get(to).allergens;
  const carried = a.filter((x) => !b.includes(x));
  const dry = from.startsWith('cookie') || from.startsWith('bar') || from === 'wafer';
  if (carried.length > 0) {
    // Allergen transition: wet clean (CIP) for dairy and drinks, dry clean and swab for bakery.
    const minutes = round(dry ? rng.uniform(60, 100) : rng.uniform(75, 120), 5);
    return { from, to, minutes, clean: true, qaRelease: true };
  }
  const addsAllergen = b.some((x) => !a.includes(x));
  const minutes = round(addsAllergen ? rng.uniform(20, 40) : rng.uniform(15, 30), 5);
  return { from, to, minutes };
});
const changeoverMinutes = (from, to) => (from === to ? 10 : matrix.find((c) => c.from === from && c.to === to).minutes);

// ---- components, locations ---------------------------------------------------------------------
const locations = [
  { id: 'WH-RAW', name: 'Raw materials store (ambient)', kind: 'warehouse' },
  { id: 'WH-COLD', name: 'Cold store 2–4 °C', kind: 'warehouse' },
  { id: 'WH-PACK', name: 'Packaging store', kind: 'warehouse' },
  { id: 'LS-DD', name: 'Line side Dairy & Desserts', kind: 'line-side' },
  { id: 'LS-BS', name: 'Line side Bakery & Snacks', kind: 'line-side' },
  { id: 'LS-BV', name: 'Line side Beverages', kind: 'line-side' },
  { id: 'QUAR', name: 'Quarantine cage', kind: 'quarantine' },
  { id: 'DOCK-IN', name: 'Goods-in dock', kind: 'dock' },
  { id: 'DOCK-OUT', name: 'Dispatch dock', kind: 'dock' },
];
// id, name, uom, store, lead time (h)
const componentDefs = [
  ['skim-milk', 'Skimmed milk (tanker)', 'l', 'WH-COLD', 12],
  ['whole-milk', 'Whole milk (tanker)', 'l', 'WH-COLD', 12],
  ['cream', 'Cream 35 %', 'l', 'WH-COLD', 24],
  ['milk-powder', 'Skimmed milk powder', 'kg', 'WH-RAW', 48],
  ['cultures', 'Yogurt cultures (frozen)', 'kg', 'WH-COLD', 72],
  ['sugar', 'Crystal sugar', 'kg', 'WH-RAW', 24],
  ['fruit-prep', 'Fruit preparation (strawberry, peach, cherry)', 'kg', 'WH-COLD', 48],
  ['hazelnut-paste', 'Hazelnut paste', 'kg', 'WH-RAW', 18],
  ['almonds', 'Almonds, diced', 'kg', 'WH-RAW', 48],
  ['cocoa', 'Cocoa powder 10/12', 'kg', 'WH-RAW', 48],
  ['choc-chips', 'Chocolate chips', 'kg', 'WH-RAW', 48],
  ['vanilla', 'Vanilla extract', 'kg', 'WH-RAW', 72],
  ['starch', 'Modified maize starch', 'kg', 'WH-RAW', 48],
  ['egg-yolk', 'Liquid egg yolk', 'kg', 'WH-COLD', 24],
  ['soy-lecithin', 'Soy lecithin', 'kg', 'WH-RAW', 72],
  ['flour', 'Wheat flour T550', 'kg', 'WH-RAW', 24],
  ['butter', 'Butter 82 %', 'kg', 'WH-COLD', 24],
  ['veg-fat', 'Vegetable fat (RSPO)', 'kg', 'WH-RAW', 48],
  ['oat-flakes', 'Oat flakes', 'kg', 'WH-RAW', 48],
  ['glucose-syrup', 'Glucose syrup', 'kg', 'WH-RAW', 48],
  ['juice-conc', 'Fruit juice concentrate', 'l', 'WH-COLD', 48],
  ['tea-extract', 'Black tea extract', 'l', 'WH-RAW', 72],
  ['citric-acid', 'Citric acid', 'kg', 'WH-RAW', 72],
  ['cup-125', 'PS cup 125 g', 'pcs', 'WH-PACK', 48],
  ['cup-150', 'PP cup 150 g', 'pcs', 'WH-PACK', 48],
  ['cup-500', 'PP cup 500 g', 'pcs', 'WH-PACK', 48],
  ['pot-100', 'Glass-look PET pot 100 g', 'pcs', 'WH-PACK', 72],
  ['lid-alu', 'Aluminium lid (die-cut)', 'pcs', 'WH-PACK', 48],
  ['bottle-250', 'HDPE bottle 250 ml', 'pcs', 'WH-PACK', 48],
  ['pet-500', 'PET preform 500 ml', 'pcs', 'WH-PACK', 48],
  ['pet-1000', 'PET preform 1 l', 'pcs', 'WH-PACK', 48],
  ['cap-38', 'Screw cap 38 mm', 'pcs', 'WH-PACK', 48],
  ['label', 'Sleeve / wrap label', 'pcs', 'WH-PACK', 72],
  ['carton-1l', 'Aseptic carton blank 1 l', 'pcs', 'WH-PACK', 72],
  ['carton-250', 'Aseptic carton blank 250 ml', 'pcs', 'WH-PACK', 72],
  ['flow-film', 'Flow-wrap film', 'm', 'WH-PACK', 48],
  ['shrink-film', 'Shrink film', 'm', 'WH-PACK', 48],
  ['shipper', 'Corrugated shipper case', 'pcs', 'WH-PACK', 24],
];

// ---- tools -----------------------------------------------------------------------------------------
const tools = [
  { id: 'seal-125', name: 'Sealing & forming tool, 125 g cup', count: 1, lines: ['DD-L1'] },
  { id: 'seal-150', name: 'Sealing & forming tool, 150 g cup', count: 1, lines: ['DD-L1'] },
  { id: 'seal-500', name: 'Sealing tool, 500 g cup', count: 1, lines: ['DD-L2'] },
  { id: 'pot-100', name: 'Pot format parts, 100 g (4-lane)', count: 2, lines: ['DD-L3'] },
  { id: 'bottle-250', name: 'Bottle change parts, 250 ml', count: 1, lines: ['DD-L4'] },
  { id: 'roll-round', name: 'Moulder roll, round 45 mm', count: 2, lines: ['BS-L1', 'BS-L2'] },
  { id: 'roll-square', name: 'Moulder roll, square 50 mm', count: 1, lines: ['BS-L1', 'BS-L2'] },
  { id: 'wafer-plates', name: 'Wafer baking plates, set', count: 1, lines: ['BS-L3'] },
  { id: 'bar-die-35', name: 'Bar forming die 35 g', count: 1, lines: ['BS-L4'] },
  { id: 'bar-die-50', name: 'Bar forming die 50 g', count: 1, lines: ['BS-L4'] },
  { id: 'pet-500', name: 'PET change parts, 500 ml', count: 1, lines: ['BV-L1'] },
  { id: 'pet-1000', name: 'PET change parts, 1 l', count: 1, lines: ['BV-L1'] },
  { id: 'carton-1l', name: 'Carton format set, 1 l', count: 1, lines: ['BV-L2'] },
  { id: 'carton-250', name: 'Carton format set, 250 ml', count: 1, lines: ['BV-L2'] },
];

// ---- products -------------------------------------------------------------------------------------
// Bills of materials per unit, scaled by net weight/volume; packaging per pack.
const B = (component, perUnit) => ({ component, perUnit: Number(perUnit.toPrecision(3)) });
const yogurt = (kg, extra, cup, packs = 1) => [B('skim-milk', kg * 0.92), B('milk-powder', kg * 0.03), B('cultures', kg * 0.0004), ...extra(kg), B(cup, packs), B('lid-alu', packs), B('shipper', packs / 12)];
const products = [];
const P = (sku, name, family, rates, tools, bom) => products.push({ sku, name, family, bom, rates, tools });
// Yogurt cups: DD-L1 (125/150 g, 4-lane FFS) and DD-L2 (500 g)
const plain = () => [];
const fruit = (kg) => [B('fruit-prep', kg * 0.15), B('sugar', kg * 0.05)];
const nut = (kg) => [B('hazelnut-paste', kg * 0.06), B('sugar', kg * 0.06)];
P('Y-NAT-125', 'Natural yogurt 125 g', 'yog-plain', { 'DD-L1': 14400 }, ['seal-125'], yogurt(0.125, plain, 'cup-125'));
P('Y-NAT-4X125', 'Natural yogurt 4 × 125 g', 'yog-plain', { 'DD-L1': 3600 }, ['seal-125'], yogurt(0.5, plain, 'cup-125', 4));
P('Y-GRK-150', 'Greek style yogurt 150 g', 'yog-plain', { 'DD-L1': 12000 }, ['seal-150'], [...yogurt(0.15, plain, 'cup-150'), B('cream', 0.015)]);
P('Y-LF-125', 'Low-fat natural yogurt 125 g', 'yog-plain', { 'DD-L1': 14400 }, ['seal-125'], yogurt(0.125, plain, 'cup-125'));
P('Y-NAT-500', 'Natural yogurt 500 g', 'yog-plain', { 'DD-L2': 3600 }, ['seal-500'], yogurt(0.5, plain, 'cup-500'));
P('Y-GRK-500', 'Greek style yogurt 500 g', 'yog-plain', { 'DD-L2': 3200 }, ['seal-500'], [...yogurt(0.5, plain, 'cup-500'), B('cream', 0.05)]);
P('Y-STR-125', 'Strawberry yogurt 125 g', 'yog-fruit', { 'DD-L1': 13200 }, ['seal-125'], yogurt(0.125, fruit, 'cup-125'));
P('Y-PEA-125', 'Peach yogurt 125 g', 'yog-fruit', { 'DD-L1': 13200 }, ['seal-125'], yogurt(0.125, fruit, 'cup-125'));
P('Y-CHE-150', 'Cherry yogurt 150 g', 'yog-fruit', { 'DD-L1': 11400 }, ['seal-150'], yogurt(0.15, fruit, 'cup-150'));
P('Y-FRU-4X125', 'Fruit yogurt mix 4 × 125 g', 'yog-fruit', { 'DD-L1': 3300 }, ['seal-125'], yogurt(0.5, fruit, 'cup-125', 4));
P('Y-STR-500', 'Strawberry yogurt 500 g', 'yog-fruit', { 'DD-L2': 3400 }, ['seal-500'], yogurt(0.5, fruit, 'cup-500'));
P('Y-HAZ-125', 'Hazelnut yogurt 125 g', 'yog-nut', { 'DD-L1': 12600 }, ['seal-125'], yogurt(0.125, nut, 'cup-125'));
P('Y-HAZ-150', 'Hazelnut crunch yogurt 150 g', 'yog-nut', { 'DD-L1': 10800 }, ['seal-150'], yogurt(0.15, nut, 'cup-150'));
P('Y-ALM-125', 'Almond yogurt 125 g', 'yog-nut', { 'DD-L1': 12600 }, ['seal-125'], [...yogurt(0.125, plain, 'cup-125'), B('almonds', 0.006), B('sugar', 0.007)]);
// Desserts: DD-L3 pots, DD-L2 family cups
const custard = (kg) => [B('whole-milk', kg * 0.8), B('sugar', kg * 0.1), B('starch', kg * 0.04), B('egg-yolk', kg * 0.03), B('vanilla', kg * 0.002)];
const choc = (kg) => [B('whole-milk', kg * 0.78), B('sugar', kg * 0.1), B('starch', kg * 0.035), B('cocoa', kg * 0.04), B('soy-lecithin', kg * 0.002)];
const pot = (packs = 1) => [B('pot-100', packs), B('lid-alu', packs), B('shipper', packs / 24)];
P('D-VAN-100', 'Vanilla custard 100 g', 'dessert-vanilla', { 'DD-L3': 9600 }, ['pot-100'], [...custard(0.1), ...pot()]);
P('D-VAN-4X100', 'Vanilla custard 4 × 100 g', 'dessert-vanilla', { 'DD-L3': 2400 }, ['pot-100'], [...custard(0.4), ...pot(4)]);
P('D-CRB-100', 'Crème brûlée style dessert 100 g', 'dessert-vanilla', { 'DD-L3': 8400 }, ['pot-100'], [...custard(0.1), B('cream', 0.02), ...pot()]);
P('D-VAN-500', 'Vanilla pudding 500 g', 'dessert-vanilla', { 'DD-L2': 3000 }, ['seal-500'], [...custard(0.5), B('cup-500', 1), B('lid-alu', 1), B('shipper', 1 / 8)]);
P('D-CHO-100', 'Chocolate pudding 100 g', 'dessert-choc', { 'DD-L3': 9600 }, ['pot-100'], [...choc(0.1), ...pot()]);
P('D-CHO-4X100', 'Chocolate pudding 4 × 100 g', 'dessert-choc', { 'DD-L3': 2400 }, ['pot-100'], [...choc(0.4), ...pot(4)]);
P('D-MOU-100', 'Chocolate mousse 100 g', 'dessert-choc', { 'DD-L3': 7200 }, ['pot-100'], [...choc(0.1), B('cream', 0.03), ...pot()]);
// Dairy drinks: DD-L4 bottles; chocolate milk also in cartons on BV-L2
const bottle = [B('bottle-250', 1), B('cap-38', 1), B('label', 1), B('shrink-film', 0.08)];
P('DY-STR-250', 'Strawberry drinking yogurt 250 ml', 'drink-yog', { 'DD-L4': 12000 }, ['bottle-250'], [B('skim-milk', 0.22), B('fruit-prep', 0.03), B('cultures', 0.0001), ...bottle]);
P('DY-MAN-250', 'Mango drinking yogurt 250 ml', 'drink-yog', { 'DD-L4': 12000 }, ['bottle-250'], [B('skim-milk', 0.22), B('fruit-prep', 0.03), B('cultures', 0.0001), ...bottle]);
P('DY-NAT-250', 'Natural kefir 250 ml', 'drink-yog', { 'DD-L4': 12600 }, ['bottle-250'], [B('whole-milk', 0.25), B('cultures', 0.0001), ...bottle]);
P('CM-BOT-250', 'Chocolate milk 250 ml bottle', 'choco-milk', { 'DD-L4': 11400 }, ['bottle-250'], [B('whole-milk', 0.23), B('cocoa', 0.004), B('sugar', 0.018), B('soy-lecithin', 0.0002), ...bottle]);
P('CM-CAR-1L', 'Chocolate milk 1 l carton', 'choco-milk', { 'BV-L2': 7000 }, ['carton-1l'], [B('whole-milk', 0.93), B('cocoa', 0.015), B('sugar', 0.07), B('soy-lecithin', 0.001), B('carton-1l', 1), B('shipper', 1 / 12)]);
P('CM-CAR-250', 'Chocolate milk 250 ml carton', 'choco-milk', { 'BV-L2': 18000 }, ['carton-250'], [B('whole-milk', 0.23), B('cocoa', 0.004), B('sugar', 0.018), B('soy-lecithin', 0.0002), B('carton-250', 1), B('shipper', 1 / 27)]);
// Bakery: cookies (packs of 200 g), wafers, bars (multipacks)
const cookieBase = (kg) => [B('flour', kg * 0.5), B('butter', kg * 0.22), B('sugar', kg * 0.2), B('egg-yolk', kg * 0.04)];
const flow = (m, perCase) => [B('flow-film', m), B('shipper', 1 / perCase)];
P('C-BUT-200', 'Butter cookies 200 g', 'cookie-butter', { 'BS-L1': 3000, 'BS-L2': 3300 }, ['roll-round'], [...cookieBase(0.2), ...flow(0.24, 20)]);
P('C-BUT-400', 'Butter cookies family pack 400 g', 'cookie-butter', { 'BS-L1': 1600, 'BS-L2': 1750 }, ['roll-round'], [...cookieBase(0.4), ...flow(0.36, 12)]);
P('C-SHO-150', 'Shortbread fingers 150 g', 'cookie-butter', { 'BS-L1': 3600, 'BS-L2': 3800 }, ['roll-square'], [...cookieBase(0.15), ...flow(0.2, 24)]);
P('C-SPE-250', 'Spiced butter biscuits 250 g', 'cookie-butter', { 'BS-L2': 2700 }, ['roll-square'], [...cookieBase(0.25), ...flow(0.28, 16)]);
P('C-OAT-200', 'Oat & butter cookies 200 g', 'cookie-butter', { 'BS-L2': 3000 }, ['roll-round'], [...cookieBase(0.2), B('oat-flakes', 0.03), ...flow(0.24, 20)]);
P('C-HAZ-200', 'Hazelnut cookies 200 g', 'cookie-hazel', { 'BS-L1': 2800 }, ['roll-round'], [...cookieBase(0.2), B('hazelnut-paste', 0.02), ...flow(0.24, 20)]);
P('C-CHH-200', 'Chocolate-hazelnut cookies 200 g', 'cookie-hazel', { 'BS-L1': 2700 }, ['roll-round'], [...cookieBase(0.2), B('hazelnut-paste', 0.015), B('choc-chips', 0.03), ...flow(0.24, 20)]);
P('C-HAZ-400', 'Hazelnut cookies family pack 400 g', 'cookie-hazel', { 'BS-L1': 1450 }, ['roll-square'], [...cookieBase(0.4), B('hazelnut-paste', 0.04), ...flow(0.36, 12)]);
const waferBase = (kg) => [B('flour', kg * 0.35), B('sugar', kg * 0.3), B('veg-fat', kg * 0.25), B('cocoa', kg * 0.06), B('milk-powder', kg * 0.03), B('soy-lecithin', kg * 0.005)];
P('W-COC-45', 'Cocoa wafer bar 45 g', 'wafer', { 'BS-L3': 14000 }, ['wafer-plates'], [...waferBase(0.045), ...flow(0.12, 48)]);
P('W-COC-6X45', 'Cocoa wafer 6 × 45 g', 'wafer', { 'BS-L3': 2300 }, ['wafer-plates'], [...waferBase(0.27), ...flow(0.3, 12)]);
P('W-VAN-175', 'Vanilla cream wafers 175 g', 'wafer', { 'BS-L3': 4200 }, ['wafer-plates'], [...waferBase(0.175), B('vanilla', 0.0003), ...flow(0.22, 20)]);
P('W-DAR-150', 'Dark cocoa wafers 150 g', 'wafer', { 'BS-L3': 4800 }, ['wafer-plates'], [...waferBase(0.15), ...flow(0.2, 20)]);
const barBase = (kg) => [B('oat-flakes', kg * 0.55), B('glucose-syrup', kg * 0.25), B('sugar', kg * 0.08), B('flour', kg * 0.05)];
P('B-OAT-35', 'Oat bar honey 35 g', 'bar-oat', { 'BS-L4': 15000 }, ['bar-die-35'], [...barBase(0.035), ...flow(0.11, 48)]);
P('B-OAT-6X35', 'Oat bar honey 6 × 35 g', 'bar-oat', { 'BS-L4': 2400 }, ['bar-die-35'], [...barBase(0.21), ...flow(0.28, 12)]);
P('B-OCH-50', 'Oat & chocolate chip bar 50 g', 'bar-oat', { 'BS-L4': 11000 }, ['bar-die-50'], [...barBase(0.05), B('choc-chips', 0.006), ...flow(0.12, 36)]);
P('B-ALM-35', 'Almond crunch bar 35 g', 'bar-nut', { 'BS-L4': 13500 }, ['bar-die-35'], [...barBase(0.035), B('almonds', 0.006), ...flow(0.11, 48)]);
P('B-HAZ-50', 'Hazelnut protein bar 50 g', 'bar-nut', { 'BS-L4': 10000 }, ['bar-die-50'], [...barBase(0.05), B('hazelnut-paste', 0.008), ...flow(0.12, 36)]);
// Beverages
const pet = (size) => [B(size === 500 ? 'pet-500' : 'pet-1000', 1), B('cap-38', 1), B('label', 1), B('shrink-film', size === 500 ? 0.06 : 0.1)];
P('J-ORA-1L', 'Orange juice 1 l PET', 'juice', { 'BV-L1': 9000 }, ['pet-1000'], [B('juice-conc', 0.17), ...pet(1000)]);
P('J-APP-1L', 'Apple juice 1 l PET', 'juice', { 'BV-L1': 9000 }, ['pet-1000'], [B('juice-conc', 0.16), ...pet(1000)]);
P('J-MUL-500', 'Multivitamin nectar 500 ml PET', 'juice', { 'BV-L1': 14000 }, ['pet-500'], [B('juice-conc', 0.06), B('sugar', 0.02), ...pet(500)]);
P('J-ORA-C1L', 'Orange juice 1 l carton', 'juice', { 'BV-L2': 7500 }, ['carton-1l'], [B('juice-conc', 0.17), B('carton-1l', 1), B('shipper', 1 / 12)]);
P('J-APP-C250', 'Apple juice 250 ml carton', 'juice', { 'BV-L2': 18000 }, ['carton-250'], [B('juice-conc', 0.04), B('carton-250', 1), B('shipper', 1 / 27)]);
P('T-PEA-500', 'Peach iced tea 500 ml PET', 'ice-tea', { 'BV-L1': 14500 }, ['pet-500'], [B('tea-extract', 0.01), B('sugar', 0.035), B('citric-acid', 0.001), ...pet(500)]);
P('T-LEM-1L', 'Lemon iced tea 1 l PET', 'ice-tea', { 'BV-L1': 9500 }, ['pet-1000'], [B('tea-extract', 0.02), B('sugar', 0.07), B('citric-acid', 0.002), ...pet(1000)]);
P('T-LEM-C1L', 'Lemon iced tea 1 l carton', 'ice-tea', { 'BV-L2': 7500 }, ['carton-1l'], [B('tea-extract', 0.02), B('sugar', 0.07), B('citric-acid', 0.002), B('carton-1l', 1), B('shipper', 1 / 12)]);

// ---- skills, crews, shifts ------------------------------------------------------------------------
const skills = [
  ['mixing', 'Mixing & batching'], ['cup-filling', 'Cup & pot filling'], ['bottle-filling', 'Bottle filling & capping'], ['aseptic', 'Aseptic filling'],
  ['baking', 'Oven & baking'], ['packing', 'Packing & palletising'], ['cip', 'Cleaning in place (CIP)'], ['allergen-clean', 'Allergen clean-down'],
  ['qa-release', 'QA line release'], ['haccp', 'HACCP'], ['forklift', 'Forklift licence'], ['electrical', 'Electrical maintenance'],
  ['mechanical', 'Mechanical maintenance'], ['plc', 'PLC & automation'], ['planning', 'Production planning'],
].map(([id, name]) => ({ id, name }));
const firstNames = ['Anna', 'Ben', 'Chiara', 'Deniz', 'Elena', 'Farid', 'Greta', 'Hamza', 'Ines', 'Jonas', 'Katarzyna', 'Lukas', 'Mara', 'Nikolai', 'Olga', 'Paul', 'Rania', 'Sven', 'Tomasz', 'Ulla', 'Viktor', 'Wen', 'Yusuf', 'Zoe', 'Marco', 'Lea', 'Emre', 'Sofia', 'Jan', 'Aylin', 'Piotr', 'Nadia', 'Felix', 'Hannah', 'Ivan', 'Lina', 'Mehmet', 'Sara', 'Tobias', 'Amira'];
const lastNames = ['Keller', 'Ortiz', 'Russo', 'Yilmaz', 'Novak', 'Haddad', 'Schmidt', 'Kowalski', 'Becker', 'Lindqvist', 'Petrov', 'Fischer', 'Moreau', 'Nguyen', 'Weber', 'Costa', 'Hoffmann', 'Jansen', 'Wagner', 'Demir', 'Bauer', 'Santos', 'Horvat', 'Schulz', 'Meyer', 'Ivanova', 'Richter', 'Kaya', 'Wolf', 'Brandt'];
const usedNames = new Set();
const personName = () => {
  for (;;) {
    const n = `${rng.pick(firstNames)} ${rng.pick(lastNames)}`;
    if (!usedNames.has(n)) return usedNames.add(n), n;
  }
};
const operatorSkillSets = [
  ['cup-filling', 'cip', 'mixing'], ['cup-filling', 'packing'], ['bottle-filling', 'cip'], ['bottle-filling', 'packing', 'forklift'],
  ['aseptic', 'cip'], ['baking', 'packing'], ['baking', 'mixing'], ['mixing', 'packing', 'allergen-clean'], ['cup-filling', 'allergen-clean'], ['baking', 'allergen-clean'],
];
let personSeq = 0;
const person = (crew, role, skillIds) => ({ id: `${crew}-${String(++personSeq).padStart(3, '0')}`, name: personName(), role, skills: skillIds });
const crews = ['A', 'B', 'C'].map((c) => {
  personSeq = 0;
  const members = [person(c, 'lead', ['haccp', 'allergen-clean', 'planning'])];
  for (let i = 0; i < 18; i++) members.push(person(c, 'operator', [...operatorSkillSets[i % operatorSkillSets.length], ...(i % 5 === 0 ? ['haccp'] : [])]));
  members.push(person(c, 'qa', ['qa-release', 'haccp']), person(c, 'qa', ['qa-release', 'haccp', 'allergen-clean']));
  members.push(person(c, 'maintenance', ['mechanical', 'electrical']), person(c, 'maintenance', ['electrical', 'plc']));
  members.push(person(c, 'warehouse', ['forklift']), person(c, 'warehouse', ['forklift']));
  if (c === 'A') members.push(person(c, 'planner', ['planning']), person(c, 'controller', ['planning']), person(c, 'manager', ['haccp', 'planning']));
  if (c === 'B') members.push(person(c, 'planner', ['planning']));
  return { id: `crew-${c.toLowerCase()}`, name: `Crew ${c}`, members };
});
const shifts = [
  { id: 'early', name: 'Early shift', start: '06:00', end: '14:00', crew: 'crew-a' },
  { id: 'late', name: 'Late shift', start: '14:00', end: '22:00', crew: 'crew-b' },
  { id: 'night', name: 'Night shift', start: '22:00', end: '06:00', crew: 'crew-c' },
];

// ---- customers -----------------------------------------------------------------------------------
const customers = [
  { id: 'nordmarkt', name: 'NordMarkt Retail', tier: 'A', serviceLevel: 0.985 },
  { id: 'freshway', name: 'FreshWay Supermarkets', tier: 'A', serviceLevel: 0.98 },
  { id: 'alpina', name: 'Alpina Hypermarkets', tier: 'A', serviceLevel: 0.98 },
  { id: 'citycorner', name: 'CityCorner Convenience', tier: 'B', serviceLevel: 0.95 },
  { id: 'sonnenkorn', name: 'Sonnenkorn Bakeries & Cafés', tier: 'B', serviceLevel: 0.95 },
  { id: 'campus-cat', name: 'Campus Catering Group', tier: 'B', serviceLevel: 0.94 },
  { id: 'discount-depot', name: 'Discount Depot', tier: 'C', serviceLevel: 0.9 },
  { id: 'gulf-trading', name: 'Gulf Trading (export)', tier: 'C', serviceLevel: 0.88 },
  { id: 'kiste-online', name: 'Kiste Online Grocer', tier: 'C', serviceLevel: 0.9 },
];
const byTier = (t) => customers.filter((c) => c.tier === t);

// ---- opening order book --------------------------------------------------------------------------
// Generated line by line along a feasible sequence: each order's run (qty / rate) follows the
// previous one plus its real changeover, release comes a little before the run, due a little
// after (sometimes only just: the tight ones). So the plant is busy (~85 %) but can make it all.
const HORIZON = 72;
const rawOrders = [];
for (const line of allLines) {
  const runnable = products.filter((p) => p.rates[line.id]);
  let cursor = half(rng.uniform(0, 1.5));
  let prevFamily;
  for (;;) {
    const product = rng.pick(runnable);
    const rate = product.rates[line.id];
    const hours = rng.uniform(1.5, 5);
    const qty = Math.max(100, round(rate * hours, rate > 5000 ? 500 : 100));
    const run = qty / rate;
    const setup = prevFamily ? changeoverMinutes(prevFamily, product.family) / 60 : 0;
    const start = cursor + setup + 0.25;
    const end = start + run;
    const tight = rng.chance(0.15);
    let due = Math.ceil((end + (tight ? rng.uniform(0.5, 2) : rng.uniform(3, 16))) * 2) / 2;
    due = Math.max(due, 8);
    if (due > HORIZON) break;
    // Tight orders are released just before their run and due just after it.
    const release = Math.min(60, Math.max(0, Math.floor((start - (tight ? rng.uniform(0, 1.5) : rng.uniform(1, 14))) * 2) / 2));
    const tierRoll = rng.next();
    const customer = rng.pick(byTier(tierRoll < 0.5 ? 'A' : tierRoll < 0.8 ? 'B' : 'C'));
    const priority = customer.tier === 'A' ? (tight ? 1 : 2) : customer.tier === 'B' ? 3 : rng.chance(0.5) ? 4 : 5;
    const multiLine = Object.keys(product.rates).length > 1;
    // The order is pinned to the line whose sequence made it feasible: unpinned, the twin would
    // put it on the first capable line and pile the shared families onto one line, so a fresh
    // start would open with late risks that no disturbance caused. (The draw stays, so the rest of
    // the generated plant is unchanged.)
    if (multiLine) rng.chance(0.35);
    const order = { sku: product.sku, qty, customer: customer.id, releaseInHours: release, dueInHours: due, priority, line: line.id };
    rawOrders.push(order);
    cursor = end;
    prevFamily = product.family;
  }
}
rawOrders.sort((a, b) => a.releaseInHours - b.releaseInHours || a.dueInHours - b.dueInHours || a.sku.localeCompare(b.sku));
const orders = rawOrders.map((o, i) => ({ id: `SO-${24001 + i}`, ...o }));

// ---- stock: enough for the book for most components, a few deliberately tight ------------------
const demand = new Map();
for (const o of orders) {
  const product = products.find((p) => p.sku === o.sku);
  for (const b of product.bom) demand.set(b.component, (demand.get(b.component) ?? 0) + o.qty * b.perUnit);
}
const tightComponents = new Map([['hazelnut-paste', 0.8], ['cup-150', 0.9], ['carton-250', 0.95]]);
const lineSideFor = (id) => {
  const user = products.find((p) => p.bom.some((b) => b.component === id));
  const area = user ? Object.keys(user.rates)[0].slice(0, 2) : 'DD';
  return `LS-${area}`;
};
const components = componentDefs.map(([id, name, uom, store, leadTimeHours]) => {
  const need = demand.get(id) ?? 0;
  const factor = tightComponents.get(id) ?? rng.uniform(1.3, 2.4);
  const total = need * factor;
  const step = total > 10000 ? 100 : total > 500 ? 10 : 1;
  const lineSide = round(total * 0.08, step);
  const stock = [{ location: store, qty: round(total - lineSide, step) }, { location: lineSideFor(id), qty: lineSide }];
  if (id === 'cocoa' || id === 'fruit-prep') stock.push({ location: 'QUAR', qty: round(total * 0.05, step) }); // lots on hold
  return { id, name, uom, stock: stock.filter((s) => s.qty > 0), leadTimeHours };
});

// ---- enough line staff: every crew covers the lines' crew sizes plus spares for absences ---------
// Drawn after everything else so the names and ids above stay as they were.
const lineStaffNeeded = allLines.reduce((a, l) => a + l.crew.size, 0);
crews.forEach((crew, ci) => {
  const c = crew.id.slice(-1).toUpperCase();
  personSeq = crew.members.length;
  const lineStaff = crew.members.filter((m) => m.role === 'operator' || m.role === 'lead').length;
  for (let i = 0; lineStaff + i < lineStaffNeeded + 2; i++) crew.members.push(person(c, 'operator', operatorSkillSets[(i + ci * 3) % operatorSkillSets.length]));
});

// ---- assemble -------------------------------------------------------------------------------------
const plant = {
  takt: 1,
  site: { id: 'lindenau', name: 'Takt Foods — Lindenau plant', timezone: 'Europe/Berlin' },
  areas,
  allergens,
  families,
  products,
  changeovers: { matrix },
  tools,
  locations,
  components,
  skills,
  crews,
  shifts,
  customers,
  orders,
};

const lineCount = allLines.length;
const machineCount = allLines.reduce((n, l) => n + l.machines.length, 0);
const header = ` Takt demo plant — generated by scripts/make-demo-plant.mjs (seed ${SEED}); edit the script, not this file.
 Regenerate with: node scripts/make-demo-plant.mjs

 A food & beverage site with ${areas.length} areas (${areas.map((a) => a.name).join(', ')}), ${lineCount} lines and ${machineCount} machines.
 Lines are rows inside their area; positions are floor coordinates in metres (x along the line).
 ${products.length} SKUs in ${families.length} families; ${allergens.length} allergen classes. Changing over from a family to one that
 lacks one of its allergens needs a clean and a QA release (clean: true, qaRelease: true).
 Rates are units (consumer packs) per hour per line; a line not listed cannot run the SKU.
 ${components.length} components with stock in ${locations.length} locations (a few deliberately tight: hazelnut paste,
 150 g cups, 250 ml carton blanks), ${tools.length} tools, ${crews.length} crews on ${shifts.length} shifts (06–14, 14–22, 22–06).
 ${customers.length} customers in tiers A/B/C. The opening order book has ${orders.length} orders; times are hours from
 the moment the twin starts (release 0–60 h, due 8–72 h), so the plant is busy but the book is feasible.`;

const sectionComments = {
  site: ' The site (ISA-95 enterprise ▸ site).',
  areas: ' Equipment hierarchy: areas ▸ lines (work centers) ▸ machines (work units).',
  allergens: ' Allergen classes declared on the site.',
  families: ' Product families: changeovers are between families; allergens decide cleans.',
  products: ' SKUs with bill of materials (per unit) and run rates (units/h) per line.',
  changeovers: ' Sequence-dependent setups for every pair of families sharing a line.',
  tools: ' Moulds, sealing tools and format parts: a product needs its tools on the line.',
  locations: ' Where stock is.',
  components: ' Materials and packaging with stock per location; leadTimeHours to replenish.',
  skills: ' Skills people have and lines need.',
  crews: ' Three crews rotating over the shifts.',
  shifts: ' Shifts by time of day (local time); the night shift runs past midnight.',
  customers: ' Customers by tier; serviceLevel is the contracted on-time-in-full target.',
  orders: ' Opening order book (hours from twin start).',
};

function toYaml(data) {
  const doc = new Document(data);
  doc.commentBefore = header;
  // Short collections go on one line; products, lines and crews stay as blocks.
  visit(doc, {
    Map(_, node, path) {
      if (path.length <= 1) return;
      const json = JSON.stringify(node.toJSON());
      const parentPair = path[path.length - 1];
      const key = isPair(parentPair) && isScalar(parentPair.key) ? parentPair.key.value : undefined;
      const isProductOrLine = node.has('rates') || node.has('machines') || node.has('members') || node.has('lines');
      if (!isProductOrLine && (json.length <= 150 || key === 'rates')) node.flow = true;
    },
    Seq(_, node) {
      if (isCollection(node) && node.items.every((i) => isScalar(i)) && JSON.stringify(node.toJSON()).length <= 120) node.flow = true;
      if (node.items.every((i) => isMap(i) && !i.has('rates') && !i.has('machines') && !i.has('members')) && JSON.stringify(node.toJSON()).length <= 110) node.flow = true;
    },
    Scalar(_, node) {
      if (typeof node.value === 'string' && /^\d\d:\d\d$/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  for (const pair of doc.contents.items) {
    const comment = sectionComments[pair.key.value];
    if (comment) pair.key.commentBefore = comment;
    if (pair.key.value !== 'takt') pair.key.spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

const text = toYaml(plant);
if (orders.length < 150) throw new Error(`only ${orders.length} orders`);
const args = process.argv.slice(2);
if (args.includes('--stdout')) process.stdout.write(text);
else {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? args[outIdx + 1] : join(root, 'resources', 'plants', 'demo-plant.yaml');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`wrote ${out}: ${areas.length} areas, ${lineCount} lines, ${machineCount} machines, ${products.length} SKUs, ${families.length} families, ${components.length} components, ${orders.length} orders`);
}
