/**
 * The plant core: loads the plant, resumes the twin from the journal, runs the embedded
 * ERP/MES simulator (or external connectors) through the ingest pipeline, and serves consoles over
 * the protocol. It has no window and no Electron dependency: browser mode, the Electron utility
 * process and the CLI all start it the same way.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TextTransport } from '../../shared/protocol/transport';
import { serveConnection, ProtocolFailure, type MethodHandlers, type StreamHandlers } from '../../shared/protocol/server';
import type { CoreStatus, DeadLetter, StreamItems } from '../../shared/protocol/api';
import { PROTOCOL_VERSION } from '../../shared/protocol/messages';
import { AcceleratedTime } from '../../shared/clock/clock';
import type { Plant } from '../../shared/plant/schema';
import type { Signal } from '../../shared/signals/schema';
import type { Twin } from '../../shared/twin/twin';
import type { ExceptionRecord } from '../../shared/decide/exceptions/record';
import { createPlantSimulator, type PlantSimulator } from '../../shared/sim/plant-simulator';
import { createIngestPipeline, type IngestPipeline } from '../../shared/ingest/pipeline';
import { buildPlantIndex } from '../../shared/ingest/validate';
import { loadPlantCached, type LoadedPlant } from './persistence/plant-cache';
import { openJournal, type Journal } from './persistence/journal';
import { lockDataDir, makeDataDirPrivate, openDataDir, plantFingerprint, type DataDirLock } from './persistence/data-dir';
import { reconstructTwin } from './persistence/time-travel';
import { createDecideService } from './services/decide-service';
import { auditedExceptionMethods, type ExceptionPersonMethod } from './services/exception-audit';
import { createWhatIfService } from './services/whatif-service';
import { redactSecrets } from '../../shared/plant/redact';
import { createConnectorManager } from '../connectors/plant-connectors';
import { createTimelineService } from './services/timeline-service';
import type { CommitService } from './services/commit/commit-service';
import type { DecisionsOptions } from './services/commit/decisions';
import { COMMIT_METHODS, createGate, waitingMethods, waitingStream } from './persistence/deferred-store';
import { createStoreMirror } from './persistence/store-mirror';
import { whenAckable } from './persistence/durable-ack';
import { createBacktestService } from './services/backtest-service';
import type { RetryPolicy } from '../../shared/commit/outbox-policy';
import type { Caller, ConnectionIdentity } from '../../shared/auth/caller';
import { sessionMethods } from './auth/session-methods';
import type { AuthService } from './auth/auth-service';
import { authorizeMethods, authorizeStreams, type AuthorizeCallsOptions } from './authorize-calls';

export const CORE_VERSION = '0.1.0';
/** With `deferStore`, the store opens this long after start at the latest (real ms) when no console has come. */
const STORE_DEFER_MS = 5000;
/**
 * ...and this long after the first console got its opening view: loading RxDB (ajv, mingo, rxjs) costs
 * noticeable CPU, which on a small machine would otherwise compete with that console drawing its first frame.
 */
const STORE_AFTER_FIRST_VIEW_MS = 2000;
/** How far back (plant time) ingest recognises duplicates; older signals are dead-lettered as too old. */
const INGEST_HORIZON_MS = 3_600_000;

