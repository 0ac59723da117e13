/**
 * OPC UA connector (node-opcua client): configured node ids, no browsing, mapped per machine to
 *  - machine state: the node's value through a value map (default Int32 0..6 → running, idle,
 *    down, changeover, cleaning, blocked, starved; strings that are state names map to themselves);
 *  - good and scrap counters: the difference between two samples becomes a `production.count`
 *    (the first sample after start is the baseline; a counter that goes down was reset, and its new
 *    value counts as produced since the reset).
 * Values arrive through monitored items on one subscription (sampling interval per node or
 * connector). Reconnection is node-opcua's connectionStrategy (exponential backoff, forever); after
 * node-opcua has repaired the session it re-creates or transfers the subscription itself, and when
 * that repair fails (the server restarted and forgot the session) this connector builds a new
 * session and subscription. A watchdog does the same when a connected subscription stays silent
 * (no keep-alive) for too long.
 *
 * Values the map cannot place, and counters that are not numbers, are dead-lettered with the node id
 * as origin and a reason naming node, machine, data type and value; bad status codes count as errors.
 * Signal ids come from the node's source timestamp, so a value re-delivered after a reconnect (or a
 * core restart) is recognised as a duplicate.
 */
import { join } from 'node:path';
import { z } from 'zod';
// Types only at load time: node-opcua takes seconds to import, so it is loaded when an OPC UA
// connector starts, never by a core or CLI that has none.
import type { ClientSession, ClientSubscription, DataType, DataValue, OPCUAClient, UserIdentityInfo } from 'node-opcua';
type NodeOpcua = typeof import('node-opcua');
import { machineStates, type MachineState } from '../../shared/signals/schema';
import type { Connector, ConnectorContext, ConnectorKind, ConnectorStatus } from '../../shared/connectors/connector';
import { createRateMeter, pushCounted, rejectVia, type ConnectorSink } from '../../shared/connectors/status';

/** The default value map: Int32 0..6 in the order of Takt's machine states. */
export const DEFAULT_STATE_MAP: Record<string, MachineState> = Object.fromEntries(machineStates.map((s, i) => [String(i), s]));

