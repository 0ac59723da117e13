/**
 * `window.__takt`: a small, stable hook for e2e tests and benchmarks (never for features).
 *
 * - `frames`               canvas frames rendered by the Floor scene (incremented after each render)
 * - `lastAppliedPosition`  journal position of the last twin delta the scene drew (-1 before any)
 * - `deltasApplied`        deltas the scene has drawn
 * - `firstLiveFrameAt`     performance.now() of the first frame rendered after a delta was drawn
 *                          (null until then): "first live frame" for bench/startup.ts
 * - `connection`           'connecting' | 'open' | 'reconnecting' | 'closed'
 * - `lineStatus(id)`       a line's status as the store holds it ('' when unknown)
 * - `fit()`                fits the floor to the screen
 */
import type { TwinStore } from './twin/store';

export interface TaktDebug {
  frames: number;
  lastAppliedPosition: number;
  deltasApplied: number;
  firstLiveFrameAt: number | null;
  connection: string;
  lineStatus(id: string): string;
  fit(): void;
}

export function installDebug(store: TwinStore): TaktDebug {
  const d: TaktDebug = {
    frames: 0,
    lastAppliedPosition: -1,
    deltasApplied: 0,
    firstLiveFrameAt: null,
    connection: 'connecting',
    lineStatus: (id) => store.getLine(id)?.status ?? '',
    fit: () => undefined,
  };
  window.__takt = d;
  return d;
}

export function debugHooks(): TaktDebug | undefined {
  return typeof window === 'undefined' ? undefined : window.__takt;
}
