/**
 * Where the WIP tokens of a lane are: k tokens evenly spaced along the lane (a polyline of
 * cumulative lengths), shifted by the line's phase, so token i sits at distance
 * d_i = (phase mod gap) + i·gap with gap = total / k, for i in [0, k).
 *
 * All tokens of a lane move together, so the Floor draws each straight segment's tokens as one
 * blit of a pre-drawn strip (tokens every gap) instead of one blit per token.
 */

/**
 * Index of the first token at or beyond lane distance `at` (clamped to [0, k]). The tokens on the
 * segment from lengths[j − 1] to lengths[j] are [firstTokenAt(lengths[j − 1]), firstTokenAt(lengths[j])):
 * neighbouring segments share a boundary value, so every token lands on exactly one segment.
 */
export function firstTokenAt(at: number, offset: number, gap: number, k: number): number {
  const i = Math.ceil((at - offset) / gap);
  return i <= 0 ? 0 : i >= k ? k : i;
}

/** Cumulative lengths of a polyline (0 at its first point). */
export function laneLengths(lane: readonly { x: number; y: number }[]): number[] {
  const lengths = [0];
  for (let i = 1; i < lane.length; i++) lengths.push(lengths[i - 1]! + Math.hypot(lane[i]!.x - lane[i - 1]!.x, lane[i]!.y - lane[i - 1]!.y));
  return lengths;
}
