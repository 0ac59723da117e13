import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oidcSettingsFrom, parseRoleGroups, readPeopleFile } from '../../../main/cli/oidc-options';

const dir = mkdtempSync(join(tmpdir(), 'takt-oidc-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const noWarn = () => {
  throw new Error('no warning expected');
};

describe('oidcSettingsFrom', () => {
  it('is off without any --oidc-* flag', () => {
    expect(oidcSettingsFrom({ oidcRoleGroup: [], oidcScope: [] }, noWarn, {})).toBeUndefined();
  });

  it('ignores the other serve options (TLS, webhook) it is handed with the --oidc-* ones', () => {
    const serveOptions = { oidcRoleGroup: [], oidcScope: [], tlsCert: 'cert.pem', tlsKey: 'key.pem', webhookTokenFile: 'token' } as Parameters<typeof oidcSettingsFrom>[0];
    expect(oidcSettingsFrom(serveOptions, noWarn, {})).toBeUndefined();
  });

  it('reads a complete configuration: secret from a file, people file, role groups, extra scopes', () => {
    const s = oidcSettingsFrom(
      {
        oidcIssuer: 'https://sso.plant.example/realms/plant',
        oidcClientId: 'takt',
        oidcClientSecretFile: file('secret', 's3cret\n'),
        oidcClaim: 'preferred_username',
        oidcName: 'Plant SSO',
        oidcPeopleFile: file('people.yaml', 'lschulz: A-001\n"Zoe.Keller@plant.example": B-001\n'),
        oidcRolesClaim: 'groups',
        oidcRoleGroup: ['takt-leads=lead', 'takt-ops=operator'],
        oidcScope: ['groups'],
      },
      noWarn,
      {},
    );
    expect(s).toMatchObject({
      clientId: 'takt',
      clientSecret: 's3cret',
      name: 'Plant SSO',
      scopes: ['openid', 'email', 'profile', 'groups'],
      mapping: { claim: 'preferred_username', people: { lschulz: 'A-001', 'Zoe.Keller@plant.example': 'B-001' }, rolesClaim: 'groups', roleGroups: { 'takt-leads': 'lead', 'takt-ops': 'operator' } },
    });
    expect(s?.issuer.href).toBe('https://sso.plant.example/realms/plant');
  });

  it('defaults: claim email, name from the issuer host, public client without a secret, secret from the environment', () => {
    const s = oidcSettingsFrom({ oidcIssuer: 'https://login.example.com/tenant/v2.0', oidcClientId: 'abc' }, noWarn, {});
    expect(s).toMatchObject({ name: 'login.example.com', mapping: { claim: 'email' } });
    expect(s && 'clientSecret' in s).toBe(false);
    expect(oidcSettingsFrom({ oidcIssuer: 'https://login.example.com', oidcClientId: 'abc' }, noWarn, { TAKT_OIDC_CLIENT_SECRET: 'env' })?.clientSecret).toBe('env');
  });

  it('refuses incomplete or unsafe settings, naming the flag and the fix', () => {
    expect(() => oidcSettingsFrom({ oidcClientId: 'x' }, noWarn, {})).toThrow(/without --oidc-issuer/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example' }, noWarn, {})).toThrow(/needs --oidc-client-id/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'sso.example', oidcClientId: 'x' }, noWarn, {})).toThrow(/--oidc-issuer "sso.example" is not a URL/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'http://sso.plant.example', oidcClientId: 'x' }, noWarn, {})).toThrow(/must be https/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example', oidcClientId: 'x', oidcClientSecretFile: join(dir, 'absent') }, noWarn, {})).toThrow(/--oidc-client-secret-file .*absent cannot be read \(ENOENT\)/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example', oidcClientId: 'x', oidcClientSecretFile: file('empty', '\n') }, noWarn, {})).toThrow(/is empty/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example', oidcClientId: 'x', oidcClaim: 'e mail' }, noWarn, {})).toThrow(/not a claim name/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example', oidcClientId: 'x', oidcRoleGroup: ['a=lead'] }, noWarn, {})).toThrow(/needs --oidc-roles-claim/);
    expect(() => oidcSettingsFrom({ oidcIssuer: 'https://sso.example', oidcClientId: 'x', oidcRedirectUrl: 'https://takt.example/cb' }, noWarn, {})).toThrow(/must end in \/auth\/oidc\/callback/);
  });
});

describe('readPeopleFile and parseRoleGroups', () => {
  it('accepts JSON too, and refuses a file that is not a map of names to person ids', () => {
    expect(readPeopleFile(file('p.json', '{"a@p": "A-001"}'))).toEqual({ 'a@p': 'A-001' });
    expect(() => readPeopleFile(file('list.yaml', '- A-001\n'))).toThrow(/must map each claim value to a person id/);
    expect(() => readPeopleFile(file('num.yaml', 'a@p: 7\n'))).toThrow(/"a@p" must name a person id/);
    expect(() => readPeopleFile(file('bad.yaml', 'a: [\n'))).toThrow(/is not YAML or JSON/);
  });

  it('refuses a role that is not a plant role', () => {
    expect(parseRoleGroups(['cn=qa,ou=groups=qa'])).toEqual({ 'cn=qa,ou=groups': 'qa' });
    expect(() => parseRoleGroups(['admins=admin'])).toThrow(/one of operator, lead/);
    expect(() => parseRoleGroups(['lead'])).toThrow(/must be <group>=<role>/);
  });
});
