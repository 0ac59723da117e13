/**
 * The exception record as the registry keeps it and the protocol and HTTP API send it, defined once
 * in zod: its type is inferred here, and the OpenAPI document's `Exception` is generated from it.
 */
import { z } from 'zod';
import { exceptionPriorities, exceptionTypes } from '../rules-schema';
import { exceptionStates, lifecycleEvents } from './lifecycle';

/** What an exception is about; every field is optional because exceptions differ in what they name. */
export const exceptionSubjectSchema = z.object({
  lineId: z.string().optional(),
  orderId: z.string().optional(),
  machineId: z.string().optional(),
  component: z.string().optional(),
  holdId: z.string().optional(),
});
export type ExceptionSubject = z.infer<typeof exceptionSubjectSchema>;

const state = z.enum(exceptionStates);

export const exceptionTransitionSchema = z.object({
  at: z.number(),
  /** Person id, or `system` for detection and expiry. */
  by: z.string(),
  event: z.enum([...lifecycleEvents, 'raised']),
  from: state.nullable(),
  to: state,
  note: z.string().optional(),
});
export type ExceptionTransition = z.infer<typeof exceptionTransitionSchema>;

export const exceptionCommentSchema = z.object({
  at: z.number(),
  by: z.string(),
  text: z.string(),
});
export type ExceptionComment = z.infer<typeof exceptionCommentSchema>;

export const exceptionRecordSchema = z.object({
  id: z.string(),
  key: z.string(),
  type: z.enum(exceptionTypes),
  priority: z.enum(exceptionPriorities),
  title: z.string(),
  detail: z.string(),
  subject: exceptionSubjectSchema,
  numbers: z.record(z.string(), z.number()).optional(),
  state,
  /** Whether the detected condition is present (tracked while shelved or out of service too). */
  conditionActive: z.boolean(),
  raisedAt: z.number(),
  updatedAt: z.number(),
  clearedAt: z.number().nullable(),
  closedAt: z.number().nullable(),
  acknowledged: z.object({ by: z.string(), at: z.number() }).nullable(),
  shelved: z.object({ by: z.string(), at: z.number(), until: z.number(), reason: z.string() }).nullable(),
  outOfService: z.object({ by: z.string(), at: z.number(), reason: z.string() }).nullable(),
  suppressedBy: z.string().nullable(),
  comments: z.array(exceptionCommentSchema),
  history: z.array(exceptionTransitionSchema),
});
export type ExceptionRecord = z.infer<typeof exceptionRecordSchema>;
