/**
 * Who is signed in at this console. In a browser: the core's answer to `GET /auth/whoami`; sign-out
 * and lock post to the core and leave the page (the cookie is HttpOnly: only the core can end it).
 * In the desktop window: the core's answer to `session.whoami` on the window's channel, where the
 * window also signs in, out and locks (the core keeps who the window is; the page reloads to start
 * afresh as them). Either way the session is the person: every action the console records names
 * them, and there is no choosing someone else.
 */
import { useSyncExternalStore } from 'react';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { WhoAmI } from '../../../shared/protocol/api';

export type SessionState =
  | { status: 'loading' }
  | { status: 'person'; personId: string; name: string; role: string | null; username: string | null }
  | { status: 'display'; lockedBy: string }
  /** `firstStart`: the desktop window may create the data folder's first administrator. */
  | { status: 'signed-out'; firstStart?: boolean }
  | { status: 'unavailable' };

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();
const set = (s: SessionState) => {
  state = s;
  listeners.forEach((l) => l());
};

const overHttp = () => typeof location !== 'undefined' && (location.protocol === 'http:' || location.protocol === 'https:');
/** The desktop window: it signs in on its channel to the core, not at an HTTP page. */
const inDesktopWindow = () => typeof window !== 'undefined' && window.takt?.shell === 'electron';

/** The desktop window's open protocol client (set by the window's sign-in gate). */
let windowClient: ProtocolClient | null = null;

/** The state for a `session.whoami` answer. */
export function sessionOf(w: WhoAmI): SessionState {
  switch (w.kind) {
    case 'signed-out':
      return { status: 'signed-out', firstStart: w.firstStart };
    case 'person':
      return { status: 'person', personId: w.personId, name: w.name, role: w.role, username: w.username };
    case 'display':
      return { status: 'display', lockedBy: w.lockedBy };
    default:
      return { status: 'unavailable' };
  }
}

/**
 * The desktop window asks its core who it is on this (new) connection. Called by the window's
 * gate each time the connection opens; an answer it cannot get leaves the window 'unavailable'.
 */
export function askWindowSession(client: ProtocolClient): void {
  windowClient = client;
  client.call('session.whoami').then(
    (w) => set(sessionOf(w)),
    () => set({ status: 'unavailable' }),
  );
}

/**
 * Signs in at the desktop window (or, at first start, creates the first administrator). On
 * success the page reloads, so everything it shows is loaded as the new person; a refusal is
 * thrown with the core's words (wrong password, locked for n s, …).
 */
export async function signInWindow(client: ProtocolClient, how: { username: string; password: string; personId?: string }): Promise<void> {
  const w = how.personId
    ? await client.call('session.firstStart', { username: how.username, password: how.password, personId: how.personId })
    : await client.call('session.signIn', { username: how.username, password: how.password });
  set(sessionOf(w));
  location.reload();
}

const changeListeners = new Set<() => void>();
/** Called when the signed-in person changes while the page is open (the connection renews). */
export function onPersonChange(l: () => void): () => void {
  changeListeners.add(l);
  return () => changeListeners.delete(l);
}

let started = false;
/**
 * Asks the core once, and again when the page comes back to the front: a sign-in as someone else
 * in another tab (a hand-over) makes this console that person too. A console that is signed out
 * (expired, ended elsewhere) goes to the sign-in page.
 */
export function loadSession(): void {
  if (started) return;
  started = true;
  // The desktop window's gate asks the core on its channel (askWindowSession).
  if (inDesktopWindow()) return;
  if (!overHttp()) return set({ status: 'unavailable' });
  const again = () => {
    if (document.visibilityState === 'visible') fetchSession();
  };
  window.addEventListener('focus', again);
  document.addEventListener('visibilitychange', again);
  fetchSession();
}

/**
 * Asks the core again now: the socket was closed because its session ended. Signed out, the page
 * goes to sign in; locked or signed in as someone else, the connection renews (onPersonChange).
 */
export function recheckSession(): void {
  if (inDesktopWindow()) {
    if (windowClient) askWindowSession(windowClient);
  } else if (overHttp()) fetchSession();
}

const who = (s: SessionState) => (s.status === 'person' ? `p:${s.personId}` : s.status === 'display' ? 'display' : s.status);

function fetchSession(): void {
  const before = who(state);
  fetch('/auth/whoami', { credentials: 'same-origin', cache: 'no-store' })
    .then(async (r) => {
      if (r.status === 401) {
        set({ status: 'signed-out' });
        location.assign('/signin');
        return;
      }
      if (!r.ok) return set({ status: 'unavailable' });
      const w = (await r.json()) as { kind: string; personId?: string; name?: string; role?: string | null; username?: string | null; lockedBy?: string };
      if (w.kind === 'person' && w.personId) set({ status: 'person', personId: w.personId, name: w.name ?? w.personId, role: w.role ?? null, username: w.username ?? null });
      else if (w.kind === 'display') set({ status: 'display', lockedBy: w.lockedBy ?? '' });
      else set({ status: 'unavailable' });
      if (before !== 'loading' && who(state) !== before) changeListeners.forEach((l) => l());
    })
    .catch(() => set({ status: 'unavailable' }));
}

export function useSession(): SessionState {
  loadSession();
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The signed-in person's id, or '' (a locked display, or not known yet). */
export function sessionPersonId(s: SessionState): string {
  return s.status === 'person' ? s.personId : '';
}

async function post(path: string): Promise<void> {
  await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
}

/** Ends the session and goes to the sign-in page (shift hand-over is sign-out, then sign-in). */
export async function signOut(): Promise<void> {
  if (inDesktopWindow()) {
    await windowClient?.call('session.signOut').catch(() => undefined);
    location.reload();
    return;
  }
  await post('/auth/signout').catch(() => undefined);
  location.assign('/signin');
}

/** Locks this display: it keeps showing the floor, read-only, until someone signs in. */
export async function lockDisplay(): Promise<void> {
  if (inDesktopWindow()) await windowClient?.call('session.lock').catch(() => undefined);
  else await post('/auth/lock').catch(() => undefined);
  location.assign('/#/floor');
  location.reload();
}

/**
 * From a locked display, back to signing in: the browser goes to its sign-in page; the desktop
 * window ends the display's session and shows its sign-in form.
 */
export async function signInAgain(): Promise<void> {
  if (inDesktopWindow()) return signOut();
  location.assign('/signin');
}
