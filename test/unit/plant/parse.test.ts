import { describe, expect, it } from 'vitest';
import { detectPlantFormat, formatPlantIssues, parsePlantText, type PlantIssue } from '../../../shared/plant/parse';
import { pos, readFixture, smallPlantWith } from './helpers';

function errorsOf(text: string, file = 'test.yaml'): PlantIssue[] {
  const r = parsePlantText(text, file);
  if (r.ok) throw new Error(`expected errors, got a valid plant`);
  return r.errors;
}

describe('parsePlantText: the small valid plant', () => {
  it('parses, applies defaults and has no warnings', () => {
    const r = parsePlantText(readFixture('small-plant.yaml'), 'small-plant.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    expect(r.plant.areas[0]!.lines.map((l) => l.id)).toEqual(['L1', 'L2']);
    expect(r.plant.areas[0]!.lines[1]!.crew).toEqual({ size: 2, skills: [] }); // default
    expect(r.plant.shifts[0]!.start).toBe('06:00');
    expect(r.plant.orders).toHaveLength(6);
  });

  it('reads the JSON form the same way', () => {
    const y = parsePlantText(readFixture('small-plant.yaml'), 'small-plant.yaml');
    const j = parsePlantText(readFixture('small-plant.json'), 'small-plant.json');
    expect(j.ok && y.ok).toBe(true);
    if (j.ok && y.ok) expect(j.plant).toEqual(y.plant);
  });
});

describe('parsePlantText: broken fixtures give the expected issue, path, line and column', () => {
  const cases: { file: string; path: string; message: RegExp; at: [needle: string, nth?: number] }[] = [
    { file: 'unknown-family.yaml', path: 'areas[0].lines[1].families[2]', message: /unknown family 'dairy'/, at: ['dairy]'] },
    { file: 'missing-changeover.yaml', path: 'changeovers.matrix', message: /missing changeover 'vanilla' → 'plain' \(shared on line 'L2'\)/, at: ['matrix:'] },
    { file: 'negative-rate.yaml', path: 'products[0].rates.L2', message: /must be positive/, at: ['-4000'] },
    { file: 'line-without-machines.yaml', path: 'areas[0].lines[1].machines', message: /line 'L2' has no machines/, at: ['machines: []'] },
  ];
  for (const c of cases)
    it(c.file, () => {
      const text = readFixture(c.file);
      const errors = errorsOf(text, c.file);
      expect(errors).toHaveLength(1);
      const [e] = errors;
      expect(e).toMatchObject({ file: c.file, path: c.path, ...pos(text, ...c.at) });
      expect(e!.message).toMatch(c.message);
    });

  it('syntax-error.yaml: a YAML syntax error with its line and column', () => {
    const errors = errorsOf(readFixture('syntax-error.yaml'), 'syntax-error.yaml');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^YAML syntax error: .*Flow sequence/);
    // The `[` opened on line 10 is never closed; the parser notices where the next key starts.
    const text = readFixture('syntax-error.yaml');
    expect(pos(text, 'families: [plain, hazelnut\n').line).toBe(10);
    expect(errors[0]).toMatchObject({ path: '', ...pos(text, 'crew: { size: 2') });
  });

  it('duplicate-ids.yaml: every duplicate, pointing at the second occurrence', () => {
    const text = readFixture('duplicate-ids.yaml');
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.path, e.line, e.column])).toEqual([
      ['areas[0].lines[1].machines[0].id', pos(text, 'L1-FIL, name: Pot').line, pos(text, 'L1-FIL, name: Pot').column],
      ['orders[5].id', pos(text, 'id: O5', 2).line, pos(text, 'id: O5', 2).column + 4],
    ]);
    expect(errors[0]!.message).toBe("duplicate machine id 'L1-FIL' (first at areas[0].lines[0].machines[1].id)");
    expect(errors[1]!.message).toMatch(/duplicate order id 'O5'/);
  });

  it('three-problems.yaml: all three cross-reference problems at once, in file order', () => {
    const text = readFixture('three-problems.yaml');
    const errors = errorsOf(text);
    expect(errors.map((e) => e.path)).toEqual(['areas[0].lines[1].families[2]', 'changeovers.matrix[1].clean', 'orders[5].dueInHours']);
    expect(errors[0]).toMatchObject(pos(text, 'dairy]'));
    expect(errors[1]).toMatchObject({ ...pos(text, '{ from: hazelnut, to: plain'), expected: 'clean: true', found: 'false' });
    expect(errors[1]!.message).toMatch(/carries allergen 'nuts'/);
    expect(errors[2]).toMatchObject({ line: pos(text, 'dueInHours: 6').line, found: '6' });
    expect(errors[2]!.column).toBe(pos(text, 'dueInHours: 6').column + 'dueInHours: '.length);
  });

  it('shape-errors.yaml: all shape problems at once (unknown key, missing key, bad enum, count 0)', () => {
    const text = readFixture('shape-errors.yaml');
    const errors = errorsOf(text);
    expect(errors.map((e) => e.path)).toEqual(['areas[0].lines[1].name', 'areas[0].lines[1].title', 'areas[0].lines[1].machines[1].kind', 'tools[0].count']);
    expect(errors[0]).toMatchObject({ message: "missing required key 'name'", ...pos(text, 'id: L2') });
    expect(errors[1]).toMatchObject({ message: "unknown key 'title'", found: "'title'", ...pos(text, 'title:') });
    expect(errors[1]!.expected).toMatch(/^one of: id, name, families, machines/);
    expect(errors[2]).toMatchObject({ found: "'boxer'", ...pos(text, 'boxer') });
    expect(errors[2]!.expected).toMatch(/one of: mixer, filler/);
    expect(errors[3]).toMatchObject({ found: '0', ...pos(text, '0, lines') });
  });
});

