/**
 * The live digital twin: an XState v5 actor system (see ./actors.ts) fed with canonical signals,
 * running on a SimulatedClock that plant time moves forward (each signal advances it to its
 * eventTime; `clock.tick` signals and advanceTo() too).
 *
 * Speed: an XState event costs far more than folding a signal in plain JS (`npm run bench -- twin`),
 * so applyBatch never sends one event per signal.
 * Each signal is folded (./fold.ts, plain JS) into a working copy of the context of the actor it
 * touches; when the actors are next needed each touched actor gets ONE `SYNC` event with its
 * folded context and takes the transition it asks for; then the SimulatedClock moves to the latest
 * event time and fires the delayed transitions due. Folds apply due timers before each op, so any
 * split of the same signals into batches gives the same state and hash, and the SYNCs can wait:
 * they are sent when the twin is read (view, peek, takeDelta, hash, persist, advanceTo) or once
 * `MAX_UNSYNCED_SIGNALS` signals are folded, not after every batch. On a large plant a batch
 * touches most machines, so a SYNC per batch cost more than the folds themselves; the core reads
 * the twin at most once a frame, so the batches between two frames share one round of SYNCs.
 * A machine.state that repeats the machine's state touches nothing. Views, projections and hashes
 * are computed lazily, on view()/takeDelta()/hash().
 *
 * What each signal does is in ./signal-handlers.ts (one handler per signal type); the view and its
 * deltas are built in ./projection.ts.
 *
 * Queues: each line runs its waiting orders by due/priority (schedule.ts `compareBySequence`),
 * except for a planner's pin (`plan.sequence`, e.g. a committed resequence), kept in the line
 * actor's context so snapshots, replays and forks carry it: the pinned orders run first.
 */
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import { SimulatedClock } from '../clock/clock';
import type { Plant } from '../plant/schema';
import type { Signal } from '../signals/schema';
import { createPlantLogic, type PlantLogic } from './actors';
import { DEFAULT_TIMINGS, foldOrder, orderTimerDue, type LineContext, type MachineContext, type OrderContext, type OrderOp, type PlantContext, type TwinTimings } from './fold';
import { canonicalJson, fnv1a64 } from './hash';
import { DeltaTracker, buildView } from './projection';
import { FALLBACK_CHANGEOVER_MINUTES, HOUR, MINUTE, assignLine, compareBySequence, indexPlant, type PlantIndex } from './schedule';
import { applySignal, type LineSlot, type MachineSlot, type NewOrder, type RootWork, type Snap, type TwinWork } from './signal-handlers';
import { TERMINAL_ORDER_STATES as TERMINAL, type OrderState, type TwinDelta, type TwinState, type TwinView } from './view';

/** Bump when the actor logic changes shape; snapshots of another version are refused (replay the journal instead). */
export const TWIN_MACHINE_VERSION = 1;

export interface TwinSnapshot {
  version: number;
  /** Journal position of the last signal applied. */
  position: number;
  /** Plant time of the snapshot. */
  time: number;
  startTime: number;
  /** `getPersistedSnapshot()` of the plant actor, spawned lines, machines and orders included. */
  actor: unknown;
}

/** A signal the twin refused as bad input, with why and where (the core dead-letters it). */
export interface TwinRejection {
  signal: Signal;
  reason: string;
  /** Dotted path of the offending field. */
  path: string;
}

export interface TwinOptions {
  startTime: number;
  snapshot?: TwinSnapshot;
  timings?: Partial<TwinTimings>;
}

