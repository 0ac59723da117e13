/**
 * Connector secrets out of what leaves the core: a console, an API client and the plant cache on
 * disk get the plant with every secret under `connectors` replaced by REDACTED. A secret is a string
 * under a key that names one (token, password, secret, API key, credential, private key,
 * authorization, cookie: `writeBack.token` included), every value of a `headers` map, and the
 * credentials of a URL (`mqtt://user:pass@host`, `?api_key=…`: see `redactUrl`). The connectors themselves keep the real
 * values: only copies are redacted. `restoreSecrets` puts them back (the plant cache stores them
 * apart, encrypted).
 */

export const REDACTED = '[redacted]';

const SECRET_KEY = /token|passw(or)?d|secret|api[-_]?key|credential|private[-_]?key|authori[sz]ation|cookie/i;
/** scheme://, then the userinfo up to the first @ before any path, query or fragment. */
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i;
const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
/** URLs inside free text (error messages, origins); punctuation that ends a sentence is not part of them. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]*[^\s'"<>`:;,.)]/gi;

/**
 * `url` with its credentials out: the password of the userinfo (a userinfo without a password is a
 * token itself, so all of it), and every query value (`?api_key=…&site=…`: which parameter carries a
 * key is the remote system's choice, so none is shown). Path and host stay, to say where.
 */
export function redactUrl(url: string): string {
  let out = url.replace(URL_USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon >= 0 ? `${info.slice(0, colon)}:${REDACTED}` : REDACTED}@`;
  });
  const q = out.indexOf('?');
  if (q >= 0) {
    const hash = out.indexOf('#', q);
    const query = out.slice(q + 1, hash < 0 ? undefined : hash);
    const redacted = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
      })
      .join('&');
    out = `${out.slice(0, q + 1)}${redacted}${hash < 0 ? '' : out.slice(hash)}`;
  }
  return out;
}

/** `text` with every URL in it passed through `redactUrl` (messages that quote a connector's URL). */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (u) => redactUrl(u));
}

export type SecretPath = (string | number)[];
export interface SecretValue {
  path: SecretPath;
  value: string;
}

/** `headerMap`: `node` is a `headers` map, whose every value is a secret (X-Api-Key, X-Auth, whatever a system names it). */
function walk(node: unknown, path: SecretPath, found: SecretValue[], depth: number, headerMap = false): unknown {
  if (depth > 64 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i], found, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (typeof v === 'string' && (SECRET_KEY.test(k) || headerMap)) {
      found.push({ path: [...path, k], value: v });
      out[k] = REDACTED;
    } else if (typeof v === 'string' && URL_START.test(v) && redactUrl(v) !== v) {
      found.push({ path: [...path, k], value: v });
      out[k] = redactUrl(v);
    } else out[k] = walk(v, [...path, k], found, depth + 1, k === 'headers');
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
