/**
 * Who is signed in at this console: the core's answer to `GET /auth/whoami` (browser mode). The
 * session is the person: every action the console records names them, and there is no choosing
 * someone else. Sign-out and lock post to the core and leave the page (the cookie is HttpOnly:
 * only the core can end it).
 *
 * The desktop window (Electron) has no HTTP origin to ask; there the state is 'unavailable' and
 * the console keeps its own choice of person (see decide/people.ts).
 */
import { useSyncExternalStore } from 'react';

export type SessionState =
  | { status: 'loading' }
  | { status: 'person'; personId: string; name: string; role: string | null; username: string | null }
  | { status: 'display'; lockedBy: string }
  | { status: 'signed-out' }
  | { status: 'unavailable' };

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();
const set = (s: SessionState) => {
  state = s;
  listeners.forEach((l) => l());
};

const overHttp = () => typeof location !== 'undefined' && (location.protocol === 'http:' || location.protocol === 'https:');

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
  if (overHttp()) fetchSession();
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
  await post('/auth/signout').catch(() => undefined);
  location.assign('/signin');
}

/** Locks this display: it keeps showing the floor, read-only, until someone signs in. */
export async function lockDisplay(): Promise<void> {
  await post('/auth/lock').catch(() => undefined);
  location.assign('/#/floor');
  location.reload();
}
