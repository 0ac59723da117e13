/**
 * Hash chains of the commit records (decision receipts and audit entries): sha256 over canonical
 * JSON (object keys sorted, no whitespace, `undefined` dropped like JSON.stringify does), so the
 * same record hashes the same in every process and after a round trip through the store. A
 * record's hash covers every field except `hash` itself and its mutable `status`; each record
 * names the previous record's hash, so changing, removing or reordering one breaks the chain from
 * there on. Pure (noble's sha256 runs in Node and the browser alike).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AuditEntry, ChainCheck, DecisionReceipt } from './records';

/** The hash of the record before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level; throws on values JSON cannot carry exactly. */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(v: unknown, path: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`canonical JSON: ${path} is ${v}, which JSON cannot carry`);
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => (x === undefined ? 'null' : write(x, `${path}[${i}]`))).join(',')}]`;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(o[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: ${path} is a ${typeof v}`);
  }
}

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** What a receipt's hash covers: everything but `status` (it moves on after commit) and `hash`. */
export function receiptHash(r: Omit<DecisionReceipt, 'hash'> & { hash?: string }): string {
  const { hash: _h, status: _s, ...rest } = r;
  return sha256Hex(canonicalJson(rest));
}

export function auditHash(e: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _h, ...rest } = e;
  return sha256Hex(canonicalJson(rest));
}

type Chained = { id: string; seq: number; prevHash: string; hash: string };
export type ChainFault = NonNullable<ChainCheck['firstBad']>;

/** Checks one chain in `seq` order (the caller sorts); returns the first record that does not verify. */
export function verifyChain<T extends Chained>(chain: 'decisions' | 'audit', records: readonly T[], hashOf: (r: T) => string): ChainFault | undefined {
  let prev = GENESIS_HASH;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.seq !== i) return { chain, seq: r.seq, id: r.id, reason: `sequence gap: expected seq ${i}, found ${r.seq} (a record is missing or out of order)` };
    if (r.prevHash !== prev) return { chain, seq: r.seq, id: r.id, reason: `prevHash ${short(r.prevHash)} does not match the previous record's hash ${short(prev)}` };
    let h: string;
    try {
      h = hashOf(r);
    } catch (e) {
      return { chain, seq: r.seq, id: r.id, reason: `cannot hash the record: ${(e as Error).message}` };
    }
    if (h !== r.hash) return { chain, seq: r.seq, id: r.id, reason: `content does not match its hash (stored ${short(r.hash)}, computed ${short(h)}): the record was changed after it was written` };
    prev = r.hash;
  }
  return undefined;
}

/** Both chains: receipts and audit entries, each sorted by `seq` by the caller. */
export function checkChains(decisions: readonly DecisionReceipt[], audit: readonly AuditEntry[]): ChainCheck {
  const firstBad = verifyChain('decisions', decisions, receiptHash) ?? verifyChain('audit', audit, auditHash);
  return { ok: firstBad === undefined, decisions: decisions.length, auditEntries: audit.length, ...(firstBad ? { firstBad } : {}) };
}

const short = (h: string) => (h.length > 12 ? `${h.slice(0, 12)}…` : h);
