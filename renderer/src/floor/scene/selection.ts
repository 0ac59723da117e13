/**
 * Selection on the Floor: clicking a thing focuses it (focus.ts drills down to it), `[`/`]` move a
 * keyboard cursor among the children of the current level and Enter drills into it, and the
 * pointer's hover. The overlay draws the cursor and the hover from here.
 */
import { focusStore, hoverStore, levelOf, setFocus, type Focus } from '../focus';
import type { FloorIndex } from './floor-index';
import { hoverOf, targetKey, type Target } from './hit-test';
import type { Point } from './camera';

export class FloorSelection {
  /** The keyboard cursor, a `kind:id` key (hit-test.ts targetKey); null when none. */
  cursor: string | null = null;
  hover: Target | null = null;

  /** `changed` runs when the cursor or the hover moved to another thing (the overlay redraws). */
  constructor(
    private readonly index: () => FloorIndex | null,
    private readonly changed: () => void,
  ) {}

  /** Children of the current level, in reading order: what `[`/`]` and Enter walk through. */
  children(): { id: string; focus: Focus }[] {
    const x = this.index();
    if (!x) return [];
    const L = x.layout;
    const f = focusStore.get();
    switch (levelOf(f)) {
      case 'plant':
        return L.areas.map((a) => ({ id: `area:${a.id}`, focus: { areaId: a.id, lineId: null, machineId: null, orderId: null } }));
      case 'area':
        return L.lines.filter((l) => l.areaId === f.areaId).map((l) => ({ id: `line:${l.id}`, focus: { areaId: l.areaId, lineId: l.id, machineId: null, orderId: null } }));
      default: {
        const l = f.lineId ? x.line(f.lineId) : undefined;
        return (l?.machines ?? []).map((m) => ({ id: `machine:${m}`, focus: { areaId: l!.areaId, lineId: l!.id, machineId: m, orderId: null } }));
      }
    }
  }

  moveCursor(dir: 1 | -1): void {
    const kids = this.children();
    if (!kids.length) return;
    const f = focusStore.get();
    const cur = this.cursor ?? (f.machineId ? `machine:${f.machineId}` : null);
    const i = kids.findIndex((k) => k.id === cur);
    const next = kids[(i < 0 ? (dir === 1 ? 0 : kids.length - 1) : i + dir + kids.length) % kids.length]!;
    this.cursor = next.id;
    if (levelOf(f) === 'detail' || levelOf(f) === 'line') setFocus(next.focus);
    this.changed();
  }

  /** Drills into the child under the cursor (or the first one). */
  enter(): void {
    const kids = this.children();
    const k = kids.find((c) => c.id === this.cursor) ?? (kids.length === 1 ? kids[0] : undefined) ?? kids[0];
    if (k) setFocus(k.focus);
  }

  select(t: Target): void {
    switch (t.kind) {
      case 'machine':
        setFocus({ areaId: t.areaId, lineId: t.lineId, machineId: t.id, orderId: null });
        break;
      case 'buffer':
        setFocus({ areaId: t.areaId, lineId: t.lineId, machineId: null, orderId: null });
        break;
      case 'line':
        setFocus({ areaId: t.areaId, lineId: t.id, machineId: null, orderId: null });
        break;
      case 'area':
        setFocus({ areaId: t.id, lineId: null, machineId: null, orderId: null });
        break;
    }
  }

  /** The pointer is over `t` (null: nothing) at `p`, canvas px; the tooltip follows it. */
  setHover(t: Target | null, p: Point): void {
    const same = (this.hover && t && targetKey(this.hover) === targetKey(t)) || (!this.hover && !t);
    this.hover = t;
    if (!same) this.changed();
    hoverStore.set(t ? hoverOf(t, p) : null);
  }

  /** The pointer left the canvas. */
  clearHover(): void {
    if (this.hover) {
      this.hover = null;
      this.changed();
    }
    hoverStore.set(null);
  }

  hoversLine(lineId: string): boolean {
    return this.hover !== null && 'lineId' in this.hover && this.hover.lineId === lineId;
  }

  /** A new focus from outside (a click, the drill bar, a deep link): the keyboard cursor starts over. */
  resetCursor(): void {
    this.cursor = null;
  }
}
