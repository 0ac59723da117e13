/**
 * The live digital twin: an XState v5 actor system (see ./actors.ts) fed with canonical signals,
 * running on a SimulatedClock that plant time moves forward (each signal advances it to its
 * eventTime; `clock.tick` signals and advanceTo() too).
 *
 * Speed: XState costs ~5–20 µs per event here, so applyBatch never sends one event per signal.
 * Each signal is folded (./fold.ts, plain JS) into a working copy of the context of the actor it
 * touches; at the end of the batch each touched actor gets ONE `SYNC` event with its folded
 * context and takes the transition it asks for; then the SimulatedClock moves to the batch's time
 * and fires the delayed transitions due. Folds apply due timers before each op, so any split of
 * the same signals into batches gives the same state and hash. A machine.state that repeats the
 * machine's state touches nothing. Views, projections and hashes are computed lazily, on
 * view()/takeDelta()/hash().
 *
 * Queues: each line runs its waiting orders by due/priority (schedule.ts `compareBySequence`),
 * except for a planner's pin (`plan.sequence`, e.g. a committed resequence), kept in the line
 * actor's context so snapshots, replays and forks carry it: the pinned orders run first.
 */
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import { SimulatedClock } from '../clock/clock';
import type { Plant } from '../plant/schema';
import type { Signal, SignalOf } from '../signals/schema';
import { createPlantLogic, type PlantLogic } from './actors';
import { DEFAULT_TIMINGS, foldMachineState, foldOrder, orderTimerDue, type LineContext, type MachineContext, type OrderContext, type OrderOp, type PlantContext, type TwinTimings } from './fold';
import { canonicalJson, fnv1a64 } from './hash';
import { FALLBACK_CHANGEOVER_MINUTES, HOUR, MINUTE, assignLine, compareBySequence, compareWithPin, indexPlant, projectQueue, shiftAt, type MachineInfo, type PlantIndex } from './schedule';
import type { LineStatus, LineView, MachineView, OrderState, OrderView, TwinDelta, TwinState, TwinView } from './view';

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

const TERMINAL: ReadonlySet<OrderState> = new Set(['complete', 'closed', 'cancelled']);
const MAX_REJECTED = 1000;
// A machine whose source went silent shows as unknown on the machine itself; the line is unknown only when no machine says anything.
const STATUS_ORDER: readonly LineStatus[] = ['down', 'cleaning', 'changeover', 'blocked', 'starved', 'running', 'idle'];

interface MachineSlot {
  info: MachineInfo;
  ref: AnyActorRef;
  line: LineSlot;
  /** Working context during a batch. */
  work: MachineContext | null;
  entered: boolean;
}

interface LineSlot {
  id: string;
  ref: AnyActorRef;
  work: LineContext | null;
}

interface OrderWork {
  ctx: OrderContext;
  isNew: boolean;
}

type RootWork = Omit<PlantContext, 'finished'>;
const ROOT_PART_BIT: Record<keyof RootWork, number> = { inventory: 1, onShift: 2, holds: 4, pos: 8, demand: 16 };
type Snap<C> = { context: C; value: unknown };

export function orderStateOf(value: unknown): OrderState {
  if (typeof value === 'string') return value as OrderState;
  return Object.keys(value as object)[0] as OrderState;
}

class TwinImpl implements Twin {
  readonly clock: SimulatedClock;
  readonly startTime: number;
  private readonly index: PlantIndex;
  private readonly timings: TwinTimings;
  private readonly actor: Actor<PlantLogic>;
  private readonly machines = new Map<string, MachineSlot>();
  private readonly lines = new Map<string, LineSlot>();
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
  private lastDeltaAt: { time: number; position: number } | null = null;
  private lastDelta: { lines: Map<string, LineView>; machines: Map<string, MachineView>; orders: Map<string, OrderView>; onShift: string } | null = null;

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

  private reject(signal: Signal, reason: string, path: string): void {
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
    this.flush();
    this._position = lastPosition;
    this.version++;
  }

