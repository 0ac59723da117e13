/**
 * Who acts in one desktop window. The window's channel (a MessagePort the main process handed the
 * core) is trusted as transport, not as a person: a window starts signed out and may only draw
 * its sign-in form; a person then signs in on the channel (`session.signIn`), and from then every
 * call carries that person, as a browser's cookie would. The session lives in the same session
 * store as the browser's (expiry, `takt users disable`, the audit trail), and only this process
 * holds its secret. Kept per window, not per port: reloading the page does not sign anyone out.
 */
import { SIGNED_OUT_WINDOW, type Caller, type ConnectionIdentity } from '../../../shared/auth/caller';
import { callerOfSession } from './authenticate';
import type { Session, SessionStore } from './session-store';

export class WindowSignIn implements ConnectionIdentity {
  private cookie: string | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly sessions: () => SessionStore | null) {}

  /** The window's live session (an expired or ended one signs the window out), or null. */
  session(): Session | null {
    if (this.cookie === null) return null;
    const s = this.sessions()?.find(this.cookie) ?? null;
    if (!s) this.cookie = null;
    return s;
  }

  caller(): Caller {
    const s = this.session();
    return s ? callerOfSession(s) : SIGNED_OUT_WINDOW;
  }

  /** The window now acts as this session's (a sign-in, or a lock). */
  begin(cookie: string): void {
    this.cookie = cookie;
    this.changed();
  }

  /** The window's session ends; it is signed out. Returns the cookie value it held, if any. */
  end(): string | null {
    const c = this.cookie;
    this.cookie = null;
    this.changed();
    return c;
  }

  /** Called after the window's person changed (the host drops the window's open subscriptions). */
  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
