/**
 * Dispatch: a committed option expanded, from the rule set's workflow templates, into actions
 * with owners, due times, dependencies and how each is verified. The owner is the person with the
 * template's role in the crew of the shift at dispatch time (plant `shifts` + `crews`); nobody on
 * shift leaves the action unassigned ('created') in the role's inbox. Pure and deterministic.
 */
import type { Plant } from '../plant/schema';
import type { RankedOption } from '../decide/options';
import type { WorkflowTemplate } from '../decide/rules-schema';
import { shiftAt, MINUTE } from '../twin/schedule';
import type { ActionRecord, Role } from './records';

/** An order the decision puts on a line (reroute, split or a new place in the queue). */
export interface MovedOrder {
  orderId: string;
  lineId: string;
  /** Units to run, when known. */
  qty?: number;
  sku?: string;
}

export interface OrderFacts {
  sku: string;
  /** Remaining quantity. */
  qty: number;
  lineId: string | null;
}

/** Id of the order a split creates (the plan change and the actions must agree on it). */
export const splitOrderId = (orderId: string, newId?: string): string => newId ?? `${orderId}-S`;

/** Orders the option puts somewhere new; `orderOf` answers from the twin at dispatch. */
export function movedOrders(option: Pick<RankedOption, 'moves'>, orderOf: (id: string) => OrderFacts | undefined): MovedOrder[] {
  const out: MovedOrder[] = [];
  const seen = new Set<string>();
  const add = (m: MovedOrder) => {
    const k = `${m.orderId}@${m.lineId}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(m);
  };
  for (const mv of option.moves) {
    const o = 'orderId' in mv ? orderOf(mv.orderId) : undefined;
    switch (mv.kind) {
      case 'reroute':
        add({ orderId: mv.orderId, lineId: mv.toLine, ...(o ? { sku: o.sku, qty: o.qty } : {}) });
        break;
      case 'split':
        add({ orderId: splitOrderId(mv.orderId, mv.newId), lineId: mv.toLine, qty: mv.qty, ...(o ? { sku: o.sku } : {}) });
        break;
      case 'sequence':
        if (o?.lineId) add({ orderId: mv.orderId, lineId: o.lineId, sku: o.sku, qty: o.qty });
        break;
      case 'resequence': {
        // Only the order that now runs next needs its run prepared; the rest keep their preparations.
        const first = mv.orderIds[0];
        const f = first ? orderOf(first) : undefined;
        if (first) add({ orderId: first, lineId: mv.lineId, ...(f ? { sku: f.sku, qty: f.qty } : {}) });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

export interface Person {
  id: string;
  name: string;
  role: Role;
}

/** The person with `role` in the crew on shift at `at`; null when no shift covers it or its crew has none. */
export function ownerOnShift(plant: Plant, role: Role, at: number): Person | null {
  const shift = shiftAt(plant, at);
  const crew = shift ? plant.crews.find((c) => c.id === shift.crew) : undefined;
  const m = crew?.members.find((p) => p.role === role);
  return m ? { id: m.id, name: m.name, role: m.role } : null;
}

export function findPerson(plant: Plant, id: string): Person | null {
  for (const c of plant.crews) for (const m of c.members) if (m.id === id) return { id: m.id, name: m.name, role: m.role };
  return null;
}

export interface ExpandInput {
  plant: Plant;
  templates: readonly WorkflowTemplate[];
  decisionId: string;
  exception: { type: string; lineId: string };
  option: Pick<RankedOption, 'kind' | 'moves' | 'title'>;
  moved: readonly MovedOrder[];
  /** Plant time of dispatch. */
  at: number;
  /** Action id for the n-th action of this decision. */
  idFor?: (n: number) => string;
}

const VERIFY: Record<WorkflowTemplate['kind'], ActionRecord['verification']> = {
  kitting: { by: 'signal', signalType: 'inventory.issue', description: 'material issued to the line for the order (MES/ERP inventory.issue)' },
  'line-clearance': { by: 'person', description: 'QA confirms the line is clear (no signal reports a clearance)' },
  'qa-release': { by: 'signal', signalType: 'quality.release', description: 'QA release of the hold on the line or the order (quality.release)' },
  'changeover-readiness': { by: 'signal', signalType: 'machine.state', description: "a machine of the line leaves 'changeover' or 'cleaning', or the order starts on the line (order.started)" },
  'maintenance-window': { by: 'signal', signalType: 'machine.state', description: "the line's machines run again after being down (machine.state)" },
  'schedule-communication': { by: 'person', description: 'the planner confirms the schedule change was communicated' },
};

function detailFor(t: WorkflowTemplate, plant: Plant, m: MovedOrder | null, input: ExpandInput): string {
  const lineName = (id: string) => plant.areas.flatMap((a) => a.lines).find((l) => l.id === id)?.name ?? id;
  switch (t.kind) {
    case 'kitting': {
      const product = m?.sku ? plant.products.find((p) => p.sku === m.sku) : undefined;
      const parts = product && m?.qty ? product.bom.map((b) => `${fmt(b.perUnit * m.qty!)} ${plant.components.find((c) => c.id === b.component)?.uom ?? ''} ${b.component}`.replace(/\s+/g, ' ')) : [];
      return `Kit order ${m!.orderId}${m?.sku ? ` (${m.sku}${m.qty ? ` × ${fmt(m.qty)}` : ''})` : ''} for ${lineName(m!.lineId)}${parts.length ? `: issue ${parts.join(', ')} to the line` : ''}.`;
    }
    case 'line-clearance':
      return `Clear ${lineName(m!.lineId)} of the previous run's material, labels and product before ${m!.orderId}.`;
    case 'qa-release':
      return `Release ${lineName(m!.lineId)} for ${m!.orderId} after the line clearance.`;
    case 'changeover-readiness':
      return `Prepare the changeover on ${lineName(m!.lineId)} for ${m!.orderId}${m?.sku ? ` (${m.sku})` : ''}: tooling, settings, cleaning.`;
    case 'maintenance-window':
      return `Repair ${lineName(input.exception.lineId)} and report it running again.`;
    case 'schedule-communication':
      return `Tell the affected teams and customers about: ${input.option.title}.`;
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));

