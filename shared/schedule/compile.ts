/**
 * The problem in the solver's indexed form: orders, lines and families become numbers, and every
 * lookup the search makes in its inner loops is a typed-array read. Same rules as ./evaluate.ts.
 */
import { initialFamilyOf, weightsOf } from './evaluate';
import type { ScheduleProblem } from './model';
import { mergeWindows } from './timing';

/** Cost of one forbidden transition inside the search: any feasible plan beats any infeasible one. */
export const FORBIDDEN_PENALTY = 1e12;

export interface Compiled {
  n: number;
  m: number;
  /** Families (orders' and lines' initial ones). */
  f: number;
  orderIds: string[];
  lineIds: string[];
  family: Int32Array;
  due: Float64Array;
  weight: Float64Array;
  release: Float64Array;
  /** minutes[l * n + j]; meaningful only where eligible. */
  minutes: Float64Array;
  /** eligible[l * n + j]: the line can run the order and no pin keeps it elsewhere. */
  eligible: Uint8Array;
  /** setup[l][a * f + b]: changeover minutes from family a to family b on line l. */
  setup: Float64Array[];
  forbidden: Uint8Array[];
  /** Initial family per line, -1 when none (no changeover, nothing forbidden before the first order). */
  initialFamily: Int32Array;
  availableFrom: Float64Array;
  windows: Float64Array[];
  /** frozen[l]: the orders that stay first on line l, in that order. */
  frozen: Int32Array[];
  isFrozen: Uint8Array;
  /** Line of the order in the committed plan: -1 none (never counts as moved), -2 a line not in the problem (always moved). */
  currentLine: Int32Array;
  currentIndex: Int32Array;
  wTardiness: number;
  wLate: number;
  wChangeover: number;
  wChurn: number;
  /** Line l can be searched with dynasearch swaps: no changeovers, releases, windows or forbidden pairs, so a swap leaves the completion times outside it as they were. */
  simpleLine: Uint8Array;
  /** The frozen tail of each line (./model.ts `ScheduleLine.tail`): runs after the plan, costed, never moved. */
  tailFamily: Int32Array[];
  tailMinutes: Float64Array[];
  tailDue: Float64Array[];
  tailWeight: Float64Array[];
  tailRelease: Float64Array[];
  /** Line l never idles between runs (no windows, no release after it is free): a delay carries whole to every later run. */
  noIdle: Uint8Array;
}

export class ScheduleProblemError extends Error {}