export interface Twin {
  apply(signal: Signal, position: number): void;
  applyBatch(signals: readonly Signal[], lastPosition: number): void;
  advanceTo(time: number): void;
  view(): TwinView;
  /**
   * The view without its hash: the hash is a canonical serialisation of the whole actor state (tens
   * of milliseconds on the demo plant), which readers that only look at lines, machines and orders
   * (exception detection, what-if, the timeline, dispatch) should not pay on every pass.
   */
  peek(): TwinState;
  hash(): string;
  takeDelta(): TwinDelta | null;
  persist(): TwinSnapshot;
  readonly time: number;
  readonly position: number;
  readonly startTime: number;
  /** The plant clock the actors' delayed transitions run on. */
  readonly clock: SimulatedClock;
  /** Signals that named a machine, order or line the twin does not know (ignored). */
  readonly ignored: number;
  /**
   * Signals refused as bad input since the last call (oldest first, at most the last 1,000): a
   * `plan.sequence` naming an order that does not wait on its line. Their references depend on the
   * plan at the moment they apply, so the twin checks them, not ingest; being pure, a replay refuses
   * the same ones again (and changes nothing for them).
   */
  takeRejected(): TwinRejection[];
  stop(): void;
}

export function createTwin(plant: Plant, opts: TwinOptions): Twin {
  return new TwinImpl(plant, opts);
}

const MAX_REJECTED = 1000;
/**
 * Signals folded into working copies before the actors get their SYNCs even if nobody reads the
 * twin: the working copies are one per touched actor, so this bounds the new orders held in them
 * and the delayed transitions left unfired, not memory per signal.
 */
const MAX_UNSYNCED_SIGNALS = 65_536;

interface OrderWork {
  ctx: OrderContext;
  isNew: boolean;
}

const ROOT_PART_BIT: Record<keyof RootWork, number> = { inventory: 1, onShift: 2, holds: 4, pos: 8, demand: 16 };

export function orderStateOf(value: unknown): OrderState {
  if (typeof value === 'string') return value as OrderState;
  return Object.keys(value as object)[0] as OrderState;
}

class TwinImpl implements Twin, TwinWork {
  readonly clock: SimulatedClock;
  readonly startTime: number;
  readonly index: PlantIndex;
  readonly timings: TwinTimings;
  private readonly actor: Actor<PlantLogic>;
  readonly machines = new Map<string, MachineSlot>();
  readonly lines = new Map<string, LineSlot>();
  private _time: number;
  private _position: number;
  private _ignored = 0;
  private rejected: TwinRejection[] = [];
  // batch working state
  private touchedMachines: MachineSlot[] = [];
  private touchedLines: LineSlot[] = [];
  private orderWork = new Map<string, OrderWork>();
  private rootWork: RootWork | null = null;
  /** Inventory keys (`component@location`) by component and location, built once each. */
  private readonly inventoryKeys = new Map<string, Map<string, string>>();
  /** Which parts of rootWork are copies already (ROOT_PART_BIT). */
  private rootCopied = 0;
  /** Signals folded since the actors last got their SYNCs (see `sync`). */
  private unsynced = 0;
  /**
   * Order actor refs (null: no such order) looked up since actors last got events. Order actors are
   * spawned and stopped only while actors process events (flush, advanceTo), which clear it, so
   * within a batch the many signals naming the same order look it up once.
   */
  private orderRefCache = new Map<string, AnyActorRef | null>();
  /** Next order per line (id), invalidated per line when an order on it changes. */
  private headCache = new Map<string, string | null>();
  /**
   * Order ids per line (orders not yet seen terminal), so the queue head of a line looks at that
   * line's orders only instead of every order actor. Built on first use, then kept up to date where
   * an order's line can change (newOrder, orderOp); retired and terminal orders are pruned when met.
   */
  private lineOrders: Map<string | null, Set<string>> | null = null;
  // lazy caches
  private version = 0;
  private cachedHash: { version: number; hash: string } | null = null;
  private cachedView: { version: number; view: Omit<TwinView, 'hash'> } | null = null;
  private readonly deltas = new DeltaTracker();

