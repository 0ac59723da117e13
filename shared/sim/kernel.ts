/**
 * Discrete-event simulation kernel for the what-if simulator.
 *
 * Pure (no I/O, no wall clock, no Math.random): time is simulated, randomness is the caller's
 * seeded `Rng`. Callback (state-machine) style rather than generators, for speed:
 *
 *   const sim = new Simulation();
 *   const line = new Resource(sim, 1, 'line-1');
 *   const done = (order: Order) => { line.release(); ... };
 *   const granted = (order: Order) => { sim.schedule(order.minutes, done, order); };
 *   line.request(0, granted, order);
 *   sim.run(horizon);
 *
 * Event queue: an implicit 4-ary heap (a binary heap with four children per node: half the depth)
 * keyed by (time, priority, insertion seq), so ties are broken deterministically: earlier time
 * first, then lower priority number, then the event scheduled first. Keys live in typed arrays in
 * heap order; event records (continuation, argument, generation) live in slots reused through a
 * free list, so scheduling allocates nothing once the arrays have grown to the peak queue size.
 * `cancel` removes the entry from the heap (O(log n)), so cancelled events cost nothing later.
 *
 * Events are counted the way the reference SimPy script counts them: one fired scheduled event
 * (a completed hold) = one event, one granted resource request = one event. `sim.events`.
 */

/** A continuation: called with the argument given when it was scheduled (or requested). */
export type Handler<T> = (arg: T) => void;

/** Opaque handle for `Simulation.cancel`; stale handles (fired or cancelled) are ignored. */
export type EventHandle = number;

// Handlers are stored type-erased; each is only ever called with the argument stored beside it.
type StoredHandler = (arg: never) => void;

// A handle is slot + generation * SLOT_SPAN, exact in a double for 2^29 generations per slot.
const SLOT_SPAN = 0x1000000; // 16,777,216 concurrently pending events at most
const INITIAL_CAPACITY = 64;

export class Simulation {
  /** Current simulated time (same unit as the delays you schedule; minutes in Takt models). */
  now = 0;
  /** Fired events plus granted resource requests since construction (see file header). */
  events = 0;

