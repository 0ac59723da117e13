/**
 * One NATS connection for a core's federation traffic: a list of servers (any node of the cluster
 * will do; the client learns the others), reconnecting forever, and the JetStream handles on it.
 * The client libraries load on first use: a core without `--nats` never loads them.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { redactUrl } from '../../shared/plant/redact';

export interface NatsHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** `nats://a:4222,nats://b:4222` → server list; throws naming the bad entry. */
export function parseNatsServers(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new Error(`--nats: give one or more server URLs, comma-separated (nats://host:4222,nats://host2:4222)`);
  for (const s of list) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(s) && !/^[^\s/:]+:\d+$/.test(s)) throw new Error(`--nats: '${redactUrl(s)}' is not a NATS server URL (nats://host:4222 or tls://host:4222)`);
  }
  return list;
}

export interface OpenOptions {
  servers: string[];
  name: string;
  /** JetStream API timeout (ms): how long a publish waits for its acknowledgement. */
  timeoutMs?: number;
  log(line: string): void;
  /** Stop trying to connect (the core is closing). */
  cancelled(): boolean;
}

/**
 * Connects without blocking the caller's start: resolves once connected, trying again every
 * second until then (or undefined once `cancelled()`); once connected the client reconnects by
 * itself for as long as it takes. Connection changes are logged.
 */
export async function openNats(o: OpenOptions): Promise<NatsHandles | undefined> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  let nc: NatsConnection | undefined;
  for (let attempt = 1; !nc; attempt++) {
    if (o.cancelled()) return undefined;
    try {
      nc = await connect({ servers: o.servers, name: o.name, maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 10_000, maxPingOut: 2, timeout: 5000 });
    } catch (e) {
      if (attempt === 1 || attempt % 30 === 0) o.log(`nats: cannot connect to ${o.servers.map(redactUrl).join(', ')} (${(e as Error).message}); trying again every second`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  if (o.cancelled()) {
    await nc.close();
    return undefined;
  }
  o.log(`nats: connected to ${redactUrl(nc.getServer())}`);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') o.log(`nats: ${s.type === 'disconnect' ? 'disconnected from' : 'reconnected to'} ${redactUrl(s.server)}`);
    }
  })().catch(() => undefined);
  const timeout = o.timeoutMs ?? 10_000;
  return { nc, js: jetstream(nc, { timeout }), jsm: await jetstreamManager(nc, { timeout, checkAPI: false }) };
}
