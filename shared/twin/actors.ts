/**
 * The twin as an XState v5 actor system:
 *
 *   plant (root)                                    material, crews on shift, hold registry, PO/demand notes
 *   ├─ line:<id>        (systemId `line:<id>`)      current order, last family, line holds
 *   │   └─ machine:<id> (systemId `machine:<id>`)   state, reason, since, run time, counts, timers
 *   └─ order:<id>       (systemId `order:<id>`)     released → kitted → ready → running ⇄ paused,
 *                                                   held (any pre-complete state, resumed on release),
 *                                                   complete → (delay) closed; cancelled
 *
 * The twin folds a batch of signals into working contexts (./fold.ts) and sends each touched
 * actor one `SYNC { ctx, entered, at }`; the actor takes the transition the folded state asks for.
 *
 * Delayed transitions (changeover/clean → overrun, down → escalated, complete → closed) are
 * deadline-based: the plant time a timer is due is kept in context and every delay is
 * `deadline - event.at`. XState does not persist scheduled events (statelyai/xstate#5331), so
 * after a restore the twin sends every actor `REARM { at }`, which re-enters only the timing
 * sub-state and schedules the remaining time; the persisted state is unchanged by it.
 *
 * Static plant data stays in closures, never in context, so snapshots hold only live state.
 */
import { assign, enqueueActions, sendParent, setup } from 'xstate';
import type { MachineState } from '../signals/schema';
import type { LineContext, MachineContext, OrderContext, PlantContext, TwinTimings } from './fold';
import { DEFAULT_TIMINGS } from './fold';
import type { PlantIndex } from './schedule';
import type { OrderState } from './view';

export type { LineContext, MachineContext, OrderContext, PlantContext, TwinTimings } from './fold';
export { DEFAULT_TIMINGS } from './fold';

type At = { at?: number };
const untilDeadline = ({ context, event }: { context: { deadline: number | null }; event: { type: string } }): number =>
  Math.max(0, (context.deadline ?? 0) - ((event as At).at ?? context.deadline ?? 0));

// ---------------------------------------------------------------- machine (work unit)

export type MachineEvent = { type: 'SYNC'; ctx: MachineContext; entered: boolean; at: number } | { type: 'REARM'; at: number };

const MACHINE_STATES: readonly MachineState[] = ['running', 'idle', 'down', 'changeover', 'cleaning', 'blocked', 'starved', 'unknown'];

export function createMachineLogic() {
  const timed = (second: 'overrun' | 'escalated', first: 'timing' | 'active') => ({
    initial: first,
    states: {
      [first]: { after: { untilDeadline: { target: second, actions: 'raiseAlarm' } }, on: { REARM: { target: first, reenter: true } } },
      [second]: {},
    },
  });
  return setup({
    types: { context: {} as MachineContext, events: {} as MachineEvent, input: {} as { id: string; lineId: string; at: number } },
    delays: { untilDeadline },
    actions: {
      sync: assign(({ event }) => (event.type === 'SYNC' ? { ...event.ctx } : {})),
      raiseAlarm: assign(({ context }) => ({ alarm: context.state === 'down' ? ('escalated' as const) : ('overrun' as const) })),
    },
  }).createMachine({
    id: 'machine',
    context: ({ input }) => ({
      id: input.id,
      lineId: input.lineId,
      state: 'unknown',
      reason: null,
      since: input.at,
      runMs: 0,
      deadline: null,
      plannedMinutes: null,
      alarm: null,
    }),
    initial: 'unknown',
    on: {
      SYNC: [
        ...MACHINE_STATES.map((s) => ({
          guard: ({ event }: { event: MachineEvent }) => event.type === 'SYNC' && event.entered && event.ctx.state === s,
          target: `.${s}`,
          reenter: true,
          actions: 'sync' as const,
        })),
        { actions: 'sync' as const },
      ],
    },
    states: {
      unknown: {},
      running: {},
      idle: {},
      down: timed('escalated', 'active') as never,
      changeover: timed('overrun', 'timing') as never,
      cleaning: timed('overrun', 'timing') as never,
      blocked: {},
      starved: {},
    },
  });
}

// ---------------------------------------------------------------- line (work center)

export type LineEvent = { type: 'SYNC'; ctx: LineContext };

export function createLineLogic(index: PlantIndex) {
  const machineLogic = createMachineLogic();
  return setup({
    types: { context: {} as LineContext, events: {} as LineEvent, input: {} as { id: string; at: number } },
    actors: { machine: machineLogic },
    actions: {
      spawnMachines: enqueueActions(({ context, enqueue, event }) => {
        const at = (event as unknown as { input?: { at: number } }).input?.at ?? 0;
        for (const m of index.lineById.get(context.id)?.machines ?? []) {
          enqueue.spawnChild('machine', { id: `machine:${m}`, systemId: `machine:${m}`, input: { id: m, lineId: context.id, at } });
        }
      }),
      sync: assign(({ event }) => ({ ...event.ctx })),
    },
  }).createMachine({
    id: 'line',
    context: ({ input }) => ({
      id: input.id,
      counts: Object.fromEntries((index.lineById.get(input.id)?.machines ?? []).map((m) => [m, { good: 0, scrap: 0 }])),
      currentOrderId: null,
      currentSku: null,
      lastFamily: null,
      holds: [],
    }),
    entry: 'spawnMachines',
    initial: 'idle',
    states: {
      idle: { on: { SYNC: [{ guard: ({ event }) => event.ctx.currentOrderId !== null, target: 'producing', actions: 'sync' }, { actions: 'sync' }] } },
      producing: { on: { SYNC: [{ guard: ({ event }) => event.ctx.currentOrderId === null, target: 'idle', actions: 'sync' }, { actions: 'sync' }] } },
    },
  });
}

