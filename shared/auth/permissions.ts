/**
 * What a person may do, by role: the permission names the core checks every call against, and the
 * rule set's `permissions:` table that maps each to the roles allowed. The defaults keep what the
 * console allowed before sign-in existed (anyone in the plant's crews may do what is not a commit;
 * committing follows `workflows.commitRoles`), so a rule set without the table changes nothing;
 * a plant narrows a permission by naming roles. Pure; the check itself is in ./authorize.ts.
 */
import { z } from 'zod';
// From the records (not the rule set's schema, which imports this module).
import { roles, type Role } from '../plant/schema';

/**
 * Every permission a call can need. Approving also needs the approval's own role and someone other
 * than the committer (four eyes), and moving an action its owner, a person of its role or a
 * supervisor: those checks are about the record and stay with it (shared/commit/permissions.ts).
 */
export const PERMISSIONS = [
  'commit.option',
  'commit.scenario',
  'approve',
  'exceptions.acknowledge',
  'exceptions.shelve',
  'exceptions.comment',
  'exceptions.outOfService',
  'actions.transition',
  'outbox.retry',
  'rules.activate',
  'rules.backtest',
  'scenarios.save',
  'clock.speed',
  'ingest',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Everyone in the plant's crews, whatever their role. */
export const ANYONE = 'anyone';

/** The roles a permission allows: `anyone`, or a list (empty: no person, only the core's own host and tokens with the scope). */
export const permissionRolesSchema = z.union([z.literal(ANYONE), z.array(z.enum(roles))]);
export type PermissionRoles = z.infer<typeof permissionRolesSchema>;

/**
 * The rule set's `permissions:` section. `commit.option` and `commit.scenario` default to
 * `workflows.commitRoles` (resolved by permissionRoles), so existing rule sets keep their meaning.
 */
export const permissionTableSchema = z
  .object({
    'commit.option': permissionRolesSchema.optional(),
    'commit.scenario': permissionRolesSchema.optional(),
    approve: permissionRolesSchema.default(ANYONE),
    'exceptions.acknowledge': permissionRolesSchema.default(ANYONE),
    'exceptions.shelve': permissionRolesSchema.default(ANYONE),
    'exceptions.comment': permissionRolesSchema.default(ANYONE),
    'exceptions.outOfService': permissionRolesSchema.default(ANYONE),
    'actions.transition': permissionRolesSchema.default(ANYONE),
    'outbox.retry': permissionRolesSchema.default(ANYONE),
    'rules.activate': permissionRolesSchema.default(ANYONE),
    'rules.backtest': permissionRolesSchema.default(ANYONE),
    'scenarios.save': permissionRolesSchema.default(ANYONE),
    'clock.speed': permissionRolesSchema.default(ANYONE),
    ingest: permissionRolesSchema.default(ANYONE),
  })
  .strict();
export type PermissionTable = z.infer<typeof permissionTableSchema>;

/** The roles `permission` allows under a rule set (its table, with commits falling back to `workflows.commitRoles`). */
export function permissionRoles(rules: { permissions: PermissionTable; workflows: { commitRoles: readonly Role[] } }, permission: Permission): PermissionRoles {
  const set = rules.permissions[permission];
  if (set !== undefined) return set;
  return rules.workflows.commitRoles.slice();
}

/** True when a person of `role` has `permission`. */
export function roleMay(allowed: PermissionRoles | readonly string[], role: string): boolean {
  return allowed === ANYONE || (allowed as readonly string[]).includes(role);
}

/** "controller, planner or lead", "anyone", "no one (…)": for refusals people read. */
export function describeRoles(allowed: PermissionRoles): string {
  if (allowed === ANYONE) return 'anyone in the plant';
  if (allowed.length === 0) return 'no signed-in person (the rule set lists no role)';
  return allowed.length === 1 ? `a ${allowed[0]!}` : `a ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]!}`;
}
