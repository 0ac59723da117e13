/**
 * Connector kinds the core can start from the plant file's `connectors:` list. Each kind brings
 * its own options schema (checked at start, errors name `connectors[i].options.<field>`), a
 * factory for the signal side and, where the protocol can carry commands, a write-back target.
 */
import type { z } from 'zod';
import type { Connector } from '../../shared/ingest/connector';
import type { WriteBackTarget } from '../../shared/commit/writeback';
import type { ConnectorConfig, Plant } from '../../shared/plant/schema';
import { mqttKind } from './mqtt';
import { sparkplugKind } from './sparkplug';
import { opcuaKind } from './opcua';
import { restKind } from './rest';

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

/** Every kind, by name. Connector modules add themselves here (one line each). */
export const connectorKinds: Record<string, ConnectorKind<never>> = {};
connectorKinds.mqtt = mqttKind as unknown as ConnectorKind<never>;
connectorKinds.sparkplug = sparkplugKind as unknown as ConnectorKind<never>;
connectorKinds.opcua = opcuaKind as unknown as ConnectorKind<never>;
connectorKinds.rest = restKind as unknown as ConnectorKind<never>;
