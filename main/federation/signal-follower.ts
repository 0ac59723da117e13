/**
 * Follows a plant's signals stream (`TAKT_SIGNALS_<site>`) in journal order, from a journal
 * position on: what a standby core needs to keep a warm twin, and what any reader of a plant's
 * history uses. Each message is checked: a signal envelope of version 1, of this site, at exactly
 * the next journal position. A repeat (a position already handed over) is skipped; a gap (the
 * stream's retention dropped positions the follower never saw) stops the follower with an error
 * saying so, since a twin built across a gap would silently differ from the plant's.
 *
 * It reads with an ordered consumer (the client re-creates it after a reconnect or a missed
 * message, from where it got to), in batches handed over together, as the core's pipeline does.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Signal } from '../../shared/signals/schema';
import { parseFederationMessage, signalEnvelopeSchema } from '../../shared/federation/messages';
import { streamNames } from '../../shared/federation/subjects';

export interface SignalFollowerOptions {
  js: JetStreamClient;
  site: string;
  /** The first journal position wanted (1: the whole history the stream still holds). */
  from: number;
  /** Receives signals in journal order; `lastPosition` is the batch's last journal position. */
  onBatch(batch: readonly Signal[], lastPosition: number): void;
  log(line: string): void;
  /** Called once when the follower stops on bad input (a gap, a foreign message). */
  onError?(e: Error): void;
}

export function createSignalFollower(o: SignalFollowerOptions) {
  const stream = streamNames.signals(o.site);
  let next = o.from;
  let stopped = false;
  let error: Error | undefined;
  let messages: { stop(): void; close(): Promise<void | Error> } | undefined;
  let running: Promise<void> | undefined;

  async function loop() {
    // Stream sequence n holds journal position n when one core published the stream from its start;
    // the envelope's own position is checked anyway, so a stream that differs is caught, not misread.
    const consumer = await o.js.consumers.get(stream, { deliver_policy: 'by_start_sequence', opt_start_seq: Math.max(1, next) });
    const iter = await consumer.consume({ max_messages: 1000 });
    messages = iter;
    if (stopped) iter.stop(); // stopped while the consumer was being made
    let batch: Signal[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const b = batch;
      batch = [];
      o.onBatch(b, next - 1);
    };
    // What arrived before bad input is good: it is handed over before the follower stops.
    const fail = (why: string) => {
      flush();
      return new Error(why);
    };
    for await (const m of iter) {
      if (stopped) break;
      const p = parseFederationMessage(signalEnvelopeSchema, m.string());
      if (!p.ok) throw fail(`stream ${stream} sequence ${m.seq} is not a signal envelope (${p.reason})`);
      const env = p.value;
      if (env.site !== o.site) throw fail(`stream ${stream} sequence ${m.seq} is of site '${env.site}', not '${o.site}'`);
      if (env.seq < next) continue;
      if (env.seq > next) throw fail(`stream ${stream} skips from journal position ${next - 1} to ${env.seq} (sequence ${m.seq}): its retention dropped what this follower has not seen; seed it from a copy of the plant's data folder`);
      batch.push(env.signal);
      next++;
      // Hand over what has arrived once the consumer has nothing more waiting (or the batch is large).
      if (m.info.pending === 0 || batch.length >= 4096) flush();
    }
    flush();
  }

  return {
    start(): void {
      running ??= loop().catch((e: Error) => {
        if (stopped) return;
        error = e;
        o.log(`nats: following ${stream} stopped: ${e.message}`);
        o.onError?.(e);
      });
    },
    /** The next journal position expected (everything before it was handed over). */
    get next() {
      return next;
    },
    get error() {
      return error;
    },
    async stop(): Promise<void> {
      stopped = true;
      messages?.stop();
      await running;
    },
  };
}

export type SignalFollower = ReturnType<typeof createSignalFollower>;
