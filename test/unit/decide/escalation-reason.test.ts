/**
 * The reason text of an approval says each transition (or order) once: an option that places
 * several orders behind the same allergen transition gives one check per order and rule, and the
 * facts list the transition that many times (shared/decide/options.ts changeFacts).
 */
import { describe, expect, it } from 'vitest';
import { requiredApprovals } from '../../../shared/decide/escalation';
import { rules } from './helpers';

const ruleSet = rules((r) => {
  r.escalation = [
    { id: 'allergen', when: { kind: 'allergen-changeover' }, approver: 'qa', escalateAfterMinutes: 20, escalateTo: 'manager' },
    { id: 'reroute-a', when: { kind: 'reroute', tiers: ['A'] }, approver: 'planner', escalateAfterMinutes: 30, escalateTo: 'manager' },
  ];
});

describe('escalation reasons', () => {
  it('names a repeated allergen transition once, and each distinct one in first-seen order', () => {
    const same = { lineId: 'L2', from: 'nutty', to: 'plain' };
    const facts = { allergenChangeovers: [...Array.from({ length: 8 }, () => ({ ...same })), { lineId: 'L3', from: 'nutty', to: 'plain' }, { ...same }] };
    const [a] = requiredApprovals(ruleSet, facts);
    expect(a?.ruleId).toBe('allergen');
    expect(a?.reason).toBe('allergen changeover nutty → plain on L2, nutty → plain on L3');
  });

  it('names a rerouted order once however many moves touch it', () => {
    const facts = { reroutes: [{ orderId: 'O1', tier: 'A' as const }, { orderId: 'O1', tier: 'A' as const }, { orderId: 'O2', tier: 'B' as const }, { orderId: 'O3', tier: 'A' as const }] };
    const [a] = requiredApprovals(ruleSet, facts);
    expect(a?.reason).toBe('reroutes O1 (tier A), O3 (tier A)');
  });

  it('asks for nothing when no rule matches', () => {
    expect(requiredApprovals(ruleSet, { reroutes: [{ orderId: 'O2', tier: 'B' }] })).toEqual([]);
  });
});
