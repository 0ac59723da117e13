import { describe, expect, it } from 'vitest';
import { formatRulesIssues, genericRules, parseRulesText } from '../../../shared/decide/rules-parse';
import { defaultRulesText, demoPlant, smallPlant } from './helpers';

/** 1-based line and column of the first occurrence of `needle`. */
function pos(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const minimal = `takt: rules
version: "2026.11-1"
name: Small plant rules
priority:
  tiers:
    A: { weight: 3, latePenaltyPerHour: 500 }
    B: { weight: 2, latePenaltyPerHour: 150 }
    C: { weight: 1, latePenaltyPerHour: 40 }
  orderPriority: { 1: 2, 2: 1.5, 3: 1, 4: 0.8, 5: 0.6 }
`;

describe('rules file: parsing and versioning', () => {
  it('accepts the shipped default rules for the demo plant, with version and a stable content hash', () => {
    const plant = demoPlant();
    const a = parseRulesText(defaultRulesText(), 'default-rules.yaml', plant);
    if (!a.ok) throw new Error(formatRulesIssues(a.errors));
    expect(a.warnings).toEqual([]);
    expect(a.loaded.version).toBe('2026.11-1');
    expect(a.loaded.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.loaded.rules.constraints.allergens.rules.map((r) => r.id)).toContain('nut-free-after-nuts');
    expect(a.loaded.rules.exceptions.flood).toEqual({ maxNew: 10, windowMinutes: 10, operators: 1 });
    // Same content (comments and key order aside) → same hash; any effective change → another hash.
    const b = parseRulesText('# a comment\n' + defaultRulesText(), 'x.yaml', plant);
    expect(b.ok && b.loaded.hash).toBe(a.loaded.hash);
    const c = parseRulesText(defaultRulesText().replace('changeoverOverrunMinutes: 15', 'changeoverOverrunMinutes: 20'), 'x.yaml', plant);
    expect(c.ok && c.loaded.hash).not.toBe(a.loaded.hash);
  });

  it('fills defaults for a minimal file, in YAML and JSON alike', () => {
    const y = parseRulesText(minimal, 'r.yaml', smallPlant());
    if (!y.ok) throw new Error(formatRulesIssues(y.errors));
    expect(y.loaded.rules.exceptions.shelveMaxMinutes).toBe(480);
    expect(y.loaded.rules.constraints.allergens.defaultRequire).toEqual({ clean: true, qaRelease: true });
    const j = parseRulesText(JSON.stringify(y.loaded.rules), 'r.json', smallPlant());
    expect(j.ok && j.loaded.hash).toBe(y.loaded.hash);
    expect(genericRules().rules.version).toBe('builtin-1');
  });

  it('reports shape errors with file, path, line and column', () => {
    const text = minimal.replace('version: "2026.11-1"', 'version: 2026.11').replace('A: { weight: 3,', 'A: { wieght: 3,') + 'exceptions:\n  priorities: { line-down: urgent }\n';
    const r = parseRulesText(text, 'bad.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e]));
    expect(byPath['version']).toMatchObject({ file: 'bad.yaml', ...pos(text, '2026.11'), expected: 'a string' });
    expect(byPath['priority.tiers.A.wieght']).toMatchObject({ ...pos(text, 'wieght'), message: expect.stringContaining("did you mean 'weight'") });
    expect(byPath['priority.tiers.A.weight']).toMatchObject({ message: "missing required key 'weight'" });
    expect(byPath['exceptions.priorities["line-down"]']).toMatchObject({ ...pos(text, 'urgent'), expected: expect.stringContaining('critical, high, medium, low'), found: "'urgent'" });
    expect(formatRulesIssues(r.errors)).toContain(`bad.yaml:${pos(text, 'urgent').line}:${pos(text, 'urgent').column} exceptions.priorities["line-down"]`);
  });

  it('cross-checks against the plant: unknown family, allergen, line, customer, role nobody holds, other plant', () => {
    const text =
      minimal.replace('name: Small plant rules', 'name: Small plant rules\nplant: lindenau') +
      `  customers: { big-retale: { weight: 2 } }
constraints:
  allergens:
    rules:
      - { id: r1, from: { allergens: [nutz] }, to: { families: [plian] }, lines: [L9] }
escalation:
  - { id: e1, when: { kind: reroute, tiers: [A] }, approver: planner, escalateAfterMinutes: 30, escalateTo: manager }
`;
    const r = parseRulesText(text, 'x.yaml', smallPlant());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msgs = r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
    expect(msgs).toEqual([
      `${pos(text, 'lindenau').line}:${pos(text, 'lindenau').column} plant: these rules are written for plant 'lindenau', not for 'test-site'`,
      `${pos(text, 'big-retale').line}:${pos(text, 'big-retale').column} priority.customers["big-retale"]: unknown customer 'big-retale' (did you mean 'big-retail'?)`,
      `${pos(text, 'nutz').line}:${pos(text, 'nutz').column} constraints.allergens.rules[0].from.allergens[0]: unknown allergen 'nutz' (did you mean 'nuts'?)`,
      `${pos(text, 'plian').line}:${pos(text, 'plian').column} constraints.allergens.rules[0].to.families[0]: unknown family 'plian' (did you mean 'plain'?)`,
      `${pos(text, 'L9').line}:${pos(text, 'L9').column} constraints.allergens.rules[0].lines[0]: unknown line 'L9' (did you mean 'L1'?)`,
      `${pos(text, 'planner').line}:${pos(text, 'planner').column} escalation[0].approver: no person in plant 'test-site' has the role 'planner' (approver of 'e1')`,
      `${pos(text, 'manager').line}:${pos(text, 'manager').column} escalation[0].escalateTo: no person in plant 'test-site' has the role 'manager' (escalation target of 'e1')`,
    ]);
  });

  it('the shipped rules do not fit the small plant (they name demo lines and plant), with positioned errors', () => {
    const r = parseRulesText(defaultRulesText(), 'default-rules.yaml', smallPlant());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ path: 'plant', line: 6 });
  });

  it('reports YAML syntax errors and an empty file with a position', () => {
    const s = parseRulesText('takt: rules\nversion: [1,\n', 's.yaml');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.errors[0]).toMatchObject({ file: 's.yaml', message: expect.stringMatching(/^YAML syntax error/), line: expect.any(Number) });
    const e = parseRulesText('', 'e.yaml');
    expect(!e.ok && e.errors[0]!.message).toContain('the file is empty');
  });
});
