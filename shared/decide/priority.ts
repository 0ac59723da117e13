/**
 * Priority rules: how much an order matters right now, as a score with the factors that made
 * it, and what lateness costs. score = tier weight × customer weight × service-level factor ×
 * order-priority weight × (1 + due weight × urgency), where urgency rises linearly from 0 (due
 * `horizonHours` or more ahead) to 1 (due now or overdue). Pure.
 */
import type { Plant } from '../plant/schema';
import { HOUR } from '../twin/schedule';
import { num, timesOf } from './context';
import type { RuleSet, Tier } from './rules-schema';

export interface OrderLike {
  id: string;
  customer: string;
  due: number;
  priority: number;
  /** Projected (or actual) completion, to price lateness. */
  projectedEnd?: number | null;
}

export interface PriorityFactor {
  name: 'tier' | 'customer' | 'service-level' | 'order-priority' | 'due-date';
  value: number;
  detail: string;
}

export interface PriorityScore {
  orderId: string;
  tier: Tier;
  score: number;
  factors: PriorityFactor[];
  /** Hours projected late (0 when on time or unknown). */
  lateHours: number;
  /** Penalty of that lateness: lateHours × the tier's penalty per hour. */
  latePenalty: number;
  explanation: string;
}

/** Tier of a customer; unknown customers count as the lowest tier (C). */
export function tierOf(plant: Plant, customer: string): Tier {
  return plant.customers.find((c) => c.id === customer)?.tier ?? 'C';
}

/** Cost of being `lateMs` late for an order of this tier. */
export function latenessPenalty(rules: RuleSet, tier: Tier, lateMs: number): number {
  return (Math.max(0, lateMs) / HOUR) * rules.priority.tiers[tier].latePenaltyPerHour;
}

export function scoreOrder(plant: Plant, rules: RuleSet, order: OrderLike, now: number): PriorityScore {
  const pr = rules.priority;
  const cust = plant.customers.find((c) => c.id === order.customer);
  const tier = cust?.tier ?? 'C';
  const t = pr.tiers[tier];
  const customerWeight = pr.customers[order.customer]?.weight ?? 1;
  const serviceLevel = cust?.serviceLevel ?? t.serviceLevel ?? pr.serviceLevel.baseline;
  const serviceFactor = Math.max(0, 1 + pr.serviceLevel.weight * (serviceLevel - pr.serviceLevel.baseline) * 10);
  const prio = Math.min(5, Math.max(1, Math.round(order.priority))) as 1 | 2 | 3 | 4 | 5;
  const prioWeight = pr.orderPriority[prio];
  const hoursToDue = (order.due - now) / HOUR;
  const urgency = Math.min(1, Math.max(0, 1 - hoursToDue / pr.dueDate.horizonHours));
  const dueFactor = 1 + pr.dueDate.weight * urgency;
  const score = t.weight * customerWeight * serviceFactor * prioWeight * dueFactor;
  const lateMs = order.projectedEnd != null ? Math.max(0, order.projectedEnd - order.due) : 0;
  const latePenalty = latenessPenalty(rules, tier, lateMs);
  const factors: PriorityFactor[] = [
    { name: 'tier', value: t.weight, detail: `tier ${tier} (${cust ? cust.name : `unknown customer '${order.customer}'`}) weighs ${num(t.weight)}` },
    { name: 'customer', value: customerWeight, detail: customerWeight === 1 ? 'no customer-specific weight' : `customer ${order.customer} weighs ×${num(customerWeight)}` },
    { name: 'service-level', value: serviceFactor, detail: `service level ${num(serviceLevel * 100)} % vs baseline ${num(pr.serviceLevel.baseline * 100)} % → ×${num(serviceFactor)}` },
    { name: 'order-priority', value: prioWeight, detail: `order priority ${prio} → ×${num(prioWeight)}` },
    {
      name: 'due-date',
      value: dueFactor,
      detail: `due ${timesOf(plant)(order.due, now)} (${hoursToDue >= 0 ? `in ${num(hoursToDue)} h` : `${num(-hoursToDue)} h ago`}), urgency ${num(urgency)} over ${num(pr.dueDate.horizonHours)} h → ×${num(dueFactor)}`,
    },
  ];
  const late = lateMs > 0 ? `; projected ${num(lateMs / HOUR)} h late → penalty ${num(latePenalty)} (${num(t.latePenaltyPerHour)}/h for tier ${tier})` : '';
  return {
    orderId: order.id,
    tier,
    score,
    factors,
    lateHours: lateMs / HOUR,
    latePenalty,
    explanation: `${order.id}: score ${num(score)} = ${factors.map((f) => num(f.value)).join(' × ')} (${factors.map((f) => f.detail).join('; ')})${late}`,
  };
}

/** Scores many orders, most important first (ties by id). */
export function rankOrders(plant: Plant, rules: RuleSet, orders: readonly OrderLike[], now: number): PriorityScore[] {
  return orders.map((o) => scoreOrder(plant, rules, o, now)).sort((a, b) => b.score - a.score || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
}
