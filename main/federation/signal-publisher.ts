/**
 * Publishes a plant's journal to its signals stream (`takt.<site>.signals`), every accepted signal
 * exactly once and in journal order, whatever NATS does meanwhile.
 *
 * - Where to start is read from the stream, not remembered: after a (re)connect or a failure the
 *   publisher asks the stream for its last message and continues at the journal position after
 *   it. A restarted core therefore continues where the stream ends, and nothing journaled is
 *   skipped (a stream that is empty gets the journal from position 1).
 * - Order: messages go out in windows (many in flight, one round trip per window). Each carries
 *   `Nats-Msg-Id` = `<site>:<position>` (a re-publish inside the duplicate window is dropped by
 *   JetStream) and, except the first after a resync, `Nats-Expected-Last-Msg-Id` = the previous
 *   position's id: JetStream refuses a message whose predecessor is not the stream's last, so a
 *   message lost in a leader change can never be overtaken by the next one. Any failure ends the
 *   window; the publisher resyncs from the stream and goes on.
 * - It never holds up ingest: new signals are handed over in memory after their journal commit
 *   (`offer`, constant time); while NATS is away they are dropped from memory past a bound and
 *   read back from the journal once it returns.
 * - A stream that is ahead of this journal (its last position is beyond the journal's end: another
 *   core publishes as the same site, or this data folder was reset) is not written to: the
 *   publisher stops with an error saying so, rather than interleave two histories.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Signal } from '../../shared/signals/schema';
import { FEDERATION_VERSION, parseFederationMessage, signalEnvelopeSchema, type SignalEnvelope } from '../../shared/federation/messages';
import { signalMsgId, streamNames, subjects } from '../../shared/federation/subjects';

export interface JournalSource {
  /** Position up to which the journal is committed. */
  durablePosition(): number;
  /** Committed signals from `position` on, at most `limit`, in order. */
  read(position: number, limit: number): { position: number; signal: Signal }[];
}

export interface SignalPublisherOptions {
  site: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  journal: JournalSource;
  log(line: string): void;
  /** Messages in flight at once (default 256). */
  window?: number;
  /** Signals kept in memory waiting for NATS before the journal is read instead (default 20,000). */
  bufferLimit?: number;
  /** Called before each resync (creates the streams on a fresh cluster). */
  beforeSync?: () => Promise<void>;
}

export interface SignalPublisherStatus {
  state: 'syncing' | 'publishing' | 'idle' | 'waiting' | 'conflict' | 'stopped';
  /** Last journal position known to be in the stream. */
  published: number;
  /** Journal positions committed but not yet in the stream. */
  behind: number;
  lastError?: string;
}

const encoder = new TextEncoder();

