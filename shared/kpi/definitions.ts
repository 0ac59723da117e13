/** What each KPI means, in the words the UI and the shift report show (one source for both). */
import type { IsoKpiId } from './iso22400';
import type { ExecutionKpiId } from './execution';

export interface KpiDefinition {
  label: string;
  formula: string;
  text: string;
  unit: 'share' | 'per-hour' | 'minutes' | 'count';
  /** Whether more is better (for colouring against targets). */
  higherIsBetter: boolean;
}

export const kpiDefinitions: Record<IsoKpiId | ExecutionKpiId, KpiDefinition> = {
  availability: { label: 'Availability', formula: 'APT / PBT', text: 'Actual production time (line running) over planned busy time (the observed part of the period).', unit: 'share', higherIsBetter: true },
  effectiveness: { label: 'Effectiveness', formula: 'PRI × PQ / APT', text: 'Planned run time per item times produced quantity, over actual production time: speed against the planned rate.', unit: 'share', higherIsBetter: true },
  qualityRatio: { label: 'Quality ratio', formula: 'GQ / PQ', text: 'Good quantity over produced quantity (good at the last machine plus scrap on every machine).', unit: 'share', higherIsBetter: true },
  oee: { label: 'OEE', formula: 'Availability × Effectiveness × Quality ratio', text: 'Overall equipment effectiveness (ISO 22400-2).', unit: 'share', higherIsBetter: true },
  setupRate: { label: 'Setup rate', formula: 'ASUT / AUPT', text: 'Actual setup time (changeovers and cleans) over actual unit processing time (APT + ASUT).', unit: 'share', higherIsBetter: false },
  throughputRate: { label: 'Throughput rate', formula: 'PQ / AOET', text: 'Produced quantity per hour of actual order execution time.', unit: 'per-hour', higherIsBetter: true },
  scrapRatio: { label: 'Scrap ratio', formula: 'SQ / PQ', text: 'Scrap quantity over produced quantity.', unit: 'share', higherIsBetter: false },
  scheduleAdherence: {
    label: 'Schedule adherence',
    formula: 'orders on plan / orders planned',
    text: 'Not an ISO 22400 KPI. Of the orders the baseline plan (frozen at shift start) planned to finish in the period, the share that started AND completed within the tolerance of their planned start and end.',
    unit: 'share',
    higherIsBetter: true,
  },
  onTimeDelivery: { label: 'On-time delivery', formula: 'completed by due / completed', text: 'Orders completed in the period at or before their due time, over orders completed in the period.', unit: 'share', higherIsBetter: true },
  onTimeProjected: { label: 'On-time (projected)', formula: 'open orders projected by due / open orders due', text: 'Open orders due in the period whose projected completion is at or before due, over open orders due in the period.', unit: 'share', higherIsBetter: true },
  timeToAcknowledge: { label: 'Time to acknowledge', formula: 'mean(ack − raised)', text: 'Mean minutes from an exception being raised to its acknowledgement, per priority.', unit: 'minutes', higherIsBetter: false },
  timeToResolve: { label: 'Time to resolve', formula: 'mean(closed − raised)', text: 'Mean minutes from an exception being raised to it closing, per priority.', unit: 'minutes', higherIsBetter: false },
  floodRate: { label: 'Flood rate', formula: 'flooded 10-min windows / windows', text: 'Share of 10-minute windows with more than 10 new exceptions per operator (ISA-18.2).', unit: 'share', higherIsBetter: false },
  decisionCycleTime: { label: 'Decision cycle time', formula: 'mean(committed − raised)', text: 'Mean minutes from an exception being raised to a decision on it being committed.', unit: 'minutes', higherIsBetter: false },
  actionSla: { label: 'Action SLA adherence', formula: 'actions done by due / actions due', text: 'Actions due in the period (by now) that were done at or before their due time.', unit: 'share', higherIsBetter: true },
  replans: { label: 'Replans', formula: 'count of committed decisions', text: 'Decisions committed in the period that changed the plan.', unit: 'count', higherIsBetter: false },
};
