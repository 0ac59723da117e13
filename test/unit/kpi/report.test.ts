import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { fmtTime, shiftReportCsv, shiftReportHtml, toCsv } from '../../../shared/kpi/report-html';
import { emptyQuantities, iso22400 } from '../../../shared/kpi/iso22400';
import type { KpiReport, ShiftReport } from '../../../shared/kpi/report';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 6);
const q = { pbtMs: 8 * H, aptMs: 6 * H, asutMs: H, aoetMs: 7 * H, plannedRunMs: 18_600_000, pq: 3100, gq: 3000, sq: 100 };
const kpis: KpiReport = {
  scope: 'plant',
  id: 'p',
  name: 'Plant',
  periodKind: 'shift',
  period: { kind: 'shift', from: T0, to: T0 + 8 * H, label: 'Early 2026-11-26 06:00', shiftId: 'early' },
  now: T0 + 8 * H,
  quantities: q,
  iso: iso22400(q),
  execution: {
    scheduleAdherence: { value: 0.5, numerator: 2, denominator: 4, details: [{ orderId: 'A,"1"', plannedStart: T0, plannedEnd: T0 + H, startedAt: null, completedAt: null, onPlan: false, why: 'not started' }], toleranceMinutes: 30 },
    onTimeDelivery: { value: null, numerator: 0, denominator: 0 },
    onTimeProjected: { value: null, numerator: 0, denominator: 0 },
    exceptions: [],
    floodRate: { value: 0, numerator: 0, denominator: 48 },
    decisionCycleTime: null,
    actionSla: null,
    replans: null,
    recordsError: 'commit records are not available: decisions.list: not served',
  },
  targets: { oee: 0.75, scheduleAdherence: 0.95, onTimeDelivery: 0.97 },
  trend: [],
};
const report: ShiftReport = {
  plant: { id: 'p', name: 'Plant <One>' },
  period: kpis.period,
  generatedAt: T0 + 8 * H,
  now: T0 + 8 * H,
  plantKpis: kpis,
  lines: [{ lineId: 'L1', name: 'Line 1', areaId: 'A', quantities: q, iso: iso22400(q) }, { lineId: 'L2', name: 'Line 2', areaId: 'A', quantities: emptyQuantities(), iso: iso22400(emptyQuantities()) }],
  downtime: [{ reason: 'jam', ms: H, stops: 1 }],
  exceptions: [],
  decisions: [],
  actions: [],
  recordsError: kpis.execution.recordsError,
};

describe('shift report', () => {
  it('CSV quotes commas, quotes and newlines', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['line\nbreak', null]])).toBe('"a","b"\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n');
  });
  it('has a CSV for every table with the numbers of the report', () => {
    const csv = shiftReportCsv(report);
    expect(Object.keys(csv).sort()).toEqual(['actions.csv', 'decisions.csv', 'downtime.csv', 'exceptions.csv', 'kpis.csv', 'lines.csv', 'schedule-adherence.csv']);
    expect(csv['kpis.csv']).toContain('"oee",0.625,');
    expect(csv['lines.csv']!.split('\r\n')[2]).toMatch(/^"L2","Line 2","A",,,,,,,,0,0,0,0,0,0$/);
    expect(csv['downtime.csv']).toContain('"jam",60,1');
    expect(csv['schedule-adherence.csv']).toContain('"A,""1""",');
  });
  it('HTML: one escaped page with KPIs, Pareto and the missing-records note', () => {
    const html = shiftReportHtml(report);
    expect(html).toContain('Plant &lt;One&gt;');
    expect(html).not.toContain('Plant <One>');
    expect(html).toContain('62.5 %'); // OEE
    expect(html).toContain('50.0 %'); // schedule adherence
    expect(html).toContain('60 min · 1× · Σ 100 %');
    expect(html).toContain('Decision records not available');
    expect(html).toContain('@page { size: A4 landscape');
    expect(html).not.toContain('NaN');
    expect(shiftReportHtml(report, { csvLinks: true })).toContain('download="lines.csv"');
  });
  it('lists the decisions of the shift with their review, or that their horizon has not passed yet', () => {
    const base = { exceptionId: 'EX-1', title: 'Line 1 down', lineId: 'L1', committedAt: T0 + H, committedBy: 'Ana', chosen: 'Move to L2', status: 'dispatched' };
    const { recordsError: _none, ...complete } = report;
    const withDecisions: ShiftReport = {
      ...complete,
      decisions: [
        { ...base, id: 'D-1', review: { state: 'reviewed', endMaeMinutes: 4.5, regret: 12.25, best: 'Wait <repair>', forecastCost: 100, hindsightCost: 130, cycleMinutes: 6 } },
        { ...base, id: 'D-4', review: { state: 'reviewed', endMaeMinutes: 2, regret: 0, best: 'Plan as is', forecastCost: 90, hindsightCost: 90, cycleMinutes: null, hindsightGaps: ['disruptions.1 (absence): the hindsight forecast does not read crew absences from the journal'] } },
        { ...base, id: 'D-2', review: { state: 'pending', horizonEnds: T0 + 25 * H } },
        { ...base, id: 'D-3', review: { state: 'unavailable', reason: 'rule set missing' } },
      ],
    };
    const html = shiftReportHtml(withDecisions, { timeZone: 'UTC' });
    expect(html).toContain('MAE 4.5 min · regret 12.25 (best: Wait &lt;repair&gt;)');
    expect(html).toContain(`horizon not passed yet (ends ${fmtTime(T0 + 25 * H, 'UTC')})`);
    expect(html).toContain('not reviewed: rule set missing');
    expect(html).toContain('MAE 2 min · regret 0 · not checked in hindsight: absence');
    const rows = parse(shiftReportCsv(withDecisions)['decisions.csv']!) as string[][];
    expect(rows[0]!.slice(-6)).toEqual(['review', 'endMaeMinutes', 'regret', 'bestInHindsight', 'cycleMinutes', 'hindsightGaps']);
    expect(rows[1]!.slice(-6)).toEqual(['reviewed', '4.5', '12.25', 'Wait <repair>', '6', '']);
    expect(rows[2]!.slice(-6)).toEqual(['reviewed', '2', '0', 'Plan as is', '', 'disruptions.1 (absence): the hindsight forecast does not read crew absences from the journal']);
    expect(rows[3]!.slice(-6)).toEqual([`horizon not passed yet (ends ${new Date(T0 + 25 * H).toISOString()})`, '', '', '', '', '']);
    expect(rows[4]!.slice(-6)).toEqual(['not reviewed: rule set missing', '', '', '', '', '']);
  });
});
