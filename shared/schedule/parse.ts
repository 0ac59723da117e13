/**
 * Reads a schedule problem file (JSON, or YAML) into a checked `ScheduleProblem`, or into issues
 * that each name the file, the path inside it (e.g. `orders[3].minutes.L9`), line and column:
 * shape first (zod), then the cross-references the solver relies on (lines named in minutes,
 * changeovers, frozen and pins exist; every order has a line that can run it; ids are unique).
 * Pure: the caller reads the file.
 */
import { z } from 'zod';
import { parseChecked, type FileIssue, type RawIssue } from '../files/positioned';
import type { ScheduleProblem } from './model';

const minutes = z.number().finite().min(0);
const time = z.number().finite();
const id = z.string().min(1);

const windowSchema = z.strictObject({ from: time, to: time }).refine((w) => w.to > w.from, { message: 'a window must end after it starts (to > from)' });

const tailSchema = z.strictObject({
  id,
  family: z.string(),
  minutes,
  due: time,
  weight: z.number().finite().min(0),
  release: time.optional(),
});

const lineSchema = z.strictObject({
  id,
  initialFamily: z.string().optional(),
  availableFrom: time.optional(),
  blocked: z.array(windowSchema).optional(),
  tail: z.array(tailSchema).optional(),
});

const orderSchema = z.strictObject({
  id,
  family: z.string(),
  due: time,
  weight: z.number().finite().min(0),
  minutes: z.record(z.string(), minutes),
  release: time.optional(),
  current: z.strictObject({ lineId: z.string(), index: z.number().int().min(0) }).optional(),
});

export const scheduleProblemSchema = z.strictObject({
  takt: z.literal('schedule-problem').optional(),
  name: z.string().optional(),
  lines: z.array(lineSchema).min(1),
  orders: z.array(orderSchema),
  changeovers: z.record(z.string(), z.record(z.string(), z.record(z.string(), minutes))).optional(),
  initial: z.record(z.string(), z.string()).optional(),
  forbidden: z.record(z.string(), z.record(z.string(), z.array(z.string()))).optional(),
  frozen: z.record(z.string(), z.array(z.string())).optional(),
  pins: z.record(z.string(), z.string()).optional(),
  weights: z
    .strictObject({ tardiness: minutes.optional(), lateOrder: minutes.optional(), changeover: minutes.optional(), churn: minutes.optional() })
    .optional(),
});

type Issue = RawIssue & { severity: 'error' | 'warning' };

/** Cross-references of a shape-valid problem; an empty list means the solver can take it. */
export function checkScheduleProblem(p: ScheduleProblem): Issue[] {
  const issues: Issue[] = [];
  const error = (path: (string | number)[], message: string, target?: 'key'): void => void issues.push({ path, message, severity: 'error', ...(target ? { target } : {}) });
  const lineIds = new Set<string>();
  p.lines.forEach((l, i) => {
    if (lineIds.has(l.id)) error(['lines', i, 'id'], `duplicate line id '${l.id}'`);
    lineIds.add(l.id);
    const other = p.initial?.[l.id];
    if (l.initialFamily !== undefined && other !== undefined && other !== l.initialFamily) error(['initial', l.id], `line ${l.id} has initialFamily '${l.initialFamily}' but initial says '${other}'`);
  });
  const knownLine = (path: (string | number)[], lineId: string, what: string) => {
    if (!lineIds.has(lineId)) error(path, `${what} names line '${lineId}', which is not in lines (${[...lineIds].join(', ')})`, 'key');
  };
  const orders = new Map<string, ScheduleProblem['orders'][number]>();
  p.orders.forEach((o, i) => {
    if (orders.has(o.id)) error(['orders', i, 'id'], `duplicate order id '${o.id}'`);
    orders.set(o.id, o);
    for (const lineId of Object.keys(o.minutes)) knownLine(['orders', i, 'minutes', lineId], lineId, `order ${o.id}'s minutes`);
    if (!Object.keys(o.minutes).some((l) => lineIds.has(l))) error(['orders', i, 'minutes'], `order ${o.id} has no line that can run it: give its minutes on at least one line`);
  });
  // A tail run is an order beyond the horizon, already placed: it cannot also be an order the search places.
  p.lines.forEach((l, i) =>
    (l.tail ?? []).forEach((t, k) => {
      if (orders.has(t.id)) error(['lines', i, 'tail', k, 'id'], `tail run '${t.id}' of line ${l.id} is also in orders: list an order either in orders (to be planned) or in a line's tail (fixed after the plan), not both`);
    }),
  );
  for (const lineId of Object.keys(p.changeovers ?? {})) knownLine(['changeovers', lineId], lineId, 'changeovers');
  for (const lineId of Object.keys(p.initial ?? {})) knownLine(['initial', lineId], lineId, 'initial');
  for (const lineId of Object.keys(p.forbidden ?? {})) knownLine(['forbidden', lineId], lineId, 'forbidden');
  const frozenOn = new Map<string, string>();
  for (const [lineId, list] of Object.entries(p.frozen ?? {})) {
    knownLine(['frozen', lineId], lineId, 'frozen');
    list.forEach((orderId, i) => {
      const o = orders.get(orderId);
      if (!o) return error(['frozen', lineId, i], `frozen order '${orderId}' is not in orders`);
      if (frozenOn.has(orderId)) return error(['frozen', lineId, i], `order ${orderId} is frozen on both ${frozenOn.get(orderId)} and ${lineId}`);
      frozenOn.set(orderId, lineId);
      if (o.minutes[lineId] === undefined) error(['frozen', lineId, i], `order ${orderId} is frozen on ${lineId}, which cannot run it (no minutes for ${lineId})`);
      const pin = p.pins?.[orderId];
      if (pin !== undefined && pin !== lineId) error(['frozen', lineId, i], `order ${orderId} is frozen on ${lineId} but pinned to ${pin}`);
    });
  }
  for (const [orderId, lineId] of Object.entries(p.pins ?? {})) {
    const o = orders.get(orderId);
    if (!o) error(['pins', orderId], `pinned order '${orderId}' is not in orders`, 'key');
    else if (!lineIds.has(lineId)) error(['pins', orderId], `order ${orderId} is pinned to '${lineId}', which is not in lines`);
    else if (o.minutes[lineId] === undefined) error(['pins', orderId], `order ${orderId} is pinned to ${lineId}, which cannot run it (no minutes for ${lineId})`);
  }
  return issues;
}

export type ScheduleParseResult = { ok: true; problem: ScheduleProblem } | { ok: false; errors: FileIssue[] };

/** Parses and checks a problem file's text; `file` names it in issues and picks the format. */
export function parseScheduleProblemText(text: string, file: string): ScheduleParseResult {
  const r = parseChecked(text, file, {
    schema: scheduleProblemSchema,
    check: checkScheduleProblem,
    emptyHint: 'a schedule problem is a JSON object with "lines" and "orders"',
  });
  return r.ok ? { ok: true, problem: r.value } : { ok: false, errors: r.errors };
}
