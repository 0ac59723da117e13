/**
 * Tracking dispatched actions: people move them through the action machine (owner, a person of
 * the role, or a supervisor), delivered signals verify matching ones (the closed loop), readiness
 * gates show which runs still wait for their preparations, and plant time marks them overdue or
 * hands an unowned one to the next shift. Every move is audited.
 */
import { ProtocolFailure, type MethodHandlers } from '../../../../shared/protocol/server';
import type { Signal } from '../../../../shared/signals/schema';
import type { RuleSet } from '../../../../shared/decide/rules-schema';
import type { ActionRecord, PersonTransition, Role } from '../../../../shared/commit/records';
import { IllegalTransition, applyActionEvent, personEvent, type ActionEvent } from '../../../../shared/commit/action-machine';
import { findPerson, gatingKinds, ownerOnShift } from '../../../../shared/commit/workflows';
import { verifyRefusal } from '../../../../shared/commit/permissions';
import { readinessGates } from '../../../../shared/commit/gates';
import { verifies, type VerificationContext } from '../../../../shared/commit/verification';
import { checkActionOverdue } from '../../../../shared/commit/overdue';
import { DONE_LIKE, FINAL_ACTION, SUPERVISORS, type CommitContext } from './context';
import { actingPerson } from '../../../../shared/auth/authorize';

type TrackingMethod = 'actions.list' | 'actions.get' | 'actions.transition' | 'dispatch.gates';

export interface Tracking {
  readonly methods: Pick<MethodHandlers, TrackingMethod>;
  /** Signals as the twin got them: verifies matching actions, audits runs started before their gate opened. */
  observe(batch: readonly Signal[]): void;
  /** Assigns unowned actions to a person on shift and marks overdue ones at `at`; inside `serial`. */
  checkOverdue(at: number, rules: RuleSet): Promise<void>;
}

