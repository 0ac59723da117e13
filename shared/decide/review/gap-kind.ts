/**
 * A hindsight gap (`DecisionReview.hindsightGaps`) reads `disruptions.1 (absence): the hindsight
 * forecast does not read …`: its assumption kind (`absence`) is what a table cell or a weekly
 * roll-up has room for.
 */
export const hindsightGapKind = (gap: string): string => /^disruptions\.\d+ \(([^)]+)\)/.exec(gap)?.[1] ?? gap;
