/**
 * The core's commit service: decision receipts, approvals, dispatched actions, readiness gates,
 * the write-back outbox and the audit chain, kept in the Takt RxDB
 * (main/core/persistence/commit-store.ts) and served as the `decisions.* / approvals.* / actions.* /
 * dispatch.gates / outbox.* / audit.*` methods and the `records` stream. It wires the parts:
 *
 *  decisions.ts  commit an option or a saved scenario (one receipt writer, receipts.ts), replay;
 *  approvals.ts  decide and escalate approvals; the last one dispatches (dispatch.ts);
 *  tracking.ts   move actions, verify them by signal, gates, overdue checks;
 *  outbox.ts     send write-back messages with backoff.
 * Every commit, approval, action transition and outbox ack appends a hash-chained audit entry.
 */
import { performance } from 'node:perf_hooks';
import type { MethodHandlers, StreamHandlers } from '../../../../shared/protocol/server';
import type { IngestResult, SavedScenario, StreamItems } from '../../../../shared/protocol/api';
import type { Plant } from '../../../../shared/plant/schema';
import type { Signal } from '../../../../shared/signals/schema';
import type { Twin } from '../../../../shared/twin/twin';
import type { RecordChange } from '../../../../shared/commit/records';
import type { WriteBackTarget } from '../../../../shared/commit/writeback';
import { DEFAULT_RETRY, type RetryPolicy } from '../../../../shared/commit/outbox-policy';
import { openCommitStore, type CommitStore } from '../../persistence/commit-store';
import { plantFingerprint } from '../../persistence/data-dir';
import type { Journal } from '../../persistence/journal';
import type { DecideService } from '../decide-service';
import { createCommitContext } from './context';
import { createDispatch } from './dispatch';
import { createReceiptWriter } from './receipts';
import { createDecisions, type DecisionsOptions } from './decisions';
import type { ActualKpis } from '../../../../shared/decide/review';
import { createApprovals } from './approvals';
import { createTracking } from './tracking';
import { startOutbox } from './outbox';

type CommitMethod =
  | 'decisions.commit'
  | 'decisions.list'
  | 'decisions.get'
  | 'decisions.replay'
  | 'decisions.review'
  | 'decisions.reviewWeekly'
  | 'approvals.list'
  | 'approvals.decide'
  | 'actions.list'
  | 'actions.get'
  | 'actions.transition'
  | 'dispatch.gates'
  | 'outbox.list'
  | 'outbox.retry'
  | 'audit.list'
  | 'audit.verify';

export interface CommitServiceOptions {
  plant: Plant;
  twin: Twin;
  journal: Journal;
  decide: DecideService;
  dataDir: string;
  /** Plant time when the twin started (replays start there). */
  startTime: number;
  /** Plant time now (the core's clock). */
  now: () => number;
  /** Journals plan-change signals through the ingest pipeline (and flushes it). */
  ingest: (signals: object[]) => IngestResult;
  /** Real time for the outbox's retry schedule: it talks to real systems (default Date.now). */
  realNow?: () => number;
  retry?: RetryPolicy;
  /** Real ms between outbox passes (default 200). */
  outboxEveryMs?: number;
  log?: (line: string) => void;
  /** The saved what-if scenarios (whatIf.save), for committing one as a decision. */
  scenarios?: () => readonly SavedScenario[];
  /** The actual KPIs of lines over a period, as the timeline computes them (the review's actual side). */
  actualKpis?: (lineIds: readonly string[], from: number, to: number) => ActualKpis;
  /** The forecast decision reviews re-run options with (tests count the runs through it). */
  reviewForecast?: DecisionsOptions['reviewForecast'];
  /** The ingest lateness window (plant ms): reviews are kept once the journal is that far past their horizon. */
  latenessMs?: number;
}