  // The heap, in heap order: keys (time, priority, seq) and the slot of each entry.
  private hTime: Float64Array;
  private hPrio: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private size = 0;
  // Slot records, indexed by slot number: heap position (-1 when free), generation, continuation.
  private pos: Int32Array;
  private gen: Float64Array;
  private handlers: Array<StoredHandler | undefined>;
  private args: unknown[];
  // Free slots (a stack) and the high-water mark of slots ever used.
  private free: Int32Array;
  private freeCount = 0;
  private used = 0;
  private capacity: number;
  private nextSeq = 0;
  private stopped = false;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    const c = Math.max(4, initialCapacity | 0);
    this.capacity = c;
    this.hTime = new Float64Array(c);
    this.hPrio = new Float64Array(c);
    this.hSeq = new Float64Array(c);
    this.hSlot = new Int32Array(c);
    this.pos = new Int32Array(c).fill(-1);
    this.gen = new Float64Array(c);
    this.handlers = new Array<StoredHandler | undefined>(c).fill(undefined);
    this.args = new Array<unknown>(c).fill(undefined);
    this.free = new Int32Array(c);
  }

  /** Number of scheduled events not yet fired or cancelled. */
  get pending(): number {
    return this.size;
  }

  /** Time of the next pending event, or Infinity when none. */
  peek(): number {
    return this.size === 0 ? Infinity : this.hTime[0]!;
  }

  /**
   * Schedule `handler(arg)` after `delay` (>= 0) simulated time units. Among events at the same
   * time, lower `priority` fires first, then the one scheduled first.
   */
  schedule<T>(delay: number, handler: Handler<T>, arg: T, priority = 0): EventHandle {
    if (!(delay >= 0)) {
      throw new RangeError(`Simulation.schedule: delay must be a finite number >= 0, got ${delay} at time ${this.now}`);
    }
    return this.push(this.now + delay, handler, arg, priority);
  }

  /** Schedule `handler(arg)` at absolute time `at` (>= now). */
  scheduleAt<T>(at: number, handler: Handler<T>, arg: T, priority = 0): EventHandle {
    if (!(at >= this.now)) {
      throw new RangeError(`Simulation.scheduleAt: time ${at} is before now (${this.now}); events cannot be scheduled in the past`);
    }
    return this.push(at, handler, arg, priority);
  }

  /** Cancel a pending event. Returns false when the handle already fired or was cancelled. */
  cancel(handle: EventHandle): boolean {
    if (!this.isPending(handle)) return false;
    const slot = handle % SLOT_SPAN;
    const i = this.pos[slot]!;
    const n = --this.size;
    if (i !== n) {
      // Fill the hole with the last entry, then restore the heap in whichever direction it needs.
      const t = this.hTime[n]!;
      const p = this.hPrio[n]!;
      const s = this.hSeq[n]!;
      const last = this.hSlot[n]!;
      const parent = (i - 1) >> 2;
      if (i > 0 && before(t, p, s, this.hTime[parent]!, this.hPrio[parent]!, this.hSeq[parent]!)) this.siftUp(i, t, p, s, last);
      else this.siftDown(i, t, p, s, last);
    }
    this.freeSlot(slot);
    return true;
  }

  /** True when the handle refers to an event that has neither fired nor been cancelled. */
  isPending(handle: EventHandle): boolean {
    const slot = handle % SLOT_SPAN;
    return slot >= 0 && slot < this.used && this.pos[slot]! >= 0 && this.gen[slot] === (handle - slot) / SLOT_SPAN;
  }

  /** Stop `run` after the current event (call it from inside a handler). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Fire events in order while the next one is at or before `until` (inclusive, like SimPy's
   * `simulate(until)`), until the queue is empty or `stop()` is called. When `until` is finite and
   * the run was not stopped, `now` ends at `until`. Returns the number of events fired.
   */
  run(until = Infinity): number {
    this.stopped = false;
    let fired = 0;
    while (this.size > 0 && this.hTime[0]! <= until) {
      this.fireTop();
      fired++;
      if (this.stopped) break;
    }
    if (!this.stopped && until !== Infinity && until > this.now) this.now = until;
    return fired;
  }

  /** Fire exactly one event if any is pending; returns false when the queue is empty. */
  step(): boolean {
    if (this.size === 0) return false;
    this.fireTop();
    return true;
  }

  // ---- internals -------------------------------------------------------------------------

  private fireTop(): void {
    const slot = this.hSlot[0]!;
    const handler = this.handlers[slot] as Handler<unknown>;
    const arg = this.args[slot];
    this.now = this.hTime[0]!;
    const n = --this.size;
    if (n > 0) this.siftDown(0, this.hTime[n]!, this.hPrio[n]!, this.hSeq[n]!, this.hSlot[n]!);
    this.freeSlot(slot);
    this.events++;
    handler(arg);
  }

  private push(at: number, handler: StoredHandler, arg: unknown, priority: number): EventHandle {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.free[--this.freeCount]!;
    } else {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.handlers[slot] = handler;
    this.args[slot] = arg;
    this.siftUp(this.size++, at, priority, this.nextSeq++, slot);
    return slot + this.gen[slot]! * SLOT_SPAN;
  }

  private freeSlot(slot: number): void {
    this.pos[slot] = -1;
    this.gen[slot] = this.gen[slot]! + 1;
    this.handlers[slot] = undefined;
    this.args[slot] = undefined;
    this.free[this.freeCount++] = slot;
  }

  /** Put the entry (t, p, s, slot) into the hole at heap index `i` or above it. */
  private siftUp(i: number, t: number, p: number, s: number, slot: number): void {
    const hTime = this.hTime;
    const hPrio = this.hPrio;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const pos = this.pos;
    while (i > 0) {
      const j = (i - 1) >> 2;
      const tj = hTime[j]!;
      if (t > tj || (t === tj && (p > hPrio[j]! || (p === hPrio[j]! && s > hSeq[j]!)))) break;
      hTime[i] = tj;
      hPrio[i] = hPrio[j]!;
      hSeq[i] = hSeq[j]!;
      const sj = hSlot[j]!;
      hSlot[i] = sj;
      pos[sj] = i;
      i = j;
    }
    hTime[i] = t;
    hPrio[i] = p;
    hSeq[i] = s;
    hSlot[i] = slot;
    pos[slot] = i;
  }

  /** Put the entry (t, p, s, slot) into the hole at heap index `i` or below it (size already reduced). */
  private siftDown(i: number, t: number, p: number, s: number, slot: number): void {
    const hTime = this.hTime;
    const hPrio = this.hPrio;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const pos = this.pos;
    const n = this.size;
    for (;;) {
      // 4-ary heap: fewer levels than a binary one, and the children share a cache line.
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let tc = hTime[first]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const tk = hTime[k]!;
        if (tk < tc || (tk === tc && before(tk, hPrio[k]!, hSeq[k]!, tc, hPrio[c]!, hSeq[c]!))) {
          c = k;
          tc = tk;
        }
      }
      if (t < tc || (t === tc && before(t, p, s, tc, hPrio[c]!, hSeq[c]!))) break;
      hTime[i] = tc;
      hPrio[i] = hPrio[c]!;
      hSeq[i] = hSeq[c]!;
      const sc = hSlot[c]!;
      hSlot[i] = sc;
      pos[sc] = i;
      i = c;
    }
    hTime[i] = t;
    hPrio[i] = p;
    hSeq[i] = s;
    hSlot[i] = slot;
    pos[slot] = i;
  }

  private grow(): void {
    const c = this.capacity * 2;
    if (c > SLOT_SPAN) {
      throw new RangeError(`Simulation: more than ${SLOT_SPAN} pending events; is a handler scheduling without bound?`);
    }
    this.hTime = growF64(this.hTime, c);
    this.hPrio = growF64(this.hPrio, c);
    this.hSeq = growF64(this.hSeq, c);
    this.gen = growF64(this.gen, c);
    this.hSlot = growI32(this.hSlot, c, 0);
    this.pos = growI32(this.pos, c, -1);
    this.free = growI32(this.free, c, 0);
    for (let i = this.capacity; i < c; i++) {
      this.handlers.push(undefined);
      this.args.push(undefined);
    }
    this.capacity = c;
  }
}

