/**
 * `takt serve --oidc-*`: the OIDC sign-in settings from the command line, checked at start so that a
 * wrong URL, a missing secret file or a bad mapping stops the server with a message naming the flag,
 * instead of failing at the first person's sign-in. The client secret comes from a file (or the
 * environment), never from the command line, where every user of the machine could read it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkOidcSettings, type OidcSettings } from '../core/auth/oidc';
import { PLANT_ROLES, type ClaimMapping, type PlantRole } from '../../shared/auth/claims';
import { readSecretOption } from './secret-option';

export interface OidcFlags {
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecretFile?: string;
  oidcClaim?: string;
  oidcName?: string;
  oidcPeopleFile?: string;
  oidcRolesClaim?: string;
  oidcRoleGroup?: string[];
  oidcRedirectUrl?: string;
  oidcScope?: string[];
}

const url = (flag: string, text: string): URL => {
  try {
    return new URL(text);
  } catch {
    throw new Error(`${flag} ${JSON.stringify(text)} is not a URL: write it in full, e.g. https://sso.plant.example/realms/plant`);
  }
};

/** The people file: claim value → plant person id, YAML or JSON. */
export function readPeopleFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--oidc-people-file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new Error(`--oidc-people-file ${file} is not YAML or JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`--oidc-people-file ${file} must map each claim value to a person id, one per line, e.g. "lukas.schulz@plant.example: A-001"`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`--oidc-people-file ${file}: the entry ${JSON.stringify(k)} must name a person id (a string), e.g. "${k}: A-001"`);
    out[k] = v.trim();
  }
  return out;
}

/** `group=role` pairs for --oidc-role-group. */
export function parseRoleGroups(pairs: readonly string[]): Record<string, PlantRole> {
  const out: Record<string, PlantRole> = {};
  for (const p of pairs) {
    const eq = p.lastIndexOf('=');
    const group = eq > 0 ? p.slice(0, eq).trim() : '';
    const role = eq > 0 ? p.slice(eq + 1).trim() : '';
    if (!group || !(PLANT_ROLES as readonly string[]).includes(role)) {
      throw new Error(`--oidc-role-group ${JSON.stringify(p)} must be <group>=<role>, the role one of ${PLANT_ROLES.join(', ')} (e.g. takt-leads=lead)`);
    }
    out[group] = role as PlantRole;
  }
  return out;
}

/** The settings, or undefined when no --oidc-* flag is given; throws a message naming the flag when they are wrong. */
export function oidcSettingsFrom(f: OidcFlags, warn: (line: string) => void, environment: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  // `f` may be the whole serve options object: only the --oidc-* flags count here.
  const given = Object.entries(f).filter(([k, v]) => k.startsWith('oidc') && v !== undefined && !(Array.isArray(v) && v.length === 0));
  if (given.length === 0) return undefined;
  if (f.oidcIssuer === undefined) throw new Error(`--oidc-* options were given without --oidc-issuer: give the identity provider's issuer URL, e.g. --oidc-issuer https://sso.plant.example/realms/plant`);
  if (f.oidcClientId === undefined) throw new Error('--oidc-issuer needs --oidc-client-id: the client id registered for this console at the identity provider');
  const issuer = url('--oidc-issuer', f.oidcIssuer);
  const redirectUrl = f.oidcRedirectUrl !== undefined ? url('--oidc-redirect-url', f.oidcRedirectUrl) : undefined;
  const problem = checkOidcSettings({ issuer, clientId: f.oidcClientId, ...(redirectUrl ? { redirectUrl } : {}) });
  if (problem) throw new Error(problem);
  const clientSecret = readSecretOption({ name: 'oidc-client-secret', file: f.oidcClientSecretFile, env: 'TAKT_OIDC_CLIENT_SECRET' }, warn, environment);
  const claim = (f.oidcClaim ?? 'email').trim();
  if (!/^[A-Za-z0-9_.:/-]+$/.test(claim)) throw new Error(`--oidc-claim ${JSON.stringify(f.oidcClaim)} is not a claim name: e.g. email, preferred_username, upn, sub`);
  const roleGroups = parseRoleGroups(f.oidcRoleGroup ?? []);
  if (Object.keys(roleGroups).length > 0 && !f.oidcRolesClaim) throw new Error('--oidc-role-group needs --oidc-roles-claim: the claim that carries the groups (e.g. groups or roles)');
  const mapping: ClaimMapping = {
    claim,
    ...(f.oidcPeopleFile !== undefined ? { people: readPeopleFile(f.oidcPeopleFile) } : {}),
    ...(f.oidcRolesClaim ? { rolesClaim: f.oidcRolesClaim.trim() } : {}),
    ...(Object.keys(roleGroups).length > 0 ? { roleGroups } : {}),
  };
  const scopes = [...new Set(['openid', 'email', 'profile', ...(f.oidcScope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean)])];
  return {
    issuer,
    clientId: f.oidcClientId.trim(),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    name: f.oidcName?.trim() || issuer.host,
    mapping,
    scopes,
    ...(redirectUrl ? { redirectUrl } : {}),
  };
}
