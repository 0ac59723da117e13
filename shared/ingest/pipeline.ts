/**
 * The ingest pipeline: raw → validate → (dead-letter) → dedupe → reorder → journal → deliver.
 *
 * Accepted signals are handed on in batches (size- and time-based); each batch is appended to the
 * journal first and delivered only once committed, with the journal position of its last signal,
 * so the twin always reflects a committed prefix of the journal. With a synchronous journal
 * (`append` commits before it returns) delivery follows the append at once. With an asynchronous
 * one (a writer thread: `waitDurable`/`durablePosition`) the next batches are validated while the
 * previous commits; committed batches are delivered, in order, at the next batch boundary, and at
 * most `maxUncommittedBatches` wait before the pipeline blocks on the oldest; `flush()`, `close()`
 * and the timer deliver everything (waiting for the commits). A journal that can say when a commit
 * is done (`onDurable`) gets group commit instead of a timer that waits: a partial batch goes to an
 * idle journal after `groupDelayMs`, and what arrives while a commit is running goes in the next one
 * when it ends, so latency is about one or two commits (not the batch delay) and the thread that
 * receives never blocks on a commit; every delivered signal is still committed first. Rejected signals become dead letters
 * with the raw payload (clipped to 4 KiB), a reason and a path. Every pushed signal ends in exactly one
 * of accepted, duplicate or dead-lettered (`stats()`).
 *
 * Pure: time comes from an injected clock/scheduler (no setTimeout here, no Date.now()).
 */
import type { DeadLetter, IngestResult } from './results';
import type { Signal } from '../signals/schema';
import type { SignalMeta, SignalSink } from './sink';
import { createDedupe } from './dedupe';
import type { PlantIndex } from './plant-index';
import { createReorder } from './reorder';
import { createValidator, DEFAULT_CLOCK_SKEW_MS, type RejectCode, type Rejection } from './validate';

/** A dead letter before the journal numbers it. */
export type DeadLetterEntry = Omit<DeadLetter, 'n'> & { code: RejectCode };

export interface IngestJournal {
  /**
   * Appends a batch durably (one transaction) and returns the position of its last signal.
   * `raws[i]`, when given, is a faithful JSON text of `batch[i]` (saves a stringify).
   */
  append(batch: readonly Signal[], raws?: readonly (string | undefined)[]): number;
  /**
   * Asynchronous journals only (append returns before its commit): the position committed so far.
   * A journal without `waitDurable` must commit before `append` returns.
   */
  readonly durablePosition?: number;
  /** Asynchronous journals only: blocks until `position` is committed. */
  waitDurable?(position: number): void;
  /**
   * Asynchronous journals, optional: calls `cb` on a later turn of the event loop once `position`
   * is committed, without blocking. With it and a scheduler, commits are grouped (see `arm`).
   */
  onDurable?(position: number, cb: () => void): void;
  /** Optional: persists dead letters in batches (they are also passed to `onDeadLetter`). */
  addDeadLetters?(entries: readonly DeadLetterEntry[]): void;
}