/** (ta, pa, sa) strictly before (tb, pb, sb)? */
function before(ta: number, pa: number, sa: number, tb: number, pb: number, sb: number): boolean {
  return ta < tb || (ta === tb && (pa < pb || (pa === pb && sa < sb)));
}

function growF64(a: Float64Array, c: number): Float64Array {
  const b = new Float64Array(c);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, c: number, fill: number): Int32Array {
  const b = new Int32Array(c);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}

/** Opaque handle for `Resource.withdraw`; stale handles (already granted or withdrawn) are ignored. */
export type RequestHandle = number;

/**
 * A resource with `capacity` identical units and a priority queue of waiting requests.
 *
 * Waiters are served lowest priority number first, first come first served within a priority.
 * (SimPy 2.3's `PriorityQ` is the other way round, a higher value is served first; a SimPy
 * `yield request, self, res, p` maps to `res.request(-p, ...)`.) Not preemptive.
 *
 * A granted request's handler runs synchronously, at the current simulated time: inside
 * `request()` when a unit is free, inside the `release()` that frees one otherwise. Each grant
 * counts as one event in `sim.events`. Grants triggered by a handler of a grant on the same
 * resource are queued and run after it returns (no unbounded recursion).
 */
export class Resource {
  readonly sim: Simulation;
  readonly capacity: number;
  readonly name: string;
  private freeUnits: number;
  private dispatching = false;

  // Waiter records (struct of arrays) indexed by waiter slot; heap of slots keyed by (prio, seq).
  private wPrio: Float64Array;
  private wSeq: Float64Array;
  private wPos: Int32Array;
  private wGen: Float64Array;
  private wHandlers: Array<StoredHandler | undefined>;
  private wArgs: unknown[];
  private wHeap: Int32Array;
  private wSize = 0;
  private wFree: Int32Array;
  private wFreeCount = 0;
  private wUsed = 0;
  private wCapacity: number;
  private wNextSeq = 0;

