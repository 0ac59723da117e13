/**
 * OIDC sign-in: which of the plant's people an identity provider's ID token names. Pure: the
 * verified claims and the configured mapping in, a person (and the roles the provider grants) or a
 * refusal that says why out. The token's signature, issuer, audience, nonce and expiry are checked
 * before this (openid-client); this only decides who it is.
 */

/** The plant roles a person may hold (as in the plant file's people). */
export const PLANT_ROLES = ['operator', 'lead', 'qa', 'maintenance', 'warehouse', 'planner', 'controller', 'manager'] as const;
export type PlantRole = (typeof PLANT_ROLES)[number];

export interface ClaimMapping {
  /**
   * The ID-token claim that names the person: `email`, `preferred_username`, `sub`, `upn`, or a
   * custom claim such as `employee_id`. Its value is looked up in `people`, then against local
   * account names, then against the plant's person ids (case-insensitively).
   */
  readonly claim: string;
  /** Claim value → plant person id, for providers whose names are not the plant's ids. */
  readonly people?: Readonly<Record<string, string>>;
  /**
   * A claim carrying the user's groups or roles (a string or a list of strings), e.g. `groups` or
   * `roles`. When set, a user gets in only when the provider grants them at least one Takt role
   * through `roleGroups`: the identity provider can then take someone's access away centrally.
   */
  readonly rolesClaim?: string;
  /** Group or role name in `rolesClaim` → plant role. Without it a value that is itself a plant role name counts. */
  readonly roleGroups?: Readonly<Record<string, PlantRole>>;
}

/** What the mapping may look people up in. */
export interface PeopleDirectory {
  /** The plant person with this id (exact), or undefined. */
  person(id: string): { readonly id: string; readonly role: string } | undefined;
  /** Every person id of the plant (for the case-insensitive match). */
  personIds(): Iterable<string>;
  /** The person of a local account with this name, when accounts exist (`takt users add`). */
  accountPerson?(name: string): string | undefined;
  /** Whether the person's access was taken away (every account of theirs disabled). */
  disabled?(personId: string): boolean;
}

export type ClaimRefusal = 'missing-claim' | 'unverified-email' | 'unknown-person' | 'disabled' | 'no-role';

export type ClaimVerdict =
  | { readonly ok: true; readonly personId: string; readonly claimValue: string; readonly roles: readonly PlantRole[] }
  | { readonly ok: false; readonly code: ClaimRefusal; readonly reason: string; readonly claimValue?: string };

const key = (s: string) => s.trim().toLowerCase();

function lookupInsensitive(table: Readonly<Record<string, string>> | undefined, value: string): string | undefined {
  if (!table) return undefined;
  if (Object.hasOwn(table, value)) return table[value];
  const k = key(value);
  for (const [name, id] of Object.entries(table)) if (key(name) === k) return id;
  return undefined;
}

/** The claim as a list of strings: a provider sends one value or many (`groups`, `roles`). */
function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function isPlantRole(s: string): s is PlantRole {
  return (PLANT_ROLES as readonly string[]).includes(s);
}

/** The plant roles the provider grants through the roles claim, in the order of `PLANT_ROLES`. */
export function rolesFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping): PlantRole[] {
  if (!mapping.rolesClaim) return [];
  const granted = new Set<PlantRole>();
  for (const g of stringsOf(claims[mapping.rolesClaim])) {
    const mapped = mapping.roleGroups ? lookupInsensitive(mapping.roleGroups, g) : key(g);
    if (mapped !== undefined && isPlantRole(mapped)) granted.add(mapped);
  }
  return PLANT_ROLES.filter((r) => granted.has(r));
}

/** The person the verified claims name, or why nobody is signed in. */
export function personFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping, people: PeopleDirectory): ClaimVerdict {
  const raw = claims[mapping.claim];
  const value = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  if (value === '') {
    return {
      ok: false,
      code: 'missing-claim',
      reason: `the identity provider's ID token has no '${mapping.claim}' claim: ask its administrator to release it to this client (scope or claim mapping), or start takt with another --oidc-claim`,
    };
  }
  // An address the provider says it has not verified could be anyone's: never match on it.
  if (mapping.claim === 'email' && claims.email_verified === false) {
    return { ok: false, code: 'unverified-email', claimValue: value, reason: `the identity provider has not verified the email address ${value}: verify it there, then sign in again` };
  }
  const personId = resolvePerson(value, mapping, people);
  if (typeof personId === 'object') {
    return {
      ok: false,
      code: 'unknown-person',
      claimValue: value,
      reason: `${mapping.claim} '${value}' is mapped to person '${personId.missing}', who is not one of this plant's people: correct the OIDC people file (--oidc-people-file) or the account`,
    };
  }
  if (personId === undefined) {
    return {
      ok: false,
      code: 'unknown-person',
      claimValue: value,
      reason: `${mapping.claim} '${value}' is not one of this plant's people: an administrator can add it to the OIDC people file (--oidc-people-file) or create a local account with that name`,
    };
  }
  if (people.disabled?.(personId)) {
    return { ok: false, code: 'disabled', claimValue: value, reason: `person ${personId} may not sign in: their account is disabled at this console; an administrator can enable it (takt users)` };
  }
  const roles = rolesFromClaims(claims, mapping);
  if (mapping.rolesClaim && roles.length === 0) {
    return {
      ok: false,
      code: 'no-role',
      claimValue: value,
      reason: `the identity provider grants ${mapping.claim} '${value}' no Takt role in its '${mapping.rolesClaim}' claim: ask its administrator to add the user to a group mapped with --oidc-role-group`,
    };
  }
  return { ok: true, personId, claimValue: value, roles };
}

/** The person id, undefined when nothing matches, or the id a mapping names that the plant does not know. */
function resolvePerson(value: string, mapping: ClaimMapping, people: PeopleDirectory): string | { missing: string } | undefined {
  // A mapping that names someone the plant does not know is a configuration error: refuse, do not guess further.
  const mapped = lookupInsensitive(mapping.people, value) ?? people.accountPerson?.(value);
  if (mapped !== undefined) return people.person(mapped) ? mapped : { missing: mapped };
  if (people.person(value)) return value;
  const k = key(value);
  for (const id of people.personIds()) if (key(id) === k) return id;
  return undefined;
}

/** The plant's people (crew members, with their role) as a directory, with local accounts when the host has them. */
export function peopleDirectory(
  members: readonly { readonly id: string; readonly role: string }[],
  accounts: Pick<PeopleDirectory, 'accountPerson' | 'disabled'> = {},
): PeopleDirectory {
  const byId = new Map<string, { id: string; role: string }>();
  for (const m of members) byId.set(m.id, { id: m.id, role: m.role });
  return { person: (id) => byId.get(id), personIds: () => byId.keys(), ...accounts };
}
