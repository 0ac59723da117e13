import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, verifyPassword, passwordProblem } from '../../../main/core/auth/password';
import { afterFailure, afterSuccess, lockoutVerdict, NOT_LOCKED } from '../../../shared/auth/lockout';
import { openAccountStore } from '../../../main/core/auth/account-store';
import { openSessionStore } from '../../../main/core/auth/session-store';
import { openTokenStore, parseScopes } from '../../../main/core/auth/token-store';
import { authenticate } from '../../../main/core/auth/authenticate';
import { readCookie } from '../../../main/core/auth/cookies';
import { usersAdd, usersDisable, usersList, usersReset, tokensCreate, tokensList, tokensRevoke } from '../../../main/cli/users';

const CHEAP = { N: 1024, r: 8, p: 1, keyLen: 32 };
const dir = () => mkdtempSync(join(tmpdir(), 'takt-auth-'));

describe('password hashing', () => {
  it('stores scrypt with its parameters and a per-user salt; verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery', CHEAP);
    const b = await hashPassword('correct horse battery', CHEAP);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'not a hash')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$99999999$8$1$AAAA$BBBB')).toBe(false);
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('long enough!')).toBeNull();
  });
});

describe('lockout policy', () => {
  const p = { freeAttempts: 3, baseLockMs: 1000, maxLockMs: 5000 };
  it('allows free attempts, then locks with doubling back-off up to the ceiling; success clears', () => {
    let s = NOT_LOCKED;
    for (let i = 0; i < 2; i++) s = afterFailure(s, 0, p);
    expect(lockoutVerdict(s, 0)).toEqual({ ok: true });
    s = afterFailure(s, 0, p);
    expect(lockoutVerdict(s, 0)).toEqual({ ok: false, retryAt: 1000 });
    expect(lockoutVerdict(s, 1000)).toEqual({ ok: true });
    s = afterFailure(s, 1000, p);
    expect(s.lockedUntil).toBe(3000);
    s = afterFailure(s, 3000, p);
    expect(s.lockedUntil).toBe(7000);
    for (let i = 0; i < 40; i++) s = afterFailure(s, 10_000, p);
    expect(s.lockedUntil).toBe(15_000);
    expect(afterSuccess()).toEqual(NOT_LOCKED);
  });
});

