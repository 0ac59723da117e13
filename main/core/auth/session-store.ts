/**
 * Sign-in sessions (`<data>/auth/sessions.json`). The cookie carries 256 random bits; only their
 * SHA-256 is stored, so the file does not sign anyone in, and it survives a core restart (a wall
 * display stays signed in across an update). A session ends on sign-out, after `idleMs` without use,
 * or `absoluteMs` after sign-in, whichever comes first.
 *
 * Two kinds: a person's session, and a locked display's (a wall screen locked by its person: it
 * keeps reading the floor and may do nothing else until someone signs in).
 *
 * The core keeps them in memory and re-reads the file when another process changed it (`takt users
 * disable` ends that person's sessions; a test harness signs people in). Use is written back at
 * most every `touchEveryMs`, not on every request.
 */
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authDir, readPrivateJson, stampOf, writePrivateJson } from './private-file';
import type { SignInMethod } from '../../../shared/auth/caller';

const sessionSchema = z.object({
  hash: z.string().regex(/^[a-f0-9]{64}$/),
  kind: z.enum(['person', 'display']),
  personId: z.string(),
  username: z.string().optional(),
  via: z.enum(['password', 'oidc', 'first-start']),
  /** The plant roles the identity provider granted at sign-in (OIDC with a roles claim); absent otherwise. */
  roles: z.array(z.string().max(32)).max(16).optional(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
});
const fileSchema = z.object({ format: z.literal(1), sessions: z.array(sessionSchema) });

export type Session = z.infer<typeof sessionSchema>;

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  /** A locked display's session lasts this long (it is read-only). */
  displayMs: number;
}

/** A shift and its hand-over: a person's session lasts 12 hours at most, 4 hours unused. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 4 * 3600_000, absoluteMs: 12 * 3600_000, displayMs: 30 * 24 * 3600_000 };

export const SESSION_COOKIE = 'takt_session';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The session's id for logs and callers: a prefix of its hash (not the secret). */
export const sessionIdOf = (s: Pick<Session, 'hash'>) => s.hash.slice(0, 16);

export interface SessionStore {
  /** A new session; returns the cookie value (shown to no one else, stored hashed). */
  create(s: { kind?: Session['kind']; personId: string; username?: string; via: SignInMethod; roles?: readonly string[] }): { cookie: string; session: Session };
  /** The live session for a cookie value (touching it), or null. */
  find(cookie: string): Session | null;
  /** Ends the session of this cookie value; true when there was one. */
  end(cookie: string): boolean;
  /** Ends every session of a person (an account disabled or reset). */
  endFor(personId: string): number;
  /**
   * Whether the session with this hash is still live (re-reading the file when another process
   * changed it), without counting as use: an open socket is checked on it, not kept alive by it.
   */
  isLive(hash: string): boolean;
  /** As isLive, and a live session counts as used now (a console sending calls on its socket is not idle). */
  used(hash: string): boolean;
  /** Writes pending use times (on close). */
  flush(): void;
}

export interface SessionStoreOptions {
  now?: () => number;
  policy?: Partial<SessionPolicy>;
  touchEveryMs?: number;
}

export function openSessionStore(dataDir: string, o: SessionStoreOptions = {}): SessionStore {
  const file = join(authDir(dataDir), 'sessions.json');
  const now = o.now ?? Date.now;
  const policy = { ...DEFAULT_SESSION_POLICY, ...o.policy };
  const touchEvery = o.touchEveryMs ?? 5 * 60_000;
  const sessions = new Map<string, Session>();
  let stamp: string | null = '';
  /** The file's sessions when it changed since we last read or wrote it; our newer use times are kept. */
  const sync = () => {
    const now = stampOf(file);
    if (now === stamp) return;
    stamp = now;
    let read: ReturnType<typeof readPrivateJson> = null;
    try {
      read = readPrivateJson(file);
    } catch {
      read = null; // not JSON: as a damaged file below
    }
    const parsed = read ? fileSchema.safeParse(read.value) : null;
    // A damaged or missing sessions file signs everyone out; it does not stop the core.
    const next = new Map<string, Session>();
    for (const s of parsed?.success ? parsed.data.sessions : []) {
      const mine = sessions.get(s.hash);
      next.set(s.hash, mine && mine.lastSeenAt > s.lastSeenAt ? { ...s, lastSeenAt: mine.lastSeenAt } : s);
    }
    sessions.clear();
    for (const [h, s] of next) sessions.set(h, s);
  };
  sync();
  let dirty = false;
  let lastWrite = 0;
  const live = (s: Session, t: number) =>
    s.kind === 'display' ? t - s.createdAt < policy.displayMs : t - s.createdAt < policy.absoluteMs && t - s.lastSeenAt < policy.idleMs;
  const save = () => {
    sync();
    const t = now();
    for (const [h, s] of sessions) if (!live(s, t)) sessions.delete(h);
    writePrivateJson(file, { format: 1, sessions: [...sessions.values()] });
    stamp = stampOf(file);
    dirty = false;
    lastWrite = t;
  };
  return {
    create(s) {
      const cookie = randomBytes(32).toString('base64url');
      const t = now();
      const session: Session = { hash: sha256(cookie), kind: s.kind ?? 'person', personId: s.personId, ...(s.username ? { username: s.username } : {}), via: s.via, ...(s.roles ? { roles: [...s.roles] } : {}), createdAt: t, lastSeenAt: t };
      sync();
      sessions.set(session.hash, session);
      save();
      return { cookie, session };
    },
    find(cookie) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
      const h = sha256(cookie);
      sync();
      const s = sessions.get(h);
      if (!s) return null;
      const t = now();
      if (!live(s, t)) {
        sessions.delete(h);
        save();
        return null;
      }
      s.lastSeenAt = t;
      dirty = true;
      if (t - lastWrite >= touchEvery) save();
      return s;
    },
    end(cookie) {
      const h = sha256(cookie);
      sync();
      const had = sessions.delete(h);
      if (had) save();
      return had;
    },
    endFor(personId) {
      sync();
      let n = 0;
      for (const [h, s] of sessions) {
        if (s.personId !== personId || s.kind !== 'person') continue;
        sessions.delete(h);
        n++;
      }
      if (n) save();
      return n;
    },
    isLive(hash) {
      sync();
      const s = sessions.get(hash);
      return s !== undefined && live(s, now());
    },
    used(hash) {
      sync();
      const s = sessions.get(hash);
      const t = now();
      if (!s || !live(s, t)) return false;
      s.lastSeenAt = t;
      dirty = true;
      if (t - lastWrite >= touchEvery) save();
      return true;
    },
    flush() {
      if (dirty) save();
    },
  };
}
