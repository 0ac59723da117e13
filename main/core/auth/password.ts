/**
 * Password hashing with scrypt from node:crypto. The parameters are stored with each hash
 * (`scrypt$N$r$p$salt$hash`), so they can be raised later without invalidating existing accounts;
 * comparison is constant-time. Hashing runs on libuv's thread pool (async scrypt), not the thread
 * that serves the consoles.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLen: number;
}

/** OWASP's scrypt recommendation (2^17 is their high setting; 2^15 keeps a sign-in well under a second on a slow PC). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1, keyLen: 32 };

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // 128 * N * r bytes of memory, and some room: node refuses past maxmem.
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 128 * p.N * p.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, p.keyLen, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Parses a stored hash; null when it is not one this module wrote. */
function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 22 || r > 64 || p > 16) return null;
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 128) return null;
  return { params: { N, r, p, keyLen: key.length }, salt, key };
}

/** Whether `password` matches `stored`; false (never a throw) for a malformed hash or an oversized password. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, h.salt, h.params);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/**
 * A hash to check against when the account does not exist, so an unknown name takes as long as a
 * wrong password (the answer does not tell which names exist).
 */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(randomBytes(12).toString('base64')));
}
