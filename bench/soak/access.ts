/**
 * How the soak signs in to a core in browser mode (which lets nobody in anonymously): before the
 * first start it makes, on the data folder, an account for the plant's controller and an API token
 * with every scope, through the CLI a plant would use (`takt users add`, `takt tokens create`); once
 * the core runs it signs in the account for a session cookie (the consoles, the protocol client that
 * acknowledges and decides as that person). Sessions live in the data folder, so they survive restarts.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Access {
  personId: string;
  /** Headers for the REST calls (webhook, exceptions, health): the API token. */
  headers: Record<string, string>;
  token: string;
  /** The session cookie's value, after signIn. */
  session?: string;
  signIn(url: string): Promise<string>;
}

export function prepareAccess(repoRoot: string, dataDir: string, workDir: string, personId: string): Access {
  const takt = (args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/takt.mjs', ...args, '--data', dataDir], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`soak: takt ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  };
  const password = `soak-${process.pid}-${Date.now()}-password`;
  const pwFile = join(workDir, 'soak-password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  takt(['users', 'add', 'soak', '--person', personId, '--admin', '--password-file', pwFile]);
  const token = takt(['tokens', 'create', 'soak', '--scopes', 'ingest,read,actions', '--person', personId]).split('\n').pop()!.trim();
  const access: Access = {
    personId,
    token,
    headers: { authorization: `Bearer ${token}` },
    async signIn(url) {
      const r = await fetch(`${url}auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url.replace(/\/$/, '') }, body: JSON.stringify({ username: 'soak', password }), redirect: 'manual' });
      const m = /takt_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
      if (!r.ok || !m) throw new Error(`soak: signing in at ${url}auth/signin answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
      access.session = m[1]!;
      return m[1]!;
    },
  };
  return access;
}
