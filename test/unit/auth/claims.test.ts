import { describe, expect, it } from 'vitest';
import { peopleDirectory, personFromClaims, rolesFromClaims, type ClaimMapping, type PeopleDirectory } from '../../../shared/auth/claims';

const people: Record<string, { id: string; role: string }> = {
  'A-001': { id: 'A-001', role: 'lead' },
  'A-002': { id: 'A-002', role: 'operator' },
};
const accounts: Record<string, string> = { tmoreau: 'A-002', ghost: 'Z-999' };
const directory: PeopleDirectory = {
  person: (id) => people[id],
  personIds: () => Object.keys(people),
  accountPerson: (name) => accounts[name.toLowerCase()],
};

describe('personFromClaims', () => {
  it('maps a claim value through the people table, ignoring case and spaces', () => {
    const m: ClaimMapping = { claim: 'email', people: { 'Lukas.Schulz@plant.example': 'A-001' } };
    const v = personFromClaims({ sub: 'x', email: ' lukas.schulz@PLANT.example ', email_verified: true }, m, directory);
    expect(v).toEqual({ ok: true, personId: 'A-001', claimValue: 'lukas.schulz@PLANT.example', roles: [] });
  });

  it('maps through a local account name, then through the person id itself', () => {
    expect(personFromClaims({ preferred_username: 'tmoreau' }, { claim: 'preferred_username' }, directory)).toMatchObject({ ok: true, personId: 'A-002' });
    expect(personFromClaims({ employee_id: 'a-001' }, { claim: 'employee_id' }, directory)).toMatchObject({ ok: true, personId: 'A-001' });
  });

  it('refuses a user the plant does not know, naming the claim and what to do', () => {
    const v = personFromClaims({ email: 'mallory@elsewhere.example' }, { claim: 'email' }, directory);
    expect(v).toMatchObject({ ok: false, code: 'unknown-person', claimValue: 'mallory@elsewhere.example' });
    if (!v.ok) expect(v.reason).toMatch(/email 'mallory@elsewhere.example' is not one of this plant's people.*--oidc-people-file/);
  });

  it('refuses a mapping to a person the plant does not have, instead of falling through', () => {
    const v = personFromClaims({ email: 'x@p' }, { claim: 'email', people: { 'x@p': 'A-404' } }, directory);
    expect(v).toMatchObject({ ok: false, code: 'unknown-person' });
    if (!v.ok) expect(v.reason).toContain("'A-404'");
    expect(personFromClaims({ preferred_username: 'ghost' }, { claim: 'preferred_username' }, directory)).toMatchObject({ ok: false, code: 'unknown-person' });
  });

  it('refuses when the claim is missing or empty', () => {
    expect(personFromClaims({ sub: 'abc' }, { claim: 'email' }, directory)).toMatchObject({ ok: false, code: 'missing-claim' });
    expect(personFromClaims({ email: '  ' }, { claim: 'email' }, directory)).toMatchObject({ ok: false, code: 'missing-claim' });
    expect(personFromClaims({ email: ['A-001'] }, { claim: 'email' }, directory)).toMatchObject({ ok: false, code: 'missing-claim' });
  });

  it('never matches an email the provider says is unverified', () => {
    const m: ClaimMapping = { claim: 'email', people: { 'a@p': 'A-001' } };
    expect(personFromClaims({ email: 'a@p', email_verified: false }, m, directory)).toMatchObject({ ok: false, code: 'unverified-email' });
    // Entra and others do not send email_verified at all: absent is not a refusal.
    expect(personFromClaims({ email: 'a@p' }, m, directory)).toMatchObject({ ok: true, personId: 'A-001' });
  });

  it('with a roles claim, admits only users the provider grants a Takt role', () => {
    const m: ClaimMapping = { claim: 'preferred_username', rolesClaim: 'groups', roleGroups: { 'takt-leads': 'lead', 'takt-ops': 'operator' } };
    expect(personFromClaims({ preferred_username: 'A-001', groups: ['staff', 'Takt-Leads'] }, m, directory)).toEqual({ ok: true, personId: 'A-001', claimValue: 'A-001', roles: ['lead'] });
    const refused = personFromClaims({ preferred_username: 'A-001', groups: ['staff'] }, m, directory);
    expect(refused).toMatchObject({ ok: false, code: 'no-role' });
    if (!refused.ok) expect(refused.reason).toContain('--oidc-role-group');
    expect(personFromClaims({ preferred_username: 'A-001' }, m, directory)).toMatchObject({ ok: false, code: 'no-role' });
  });
});

describe('rolesFromClaims', () => {
  it('takes plant role names as they are when no group table is given, one value or many', () => {
    expect(rolesFromClaims({ roles: ['QA', 'operator', 'admin', 42] }, { claim: 'sub', rolesClaim: 'roles' })).toEqual(['operator', 'qa']);
    expect(rolesFromClaims({ roles: 'planner' }, { claim: 'sub', rolesClaim: 'roles' })).toEqual(['planner']);
    expect(rolesFromClaims({ roles: 'planner' }, { claim: 'sub' })).toEqual([]);
  });

  it('ignores a group table entry that names no plant role', () => {
    const m = { claim: 'sub', rolesClaim: 'groups', roleGroups: { g: 'wizard' } } as unknown as ClaimMapping;
    expect(rolesFromClaims({ groups: ['g'] }, m)).toEqual([]);
  });
});

describe('peopleDirectory', () => {
  it('finds people by id, maps through accounts, and refuses a person whose access was taken away', () => {
    const d = peopleDirectory(
      [
        { id: 'A-001', role: 'lead' },
        { id: 'B-001', role: 'lead' },
        { id: 'B-002', role: 'operator' },
      ],
      { accountPerson: (n) => (n === 'zkeller' ? 'B-001' : undefined), disabled: (id) => id === 'B-002' },
    );
    expect(d.person('B-002')).toEqual({ id: 'B-002', role: 'operator' });
    expect([...d.personIds()]).toEqual(['A-001', 'B-001', 'B-002']);
    expect(personFromClaims({ preferred_username: 'zkeller' }, { claim: 'preferred_username' }, d)).toMatchObject({ ok: true, personId: 'B-001' });
    const v = personFromClaims({ employee_id: 'B-002' }, { claim: 'employee_id' }, d);
    expect(v).toMatchObject({ ok: false, code: 'disabled' });
    if (!v.ok) expect(v.reason).toContain('person B-002 may not sign in');
  });
});