describe('cross-reference checks', () => {
  const only = (text: string) => errorsOf(text).map((e) => `${e.path}: ${e.message}`);

  it('a rate on a line that cannot run the family points at the rate key', () => {
    const text = smallPlantWith(['rates: { L1: 5500 }', 'rates: { L1: 5500, L2: 100 }']);
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'products[1].rates.L2', ...pos(text, 'L2: 100') });
    expect(errors[0]!.message).toMatch(/does not run its family 'hazelnut'/);
  });

  it('a product with no rate at all, and an order for it', () => {
    expect(only(smallPlantWith(['rates: { L2: 4500 }', 'rates: {}']))).toEqual([
      "products[2].rates: product 'D-VAN-100' has no rate on any line, so no line can make it",
      "orders[2].sku: order 'O3' is for 'D-VAN-100', which no line can run",
      "orders[5].sku: order 'O6' is for 'D-VAN-100', which no line can run",
    ]);
  });

  it('unknown references with a did-you-mean', () => {
    const errs = only(
      smallPlantWith(
        ['family: plain\n', 'family: plian\n'],
        ['component: cup, perUnit: 1 }]\n    rates: { L1: 5500 }', 'component: cups, perUnit: 1 }]\n    rates: { L1: 5500 }'],
        ['location: LS1', 'location: LS9'],
        ['crew: A }', 'crew: B }'],
        ['skills: [qa-release]', 'skills: [qa-relase]'],
        ['customer: corner-shop, releaseInHours: 2', 'customer: nobody, releaseInHours: 2'],
        ['tools: [seal-125]\n  - sku: D', 'tools: [seal-999]\n  - sku: D'],
      ),
    );
    expect(errs).toEqual(
      expect.arrayContaining([
        "products[0].family: unknown family 'plian' (did you mean 'plain'?)",
        "products[1].bom[1].component: unknown component 'cups' (did you mean 'cup'?)",
        "products[1].tools[0]: unknown tool 'seal-999'",
        "components[1].stock[1].location: unknown location 'LS9' (did you mean 'LS1'?)",
        "crews[0].members[2].skills[0]: unknown skill 'qa-relase' (did you mean 'qa-release'?)",
        "shifts[0].crew: unknown crew 'B' (did you mean 'A'?)",
        "orders[2].customer: unknown customer 'nobody'",
      ]),
    );
  });

  it('defaultMinutes covers plain pairs but never an allergen transition', () => {
    const noMatrix = smallPlantWith([
      `changeovers:
  matrix:
    - { from: plain, to: hazelnut, minutes: 20 }
    - { from: hazelnut, to: plain, minutes: 90, clean: true, qaRelease: true }
    - { from: plain, to: vanilla, minutes: 25 }
    - { from: vanilla, to: plain, minutes: 30 }`,
      'changeovers:\n  defaultMinutes: 30',
    ]);
    expect(only(noMatrix)).toEqual([
      "changeovers.matrix: missing changeover 'hazelnut' → 'plain' (shared on line 'L1'); it carries allergen 'nuts' and needs an entry with clean: true (defaultMinutes does not clean)",
    ]);
  });

  it('overlapping shifts (across midnight) and an order planned on a line that cannot run it', () => {
    const text = smallPlantWith(
      ['  - { id: early, name: Early, start: "06:00", end: "14:00", crew: A }', '  - { id: early, name: Early, start: "06:00", end: "14:00", crew: A }\n  - { id: night, name: Night, start: "22:00", end: "07:00", crew: A }'],
      ['dueInHours: 12, line: L1', 'dueInHours: 12, line: L2'],
    );
    expect(only(text)).toEqual([
      "shifts[1]: shift 'night' (22:00–07:00) overlaps shift 'early' (06:00–14:00)",
      "orders[1].line: order 'O2' is planned on line 'L2', which cannot run 'Y-HAZEL-125'",
    ]);
  });

  it('warnings do not fail the plant: an order that cannot fit its window', () => {
    const r = parsePlantText(smallPlantWith(['qty: 4500,', 'qty: 45000,']), 'w.yaml');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings.map((w) => w.path)).toEqual(['orders[5].qty']);
  });
});

