/**
 * May this caller make this call? A person by their role in the plant's crews against the rule
 * set's permission table; a token by its scopes; the in-process host always. And who did it: for a
 * person the signed-in person, whatever the params say. Pure; the core applies it to every call
 * (main/core/authorize-calls.ts) and the handlers take the acting person from actingPerson.
 */
import type { Plant } from '../plant/schema';
import { findPerson } from '../commit/workflows';
import { ProtocolFailure } from '../protocol/server';
import type { Caller, TokenScope } from './caller';
import type { MethodNeed } from './method-permissions';
import { ANYONE, describeRoles, permissionRoles, roleMay, type Permission, type PermissionTable } from './permissions';
import type { Role } from '../decide/rules-schema';

/** What a token scope lets a machine do (`read` also opens every stream). */
const SCOPE_OF: Partial<Record<Permission | 'read', TokenScope>> = { read: 'read', ingest: 'ingest', 'actions.transition': 'actions' };

export interface Refusal {
  /** What was needed. */
  permission: Permission | 'read';
  /** For people: who, what, what would do. */
  message: string;
  /** For the audit record: the person id (or `token:<name>`) and their role. */
  actor: string;
  role?: Role;
}

export interface AuthorizeInput {
  plant: Plant;
  rules: { permissions: PermissionTable; workflows: { commitRoles: readonly Role[] } };
}

/** Null when `caller` may make a call that needs `need`, else why not. */
export function authorize(caller: Caller, need: MethodNeed, o: AuthorizeInput): Refusal | null {
  const { permission } = need;
  if (permission === 'public') return null;
  switch (caller.kind) {
    case 'system':
      return null;
    case 'signed-out':
      if (need.signedOut) return null;
      return { permission, actor: caller.name, message: `this window is signed out, so may not ${permission}: sign in first` };
    case 'token': {
      const scope = SCOPE_OF[permission];
      const actor = `token:${caller.name}`.slice(0, 128);
      if (!scope) return { permission, actor, message: `token '${caller.name}' may not ${permission}: a token acts as no person; a person signs in to do this` };
      if (!caller.scopes.includes(scope)) return { permission, actor, message: `token '${caller.name}' may not ${permission}: it needs the '${scope}' scope (it has ${caller.scopes.length ? caller.scopes.join(', ') : 'none'}); create a token with that scope` };
      if (!need.person) return null;
      // What a token records names the person it was made for, who must be one of the plant's.
      if (!caller.personId) return { permission, actor, message: `token '${caller.name}' may not ${permission}: it acts for no plant person, so cannot record what a person did; create it with takt tokens create <name> --scopes ${scope} --person <id>` };
      if (!findPerson(o.plant, caller.personId)) return { permission, actor, message: `token '${caller.name}' may not ${permission}: it acts for '${caller.personId}', who is not one of the people of plant '${o.plant.site.id}'; revoke it and create one for a person in the plant file` };
      return null;
    }
    case 'person': {
      // Reading needs no role: an account whose person left the plant file still sees the floor.
      if (permission === 'read') return null;
      const who = findPerson(o.plant, caller.personId);
      if (!who) return { permission, actor: caller.personId, message: `'${caller.personId}' is signed in but is not one of the people of plant '${o.plant.site.id}', so may not ${permission}: add them to a crew in the plant file or sign in as someone who is` };
      const allowed = permissionRoles(o.rules, permission);
      // Provider roles narrow, never widen: the plant file's role counts only if the identity
      // provider grants it too (claim roles ∩ plant role), so the provider can take a role away
      // centrally and cannot make anyone more than the plant file says. What anyone in the plant
      // may do needs no role.
      if (caller.roles && allowed !== ANYONE && roleMay(allowed, who.role) && !caller.roles.includes(who.role)) {
        return {
          permission,
          actor: who.id,
          role: who.role,
          message: `${who.name} (${who.role}) may not ${permission}: their identity provider does not grant them the role '${who.role}' (it grants ${caller.roles.length ? caller.roles.join(', ') : 'no Takt role'}); ask its administrator to add them to the group mapped to '${who.role}', then sign in again`,
        };
      }
      if (roleMay(allowed, who.role)) return null;
      return { permission, actor: who.id, role: who.role, message: `${who.name} (${who.role}) may not ${permission}: needs ${describeRoles(allowed)} (the rule set's permissions.${permission})` };
    }
  }
}

/**
 * Who did it: the signed-in person, or the person a token was made for, never the params' `by` (a
 * client cannot name someone else). Only the in-process host (simulator, tests) gives `by`; a
 * token bound to no person is refused.
 */
export function actingPerson(caller: Caller, by: string | undefined): string {
  if (caller.kind === 'person') return caller.personId;
  if (caller.kind === 'token') {
    if (caller.personId) return caller.personId;
    throw new ProtocolFailure('forbidden', `token '${caller.name}' acts for no plant person, so it cannot record what a person did: create it with takt tokens create <name> --scopes actions --person <id>`, 'params.by');
  }
  if (by !== undefined) return by;
  throw new ProtocolFailure('bad_params', `'by' is needed: this call records a person and the caller (${caller.name}) is not one; name the plant person who acts`, 'params.by');
}
