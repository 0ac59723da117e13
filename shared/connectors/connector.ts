/**
 * The contract every signal source implements: the embedded simulator, MQTT/UNS, Sparkplug B, OPC
 * UA, REST webhooks and file drops. A connector turns its protocol's messages into raw canonical
 * signals and pushes them into an ingest sink (../ingest/sink.ts). A connector kind is what the
 * plant file's `connectors:` list names: its options schema, a factory for the signal side and,
 * where the protocol can carry commands, a write-back target.
 */
import type { z } from 'zod';
import type { WriteBackTarget } from '../commit/writeback';
import type { SignalSink } from '../ingest/sink';
import type { ConnectorConfig, Plant } from '../plant/schema';

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

export interface ConnectorContext {
  plant: Plant;
  /** The core's plant clock (ms epoch), for receive times. */
  now(): number;
  /** The core's data folder, for connector state (sessions, offsets). */
  dataDir: string;
  log(line: string): void;
}

export interface ConnectorKind<O = unknown> {
  kind: string;
  options: z.ZodType<O>;
  create(config: ConnectorConfig & { options: O }, ctx: ConnectorContext): { connector: Connector; writeBack?: WriteBackTarget };
}
