/**
 * The desktop window signs in on its channel. A real core and the data folder's real accounts and
 * sessions, reached as the Electron main process reaches them: a MessageChannelMain (the fake
 * electron module's, its two ports linked here) whose first port goes to the utility entry
 * (`serveParentPort`) with the window's id, the second to a protocol client as the page's. A window
 * starts signed out and may draw its sign-in form only; a real account signs in (wrong passwords
 * count toward its lockout, on the audit log); a commit then names that person whatever `by` says;
 * a reload keeps the sign-in; sign-out returns the window to refused.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageChannelMain } from 'electron';
import { startCore, type TaktCore } from '../../../main/core/core';
import { createAuthService, type AuthService } from '../../../main/core/auth/auth-service';
import { coreAuditSink } from '../../../main/core/auth/core-audit-sink';
import { sessionMethods } from '../../../main/core/auth/session-methods';
import { WindowSignIn } from '../../../main/core/auth/window-signin';
import { messagePortTransport, serveParentPort, windowSignIns, type MessagePortMainLike } from '../../../main/core/hosts/utility-entry';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';
import { until } from '../../helpers/until';

vi.mock('electron', () => import('./fake-electron'));

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'takt-window-signin-'));
const CHEAP = { N: 1024, r: 8, p: 1, keyLen: 32 };
const PLANNER_PASSWORD = 'planner a password';
let core: TaktCore;
let auth: AuthService;
let system: ProtocolClient;
const parent = Object.assign(new EventEmitter(), { postMessage: vi.fn() });

/** Links the fake channel's ports as Electron's are linked: what one posts, the other receives. */
function linkedChannel(): { port1: MessagePortMainLike; port2: MessagePortMainLike } {
  const ch = new MessageChannelMain() as unknown as { port1: EventEmitter & MessagePortMainLike; port2: EventEmitter & MessagePortMainLike };
  const link = (from: EventEmitter & MessagePortMainLike, to: EventEmitter & MessagePortMainLike) => {
    from.postMessage = (data: unknown) => void queueMicrotask(() => to.emit('message', { data }));
    from.close = () => void queueMicrotask(() => (from.emit('close'), to.emit('close')));
  };
  link(ch.port1, ch.port2);
  link(ch.port2, ch.port1);
  return ch;
}

/** A page load of window `client`: the main process posts `takt:connect` with its port. */
function openWindow(client: number): ProtocolClient {
  const { port1, port2 } = linkedChannel();
  parent.emit('message', { data: { type: 'takt:connect', client }, ports: [port1] });
  return new ProtocolClient(messagePortTransport(port2));
}

const err = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: RemoteError) => e,
  );