/** The actions a decision dispatches, in template order (per moved order), with dependencies resolved to action ids. */
export function expandActions(input: ExpandInput): ActionRecord[] {
  const { plant, templates, at } = input;
  const idFor = input.idFor ?? ((n: number) => `${input.decisionId}-a${n + 1}`);
  const changesPlan = input.option.moves.some((m) => m.kind !== 'wait');
  const applies = (t: WorkflowTemplate) => (t.exceptionTypes.length === 0 || (t.exceptionTypes as string[]).includes(input.exception.type)) && (t.optionKinds.length === 0 || (t.optionKinds as string[]).includes(input.option.kind));
  const out: ActionRecord[] = [];
  /** `<template id>@<order id or ''>` → action id, for dependencies within the same order. */
  const byKey = new Map<string, string>();
  const make = (t: WorkflowTemplate, m: MovedOrder | null, lineId: string) => {
    const id = idFor(out.length);
    byKey.set(`${t.id}@${m?.orderId ?? ''}`, id);
    const owner = ownerOnShift(plant, t.role, at);
    out.push({
      id,
      decisionId: input.decisionId,
      kind: t.kind,
      title: `${t.title}${m ? ` — ${m.orderId} on ${lineId}` : ` — ${lineId}`}`,
      detail: detailFor(t, plant, m, input),
      role: t.role,
      ownerId: owner?.id ?? '',
      ownerName: owner?.name ?? '',
      status: owner ? 'assigned' : 'created',
      lineId,
      ...(m ? { orderId: m.orderId } : {}),
      createdAt: at,
      dueAt: at + Math.round(t.dueMinutes * MINUTE),
      updatedAt: at,
      dependsOn: t.dependsOn.map((d) => `${d}@${m?.orderId ?? ''}`),
      verification: VERIFY[t.kind],
      overdue: false,
      history: [
        { at, from: null, to: 'created', by: 'takt', comment: `dispatched by decision ${input.decisionId} (template '${t.id}')` },
        ...(owner ? [{ at, from: 'created' as const, to: 'assigned' as const, by: 'takt', role: t.role, comment: `owner ${owner.name} (${owner.id}), ${t.role} on shift` }] : []),
      ],
    });
  };
  for (const t of templates) {
    if (!applies(t)) continue;
    if (t.per === 'decision') {
      if (changesPlan) make(t, null, input.exception.lineId);
    } else if (t.per === 'exception-line') {
      if (input.exception.lineId) make(t, null, input.exception.lineId);
    } else {
      for (const m of input.moved) make(t, m, m.lineId);
    }
  }
  // Dependencies named by template: the same order's action, else the decision-level one; unknown ones drop.
  for (const a of out) a.dependsOn = a.dependsOn.map((k) => byKey.get(k) ?? byKey.get(`${k.split('@')[0]}@`)).filter((x): x is string => x !== undefined);
  return out;
}

/** Templates whose actions gate the run of the order they prepare. */
export function gatingKinds(templates: readonly WorkflowTemplate[]): Set<WorkflowTemplate['kind']> {
  return new Set(templates.filter((t) => t.gate).map((t) => t.kind));
}
