/** What `kpi.get` and `report.shift` answer: plain data, shown by the UI and the shift report. */
import type { ElementaryQuantities, IsoKpis, KpiValue } from './iso22400';
import type { AdherenceDetail, ExceptionTimes, MeanValue } from './execution';
import type { Period, PeriodKind } from './periods';

export const kpiScopes = ['plant', 'area', 'line'] as const;
export type KpiScope = (typeof kpiScopes)[number];

export interface ExecutionKpis {
  scheduleAdherence: KpiValue & { details: AdherenceDetail[]; toleranceMinutes: number };
  onTimeDelivery: KpiValue;
  onTimeProjected: KpiValue;
  exceptions: ExceptionTimes[];
  floodRate: KpiValue;
  /** Null where commit records are not available (see recordsError). */
  decisionCycleTime: MeanValue | null;
  actionSla: KpiValue | null;
  replans: number | null;
  recordsError?: string;
}

export interface KpiTargets {
  oee: number;
  scheduleAdherence: number;
  onTimeDelivery: number;
}

export interface KpiTrendPoint {
  period: Period;
  oee: number | null;
  availability: number | null;
  effectiveness: number | null;
  qualityRatio: number | null;
  scheduleAdherence: number | null;
  onTimeDelivery: number | null;
}

export interface KpiReport {
  scope: KpiScope;
  id: string;
  name: string;
  periodKind: PeriodKind;
  period: Period;
  /** The twin's present when computed. */
  now: number;
  quantities: ElementaryQuantities;
  iso: IsoKpis;
  execution: ExecutionKpis;
  targets: KpiTargets;
  trend: KpiTrendPoint[];
}

export interface ShiftLineRow {
  lineId: string;
  name: string;
  areaId: string;
  quantities: ElementaryQuantities;
  iso: IsoKpis;
}

/**
 * A shift's decision judged against what happened (shared/decide/review), or why it is not yet:
 * `pending` until its horizon has passed, `unavailable` when it cannot be reviewed (with the reason).
 */
export type ShiftDecisionReview =
  | {
      state: 'reviewed';
      endMaeMinutes: number | null;
      regret: number;
      best: string;
      forecastCost: number;
      hindsightCost: number;
      cycleMinutes: number | null;
      /** The assumptions the hindsight could not check (a committed what-if's), in words; absent when none. */
      hindsightGaps?: string[];
    }
  | { state: 'pending'; horizonEnds: number }
  | { state: 'unavailable'; reason: string };

export interface ShiftReport {
  /** `timeZone`: the plant's (site.timezone), the zone every time in the report is shown in. */
  plant: { id: string; name: string; timeZone?: string };
  period: Period;
  generatedAt: number;
  now: number;
  plantKpis: KpiReport;
  lines: ShiftLineRow[];
  downtime: { reason: string; ms: number; stops: number }[];
  exceptions: { id: string; priority: string; title: string; lineId: string | null; raisedAt: number; acknowledgedAt: number | null; closedAt: number | null; state: string }[];
  decisions: { id: string; exceptionId: string; title: string; lineId: string; committedAt: number; committedBy: string; chosen: string; status: string; review: ShiftDecisionReview }[];
  actions: { id: string; title: string; lineId: string; ownerName: string; dueAt: number; status: string; overdue: boolean }[];
  recordsError?: string;
}