  constructor(
    private readonly plant: Plant,
    opts: TwinOptions,
  ) {
    this.index = indexPlant(plant);
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    const logic = createPlantLogic(this.index, this.timings);
    const snap = opts.snapshot;
    if (snap && snap.version !== TWIN_MACHINE_VERSION) {
      throw new Error(
        `twin snapshot version ${snap.version} does not match this build's TWIN_MACHINE_VERSION ${TWIN_MACHINE_VERSION}: drop the snapshot and replay the journal from the start`,
      );
    }
    this.startTime = snap?.startTime ?? opts.startTime;
    this._time = snap ? snap.time : opts.startTime;
    this._position = snap ? snap.position : 0;
    this.clock = new SimulatedClock(this._time);
    this.actor = createActor(logic, {
      clock: this.clock,
      input: { at: this.startTime },
      ...(snap ? { snapshot: snap.actor as never } : {}),
    });
    this.actor.start();
    const system = this.actor.system;
    for (const l of this.index.lines) {
      const ref = system.get(`line:${l.id}`) as AnyActorRef | undefined;
      if (!ref) throw new Error(`twin: line actor 'line:${l.id}' is missing${snap ? ' from the snapshot (did the plant file change? replay the journal)' : ''}`);
      this.lines.set(l.id, { id: l.id, ref, work: null });
    }
    for (const m of this.index.machineById.values()) {
      const ref = system.get(`machine:${m.id}`) as AnyActorRef | undefined;
      if (!ref) throw new Error(`twin: machine actor 'machine:${m.id}' is missing${snap ? ' from the snapshot (did the plant file change? replay the journal)' : ''}`);
      this.machines.set(m.id, { info: m, ref, line: this.lines.get(m.lineId) as LineSlot, work: null, entered: false });
    }
    if (snap) {
      // XState does not persist scheduled events: re-arm every timing state from its deadline.
      const rearm = { type: 'REARM', at: this._time } as const;
      for (const m of this.machines.values()) m.ref.send(rearm);
      for (const o of this.orderRefs()) o.send(rearm);
    } else {
      this.releaseOpeningOrders();
    }
  }

  get time(): number {
    return this._time;
  }

  get position(): number {
    return this._position;
  }

  get ignored(): number {
    return this._ignored;
  }

  takeRejected(): TwinRejection[] {
    const out = this.rejected;
    this.rejected = [];
    return out;
  }

  ignore(): void {
    this._ignored++;
  }

  forgetHead(lineId: string): void {
    this.headCache.delete(lineId);
  }

  reject(signal: Signal, reason: string, path: string): void {
    this._ignored++;
    if (this.rejected.length >= MAX_REJECTED) this.rejected.shift();
    this.rejected.push({ signal, reason, path });
  }

  // ------------------------------------------------------------------ ingest

  apply(signal: Signal, position: number): void {
    this.applyBatch([signal], position);
  }

  applyBatch(signals: readonly Signal[], lastPosition: number): void {
    for (let i = 0; i < signals.length; i++) this.applyOne(signals[i] as Signal);
    this.unsynced += signals.length;
    if (this.unsynced >= MAX_UNSYNCED_SIGNALS) this.sync();
    this._position = lastPosition;
    this.version++;
  }

  /** Hands the folded working copies to the actors (one SYNC each), if any signal was folded since. */
  private sync(): void {
    if (this.unsynced === 0) return;
    this.unsynced = 0;
    this.flush();
  }

  advanceTo(time: number): void {
    if (time <= this._time) return;
    this.sync();
    this._time = time;
    this.clock.advanceTo(time);
    this.orderRefCache.clear();
    this.version++;
  }

  stop(): void {
    this.actor.stop();
  }

  private orderRef(id: string): AnyActorRef | undefined {
    let ref = this.orderRefCache.get(id);
    if (ref === undefined) {
      ref = (this.actor.system.get(`order:${id}`) as AnyActorRef | undefined) ?? null;
      this.orderRefCache.set(id, ref);
    }
    return ref ?? undefined;
  }

  private *orderRefs(): Iterable<AnyActorRef> {
    const children = this.actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
    for (const key in children) if (key.startsWith('order:') && children[key]) yield children[key] as AnyActorRef;
  }

  // --- working copies

