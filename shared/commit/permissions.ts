/**
 * Who may do what in the decision loop, as one set of pure rules that the core enforces and the
 * console uses to offer only what the acting person may do (and to say why not). Each check
 * returns null when allowed, else a sentence for people: names, roles and what to do, no raw ids.
 *
 * - Commit: a person whose role the rule set's permission table allows for the kind of commit
 *   (`permissions.commit.option` / `commit.scenario`, by default `workflows.commitRoles`).
 * - Approve: a person of the approval's role who did not commit the decision (four eyes).
 * - Verify: by someone other than the person who did the action (moved it to done), unless the
 *   rule set's `workflows.doerMayVerify` says the doer may.
 */
import type { Plant } from '../plant/schema';
import type { ActionRecord, ApprovalRecord, DecisionReceipt } from './records';
import { findPerson } from './workflows';
import { ANYONE, roleMay } from '../auth/permissions';

/** The acting person (the console's and the core's person types both fit). */
export interface Who {
  id: string;
  name: string;
  role: string;
}

/** The name people know a person id by ("Lina Demir"); the id itself when not in the plant. */
export function personName(plant: Plant | null | undefined, id: string): string {
  return (plant && findPerson(plant, id)?.name) || id;
}

/** Up to `max` names of people with `role`, except `not`, as "A, B or C" (empty when none). */
export function othersWithRole(plant: Plant, role: string, not: readonly string[], max = 3): string {
  const names: string[] = [];
  for (const c of plant.crews) for (const m of c.members) if (m.role === role && !not.includes(m.id) && !names.includes(m.name)) names.push(m.name);
  const shown = names.slice(0, max);
  if (shown.length === 0) return '';
  const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]!}`;
  return names.length > max ? `${list} (or another ${role})` : list;
}

export function commitRefusal(who: Who, commitRoles: readonly string[] | typeof ANYONE): string | null {
  if (commitRoles === ANYONE || roleMay(commitRoles, who.role)) return null;
  if (commitRoles.length === 0) return `${who.name} is a ${who.role}: the active rule set lets no role commit this (its permissions table)`;
  return `${who.name} is a ${who.role}: committing a decision needs a ${commitRoles.join(', ').replace(/, ([^,]*)$/, ' or $1')}`;
}

export function approvalRefusal(plant: Plant, who: Who, a: Pick<ApprovalRecord, 'role' | 'level'>, d: Pick<DecisionReceipt, 'committedBy'> & { chosen: { title: string } }): string | null {
  if (who.role !== a.role) {
    const others = othersWithRole(plant, a.role, [d.committedBy]);
    return `${who.name} is a ${who.role}: this approval needs a ${a.role}${a.level > 0 ? ' (it was escalated)' : ''}${others ? ` such as ${others}` : ''}`;
  }
  if (who.id === d.committedBy) {
    const others = othersWithRole(plant, a.role, [who.id]);
    return `${who.name} committed “${d.chosen.title}” and may not also approve it (four eyes): ${others ? `${others} can` : `another ${a.role} must`}`;
  }
  return null;
}

/** Who moved the action to done (the doer), from its history; null when it never was. */
export function doerOf(a: Pick<ActionRecord, 'history'>): string | null {
  for (let i = a.history.length - 1; i >= 0; i--) if (a.history[i]!.to === 'done') return a.history[i]!.by;
  return null;
}

export function verifyRefusal(plant: Plant, who: Who, a: Pick<ActionRecord, 'history' | 'title'>, doerMayVerify: boolean): string | null {
  if (doerMayVerify) return null;
  const doer = doerOf(a);
  if (doer === null || doer !== who.id) return null;
  return `${who.name} did “${a.title}” and may not also verify it: someone else checks the work (the rule set's workflows.doerMayVerify is off)`;
}
