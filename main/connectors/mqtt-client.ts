/**
 * The MQTT connection both MQTT kinds share (UNS and Sparkplug B): broker URL, client id, TLS files,
 * username/password, MQTT 5 session expiry and receive maximum, and reconnect with exponential
 * backoff (mqtt.js reconnects at a fixed `reconnectPeriod`, which we double after each failed try
 * and reset once connected).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createRequire } from 'node:module';
import type { IClientOptions, MqttClient } from 'mqtt';

// mqtt.js is loaded on the first connect: most plants run without an MQTT connector, and loading it
// costs 0.1–0.4 s of every start-up.
let mqttLib: typeof import('mqtt') | undefined;
const loadMqtt = (): typeof import('mqtt') => (mqttLib ??= createRequire(import.meta.url)('mqtt') as typeof import('mqtt'));

/**
 * Deferred acknowledgement (MQTT 5 only: mqtt.js honours `customHandleAcks` for protocol 5). mqtt.js
 * handles incoming packets one at a time and only takes the next once the PUBACK of a QoS 1 message
 * is written, so holding the PUBACK back inside the ack handler would stall the connection until
 * each journal commit. Instead the handler answers with this error: mqtt.js then sends no PUBACK,
 * takes the next packet and emits the error (openMqttClient ignores it), and the connector sends
 * the PUBACKs itself with `sendPubacks` once the messages are committed.
 */
export const DEFERRED_ACK = new Error('PUBACK deferred until the message is journaled');

/**
 * Writes the PUBACKs for `messageIds` on the current connection in one socket write (4 bytes each:
 * with reason code Success and no properties, an MQTT 5 PUBACK is the same as a 3.1.1 one, remaining
 * length 2). One write per journal commit instead of one packet build and write per message.
 */
export function sendPubacks(client: MqttClient, messageIds: readonly number[]): void {
  const buf = Buffer.allocUnsafe(4 * messageIds.length);
  for (let i = 0; i < messageIds.length; i++) {
    const id = messageIds[i]!;
    buf[4 * i] = 0x40;
    buf[4 * i + 1] = 2;
    buf[4 * i + 2] = id >> 8;
    buf[4 * i + 3] = id & 0xff;
  }
  client.stream.write(buf);
}

/**
 * Deferred PUBACKs for a connector (see DEFERRED_ACK): the packet ids received in one turn of the
 * event loop are handed to the sink's `whenDurable` as one chunk and acknowledged in one write once
 * committed. PUBACKs owed on a connection that has since closed are dropped (packet ids belong to
 * their connection; the broker re-sends those messages). Call `closed()` on the client's 'close'.
 */
export function createDeferredAcks(client: () => MqttClient | undefined) {
  let connection = 0;
  let chunk: number[] | null = null;
  let chunkConnection = 0;
  let awaiting = 0;
  return {
    defer(sink: { whenDurable?(cb: () => void): void }, messageId: number): void {
      if (chunk === null || chunkConnection !== connection) {
        const ids: number[] = (chunk = []);
        const conn = (chunkConnection = connection);
        setImmediate(() => {
          if (chunk === ids) chunk = null;
          sink.whenDurable!(() => {
            awaiting -= ids.length;
            const c = client();
            if (!c || conn !== connection || !c.connected) return;
            sendPubacks(c, ids);
          });
        });
      }
      chunk.push(messageId);
      awaiting++;
    },
    closed(): void {
      connection++;
    },
    /** Messages received whose PUBACK waits for the journal. */
    awaiting: () => awaiting,
  };
}

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
  /** MQTT 5: takes over QoS 1/2 acknowledgements (see DEFERRED_ACK). */
  customHandleAcks?: IClientOptions['customHandleAcks'],
): ClientHandle {
  const client = loadMqtt().connect(o.url, {
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
    ...(customHandleAcks ? { customHandleAcks } : {}),
    // mqtt.js logs several lines per received message through the 'debug' package, which costs even
    // when off (an arguments array and an enabled check per line, about 3% of the connector's CPU at
    // tens of thousands of messages a second). Its own logger stays when DEBUG is set, for diagnosis.
    ...(process.env.DEBUG ? {} : { log: () => undefined }),
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
    if (e === DEFERRED_ACK) return;
    errors++;
    lastError = e.message;
  });
  return { client, lastError: () => lastError, errors: () => errors };
}