  machineWork(m: MachineSlot): MachineContext {
    if (m.work) return m.work;
    m.work = { ...(m.ref.getSnapshot() as Snap<MachineContext>).context };
    this.touchedMachines.push(m);
    return m.work;
  }

  lineCtx(l: LineSlot): LineContext {
    return l.work ?? (l.ref.getSnapshot() as Snap<LineContext>).context;
  }

  lineWork(l: LineSlot): LineContext {
    if (l.work) return l.work;
    const c = (l.ref.getSnapshot() as Snap<LineContext>).context;
    const counts: LineContext['counts'] = {};
    for (const k in c.counts) counts[k] = { ...(c.counts[k] as { good: number; scrap: number }) };
    l.work = { ...c, counts };
    this.touchedLines.push(l);
    return l.work;
  }

  orderCtx(id: string): OrderContext | undefined {
    const w = this.orderWork.get(id);
    if (w) return w.ctx;
    return (this.orderRef(id)?.getSnapshot() as Snap<OrderContext> | undefined)?.context;
  }

  orderWorkOf(id: string): OrderContext | undefined {
    const w = this.orderWork.get(id);
    if (w) return w.ctx;
    const ref = this.orderRef(id);
    if (!ref) return undefined;
    const ctx = { ...(ref.getSnapshot() as Snap<OrderContext>).context };
    this.orderWork.set(id, { ctx, isNew: false });
    return ctx;
  }

  /**
   * The working copy of one part of the plant context, copied on its first change in the batch; the
   * parts a batch does not change are passed on as they are (copying all five for every batch cost
   * ~60 bytes per signal in the ingest stream).
   */
  root<K extends keyof RootWork>(part: K): RootWork[K] {
    let w = this.rootWork;
    if (w === null) {
      const c = this.actor.getSnapshot().context as PlantContext;
      w = this.rootWork = { inventory: c.inventory, onShift: c.onShift, holds: c.holds, pos: c.pos, demand: c.demand };
      this.rootCopied = 0;
    }
    const bit = ROOT_PART_BIT[part];
    if ((this.rootCopied & bit) === 0) {
      w[part] = { ...w[part] };
      this.rootCopied |= bit;
    }
    return w[part];
  }

  rootCtx(): RootWork {
    return this.rootWork ?? (this.actor.getSnapshot().context as PlantContext);
  }

  orderOp(id: string, op: OrderOp): OrderContext | undefined {
    const c = this.orderWorkOf(id);
    if (!c) {
      this._ignored++;
      return undefined;
    }
    const before = c.lineId;
    const stateBefore = c.state;
    foldOrder(c, op, this._time, this.timings);
    this.invalidateHead(before, c.lineId);
    if (before !== c.lineId) this.moveLineOrder(id, before, c.lineId);
    // An order that leaves its line, completes or is cancelled drops out of that line's pin.
    if (before !== c.lineId || (c.state !== stateBefore && TERMINAL.has(c.state))) this.unpin(before, id);
    return c;
  }

  newOrder(o: NewOrder): void {
    if (this.orderCtx(o.id)) {
      this._ignored++;
      return;
    }
    const ctx: OrderContext = { ...o, state: o.kitted ? 'kitted' : 'released', resume: null, good: 0, scrap: 0, startedAt: null, completedAt: null, cancelledAt: null, deadline: null, holds: [], deviations: 0 };
    this.orderWork.set(o.id, { ctx, isNew: true });
    this.invalidateHead(ctx.lineId, null);
    this.moveLineOrder(o.id, undefined, ctx.lineId);
  }

  private moveLineOrder(id: string, from: string | null | undefined, to: string | null): void {
    const idx = this.lineOrders;
    if (idx === null) return; // built later from the actors and working copies
    if (from !== undefined) idx.get(from)?.delete(id);
    let set = idx.get(to);
    if (!set) idx.set(to, (set = new Set()));
    set.add(id);
  }

