/**
 * Crew coverage: each shift's operators and leads are matched to lines by skill; a line short of
 * people runs at the covered share of its rate; running outside every shift is overtime. In a run,
 * the rate factors change at shift starts and ends and where absences begin or end.
 */
import type { Plant } from '../../plant/schema';
import { MINUTE, shiftAt, type PlantIndex } from '../../twin/schedule';
import { wallTimeOn } from '../../clock/zone';
import { interruptRun, startSegment } from './dispatch';
import { toMin, toMs, type Run } from './run';
import type { Absence } from './types';

function crewAt(run: Run, min: number): { factors: Map<string, number> | null; overtime: boolean } {
  const { plant, st } = run;
  if (plant.shifts.length === 0) return { factors: null, overtime: false };
  const at = toMs(run, min);
  const shift = shiftAt(plant, at);
  if (!shift) return { factors: null, overtime: true };
  const active = st.absences.filter((a) => a.from <= at && at < a.until);
  const key = `${shift.id}|${active.map((a) => st.absences.indexOf(a)).join(',')}`;
  let f = run.crewCache.get(key);
  if (!f) run.crewCache.set(key, (f = crewCoverage(plant, run.index, shift.crew, active)));
  return { factors: f, overtime: false };
}

/** Sets each line's rate factor and overtime flag for sim minute `min`; a running segment restarts at the new rate. */
export function applyCrew(run: Run, min: number): void {
  const c = crewAt(run, min);
  for (const l of run.lines) {
    const factor = c.factors ? (c.factors.get(l.s.id) ?? 1) : 1;
    if (factor !== l.factor || c.overtime !== l.overtime) {
      const wasRunning = l.phase === 'run';
      if (wasRunning) interruptRun(run, l);
      l.factor = factor;
      l.overtime = c.overtime;
      if (wasRunning) startSegment(run, l);
    } else if (l.phase === 'starved' && l.waitingFor === 'crew') startSegment(run, l);
  }
}

/** Plant times inside the horizon where the crew may change: shift starts and ends, absences' bounds; ascending. */
export function crewChangeTimes(run: Run, horizonHours: number): number[] {
  const { plant, st, t0, H } = run;
  const crewTimes = new Set<number>();
  if (plant.shifts.length > 0) {
    for (let d = 0; d * 24 <= horizonHours + 24; d++) {
      for (const s of plant.shifts) {
        for (const hhmm of [s.start, s.end]) {
          const at = wallTimeOn(plant.site.timezone, t0, d, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));
          if (at > t0 && at < t0 + H * MINUTE) crewTimes.add(at);
        }
      }
    }
  }
  for (const a of st.absences) for (const at of [a.from, a.until]) if (at > t0 && at < t0 + H * MINUTE) crewTimes.add(at);
  return [...crewTimes].sort((a, b) => a - b);
}

/** Schedules a crew change at each of `crewChangeTimes` (before other events at the same minute). */
export function scheduleCrewChanges(run: Run, horizonHours: number): void {
  for (const at of crewChangeTimes(run, horizonHours)) run.sim.schedule(toMin(run, at), run.on.crewChange, toMin(run, at), -1);
}

/**
 * Rate factor per line for a shift's crew with absences: the people a line gets from the roster as
 * planned count as full coverage (the live twin runs every line with its rostered crew); absences
 * cut a line's rate by the share of those people who are missing. 1 for every line without absences.
 */
export function crewCoverage(plant: Plant, index: PlantIndex, crewId: string, absences: readonly Absence[]): Map<string, number> {
  const out = new Map<string, number>();
  if (absences.length === 0) {
    for (const l of index.lines) out.set(l.id, 1);
    return out;
  }
  const normal = crewAssignment(plant, index, crewId, []);
  const now = crewAssignment(plant, index, crewId, absences);
  for (const l of index.lines) {
    const n = normal.get(l.id) ?? 0;
    out.set(l.id, n === 0 ? (absences.some((a) => a.lineId === l.id && a.count) ? 0 : 1) : Math.min(1, (now.get(l.id) ?? 0) / n));
  }
  return out;
}

/**
 * People per line for a shift's crew, less absences: operators and leads are matched to lines by
 * skill (lines with the fewest qualified people first), then lines still short take any unassigned
 * operator; a line-bound absence count comes off that line.
 */
export function crewAssignment(plant: Plant, index: PlantIndex, crewId: string, absences: readonly Absence[]): Map<string, number> {
  const crew = plant.crews.find((c) => c.id === crewId);
  const out = new Map<string, number>();
  if (!crew) {
    for (const l of index.lines) out.set(l.id, l.crewSize);
    return out;
  }
  const missing = new Set<string>();
  for (const a of absences) for (const p of a.people ?? []) missing.add(p);
  let pool = crew.members.filter((m) => (m.role === 'operator' || m.role === 'lead') && !missing.has(m.id));
  // unnamed absences from the shift as a whole: the last people on the roster
  const shiftWide = absences.filter((a) => a.count && !a.lineId).reduce((n, a) => n + (a.count ?? 0), 0);
  if (shiftWide > 0) pool = pool.slice(0, Math.max(0, pool.length - shiftWide));
  const lineSkills = new Map<string, string[]>();
  for (const area of plant.areas) for (const l of area.lines) lineSkills.set(l.id, l.crew.skills);
  const qualified = (skills: readonly string[], p: (typeof pool)[number]) => skills.length === 0 || p.skills.some((s) => skills.includes(s));
  const lineOrder = index.lines
    .map((l, i) => ({ l, i, q: pool.filter((p) => qualified(lineSkills.get(l.id) ?? [], p)).length }))
    .sort((a, b) => a.q - b.q || a.i - b.i);
  const taken = new Set<string>();
  const assigned = new Map<string, number>();
  for (const { l } of lineOrder) {
    let n = 0;
    const skills = lineSkills.get(l.id) ?? [];
    for (const p of pool) {
      if (n >= l.crewSize) break;
      if (taken.has(p.id) || !qualified(skills, p)) continue;
      taken.add(p.id);
      n++;
    }
    assigned.set(l.id, n);
  }
  for (const { l } of lineOrder) {
    let n = assigned.get(l.id) ?? 0;
    for (const p of pool) {
      if (n >= l.crewSize) break;
      if (taken.has(p.id)) continue;
      taken.add(p.id);
      n++;
    }
    assigned.set(l.id, n);
  }
  for (const a of absences) if (a.count && a.lineId) assigned.set(a.lineId, Math.max(0, (assigned.get(a.lineId) ?? 0) - a.count));
  for (const l of index.lines) out.set(l.id, assigned.get(l.id) ?? 0);
  return out;
}

