/**
 * The Floor's drill-down (ISA-101 levels: plant overview ▸ area ▸ line ▸ machine/order detail) and
 * the hovered object, as two tiny stores outside React. The scene and the overlays share them; a
 * change re-renders only the overlays that read it (never the canvas component).
 */
export type Level = 'plant' | 'area' | 'line' | 'detail';

export interface Focus {
  areaId: string | null;
  lineId: string | null;
  machineId: string | null;
  orderId: string | null;
}

export const PLANT: Focus = { areaId: null, lineId: null, machineId: null, orderId: null };

export function levelOf(f: Focus): Level {
  if (f.machineId || f.orderId) return 'detail';
  if (f.lineId) return 'line';
  if (f.areaId) return 'area';
  return 'plant';
}

/** One level up: detail → line → area → plant. */
export function parentOf(f: Focus): Focus {
  if (f.machineId || f.orderId) return { ...f, machineId: null, orderId: null };
  if (f.lineId) return { ...PLANT, areaId: f.areaId };
  return PLANT;
}

export interface Hover {
  kind: 'machine' | 'line' | 'area' | 'buffer';
  id: string;
  /** For a buffer: the machine after it. */
  to?: string;
  /** Pointer position relative to the canvas host, CSS px. */
  x: number;
  y: number;
}

class Cell<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}
  get = (): T => this.value;
  set = (v: T): void => {
    if (v === this.value) return;
    this.value = v;
    this.listeners.forEach((l) => l());
  };
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

export const focusStore = new Cell<Focus>(PLANT);
export const hoverStore = new Cell<Hover | null>(null);

export function setFocus(f: Focus): void {
  const cur = focusStore.get();
  if (cur.areaId === f.areaId && cur.lineId === f.lineId && cur.machineId === f.machineId && cur.orderId === f.orderId) return;
  focusStore.set(f);
}

/** Goes one level up; false when already at the plant overview. */
export function drillUp(): boolean {
  const f = focusStore.get();
  if (levelOf(f) === 'plant') return false;
  setFocus(parentOf(f));
  return true;
}
