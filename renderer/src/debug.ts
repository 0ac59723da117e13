/**
 * `window.__takt`: a small, stable hook for e2e tests and benchmarks (never for features).
 *
 * - `frames`               canvas frames rendered by the Floor scene (incremented after each render)
 * - `lastAppliedPosition`  journal position of the last twin delta the scene drew (-1 before any)
 * - `deltasApplied`        deltas the scene has drawn
 * - `firstLiveFrameAt`     performance.now() of the first frame that drew live twin state (the stream's opening view or a delta)
 *                          (null until then): "first live frame" for bench/startup.ts
 * - `connection`           'connecting' | 'open' | 'reconnecting' | 'closed'
 * - `lineStatus(id)`       a line's status as the store holds it ('' when unknown)
 * - `sceneMachineState(id)` the state the canvas has DRAWN for a machine ('' when none)
 * - `renders`              React renders per component name (countRender): proves no re-render per delta
 * - `store()`              the twin mirror's counters: deltas received, flushes that notified React,
 *                          line rows marked changed in those flushes
 * - `tokens`               WIP tokens on the canvas now; `renderer` pixi's name for the board's
 *                          renderer ('canvas', 'webgl')
 * - `marks`                [reason, Date.now()] for machine states whose reason starts with `mark-`,
 *                          taken right after the frame that first drew them (signal-to-pixel latency)
 * - `fit()`                fits the floor to the screen
 */
import type { TwinMirror } from './twin/twin-mirror';

export interface TaktDebug {
  frames: number;
  lastAppliedPosition: number;
  deltasApplied: number;
  firstLiveFrameAt: number | null;
  connection: string;
  lineStatus(id: string): string;
  sceneMachineState(id: string): string;
  renders: Record<string, number>;
  store(): { deltas: number; flushes: number; lineChanges: number };
  tokens: number;
  renderer: string;
  marks: [string, number][];
  fit(): void;
}

export function installDebug(store: TwinMirror): TaktDebug {
  const d: TaktDebug = {
    frames: 0,
    lastAppliedPosition: -1,
    deltasApplied: 0,
    firstLiveFrameAt: null,
    connection: 'connecting',
    lineStatus: (id) => store.getLine(id)?.status ?? '',
    sceneMachineState: () => '',
    renders: {},
    store: () => ({ ...store.stats }),
    tokens: 0,
    renderer: '',
    marks: [],
    fit: () => undefined,
  };
  window.__takt = d;
  return d;
}

export function debugHooks(): TaktDebug | undefined {
  return typeof window === 'undefined' ? undefined : window.__takt;
}

/** Counts a render of a component (call in its body); a no-op without the debug hook. */
export function countRender(name: string): void {
  const d = typeof window === 'undefined' ? undefined : window.__takt;
  if (d) d.renders[name] = (d.renders[name] ?? 0) + 1;
}
