/**
 * The contract every signal source implements: the embedded simulator now, MQTT/UNS, Sparkplug B,
 * OPC UA, REST webhooks and file drops later. A connector turns its protocol's messages into raw
 * canonical signals (objects or JSON text) and pushes them into a sink; validation, dedupe,
 * ordering and journaling happen behind the sink (the ingest pipeline), never in the connector.
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

export type ConnectorState = 'connecting' | 'connected' | 'lagging' | 'stopped' | 'error';

export interface ConnectorStatus {
  state: ConnectorState;
  /** Recent message rate (connector-defined window, typically the last few seconds). */
  messagesPerSecond: number;
  /** Transport and decoding errors since start. */
  errors: number;
  /** Messages this connector produced that ingest dead-lettered. */
  deadLetters: number;
  lastMessageAt?: number;
  /** Human-readable detail: broker URL, last error, lag. */
  detail?: string;
}

export interface Connector {
  readonly id: string;
  /** 'simulator' | 'mqtt' | 'sparkplug' | 'opcua' | 'rest' | 'file' | … */
  readonly kind: string;
  /** Resolves once the connector is receiving (or has failed to, with state 'error'). */
  start(sink: SignalSink): Promise<void>;
  /** Stops receiving; resolves once no more pushes will happen. */
  stop(): Promise<void>;
  status(): ConnectorStatus;
}
