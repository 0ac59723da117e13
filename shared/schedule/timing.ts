/**
 * When a run may start on a line with blocked windows. Shared by ./evaluate.ts and the solver so
 * that both time a line the same way.
 */

/**
 * Sorts windows and merges the overlapping or touching ones, as a flat [from0, to0, from1, to1, …]
 * list: with disjoint sorted windows one forward pass finds the first gap a run fits in.
 */
export function mergeWindows(windows: readonly { from: number; to: number }[] | undefined): Float64Array {
  if (!windows || windows.length === 0) return new Float64Array(0);
  const sorted = windows.filter((w) => w.to > w.from).sort((a, b) => a.from - b.from || a.to - b.to);
  const out: number[] = [];
  for (const w of sorted) {
    const n = out.length;
    if (n > 0 && w.from <= (out[n - 1] as number)) out[n - 1] = Math.max(out[n - 1] as number, w.to);
    else out.push(w.from, w.to);
  }
  return Float64Array.from(out);
}

/**
 * The earliest start >= `ready` at which a run of `minutes` overlaps no window (runs are not
 * pre-empted: a run that would overlap a window waits until the window ends).
 */
export function startOutsideWindows(ready: number, minutes: number, windows: Float64Array): number {
  let start = ready;
  for (let i = 0; i < windows.length; i += 2) {
    const from = windows[i] as number;
    // Windows are sorted: this one and every later one begin after the run ends.
    if (from >= start + minutes) break;
    const to = windows[i + 1] as number;
    if (start < to && start + minutes > from) start = to;
  }
  return start;
}
