/**
 * A plant core on NATS JetStream (`takt serve --nats URL[,URL…] --site ID`): publishes its journal
 * (signal-publisher.ts), a twin summary (summary-publisher.ts) and its business records
 * (record-publisher.ts) under `takt.<site>.…`, into the streams of shared/federation/streams.ts.
 *
 * Federation sits beside ingest, never in front of it: the core accepts and acknowledges signals
 * from its own journal commit whether NATS is up or not, and the publishers catch up once NATS
 * answers again. Starting does not wait for NATS either: the connection is made in the background.
 */
import type { TaktCore } from '../core/core';
import { buildTwinSummary } from '../../shared/federation/summary';
import { siteTokenProblem } from '../../shared/federation/subjects';
import { recordsStream, signalsStream, summariesStream } from '../../shared/federation/streams';
import { openNats, type NatsHandles } from './nats-connection';
import { ensureStream } from './streams';
import { createSignalPublisher, type SignalPublisher, type SignalPublisherStatus } from './signal-publisher';
import { createSummaryPublisher } from './summary-publisher';
import { createRecordPublisher } from './record-publisher';

export interface FederationOptions {
  servers: string[];
  /** The site's subject token; the plant file's site id when absent. */
  site?: string;
  /** Stream replicas (default 3; a one-node lab server needs 1). */
  replicas?: number;
  summaryEveryMs?: number;
  log(line: string): void;
}

export interface FederationStatus {
  site: string;
  connected: boolean;
  server?: string;
  signals?: SignalPublisherStatus;
  summaries?: { published: number; failed: number; lastError?: string };
  records?: { published: number; waiting: number; dropped: number; lastError?: string };
}

export interface Federation {
  readonly site: string;
  status(): FederationStatus;
  /** Resolves once every committed signal is in the stream (or false after `ms`). */
  drained(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Throws (before anything connects) when the site cannot be a subject token. */
export function startFederation(core: TaktCore, o: FederationOptions): Federation {
  const site = o.site ?? core.plant.site.id;
  const why = siteTokenProblem(site);
  if (why) throw new Error(`--site: ${why}${o.site === undefined ? ' (or give --site)' : ''}`);
  const log = o.log;
  let closed = false;
  let handles: NatsHandles | undefined;
  let signals: SignalPublisher | undefined;
  let summaries: ReturnType<typeof createSummaryPublisher> | undefined;
  let records: ReturnType<typeof createRecordPublisher> | undefined;
  const offs: (() => void)[] = [];

  const ready = openNats({ servers: o.servers, name: `takt-core ${site}`, log, cancelled: () => closed }).then(async (h) => {
    if (!h) return;
    handles = h;
    // Before every resync (rare: a start, a failure): a stream removed meanwhile is made again.
    const ensureStreams = async () => {
      for (const c of [signalsStream(site, o.replicas), summariesStream(o.replicas), recordsStream(o.replicas)]) await ensureStream(h.jsm, c);
    };
    signals = createSignalPublisher({
      site,
      js: h.js,
      jsm: h.jsm,
      log,
      beforeSync: ensureStreams,
      journal: {
        durablePosition: () => core.journal.durablePosition,
        read: (position, limit) => [...core.journal.readFrom(position, { limit })].map((r) => ({ position: r.position, signal: r.signal })),
      },
    });
    offs.push(core.onDelivered((batch, last) => signals!.offer(batch, last)));
    signals.start();
    summaries = createSummaryPublisher({
      site,
      js: h.js,
      log,
      intervalMs: o.summaryEveryMs,
      summary: (intervalMs) =>
        buildTwinSummary({ site: { id: site, name: core.plant.site.name }, state: core.twin.peek(), exceptions: core.openExceptions(), publishedAt: Date.now(), intervalMs }),
    });
    summaries.start();
    records = createRecordPublisher({ site, js: h.js, log });
    void core.storeReady.then(
      () => {
        if (!closed) offs.push(core.commit.store.onChange((c) => records!.add(c)));
      },
      () => undefined,
    );
  });
  ready.catch((e: Error) => log(`nats: federation could not start: ${e.message}`));

  return {
    site,
    status() {
      const s: FederationStatus = { site, connected: handles !== undefined && !handles.nc.isClosed() };
      if (handles) s.server = handles.nc.getServer();
      if (signals) s.signals = signals.status();
      if (summaries) s.summaries = summaries.status();
      if (records) s.records = records.status();
      return s;
    },
    async drained(ms) {
      const t0 = Date.now();
      while (!signals) {
        if (Date.now() - t0 > ms) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return signals.drained(ms - (Date.now() - t0));
    },
    async close() {
      if (closed) return;
      closed = true;
      offs.forEach((f) => f());
      summaries?.stop();
      records?.stop();
      const stopping = signals?.stop();
      // Closing the connection fails the window in flight at once instead of after its timeout.
      await handles?.nc.close().catch(() => undefined);
      await stopping;
    },
  };
}