const securityModes = ['None', 'Sign', 'SignAndEncrypt'] as const;
const securityPolicies = ['None', 'Basic128Rsa15', 'Basic256', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

const interval = z.number().int().min(0).max(3_600_000);
const nodeRef = z.union([z.string().min(1).max(500), z.object({ nodeId: z.string().min(1).max(500), samplingIntervalMs: interval.optional() }).strict()]);
const stateMap = z.record(z.string(), z.enum(machineStates));

export const opcuaOptionsSchema = z
  .object({
    /** `opc.tcp://host:port[/path]`. */
    endpoint: z.string().regex(/^opc\.tcp:\/\/[^\s/]+(:\d+)?(\/\S*)?$/, 'an OPC UA endpoint URL: opc.tcp://host:port'),
    securityMode: z.enum(securityModes).default('None'),
    securityPolicy: z.enum(securityPolicies).default('None'),
    userName: z.string().min(1).optional(),
    password: z.string().optional(),
    /** Client certificate store; default `<data>/opcua-pki`. Unknown server certificates are trusted on first use. */
    pkiDir: z.string().min(1).optional(),
    samplingIntervalMs: interval.default(250),
    publishingIntervalMs: z.number().int().min(10).max(60_000).default(500),
    queueSize: z.number().int().min(1).max(10_000).default(10),
    reconnect: z.object({ initialDelayMs: z.number().int().min(10).max(60_000).default(500), maxDelayMs: z.number().int().min(100).max(600_000).default(10_000) }).strict().default({ initialDelayMs: 500, maxDelayMs: 10_000 }),
    /** Value (as text) → machine state, for every state node without its own map. */
    stateMap: stateMap.default(DEFAULT_STATE_MAP),
    machines: z
      .array(
        z
          .object({
            machine: z.string().min(1).max(64),
            state: z.union([z.string().min(1).max(500), z.object({ nodeId: z.string().min(1).max(500), samplingIntervalMs: interval.optional(), map: stateMap.optional() }).strict()]).optional(),
            good: nodeRef.optional(),
            scrap: nodeRef.optional(),
          })
          .strict()
          .refine((m) => m.state !== undefined || m.good !== undefined || m.scrap !== undefined, 'a machine needs at least one of state, good, scrap'),
      )
      .min(1),
  })
  .strict()
  .refine((o) => (o.securityMode === 'None') === (o.securityPolicy === 'None'), { message: 'securityMode None goes with securityPolicy None, and Sign/SignAndEncrypt need a policy (e.g. Basic256Sha256)', path: ['securityPolicy'] })
  .refine((o) => (o.userName === undefined) === (o.password === undefined), { message: 'userName and password go together', path: ['password'] });

export type OpcUaOptions = z.infer<typeof opcuaOptionsSchema>;

type Field = 'state' | 'good' | 'scrap';
interface Binding {
  machine: string;
  field: Field;
  nodeId: string;
  samplingIntervalMs: number;
  map?: Record<string, MachineState>;
}

function bindings(o: OpcUaOptions): Binding[] {
  const out: Binding[] = [];
  for (const m of o.machines)
    for (const field of ['state', 'good', 'scrap'] as const) {
      const ref = m[field];
      if (ref === undefined) continue;
      if (typeof ref === 'string') out.push({ machine: m.machine, field, nodeId: ref, samplingIntervalMs: o.samplingIntervalMs, map: field === 'state' ? o.stateMap : undefined });
      else out.push({ machine: m.machine, field, nodeId: ref.nodeId, samplingIntervalMs: ref.samplingIntervalMs ?? o.samplingIntervalMs, map: field === 'state' ? ('map' in ref && ref.map ? ref.map : o.stateMap) : undefined });
    }
  return out;
}

/** Int64/UInt64 arrive as [high, low] words. */
function numeric(ua: NodeOpcua, v: unknown, dataType: DataType): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if ((dataType === ua.DataType.Int64 || dataType === ua.DataType.UInt64) && Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) {
    const [hi, lo] = v as [number, number];
    return dataType === ua.DataType.Int64 && hi >= 0x80000000 ? -((0xffffffff - hi) * 2 ** 32 + (0xffffffff - lo) + 1) : hi * 2 ** 32 + lo;
  }
  return undefined;
}

export interface OpcUaConnectorDeps {
  now(): number;
  log(line: string): void;
  pkiDir: string;
}

export class OpcUaConnector implements Connector {
  readonly kind = 'opcua';
  private readonly bindings: Binding[];
  private ua!: NodeOpcua;
  private client: OPCUAClient | null = null;
  private session: ClientSession | null = null;
  private subscription: ClientSubscription | null = null;
  private sink: ConnectorSink | null = null;
  private state: ConnectorStatus['state'] = 'stopped';
  private detail = '';
  private errors = 0;
  private deadLetters = 0;
  private seq = 0;
  private lastMessageAt: number | undefined;
  private readonly rate = createRateMeter();
  /** Last counter value per node (kept across reconnects, so an outage's production still counts). */
  private readonly counters = new Map<string, number>();
  /** Last state key per node: a re-delivered unchanged value is not pushed again. */
  private readonly lastState = new Map<string, string>();
  private stopping = false;
  private rebuilding: Promise<void> | null = null;
  private lastAlive = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  /** Subscriptions built (1 at start; more after a repair that node-opcua could not do). */
  subscriptionsCreated = 0;

  constructor(
    readonly id: string,
    private readonly o: OpcUaOptions,
    private readonly deps: OpcUaConnectorDeps,
  ) {
    this.bindings = bindings(o);
  }

  status(): ConnectorStatus {
    const s: ConnectorStatus = { state: this.state, messagesPerSecond: this.rate.rate(Date.now()), errors: this.errors, deadLetters: this.deadLetters, detail: `${this.o.endpoint}${this.detail ? `: ${this.detail}` : ''}` };
    if (this.lastMessageAt !== undefined) s.lastMessageAt = this.lastMessageAt;
    return s;
  }