export interface Scheduler {
  /** Plant-time now (used to stamp dead letters and release the reorder buffer on idle). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface IngestPipelineOptions {
  index?: PlantIndex;
  journal: IngestJournal;
  deliver(batch: Signal[], lastPosition: number): void;
  onDeadLetter?(entry: DeadLetterEntry): void;
  /** Reorder window in event time; 0 = pass-through. Default 0. */
  latenessMs?: number;
  /** How far behind the newest event time a (commutative) late signal is still accepted, and how
   * long dedupe keys are kept. Default max(1 h, 2 × latenessMs); never below latenessMs. */
  horizonMs?: number;
  /** Dedupe memory cap. Default 1,000,000 keys. */
  maxDedupeKeys?: number;
  /** Seed of dedupe's key hash; the core passes a random one (see dedupe.ts). Default 0. */
  dedupeHashSeed?: number;
  clockSkewMs?: number;
  maxAgeMs?: number;
  maxQty?: number;
  /** Signals per journal/deliver batch. Default 4096. */
  batchSize?: number;
  /** With an asynchronous journal: appended batches that may wait for their commit before push blocks. Default 4. */
  maxUncommittedBatches?: number;
  /** With a scheduler: hand on a partial batch after this long. Default 50 ms. */
  maxBatchDelayMs?: number;
  /**
   * With a scheduler and a journal that has `onDurable`: how long a partial batch waits for more
   * when nothing is committing (group commit). Default 5 ms: enough for a socket's burst to share
   * one transaction, far below the batch delay.
   */
  groupDelayMs?: number;
  /** With a scheduler: release the whole reorder buffer after this long without pushes. Default 1000 ms. */
  idleFlushMs?: number;
  scheduler?: Scheduler;
  /**
   * The receiving side's clock (plant time). When given, no signal whose event time lies more than
   * the clock skew ahead of it is accepted, whatever receive time the sender or the edge claims:
   * one accepted future event time would move dedupe's horizon and the reorder watermark ahead of
   * the plant, and every on-time signal after it (also after a restart, which resumes from the
   * journal's newest event time) would be refused.
   */
  now?: () => number;
  /** Largest raw payload kept in a dead letter. Default 4096 characters. */
  maxRawChars?: number;
  /**
   * Resume after a restart: the keys journaled within the horizon (journal.recentKeys(maxEventTime −
   * horizonMs)) so re-sent signals are still recognised, and the newest event time journaled as the
   * starting watermark so state-setting signals older than the journal's tail are not applied.
   */
  resume?: { keys?: Iterable<{ source: string; id: string; eventTime: number }>; watermark?: number };
}

export type PushOutcome = 'accepted' | 'duplicate' | Rejection;

export interface IngestStats {
  pushed: number;
  accepted: number;
  duplicates: number;
  deadLettered: number;
  /** Accepted although older than the watermark (commutative types). */
  late: number;
  /** Dead letters by kind. */
  rejectedBy: Record<RejectCode, number>;
  /** Signals waiting in the reorder window / in the current batch. */
  buffered: number;
  pendingBatch: number;
  /** Signals journaled (appended) but not yet delivered because their commit is pending. */
  awaitingCommit: number;
  batches: number;
  lastPosition: number;
  watermark: number;
  dedupeKeys: number;
  dedupeFloor: number;
}

export interface IngestPipeline extends SignalSink {
  push(raw: unknown, meta?: SignalMeta): PushOutcome;
  pushMany(raws: readonly unknown[], meta?: SignalMeta): IngestResult;
  /** Releases the reorder buffer and hands on every pending signal and dead letter. */
  flush(): void;
  /** Hands on the current batch only (the reorder window keeps waiting); delivers what is journaled, waiting for commits. */
  flushBatch(): void;
  stats(): IngestStats;
  /** Flushes and cancels the timer. */
  close(): void;
  /**
   * Runs `cb` once every signal pushed so far is committed in the journal and delivered (signals that
   * were duplicates or dead letters need nothing more); at once when that is already so. Connectors
   * acknowledge their source (MQTT PUBACK) only then, so a crash cannot lose what was acknowledged.
   * Dead letters are not waited for: the journal's writer commits them in order with the batches.
   */
  whenDurable(cb: () => void): void;
}

function clipRaw(raw: unknown, max: number): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      try {
        text = String(raw);
      } catch {
        text = `[unprintable ${typeof raw}]`;
      }
    }
  }
  return text.length > max ? `${text.slice(0, max)}…[${text.length - max} more characters]` : text;
}

function sourceOf(obj: unknown): string {
  try {
    if (typeof obj === 'object' && obj !== null) {
      const s = (obj as { source?: unknown }).source;
      if (typeof s === 'string' && s.length > 0) return s.length > 64 ? `${s.slice(0, 64)}…` : s;
    }
  } catch {
    /* hostile getter */
  }
  return 'unknown';
}