export interface CoreOptions {
  /** Folder for the journal and snapshots. */
  dataDir: string;
  /** Plant file; the embedded demo plant when absent. */
  plantFile?: string;
  /** The plant file already loaded (browser mode loads it before the rest of the core boots); must be `plantFile`'s. */
  loadedPlant?: Pick<LoadedPlant, 'plant' | 'file'>;
  /** The data folder's lock when the host took it already (browser mode, before announcing its URL); released on close. */
  dataDirLock?: DataDirLock;
  /** Rules file (decide); the shipped default rules when absent. */
  rulesFile?: string;
  /** Plant time per real time, 1..600. Default 60 (one plant minute per second). */
  speed?: number;
  /** Seed of the embedded simulator. */
  seed?: number;
  /** Run the embedded ERP/MES simulator (default true). */
  simulator?: boolean;
  /** Real milliseconds between persisted twin snapshots. */
  snapshotEveryMs?: number;
  /** Real milliseconds between delta pushes to consoles. */
  deltaEveryMs?: number;
  /** Ingest lateness window in plant ms. */
  latenessMs?: number;
  log?: (line: string) => void;
  /**
   * Open the business store (RxDB) after start-up instead of before `startCore` resolves: once the
   * first console has had its opening twin view for STORE_AFTER_FIRST_VIEW_MS, or STORE_DEFER_MS (a
   * number: that many ms) after start.
   * Until then commit calls and the `records` stream wait for it (`storeReady`). Browser mode sets it.
   */
  deferStore?: boolean | number;
  /** Outbox retry policy of the commit service (tests shorten it). */
  outboxRetry?: RetryPolicy;
  /** The forecast decision reviews re-run options with (tests count the runs through it). */
  reviewForecast?: DecisionsOptions['reviewForecast'];
  /**
   * The data folder's accounts and sessions, for the `session.*` methods (the desktop window signs
   * in on its channel with them); absent, those methods answer that this core has no sign-in.
   */
  authService?: () => AuthService | null;
}

export interface CoreHealth {
  ok: boolean;
  plant: string;
  time: number;
  position: number;
  clients: number;
  deadLetters: number;
}

export interface TaktCore {
  readonly plant: Plant;
  readonly twin: Twin;
  readonly journal: Journal;
  readonly pipeline: IngestPipeline;
  /**
   * Serves one connection; `caller` is who the host established is on the other end, fixed (a
   * cookie, a token) or an identity that changes while the connection is open (a desktop window
   * signing in and out on its channel).
   */
  connect(t: TextTransport, caller: Caller | ConnectionIdentity): void;
  health(): CoreHealth;
  /** The protocol's method table, each method checked against its caller (the HTTP API calls through it, with the same validation). */
  readonly methods: MethodHandlers;
  /** Commit records; connectors register write-back targets here. */
  readonly commit: Pick<CommitService, 'registerWriteBack' | 'store'>;
  /** Resolves once the business store is open (already when `startCore` resolves, unless `deferStore`); rejects when it cannot open. */
  readonly storeReady: Promise<void>;
  /**
   * Calls `cb` with every batch the twin applies, after its journal commit, in journal order
   * (`lastPosition` is the batch's last journal position); returns the unsubscribe. Federation
   * publishes from here. A throwing listener is logged and does not stop ingest.
   */
  onDelivered(cb: (batch: readonly Signal[], lastPosition: number) => void): () => void;
  /** Open (not closed) exceptions, most urgent first. */
  openExceptions(): ExceptionRecord[];
  /** Persists a snapshot now (also done periodically and on close). */
  snapshot(): void;
  close(): Promise<void>;
}

/**
 * Lets the event loop run between boot steps: in browser mode the same thread serves the console's
 * page, which would otherwise wait for the whole boot before its files are sent.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Starts the core on its data folder, which it holds (a lock file) until `close()`: a second core,
 * or a `--reset`, on the same folder is refused while this one runs.
 */
