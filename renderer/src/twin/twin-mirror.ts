/**
 * The console's copy of the twin, outside React. It holds the last TwinView, applies deltas as they
 * arrive, and tells listeners per slice (one line, all lines, the clock…) in an animation frame, at
 * most every NOTIFY_MS, so a delta re-renders only the components that read what changed. The pixi
 * scene takes the raw deltas (onDelta) at once and drains them in its own ticker: the floor shows a
 * change in its next frame whatever the pace of the React views.
 *
 * Snapshots are immutable: a changed line gets a new object, unchanged lines keep theirs, so
 * useSyncExternalStore can compare by identity.
 */
import type { LineView, MachineView, OrderView, TwinDelta, TwinView } from '../../../shared/twin/view';

type Listener = () => void;

/** One entry of a line's or machine's recent history, kept client-side (since this page loaded). */
export interface HistoryEntry {
  /** Plant time the state began. */
  time: number;
  state: string;
  reason?: string;
}
/**
 * Least time between two notifications of the React views. A busy plant sends deltas many times a
 * second, each touching every line's counts; re-rendering the tables (and Chromium re-laying them
 * out and repainting them) at that pace bought nothing a person can read, and took the main
 * thread from the floor's frames and from the next delta's message.
 */
export const NOTIFY_MS = 200;
/** How many state changes per line/machine the mirror remembers. */
export const HISTORY_SIZE = 40;

/** A small ring buffer: newest last; `items()` copies oldest → newest. */
export class Ring<T> {
  private buf: T[] = [];
  private start = 0;
  constructor(private readonly cap: number) {}
  push(x: T): void {
    if (this.buf.length < this.cap) this.buf.push(x);
    else {
      this.buf[this.start] = x;
      this.start = (this.start + 1) % this.cap;
    }
  }
  get size(): number {
    return this.buf.length;
  }
  last(): T | undefined {
    return this.buf.length ? this.buf[(this.start + this.buf.length - 1) % this.buf.length] : undefined;
  }
  items(): T[] {
    return [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }
}

export interface TwinMeta {
  time: number;
  position: number;
  hash: string;
  /** Deltas applied since the last full view. */
  deltas: number;
  /** Whether a view has arrived yet. */
  ready: boolean;
}

export class TwinMirror {
  private lines = new Map<string, LineView>();
  private machines = new Map<string, MachineView>();
  private orders = new Map<string, OrderView>();
  private lineOrder: string[] = [];
  private linesSnapshot: readonly LineView[] = [];
  private machinesSnapshot: readonly MachineView[] = [];
  private meta: TwinMeta = { time: 0, position: 0, hash: '', deltas: 0, ready: false };

  private readonly lineListeners = new Map<string, Set<Listener>>();
  private readonly machineListeners = new Map<string, Set<Listener>>();
  private readonly lineHistory = new Map<string, Ring<HistoryEntry>>();
  private readonly machineHistory = new Map<string, Ring<HistoryEntry>>();
  private historyVersion = new Map<string, HistoryEntry[]>();
  /** Diagnostics: flushes that notified React, and line rows they marked changed (see debug.ts). */
  readonly stats = { flushes: 0, lineChanges: 0, deltas: 0 };
  private readonly listenersOf = { lines: new Set<Listener>(), machines: new Set<Listener>(), orders: new Set<Listener>(), meta: new Set<Listener>() };
  private readonly deltaListeners = new Set<(d: TwinDelta | { view: TwinView }) => void>();

  private dirtyLines = new Set<string>();
  private dirtyMachines = new Set<string>();
  private dirty = { lines: false, machines: false, orders: false, meta: false };
  private scheduled = false;
  /** When listeners were last told (performance.now()). */
  private notifiedAt = -Infinity;
  /** Time travel (the timeline's cursor): the plant time shown instead of live, or null when live. */
  private travel: { at: number } | null = null;
  private readonly travelListeners = new Set<Listener>();

  // ---- writes -------------------------------------------------------------------------------

