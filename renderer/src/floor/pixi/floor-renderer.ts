/**
 * Which pixi renderer draws the Floor: pixi's Canvas renderer (2D canvas) by default, WebGL on request.
 *
 * Why the 2D canvas by default. The Floor redraws little per frame: the board only where a delta
 * changed something (clipped to those rects), the WIP tokens as a few strip blits per lane, the
 * overlay only when it changes. On a PC without a usable GPU (this machine's Chromium, many wall
 * PCs and thin clients) WebGL runs on SwiftShader in the GPU process, and every frame that touched
 * a WebGL canvas is copied back out of it for the software compositor; a 2D canvas is drawn in
 * place. Measured with `npm run bench -- render` on this 2-core machine (same build, only the
 * renderer switched): GPU-process CPU per frame 75 ms (WebGL) vs 5 ms (canvas), and no WebGL
 * context to start (the largest single cost of opening the Floor). With a GPU, Chromium accelerates
 * the 2D canvas too; `?renderer=webgl` (or localStorage `takt.floorRenderer` = `webgl`) selects
 * pixi's WebGL renderer where that draws faster (a PC with a GPU).
 *
 * renderer/public/early-gl.js reads the same two places (it runs before this bundle) to decide
 * whether to start WebGL contexts early.
 */
export type FloorRendererKind = 'canvas' | 'webgl';

export const FLOOR_RENDERER_KEY = 'takt.floorRenderer';

function parse(v: string | null | undefined): FloorRendererKind | undefined {
  return v === 'webgl' || v === 'canvas' ? v : undefined;
}

/** The query's `renderer`, else the stored choice, else 'canvas'. */
export function floorRendererKind(search: string, stored: string | null): FloorRendererKind {
  return parse(new URLSearchParams(search).get('renderer')) ?? parse(stored) ?? 'canvas';
}

/** The choice stored for this console (null when none, or storage is blocked). */
export function storedFloorRenderer(): string | null {
  try {
    return localStorage.getItem(FLOOR_RENDERER_KEY);
  } catch {
    return null;
  }
}

/** Stores the choice for this console; false when storage is blocked. */
export function storeFloorRenderer(kind: FloorRendererKind): boolean {
  try {
    localStorage.setItem(FLOOR_RENDERER_KEY, kind);
    return true;
  } catch {
    return false;
  }
}

/** The choice for this page. */
export function pageFloorRenderer(): FloorRendererKind {
  return floorRendererKind(location.search, storedFloorRenderer());
}
