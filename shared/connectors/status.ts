/**
 * What connectors report beyond the ingest sink: a sink that can also dead-letter messages that
 * never became a signal (undecodable protobuf, no mapping rule), a message-rate meter, and the
 * status view the protocol serves (`connectors.status`, `connectors` stream).
 */
import type { SignalMeta, SignalSink } from '../ingest/sink';
import type { Connector, ConnectorStatus } from './connector';
import type { DeviceStatus } from './sparkplug';

export interface ConnectorSink extends SignalSink {
  /**
   * Dead-letters a message that could not be turned into a raw signal (with the topic/node as
   * `meta.origin`). Without it, connectors push the raw text instead, which ingest dead-letters as
   * invalid JSON.
   */
  reject?(raw: unknown, reason: string, meta?: SignalMeta, source?: string): void;
  /**
   * Runs `cb` once every signal pushed so far is committed in the journal (the ingest pipeline's
   * `whenDurable`). Connectors that can hold back their acknowledgement (MQTT PUBACK) wait for it,
   * so a crash cannot lose a message the source already forgot. Without it they acknowledge on receipt.
   */
  whenDurable?(cb: () => void): void;
}

/** Pushes and tells whether ingest dead-lettered it at once (the pipeline returns a rejection). */
export function pushCounted(sink: SignalSink, raw: unknown, meta: SignalMeta): boolean {
  const r = sink.push(raw, meta) as unknown;
  return typeof r === 'object' && r !== null && (r as { ok?: unknown }).ok === false;
}

export function rejectVia(sink: ConnectorSink, raw: unknown, reason: string, meta: SignalMeta, source?: string): void {
  if (sink.reject) sink.reject(raw, reason, meta, source);
  else sink.push(typeof raw === 'string' ? raw : String(raw), meta);
}

/** Messages per second over the last `windowS` whole seconds (plus the current one, pro rata). */
export function createRateMeter(windowS = 5) {
  const buckets = new Float64Array(windowS + 1);
  let current = -1;
  const roll = (now: number) => {
    const sec = Math.floor(now / 1000);
    if (current < 0) current = sec;
    if (sec - current > windowS) buckets.fill(0);
    else for (let s = current + 1; s <= sec; s++) buckets[s % buckets.length] = 0;
    if (sec > current) current = sec;
  };
  return {
    add(now: number, n = 1) {
      roll(now);
      buckets[current % buckets.length]! += n;
    },
    rate(now: number): number {
      roll(now);
      let sum = 0;
      for (let i = 0; i < buckets.length; i++) if (i !== current % buckets.length) sum += buckets[i]!;
      const frac = (now % 1000) / 1000;
      return Math.round((sum + buckets[current % buckets.length]!) / (windowS + frac || 1));
    },
  };
}

/** A connector's status as consoles see it. */
export interface ConnectorStatusView extends ConnectorStatus {
  id: string;
  kind: string;
  /** Lag of the last signal: receive time minus event time (ms), where the payload gives one. */
  lagMs?: number;
  /** Sparkplug: edge nodes and devices, with liveness (stale ones read as machine state unknown). */
  devices?: DeviceStatus[];
}

/** A connector whose status is the richer view. */
export type StatusConnector = Omit<Connector, 'status'> & { status(): ConnectorStatusView };