  private ordersOnLine(lineId: string): Set<string> {
    let idx = this.lineOrders;
    if (idx === null) {
      idx = new Map();
      const add = (c: OrderContext) => {
        let set = idx!.get(c.lineId);
        if (!set) idx!.set(c.lineId, (set = new Set()));
        set.add(c.id);
      };
      for (const ref of this.orderRefs()) {
        const c = (ref.getSnapshot() as Snap<OrderContext>).context;
        add(this.orderWork.get(c.id)?.ctx ?? c);
      }
      for (const w of this.orderWork.values()) if (w.isNew) add(w.ctx);
      this.lineOrders = idx;
    }
    let set = idx.get(lineId);
    if (!set) idx.set(lineId, (set = new Set()));
    return set;
  }

  private invalidateHead(a: string | null, b: string | null): void {
    if (a !== null) this.headCache.delete(a);
    if (b !== null) this.headCache.delete(b);
  }

  private releaseOpeningOrders(): void {
    const t0 = this.startTime;
    for (const o of this.plant.orders) {
      const product = this.index.productBySku.get(o.sku);
      this.newOrder({
        id: o.id,
        sku: o.sku,
        qty: o.qty,
        customer: o.customer,
        due: t0 + o.dueInHours * HOUR,
        release: t0 + o.releaseInHours * HOUR,
        priority: o.priority,
        lineId: assignLine(this.index, o.sku, o.line),
        kitted: !product || product.bom.length === 0,
      });
    }
    this.flush();
  }

  private applyOne(s: Signal): void {
    if (s.eventTime > this._time) this._time = s.eventTime;
    applySignal(this, s);
  }

  /** Takes an order out of a line's pin (it left the line, started, completed or was cancelled). */
  unpin(lineId: string | null, orderId: string): void {
    const line = lineId === null ? undefined : this.lines.get(lineId);
    if (!line) return;
    const pinned = this.lineCtx(line).pinned;
    if (!pinned || !pinned.includes(orderId)) return;
    const rest = pinned.filter((id) => id !== orderId);
    this.lineWork(line).pinned = rest.length ? rest : undefined;
    this.headCache.delete(line.id);
  }

  addInventory(component: string, location: string, delta: number): void {
    const inv = this.root('inventory');
    let byLocation = this.inventoryKeys.get(component);
    if (byLocation === undefined) this.inventoryKeys.set(component, (byLocation = new Map()));
    let key = byLocation.get(location);
    if (key === undefined) byLocation.set(location, (key = `${component}@${location}`));
    inv[key] = (inv[key] ?? 0) + delta;
  }

  /** Delivers one SYNC per touched actor, then moves the clock to the batch's time (firing due timers). */
  private flush(): void {
    const at = this._time;
    // Delays are scheduled relative to the clock, which still stands at the previous batch's time.
    const clockAt = this.clock.now();
    if (this.rootWork) {
      this.actor.send({ type: 'SYNC', ctx: this.rootWork });
      this.rootWork = null;
    }
    if (this.orderWork.size) {
      const created: OrderContext[] = [];
      for (const w of this.orderWork.values()) if (w.isNew) created.push({ ...w.ctx, state: w.ctx.kitted && w.ctx.state === 'released' ? 'kitted' : 'released' });
      if (created.length) this.actor.send({ type: 'CREATE_ORDERS', orders: created });
      this.orderRefCache.clear();
    }
    for (const l of this.touchedLines) {
      l.ref.send({ type: 'SYNC', ctx: l.work });
      l.work = null;
    }
    this.touchedLines = [];
    for (const m of this.touchedMachines) {
      m.ref.send({ type: 'SYNC', ctx: m.work, entered: m.entered, at: clockAt });
      m.work = null;
      m.entered = false;
    }
    this.touchedMachines = [];
    if (this.orderWork.size) {
      for (const [id, w] of this.orderWork) {
        orderTimerDue(w.ctx, at);
        this.orderRef(id)?.send({ type: 'SYNC', ctx: w.ctx, at: clockAt });
      }
      this.orderWork.clear();
    }
    this.clock.advanceTo(at);
    this.orderRefCache.clear();
  }

