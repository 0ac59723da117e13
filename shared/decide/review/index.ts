/** Decision review: receipts judged against what the journal recorded (./review.ts). */
export * from './review';
export { actualEvents } from './hindsight';
export { hindsightGapKind } from './gap-kind';
