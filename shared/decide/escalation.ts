/**
 * Escalation rules: which approvals a proposed change needs, from whom, and to whom it goes if
 * nobody answers in time. Pure.
 */
import type { EscalationRule, Role, RuleSet, Tier } from './rules-schema';

/** What a change does, as far as approvals care. */
export interface ChangeFacts {
  /** Orders moved to another line, with their customers' tiers. */
  reroutes?: { orderId: string; tier: Tier }[];
  splits?: { orderId: string; tier: Tier }[];
  /** Changeovers that need a clean or a QA release. */
  allergenChangeovers?: { lineId: string; from: string; to: string }[];
  /** Estimated cost in currency units (overtime, premium freight…). */
  cost?: number;
  overtimeHours?: number;
  expediteCost?: number;
}

export interface RequiredApproval {
  ruleId: string;
  approver: Role;
  escalateAfterMinutes: number;
  escalateTo: Role;
  /** Why, with the numbers. */
  reason: string;
}

function reasonFor(rule: EscalationRule, f: ChangeFacts): string | null {
  const w = rule.when;
  switch (w.kind) {
    case 'reroute':
    case 'split': {
      const list = (w.kind === 'reroute' ? f.reroutes : f.splits) ?? [];
      const hit = distinct(list.filter((r) => w.tiers.length === 0 || w.tiers.includes(r.tier)).map((r) => `${r.orderId} (tier ${r.tier})`));
      return hit.length ? `${w.kind === 'reroute' ? 'reroutes' : 'splits'} ${hit.join(', ')}` : null;
    }
    case 'allergen-changeover': {
      // One option can place several orders behind the same transition on a line, and several
      // allergen rules can fire for it: each gives a check, but the approver needs it said once.
      const list = distinct((f.allergenChangeovers ?? []).map((c) => `${c.from} → ${c.to} on ${c.lineId}`));
      return list.length ? `allergen changeover ${list.join(', ')}` : null;
    }
    case 'cost':
      return f.cost !== undefined && f.cost > w.above ? `cost ${f.cost} above ${w.above}` : null;
    case 'overtime':
      return f.overtimeHours !== undefined && f.overtimeHours > w.aboveHours ? `overtime ${f.overtimeHours} h above ${w.aboveHours} h` : null;
    case 'expedite':
      return f.expediteCost !== undefined && f.expediteCost > w.above ? `expedite cost ${f.expediteCost} above ${w.above}` : null;
  }
}

/** The texts in first-seen order, each once. */
const distinct = (xs: readonly string[]): string[] => [...new Set(xs)];

/** Every approval the change needs, in rule order. */
export function requiredApprovals(rules: RuleSet, facts: ChangeFacts): RequiredApproval[] {
  const out: RequiredApproval[] = [];
  for (const rule of rules.escalation) {
    const reason = reasonFor(rule, facts);
    if (reason) out.push({ ruleId: rule.id, approver: rule.approver, escalateAfterMinutes: rule.escalateAfterMinutes, escalateTo: rule.escalateTo, reason });
  }
  return out;
}
