/**
 * The messages a plant core publishes on NATS, as zod schemas with a version (`v`). A reader
 * rejects a message whose `v` it does not know (the schemas are strict about it) instead of
 * misreading it; a later version adds a new literal beside this one.
 *
 * - signal envelope (`takt.<site>.signals`): one accepted, journaled canonical signal with the
 *   journal position it holds in its plant (`seq`), so a reader can check order and gaps;
 * - twin summary (`takt.<site>.summary`): what a network view shows of a plant;
 * - record envelope (`takt.<site>.records.<kind>`): a business record as the plant's store holds it.
 */
import { z } from 'zod';
import { signalSchema } from '../signals/schema';
import { actionRecordSchema, approvalRecordSchema, auditEntrySchema, decisionReceiptSchema } from '../commit/records';
import { exceptionPriorities, exceptionTypes } from '../decide/rules-schema';
import { exceptionStates } from '../decide/exceptions/lifecycle';

export const FEDERATION_VERSION = 1 as const;

const site = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const position = z.number().int().nonnegative();
const time = z.number().finite();

export const signalEnvelopeSchema = z
  .object({
    v: z.literal(FEDERATION_VERSION),
    site,
    /** Journal position of the signal in its plant: 1, 2, 3… without gaps. */
    seq: position.min(1),
    signal: signalSchema,
  })
  .strict();
export type SignalEnvelope = z.infer<typeof signalEnvelopeSchema>;

export const lineStatuses = ['running', 'idle', 'down', 'changeover', 'cleaning', 'blocked', 'starved', 'held', 'unknown'] as const;

export const lineSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(lineStatuses),
    currentOrderId: z.string().nullable(),
    queued: z.number().int().nonnegative(),
    lateQueued: z.number().int().nonnegative(),
    good: z.number().nonnegative(),
    scrap: z.number().nonnegative(),
    /** Running share of observed plant time (0..1). */
    availability: z.number().min(0).max(1),
  })
  .strict();
export type LineSummary = z.infer<typeof lineSummarySchema>;

export const exceptionSummarySchema = z
  .object({
    id: z.string(),
    type: z.enum(exceptionTypes),
    priority: z.enum(exceptionPriorities),
    state: z.enum(exceptionStates),
    title: z.string(),
    lineId: z.string().optional(),
    raisedAt: time,
  })
  .strict();
export type ExceptionSummary = z.infer<typeof exceptionSummarySchema>;

export const plantKpisSchema = z
  .object({
    good: z.number().nonnegative(),
    scrap: z.number().nonnegative(),
    /** Scrap / (good + scrap); 0 before anything was produced. */
    scrapRatio: z.number().min(0).max(1),
    /** Mean of the lines' availability (0..1). */
    availability: z.number().min(0).max(1),
    linesDown: z.number().int().nonnegative(),
    openOrders: z.number().int().nonnegative(),
    lateOrders: z.number().int().nonnegative(),
  })
  .strict();
export type PlantKpis = z.infer<typeof plantKpisSchema>;

export const twinSummarySchema = z
  .object({
    v: z.literal(FEDERATION_VERSION),
    site,
    siteName: z.string(),
    /** Plant time of the twin (ms epoch; accelerated plants run ahead of the wall clock). */
    plantTime: time,
    /** Journal position the twin has applied. */
    position,
    /** Wall-clock ms epoch when the summary was made: freshness is a reader's now minus this. */
    publishedAt: time,
    /** A summary is also sent when nothing changed, every interval: a reader marks a plant stale when they stop. */
    intervalMs: z.number().int().positive(),
    lines: z.array(lineSummarySchema),
    kpis: plantKpisSchema,
    /** Open (not closed) exceptions, most urgent first, at most MAX_SUMMARY_EXCEPTIONS. */
    openExceptions: z.array(exceptionSummarySchema),
    /** How many open exceptions there are in all (the list may be cut). */
    openExceptionCount: z.number().int().nonnegative(),
  })
  .strict();
export type TwinSummary = z.infer<typeof twinSummarySchema>;

export const MAX_SUMMARY_EXCEPTIONS = 50;

const recordBase = { v: z.literal(FEDERATION_VERSION), site, id: z.string().min(1).max(128) };

export const recordEnvelopeSchema = z.discriminatedUnion('kind', [
  z.object({ ...recordBase, kind: z.literal('decision'), record: decisionReceiptSchema }).strict(),
  z.object({ ...recordBase, kind: z.literal('approval'), record: approvalRecordSchema }).strict(),
  z.object({ ...recordBase, kind: z.literal('action'), record: actionRecordSchema }).strict(),
  z.object({ ...recordBase, kind: z.literal('audit'), record: auditEntrySchema }).strict(),
]);
export type RecordEnvelope = z.infer<typeof recordEnvelopeSchema>;

/** Parses a message's text; `ok: false` says why (JSON or the schema path) for dead letters and logs. */
export function parseFederationMessage<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `invalid JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const iss = r.error.issues[0]!;
  return { ok: false, reason: `${iss.path.length ? iss.path.join('.') : '(message)'}: ${iss.message}` };
}