export function createSignalPublisher(o: SignalPublisherOptions) {
  const window = o.window ?? 256;
  const bufferLimit = o.bufferLimit ?? 20_000;
  const subject = subjects.signals(o.site);
  const stream = streamNames.signals(o.site);
  /** Next journal position to publish; undefined until synced with the stream. */
  let next: number | undefined;
  /** Signals handed over after their commit, oldest first, positions contiguous. */
  let buffer: { position: number; signal: Signal }[] = [];
  let state: SignalPublisherStatus['state'] = 'syncing';
  let lastError: string | undefined;
  let stopped = false;
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let failures = 0;

  const nudge = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => (clearTimeout(t), r());
    });

  /** The stream's last journal position (0 when empty). */
  async function streamEnd(): Promise<number> {
    let msg;
    try {
      msg = await o.jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (e) {
      if (/no message found/i.test((e as Error).message)) return 0;
      throw e;
    }
    if (!msg) return 0;
    const parsed = parseFederationMessage(signalEnvelopeSchema, msg.string());
    if (!parsed.ok) throw new Error(`the last message of stream ${stream} (sequence ${msg.seq}) is not a signal envelope (${parsed.reason}); it was not written by a Takt core: remove it or the stream`);
    return parsed.value.seq;
  }

  function take(from: number, limit: number): { position: number; signal: Signal }[] {
    // From memory when the buffer reaches back far enough; otherwise from the journal.
    const first = buffer[0]?.position;
    if (first !== undefined && first <= from) {
      const start = from - first;
      return buffer.slice(start, start + limit);
    }
    const end = Math.min(o.journal.durablePosition(), from + limit - 1);
    if (end < from) return [];
    return o.journal.read(from, end - from + 1);
  }

  async function publishWindow(items: { position: number; signal: Signal }[], chained: boolean): Promise<void> {
    const acks = items.map((it, i) => {
      const env: SignalEnvelope = { v: FEDERATION_VERSION, site: o.site, seq: it.position, signal: it.signal };
      const expect = chained || i > 0 ? { lastMsgID: signalMsgId(o.site, it.position - 1) } : undefined;
      return o.js.publish(subject, encoder.encode(JSON.stringify(env)), { msgID: signalMsgId(o.site, it.position), ...(expect ? { expect } : {}) });
    });
    const results = await Promise.allSettled(acks);
    const bad = results.findIndex((r) => r.status === 'rejected');
    if (bad >= 0) throw (results[bad] as PromiseRejectedResult).reason;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (next === undefined) {
          state = 'syncing';
          await o.beforeSync?.();
          const end = await streamEnd();
          const journalEnd = o.journal.durablePosition();
          if (end > journalEnd) {
            state = 'conflict';
            lastError = `stream ${stream} already holds journal position ${end}, beyond this journal's end (${journalEnd}): another core publishes as site '${o.site}', or this data folder was reset. Nothing is published; give this core its own --site, or remove the stream (nats stream rm ${stream}) if its history is to be replaced.`;
            o.log(`nats: ${lastError}`);
            return;
          }
          next = end + 1;
          buffer = buffer.filter((b) => b.position >= next!);
          o.log(`nats: publishing ${subject} from journal position ${next} (stream ${stream} ends at ${end})`);
          await publishLoop(false);
        } else {
          await publishLoop(true);
        }
      } catch (e) {
        failures++;
        lastError = (e as Error).message;
        // Where the stream ends is asked again: a message may have landed although its ack was lost.
        next = undefined;
        state = 'waiting';
        if (failures === 1 || failures % 20 === 0) o.log(`nats: publishing ${subject} failed (${lastError}); retrying`);
        await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  async function publishLoop(chained: boolean): Promise<void> {
    let chain = chained;
    while (!stopped && next !== undefined) {
      const items = take(next, window);
      if (items.length === 0) {
        state = 'idle';
        await sleep(1000);
        continue;
      }
      state = 'publishing';
      await publishWindow(items, chain);
      chain = true;
      failures = 0;
      next = items[items.length - 1]!.position + 1;
      const n = next;
      if (buffer.length > 0 && buffer[0]!.position < n) buffer = buffer[buffer.length - 1]!.position < n ? [] : buffer.slice(n - buffer[0]!.position);
    }
  }

  return {
    /** Signals committed at positions lastPosition-batch.length+1 … lastPosition (the pipeline's delivery). */
    offer(batch: readonly Signal[], lastPosition: number): void {
      if (stopped || batch.length === 0) return;
      const first = lastPosition - batch.length + 1;
      const tail = buffer[buffer.length - 1];
      // A gap (the buffer was cut while NATS was away) is bridged from the journal: start afresh.
      if (tail !== undefined && tail.position + 1 !== first) buffer = [];
      for (let i = 0; i < batch.length; i++) buffer.push({ position: first + i, signal: batch[i]! });
      if (buffer.length > bufferLimit) buffer = buffer.slice(buffer.length - bufferLimit);
      if (state === 'idle') nudge();
    },
    start(): void {
      running ??= loop().catch((e: Error) => {
        state = 'stopped';
        o.log(`nats: the signal publisher stopped: ${e.stack ?? e.message}`);
      });
    },
    status(): SignalPublisherStatus {
      const published = next === undefined ? 0 : next - 1;
      return { state, published, behind: next === undefined ? 0 : Math.max(0, o.journal.durablePosition() - published), ...(lastError !== undefined ? { lastError } : {}) };
    },
    /** Resolves once nothing committed is left unpublished (tests, orderly shutdown), or after `ms`. */
    async drained(ms: number): Promise<boolean> {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        if (next !== undefined && next > o.journal.durablePosition()) return true;
        if (state === 'conflict' || state === 'stopped') return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    },
    /** Stops after the window in flight; close the connection too, so that window fails fast. */
    stop(): Promise<void> {
      stopped = true;
      state = 'stopped';
      nudge();
      return running ?? Promise.resolve();
    },
  };
}

export type SignalPublisher = ReturnType<typeof createSignalPublisher>;
