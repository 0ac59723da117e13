/**
 * The MQTT connection both MQTT kinds share (UNS and Sparkplug B): broker URL, client id, TLS files,
 * username/password, MQTT 5 session expiry and receive maximum, and reconnect with exponential
 * backoff (mqtt.js reconnects at a fixed `reconnectPeriod`, which we double after each failed try
 * and reset once connected).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export const mqttConnectionOptions = {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, { message: 'a broker URL such as mqtt://broker:1883 or mqtts://broker:8883' }),
  /** Fixed client id: the broker keeps the persistent session (subscriptions, queued QoS 1 messages) under it. */
  clientId: z.string().min(1).max(128).optional(),
  username: z.string().max(256).optional(),
  password: z.string().max(1024).optional(),
  tls: z
    .object({
      /** PEM files: the broker's CA, and the client certificate and key for mutual TLS. */
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .strict()
    .optional(),
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
  keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
  reconnect: z
    .object({ minMs: z.number().int().min(50).max(60_000).default(500), maxMs: z.number().int().min(100).max(600_000).default(30_000) })
    .strict()
    .default({ minMs: 500, maxMs: 30_000 }),
};
export type MqttConnectionOptions = z.infer<z.ZodObject<typeof mqttConnectionOptions>>;

export interface ClientHandle {
  client: MqttClient;
  /** Last transport error text, for the status line. */
  lastError(): string | undefined;
  errors(): number;
}

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

/** Reads the TLS files when the connector is created, so a missing file is a configuration error naming the option and path. */
export function readTlsFiles(o: MqttConnectionOptions): TlsFiles {
  const read = (field: 'ca' | 'cert' | 'key') => {
    const p = o.tls?.[field];
    if (p === undefined) return undefined;
    try {
      return readFileSync(p);
    } catch (e) {
      throw new Error(`options.tls.${field}: cannot read '${p}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return o.tls ? { ca: read('ca'), cert: read('cert'), key: read('key'), rejectUnauthorized: o.tls.rejectUnauthorized } : {};
}

/** Connects (without waiting). `session`: persistent (clean: false, MQTT 5 session expiry) or clean. */
export function openMqttClient(
  o: MqttConnectionOptions,
  session: { clean: boolean; expirySeconds?: number; will?: IClientOptions['will'] },
  defaultClientId: string,
  tls: TlsFiles,
): ClientHandle {
  const client = mqtt.connect(o.url, {
    clientId: o.clientId ?? defaultClientId,
    username: o.username,
    password: o.password,
    clean: session.clean,
    protocolVersion: o.protocolVersion,
    keepalive: o.keepaliveSeconds,
    reconnectPeriod: o.reconnect.minMs,
    connectTimeout: 10_000,
    // The connectors subscribe on every connect themselves (a resumed session keeps them anyway).
    resubscribe: false,
    // MQTT 5: a persistent session needs an expiry (clean: false alone ends with the connection);
    // a large receive maximum lets the broker keep many QoS 1 messages in flight towards us.
    ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: session.clean ? 0 : (session.expirySeconds ?? 7 * 24 * 3600), receiveMaximum: 65_535 } } : {}),
    ...(session.will ? { will: session.will } : {}),
    ...tls,
  });
  let lastError: string | undefined;
  let errors = 0;
  let period = o.reconnect.minMs;
  client.on('connect', () => {
    period = o.reconnect.minMs;
    client.options.reconnectPeriod = period;
  });
  client.on('close', () => {
    // Backoff: the next try waits twice as long, up to maxMs (mqtt.js reads reconnectPeriod each time).
    client.options.reconnectPeriod = period;
    period = Math.min(o.reconnect.maxMs, period * 2);
  });
  client.on('error', (e) => {
    errors++;
    lastError = e.message;
  });
  return { client, lastError: () => lastError, errors: () => errors };
}
