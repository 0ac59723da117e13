/**
 * Parses a rules file (YAML or JSON) into a checked, versioned `LoadedRules`, or into positioned
 * issues (file, path, line, column, expected, found) like the plant file. Cross-references
 * against a plant (unknown family, allergen, line, customer, a role nobody holds…) are checked
 * once the shape is valid, when a plant is given. Pure: the caller reads the file.
 */
import type { Plant } from '../plant/schema';
import { didYouMean, oneOf } from '../files/issues';
import { formatPlantIssues } from '../plant/parse';
import { canonicalJson, fnv1a64 } from '../twin/hash';
import { parseChecked, type FileIssue, type IssuePath, type RawIssue } from '../files/positioned';
import { genericRuleSetInput, ruleSetSchema, type RuleSet } from './rules-schema';

export type RulesIssue = FileIssue;

/** A checked rule set with what identifies it in every decision receipt. */
export interface LoadedRules {
  rules: RuleSet;
  /** The human version from the file, e.g. "2026.11-1". */
  version: string;
  /** Content hash of the parsed rules (canonical JSON, FNV-1a 64): changes with any effective change. */
  hash: string;
  file: string;
}

export type RulesParseResult = { ok: true; loaded: LoadedRules; warnings: RulesIssue[] } | { ok: false; errors: RulesIssue[] };

export function rulesHash(rules: RuleSet): string {
  return fnv1a64(canonicalJson(rules));
}

type CheckIssue = RawIssue & { severity: 'error' | 'warning' };

/** Cross-reference checks of a shape-valid rule set, against a plant when given. */
export function checkRules(rules: RuleSet, plant?: Plant): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const err = (path: IssuePath, message: string, expected?: string, found?: string, target?: 'key') => issues.push({ severity: 'error', path, message, ...(expected ? { expected } : {}), ...(found ? { found } : {}), ...(target ? { target } : {}) });
  const warn = (path: IssuePath, message: string) => issues.push({ severity: 'warning', path, message });

  const dupes = (list: readonly { id: string }[], base: IssuePath, what: string) => {
    const seen = new Map<string, number>();
    list.forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined) err([...base, i, 'id'], `duplicate ${what} id '${r.id}' (first at ${base.join('.')}[${first}])`, 'a unique id', `'${r.id}'`);
      else seen.set(r.id, i);
    });
  };
  dupes(rules.constraints.allergens.rules, ['constraints', 'allergens', 'rules'], 'allergen rule');
  dupes(rules.escalation, ['escalation'], 'escalation rule');
  rules.escalation.forEach((r, i) => {
    if (r.escalateTo === r.approver) warn(['escalation', i, 'escalateTo'], `escalation rule '${r.id}' escalates to the approver's own role '${r.approver}'`);
  });
  if (!plant) return issues;

  const unknown = (path: IssuePath, what: string, value: string, known: readonly string[], target?: 'key') => {
    if (known.includes(value)) return;
    const guess = didYouMean(value, known);
    err(path, `unknown ${what} '${value}'${guess ? ` (did you mean '${guess}'?)` : ''}`, oneOf(known, 12), `'${value}'`, target);
  };
  const families = plant.families.map((f) => f.id);
  const allergens = plant.allergens.map((a) => a.id);
  const lines = plant.areas.flatMap((a) => a.lines.map((l) => l.id));
  const customers = plant.customers.map((c) => c.id);
  const people = plant.crews.flatMap((c) => c.members);
  const heldRoles = [...new Set(people.map((p) => p.role))];

  if (rules.plant !== undefined && rules.plant !== plant.site.id) err(['plant'], `these rules are written for plant '${rules.plant}', not for '${plant.site.id}'`, `'${plant.site.id}' (or no 'plant' key)`, `'${rules.plant}'`);
  for (const c of Object.keys(rules.priority.customers)) unknown(['priority', 'customers', c], 'customer', c, customers, 'key');
  rules.constraints.allergens.rules.forEach((r, i) => {
    const base: IssuePath = ['constraints', 'allergens', 'rules', i];
    r.from.families.forEach((f, j) => unknown([...base, 'from', 'families', j], 'family', f, families));
    r.from.allergens.forEach((a, j) => unknown([...base, 'from', 'allergens', j], 'allergen', a, allergens));
    r.to.families.forEach((f, j) => unknown([...base, 'to', 'families', j], 'family', f, families));
    r.to.without.forEach((a, j) => unknown([...base, 'to', 'without', j], 'allergen', a, allergens));
    r.lines.forEach((l, j) => unknown([...base, 'lines', j], 'line', l, lines));
    if (r.from.families.length === 0 && r.from.allergens.length === 0) err([...base, 'from'], `allergen rule '${r.id}' matches no previous run: give 'families' or 'allergens'`, 'at least one family or allergen');
    if (r.to.families.length === 0 && r.to.without.length === 0) err([...base, 'to'], `allergen rule '${r.id}' matches no next run: give 'families' or 'without'`, 'at least one family or allergen');
  });
  const roleHeld = (path: IssuePath, role: string, what: string) => {
    if (!heldRoles.includes(role as never)) err(path, `no person in plant '${plant.site.id}' has the role '${role}' (${what})`, oneOf(heldRoles, 12), `'${role}'`);
  };
  rules.escalation.forEach((r, i) => {
    roleHeld(['escalation', i, 'approver'], r.approver, `approver of '${r.id}'`);
    roleHeld(['escalation', i, 'escalateTo'], r.escalateTo, `escalation target of '${r.id}'`);
  });
  // A permission only roles nobody holds is one no signed-in person has: said, not refused (the host still may).
  for (const [permission, allowed] of Object.entries(rules.permissions))
    if (people.length > 0 && Array.isArray(allowed) && allowed.length > 0 && !allowed.some((r) => heldRoles.includes(r)))
      warn(['permissions', permission], `no person in plant '${plant.site.id}' has any of the roles ${allowed.join(', ')}: nobody signed in may ${permission}`);
  if (people.length > 0 && !heldRoles.includes(rules.constraints.allergens.qaRole)) warn(['constraints', 'allergens', 'qaRole'], `no person in the plant has the QA role '${rules.constraints.allergens.qaRole}': every QA release will fail the allergen check`);
  rules.exceptions.suppression.maintenanceWindows.forEach((w, i) => unknown(['exceptions', 'suppression', 'maintenanceWindows', i, 'line'], 'line', w.line, lines));
  return issues;
}

/** Parses and checks a rules file's text. `file` names it in issues and picks the format. */
export function parseRulesText(text: string, file: string, plant?: Plant): RulesParseResult {
  const r = parseChecked(text, file, {
    schema: ruleSetSchema,
    check: (rules) => checkRules(rules, plant),
    emptyHint: 'a rules file is a mapping that starts with `takt: rules`',
    keyTarget: (path) => path.length === 3 && path[0] === 'priority' && path[1] === 'customers',
  });
  if (!r.ok) return { ok: false, errors: r.errors };
  return { ok: true, loaded: { rules: r.value, version: r.value.version, hash: rulesHash(r.value), file }, warnings: r.warnings };
}

/** The built-in generic rules (no plant-specific references), for plants without a rules file. */
export function genericRules(): LoadedRules {
  const rules = ruleSetSchema.parse(genericRuleSetInput());
  return { rules, version: rules.version, hash: rulesHash(rules), file: '(built-in)' };
}

/** One line per issue, `file:line:column path: message — expected … (found …)`. */
export const formatRulesIssues: (issues: readonly RulesIssue[]) => string = formatPlantIssues;