export function createTracking(ctx: CommitContext): Tracking {
  const { plant, twin, store, decide, log } = ctx;

  const openDependencies = (a: ActionRecord) =>
    a.dependsOn
      .map((id) => store.actions.get(id))
      .filter((d): d is ActionRecord => d !== undefined && !DONE_LIKE.has(d.status))
      .map((d) => ({ id: d.id, kind: d.kind, status: d.status }));

  /** Moves an action; inside `serial`. */
  const move = async (a: ActionRecord, event: ActionEvent, by: string, role: Role | undefined, comment: string | undefined): Promise<ActionRecord> => {
    const to = applyActionEvent(a.status, event, { openDependencies: openDependencies(a) }, `action ${a.id}`);
    const at = ctx.now();
    let next: ActionRecord = { ...a, status: to, updatedAt: at, history: [...a.history, { at, from: a.status, to, by, ...(role ? { role } : {}), ...(comment ? { comment } : {}) }] };
    if (event.type === 'ASSIGN') {
      const owner = findPerson(plant, event.ownerId)!;
      next = { ...next, ownerId: owner.id, ownerName: owner.name };
    }
    if (event.type === 'BLOCK') next = { ...next, blockedReason: event.reason };
    else if (a.status === 'blocked') {
      const { blockedReason: _b, ...rest } = next;
      next = rest;
    }
    if (DONE_LIKE.has(to)) next = { ...next, overdue: false };
    await store.putActions([next]);
    await ctx.audit({ at, actor: by, ...(role ? { role } : {}), kind: `action.${to}`, subjectId: a.id, payload: { decisionId: a.decisionId, from: a.status, to, ...(comment ? { comment } : {}), ...(event.type === 'ASSIGN' ? { ownerId: event.ownerId } : {}) } });
    if (FINAL_ACTION.has(to)) await ctx.closeIfDone(a.decisionId);
    return next;
  };

  const transition = (p: { id: string; by: string; to: PersonTransition; comment?: string; ownerId?: string }) => {
    const who = ctx.person(p.by);
    return store.serial(async () => {
      const a = ctx.mustGet(store.actions, p.id, 'action');
      await ctx.refuseIf(
        who.id !== a.ownerId && who.role !== a.role && !SUPERVISORS.includes(who.role)
          ? `${who.name} is a ${who.role}: “${a.title}” belongs to ${a.ownerName || 'nobody yet'} (${a.role}); its owner, a ${a.role} or a ${SUPERVISORS.join('/')} may move it`
          : null,
        who,
        'action.refused',
        a.id,
        'params.by',
      );
      if (p.to === 'verified') await ctx.refuseIf(verifyRefusal(ctx.plant, who, a, ctx.decide.rules.rules.workflows.doerMayVerify), who, 'action.refused', a.id, 'params.by');
      if (p.to === 'assigned') {
        if (!p.ownerId) throw new ProtocolFailure('bad_params', `assigning action ${a.id} needs 'ownerId'`, 'params.ownerId');
        const owner = ctx.person(p.ownerId, 'params.ownerId');
        if (owner.role !== a.role) throw new ProtocolFailure('bad_params', `${owner.name} (${owner.id}) is a ${owner.role}: action ${a.id} needs a ${a.role}`, 'params.ownerId');
      }
      try {
        return await move(a, personEvent(p.to, { ownerId: p.ownerId, comment: p.comment }), who.id, who.role, p.comment);
      } catch (e) {
        if (e instanceof IllegalTransition) await ctx.refuseIf(e.message, who, 'action.refused', a.id, 'params.to', 'conflict');
        throw e;
      }
    });
  };

  // ------------------------------------------------------------------ closed loop: verification by signal
  const lineOfMachine = new Map<string, string>();
  for (const a of plant.areas) for (const l of a.lines) for (const m of l.machines) lineOfMachine.set(m.id, l.id);
  const machineState = new Map<string, string>(twin.peek().machines.map((m) => [m.id, m.state]));
  const holds = new Map<string, { lineId: string | null; orderId: string | null }>();
  for (const l of twin.peek().lines) for (const h of l.holds) holds.set(h, { lineId: l.id, orderId: null });
  const bom = new Map(plant.products.map((p) => [p.sku, p.bom.map((b) => b.component)]));
  const orderSku = new Map<string, string>();
  const verification: VerificationContext = {
    lineOfMachine: (m) => lineOfMachine.get(m),
    previousState: (m) => machineState.get(m),
    hold: (h) => holds.get(h),
    componentsOf: (o) => {
      let sku = orderSku.get(o);
      if (sku === undefined) {
        sku = twin.peek().orders.find((x) => x.id === o)?.sku ?? '';
        orderSku.set(o, sku);
      }
      return bom.get(sku) ?? [];
    },
  };
  /** Gates of runs still waiting for their preparations, by `<lineId>|<orderId>` (recomputed after action writes). */
  const gating = () => gatingKinds(decide.rules.rules.workflows.templates);
  let openCache: { version: string; list: ActionRecord[]; gates: Map<string, ReturnType<typeof readinessGates>[number]> } | null = null;
  const openNow = () => {
    const version = `${store.actionsVersion}|${decide.rules.hash}`;
    if (openCache?.version !== version) {
      const all = [...store.actions.values()];
      const gates = new Map(readinessGates(all, gating()).filter((g) => !g.ready).map((g) => [`${g.lineId}|${g.orderId}`, g]));
      openCache = { version, list: all.filter((a) => a.verification.by === 'signal' && !FINAL_ACTION.has(a.status) && a.status !== 'created'), gates };
    }
    return openCache;
  };
  const observe = (batch: readonly Signal[]) => {
    const { list: open, gates } = openNow();
    const hits: { action: ActionRecord; signal: Signal; why: string }[] = [];
    const violations: { signal: Signal; gate: ReturnType<typeof readinessGates>[number] }[] = [];
    const taken = new Set<string>();
    for (const s of batch) {
      if (s.type === 'quality.hold') holds.set(s.holdId, { lineId: s.line ?? null, orderId: s.orderId ?? null });
      // A run started before its readiness gate opened: recorded, not blocked (the shop floor decides).
      if (s.type === 'order.started') {
        const g = gates.get(`${s.line}|${s.orderId}`);
        if (g) violations.push({ signal: s, gate: g });
      }
      if (open.length) {
        for (const a of open) {
          if (taken.has(a.id)) continue;
          const why = verifies(a, s, verification);
          if (why) {
            hits.push({ action: a, signal: s, why });
            taken.add(a.id);
          }
        }
      }
      if (s.type === 'machine.state') machineState.set(s.machine, s.state);
    }
    if (hits.length === 0 && violations.length === 0) return;
    void store
      .serial(async () => {
        for (const v of violations)
          await ctx.audit({ actor: `signal:${v.signal.id}`, kind: 'dispatch.gate-violated', subjectId: v.gate.decisionId, payload: { lineId: v.gate.lineId, orderId: v.gate.orderId, pending: v.gate.pending.map((p) => `${p.actionId} (${p.kind}, '${p.status}')`) } });
        for (const h of hits) {
          const a = store.actions.get(h.action.id);
          if (!a || FINAL_ACTION.has(a.status)) continue;
          try {
            await move(a, { type: 'VERIFY', bySignal: true }, `signal:${h.signal.id}`, undefined, h.why);
          } catch (e) {
            if (!(e instanceof IllegalTransition)) throw e;
          }
        }
      })
      .catch((e: unknown) => log(`commit: verifying actions failed: ${(e as Error).stack ?? e}`));
  };

  // ------------------------------------------------------------------ plant time: owners and overdue
  const checkOverdue = async (at: number, rules: RuleSet) => {
    for (const a of [...store.actions.values()]) {
      if (FINAL_ACTION.has(a.status)) continue;
      const tpl = rules.workflows.templates.find((x) => x.kind === a.kind);
      // Nobody of the role was on shift at dispatch: the next shift's person takes it.
      if (a.status === 'created' && !a.ownerId) {
        const owner = ownerOnShift(plant, a.role, at);
        if (owner) {
          await move(a, { type: 'ASSIGN', ownerId: owner.id }, 'takt', undefined, `owner ${owner.name} (${owner.id}), ${a.role} on shift`);
          continue;
        }
      }
      const next = checkActionOverdue(a, at, { escalateAfterMinutes: tpl?.escalateAfterMinutes ?? 0, escalateTo: tpl?.escalateTo ?? 'lead' });
      if (!next) continue;
      await store.putActions([next]);
      await ctx.audit({ at, actor: 'takt', kind: next.escalatedTo && !a.escalatedTo ? 'action.escalated' : 'action.overdue', subjectId: a.id, payload: { decisionId: a.decisionId, dueAt: a.dueAt, ...(next.escalatedTo ? { escalatedTo: next.escalatedTo } : {}) } });
    }
  };

  const methods: Pick<MethodHandlers, TrackingMethod> = {
    'actions.list': (p) => {
      let items = [...store.actions.values()];
      if (p?.ownerId) items = items.filter((a) => a.ownerId === p.ownerId);
      if (p?.role) items = items.filter((a) => a.role === p.role);
      if (p?.statuses) items = items.filter((a) => p.statuses!.includes(a.status));
      if (p?.decisionId) items = items.filter((a) => a.decisionId === p.decisionId);
      if (p?.lineId) items = items.filter((a) => a.lineId === p.lineId);
      return { items: items.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id)) };
    },
    'actions.get': (p) => ctx.mustGet(store.actions, p.id, 'action'),
    'actions.transition': (p, c) => transition({ ...p, by: actingPerson(c.caller, p.by) }),
    'dispatch.gates': (p) => {
      const gates = readinessGates([...store.actions.values()], gatingKinds(decide.rules.rules.workflows.templates));
      return { items: p?.lineId ? gates.filter((g) => g.lineId === p.lineId) : gates };
    },
  };
  return { methods, observe, checkOverdue };
}