  constructor(sim: Simulation, capacity = 1, name = 'resource') {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Resource '${name}': capacity must be an integer >= 1, got ${capacity}`);
    }
    this.sim = sim;
    this.capacity = capacity;
    this.name = name;
    this.freeUnits = capacity;
    const c = 8;
    this.wCapacity = c;
    this.wPrio = new Float64Array(c);
    this.wSeq = new Float64Array(c);
    this.wPos = new Int32Array(c).fill(-1);
    this.wGen = new Float64Array(c);
    this.wHandlers = new Array<StoredHandler | undefined>(c).fill(undefined);
    this.wArgs = new Array<unknown>(c).fill(undefined);
    this.wHeap = new Int32Array(c);
    this.wFree = new Int32Array(c);
  }

  /** Units currently held. */
  get inUse(): number {
    return this.capacity - this.freeUnits;
  }

  /** Requests waiting for a unit. */
  get queueLength(): number {
    return this.wSize;
  }

  /**
   * Ask for one unit. When one is free and nobody waits, `onGrant(arg)` runs now and the result is
   * -1; otherwise the request waits and the result is a handle for `withdraw`.
   */
  request<T>(priority: number, onGrant: Handler<T>, arg: T): RequestHandle {
    if (this.freeUnits > 0 && this.wSize === 0 && !this.dispatching) {
      this.freeUnits--;
      this.sim.events++;
      onGrant(arg);
      return -1;
    }
    const handle = this.enqueue(priority, onGrant, arg);
    if (!this.dispatching && this.freeUnits > 0) this.dispatch();
    return handle;
  }

  /** Give one unit back; the first waiter (if any) gets it now. */
  release(): void {
    if (this.freeUnits >= this.capacity) {
      throw new Error(`Resource '${this.name}': release() at time ${this.sim.now} without a unit held; every release must follow a granted request`);
    }
    this.freeUnits++;
    if (this.wSize > 0 && !this.dispatching) this.dispatch();
  }

  /** Take a waiting request out of the queue. Returns false when it was already granted or withdrawn. */
  withdraw(handle: RequestHandle): boolean {
    const slot = handle % SLOT_SPAN;
    if (!(slot >= 0 && slot < this.wUsed)) return false;
    const p = this.wPos[slot]!;
    if (p < 0 || this.wGen[slot] !== (handle - slot) / SLOT_SPAN) return false;
    const last = this.wHeap[--this.wSize]!;
    if (p !== this.wSize) {
      if (p > 0 && this.wLess(last, this.wHeap[(p - 1) >> 1]!)) this.wSiftUp(p, last);
      else this.wSiftDown(p, last);
    }
    this.wFreeSlot(slot);
    return true;
  }

  private dispatch(): void {
    this.dispatching = true;
    try {
      while (this.freeUnits > 0 && this.wSize > 0) {
        const slot = this.wHeap[0]!;
        const handler = this.wHandlers[slot] as Handler<unknown>;
        const arg = this.wArgs[slot];
        const last = this.wHeap[--this.wSize]!;
        if (this.wSize > 0) this.wSiftDown(0, last);
        this.wFreeSlot(slot);
        this.freeUnits--;
        this.sim.events++;
        handler(arg);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private enqueue(priority: number, handler: StoredHandler, arg: unknown): RequestHandle {
    let slot: number;
    if (this.wFreeCount > 0) {
      slot = this.wFree[--this.wFreeCount]!;
    } else {
      if (this.wUsed === this.wCapacity) this.wGrow();
      slot = this.wUsed++;
    }
    this.wPrio[slot] = priority;
    this.wSeq[slot] = this.wNextSeq++;
    this.wHandlers[slot] = handler;
    this.wArgs[slot] = arg;
    this.wSiftUp(this.wSize++, slot);
    return slot + this.wGen[slot]! * SLOT_SPAN;
  }

  private wFreeSlot(slot: number): void {
    this.wPos[slot] = -1;
    this.wGen[slot] = this.wGen[slot]! + 1;
    this.wHandlers[slot] = undefined;
    this.wArgs[slot] = undefined;
    this.wFree[this.wFreeCount++] = slot;
  }

  private wLess(a: number, b: number): boolean {
    const pa = this.wPrio[a]!;
    const pb = this.wPrio[b]!;
    if (pa !== pb) return pa < pb;
    return this.wSeq[a]! < this.wSeq[b]!;
  }

  private wSiftUp(i: number, slot: number): void {
    const heap = this.wHeap;
    while (i > 0) {
      const pi = (i - 1) >> 1;
      const parent = heap[pi]!;
      if (!this.wLess(slot, parent)) break;
      heap[i] = parent;
      this.wPos[parent] = i;
      i = pi;
    }
    heap[i] = slot;
    this.wPos[slot] = i;
  }

  private wSiftDown(i: number, slot: number): void {
    const heap = this.wHeap;
    const n = this.wSize;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = heap[child]!;
      if (child + 1 < n) {
        const r = heap[child + 1]!;
        if (this.wLess(r, c)) {
          child++;
          c = r;
        }
      }
      if (!this.wLess(c, slot)) break;
      heap[i] = c;
      this.wPos[c] = i;
      i = child;
    }
    heap[i] = slot;
    this.wPos[slot] = i;
  }

  private wGrow(): void {
    const c = this.wCapacity * 2;
    if (c > SLOT_SPAN) throw new RangeError(`Resource '${this.name}': more than ${SLOT_SPAN} waiting requests`);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill = 0) => {
      const b = new Int32Array(c);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    this.wPrio = f64(this.wPrio);
    this.wSeq = f64(this.wSeq);
    this.wGen = f64(this.wGen);
    this.wPos = i32(this.wPos, -1);
    this.wHeap = i32(this.wHeap);
    this.wFree = i32(this.wFree);
    for (let i = this.wCapacity; i < c; i++) {
      this.wHandlers.push(undefined);
      this.wArgs.push(undefined);
    }
    this.wCapacity = c;
  }
}
