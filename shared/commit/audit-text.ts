/**
 * An audit entry's payload as people read it: times in plant time (not epoch milliseconds),
 * people by name, lists joined, quantities grouped. Pure; the console's audit view and anything
 * else that prints audit details use it.
 */
import { quantity } from '../clock/plant-time';

export interface AuditTextOptions {
  /** Plant time for an instant (the shared plant-time formatter's `full` or `day`). */
  time(t: number): string;
  /** A person's name for an id (the id itself when unknown). */
  name(id: string): string;
  /** Keys left out (e.g. the decision id shown elsewhere). */
  skip?: readonly string[];
  /** Longest text (an ellipsis marks the cut); default no limit. */
  max?: number;
}

/** Keys holding an instant: `...At`, `at`, `until`, `eta`, `due`. */
const TIME_KEY = /(^at$|At$|^until$|^eta$|^due$)/;
/** Keys holding a person id. */
const PERSON_KEY = /^(by|ownerId|actor|escalatedTo|decidedBy|committedBy|activatedBy)$/;
/** Instants after 2001 and before 2286 in ms: a plain count never reaches 1e12 in these payloads. */
const looksLikeInstant = (v: number) => v >= 1e12 && v < 1e13;

function value(k: string, v: unknown, o: AuditTextOptions): string {
  if (typeof v === 'number') return TIME_KEY.test(k) && looksLikeInstant(v) ? o.time(v) : quantity(v);
  if (typeof v === 'string') return PERSON_KEY.test(k) ? o.name(v) : v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => value(k, x, o)).join(', ') : 'none';
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([kk, vv]) => `${kk} ${value(kk, vv, o)}`).join(', ');
  return String(v);
}

/** `dueAt: Mon 07 Dec 2026 21:55 · ownerId: Lina Demir · from: assigned`. */
export function auditDetails(payload: Record<string, unknown>, o: AuditTextOptions): string {
  const text = Object.entries(payload)
    .filter(([k]) => !(o.skip ?? []).includes(k))
    .map(([k, v]) => `${k}: ${value(k, v, o)}`)
    .join(' · ');
  return o.max !== undefined && text.length > o.max ? `${text.slice(0, o.max)}…` : text;
}