  advanceTo(time: number): void {
    if (time <= this._time) return;
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

  private machineWork(m: MachineSlot): MachineContext {
    if (m.work) return m.work;
    m.work = { ...(m.ref.getSnapshot() as Snap<MachineContext>).context };
    this.touchedMachines.push(m);
    return m.work;
  }

  private lineCtx(l: LineSlot): LineContext {
    return l.work ?? (l.ref.getSnapshot() as Snap<LineContext>).context;
  }

  private lineWork(l: LineSlot): LineContext {
    if (l.work) return l.work;
    const c = (l.ref.getSnapshot() as Snap<LineContext>).context;
    const counts: LineContext['counts'] = {};
    for (const k in c.counts) counts[k] = { ...(c.counts[k] as { good: number; scrap: number }) };
    l.work = { ...c, counts };
    this.touchedLines.push(l);
    return l.work;
  }

  private orderCtx(id: string): OrderContext | undefined {
    const w = this.orderWork.get(id);
    if (w) return w.ctx;
    return (this.orderRef(id)?.getSnapshot() as Snap<OrderContext> | undefined)?.context;
  }

  private orderWorkOf(id: string): OrderContext | undefined {
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
  private root<K extends keyof RootWork>(part: K): RootWork[K] {
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

  private rootCtx(): RootWork {
    return this.rootWork ?? (this.actor.getSnapshot().context as PlantContext);
  }

  private orderOp(id: string, op: OrderOp): OrderContext | undefined {
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

  private newOrder(o: Omit<OrderContext, 'state' | 'resume' | 'good' | 'scrap' | 'startedAt' | 'completedAt' | 'cancelledAt' | 'deadline' | 'holds' | 'deviations'>): void {
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
    switch (s.type) {
      case 'production.count': {
        const m = this.machines.get(s.machine);
        if (!m) {
          this._ignored++;
          return;
        }
        const lw = this.lineWork(m.line);
        const cnt = lw.counts[s.machine] ?? (lw.counts[s.machine] = { good: 0, scrap: 0 });
        cnt.good += s.good;
        cnt.scrap += s.scrap;
        const orderId = s.orderId ?? this.lineCtx(m.line).currentOrderId;
        if (orderId == null) return;
        const good = m.info.isLast ? s.good : 0;
        if (good === 0 && s.scrap === 0) return;
        const o = this.orderWorkOf(orderId);
        if (!o) return;
        o.good += good;
        o.scrap += s.scrap;
        return;
      }
      case 'machine.state': {
        const m = this.machines.get(s.machine);
        if (!m) {
          this._ignored++;
          return;
        }
        const cur = m.work ?? (m.ref.getSnapshot() as Snap<MachineContext>).context;
        const reason = s.reason ?? null;
        if (cur.state === s.state && cur.reason === reason) return;
        const plannedMs = s.state === 'changeover' || s.state === 'cleaning' ? this.plannedSetupMs(m.line) : 0;
        if (foldMachineState(this.machineWork(m), s.state, reason, this._time, plannedMs, this.timings) === 'entered') m.entered = true;
        return;
      }
      case 'clock.tick':
        return;
      case 'inventory.issue':
        this.addInventory(s.component, s.location, -s.qty);
        if (s.orderId !== undefined) {
          const c = this.orderCtx(s.orderId);
          if (c && !c.kitted) this.orderOp(s.orderId, { type: 'KIT' });
        }
        return;
      case 'inventory.receipt':
        this.addInventory(s.component, s.location, s.qty);
        return;
      case 'inventory.adjustment':
        this.addInventory(s.component, s.location, s.qtyDelta);
        return;
      case 'labour.clockIn':
        this.root('onShift')[s.person] = s.line ?? null;
        return;
      case 'labour.clockOut':
        delete this.root('onShift')[s.person];
        return;
      case 'order.created': {
        const o = s.order;
        const product = this.index.productBySku.get(o.sku);
        this.newOrder({
          id: o.id,
          sku: o.sku,
          qty: o.qty,
          customer: o.customer,
          due: o.due,
          release: o.release ?? this._time,
          priority: o.priority,
          lineId: assignLine(this.index, o.sku, o.line),
          kitted: !product || product.bom.length === 0,
        });
        return;
      }
      case 'order.changed': {
        const op: OrderOp = { type: 'CHANGE' };
        if (s.qty !== undefined) op.qty = s.qty;
        if (s.due !== undefined) op.due = s.due;
        if (s.sku !== undefined) op.sku = s.sku;
        if (s.line !== undefined) op.lineId = s.line;
        this.orderOp(s.orderId, op);
        return;
      }
      case 'order.priority':
        this.orderOp(s.orderId, { type: 'PRIORITY', priority: s.priority });
        return;
      case 'order.cancelled': {
        const c = this.orderOp(s.orderId, { type: 'CANCEL', at: this._time });
        const line = c?.lineId ? this.lines.get(c.lineId) : undefined;
        if (line && this.lineCtx(line).currentOrderId === s.orderId) {
          const lw = this.lineWork(line);
          lw.currentOrderId = null;
          lw.currentSku = null;
        }
        return;
      }
      case 'order.started': {
        const line = this.lines.get(s.line);
        const exists = this.orderCtx(s.orderId) !== undefined;
        if (!line && !exists) {
          this._ignored++;
          return;
        }
        if (line) {
          const prev = this.lineCtx(line).currentOrderId;
          if (prev !== null && prev !== s.orderId && this.orderCtx(prev)) this.orderOp(prev, { type: 'PAUSE' });
        }
        const c = exists ? this.orderOp(s.orderId, { type: 'START', at: this._time, lineId: s.line }) : undefined;
        if (line) {
          // A started order has left the queue: its place in the pin is used up.
          this.unpin(line.id, s.orderId);
          const lw = this.lineWork(line);
          lw.currentOrderId = s.orderId;
          lw.currentSku = c?.sku ?? null;
          this.headCache.delete(line.id);
        }
        return;
      }
      case 'order.completed': {
        const line = this.lines.get(s.line);
        const exists = this.orderCtx(s.orderId) !== undefined;
        if (!line && !exists) {
          this._ignored++;
          return;
        }
        const c = exists ? this.orderOp(s.orderId, { type: 'COMPLETE', at: this._time }) : undefined;
        if (line) {
          const lw = this.lineWork(line);
          if (lw.currentOrderId === s.orderId) {
            lw.currentOrderId = null;
            lw.currentSku = null;
          }
          const family = c ? this.index.familyOf(c.sku) : null;
          if (family !== null) lw.lastFamily = family;
          this.headCache.delete(line.id);
          const next = this.queueHead(line);
          if (next && (next.state === 'released' || next.state === 'kitted')) this.orderOp(next.id, { type: 'READY' });
        }
        return;
      }
      case 'quality.hold': {
        const orderId = s.orderId ?? null;
        const lineId = s.line ?? null;
        this.root('holds')[s.holdId] = { orderId, lineId };
        if (orderId && this.orderCtx(orderId)) this.orderOp(orderId, { type: 'HOLD', holdId: s.holdId });
        const line = lineId ? this.lines.get(lineId) : undefined;
        if (line) {
          const lw = this.lineWork(line);
          if (!lw.holds.includes(s.holdId)) lw.holds = [...lw.holds, s.holdId];
        }
        return;
      }
      case 'quality.release': {
        const reg = this.rootCtx().holds[s.holdId];
        if (!reg) {
          this._ignored++;
          return;
        }
        delete this.root('holds')[s.holdId];
        if (reg.orderId && this.orderCtx(reg.orderId)) this.orderOp(reg.orderId, { type: 'RELEASE', holdId: s.holdId });
        const line = reg.lineId ? this.lines.get(reg.lineId) : undefined;
        if (line) {
          const lw = this.lineWork(line);
          lw.holds = lw.holds.filter((h) => h !== s.holdId);
        }
        return;
      }
      case 'quality.deviation': {
        const c = s.orderId ? this.orderWorkOf(s.orderId) : undefined;
        if (c) c.deviations++;
        return;
      }
      case 'po.eta':
        this.root('pos')[s.po] = { component: s.component, qty: s.qty, eta: s.eta };
        return;
      case 'demand.changed': {
        const d = this.root('demand');
        d[s.sku] = (d[s.sku] ?? 0) + s.qtyDelta;
        return;
      }
      case 'plan.sequence':
        this.pin(s);
        return;
    }
  }

  /**
   * `plan.sequence`: all or nothing. Every named order must exist, be on the line and not be
   * finished (else the signal is refused and the pin stays as it was); the line's current order,
   * if named, is left out (a started order's place in the pin is used up). Replaces the previous pin.
   */
  private pin(s: SignalOf<'plan.sequence'>): void {
    const line = this.lines.get(s.line);
    if (!line) {
      this.reject(s, `plan.sequence: unknown line "${s.line}"; the plant has lines ${[...this.lines.keys()].join(', ')}`, 'line');
      return;
    }
    const current = this.lineCtx(line).currentOrderId;
    const seen = new Set<string>();
    for (let i = 0; i < s.orderIds.length; i++) {
      const id = s.orderIds[i] as string;
      const path = `orderIds.${i}`;
      const at = `plan.sequence for ${line.id}${s.decisionId ? ` (decision ${s.decisionId})` : ''}: order "${id}" at orderIds[${i}]`;
      if (seen.has(id)) return this.reject(s, `${at} is named twice; name each order once, in the order it should run`, path);
      seen.add(id);
      const c = this.orderCtx(id);
      if (!c) return this.reject(s, `${at} is not in the twin (never created, or finished and retired); only orders waiting on ${line.id} can be sequenced`, path);
      if (c.lineId !== line.id) return this.reject(s, `${at} is on ${c.lineId === null ? 'no line' : `line ${c.lineId}`}, not ${line.id}; reroute it to ${line.id} first (order.changed with line) or sequence it on its own line`, path);
      if (TERMINAL.has(c.state)) return this.reject(s, `${at} is ${c.state}; only orders waiting on ${line.id} can be sequenced`, path);
    }
    const pinned = s.orderIds.filter((id) => id !== current);
    this.lineWork(line).pinned = pinned.length ? pinned : undefined;
    this.headCache.delete(line.id);
  }

  /** Takes an order out of a line's pin (it left the line, started, completed or was cancelled). */
  private unpin(lineId: string | null, orderId: string): void {
    const line = lineId === null ? undefined : this.lines.get(lineId);
    if (!line) return;
    const pinned = this.lineCtx(line).pinned;
    if (!pinned || !pinned.includes(orderId)) return;
    const rest = pinned.filter((id) => id !== orderId);
    this.lineWork(line).pinned = rest.length ? rest : undefined;
    this.headCache.delete(line.id);
  }

  private addInventory(component: string, location: string, delta: number): void {
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
  private queueHead(line: LineSlot): OrderContext | null {
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
  private plannedSetupMs(line: LineSlot): number {
    const ctx = this.lineCtx(line);
    const sku = ctx.currentSku ?? this.queueHead(line)?.sku ?? null;
    const spec = this.index.changeover(ctx.lastFamily, sku === null ? null : this.index.familyOf(sku));
    const minutes = spec.minutes > 0 ? spec.minutes : (this.plant.changeovers.defaultMinutes ?? FALLBACK_CHANGEOVER_MINUTES);
    return minutes * MINUTE;
  }

  // ------------------------------------------------------------------ views

  hash(): string {
    if (this.cachedHash?.version === this.version) return this.cachedHash.hash;
    const hash = fnv1a64(canonicalJson({ v: TWIN_MACHINE_VERSION, position: this._position, time: this._time, actor: this.actor.getPersistedSnapshot() }));
    this.cachedHash = { version: this.version, hash };
    return hash;
  }

  persist(): TwinSnapshot {
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
    const now = this._time;
    const elapsed = now - this.startTime;
    const plantCtx = this.actor.getSnapshot().context as PlantContext;

    // orders, grouped by line
    const orders: OrderView[] = [];
    const orderCtx = new Map<string, { ctx: OrderContext; state: OrderState; view: OrderView }>();
    const byLine = new Map<string, { ctx: OrderContext; state: OrderState }[]>();
    for (const ref of this.orderRefs()) {
      const snap = ref.getSnapshot() as Snap<OrderContext>;
      const c = snap.context;
      const state = c.state;
      const view: OrderView = {
        id: c.id,
        sku: c.sku,
        qty: c.qty,
        customer: c.customer,
        due: c.due,
        priority: c.priority,
        state,
        lineId: c.lineId,
        good: c.good,
        scrap: c.scrap,
        startedAt: c.startedAt,
        completedAt: c.completedAt,
        late: c.completedAt !== null ? c.completedAt > c.due : now > c.due,
        holds: c.holds,
      };
      orders.push(view);
      orderCtx.set(c.id, { ctx: c, state, view });
      if (c.lineId !== null && !TERMINAL.has(state)) {
        let list = byLine.get(c.lineId);
        if (!list) byLine.set(c.lineId, (list = []));
        list.push({ ctx: c, state });
      }
    }

    // machines
    const machines: MachineView[] = [];
    const machineCtx = new Map<string, { ctx: MachineContext; view: MachineView }>();
    for (const m of this.machines.values()) {
      const c = (m.ref.getSnapshot() as Snap<MachineContext>).context;
      const cnt = ((this.lines.get(c.lineId) as LineSlot).ref.getSnapshot() as Snap<LineContext>).context.counts[c.id] ?? { good: 0, scrap: 0 };
      const v: MachineView = { id: c.id, lineId: c.lineId, state: c.state, since: c.since, alarm: c.alarm, plannedMinutes: c.plannedMinutes, good: cnt.good, scrap: cnt.scrap };
      if (c.reason !== null) v.reason = c.reason;
      machines.push(v);
      machineCtx.set(c.id, { ctx: c, view: v });
    }

    // crews
    const crewByLine = new Map<string, number>();
    for (const p in plantCtx.onShift) {
      const l = plantCtx.onShift[p];
      if (l) crewByLine.set(l, (crewByLine.get(l) ?? 0) + 1);
    }

    // lines
    const lines: LineView[] = [];
    for (const info of this.index.lines) {
      const lc = ((this.lines.get(info.id) as LineSlot).ref.getSnapshot() as Snap<LineContext>).context;
      const ms = info.machines.map((id) => (machineCtx.get(id) as { ctx: MachineContext }).ctx);
      const current = lc.currentOrderId !== null ? orderCtx.get(lc.currentOrderId) : undefined;
      const holds = [...lc.holds];
      if (current) for (const h of current.ctx.holds) if (!holds.includes(h)) holds.push(h);
      let status: LineStatus = 'unknown';
      if (holds.length) status = 'held';
      else if (ms.length === 0) status = current ? 'running' : 'idle';
      else {
        for (const st of STATUS_ORDER) {
          if (ms.some((m) => m.state === st)) {
            status = st;
            break;
          }
        }
      }
      let alarm: 'overrun' | 'escalated' | null = null;
      for (const m of ms) if (m.alarm === 'escalated' || (m.alarm === 'overrun' && alarm === null)) alarm = m.alarm;

      const sequence = compareWithPin(lc.pinned);
      const waiting = (byLine.get(info.id) ?? []).filter((o) => o.ctx.id !== lc.currentOrderId).sort((a, b) => sequence(a.ctx, b.ctx));
      const projection = projectQueue(this.index, {
        now,
        lineId: info.id,
        lastFamily: lc.lastFamily,
        current: current && !TERMINAL.has(current.state) ? { sku: current.ctx.sku, remaining: Math.max(0, current.ctx.qty - current.ctx.good) } : null,
        queue: waiting.map((o) => ({ id: o.ctx.id, sku: o.ctx.sku, qty: o.ctx.qty, remaining: Math.max(0, o.ctx.qty - o.ctx.good), due: o.ctx.due })),
      });
      if (current && projection.currentEnd !== null) current.view.late = projection.currentEnd > current.ctx.due;
      for (const q of projection.queue) {
        const ov = orderCtx.get(q.orderId);
        if (ov) ov.view.late = q.late;
      }

      const counts = info.machines.map((id) => lc.counts[id] ?? { good: 0, scrap: 0 });
      const first = counts[0];
      const last = counts[counts.length - 1];
      let scrap = 0;
      let laterScrap = 0;
      counts.forEach((m, i) => {
        scrap += m.scrap;
        if (i > 0) laterScrap += m.scrap;
      });
      let run = 0;
      for (const m of ms) run += m.runMs + (m.state === 'running' ? Math.max(0, now - m.since) : 0);
      lines.push({
        id: info.id,
        areaId: info.areaId,
        name: info.name,
        status,
        currentOrderId: lc.currentOrderId,
        currentSku: lc.currentSku,
        lastFamily: lc.lastFamily,
        queue: projection.queue,
        good: last ? last.good : 0,
        scrap,
        wip: first && last ? Math.max(0, first.good - last.good - laterScrap) : 0,
        availability: ms.length && elapsed > 0 ? Math.min(1, run / ms.length / elapsed) : 0,
        crewOnShift: crewByLine.get(info.id) ?? 0,
        crewNeeded: info.crewSize,
        holds,
        currentProjectedEnd: projection.currentEnd,
        alarm,
        ...(lc.pinned?.length ? { pinned: [...lc.pinned] } : {}),
      });
    }

    orders.sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const inventory = Object.keys(plantCtx.inventory)
      .sort()
      .map((k) => {
        const at = k.lastIndexOf('@');
        return { component: k.slice(0, at), location: k.slice(at + 1), qty: plantCtx.inventory[k] as number };
      });
    const view = {
      time: now,
      position: this._position,
      lines,
      machines,
      orders,
      inventory,
      onShift: { shiftId: shiftAt(this.plant, now)?.id ?? null, people: Object.keys(plantCtx.onShift).sort() },
    };
    this.cachedView = { version: this.version, view };
    return view;
  }

  takeDelta(): TwinDelta | null {
    const v = this.buildView();
    const prev = this.lastDelta;
    const delta: TwinDelta = { time: v.time, position: v.position };
    let changed = false;
    const lines = diffEntities(prev?.lines, v.lines);
    if (lines.length) {
      delta.lines = lines;
      changed = true;
    }
    const machines = diffEntities(prev?.machines, v.machines);
    if (machines.length) {
      delta.machines = machines;
      changed = true;
    }
    const orders = diffEntities(prev?.orders, v.orders);
    if (orders.length) {
      delta.orders = orders;
      changed = true;
    }
    if (prev) {
      const ids = new Set(v.orders.map((o) => o.id));
      const removed = [...prev.orders.keys()].filter((id) => !ids.has(id));
      if (removed.length) {
        delta.removedOrders = removed;
        changed = true;
      }
    }
    const onShiftKey = JSON.stringify(v.onShift);
    if (!prev || prev.onShift !== onShiftKey) {
      delta.onShift = v.onShift;
      changed = true;
    }
    this.lastDelta = {
      lines: new Map(v.lines.map((l) => [l.id, l])),
      machines: new Map(v.machines.map((m) => [m.id, m])),
      orders: new Map(v.orders.map((o) => [o.id, o])),
      onShift: onShiftKey,
    };
    const prevTime = this.lastDeltaAt;
    this.lastDeltaAt = { time: v.time, position: v.position };
    if (!changed && prevTime && prevTime.time === v.time && prevTime.position === v.position) return null;
    return delta;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Changed entities with only their changed fields (new entities whole). */
function diffEntities<T extends { id: string }>(prev: Map<string, T> | undefined, next: readonly T[]): (Partial<T> & { id: string })[] {
  const out: (Partial<T> & { id: string })[] = [];
  for (const e of next) {
    const p = prev?.get(e.id);
    if (!p) {
      out.push(e);
      continue;
    }
    let d: (Partial<T> & { id: string }) | null = null;
    const keys = new Set([...Object.keys(e), ...Object.keys(p)]) as Set<keyof T & string>;
    for (const k of keys) {
      if (!sameValue(e[k], p[k])) {
        d ??= { id: e.id } as Partial<T> & { id: string };
        (d as Record<string, unknown>)[k] = e[k] === undefined ? null : e[k];
      }
    }
    if (d) out.push(d);
  }
  return out;
}
