/**
 * `takt schedule --problem FILE.json`: solves a plain schedule problem file with the re-planner
 * and prints the plan. With --json the last line printed is one JSON object:
 * {"lines": {...}, "objective": n, "parts": {...}, "elapsed_ms": n, "iterations": n, "stopped_by": "..."}
 * where the objective is recomputed from the printed sequences by evaluate().
 * Exit codes: 0 solved, 1 invalid problem file, 2 unreadable file, 3 no plan avoids every
 * forbidden transition (the plan is still printed, with its violations).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { formatPlantIssues } from '../../shared/plant/parse';
import { ScheduleProblemError } from '../../shared/schedule/compile';
import { evaluate } from '../../shared/schedule/evaluate';
import type { ScheduleProblem, SolveResult } from '../../shared/schedule/model';
import { parseScheduleProblemText } from '../../shared/schedule/parse';
import { solve } from '../../shared/schedule/solve';

export interface ScheduleCommandOptions {
  problem?: string;
  timeLimitMs: number;
  seed: number;
  json?: boolean;
  /** Re-plan a data folder's twin instead (./schedule-data.ts): the next `hours`, written as a scenario to `outFile`. */
  data?: string;
  hours?: number;
  plant?: string;
  outFile?: string;
  maxMoved?: number;
  /** Where output goes (tests); defaults to stdout and stderr. */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export async function scheduleCommand(o: ScheduleCommandOptions): Promise<number> {
  const err = o.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  // One source of problems per run: a problem file, or a data folder's twin.
  if (o.problem !== undefined && o.data !== undefined) {
    err('takt schedule: give either --problem FILE.json or --data DIR, not both');
    return 2;
  }
  if (o.problem !== undefined) return solveProblemFile(o.problem, o);
  if (o.data !== undefined) {
    return (await import('./schedule-data')).scheduleDataCommand({
      data: o.data,
      hours: o.hours ?? 24,
      timeLimitMs: o.timeLimitMs,
      seed: o.seed,
      ...(o.plant !== undefined ? { plant: o.plant } : {}),
      ...(o.outFile !== undefined ? { out: o.outFile } : {}),
      ...(o.maxMoved !== undefined ? { maxMoved: o.maxMoved } : {}),
      ...(o.json ? { json: true } : {}),
      ...(o.out ? { outFn: o.out } : {}),
      ...(o.err ? { err: o.err } : {}),
    });
  }
  err('takt schedule: give the problem to solve with --problem FILE.json, or a data folder to re-plan with --data DIR');
  return 2;
}

async function solveProblemFile(file: string, o: ScheduleCommandOptions): Promise<number> {
  const err = o.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`takt schedule: cannot read the problem file ${resolve(file)}: ${(e as Error).message}`);
    return 2;
  }
  const parsed = parseScheduleProblemText(text, file);
  if (!parsed.ok) {
    err(`${formatPlantIssues(parsed.errors)}\n${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'} in ${file}: fix ${parsed.errors.length === 1 ? 'it' : 'them'} and run again`);
    return 1;
  }
  return solveAndReport(parsed.problem, o);
}

/** Solves and prints; the printed objective is recomputed from the printed sequences. */
export function solveAndReport(problem: ScheduleProblem, o: ScheduleCommandOptions): number {
  const out = o.out ?? ((t: string) => void process.stdout.write(t + '\n'));
  const err = o.err ?? ((t: string) => void process.stderr.write(t + '\n'));
  let result: SolveResult;
  try {
    result = solve(problem, { timeLimitMs: o.timeLimitMs, seed: o.seed, now: () => performance.now() });
  } catch (e) {
    if (!(e instanceof ScheduleProblemError)) throw e;
    err(`takt schedule: ${e.message}`);
    return 1;
  }
  const check = evaluate(problem, result.plan);
  if (o.json) {
    out(
      JSON.stringify({
        ...(problem.name !== undefined ? { name: problem.name } : {}),
        lines: result.plan.lines,
        objective: check.objective,
        parts: check.parts,
        elapsed_ms: Math.round(result.elapsedMs),
        iterations: result.iterations,
        stopped_by: result.stoppedBy,
        ...(check.violations.length > 0 ? { violations: check.violations } : {}),
      }),
    );
  } else {
    out(`${problem.name ?? 'schedule'}: objective ${check.objective} (weighted tardiness ${check.parts.weightedTardiness}, ${check.parts.lateOrders} late, ${check.parts.changeoverMinutes} changeover minutes, ${check.parts.moved} moved)`);
    for (const [lineId, seq] of Object.entries(result.plan.lines)) out(`  ${lineId}: ${seq.length ? seq.join(' ') : '(nothing)'}`);
    out(`${result.iterations} iterations in ${Math.round(result.elapsedMs)} ms, stopped by ${result.stoppedBy}`);
  }
  if (check.violations.length > 0) {
    err(`takt schedule: no plan found avoids every forbidden transition:\n  ${check.violations.join('\n  ')}`);
    return 3;
  }
  return 0;
}