beforeAll(async () => {
  core = await startCore({
    dataDir: dir,
    plantFile: join(root, 'test/fixtures/commit/commit-plant.yaml'),
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
    authService: () => auth,
  });
  auth = createAuthService(dir, { accounts: { scrypt: CHEAP, lockout: { freeAttempts: 2, baseLockMs: 60_000, maxLockMs: 600_000 } } });
  auth.setAuditSink(coreAuditSink(core));
  await auth.accounts.add({ username: 'planner-a', personId: 'a-planner', password: PLANNER_PASSWORD });
  await auth.accounts.add({ username: 'operator-a', personId: 'a-operator', password: 'operator a password' });
  serveParentPort(parent, Promise.resolve(core), () => undefined, windowSignIns(() => auth.sessions));
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  system = new ProtocolClient(b);
}, 60_000);
afterAll(async () => {
  auth?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the desktop window signs in on its channel', () => {
  let exceptionId = '';
  const page = () => openWindow(1);
  let win: ProtocolClient;

  it('starts signed out: it may read the plant for its sign-in form, and is refused a mutating call, named', async () => {
    win = page();
    expect(await win.call('session.whoami')).toEqual({ kind: 'signed-out', firstStart: false });
    expect((await win.call('plant.get')).site.id).toBe('test-site');
    const t = Math.round(core.twin.time);
    await system.call('signals.ingest', { signals: [{ id: 'win-1', source: 'window', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    exceptionId = (await until('line-down', async () => (await system.call('exceptions.list')).items.find((e) => e.type === 'line-down'))).id;
    const e = await err(win.call('exceptions.acknowledge', { id: exceptionId, by: 'a-manager' }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe("'exceptions.acknowledge' refused: this window is signed out, so may not exceptions.acknowledge: sign in first");
    // Reading the floor needs a person too: a signed-out window shows only its sign-in form.
    expect((await err(win.call('exceptions.list'))).code).toBe('forbidden');
    const denied = (await system.call('audit.list', { subjectId: exceptionId })).items.filter((x) => x.kind === 'permission.denied');
    expect(denied).toEqual([expect.objectContaining({ actor: 'signed-out window', payload: expect.objectContaining({ method: 'exceptions.acknowledge', caller: 'signed-out window' }) })]);
  });

  it('counts a wrong password toward the account lockout, on the audit log, and stays signed out', async () => {
    const wrong = await err(win.call('session.signIn', { username: 'operator-a', password: 'not the password' }));
    expect(wrong).toMatchObject({ code: 'unauthorized', message: 'wrong user name or password' });
    expect(auth.accounts.list().find((a) => a.username === 'operator-a')?.lockout.failures).toBe(1);
    // The second wrong password locks the account (this test's policy: two free attempts).
    await err(win.call('session.signIn', { username: 'operator-a', password: 'still not it' }));
    expect(await err(win.call('session.signIn', { username: 'operator-a', password: 'and again no' }))).toMatchObject({ message: expect.stringMatching(/is locked for/) });
    // Locked now: even the right password is refused until the lock ends.
    const locked = await err(win.call('session.signIn', { username: 'operator-a', password: 'operator a password' }));
    expect(locked).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/^too many wrong passwords: the account 'operator-a' is locked for \d+ s/) });
    expect(await win.call('session.whoami')).toMatchObject({ kind: 'signed-out' });
    const kinds = await until('auth audit', async () => {
      const items = (await system.call('audit.list', { subjectId: 'operator-a' })).items;
      return items.length >= 5 ? items.map((x) => [x.kind, x.payload.reason ?? null, x.payload.channel]) : null;
    });
    expect(kinds).toEqual([
      ['auth.signin-failed', 'wrong-password', 'desktop window'],
      ['auth.signin-failed', 'wrong-password', 'desktop window'],
      ['auth.locked-out', null, 'desktop window'],
      ['auth.signin-failed', 'locked', 'desktop window'],
      ['auth.signin-failed', 'locked', 'desktop window'],
    ]);
  });

  it('signs a real account in; a commit then names that person, whatever by says; a reload keeps the sign-in', async () => {
    const who = await win.call('session.signIn', { username: 'Planner-A', password: PLANNER_PASSWORD });
    expect(who).toEqual({ kind: 'person', personId: 'a-planner', name: 'Planner A', role: 'planner', username: 'planner-a', via: 'password' });
    const { options } = await win.call('decide.options', { exceptionId });
    const option = options.find((o) => o.feasible)!;
    const c = await win.call('decisions.commit', { exceptionId, optionId: option.id, by: 'b-planner' });
    expect(c.decision.committedBy).toBe('a-planner');
    // The page reloads: a new port for the same window, still that person.
    win = page();
    expect(await win.call('session.whoami')).toMatchObject({ kind: 'person', personId: 'a-planner' });
    // Another window is not signed in by it.
    expect(await openWindow(2).call('session.whoami')).toMatchObject({ kind: 'signed-out' });
  });

  it('sign-out ends the session and the window is refused again; its subscriptions end', async () => {
    const items: unknown[] = [];
    const ended = new Promise<RemoteError>((resolve) => win.subscribe('core.status', (s) => items.push(s), undefined, resolve));
    expect(await win.call('session.signOut')).toEqual({ kind: 'signed-out', firstStart: false });
    expect((await ended).code).toBe('unauthorized');
    const e = await err(win.call('exceptions.comment', { id: exceptionId, text: 'after sign-out' }));
    expect(e).toMatchObject({ code: 'forbidden', message: expect.stringContaining("'exceptions.comment' refused: this window is signed out") });
    expect((await err(win.call('decisions.list', { exceptionId }))).code).toBe('forbidden');
    expect(auth.sessions.endFor('a-planner')).toBe(0); // the window's session is gone from the store
    const signedOut = await until('sign-out audit', async () => (await system.call('audit.list', { order: 'desc', limit: 20 })).items.find((x) => x.kind === 'auth.signed-out' && x.actor === 'a-planner'));
    expect(signedOut.payload).toMatchObject({ channel: 'desktop window' });
  });

  it('a browser connection is told to sign in at /signin', async () => {
    const [a, b] = memoryTransportPair();
    core.connect(a, { kind: 'token', tokenId: 't1', name: 'mes', scopes: ['read'] });
    const e = await err(new ProtocolClient(b).call('session.signIn', { username: 'planner-a', password: PLANNER_PASSWORD }));
    expect(e).toMatchObject({ code: 'forbidden', message: expect.stringContaining('sign in at /signin') });
  });
});

describe('first start in the desktop window', () => {
  it('creates the first administrator on the trusted channel, signed in at once; then never again', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'takt-window-first-'));
    const a = createAuthService(fresh, { accounts: { scrypt: CHEAP } });
    try {
      const people = [{ id: 'a-manager', name: 'Manager A', role: 'manager' }];
      const methods = sessionMethods({ auth: () => a, people: () => people });
      const w = new WindowSignIn(() => a.sessions);
      const ctx = { signal: new AbortController().signal, caller: w.caller(), identity: w, progress: () => undefined };
      expect(await methods['session.whoami'](undefined, ctx)).toEqual({ kind: 'signed-out', firstStart: true });
      // Bad input is refused, saying what is wrong; nothing is created.
      await expect(methods['session.firstStart']({ username: 'boss', personId: 'nobody', password: 'a long enough password' }, ctx)).rejects.toMatchObject({ code: 'bad_params', path: 'params.personId' });
      await expect(methods['session.firstStart']({ username: 'boss', personId: 'a-manager', password: 'short' }, ctx)).rejects.toMatchObject({ code: 'bad_params' });
      expect(a.accounts.any()).toBe(false);
      const who = await methods['session.firstStart']({ username: 'Boss', personId: 'a-manager', password: 'a long enough password' }, ctx);
      expect(who).toMatchObject({ kind: 'person', personId: 'a-manager', username: 'boss', via: 'first-start' });
      expect(a.accounts.list()).toEqual([expect.objectContaining({ username: 'boss', personId: 'a-manager', admin: true })]);
      expect(w.caller()).toMatchObject({ kind: 'person', personId: 'a-manager', via: 'first-start' });
      // Another window cannot make a second "first" administrator.
      const other = new WindowSignIn(() => a.sessions);
      const ctx2 = { ...ctx, caller: other.caller(), identity: other };
      expect(await methods['session.whoami'](undefined, ctx2)).toEqual({ kind: 'signed-out', firstStart: false });
      await expect(methods['session.firstStart']({ username: 'eve', personId: 'a-manager', password: 'a long enough password' }, ctx2)).rejects.toMatchObject({ code: 'conflict' });
      // Lock: the window keeps reading (a locked display), and may do nothing else.
      expect(await methods['session.lock'](undefined, ctx)).toEqual({ kind: 'display', lockedBy: 'a-manager' });
      expect(w.caller()).toMatchObject({ kind: 'token', scopes: ['read'] });
    } finally {
      a.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
