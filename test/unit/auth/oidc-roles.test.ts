/**
 * OIDC groups → roles, end to end short of the browser: a real OpenID Provider (oidc-provider on
 * loopback) signs users in with a `groups` claim; the session the sign-in makes in the real
 * session store carries the roles the provider granted; the caller that session authenticates as
 * is checked against the permission table with them. The rule: the provider narrows, never
 * widens (claim roles ∩ plant-file role; what anyone may do needs no role).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcSignIn } from '../../../main/core/auth/oidc';
import { oidcSessions } from '../../../main/core/auth/oidc-sessions';
import { openSessionStore, type SessionStore } from '../../../main/core/auth/session-store';
import { openTokenStore } from '../../../main/core/auth/token-store';
import { authenticate } from '../../../main/core/auth/authenticate';
import { loadPlantFile } from '../../../main/core/persistence/plant-file';
import { authorize } from '../../../shared/auth/authorize';
import { peopleDirectory } from '../../../shared/auth/claims';
import { permissionTableSchema } from '../../../shared/auth/permissions';
import type { Plant } from '../../../shared/plant/schema';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider';
import { loginAtTestProvider } from '../../helpers/oidc-login';

const root = join(import.meta.dirname, '..', '..', '..');
const CONSOLE = 'http://localhost:4998';
const CALLBACK = `${CONSOLE}/auth/oidc/callback`;
const dir = mkdtempSync(join(tmpdir(), 'takt-oidc-roles-'));
let idp: TestProvider;
let plant: Plant;
let sessions: SessionStore;
// Leads may shelve; anyone may comment.
const rules = { permissions: permissionTableSchema.parse({ 'exceptions.shelve': ['lead', 'manager'] }), workflows: { commitRoles: ['lead' as const] } };

beforeAll(async () => {
  plant = (await loadPlantFile(join(root, 'test/fixtures/commit/commit-plant.yaml'))).plant;
  sessions = openSessionStore(dir);
  idp = await startTestProvider([
    // a-lead is a lead in the plant file; the provider grants that too.
    { sub: 'lena', email: 'lena@plant.example', email_verified: true, preferred_username: 'a-lead', groups: ['takt-leads', 'takt-operators'] },
    // b-lead is a lead in the plant file; the provider (moved to operators) grants operator only.
    { sub: 'bert', email: 'bert@plant.example', email_verified: true, preferred_username: 'b-lead', groups: ['takt-operators'] },
    // a-operator is an operator in the plant file; the provider says manager: it does not make them one.
    { sub: 'otto', email: 'otto@plant.example', email_verified: true, preferred_username: 'a-operator', groups: ['takt-managers', 'takt-operators'] },
  ]);
  idp.register(CALLBACK);
}, 60_000);
afterAll(async () => {
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signInAs(login: string, withRolesClaim: boolean) {
  const mapping = {
    claim: 'preferred_username',
    ...(withRolesClaim ? { rolesClaim: 'groups', roleGroups: { 'takt-leads': 'lead', 'takt-operators': 'operator', 'takt-managers': 'manager' } as const } : {}),
  };
  const signIn = createOidcSignIn({
    settings: { issuer: new URL(idp.issuer), clientId: idp.clientId, clientSecret: idp.clientSecret, name: 'Plant SSO', mapping },
    sessions: oidcSessions(() => sessions, mapping, false),
    people: () => peopleDirectory(plant.crews.flatMap((c) => c.members)),
  });
  const s = await signIn.start(CONSOLE);
  if (!s.ok) throw new Error(s.reason);
  const v = await signIn.callback(await loginAtTestProvider(s.location, login, CALLBACK), s.state);
  if (!v.ok) throw new Error(v.reason);
  // The browser sends the cookie back; the core authenticates it as every request.
  const cookie = v.setCookie.split(';')[0]!;
  const who = authenticate({ cookie }, { sessions, tokens: openTokenStore(dir) });
  if (!who.ok) throw new Error(who.reason);
  return who.caller;
}

const may = (caller: Awaited<ReturnType<typeof signInAs>>, permission: 'exceptions.shelve' | 'exceptions.comment') => authorize(caller, { permission, person: true }, { plant, rules });

describe('OIDC roles from a groups claim', () => {
  it('carries the granted roles into the caller; the plant role counts when the provider grants it', async () => {
    const lena = await signInAs('lena', true);
    expect(lena).toMatchObject({ kind: 'person', personId: 'a-lead', via: 'oidc', roles: ['operator', 'lead'] });
    expect(may(lena, 'exceptions.shelve')).toBeNull();
  });

  it('takes away a plant role the provider no longer grants: refused, naming what the provider grants', async () => {
    const bert = await signInAs('bert', true);
    expect(bert).toMatchObject({ personId: 'b-lead', roles: ['operator'] });
    const r = may(bert, 'exceptions.shelve');
    expect(r).toMatchObject({ permission: 'exceptions.shelve', actor: 'b-lead', role: 'lead' });
    expect(r?.message).toBe(
      "Lead B (lead) may not exceptions.shelve: their identity provider does not grant them the role 'lead' (it grants operator); ask its administrator to add them to the group mapped to 'lead', then sign in again",
    );
    // What anyone in the plant may do needs no role.
    expect(may(bert, 'exceptions.comment')).toBeNull();
  });

  it('does not make anyone more than the plant file says', async () => {
    const otto = await signInAs('otto', true);
    expect(otto).toMatchObject({ personId: 'a-operator', roles: ['operator', 'manager'] });
    expect(may(otto, 'exceptions.shelve')).toMatchObject({ role: 'operator', message: expect.stringMatching(/^Operator A \(operator\) may not exceptions.shelve: needs a lead or manager/) });
    expect(may(otto, 'exceptions.comment')).toBeNull();
  });

  it('without a roles claim the plant file alone decides', async () => {
    const bert = await signInAs('bert', false);
    expect(bert).toMatchObject({ personId: 'b-lead', via: 'oidc' });
    expect(bert).not.toHaveProperty('roles');
    expect(may(bert, 'exceptions.shelve')).toBeNull();
  });
});
