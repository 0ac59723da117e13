/**
 * Starts the plant file's enabled connectors through the registry, reports their statuses and
 * stops them. Every connector's options are checked before anything starts: one bad entry stops the
 * core with errors naming the plant file and `connectors[i].options.<field>`, the way a bad plant
 * file does. A connector that cannot reach its broker does not stop the core: it reports
 * 'connecting'/'error' and keeps retrying.
 */
import type { WriteBackTarget } from '../../shared/commit/writeback';
import type { ConnectorSink, ConnectorStatusView } from '../../shared/connectors/status';
import type { ConnectorConfig } from '../../shared/plant/schema';
import type { DeadLetter } from '../../shared/ingest/results';
import type { MethodHandlers, StreamHandlers } from '../../shared/protocol/server';
import type { Connector, ConnectorContext } from '../../shared/connectors/connector';
import { connectorKinds } from './registry';

export class ConnectorConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`connector configuration is not valid:\n  ${issues.join('\n  ')}`);
    this.name = 'ConnectorConfigError';
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** Checks and builds every enabled connector (nothing starts yet); throws ConnectorConfigError. */
export function createConnectors(configs: readonly ConnectorConfig[], ctx: ConnectorContext & { plantFile?: string }) {
  const file = ctx.plantFile ?? 'the plant file';
  const issues: string[] = [];
  const built: { config: ConnectorConfig; connector: Connector; writeBack?: WriteBackTarget }[] = [];
  const ids = new Set<string>();
  configs.forEach((config, i) => {
    const at = `${file}: connectors[${i}]`;
    if (ids.has(config.id)) issues.push(`${at}.id: '${config.id}' is used by another connector`);
    ids.add(config.id);
    if (!config.enabled) return;
    const kind = connectorKinds[config.kind];
    if (!kind) {
      issues.push(`${at}.kind: unknown connector kind '${config.kind}' (known: ${Object.keys(connectorKinds).sort().join(', ') || 'none'})`);
      return;
    }
    const parsed = kind.options.safeParse(config.options);
    if (!parsed.success) {
      for (const iss of parsed.error.issues) issues.push(`${at}.options${pathText(iss.path)}: ${iss.message}`);
      return;
    }
    try {
      built.push({ config, ...kind.create({ ...config, options: parsed.data }, ctx) });
    } catch (e) {
      // Factories name the option (`mappings[2].topic: …`, `options.tls.ca: …`).
      const msg = (e as Error).message.replace(/^options\.?/, '');
      issues.push(`${at}.options${msg.startsWith('[') || msg.startsWith('.') ? '' : '.'}${msg}`);
    }
  });
  if (issues.length > 0) throw new ConnectorConfigError(issues);
  return built;
}

/** The core's side: where signals go, and how a message that never became a signal is dead-lettered. */
export interface ManagerSink {
  push: ConnectorSink['push'];
  /** Runs the callback once everything pushed so far is committed in the journal (see ConnectorSink). */
  whenDurable?: ConnectorSink['whenDurable'];
  deadLetter(dl: Omit<DeadLetter, 'n'>): void;
}

const MAX_RAW = 4096;
const clip = (raw: unknown) => {
  const t = typeof raw === 'string' ? raw : (() => { try { return JSON.stringify(raw) ?? String(raw); } catch { return String(raw); } })();
  return t.length > MAX_RAW ? `${t.slice(0, MAX_RAW)}…[${t.length - MAX_RAW} more characters]` : t;
};

/**
 * Checks and builds the plant file's connectors (throws ConnectorConfigError before anything is
 * opened); `start` connects them, `stop` disconnects them. `methods`/`streams` serve
 * `connectors.status` and the `connectors` stream (statuses once a second).
 */
export function createConnectorManager(configs: readonly ConnectorConfig[], ctx: ConnectorContext & { plantFile?: string }) {
  const built = createConnectors(configs, ctx);
  let stopped = false;
  const statuses = (): ConnectorStatusView[] =>
    built.map((b) => {
      const s = b.connector.status() as ConnectorStatusView;
      return { ...s, id: b.config.id, kind: b.config.kind };
    });
  const methods = { 'connectors.status': () => ({ items: statuses() }) } satisfies Partial<MethodHandlers>;
  const streams = {
    connectors: (_p: unknown, emit: (item: { items: ConnectorStatusView[] }) => void) => {
      emit({ items: statuses() });
      const t = setInterval(() => emit({ items: statuses() }), 1000);
      return () => clearInterval(t);
    },
  } satisfies Partial<StreamHandlers>;
  return {
    /** Some enabled connector replaces the embedded simulator (a plant driven by real systems). */
    replacesSimulator: built.some((b) => b.config.replacesSimulator),
    /** Write-back targets of the connectors (MQTT command topics, REST endpoints). */
    writeBackTargets: built.flatMap((b) => (b.writeBack ? [b.writeBack] : [])) as readonly WriteBackTarget[],
    statuses,
    methods,
    streams,
    async start(sink: ManagerSink): Promise<void> {
      const connectorSink: ConnectorSink = {
        push: sink.push,
        ...(sink.whenDurable ? { whenDurable: sink.whenDurable } : {}),
        reject: (raw, reason, meta, source) =>
          sink.deadLetter({ at: meta?.receiveTime ?? ctx.now(), source: source ?? 'unknown', reason, raw: clip(raw), ...(meta?.origin !== undefined ? { origin: meta.origin } : {}) }),
      };
      // Side by side; each resolves once connected or after its own short wait (and keeps retrying).
      await Promise.all(
        built.map(async (b) => {
          try {
            await b.connector.start(connectorSink);
            ctx.log(`connector ${b.config.id} (${b.config.kind}) started: ${b.connector.status().state}`);
          } catch (e) {
            ctx.log(`connector ${b.config.id} (${b.config.kind}) failed to start: ${(e as Error).message}`);
          }
        }),
      );
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await Promise.all(built.map((b) => b.connector.stop().catch((e: Error) => ctx.log(`connector ${b.config.id} stop failed: ${e.message}`))));
    },
  };
}

export type ConnectorManager = ReturnType<typeof createConnectorManager>;