  applyView(view: TwinView): void {
    this.lines = new Map(view.lines.map((l) => [l.id, l]));
    this.lineOrder = view.lines.map((l) => l.id);
    this.machines = new Map(view.machines.map((m) => [m.id, m]));
    this.orders = new Map(view.orders.map((o) => [o.id, o]));
    this.meta = { time: view.time, position: view.position, hash: view.hash, deltas: 0, ready: true };
    this.lineOrder.forEach((id) => this.dirtyLines.add(id));
    this.machines.forEach((_, id) => this.dirtyMachines.add(id));
    for (const l of view.lines) this.remember(this.lineHistory, l.id, { time: view.time, state: l.status });
    for (const m of view.machines) this.remember(this.machineHistory, m.id, { time: m.since, state: m.state, reason: m.reason });
    this.dirty = { lines: true, machines: true, orders: true, meta: true };
    this.deltaListeners.forEach((h) => h({ view }));
    this.schedule();
  }

  applyDelta(d: TwinDelta): void {
    if (!this.meta.ready || this.travel) return;
    // A delta older than what we hold (e.g. replayed after a reconnect) is ignored.
    if (d.position < this.meta.position) return;
    for (const patch of d.lines ?? []) {
      const old = this.lines.get(patch.id);
      if (!old) {
        this.lineOrder.push(patch.id);
        this.lines.set(patch.id, patch as LineView);
      } else this.lines.set(patch.id, { ...old, ...patch });
      if (patch.status !== undefined && patch.status !== old?.status) this.remember(this.lineHistory, patch.id, { time: d.time, state: patch.status });
      this.dirtyLines.add(patch.id);
      this.dirty.lines = true;
    }
    for (const patch of d.machines ?? []) {
      const old = this.machines.get(patch.id);
      const next = old ? { ...old, ...patch } : (patch as MachineView);
      this.machines.set(patch.id, next);
      if ((patch.state !== undefined && patch.state !== old?.state) || (patch.reason !== undefined && patch.reason !== old?.reason))
        this.remember(this.machineHistory, patch.id, { time: next.since ?? d.time, state: next.state, reason: next.reason });
      this.dirtyMachines.add(patch.id);
      this.dirty.machines = true;
    }
    for (const patch of d.orders ?? []) {
      const old = this.orders.get(patch.id);
      this.orders.set(patch.id, old ? { ...old, ...patch } : (patch as OrderView));
      this.dirty.orders = true;
    }
    for (const id of d.removedOrders ?? []) {
      if (this.orders.delete(id)) this.dirty.orders = true;
    }
    this.meta = { ...this.meta, time: d.time, position: d.position, deltas: this.meta.deltas + 1 };
    this.stats.deltas++;
    this.dirty.meta = true;
    this.deltaListeners.forEach((h) => h(d));
    this.schedule();
  }

  /** Feed for `client.subscribe('twin.deltas', mirror.onStreamItem)`. */
  onStreamItem = (item: { view: TwinView } | { delta: TwinDelta }): void => {
    // While viewing the past the live stream is set aside; returnLive() reloads a full live view.
    if (this.travel) return;
    if ('view' in item) this.applyView(item.view);
    else this.applyDelta(item.delta);
  };

  // ---- time travel (the timeline's cursor) ------------------------------------------------------

  /** Shows the twin as it was at `view.time` (from `twin.view {at}`); live deltas are ignored until returnLive(). */
  showPast(view: TwinView): void {
    this.travel = null;
    this.applyView(view);
    this.travel = { at: view.time };
    this.travelListeners.forEach((l) => l());
  }

  /** Back to live with a fresh full view (from `twin.view`); the stream's deltas apply again after it. */
  returnLive(view: TwinView): void {
    this.travel = null;
    this.applyView(view);
    this.travelListeners.forEach((l) => l());
  }

  getTravel = (): { at: number } | null => this.travel;
  subscribeTravel = (l: Listener) => this.add(this.travelListeners, l);

  // ---- reads (stable snapshots) ---------------------------------------------------------------

