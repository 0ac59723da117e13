/**
 * shared/commit/hash.ts: canonical JSON is key-order independent; both chains verify when intact
 * and name the first bad record when a record is changed, removed or re-linked.
 */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditHash, canonicalJson, checkChains, receiptHash, sha256Hex } from '../../../shared/commit/hash';
import type { AuditEntry, DecisionReceipt } from '../../../shared/commit/records';

function receipts(n: number): DecisionReceipt[] {
  const out: DecisionReceipt[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const body = {
      id: `dec-${i}`,
      seq: i,
      exceptionId: `ex-${i}`,
      exceptionTitle: 'L1 is down',
      lineId: 'L1',
      status: 'pending-approval' as const,
      journalPosition: 100 + i,
      forkAt: 1_700_000_000_000,
      horizonHours: 24,
      seed: 1,
      ruleSetVersion: 'r1',
      ruleSetHash: 'abc',
      plantVersion: 'p@1',
      committedBy: 'p1',
      committedRole: 'controller' as const,
      committedAt: 1_700_000_000_000 + i,
      options: [{ id: 'o1', rank: 1, title: 'reroute', kind: 'reroute' as const, feasible: true, score: 12.5, moves: [] }],
      chosenOptionId: 'o1',
      chosen: { id: 'o1' } as unknown as DecisionReceipt['chosen'],
      approvalIds: [],
      prevHash: prev,
    };
    const r = { ...body, hash: receiptHash(body) };
    out.push(r);
    prev = r.hash;
  }
  return out;
}

function audit(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const body = { id: `aud-${i}`, seq: i, at: 1_700_000_000_000 + i, actor: 'p1', kind: 'action.done', subjectId: `a-${i}`, payload: { n: i }, prevHash: prev };
    const e = { ...body, hash: auditHash(body) };
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('canonical JSON and sha256', () => {
  it('sorts keys at every level, drops undefined, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/\$\.x is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
  it('hashes like any sha256 (known vector)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('a receipt hash ignores status (it moves on) but covers everything else', () => {
    const [r] = receipts(1);
    expect(receiptHash({ ...r!, status: 'closed' })).toBe(r!.hash);
    expect(receiptHash({ ...r!, committedBy: 'p2' })).not.toBe(r!.hash);
  });
});

describe('chain verification', () => {
  it('passes intact chains', () => {
    expect(checkChains(receipts(5), audit(7))).toEqual({ ok: true, decisions: 5, auditEntries: 7 });
  });
  it('detects a tampered receipt and names it', () => {
    const rs = receipts(4);
    rs[2] = { ...rs[2]!, chosenOptionId: 'o2' };
    const r = checkChains(rs, audit(2));
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ chain: 'decisions', seq: 2, id: 'dec-2' });
    expect(r.firstBad!.reason).toMatch(/changed after it was written/);
  });
  it('detects a tampered audit entry, a re-hashed one (broken link) and a removed one', () => {
    const a = audit(5);
    a[3] = { ...a[3]!, actor: 'someone-else' };
    expect(checkChains([], a).firstBad).toMatchObject({ chain: 'audit', seq: 3 });
    // Re-hashing the changed record does not help: the next record's prevHash no longer matches.
    const b = audit(5);
    const changed = { ...b[1]!, payload: { n: 99 } };
    b[1] = { ...changed, hash: auditHash(changed) };
    expect(checkChains([], b).firstBad).toMatchObject({ chain: 'audit', seq: 2, reason: expect.stringMatching(/prevHash/) });
    const c = audit(5);
    c.splice(2, 1);
    expect(checkChains([], c).firstBad).toMatchObject({ chain: 'audit', seq: 3, reason: expect.stringMatching(/sequence gap/) });
  });
});