describe('account store', () => {
  it('signs in, records failures, locks, and refuses a disabled account only with the right password', async () => {
    const d = dir();
    let t = 0;
    const store = openAccountStore(d, { now: () => t, scrypt: CHEAP, lockout: { freeAttempts: 2, baseLockMs: 10_000, maxLockMs: 60_000 } });
    await store.add({ username: 'Lukas', personId: 'A-001', password: 'lukas long password' });
    expect((statSync(join(d, 'auth')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(d, 'auth', 'accounts.json')).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(join(d, 'auth', 'accounts.json'), 'utf8')).not.toContain('lukas long password');
    await expect(store.add({ username: 'lukas', personId: 'A-002', password: 'whatever long' })).rejects.toThrow(/exists already/);
    expect(await store.signIn('LUKAS', 'lukas long password')).toMatchObject({ ok: true, account: { username: 'lukas', personId: 'A-001' } });
    expect(await store.signIn('nobody', 'x')).toMatchObject({ ok: false, reason: 'unknown' });
    expect(await store.signIn('lukas', 'wrong 1')).toMatchObject({ ok: false, reason: 'wrong-password' });
    expect(await store.signIn('lukas', 'wrong 2')).toMatchObject({ ok: false, reason: 'wrong-password', lockedNow: true, retryAt: 10_000 });
    expect(await store.signIn('lukas', 'lukas long password')).toMatchObject({ ok: false, reason: 'locked', retryAt: 10_000 });
    t = 10_000;
    expect(await store.signIn('lukas', 'lukas long password')).toMatchObject({ ok: true });
    store.setDisabled('lukas', true);
    expect(await store.signIn('lukas', 'lukas long password')).toMatchObject({ ok: false, reason: 'disabled' });
    expect(await store.signIn('lukas', 'wrong again')).toMatchObject({ ok: false, reason: 'wrong-password' });
    // Another process (the CLI) changes the file: this store sees it.
    await openAccountStore(d, { scrypt: CHEAP }).reset('lukas', 'a brand new password');
    expect(await store.signIn('lukas', 'a brand new password')).toMatchObject({ ok: true });
  });
});

describe('session store', () => {
  it('expires sessions when idle and absolutely, survives a reopen (restart), and stores only hashes', () => {
    const d = dir();
    let t = 0;
    const policy = { idleMs: 100, absoluteMs: 250, displayMs: 1000 };
    const s = openSessionStore(d, { now: () => t, policy, touchEveryMs: 0 });
    const { cookie } = s.create({ personId: 'A-001', via: 'password' });
    expect(readFileSync(join(d, 'auth', 'sessions.json'), 'utf8')).not.toContain(cookie);
    t = 90;
    expect(s.find(cookie)?.personId).toBe('A-001');
    // A restart: a new store on the same folder knows the session.
    const again = openSessionStore(d, { now: () => t, policy });
    t = 180;
    expect(again.find(cookie)?.personId).toBe('A-001'); // idle 90 ms since the last use
    t = 260;
    expect(again.find(cookie)).toBeNull(); // past the absolute limit
    const idle = again.create({ personId: 'A-002', via: 'password' }).cookie;
    t = 361;
    expect(again.find(idle)).toBeNull(); // unused for more than idleMs
    const display = again.create({ kind: 'display', personId: 'A-002', via: 'password' }).cookie;
    t = 1000;
    expect(again.find(display)?.kind).toBe('display');
    const live = again.create({ personId: 'A-003', via: 'password' }).cookie;
    expect(again.end(live)).toBe(true);
    expect(again.find(live)).toBeNull();
    expect(again.find('garbage')).toBeNull();
  });

  it('authenticates a session cookie or a bearer token, and nothing else', () => {
    const d = dir();
    const sessions = openSessionStore(d);
    const tokens = openTokenStore(d);
    const { cookie } = sessions.create({ personId: 'A-001', via: 'password' });
    expect(authenticate({ cookie: `other=1; takt_session=${cookie}` }, { sessions, tokens })).toMatchObject({ ok: true, caller: { kind: 'person', personId: 'A-001', via: 'password' } });
    const { token } = tokens.create('mes', ['ingest']);
    expect(authenticate({ authorization: `Bearer ${token}` }, { sessions, tokens })).toMatchObject({ ok: true, caller: { kind: 'token', name: 'mes', scopes: ['ingest'] } });
    // An actions token is made for one plant person, and authenticates as a token acting for them.
    expect(() => tokens.create('scanner', ['actions'])).toThrow(/'actions' scope acts for one plant person: add --person <id>/);
    const scanner = tokens.create('scanner', ['actions'], 'A-007');
    expect(scanner.info.person).toBe('A-007');
    expect(authenticate({ authorization: `Bearer ${scanner.token}` }, { sessions, tokens })).toMatchObject({ ok: true, caller: { kind: 'token', name: 'scanner', scopes: ['actions'], personId: 'A-007' } });
    expect(authenticate({}, { sessions, tokens })).toMatchObject({ ok: false, refused: false });
    expect(authenticate({ cookie: 'takt_session=nope' }, { sessions, tokens })).toMatchObject({ ok: false, refused: true });
    expect(authenticate({ authorization: `Bearer ${token.slice(0, -1)}x` }, { sessions, tokens })).toMatchObject({ ok: false, refused: true });
    expect(readCookie('a=1; takt_session="v"', 'takt_session')).toBe('v');
  });
});

describe('takt users and takt tokens', () => {
  const io = (password?: string) => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), ...(password ? { password: async () => password } : {}) } };
  };

  it('add, list, disable (ending sessions), reset', async () => {
    const d = dir();
    const a = io('lukas long password');
    expect(await usersAdd({ data: d, username: 'lukas', person: 'A-001', admin: true }, a.io)).toBe(0);
    expect(a.out[0]).toMatch(/added lukas \(person A-001, administrator\)/);
    const short = io('short');
    expect(await usersAdd({ data: d, username: 'x', person: 'A-002' }, short.io)).toBe(1);
    expect(short.err[0]).toMatch(/at least 10 characters/);
    const l = io();
    expect(await usersList({ data: d, json: true }, l.io)).toBe(0);
    expect(JSON.parse(l.out[0]!)).toEqual([expect.objectContaining({ username: 'lukas', personId: 'A-001', admin: true, disabled: false })]);
    expect(l.out[0]).not.toContain('scrypt');
    const cookie = openSessionStore(d).create({ personId: 'A-001', via: 'password' }).cookie;
    const dis = io();
    expect(await usersDisable({ data: d, username: 'lukas' }, dis.io)).toBe(0);
    expect(dis.out[0]).toMatch(/disabled; 1 session ended/);
    expect(openSessionStore(d).find(cookie)).toBeNull();
    const r = io('another long password');
    expect(await usersReset({ data: d, username: 'lukas' }, r.io)).toBe(0);
    expect(await openAccountStore(d, { scrypt: CHEAP }).signIn('lukas', 'another long password')).toMatchObject({ ok: true });
    const missing = io('whatever long enough');
    expect(await usersReset({ data: d, username: 'ghost' }, missing.io)).toBe(1);
    expect(missing.err[0]).toMatch(/no account 'ghost'/);
  });

  it('create (shown once), list (no secrets), revoke', async () => {
    const d = dir();
    const c = io();
    expect(await tokensCreate({ data: d, name: 'mes', scopes: 'ingest,read' }, c.io)).toBe(0);
    const token = c.out[0]!;
    expect(token).toMatch(/^takt_[a-f0-9]{12}_[\w-]{43}$/);
    // The secret is everything after `takt_<id>_` (base64url: it may itself hold '_').
    const secret = token.slice('takt_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(readFileSync(join(d, 'auth', 'tokens.json'), 'utf8')).not.toContain(secret);
    const l = io();
    await tokensList({ data: d, json: true }, l.io);
    expect(JSON.parse(l.out[0]!)).toEqual([expect.objectContaining({ name: 'mes', scopes: ['ingest', 'read'] })]);
    expect(openTokenStore(d).verify(token)?.name).toBe('mes');
    expect(await tokensRevoke({ data: d, token: 'mes' }, io().io)).toBe(0);
    expect(openTokenStore(d).verify(token)).toBeNull();
    const bad = io();
    expect(await tokensCreate({ data: d, name: 'x', scopes: 'ingest,admin' }, bad.io)).toBe(1);
    expect(bad.err[0]).toMatch(/unknown scope 'admin'/);
    expect(() => parseScopes('')).toThrow(/at least one scope/);
  });
});