export function createIngestPipeline(opts: IngestPipelineOptions): IngestPipeline {
  const latenessMs = opts.latenessMs ?? 0;
  const horizonMs = Math.max(opts.horizonMs ?? Math.max(3_600_000, 2 * latenessMs), latenessMs);
  const batchSize = opts.batchSize ?? 4096;
  const maxUncommitted = Math.max(0, opts.maxUncommittedBatches ?? 4);
  const maxBatchDelayMs = opts.maxBatchDelayMs ?? 50;
  const idleFlushMs = opts.idleFlushMs ?? 1000;
  const groupDelayMs = Math.min(maxBatchDelayMs, opts.groupDelayMs ?? 5);
  const maxRawChars = opts.maxRawChars ?? 4096;
  const maxBytes = 65_536;
  const { journal, deliver, onDeadLetter, scheduler } = opts;
  const asyncJournal = typeof journal.waitDurable === 'function';
  const notify = asyncJournal && typeof journal.onDurable === 'function' ? journal.onDurable.bind(journal) : undefined;

  const skewMs = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const clockNow = opts.now;
  // The clock is read only when an event time passes the last reading plus the skew (the clock
  // never goes back, so an old reading can only cause a re-read, never a wrong acceptance).
  let nowSeen = -Infinity;
  const validate = createValidator({ index: opts.index, clockSkewMs: opts.clockSkewMs, maxAgeMs: opts.maxAgeMs, maxQty: opts.maxQty, maxBytes });
  const maxDedupeKeys = opts.maxDedupeKeys ?? 1_000_000;
  const dedupe = createDedupe({ horizonMs, maxKeys: maxDedupeKeys, hashSeed: opts.dedupeHashSeed });
  for (const k of opts.resume?.keys ?? []) dedupe.check(k.source, k.id, k.eventTime);

  // The batch being filled: `fill` signals in arrays made at the size the last batch reached, so a
  // steady stream fills preallocated arrays instead of growing them by copying (a trickle keeps
  // them small); trimmed to `fill` when handed on.
  let fill = 0;
  let batch: Signal[] = [];
  let raws: (string | undefined)[] = [];
  let dead: DeadLetterEntry[] = [];
  let lastPosition = 0;
  let batches = 0;
  // Asynchronous journal: appended batches awaiting their commit, oldest first.
  const uncommitted: { batch: Signal[]; last: number }[] = [];
  let awaitingCommit = 0;
  const st = { pushed: 0, accepted: 0, duplicates: 0, deadLettered: 0 };
  // whenDurable: waiters for the number of delivered batches that covers everything pushed before
  // them (in registration order, so the targets are non-decreasing); those registered while the
  // reorder window held signals wait in `heldWaiters` until it is empty at a batch boundary.
  const durableWaiters: { batch: number; cb: () => void }[] = [];
  const heldWaiters: (() => void)[] = [];
  let deliveredBatches = 0;
  const rejectedBy: Record<RejectCode, number> = { json: 0, size: 0, shape: 0, reference: 0, quantity: 0, time: 0, late: 0, 'too-old': 0 };

  function deadLetter(code: RejectCode, reason: string, path: string, raw: unknown, obj: unknown, meta: SignalMeta | undefined, at: number): void {
    st.deadLettered++;
    rejectedBy[code]++;
    const entry: DeadLetterEntry = { at, source: sourceOf(obj), reason, raw: clipRaw(raw, maxRawChars), code };
    if (path) entry.path = path;
    if (meta?.origin !== undefined) entry.origin = meta.origin;
    dead.push(entry);
    onDeadLetter?.(entry);
    if (dead.length >= batchSize) flushBatch();
    else arm();
  }

  const reorder = createReorder<string | undefined>({
    latenessMs,
    startWatermark: opts.resume?.watermark,
    emit(s, raw) {
      batch[fill] = s;
      raws[fill] = raw;
      if (++fill >= batchSize) flushBatch();
    },
    onLate(s, raw, info) {
      deadLetter('late', `${s.type}: ${info.reason}; state-setting signals are not applied out of order`, 'eventTime', raw ?? s, s, currentMeta, currentAt);
    },
  });

  let currentMeta: SignalMeta | undefined;
  let currentAt = 0;

  /** The batch count that holds every accepted signal pushed so far (the reorder window being empty). */
  const coveringBatch = () => batches + (fill > 0 ? 1 : 0);

  function settleWaiters(): void {
    while (durableWaiters.length > 0 && durableWaiters[0]!.batch <= deliveredBatches) {
      try {
        durableWaiters.shift()!.cb();
      } catch {
        /* a waiter's failure is its own; delivery goes on */
      }
    }
  }

  function flushBatch(): void {
    if (heldWaiters.length > 0 && reorder.size === 0) {
      const target = coveringBatch();
      for (const cb of heldWaiters.splice(0)) durableWaiters.push({ batch: target, cb });
      settleWaiters();
    }
    if (dead.length > 0) {
      const d = dead;
      dead = [];
      journal.addDeadLetters?.(d);
    }
    if (fill === 0) return;
    const b = batch;
    const r = raws;
    if (b.length !== fill) {
      b.length = fill;
      r.length = fill;
    }
    const next = Math.min(batchSize, Math.max(16, fill));
    batch = new Array<Signal>(next);
    raws = new Array<string | undefined>(next);
    fill = 0;
    lastPosition = journal.append(b, r);
    batches++;
    if (!asyncJournal) {
      deliver(b, lastPosition);
      deliveredBatches++;
      settleWaiters();
      return;
    }
    uncommitted.push({ batch: b, last: lastPosition });
    awaitingCommit += b.length;
    deliverCommitted(false);
  }

  /** Delivers the committed batches in order; with `all`, waits for every commit first. */
  function deliverCommitted(all: boolean): void {
    if (uncommitted.length === 0) return;
    if (all) journal.waitDurable!(uncommitted[uncommitted.length - 1]!.last);
    else if (uncommitted.length > maxUncommitted) journal.waitDurable!(uncommitted[uncommitted.length - 1 - maxUncommitted]!.last);
    const durable = journal.durablePosition ?? lastPosition;
    let k = 0;
    while (k < uncommitted.length && uncommitted[k]!.last <= durable) k++;
    if (k === 0) return;
    const ready = uncommitted.splice(0, k);
    for (let i = 0; i < ready.length; i++) {
      const u = ready[i]!;
      awaitingCommit -= u.batch.length;
      deliver(u.batch, u.last);
      deliveredBatches++;
    }
    settleWaiters();
  }

  /** Hands on the current batch and delivers everything journaled (waiting for commits). */
  function flushAll(): void {
    flushBatch();
    deliverCommitted(true);
  }

  // Timer at the edge: one pending timer at most, armed when something waits.
  let timer: unknown;
  let armedMs = 0;
  let pushesSinceTick = 0;
  let idleMs = 0;
  function arm(): void {
    if (scheduler === undefined || timer !== undefined) return;
    // Group commit: nothing is committing, so a partial batch goes after a short wait for company;
    // while a commit runs, `onCommitted` re-arms for what came meanwhile.
    armedMs = notify !== undefined && uncommitted.length === 0 && reorder.size === 0 ? groupDelayMs : maxBatchDelayMs;
    timer = scheduler.setTimeout(tick, armedMs);
  }
  function tick(): void {
    timer = undefined;
    if (pushesSinceTick === 0) idleMs += armedMs;
    else idleMs = 0;
    pushesSinceTick = 0;
    if (reorder.size > 0) {
      if (idleMs >= idleFlushMs) reorder.flush();
      else reorder.releaseUpTo(scheduler!.now() - latenessMs);
    }
    if (notify === undefined) flushAll();
    else {
      flushBatch();
      deliverCommitted(false);
      watchCommits();
    }
    if (reorder.size > 0) arm();
  }
  // onDurable: one watch at a time, on the oldest batch awaiting its commit.
  let watching = false;
  function watchCommits(): void {
    if (notify === undefined || watching || uncommitted.length === 0) return;
    watching = true;
    notify(uncommitted[0]!.last, onCommitted);
  }
  function onCommitted(): void {
    watching = false;
    deliverCommitted(false);
    watchCommits();
    // What arrived during the commit is the next group: it goes after the short wait, not the batch delay.
    if (fill > 0 && uncommitted.length === 0 && timer !== undefined && armedMs > groupDelayMs) {
      scheduler!.clearTimeout(timer);
      timer = undefined;
    }
    if (fill > 0) arm();
  }

  function push(raw: unknown, meta?: SignalMeta): PushOutcome {
    st.pushed++;
    pushesSinceTick++;
    const at = meta?.receiveTime ?? (scheduler ? scheduler.now() : 0);
    let obj: unknown = raw;
    let text: string | undefined;
    if (typeof raw === 'string') {
      text = raw;
      if (raw.length > maxBytes) {
        const r: Rejection = { ok: false, code: 'size', reason: `signal text is ${raw.length} characters; the limit is ${maxBytes}`, path: '' };
        deadLetter(r.code, r.reason, r.path, raw, undefined, meta, at);
        return r;
      }
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        const r: Rejection = { ok: false, code: 'json', reason: `invalid JSON: ${String((e as Error).message).slice(0, 200)}`, path: '' };
        deadLetter(r.code, r.reason, r.path, raw, undefined, meta, at);
        return r;
      }
    }
    const v = validate(obj, meta);
    if (!v.ok) {
      deadLetter(v.code, v.reason, v.path, raw, obj, meta, at);
      return v;
    }
    const s = v.signal;
    if (clockNow !== undefined && s.eventTime > nowSeen + skewMs) {
      nowSeen = clockNow();
      if (s.eventTime > nowSeen + skewMs) {
        const iso = (t: number) => new Date(t).toISOString();
        const r: Rejection = {
          ok: false,
          code: 'time',
          reason: `${s.type}: eventTime ${iso(s.eventTime)} is ${s.eventTime - nowSeen} ms after the receiving clock ${iso(nowSeen)} (allowed clock skew ${skewMs} ms); check the sender's clock`,
          path: 'eventTime',
        };
        deadLetter(r.code, r.reason, r.path, raw, s, meta, at || nowSeen);
        return r;
      }
    }
    const d = dedupe.check(s.source, s.id, s.eventTime);
    if (d === 'duplicate') {
      st.duplicates++;
      return 'duplicate';
    }
    if (d === 'too-old') {
      const floor = dedupe.floor;
      const iso = (t: number) => new Date(t).toISOString();
      const horizon =
        dedupe.floorCause === 'capacity'
          ? `the oldest event time duplicate detection still remembers (${iso(floor)}: more than ${maxDedupeKeys} signals arrived within the ${horizonMs} ms horizon, so the oldest were forgotten)`
          : `the ingest horizon (${iso(floor)}, ${horizonMs} ms behind the newest accepted event time ${iso(dedupe.newest)})`;
      const r: Rejection = {
        ok: false,
        code: 'too-old',
        reason: `${s.type}: event time ${iso(s.eventTime)} is ${floor - s.eventTime} ms older than ${horizon}; it can no longer be checked for duplicates, so it is not applied`,
        path: 'eventTime',
      };
      deadLetter(r.code, r.reason, r.path, raw, s, meta, at || s.receiveTime);
      return r;
    }
    currentMeta = meta;
    currentAt = at || s.receiveTime;
    const before = st.deadLettered;
    reorder.push(s, v.verbatim ? text : undefined);
    if (st.deadLettered !== before) {
      // Late state-setting signal: dead-lettered by onLate.
      return { ok: false, code: 'late', reason: dead.length > 0 ? dead[dead.length - 1]!.reason : 'late', path: 'eventTime' };
    }
    st.accepted++;
    if (fill > 0 || reorder.size > 0 || awaitingCommit > 0) arm();
    return 'accepted';
  }

  return {
    push,
    pushMany(list, meta) {
      const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
      for (let i = 0; i < list.length; i++) {
        const o = push(list[i], meta);
        if (o === 'accepted') result.accepted++;
        else if (o === 'duplicate') result.duplicates++;
        else result.rejected.push(o.path ? { index: i, reason: o.reason, path: o.path } : { index: i, reason: o.reason });
      }
      return result;
    },
    flush() {
      reorder.flush();
      flushAll();
    },
    flushBatch: flushAll,
    stats() {
      const r = reorder.stats();
      return {
        ...st,
        late: r.late,
        rejectedBy: { ...rejectedBy },
        buffered: reorder.size,
        pendingBatch: fill,
        awaitingCommit,
        batches,
        lastPosition,
        watermark: reorder.watermark,
        dedupeKeys: dedupe.size,
        dedupeFloor: dedupe.floor,
      };
    },
    close() {
      if (timer !== undefined) scheduler?.clearTimeout(timer);
      timer = undefined;
      reorder.flush();
      flushAll();
    },
    whenDurable(cb) {
      if (reorder.size > 0) heldWaiters.push(cb);
      else {
        const target = coveringBatch();
        if (target <= deliveredBatches && durableWaiters.length === 0) {
          cb();
          return;
        }
        durableWaiters.push({ batch: target, cb });
      }
      arm();
    },
  };
}