export function compile(problem: ScheduleProblem): Compiled {
  const n = problem.orders.length;
  const m = problem.lines.length;
  const orderIds = problem.orders.map((o) => o.id);
  const lineIds = problem.lines.map((l) => l.id);
  const lineIndex = new Map(lineIds.map((id, i) => [id, i]));
  const orderIndex = new Map(orderIds.map((id, i) => [id, i]));
  const families = new Map<string, number>();
  const fam = (name: string) => {
    let i = families.get(name);
    if (i === undefined) families.set(name, (i = families.size));
    return i;
  };
  const family = Int32Array.from(problem.orders.map((o) => fam(o.family)));
  const initialFamily = Int32Array.from(problem.lines.map((l) => {
    const f = initialFamilyOf(problem, l);
    return f === undefined ? -1 : fam(f);
  }));
  const tails = problem.lines.map((l) => l.tail ?? []);
  const tailFamily = tails.map((t) => Int32Array.from(t.map((r) => fam(r.family))));
  const f = Math.max(1, families.size);
  const minutes = new Float64Array(m * n);
  const eligible = new Uint8Array(m * n);
  problem.orders.forEach((o, j) => {
    const pin = problem.pins?.[o.id];
    let any = false;
    problem.lines.forEach((l, li) => {
      const p = o.minutes[l.id];
      if (p === undefined || (pin !== undefined && pin !== l.id)) return;
      minutes[li * n + j] = p;
      eligible[li * n + j] = 1;
      any = true;
    });
    if (!any) throw new ScheduleProblemError(pin !== undefined ? `order ${o.id} is pinned to ${pin}, which cannot run it` : `order ${o.id} has no line that can run it`);
  });
  const setup = problem.lines.map((l) => {
    const s = new Float64Array(f * f);
    for (const [a, row] of Object.entries(problem.changeovers?.[l.id] ?? {})) {
      const fa = families.get(a);
      if (fa === undefined) continue;
      for (const [b, v] of Object.entries(row)) {
        const fb = families.get(b);
        if (fb !== undefined) s[fa * f + fb] = v;
      }
    }
    return s;
  });
  const forbidden = problem.lines.map((l) => {
    const s = new Uint8Array(f * f);
    for (const [a, list] of Object.entries(problem.forbidden?.[l.id] ?? {})) {
      const fa = families.get(a);
      if (fa === undefined) continue;
      for (const b of list) {
        const fb = families.get(b);
        if (fb !== undefined) s[fa * f + fb] = 1;
      }
    }
    return s;
  });
  const isFrozen = new Uint8Array(n);
  const frozen = problem.lines.map((l, li) =>
    Int32Array.from((problem.frozen?.[l.id] ?? []).map((id) => {
      const j = orderIndex.get(id);
      if (j === undefined) throw new ScheduleProblemError(`frozen order ${id} on ${l.id} is not in the problem`);
      if (isFrozen[j]) throw new ScheduleProblemError(`order ${id} is frozen twice`);
      if (!eligible[li * n + j]) throw new ScheduleProblemError(`order ${id} is frozen on ${l.id}, which cannot run it${problem.pins?.[id] ? ` or is not its pinned line` : ''}`);
      isFrozen[j] = 1;
      return j;
    })),
  );
  for (const lineId of Object.keys(problem.frozen ?? {})) if (!lineIndex.has(lineId)) throw new ScheduleProblemError(`frozen orders on ${lineId}, which is not in the problem`);
  const currentLine = new Int32Array(n).fill(-1);
  const currentIndex = new Int32Array(n).fill(-1);
  problem.orders.forEach((o, j) => {
    if (!o.current) return;
    currentLine[j] = lineIndex.get(o.current.lineId) ?? -2;
    currentIndex[j] = o.current.index;
  });
  const release = Float64Array.from(problem.orders.map((o) => o.release ?? -Infinity));
  const availableFrom = Float64Array.from(problem.lines.map((l) => l.availableFrom ?? 0));
  const windows = problem.lines.map((l) => mergeWindows(l.blocked));
  const w = weightsOf(problem);
  const simpleLine = new Uint8Array(m);
  const noIdle = new Uint8Array(m);
  for (let l = 0; l < m; l++) {
    let idle = windows[l]!.length > 0;
    for (let j = 0; !idle && j < n; j++) if (eligible[l * n + j] && release[j]! > availableFrom[l]!) idle = true;
    noIdle[l] = idle ? 0 : 1;
    // A tail's cost depends on when the line ends and on its last family: swaps alone do not see it.
    simpleLine[l] = tails[l]!.length === 0 && !idle && !forbidden[l]!.some((x) => x !== 0) && !setup[l]!.some((x) => x !== 0) ? 1 : 0;
  }
  return {
    n,
    m,
    f,
    orderIds,
    lineIds,
    family,
    due: Float64Array.from(problem.orders.map((o) => o.due)),
    weight: Float64Array.from(problem.orders.map((o) => o.weight)),
    release,
    minutes,
    eligible,
    setup,
    forbidden,
    initialFamily,
    availableFrom,
    windows,
    frozen,
    isFrozen,
    currentLine,
    currentIndex,
    wTardiness: w.tardiness,
    wLate: w.lateOrder,
    wChangeover: w.changeover,
    wChurn: w.churn,
    simpleLine,
    noIdle,
    tailFamily,
    tailMinutes: tails.map((t) => Float64Array.from(t.map((r) => r.minutes))),
    tailDue: tails.map((t) => Float64Array.from(t.map((r) => r.due))),
    tailWeight: tails.map((t) => Float64Array.from(t.map((r) => r.weight))),
    tailRelease: tails.map((t) => Float64Array.from(t.map((r) => r.release ?? -Infinity))),
  };
}

/**
 * A bound no plan beats: each order alone on its best line, as early as its line and release
 * allow, with no changeover. Reaching it proves a plan optimal (typically when it is 0).
 */
export function lowerBound(c: Compiled): number {
  let total = 0;
  for (let j = 0; j < c.n; j++) {
    let best = Infinity;
    for (let l = 0; l < c.m; l++) {
      if (!c.eligible[l * c.n + j]) continue;
      const end = Math.max(c.availableFrom[l]!, c.release[j]!) + c.minutes[l * c.n + j]!;
      const late = end - c.due[j]!;
      const cost = late > 0 ? c.wTardiness * c.weight[j]! * late + c.wLate : 0;
      if (cost < best) best = cost;
    }
    total += best;
  }
  return total;
}