export async function startCore(opts: CoreOptions): Promise<TaktCore> {
  const lock = opts.dataDirLock ?? lockDataDir(opts.dataDir);
  try {
    return await startLockedCore(opts, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function startLockedCore(opts: CoreOptions, lock: DataDirLock): Promise<TaktCore> {
  const log = opts.log ?? (() => undefined);
  // From the plant cache in the data folder when the file and the parser are unchanged (a restart skips parse and validation).
  const { plant, file: plantFile } = opts.loadedPlant ?? (await loadPlantCached(opts.plantFile, { dataDir: opts.dataDir, log }));
  // The plant file's connectors are checked before anything opens (errors name connectors[i].options.<field>).
  const connectors = createConnectorManager(plant.connectors, { plant, plantFile, now: () => clock.now(), dataDir: opts.dataDir, log });
  const seed = opts.seed ?? 1;
  const dd = openDataDir(opts.dataDir, {
    plantId: plant.site.id,
    plantHash: plantFingerprint(plant),
    plantFile,
    // A fresh twin starts at the current minute; afterwards the start is pinned in the data folder.
    startTime: Math.floor(Date.now() / 60_000) * 60_000,
    seed,
  });
  const { startTime } = dd.identity;
  const clientPlant = redactSecrets(plant).plant;
  // SQLite work runs on a writer thread; the pipeline delivers a batch to the twin only after its commit.
  let journal: Journal;
  try {
    journal = openJournal(dd.journalPath, { writer: 'worker' });
  } catch (e) {
    throw new Error(`the journal ${dd.journalPath} cannot be opened (${(e as Error).message}): restore it from a backup, or start over with --reset (moves the data folder's contents aside, deletes nothing)`);
  }
  // SQLite made the file (and its -wal, -shm) from the umask; they take the database file's mode from now on.
  makeDataDirPrivate(opts.dataDir);
  await breathe();

  // Resume: nearest snapshot plus the journal after it. Deterministic, so the hash is the one we left.
  const t0 = performance.now();
  const { twin, replayed } = reconstructTwin(plant, journal, startTime);
  // The hash (a serialisation of every actor: tens of milliseconds) only when there was something to
  // resume: it is what a restart is checked against; a fresh twin's would delay the first console.
  if (twin.position > 0) log(`twin resumed at position ${twin.position} (${replayed} signals replayed in ${Math.round(performance.now() - t0)} ms), hash ${twin.hash()}`);
  else log(`twin started fresh at ${new Date(twin.time).toISOString()} (${Math.round(performance.now() - t0)} ms)`);
  twin.takeRejected(); // refused again by the replay: dead-lettered when they first arrived
  await breathe();

  const simulator: PlantSimulator | null =
    opts.simulator === false || connectors.replacesSimulator ? null : createPlantSimulator(plant, { seed: seed + Math.floor(twin.time / 60_000), startTime: twin.time, resumeFrom: twin.peek() });

  await breathe();
  const clock = new AcceleratedTime(() => performance.now(), twin.time, opts.speed ?? 60);
  const decide = await createDecideService({ plant, twin, dataDir: opts.dataDir, rulesFile: opts.rulesFile, log });
  await breathe();
  const whatIf = createWhatIfService({ plant, twin, decide, dataDir: opts.dataDir, startTime, log });
  // Reads `methods` lazily (for exceptions, decisions and actions); the table is built below.
  const timeline = createTimelineService({ plant, twin, journal, startTime, methods: () => methods, log });
  let deadLetterCount = journal.countDeadLetters();
  const deadLetterSubs = new Set<(d: DeadLetter) => void>();
  let acceptedSinceStatus = 0;
  const deliveredSubs = new Set<(batch: readonly Signal[], lastPosition: number) => void>();
  let lastStatusAt = performance.now();
  let signalsPerSecond = 0;

  const pipeline = createIngestPipeline({
    index: buildPlantIndex(plant),
    latenessMs: opts.latenessMs ?? 0,
    // After a restart, re-arm dedupe with the journal's recent keys so a re-sent signal is not journaled twice.
    resume: journal.lastPosition > 0 ? { keys: journal.recentKeys(journal.maxEventTime - INGEST_HORIZON_MS), watermark: journal.maxEventTime } : undefined,
    horizonMs: INGEST_HORIZON_MS,
    // Nothing ahead of the core's own clock (beyond the skew) moves the horizon, whatever its sender says.
    now: () => Math.floor(clock.now()),
    // A per-process seed: ids crafted to collide in dedupe's hash table cannot be computed offline.
    dedupeHashSeed: randomInt(2 ** 31),
    // The journal without `addDeadLetters`: dead letters are stored once, by onDeadLetter below (which
    // needs the stored number for the stream). `waitDurable`/`durablePosition` stay, so delivery still
    // waits for the commit.
    journal: {
      append: (batch, raws) => journal.append(batch, raws),
      get durablePosition() {
        return journal.durablePosition;
      },
      waitDurable: (position) => journal.waitDurable(position),
    },
    deliver: (batch: readonly Signal[], lastPosition: number) => {
      acceptedSinceStatus += batch.length;
      twin.applyBatch(batch, lastPosition);
      // Plan signals naming orders not waiting on their line: journaled, refused by the twin, dead-lettered here.
      for (const r of twin.takeRejected()) {
        const stored = journal.addDeadLetter({ at: r.signal.receiveTime, source: r.signal.source, reason: r.reason, path: r.path, raw: JSON.stringify(r.signal).slice(0, 4096), code: 'reference' });
        deadLetterCount++;
        deadLetterSubs.forEach((s) => s(stored));
      }
      decide.observe(batch);
      for (const f of deliveredSubs) {
        try {
          f(batch, lastPosition);
        } catch (e) {
          log(`core: a delivery listener failed: ${(e as Error).stack ?? e}`);
        }
      }
      if (commit) commit.observe(batch);
      else heldBatches.push(batch); // observed in order once the deferred store is open
      scheduleDeltas();
    },
    onDeadLetter: (dl: Omit<DeadLetter, 'n'>) => {
      const stored = journal.addDeadLetter(dl);
      deadLetterCount++;
      deadLetterSubs.forEach((s) => s(stored));
    },
  });
  // Commit records (RxDB in <dataDir>/store); plan changes of committed decisions go through the pipeline like any signal.
  // Loaded and opened behind the gate: at once, or (deferStore) after the first console has its view.
  const storeGate = createGate();
  if (!opts.deferStore) storeGate.open();
  const storeTimer = opts.deferStore ? setTimeout(storeGate.open, opts.deferStore === true ? STORE_DEFER_MS : opts.deferStore) : null;
  const commitReady: Promise<CommitService> = storeGate.opened.then(async () =>
    (await import('./services/commit/commit-service')).createCommitService({
      plant,
      twin,
      journal,
      decide,
      dataDir: opts.dataDir,
      startTime,
      now: () => clock.now(),
      ingest: (signals) => {
        const r = pipeline.pushMany(signals, { origin: 'takt commit', receiveTime: Math.floor(clock.now()) });
        pipeline.flush();
        return r;
      },
      retry: opts.outboxRetry,
      ...(opts.reviewForecast ? { reviewForecast: opts.reviewForecast } : {}),
      latenessMs: opts.latenessMs ?? 0,
      log,
      scenarios: () => whatIf.list(),
      actualKpis: (lineIds, from, to) => timeline.actualKpis(lineIds, from, to),
    }),
  );
  let commit: CommitService | null = null;
  const heldBatches: (readonly Signal[])[] = [];
  let unmirror = () => {};
  const storeReady = commitReady.then((c) => {
    for (const b of heldBatches.splice(0)) c.observe(b);
    commit = c;
    // The store also holds exceptions, saved what-ifs and rule sets; the JSON files stay what decide and what-if load from.
    const mirror = createStoreMirror(c.store, log);
    const current = (id: string) => {
      try {
        return decide.registry.get(id);
      } catch {
        return undefined; // removed in the same batch: the change's own copy is written
      }
    };
    unmirror = decide.registry.onChange((changes) => void mirror.exceptions(changes, current));
    void mirror.allExceptions(decide.registry.list({ includeClosed: true }));
    void mirror.allScenarios(whatIf.list());
    void mirror.ruleSet(decide.rules, 'takt', twin.time);
    return { commit: c, mirror };
  });
  const storeReadyPublic = storeReady.then(() => undefined);
  // Handled here, so a failure is never an unhandled rejection; deferred, it is logged (browser mode stops on it).
  storeReadyPublic.catch((e: Error) => (opts.deferStore ? log(`the business store could not be opened: ${e.stack ?? e.message}`) : undefined));
  if (!opts.deferStore) await storeReady;
  // Backtests replay the journal on a worker thread; their records go to the audit log.
  const backtests = createBacktestService({ plant, plantFile, dataDir: opts.dataDir, activeRules: () => decide.rules, now: () => twin.time, store: async () => (await storeReady).commit.store, log });
  // Each call answers after its copy is stored (a failed copy is only logged).
  const mirrored: Pick<MethodHandlers, 'rules.activate' | 'whatIf.save' | 'whatIf.delete' | ExceptionPersonMethod> = {
    ...auditedExceptionMethods(plant, decide.methods, async () => (await storeReady).commit.store, () => twin.time),
    'rules.activate': async (p, ctx) => {
      backtests.checkActivation(p.text, p.file);
      const r = await decide.methods['rules.activate'](p, ctx);
      await (await storeReady).mirror.ruleSet(decide.rules, r.activatedBy, r.activatedAt);
      return r;
    },
    'whatIf.save': async (p, ctx) => {
      const r = await whatIf.methods['whatIf.save'](p, ctx);
      await (await storeReady).mirror.scenarioSaved(r, twin.position);
      return r;
    },
    'whatIf.delete': async (p, ctx) => {
      const r = await whatIf.methods['whatIf.delete'](p, ctx);
      await (await storeReady).mirror.scenarioDeleted(p.name);
      return r;
    },
  };
  // External connectors push into the same pipeline; what never became a signal (bad protobuf, no mapping) is dead-lettered here.
  await connectors.start({
    push: (raw, meta) => pipeline.push(raw, meta),
    // MQTT acknowledges (PUBACK) only once what it pushed is committed in the journal, dead letters included.
    whenDurable: whenAckable(pipeline, journal),
    deadLetter: (dl) => {
      const stored = journal.addDeadLetter(dl);
      deadLetterCount++;
      deadLetterSubs.forEach((s) => s(stored));
    },
  });
  // Decisions write back through the connectors that can carry commands (MQTT command topics, REST).
  void storeReady.then(({ commit: c }) => connectors.writeBackTargets.forEach((target) => c.registerWriteBack(target)), () => undefined);

  // --- live loop: plant time drives the simulator; its signals go through the same pipeline as any connector's.
  let lastClockTick = twin.time;
  // The journal's writer waits for disk space (it retries by itself): take nothing in meanwhile, so
  // nothing new waits unacknowledged in memory; the simulator catches up from plant time afterwards.
  let pausedSince: number | null = null;
  const journalPaused = (): string | undefined => {
    const why = journal.paused;
    if (why !== undefined && pausedSince === null) {
      pausedSince = performance.now();
      log(`the journal cannot be written (${why}) in ${opts.dataDir}: signals are not accepted or acknowledged until there is space again; retrying each second. Free space on that file system.`);
      pushStatus();
    } else if (why === undefined && pausedSince !== null) {
      log(`the journal is written again after ${Math.round((performance.now() - pausedSince) / 1000)} s without disk space; signals are accepted again`);
      pausedSince = null;
      pushStatus();
    }
    return why;
  };
  const pump = () => {
    if (journalPaused() !== undefined) return;
    const now = clock.now();
    if (simulator) {
      for (const s of simulator.runUntil(now)) pipeline.push(s, { origin: 'simulator' });
    } else if (now - lastClockTick >= 60_000) {
      // Without a simulator the core journals its own clock so time-driven transitions replay exactly.
      lastClockTick = Math.floor(now / 60_000) * 60_000;
      pipeline.push(
        { id: `tick-${lastClockTick}`, source: 'takt.clock', seq: lastClockTick / 60_000, eventTime: lastClockTick, receiveTime: lastClockTick, type: 'clock.tick' },
        { origin: 'core clock' },
      );
    }
    pipeline.flush();
    decide.tick();
    void commit?.tick();
  };

  // --- consoles
  const deltaSubs = new Set<(item: StreamItems['twin.deltas']) => void>();
  const statusSubs = new Set<(s: CoreStatus) => void>();
  let clients = 0;
  const pushDeltas = () => {
    if (deltaSubs.size === 0) {
      twin.takeDelta();
      return;
    }
    const delta = twin.takeDelta();
    if (delta) deltaSubs.forEach((s) => s({ delta }));
  };
  // Deltas leave as soon as a batch lands (signal-to-pixel latency), coalesced to at most one per 16 ms.
  let deltaTimer: ReturnType<typeof setTimeout> | null = null;
  let lastDeltaAt = 0;
  function scheduleDeltas() {
    if (deltaTimer) return;
    const wait = Math.max(0, 16 - (performance.now() - lastDeltaAt));
    deltaTimer = setTimeout(() => {
      deltaTimer = null;
      lastDeltaAt = performance.now();
      safe('deltas', pushDeltas)();
    }, wait);
  }
  const status = (): CoreStatus => {
    const s: CoreStatus = { time: twin.time, speed: clock.speed, position: twin.position, signalsPerSecond, deadLetters: deadLetterCount, clients };
    const why = journal.paused;
    if (why !== undefined) s.ingestPaused = `The journal cannot be written (${why}) in ${opts.dataDir}: signals are not accepted until space is freed there; the core retries each second.`;
    return s;
  };
  const pushStatus = () => {
    const t = performance.now();
    signalsPerSecond = Math.round((acceptedSinceStatus * 1000) / Math.max(1, t - lastStatusAt));
    acceptedSinceStatus = 0;
    lastStatusAt = t;
    const s = status();
    statusSubs.forEach((f) => f(s));
  };
  let lastSnapshotPosition = twin.position;
  const snapshot = () => {
    if (twin.position === lastSnapshotPosition) return;
    const snap = twin.persist();
    journal.saveSnapshot({ position: twin.position, time: twin.time, version: snap.version, hash: twin.hash(), data: JSON.stringify(snap) });
    lastSnapshotPosition = twin.position;
  };

  const safe = (name: string, f: () => void) => () => {
    try {
      f();
    } catch (e) {
      log(`core ${name} failed: ${(e as Error).stack ?? e}`);
    }
  };
  const timers = [
    setInterval(safe('pump', pump), 50),
    setInterval(safe('deltas', pushDeltas), opts.deltaEveryMs ?? 100),
    setInterval(safe('status', pushStatus), 1000),
    setInterval(safe('snapshot', snapshot), opts.snapshotEveryMs ?? 10_000),
  ];

  const methods: MethodHandlers = {
    'core.info': () => ({
      core: 'takt-core',
      version: CORE_VERSION,
      protocol: PROTOCOL_VERSION,
      plant: { id: plant.site.id, name: plant.site.name, file: plantFile },
      clock: { now: Math.floor(clock.now()), speed: clock.speed, mode: clock.speed === 1 ? 'live' : 'accelerated' },
      journal: { position: twin.position },
      source: simulator ? 'embedded simulator' : 'external connectors',
    }),
    // Connector secrets (tokens, passwords) stay in the core: consoles and API clients get them redacted.
    'plant.get': () => clientPlant,
    ...sessionMethods({ auth: opts.authService ?? (() => null), people: () => plant.crews.flatMap((c) => c.members), log }),
    'twin.view': (p) => {
      if (p?.at === undefined) return twin.view();
      if (p.at > twin.time) throw new ProtocolFailure('bad_params', `'at' ${new Date(p.at).toISOString()} is after the twin's present ${new Date(twin.time).toISOString()}`, 'params.at');
      if (p.at < startTime) throw new ProtocolFailure('bad_params', `'at' ${new Date(p.at).toISOString()} is before the twin started (${new Date(startTime).toISOString()})`, 'params.at');
      return reconstructTwin(plant, journal, startTime, { untilTime: p.at }).twin.view();
    },
    'deadLetters.list': (p) => ({ total: journal.countDeadLetters(), items: journal.listDeadLetters(p?.limit ?? 100, p?.offset ?? 0) }),
    // Answered once what it accepted is committed (fsynced) in the journal: a sender may forget what was acknowledged.
    'signals.ingest': async (p) => {
      // Refused while the journal waits for disk space: the sender keeps the signals and sends them again.
      const why = journalPaused();
      if (why !== undefined) throw new ProtocolFailure('unavailable', `signals are not accepted now: the journal cannot be written (${why}) in the core's data folder; free space there, then send again`);
      // Receive time is the core's clock, never the sender's claim: event times are checked against it.
      const r = pipeline.pushMany(p.signals, { origin: 'protocol signals.ingest', receiveTime: Math.floor(clock.now()) });
      pipeline.flush();
      await new Promise<void>((resolve) => pipeline.whenDurable(resolve));
      return r;
    },
    'clock.setSpeed': (p) => {
      clock.setSpeed(p.speed);
      return { speed: clock.speed };
    },
    'debug.echo': async (p, ctx) => {
      const steps = Math.max(1, Math.ceil(p.ms / 50));
      for (let i = 0; i < steps && p.ms > 0; i++) {
        if (ctx.signal.aborted) throw new ProtocolFailure('cancelled', 'cancelled');
        await new Promise((r) => setTimeout(r, p.ms / steps));
        ctx.progress(i + 1, steps);
      }
      return { value: p.value };
    },
    ...decide.methods,
    ...backtests.methods,
    ...whatIf.methods,
    ...connectors.methods,
    ...timeline.methods,
    ...waitingMethods(storeReady.then((r) => r.commit.methods), COMMIT_METHODS),
    ...mirrored,
  };
  const streams: StreamHandlers = {
    'twin.deltas': (_p, emit) => {
      emit({ view: twin.view() });
      // Deferred start-up: the store's modules load a little after this view has left (a console's first frame needs only it).
      if (!storeGate.isOpen) setTimeout(storeGate.open, STORE_AFTER_FIRST_VIEW_MS).unref();
      deltaSubs.add(emit);
      return () => deltaSubs.delete(emit);
    },
    'deadLetters.new': (_p, emit) => {
      deadLetterSubs.add(emit);
      return () => deadLetterSubs.delete(emit);
    },
    'core.status': (_p, emit) => {
      emit(status());
      statusSubs.add(emit);
      return () => statusSubs.delete(emit);
    },
    ...decide.streams,
    ...connectors.streams,
    records: waitingStream(storeReady.then((r) => r.commit.streams), 'records', log),
  };
  // What consoles and the HTTP API call: every method and stream checked against its caller
  // (`methods` above stays unchecked for the core's own services, such as the timeline's reads).
  const authorization: AuthorizeCallsOptions = {
    plant,
    rules: () => decide.rules.rules,
    audit: async (entry) => {
      const { commit: c } = await storeReady;
      return c.store.serial(() => c.store.appendAudit({ at: Math.floor(twin.time), ...entry }));
    },
    log,
  };
  const checkedMethods = authorizeMethods(methods, authorization);
  const checkedStreams = authorizeStreams(streams, authorization);

  let closed = false;
  return {
    plant,
    twin,
    journal,
    pipeline,
    methods: checkedMethods,
    commit: {
      registerWriteBack(target) {
        if (commit) return commit.registerWriteBack(target);
        let off: (() => void) | null = null;
        let dropped = false;
        void storeReady.then(({ commit: c }) => (dropped ? undefined : (off = c.registerWriteBack(target))), () => undefined);
        return () => {
          dropped = true;
          off?.();
        };
      },
      get store() {
        if (!commit) throw new Error('the business store is not open yet (deferStore): await core.storeReady first');
        return commit.store;
      },
    },
    storeReady: storeReadyPublic,
    connect(t, caller) {
      clients++;
      t.onClose(() => clients--);
      serveConnection(t, { name: `takt-core ${CORE_VERSION}`, methods: checkedMethods, streams: checkedStreams, caller, onError: (e) => log(`protocol handler error: ${(e as Error).stack ?? e}`) });
    },
    onDelivered(cb) {
      deliveredSubs.add(cb);
      return () => deliveredSubs.delete(cb);
    },
    openExceptions: () => decide.registry.list(),
    health: () => ({ ok: !closed, plant: plant.site.id, time: twin.time, position: twin.position, clients, deadLetters: deadLetterCount }),
    snapshot,
    async close() {
      if (closed) return;
      closed = true;
      timers.forEach(clearInterval);
      if (deltaTimer) clearTimeout(deltaTimer);
      await connectors.stop();
      pipeline.flush();
      snapshot();
      await decide.close();
      timeline.close();
      if (storeTimer) clearTimeout(storeTimer);
      storeGate.open(); // a core closed before its deferred store opened still opens and closes it cleanly
      const store = await storeReady.catch(() => null);
      unmirror();
      await store?.commit.close();
      twin.stop();
      journal.close();
      lock.release();
    },
  };
}

export { ProtocolFailure };