  async start(sink: ConnectorSink): Promise<void> {
    this.sink = sink;
    this.stopping = false;
    this.state = 'connecting';
    const ua = (this.ua = await import('node-opcua'));
    const certificateManager = new ua.OPCUACertificateManager({ rootFolder: this.deps.pkiDir, automaticallyAcceptUnknownCertificate: true });
    const client = ua.OPCUAClient.create({
      applicationName: 'Takt',
      // One client certificate per PKI folder serves every OPC UA connector: the URI must match it.
      applicationUri: 'urn:takt:opcua-connector',
      clientCertificateManager: certificateManager,
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      securityMode: ua.MessageSecurityMode[this.o.securityMode],
      securityPolicy: ua.SecurityPolicy[this.o.securityPolicy],
      connectionStrategy: { initialDelay: this.o.reconnect.initialDelayMs, maxDelay: this.o.reconnect.maxDelayMs, maxRetry: -1, randomisationFactor: 0.1 },
    });
    this.client = client;
    client.on('backoff', (retry: number, delay: number) => {
      if (this.stopping) return;
      this.state = 'connecting';
      this.detail = `not reachable, retry ${retry + 1} in ${Math.round(delay)} ms`;
      this.markFirstAttempt();
    });
    client.on('connection_lost', () => {
      if (this.stopping) return;
      this.state = 'connecting';
      this.detail = 'connection lost, reconnecting';
      this.errors++;
      this.deps.log(`opcua ${this.id}: connection to ${this.o.endpoint} lost; reconnecting`);
    });
    client.on('connection_reestablished', () => {
      if (this.stopping) return;
      this.detail = 'connection re-established, repairing the session';
      this.deps.log(`opcua ${this.id}: connection to ${this.o.endpoint} re-established`);
    });
    // node-opcua has reactivated the session or made a new one and transferred the subscription.
    // After a server restart that transfer can leave monitored items the server does not know
    // (values stop while keep-alives go on), so the connector always builds its own fresh session
    // and subscription here: re-delivered unchanged values are recognised and not pushed twice.
    client.on('after_reconnection', (err?: Error | null) => {
      if (this.stopping) return;
      if (err) this.errors++;
      this.detail = err ? `session repair failed (${err.message}); building a new session` : 'reconnected; re-creating the subscription';
      void this.rebuild();
    });

    const first = new Promise<void>((resolve) => (this.firstAttempt = resolve));
    void this.connectLoop();
    // A stalled subscription (no keep-alive for 3 keep-alive periods) after a reconnect: rebuild.
    const keepAliveMs = this.o.publishingIntervalMs * 10;
    this.watchdog = setInterval(() => {
      if (this.stopping || this.state !== 'connected' || this.rebuilding) return;
      if (Date.now() - this.lastAlive > Math.max(3 * keepAliveMs, 5000)) {
        this.detail = 'subscription silent; rebuilding it';
        this.deps.log(`opcua ${this.id}: subscription silent for ${Date.now() - this.lastAlive} ms; rebuilding`);
        void this.rebuild();
      }
    }, 1000);
    this.watchdog.unref?.();
    await first;
  }

  private firstAttempt: (() => void) | null = null;
  private markFirstAttempt(): void {
    const f = this.firstAttempt;
    this.firstAttempt = null;
    f?.();
  }

  /** connect() retries by itself (maxRetry -1); it returns once connected or throws when stopped. */
  private async connectLoop(): Promise<void> {
    const client = this.client!;
    try {
      await client.connect(this.o.endpoint);
      await this.openSession();
    } catch (e) {
      if (this.stopping) return;
      this.errors++;
      this.state = 'error';
      this.detail = `cannot connect: ${(e as Error).message}`;
      this.deps.log(`opcua ${this.id}: ${this.detail}`);
      // A refused session (security policy, user) is not retried by connectionStrategy: try again later.
      setTimeout(() => {
        if (!this.stopping) void this.rebuild();
      }, this.o.reconnect.maxDelayMs).unref?.();
    } finally {
      this.markFirstAttempt();
    }
  }

