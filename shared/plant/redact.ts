/**
 * Connector secrets out of what leaves the core: a console, an API client and the plant cache on
 * disk get the plant with every secret under `connectors` replaced by REDACTED. A secret is a string
 * under a key that names one (token, password, secret, API key, credential, private key,
 * authorization, cookie: `writeBack.token` and `headers.Authorization` included) and the password
 * of a URL with credentials (`mqtt://user:pass@host`). The connectors themselves keep the real
 * values: only copies are redacted. `restoreSecrets` puts them back (the plant cache stores them
 * apart, encrypted).
 */

export const REDACTED = '[redacted]';

const SECRET_KEY = /token|passw(or)?d|secret|api[-_]?key|credential|private[-_]?key|authori[sz]ation|cookie/i;
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):([^/?#@]*)@/i;

export type SecretPath = (string | number)[];
export interface SecretValue {
  path: SecretPath;
  value: string;
}

function walk(node: unknown, path: SecretPath, found: SecretValue[], depth: number): unknown {
  if (depth > 64 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i], found, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (typeof v === 'string' && SECRET_KEY.test(k)) {
      found.push({ path: [...path, k], value: v });
      out[k] = REDACTED;
    } else if (typeof v === 'string' && URL_CREDENTIALS.test(v)) {
      found.push({ path: [...path, k], value: v });
      out[k] = v.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
    } else out[k] = walk(v, [...path, k], found, depth + 1);
  }
  return out;
}

/** A copy of `plant` with its connectors' secrets replaced, and the secrets taken out (where and what). */
export function redactSecrets<P extends { connectors?: readonly unknown[] }>(plant: P): { plant: P; secrets: SecretValue[] } {
  if (!plant.connectors || plant.connectors.length === 0) return { plant, secrets: [] };
  const secrets: SecretValue[] = [];
  const connectors = walk(plant.connectors, ['connectors'], secrets, 0) as P['connectors'];
  return { plant: secrets.length === 0 ? plant : { ...plant, connectors }, secrets };
}

/** `plant` with `secrets` put back where `redactSecrets` took them (mutates and returns it). */
export function restoreSecrets<P>(plant: P, secrets: readonly SecretValue[]): P {
  for (const { path, value } of secrets) {
    let node = plant as unknown as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]!] = value;
  }
  return plant;
}