// ---------------------------------------------------------------- order (production order)

export type OrderEvent = { type: 'SYNC'; ctx: OrderContext; at: number } | { type: 'REARM'; at: number };

const ORDER_STATES: readonly OrderState[] = ['released', 'kitted', 'ready', 'running', 'paused', 'held', 'complete', 'closed', 'cancelled'];

export function createOrderLogic() {
  return setup({
    types: { context: {} as OrderContext, events: {} as OrderEvent, input: {} as OrderContext },
    delays: { untilDeadline },
    actions: {
      sync: assign(({ event }) => (event.type === 'SYNC' ? { ...event.ctx } : {})),
      close: assign({ state: 'closed' as const }),
      final: sendParent(({ context }) => ({ type: 'ORDER_FINAL', orderId: context.id, at: context.state === 'cancelled' ? (context.cancelledAt ?? 0) : (context.deadline ?? 0) })),
    },
  }).createMachine({
    id: 'order',
    context: ({ input }) => ({ ...input }),
    initial: 'boot',
    on: {
      SYNC: [
        ...ORDER_STATES.map((s) => ({
          guard: ({ context, event }: { context: OrderContext; event: OrderEvent }) => event.type === 'SYNC' && event.ctx.state === s && context.state !== s,
          target: `.${s}`,
          actions: 'sync' as const,
        })),
        { actions: 'sync' as const },
      ],
    },
    states: {
      // A new order starts in the state its input names (released, or kitted without a BOM).
      boot: { always: ORDER_STATES.map((s) => ({ guard: ({ context }: { context: OrderContext }) => context.state === s, target: s })) },
      released: {},
      kitted: {},
      ready: {},
      running: {},
      paused: {},
      held: {},
      complete: {
        initial: 'timing',
        states: {
          timing: { after: { untilDeadline: { target: '#order.closed', actions: 'close' } }, on: { REARM: { target: 'timing', reenter: true } } },
        },
      },
      closed: { entry: 'final' },
      cancelled: { entry: 'final' },
    },
  });
}

// ---------------------------------------------------------------- plant (root)

export type PlantEvent =
  | { type: 'CREATE_ORDERS'; orders: OrderContext[] }
  | { type: 'ORDER_FINAL'; orderId: string; at: number }
  | { type: 'SYNC'; ctx: Omit<PlantContext, 'finished'> };

export function createPlantLogic(index: PlantIndex, timings: TwinTimings = DEFAULT_TIMINGS) {
  const lineLogic = createLineLogic(index);
  const orderLogic = createOrderLogic();
  return setup({
    types: { context: {} as PlantContext, events: {} as PlantEvent, input: {} as { at: number } },
    actors: { line: lineLogic, order: orderLogic },
    actions: {
      spawnLines: enqueueActions(({ enqueue, event }) => {
        const at = (event as unknown as { input?: { at: number } }).input?.at ?? 0;
        for (const l of index.lines) enqueue.spawnChild('line', { id: `line:${l.id}`, systemId: `line:${l.id}`, input: { id: l.id, at } });
      }),
      createOrders: enqueueActions(({ enqueue, event, system }) => {
        if (event.type !== 'CREATE_ORDERS') return;
        for (const o of event.orders) {
          const key = `order:${o.id}`;
          if (!system.get(key)) enqueue.spawnChild('order', { id: key, systemId: key, input: o });
        }
      }),
      finalOrder: enqueueActions(({ context, enqueue, event }) => {
        if (event.type !== 'ORDER_FINAL') return;
        // Kept in (time, id) order so the retired ones do not depend on the order timers fired in.
        const finished = [...context.finished, [event.at, event.orderId] as [number, string]].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
        while (finished.length > timings.finishedKept) enqueue.stopChild(`order:${(finished.shift() as [number, string])[1]}`);
        enqueue.assign({ finished });
      }),
      sync: assign(({ event }) => (event.type === 'SYNC' ? { ...event.ctx } : {})),
    },
  }).createMachine({
    id: 'plant',
    context: () => {
      const inventory: Record<string, number> = {};
      for (const c of index.plant.components) for (const s of c.stock) inventory[`${c.id}@${s.location}`] = (inventory[`${c.id}@${s.location}`] ?? 0) + s.qty;
      return { inventory, onShift: {}, holds: {}, finished: [], pos: {}, demand: {} };
    },
    entry: 'spawnLines',
    on: {
      CREATE_ORDERS: { actions: 'createOrders' },
      ORDER_FINAL: { actions: 'finalOrder' },
      SYNC: { actions: 'sync' },
    },
  });
}

export type PlantLogic = ReturnType<typeof createPlantLogic>;
