/**
 * ISA-101 state presentation, one table for the canvas, the table and the legend: normal states are
 * grey and carry no colour; every abnormal state has a colour AND a shape AND its word, so nothing
 * depends on colour vision alone.
 */
import type { LineStatus } from '../../../shared/twin/view';

export type StateKey = LineStatus;
export type Shape = 'none' | 'octagon' | 'diamond' | 'circle' | 'triangle-down' | 'triangle-up' | 'pause' | 'question';

export interface StatePresentation {
  label: string;
  abnormal: boolean;
  /** CSS colour; normal states use the neutral ink. */
  color: string;
  shape: Shape;
  /** One line for the legend. */
  meaning: string;
}

export const NEUTRAL_INK = '#3c4248';

export const states: Record<StateKey, StatePresentation> = {
  running: { label: 'Running', abnormal: false, color: NEUTRAL_INK, shape: 'none', meaning: 'producing (normal, no colour)' },
  idle: { label: 'Idle', abnormal: false, color: NEUTRAL_INK, shape: 'none', meaning: 'no order, not needed (normal)' },
  down: { label: 'Down', abnormal: true, color: '#c62828', shape: 'octagon', meaning: 'stopped by a fault' },
  changeover: { label: 'Changeover', abnormal: true, color: '#1f5fbf', shape: 'diamond', meaning: 'setting up the next SKU' },
  cleaning: { label: 'Cleaning', abnormal: true, color: '#1f5fbf', shape: 'circle', meaning: 'clean (e.g. allergen transition)' },
  starved: { label: 'Starved', abnormal: true, color: '#b86e00', shape: 'triangle-down', meaning: 'waiting for input' },
  blocked: { label: 'Blocked', abnormal: true, color: '#b86e00', shape: 'triangle-up', meaning: 'output cannot move on' },
  held: { label: 'Held', abnormal: true, color: '#a3206a', shape: 'pause', meaning: 'quality hold' },
  unknown: { label: 'Unknown', abnormal: true, color: '#6b4fa8', shape: 'question', meaning: 'no trustworthy data' },
};

export function presentation(status: string | undefined | null): StatePresentation {
  return states[(status ?? 'unknown') as StateKey] ?? states.unknown;
}

/** Order used when sorting by status: most severe first. */
export const severity: Record<string, number> = { down: 0, held: 1, blocked: 2, starved: 3, changeover: 4, cleaning: 5, unknown: 6, idle: 7, running: 8 };

export function colorNumber(css: string): number {
  return parseInt(css.slice(1), 16);
}
