/**
 * Window placement memory: where the console window was and which display the wall display used,
 * kept in a small JSON file under `app.getPath('userData')`. Pure functions plus two file calls,
 * no Electron import, so it is tested without a shell.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of Electron's `Display` this module needs. */
export interface DisplayLike {
  id: number;
  bounds: Rect;
  workArea: Rect;
}

export interface WindowPlacement {
  bounds: Rect;
  maximized?: boolean;
  /** Display the window was on when saved (informational). */
  displayId?: number;
}

export interface PlacementFile {
  version: 1;
  console?: WindowPlacement;
  /** The display the wall window last ran on. */
  wallDisplayId?: number;
}

export const PLACEMENT_FILE_NAME = 'window-placement.json';

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isRect(v: unknown): v is Rect {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return isFiniteNumber(r.x) && isFiniteNumber(r.y) && isFiniteNumber(r.width) && isFiniteNumber(r.height) && (r.width as number) > 0 && (r.height as number) > 0;
}

/** Reads the placement file; a missing, unreadable or malformed file reads as empty. */
export function loadPlacements(file: string): PlacementFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { version: 1 };
  }
  const out: PlacementFile = { version: 1 };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  const c = r.console as Record<string, unknown> | undefined;
  if (c && isRect(c.bounds)) {
    out.console = { bounds: { x: c.bounds.x, y: c.bounds.y, width: c.bounds.width, height: c.bounds.height } };
    if (typeof c.maximized === 'boolean') out.console.maximized = c.maximized;
    if (isFiniteNumber(c.displayId)) out.console.displayId = c.displayId;
  }
  if (isFiniteNumber(r.wallDisplayId)) out.wallDisplayId = r.wallDisplayId;
  return out;
}

/** Writes the placement file atomically (temp file + rename). */
export function savePlacements(file: string, data: PlacementFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', 'utf8');
  renameSync(tmp, file);
}

function intersection(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  if (right <= x || bottom <= y) return null;
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * A saved window is restorable when a grabbable part of its title bar (the top 32 px, at least
 * 100 px of it wide) lies in some display's work area: a window saved on a monitor that is gone
 * (or on a display that changed resolution) would otherwise open where nobody can reach it.
 */
export function isVisibleOnSomeDisplay(bounds: Rect, displays: readonly DisplayLike[]): boolean {
  const titleBar: Rect = { x: bounds.x, y: bounds.y, width: bounds.width, height: Math.min(32, bounds.height) };
  return displays.some((d) => {
    const hit = intersection(titleBar, d.workArea);
    return hit !== null && hit.width >= Math.min(100, bounds.width) && hit.height >= Math.min(16, titleBar.height);
  });
}

/** The saved console placement if it is still on a visible display, else undefined. */
export function restorablePlacement(saved: WindowPlacement | undefined, displays: readonly DisplayLike[]): WindowPlacement | undefined {
  if (!saved) return undefined;
  return isVisibleOnSomeDisplay(saved.bounds, displays) ? saved : undefined;
}

/** How the wall display is chosen: by index in `screen.getAllDisplays()` or by display id. */
export type WallDisplaySelector = { index: number } | { id: number };

/**
 * Parses `--wall-display=` / `TAKT_WALL_DISPLAY`: `2` (index), `index:2` or `id:2779098405`.
 * Returns undefined for an empty or malformed value.
 */
export function parseWallDisplaySelector(value: string | undefined | null): WallDisplaySelector | undefined {
  if (!value) return undefined;
  const m = /^\s*(?:(index|id):)?\s*(\d+)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === 'id' ? { id: n } : { index: n };
}

/**
 * Picks the wall display: the configured one if present, else the remembered one if still
 * connected, else the first display that is not the primary one, else the primary.
 */
export function chooseWallDisplay<D extends DisplayLike>(
  displays: readonly D[],
  primary: D,
  selector?: WallDisplaySelector,
  rememberedId?: number,
): D {
  if (selector) {
    const byConfig = 'id' in selector ? displays.find((d) => d.id === selector.id) : displays[selector.index];
    if (byConfig) return byConfig;
  }
  if (rememberedId !== undefined) {
    const remembered = displays.find((d) => d.id === rememberedId);
    if (remembered) return remembered;
  }
  return displays.find((d) => d.id !== primary.id) ?? primary;
}
