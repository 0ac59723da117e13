/**
 * API tokens for machines (`<data>/auth/tokens.json`): `takt_<id>_<secret>`, shown once when
 * created; only the SHA-256 of the secret is stored (a token is 256 random bits, so a fast hash is
 * enough: there is nothing to guess). Each has a name and scopes; revoking keeps the record (the
 * audit log names it) and refuses it from then on. The file is re-read when it changed, so a
 * `takt tokens revoke` takes effect on a running core at its next request.
 */
import { join } from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { authDir, readPrivateJson, stampOf, writePrivateJson } from './private-file';
import { TOKEN_SCOPES, type TokenScope } from '../../../shared/auth/caller';

const tokenSchema = z.object({
  id: z.string().regex(/^[a-f0-9]{12}$/),
  name: z.string().min(1).max(80),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  /** The plant person an `actions` token reports for: what it records names them. */
  person: z.string().min(1).max(64).optional(),
  secretHash: z.string().regex(/^[a-f0-9]{64}$/),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
const fileSchema = z.object({ format: z.literal(1), tokens: z.array(tokenSchema) });

export type TokenRecord = z.infer<typeof tokenSchema>;
export type TokenInfo = Omit<TokenRecord, 'secretHash'>;

const TOKEN = /^takt_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const info = ({ secretHash: _s, ...rest }: TokenRecord): TokenInfo => rest;

/** Scopes from a comma-separated list; throws naming the unknown one. */
export function parseScopes(text: string): TokenScope[] {
  const list = text.split(/[\s,]+/).filter(Boolean);
  const bad = list.find((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (bad !== undefined) throw new Error(`unknown scope '${bad}': the scopes are ${TOKEN_SCOPES.join(', ')}`);
  if (!list.length) throw new Error(`name at least one scope (${TOKEN_SCOPES.join(', ')})`);
  return [...new Set(list)] as TokenScope[];
}

export interface TokenStore {
  list(): TokenInfo[];
  /** A new token: its text is returned once and never stored. */
  create(name: string, scopes: readonly TokenScope[], person?: string): { token: string; info: TokenInfo };
  revoke(idOrName: string): TokenInfo;
  /** The token's record when the text is a live token; null otherwise. */
  verify(text: string): TokenInfo | null;
}

export function openTokenStore(dataDir: string, o: { now?: () => number } = {}): TokenStore {
  const file = join(authDir(dataDir), 'tokens.json');
  const now = o.now ?? Date.now;
  let cache: { stamp: string | null; tokens: TokenRecord[] } = { stamp: '', tokens: [] };
  const load = (): TokenRecord[] => {
    const stamp = stampOf(file);
    if (stamp === cache.stamp) return cache.tokens;
    const read = readPrivateJson(file);
    if (!read) return (cache = { stamp: null, tokens: [] }).tokens;
    const parsed = fileSchema.safeParse(read.value);
    if (!parsed.success) throw new Error(`${file} is not a tokens file (${parsed.error.issues[0]?.message ?? 'bad shape'}): restore it from a backup, or move it aside and create the tokens again`);
    return (cache = { stamp: read.stamp, tokens: parsed.data.tokens }).tokens;
  };
  const save = (tokens: TokenRecord[]) => {
    writePrivateJson(file, { format: 1, tokens });
    cache = { stamp: stampOf(file), tokens };
  };
  return {
    list: () => load().map(info),
    create(name, scopes, person) {
      const n = name.trim();
      if (!n || n.length > 80) throw new Error('a token needs a name of 1 to 80 characters (what uses it, e.g. "mes-webhook")');
      if (!scopes.length) throw new Error(`name at least one scope (${TOKEN_SCOPES.join(', ')})`);
      const who = person?.trim();
      // Every recorded person is an authenticated one: an integration that acknowledges and
      // completes actions does so for one plant person, named when its token is made.
      if (scopes.includes('actions') && !who) throw new Error("a token with the 'actions' scope acts for one plant person: add --person <id> (the person whose actions the integration reports, e.g. the warehouse's scanner account)");
      if (who !== undefined && (!who || who.length > 64)) throw new Error('--person needs a plant person id of 1 to 64 characters');
      const all = load();
      let id: string;
      do id = randomBytes(6).toString('hex');
      while (all.some((t) => t.id === id));
      const secret = randomBytes(32).toString('base64url');
      const rec: TokenRecord = { id, name: n, scopes: [...new Set(scopes)], ...(who ? { person: who } : {}), secretHash: sha256(secret), createdAt: new Date(now()).toISOString() };
      save([...all, rec]);
      return { token: `takt_${id}_${secret}`, info: info(rec) };
    },
    revoke(idOrName) {
      const all = load();
      const hits = all.filter((t) => t.id === idOrName || t.name === idOrName);
      if (hits.length === 0) throw new Error(`there is no token '${idOrName}' (see takt tokens list)`);
      if (hits.length > 1) throw new Error(`${hits.length} tokens are named '${idOrName}': revoke one by its id (${hits.map((t) => t.id).join(', ')})`);
      const hit = hits[0]!;
      if (hit.revokedAt) return info(hit);
      const next = { ...hit, revokedAt: new Date(now()).toISOString() };
      save(all.map((t) => (t.id === hit.id ? next : t)));
      return info(next);
    },
    verify(text) {
      const m = TOKEN.exec(text);
      if (!m) return null;
      const rec = load().find((t) => t.id === m[1]);
      if (!rec || rec.revokedAt) return null;
      const a = Buffer.from(sha256(m[2]!), 'hex');
      const b = Buffer.from(rec.secretHash, 'hex');
      return a.length === b.length && timingSafeEqual(a, b) ? info(rec) : null;
    },
  };
}
