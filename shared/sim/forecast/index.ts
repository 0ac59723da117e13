/** The forecast's public face: fork, run forward, moves, crew coverage and the types (see ./forecast.ts). */
export * from './types';
export { forkTwin, openingState, cloneState, type ForkOptions } from './fork';
export { forecast } from './forecast';
export { applyMove, lineQueue, type Move } from './moves';
export { crewAssignment, crewCoverage } from './crew';
export { applyOrderChange } from './planned';
