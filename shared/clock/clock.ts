/**
 * Time for domain code. Nothing in shared/ reads the wall clock: it asks a Clock, so the same code
 * runs live, accelerated and simulated, and replays are deterministic.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, in plant time. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in time order (ties in creation order) as
 * time is advanced past them. XState accepts it as its `clock` option.
 */
export class SimulatedClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, Timer>();

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Time of the next timer, or undefined. */
  nextAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Moves time forward to `to`, firing every timer due on the way, in order. */
  advanceTo(to: number): void {
    if (to < this.t) return;
    for (;;) {
      let next: Timer | undefined;
      let nextId = 0;
      for (const [id, tm] of this.timers) {
        if (tm.at <= to && (!next || tm.at < next.at || (tm.at === next.at && tm.seq < next.seq))) {
          next = tm;
          nextId = id;
        }
      }
      if (!next) break;
      this.timers.delete(nextId);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = to;
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.t + ms);
  }
}

/** Clock speeds a live core may run at: real time up to ×600. */
export const MIN_SPEED = 1;
export const MAX_SPEED = 600;

/**
 * Plant time that runs `speed` times faster than a source of real time. The source is injected
 * (performance.now / Date.now at the edge) so this stays pure and testable.
 */
export class AcceleratedTime {
  private originReal: number;
  private originPlant: number;
  private _speed: number;

  constructor(private readonly realNow: () => number, plantStart: number, speed = 1) {
    this.originReal = realNow();
    this.originPlant = plantStart;
    this._speed = clampSpeed(speed);
  }

  get speed(): number {
    return this._speed;
  }

  now(): number {
    return this.originPlant + (this.realNow() - this.originReal) * this._speed;
  }

  /** Changes speed without a jump in plant time. */
  setSpeed(speed: number): void {
    const plant = this.now();
    this.originReal = this.realNow();
    this.originPlant = plant;
    this._speed = clampSpeed(speed);
  }

  /** Real milliseconds until plant time reaches `plantAt`. */
  realDelayUntil(plantAt: number): number {
    return Math.max(0, (plantAt - this.now()) / this._speed);
  }
}

export function clampSpeed(speed: number): number {
  if (!Number.isFinite(speed)) throw new RangeError(`clock speed must be a number between ${MIN_SPEED} and ${MAX_SPEED}, got ${speed}`);
  if (speed < MIN_SPEED || speed > MAX_SPEED) throw new RangeError(`clock speed must be between ${MIN_SPEED} and ${MAX_SPEED}, got ${speed}`);
  return speed;
}
