/**
 * Converters from the public benchmark formats to Takt's schedule problem (bench only, not the
 * product). Both sets are single-machine problems: one line "M", and each job its own family so
 * that a job-to-job setup matrix is a changeover matrix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScheduleProblem } from '../../shared/schedule/model';

export interface Instance {
  name: string;
  problem: ScheduleProblem;
}

/**
 * The shared reference data: $TAKT_BENCH_DATA/<sub>, else ../shared/bench/<sub> beside the
 * repository (or beside a folder above it, for git worktrees); a clear stop when it is absent.
 */
export function dataDir(sub: string): string {
  const env = process.env.TAKT_BENCH_DATA;
  const tried = env ? [join(env, sub)] : [];
  for (let dir = dirname(process.cwd()); ; dir = dirname(dir)) {
    tried.push(join(dir, 'shared', 'bench', sub));
    if (dirname(dir) === dir || tried.length > 4) break;
  }
  const found = tried.find((d) => existsSync(d));
  if (!found) {
    console.error(`bench schedule: the reference data is missing: looked in ${tried.join(', ')}. Put the public set at ../shared/bench/${sub} beside the repository or set TAKT_BENCH_DATA.`);
    process.exit(2);
  }
  return found;
}

function numbers(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
}

/** OR-Library wtNN: per instance NN processing times, NN weights, NN due dates. */
export function orlib(dir: string, n: number): Instance[] {
  const all = numbers(join(dir, `wt${n}.txt`));
  if (all.length % (3 * n) !== 0) throw new Error(`wt${n}.txt: ${all.length} numbers is not a whole number of ${n}-job instances`);
  const out: Instance[] = [];
  for (let b = 0, k = 1; b < all.length; b += 3 * n, k++) {
    const orders = Array.from({ length: n }, (_, i) => ({
      id: `J${i + 1}`,
      family: `J${i + 1}`,
      minutes: { M: all[b + i]! },
      weight: all[b + n + i]!,
      due: all[b + 2 * n + i]!,
    }));
    out.push({ name: `wt${n}-${k}`, problem: { takt: 'schedule-problem', name: `wt${n}-${k}`, lines: [{ id: 'M' }], orders } });
  }
  return out;
}

export function references(file: string): number[] {
  return numbers(file);
}

/** Cicirello's wt_sds_K.instance: process times, weights, due dates, then `i j s` setups (i = -1: before the first job). */
export function wtsds(file: string, name: string): Instance {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const section = (title: string) => lines.findIndex((l) => l.trim() === title);
  const size = Number(/Problem Size:\s*(\d+)/.exec(lines.join('\n'))?.[1]);
  if (!Number.isInteger(size)) throw new Error(`${file}: no "Problem Size:" line`);
  const block = (title: string) => {
    const at = section(title);
    if (at < 0) throw new Error(`${file}: no "${title}" section`);
    return lines.slice(at + 1, at + 1 + size).map((l) => Number(l.trim()));
  };
  const p = block('Process Times:');
  const w = block('Weights:');
  const d = block('Duedates:');
  const changeovers: Record<string, Record<string, number>> = {};
  for (const l of lines.slice(section('Setup Times:') + 1)) {
    const m = /^\s*(-?\d+)\s+(\d+)\s+(\d+)\s*$/.exec(l);
    if (!m) continue;
    const from = m[1] === '-1' ? 'start' : `J${m[1]}`;
    (changeovers[from] ??= {})[`J${m[2]}`] = Number(m[3]);
  }
  const orders = p.map((pi, i) => ({ id: `J${i}`, family: `J${i}`, minutes: { M: pi }, weight: w[i]!, due: d[i]! }));
  return { name, problem: { takt: 'schedule-problem', name, lines: [{ id: 'M', initialFamily: 'start' }], orders, changeovers: { M: changeovers } } };
}
