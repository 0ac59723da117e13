/**
 * The connector kinds the core can start from the plant file's `connectors:` list. Each kind brings
 * its own options schema (checked at start, errors name `connectors[i].options.<field>`), a
 * factory for the signal side and, where the protocol can carry commands, a write-back target.
 */
import type { ConnectorKind } from '../../shared/connectors/connector';
import { mqttKind } from './mqtt';
import { sparkplugKind } from './sparkplug';
import { opcuaKind } from './opcua';
import { restKind } from './rest';
import { natsKind } from './nats';

/** Every kind, by name. Connector modules add themselves here (one line each). */
export const connectorKinds: Record<string, ConnectorKind<never>> = {};
connectorKinds.mqtt = mqttKind as unknown as ConnectorKind<never>;
connectorKinds.sparkplug = sparkplugKind as unknown as ConnectorKind<never>;
connectorKinds.opcua = opcuaKind as unknown as ConnectorKind<never>;
connectorKinds.rest = restKind as unknown as ConnectorKind<never>;
connectorKinds.nats = natsKind as unknown as ConnectorKind<never>;