describe('JSON plant files', () => {
  const json = readFixture('small-plant.json');

  it('cross-reference errors carry JSON line and column', () => {
    const text = json.replace('"vanilla"\n          ]', '"vanila"\n          ]');
    expect(text).not.toBe(json);
    const errors = errorsOf(text, 'p.json');
    // the unknown family, then what follows from it: L2's rate for the vanilla SKU and its two orders
    expect(errors.map((e) => e.path)).toEqual(['areas[0].lines[1].families[1]', 'products[2].rates.L2', 'orders[2].sku', 'orders[5].sku']);
    expect(errors[0]).toMatchObject({ path: 'areas[0].lines[1].families[1]', message: "unknown family 'vanila' (did you mean 'vanilla'?)", ...pos(text, '"vanila"') });
  });

  it('shape errors carry JSON line and column', () => {
    const text = json.replace('"qty": 12000', '"qty": -1');
    const errors = errorsOf(text, 'p.json');
    expect(errors).toEqual([expect.objectContaining({ path: 'orders[0].qty', found: '-1', line: pos(text, '"qty": -1').line, column: pos(text, '"qty": -1').column + 7 })]);
  });

  it('a JSON syntax error has its line and column', () => {
    const text = json.replace('"takt": 1,', '"takt": 1,,');
    const errors = errorsOf(text, 'p.json');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^JSON syntax error/);
    expect(errors[0]).toMatchObject({ line: 2, column: 13 });
  });

  it('duplicate keys in JSON are caught', () => {
    const errors = errorsOf(json.replace('"takt": 1,', '"takt": 1,\n  "takt": 1,'), 'p.json');
    expect(errors[0]!.message).toMatch(/unique/);
    expect(errors[0]!.line).toBe(3);
  });

  it('the format comes from the extension, else from the content', () => {
    expect(detectPlantFormat('{}', 'a.yaml')).toBe('yaml');
    expect(detectPlantFormat('a: 1', 'a.json')).toBe('json');
    expect(detectPlantFormat('  {"a": 1}', 'plant.txt')).toBe('json');
    expect(detectPlantFormat('takt: 1', 'plant')).toBe('yaml');
    expect(parsePlantText(json, 'stdin').ok).toBe(true);
  });
});

describe('formatPlantIssues and odd input', () => {
  it('one line per issue: file:line:col path: message — expected (found)', () => {
    const text = readFixture('unknown-family.yaml');
    expect(formatPlantIssues(errorsOf(text, 'plants/x.yaml'))).toBe(
      `plants/x.yaml:${pos(text, 'dairy]').line}:${pos(text, 'dairy]').column} areas[0].lines[1].families[2]: unknown family 'dairy' — expected one of: plain, hazelnut, vanilla (found 'dairy')`,
    );
    expect(formatPlantIssues([{ file: 'f.yaml', path: '', message: 'gone' }])).toBe('f.yaml: gone');
  });

  it('an empty file and a wrong version', () => {
    expect(errorsOf('', 'e.yaml')[0]!.message).toMatch(/the file is empty/);
    const wrong = errorsOf(readFixture('small-plant.yaml').replace('takt: 1', 'takt: 2'));
    expect(wrong).toEqual([expect.objectContaining({ path: 'takt', message: 'the plant file format version: `takt: 1`', found: '2' })]);
    const noVersion = readFixture('small-plant.yaml').replace('takt: 1\n', '');
    const missing = errorsOf(noVersion);
    // points at the start of the top-level mapping, after the header comments
    expect(missing[0]).toMatchObject({ path: 'takt', ...pos(noVersion, 'site:') });
    expect(missing[0]!.message).toMatch(/missing required key 'takt'/);
  });
});