export interface CommitService {
  readonly methods: Pick<MethodHandlers, CommitMethod>;
  /** The RxDB store and its one writer (the core mirrors exceptions, scenarios and rule sets through it). */
  readonly store: CommitStore;
  readonly streams: Pick<StreamHandlers, 'records'>;
  /** Connectors register their write-back targets (MQTT, REST); the latest one serving a target wins over the file target. */
  registerWriteBack(target: WriteBackTarget): () => void;
  /** Signals as the twin got them: verifies matching actions. */
  observe(batch: readonly Signal[]): void;
  /** Escalations and overdue checks (throttled to once a real second unless `force`). */
  tick(force?: boolean): Promise<void>;
  /** Resolves when every queued write is done (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function createCommitService(opts: CommitServiceOptions): Promise<CommitService> {
  const { plant, twin } = opts;
  const log = opts.log ?? (() => undefined);
  const store: CommitStore = await openCommitStore(opts.dataDir);
  // The plant model is versioned in the store; receipts name the version they were decided on.
  const plantVersion = await store.serial(() => store.plantVersion(plant.site.id, plantFingerprint(plant), plant, Math.floor(twin.time)));
  const ctx = createCommitContext({ plant, twin, journal: opts.journal, decide: opts.decide, store, log, now: opts.now, realNow: opts.realNow ?? Date.now });
  const tracking = createTracking(ctx);
  const outbox = await startOutbox(ctx, { dataDir: opts.dataDir, retry: opts.retry ?? DEFAULT_RETRY, everyMs: opts.outboxEveryMs ?? 200 });
  const dispatch = createDispatch(ctx, opts.ingest, outbox.kick);
  const decisions = createDecisions(ctx, createReceiptWriter(ctx, plantVersion, dispatch), { startTime: opts.startTime, scenarios: opts.scenarios, actualKpis: opts.actualKpis, ...(opts.reviewForecast ? { reviewForecast: opts.reviewForecast } : {}), ...(opts.latenessMs !== undefined ? { latenessMs: opts.latenessMs } : {}) });
  const approvals = createApprovals(ctx, dispatch);

  // Plant time moves approvals and actions past due: one writer turn for both, at most once a real second.
  let lastTick = -Infinity;
  const tick = async (force = false) => {
    const t = performance.now();
    if (!force && t - lastTick < 1000) return;
    lastTick = t;
    await store.serial(async () => {
      const at = ctx.now();
      const rules = opts.decide.rules.rules;
      await approvals.escalate(at, rules);
      await tracking.checkOverdue(at, rules);
    });
  };

  const methods: Pick<MethodHandlers, CommitMethod> = {
    ...decisions.methods,
    ...approvals.methods,
    ...tracking.methods,
    ...outbox.methods,
    'audit.list': (p) => store.auditList(p?.limit ?? 200, p?.offset ?? 0, p?.subjectId, p?.order ?? 'asc'),
    'audit.verify': () => store.serial(() => store.verify()),
  };

  /**
   * Why the renderer gets its own change subscription (`records`) rather than RxDB's remote
   * storage over the protocol: the core's protocol is the one channel a console has (WebSocket in
   * browser mode, MessagePort in Electron), and every frame on it is validated server-side against
   * `shared/protocol/api.ts`; the remote storage would tunnel raw storage calls (bulkWrite,
   * query) that bypass the commit rules — only the core may write these records, through the
   * methods above that check roles and transitions and append the audit chain. The renderer needs
   * no RxDB storage at all: it lists with the `*.list` methods and applies these changes to its
   * own in-memory copy; the store's change stream feeds this directly.
   */
  const streams: Pick<StreamHandlers, 'records'> = {
    records: (p, emit) => {
      const want = p?.collections ? new Set(p.collections) : null;
      return store.onChange((c: RecordChange) => {
        if (!want || want.has(c.collection)) emit(c as StreamItems['records']);
      });
    },
  };

  return {
    methods,
    store,
    streams,
    registerWriteBack: (t) => outbox.register(t),
    observe: tracking.observe,
    tick: (force) => tick(force).catch((e: unknown) => log(`commit: tick failed: ${(e as Error).stack ?? e}`)),
    idle: () => store.serial(async () => undefined),
    async close() {
      await outbox.close();
      await store.close();
    },
  };
}
