/**
 * Canonical signals: the one shape every connector (simulator, MQTT, OPC UA, REST, files) turns
 * ERP/MES messages into. Every signal carries `id`, `source`, `seq`, `eventTime` and
 * `receiveTime` (ms since the Unix epoch); ingest is idempotent on `(source, id)`.
 */
import { z } from 'zod';

const ref = z.string().min(1).max(64);
const qty = z.number().finite().nonnegative().max(1e9);
const signedQty = z.number().finite().min(-1e9).max(1e9);
/** Plausible instants: 2000-01-01 .. 2100-01-01. */
const instant = z.number().int().min(946684800000).max(4102444800000);

export const envelope = {
  id: z.string().min(1).max(128),
  source: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  eventTime: instant,
  receiveTime: instant,
};

/**
 * `unknown`: the source says it no longer knows (a Sparkplug DDEATH/NDEATH, a PLC connection lost);
 * the twin shows the machine as unknown rather than keeping a stale last state.
 */
export const machineStates = ['running', 'idle', 'down', 'changeover', 'cleaning', 'blocked', 'starved', 'unknown'] as const;
export type MachineState = (typeof machineStates)[number];

const orderSpec = z
  .object({ id: ref, sku: ref, qty: qty.positive(), customer: ref, due: instant, release: instant.optional(), priority: z.number().int().min(1).max(5).default(3), line: ref.optional() })
  .strict();

/** Most orders one `plan.sequence` pins. */
export const PLAN_SEQUENCE_MAX = 1000;

const s = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ ...envelope, type: z.literal(type), ...shape }).strict();

export const signalSchemas = [
  // ERP
  s('order.created', { order: orderSpec }),
  s('order.changed', { orderId: ref, qty: qty.positive().optional(), due: instant.optional(), sku: ref.optional(), line: ref.optional() }),
  s('order.cancelled', { orderId: ref, reason: z.string().max(500).optional() }),
  s('order.priority', { orderId: ref, priority: z.number().int().min(1).max(5) }),
  s('demand.changed', { sku: ref, qtyDelta: signedQty, due: instant.optional(), customer: ref.optional() }),
  s('inventory.receipt', { component: ref, location: ref, qty: qty.positive(), lot: ref.optional() }),
  s('inventory.issue', { component: ref, location: ref, qty: qty.positive(), orderId: ref.optional(), line: ref.optional() }),
  s('inventory.adjustment', { component: ref, location: ref, qtyDelta: signedQty, reason: z.string().max(500).optional() }),
  s('po.eta', { po: ref, component: ref, qty: qty.positive(), eta: instant }),
  // MES
  s('machine.state', { machine: ref, state: z.enum(machineStates), reason: z.string().max(200).optional() }),
  s('production.count', { machine: ref, orderId: ref.optional(), good: qty, scrap: qty }),
  s('order.started', { orderId: ref, line: ref }),
  s('order.completed', { orderId: ref, line: ref }),
  s('quality.hold', { holdId: ref, orderId: ref.optional(), line: ref.optional(), lot: ref.optional(), reason: z.string().min(1).max(500) }),
  s('quality.release', { holdId: ref }),
  s('quality.deviation', { orderId: ref.optional(), line: ref.optional(), description: z.string().min(1).max(500) }),
  s('labour.clockIn', { person: ref, line: ref.optional() }),
  s('labour.clockOut', { person: ref }),
  // Takt's own clock, journaled so time-driven transitions replay deterministically.
  s('clock.tick', {}),
  // Plan: the queue head of a line as a planner (or a committed decision) fixed it. The named orders
  // run first, in this order; the rest keep the due/priority sequence after them. A later pin for
  // the same line replaces this one; an empty list clears it. Every order must wait on that line.
  s('plan.sequence', { line: ref, orderIds: z.array(ref).max(PLAN_SEQUENCE_MAX), decisionId: ref.optional() }),
] as const;

export const signalSchema = z.discriminatedUnion('type', signalSchemas);
export type Signal = z.infer<typeof signalSchema>;
export type SignalType = Signal['type'];
export type SignalOf<T extends SignalType> = Extract<Signal, { type: T }>;
export const signalTypes = signalSchemas.map((sc) => sc.shape.type.value) as SignalType[];
