/**
 * The floor's layout with lookups by id, and the world rects the scene frames and outlines. Built
 * once per layout; pure (no DOM, no pixi), so the camera and hit-testing can be tested without a canvas.
 */
import type { AreaLayout, FloorLayout, LineLayout, MachineLayout, Rect } from '../layout';
import type { Focus } from '../focus';

export class FloorIndex {
  private readonly lines = new Map<string, LineLayout>();
  private readonly machines = new Map<string, MachineLayout>();
  private readonly areas = new Map<string, AreaLayout>();

  constructor(readonly layout: FloorLayout) {
    for (const l of layout.lines) this.lines.set(l.id, l);
    for (const m of layout.machines) this.machines.set(m.id, m);
    for (const a of layout.areas) this.areas.set(a.id, a);
  }

  line(id: string): LineLayout | undefined {
    return this.lines.get(id);
  }

  machine(id: string): MachineLayout | undefined {
    return this.machines.get(id);
  }

  area(id: string): AreaLayout | undefined {
    return this.areas.get(id);
  }

  /** What the view frames for a focus: the focused line (with room around it), else its area, else the whole floor. */
  focusRect(f: Focus): Rect {
    const lineId = f.lineId ?? (f.machineId ? this.machine(f.machineId)?.lineId : null);
    if (lineId) {
      const l = this.line(lineId);
      if (l) return pad(l.bounds, 40, 90);
    }
    if (f.areaId) {
      const a = this.area(f.areaId);
      if (a) return a.zone;
    }
    return this.layout.bounds;
  }
}

export function pad(r: Rect, px: number, py: number): Rect {
  return { x: r.x - px, y: r.y - py, w: r.w + 2 * px, h: r.h + 2 * py };
}
