/**
 * The session cookie: read from a Cookie header, and the Set-Cookie that sets or clears it.
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page or link sends it), Path=/,
 * Secure under TLS. No Max-Age: the server decides when a session ends.
 */
import { SESSION_COOKIE } from './session-store';

/** The value of cookie `name` in a Cookie header, or undefined (the first one when repeated). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