  /** The next order a line will run (not terminal, not current): the first of its pin, else by sequence. */
  queueHead(line: LineSlot): OrderContext | null {
    const hit = this.headCache.get(line.id);
    if (hit === null) return null;
    if (hit !== undefined) {
      const c = this.orderCtx(hit);
      if (c) return c;
    }
    const { currentOrderId: current, pinned } = this.lineCtx(line);
    // The planner's pin first (its orders are kept waiting on the line; checked anyway).
    if (pinned) {
      for (const id of pinned) {
        const c = this.orderCtx(id);
        if (c && c.lineId === line.id && c.id !== current && !TERMINAL.has(c.state)) {
          this.headCache.set(line.id, c.id);
          return c;
        }
      }
    }
    let best: OrderContext | null = null;
    const consider = (c: OrderContext) => {
      if (c.lineId !== line.id || c.id === current || TERMINAL.has(c.state)) return;
      if (!best || compareBySequence(c, best) < 0) best = c;
    };
    const ids = this.ordersOnLine(line.id);
    for (const id of ids) {
      const c = this.orderCtx(id);
      // Retired (no actor, no working copy) or terminal for good (no op leaves complete, closed, cancelled).
      if (c === undefined || TERMINAL.has(c.state)) ids.delete(id);
      else consider(c);
    }
    this.headCache.set(line.id, best === null ? null : (best as OrderContext).id);
    return best;
  }

  /** Planned setup for a line: changeover from its last family to its current order's (or next order's) family. */
  plannedSetupMs(line: LineSlot): number {
    const ctx = this.lineCtx(line);
    const sku = ctx.currentSku ?? this.queueHead(line)?.sku ?? null;
    const spec = this.index.changeover(ctx.lastFamily, sku === null ? null : this.index.familyOf(sku));
    const minutes = spec.minutes > 0 ? spec.minutes : (this.plant.changeovers.defaultMinutes ?? FALLBACK_CHANGEOVER_MINUTES);
    return minutes * MINUTE;
  }

  // ------------------------------------------------------------------ views

  hash(): string {
    if (this.cachedHash?.version === this.version) return this.cachedHash.hash;
    this.sync();
    const hash = fnv1a64(canonicalJson({ v: TWIN_MACHINE_VERSION, position: this._position, time: this._time, actor: this.actor.getPersistedSnapshot() }));
    this.cachedHash = { version: this.version, hash };
    return hash;
  }

  persist(): TwinSnapshot {
    this.sync();
    return JSON.parse(
      JSON.stringify({ version: TWIN_MACHINE_VERSION, position: this._position, time: this._time, startTime: this.startTime, actor: this.actor.getPersistedSnapshot() }),
    ) as TwinSnapshot;
  }

  view(): TwinView {
    return { ...this.buildView(), hash: this.hash() };
  }

  peek(): TwinState {
    return this.buildView();
  }

  private buildView(): TwinState {
    if (this.cachedView?.version === this.version) return this.cachedView.view;
    this.sync();
    const view = buildView({
      plant: this.plant,
      index: this.index,
      startTime: this.startTime,
      time: this._time,
      position: this._position,
      plantContext: this.actor.getSnapshot().context as PlantContext,
      orders: this.orderContexts(),
      machines: this.machineContexts(),
      lineContext: (id) => ((this.lines.get(id) as LineSlot).ref.getSnapshot() as Snap<LineContext>).context,
    });
    this.cachedView = { version: this.version, view };
    return view;
  }

  private *orderContexts(): Iterable<OrderContext> {
    for (const ref of this.orderRefs()) yield (ref.getSnapshot() as Snap<OrderContext>).context;
  }

  private *machineContexts(): Iterable<MachineContext> {
    for (const m of this.machines.values()) yield (m.ref.getSnapshot() as Snap<MachineContext>).context;
  }

  takeDelta(): TwinDelta | null {
    return this.deltas.take(this.buildView());
  }
}
