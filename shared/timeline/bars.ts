/** Timeline bars: what the Gantt draws per line, plain and serialisable. */

export const barKinds = ['baseline', 'plan', 'run', 'changeover', 'clean', 'down', 'hold'] as const;
export type BarKind = (typeof barKinds)[number];

export interface Bar {
  lineId: string;
  kind: BarKind;
  start: number;
  end: number;
  /** Still going at `now` (end is now). */
  open?: boolean;
  label: string;
  orderId?: string;
  sku?: string;
  customer?: string;
  /** Downtime reason, hold reason. */
  reason?: string;
}

/** Compares bars by start, then end (the order the renderer's binary search needs). */
export function byStart(a: Bar, b: Bar): number {
  return a.start - b.start || a.end - b.end;
}

/** Overlap of [a0, a1) with [b0, b1) in ms (0 when disjoint). */
export function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** A decision (linked to its receipt, `#/decisions/<exceptionId>`) or an action (due/done/overdue) on a line. */
export type Marker =
  | { kind: 'decision'; id: string; exceptionId: string; lineId: string; at: number; label: string; status: string }
  | { kind: 'action'; id: string; decisionId: string; lineId: string; at: number; doneAt: number | null; state: 'due' | 'done' | 'overdue'; label: string; status: string };

export interface TimelineLine {
  id: string;
  name: string;
  areaId: string;
  areaName: string;
}

/** What `timeline.get` answers. */
export interface TimelineData {
  from: number;
  to: number;
  /** The twin's present. */
  now: number;
  /** When the twin started (nothing before it). */
  startTime: number;
  /** Start of the shift the baseline was frozen at. */
  baselineAt: number;
  lines: TimelineLine[];
  /** Sorted by start. */
  bars: Bar[];
  markers: Marker[];
  /** Why there are no markers (commit records not available yet), when so. */
  markersError?: string;
}