  private async openSession(): Promise<void> {
    const client = this.client!;
    const identity: UserIdentityInfo = this.o.userName !== undefined ? { type: this.ua.UserTokenType.UserName, userName: this.o.userName, password: this.o.password ?? '' } : { type: this.ua.UserTokenType.Anonymous };
    const session = await client.createSession(identity);
    if (this.stopping) {
      await session.close().catch(() => undefined);
      return;
    }
    this.session = session;
    session.on('session_closed', () => {
      if (this.stopping || this.session !== session) return;
      this.detail = 'the server closed the session; building a new one';
      void this.rebuild();
    });
    session.on('keepalive', () => (this.lastAlive = Date.now()));
    await this.subscribe(session);
    this.state = 'connected';
    this.detail = '';
    this.lastAlive = Date.now();
    this.deps.log(`opcua ${this.id}: connected to ${this.o.endpoint} (${this.o.securityMode}/${this.o.securityPolicy}), ${this.bindings.length} monitored items`);
  }

  private async subscribe(session: ClientSession): Promise<void> {
    const sub = this.ua.ClientSubscription.create(session, {
      requestedPublishingInterval: this.o.publishingIntervalMs,
      requestedLifetimeCount: 60,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
      priority: 10,
    });
    this.subscription = sub;
    this.subscriptionsCreated++;
    sub.on('keepalive', () => (this.lastAlive = Date.now()));
    sub.on('received_notifications', () => (this.lastAlive = Date.now()));
    sub.on('terminated', () => {
      if (this.stopping || this.subscription !== sub) return;
      this.detail = 'subscription terminated by the server';
    });
    await new Promise<void>((resolve, reject) => {
      sub.once('started', () => resolve());
      sub.once('internal_error', (e: Error) => reject(e));
    });
    for (const b of this.bindings) {
      const item = this.ua.ClientMonitoredItem.create(
        sub,
        { nodeId: b.nodeId, attributeId: this.ua.AttributeIds.Value },
        { samplingInterval: b.samplingIntervalMs, discardOldest: true, queueSize: this.o.queueSize },
        this.ua.TimestampsToReturn.Both,
      );
      item.on('changed', (dv: DataValue) => this.onValue(b, dv));
      item.on('err', (message: string) => {
        this.errors++;
        this.detail = `node ${b.nodeId} (${b.machine} ${b.field}): ${message}`;
        this.deps.log(`opcua ${this.id}: ${this.detail}`);
      });
    }
  }

