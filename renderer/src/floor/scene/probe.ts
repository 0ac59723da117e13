/**
 * What the Floor scene tells a watcher (e2e tests, benchmarks) about its work: injected into the
 * scene, which knows nothing of who listens. `taktProbe` feeds `window.__takt` (debug.ts).
 */
import type { TaktDebug } from '../../debug';

/** Most benchmark marks `window.__takt` keeps. */
const MAX_MARKS = 2000;

export interface FloorProbe {
  /** The scene is ready: pixi's name for the board's renderer, and the state it has drawn for a machine. */
  started(renderer: string, drawnState: (machineId: string) => string): void;
  /** A frame took twin updates: the highest journal position among them (−1: none) and how many deltas. */
  applied(position: number, deltas: number): void;
  /** The WIP tokens on the floor now, in all. */
  tokens(total: number): void;
  /**
   * A frame was drawn. `live`: it drew twin state taken this frame; `marks`: benchmark marker
   * reasons (`mark-…`) it drew first.
   */
  drawn(live: boolean, marks: readonly string[]): void;
}

export function taktProbe(dbg: TaktDebug | undefined): FloorProbe | undefined {
  if (!dbg) return undefined;
  return {
    started(renderer, drawnState) {
      dbg.renderer = renderer;
      dbg.sceneMachineState = drawnState;
    },
    applied(position, deltas) {
      if (position >= 0) dbg.lastAppliedPosition = Math.max(dbg.lastAppliedPosition, position);
      dbg.deltasApplied += deltas;
    },
    tokens(total) {
      dbg.tokens = total;
    },
    drawn(live, marks) {
      dbg.frames++;
      if (dbg.frames === 1) performance.mark('takt:first-frame');
      if (live && dbg.firstLiveFrameAt === null) {
        dbg.firstLiveFrameAt = performance.now();
        performance.mark('takt:first-live-frame');
      }
      if (marks.length) {
        const t = Date.now();
        for (const m of marks) dbg.marks.push([m, t]);
        if (dbg.marks.length > MAX_MARKS) dbg.marks.splice(0, dbg.marks.length - MAX_MARKS);
      }
    },
  };
}