  getLine = (id: string): LineView | undefined => this.lines.get(id);
  getMachine = (id: string): MachineView | undefined => this.machines.get(id);
  getOrder = (id: string): OrderView | undefined => this.orders.get(id);
  getLines = (): readonly LineView[] => this.linesSnapshot;
  getMachines = (): readonly MachineView[] => this.machinesSnapshot;
  getMeta = (): TwinMeta => this.meta;
  /** Recent status changes of a line (oldest first); a stable array until the next change. */
  getLineHistory = (id: string): readonly HistoryEntry[] => this.history(this.lineHistory, `l:${id}`, id);
  /** Recent state changes of a machine (oldest first); a stable array until the next change. */
  getMachineHistory = (id: string): readonly HistoryEntry[] => this.history(this.machineHistory, `m:${id}`, id);

  private history(map: Map<string, Ring<HistoryEntry>>, key: string, id: string): readonly HistoryEntry[] {
    let h = this.historyVersion.get(key);
    if (!h) this.historyVersion.set(key, (h = map.get(id)?.items() ?? []));
    return h;
  }

  private remember(map: Map<string, Ring<HistoryEntry>>, id: string, e: HistoryEntry) {
    let r = map.get(id);
    if (!r) map.set(id, (r = new Ring(HISTORY_SIZE)));
    const last = r.last();
    if (last && last.state === e.state && last.reason === e.reason) return;
    r.push(e);
    this.historyVersion.delete(`${map === this.lineHistory ? 'l' : 'm'}:${id}`);
  }

  // ---- subscriptions ----------------------------------------------------------------------------

  subscribeLine(id: string, l: Listener): () => void {
    let set = this.lineListeners.get(id);
    if (!set) this.lineListeners.set(id, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }
  subscribeMachine(id: string, l: Listener): () => void {
    let set = this.machineListeners.get(id);
    if (!set) this.machineListeners.set(id, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }
  subscribeLines = (l: Listener) => this.add(this.listenersOf.lines, l);
  subscribeMachines = (l: Listener) => this.add(this.listenersOf.machines, l);
  subscribeOrders = (l: Listener) => this.add(this.listenersOf.orders, l);
  subscribeMeta = (l: Listener) => this.add(this.listenersOf.meta, l);
  /** Raw, synchronous feed of views and deltas, for the pixi scene's queue. */
  onDelta(h: (d: TwinDelta | { view: TwinView }) => void): () => void {
    this.deltaListeners.add(h);
    return () => this.deltaListeners.delete(h);
  }

  private add(set: Set<Listener>, l: Listener) {
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  // ---- notification, at most once per frame ----------------------------------------------------

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => this.flush();
    // rAF stops in hidden tabs; the UI then catches up on a slow timer instead of piling up work.
    if (typeof document !== 'undefined' && document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') {
      const wait = this.notifiedAt + NOTIFY_MS - performance.now();
      if (wait > 0) setTimeout(() => requestAnimationFrame(run), wait);
      else requestAnimationFrame(run);
    } else setTimeout(run, 250);
  }

  /** Publishes pending changes now (tests call it directly). */
  flush(): void {
    this.scheduled = false;
    this.notifiedAt = typeof performance !== 'undefined' ? performance.now() : 0;
    const dirty = this.dirty;
    const dirtyLines = this.dirtyLines;
    this.dirty = { lines: false, machines: false, orders: false, meta: false };
    this.dirtyLines = new Set();
    const dirtyMachines = this.dirtyMachines;
    this.dirtyMachines = new Set();
    this.stats.flushes++;
    this.stats.lineChanges += dirtyLines.size;
    if (dirty.lines) this.linesSnapshot = this.lineOrder.map((id) => this.lines.get(id)).filter((l): l is LineView => !!l);
    if (dirty.machines) this.machinesSnapshot = [...this.machines.values()];
    dirtyLines.forEach((id) => this.lineListeners.get(id)?.forEach((l) => l()));
    dirtyMachines.forEach((id) => this.machineListeners.get(id)?.forEach((l) => l()));
    (['lines', 'machines', 'orders', 'meta'] as const).forEach((k) => {
      if (dirty[k]) this.listenersOf[k].forEach((l) => l());
    });
  }
}