  /** A fresh session and subscription on the connected client (or a fresh connect). */
  private rebuild(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        const old = this.session;
        this.session = null;
        this.subscription = null;
        if (old) await old.close(true).catch(() => undefined);
        if (this.stopping) return;
        const client = this.client!;
        // connect() is a no-op error when already connected; reconnect only when the channel is gone.
        if (!(client as unknown as { _secureChannel?: unknown })._secureChannel) await client.connect(this.o.endpoint);
        await this.openSession();
      } catch (e) {
        if (this.stopping) return;
        this.errors++;
        this.state = 'error';
        this.detail = `cannot rebuild the session: ${(e as Error).message}`;
        setTimeout(() => {
          if (!this.stopping) void this.rebuild();
        }, this.o.reconnect.maxDelayMs).unref?.();
      } finally {
        this.rebuilding = null;
      }
    })();
    return this.rebuilding;
  }

  private onValue(b: Binding, dv: DataValue): void {
    if (!this.sink) return;
    this.lastAlive = Date.now();
    const origin = b.nodeId;
    if (!dv.statusCode.isGood()) {
      this.errors++;
      this.detail = `node ${b.nodeId} (${b.machine} ${b.field}): ${dv.statusCode.name}`;
      return;
    }
    const value = dv.value.value as unknown;
    const dataType = dv.value.dataType;
    const ts = (dv.sourceTimestamp ?? dv.serverTimestamp)?.getTime();
    const now = Math.round(this.deps.now()); // signal times are whole ms; the plant clock is not
    const stampId = ts !== undefined ? new Date(ts).toISOString() : `rx${now}-${this.seq + 1}`;
    const envelope = (suffix: string) => ({ id: `${this.id}:${b.machine}.${b.field}@${stampId}${suffix}`, source: this.id, seq: ++this.seq, eventTime: now, receiveTime: now });

    const shown = `${this.ua.DataType[dataType] ?? 'value'} ${typeof value === 'string' ? `'${value.slice(0, 80)}'` : JSON.stringify(value)}`;
    const where = `node ${b.nodeId} (${b.machine} ${b.field})`;
    if (b.field === 'state') {
      const key = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
      const mapped = b.map?.[key] ?? ((machineStates as readonly string[]).includes(key) ? (key as MachineState) : undefined);
      if (mapped === undefined) {
        const map = Object.entries(b.map ?? {}).map(([k, v]) => `${k} → ${v}`).join(', ');
        this.reject(b, { nodeId: b.nodeId, dataType: this.ua.DataType[dataType], value }, `${where}: ${shown} is not in the state map (${map || 'empty'}) and not a machine state name`, now);
        return;
      }
      const last = this.lastState.get(b.nodeId);
      if (last === `${key}@${stampId}`) return; // the same sample, re-delivered after a reconnect
      this.lastState.set(b.nodeId, `${key}@${stampId}`);
      this.emit({ ...envelope(''), type: 'machine.state', machine: b.machine, state: mapped }, origin);
      return;
    }
    const n = numeric(this.ua, value, dataType);
    if (n === undefined || n < 0) {
      this.reject(b, { nodeId: b.nodeId, dataType: this.ua.DataType[dataType], value }, `${where}: a counter needs a number ≥ 0; found ${shown}`, now);
      return;
    }
    const prev = this.counters.get(b.nodeId);
    this.counters.set(b.nodeId, n);
    if (prev === undefined) return; // baseline
    const delta = n >= prev ? n - prev : n; // went down: the counter was reset
    if (delta === 0) return;
    this.emit({ ...envelope(`#${n}`), type: 'production.count', machine: b.machine, good: b.field === 'good' ? delta : 0, scrap: b.field === 'scrap' ? delta : 0 }, origin);
  }

  /** A value that cannot become a signal: dead-lettered with the node id as origin and the reason. */
  private reject(b: Binding, raw: unknown, reason: string, now: number): void {
    this.deadLetters++;
    this.errors++;
    this.detail = reason;
    rejectVia(this.sink!, JSON.stringify(raw), reason, { origin: b.nodeId, receiveTime: now }, this.id);
  }

  private emit(signal: Record<string, unknown>, origin: string): void {
    this.rate.add(Date.now());
    this.lastMessageAt = this.deps.now();
    // The core's sink is the ingest pipeline, whose push says what became of the signal.
    if (pushCounted(this.sink!, signal, { origin, receiveTime: signal.receiveTime as number })) this.deadLetters++;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.markFirstAttempt();
    const client = this.client;
    const session = this.session;
    this.session = null;
    this.subscription = null;
    if (session) await session.close(true).catch(() => undefined);
    if (client) await client.disconnect().catch(() => undefined);
    this.client = null;
    this.sink = null;
    this.state = 'stopped';
    this.detail = '';
  }
}

export const opcuaKind: ConnectorKind<OpcUaOptions> = {
  kind: 'opcua',
  options: opcuaOptionsSchema,
  create(config, ctx: ConnectorContext) {
    const known = new Set(ctx.plant.areas.flatMap((a) => a.lines.flatMap((l) => l.machines.map((m) => m.id))));
    config.options.machines.forEach((m, i) => {
      if (!known.has(m.machine)) throw new Error(`machines[${i}].machine: '${m.machine}' is not a machine of the plant`);
    });
    const connector = new OpcUaConnector(config.id, config.options, { now: ctx.now, log: ctx.log, pkiDir: config.options.pkiDir ?? join(ctx.dataDir, 'opcua-pki') });
    return { connector };
  },
};
