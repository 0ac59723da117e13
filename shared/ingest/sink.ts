/**
 * Where signals enter ingest: a source pushes raw canonical signals (objects or JSON text) with
 * where they came from; validation, dedupe, ordering and journaling happen behind the sink (the
 * ingest pipeline), never in the source.
 */

export interface SignalMeta {
  /** Connector-level origin, e.g. the MQTT topic, HTTP path or file name and line. */
  origin?: string;
  /** Receive time stamped at the edge (ms epoch, plant clock). */
  receiveTime?: number;
}

export interface SignalSink {
  push(raw: unknown, meta?: SignalMeta): void;
}
