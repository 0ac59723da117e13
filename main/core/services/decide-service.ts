/**
 * The core's decide service: owns the active rule set and the exception registry, runs exception
 * detection after twin batches (at most every 250 ms real time, and only when the twin moved),
 * persists the registry to `<dataDir>/exceptions.json` (written atomically), and serves the
 * `rules.*` and `exceptions.*` protocol methods, `decide.options` (an exception's ranked options,
 * scored on a fork of the live twin with the active rules and the inbound POs) and the
 * `exceptions` stream.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProtocolFailure, type MethodHandlers, type StreamHandlers } from '../../../shared/protocol/server';
import type { StreamItems } from '../../../shared/protocol/api';
import type { Plant } from '../../../shared/plant/schema';
import type { Signal } from '../../../shared/signals/schema';
import type { Twin } from '../../../shared/twin/twin';
import { MINUTE } from '../../../shared/twin/schedule';
import { formatRulesIssues, genericRules, parseRulesText, type LoadedRules, type RulesIssue } from '../../../shared/decide/rules-parse';
import { ExceptionError, ExceptionRegistry, detectExceptions, type ExceptionChange, type ExceptionRecord, type RegistrySnapshot } from '../../../shared/decide/exceptions';
import type { InboundPo } from '../../../shared/decide/context';
import { generateOptions, optionFork, type ExtraCandidate } from '../../../shared/decide/options';
import { problemFromPlant } from '../../../shared/schedule/from-plant';
import { replanCandidate } from '../../../shared/schedule/replan';
import { ScheduleCancelled, createScheduleRunner, type ScheduleRunner } from './schedule-runner';
import { packageRoot } from '../package-root';
import { recordRulesActivation, recordRulesIfChanged } from '../persistence/rules-history';
import { stringify as stringifyYaml } from 'yaml';
import { actingPerson } from '../../../shared/auth/authorize';

export const DECIDE_FILE_FORMAT = 1;

export class RulesFileError extends Error {
  override readonly name = 'RulesFileError';
  constructor(
    readonly file: string,
    readonly issues: RulesIssue[],
    readonly kind: 'unreadable' | 'invalid',
    message?: string,
  ) {
    super(message ?? `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the rules file\n${formatRulesIssues(issues)}`);
  }
}

export function defaultRulesPath(): string {
  return join(packageRoot(), 'resources', 'rules', 'default-rules.yaml');
}

/** Reads and checks a rules file against a plant. Throws RulesFileError. */
export async function loadRulesFile(path: string, plant?: Plant): Promise<{ loaded: LoadedRules; warnings: RulesIssue[] }> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = `cannot read rules file ${file}: ${code === 'ENOENT' ? 'no such file (check the path; relative paths start from ' + process.cwd() + ')' : (e as Error).message}`;
    throw new RulesFileError(file, [{ file, path: '', message }], 'unreadable', message);
  }
  const r = parseRulesText(text, file, plant);
  if (!r.ok) throw new RulesFileError(file, r.errors, 'invalid');
  return { loaded: r.loaded, warnings: r.warnings };
}

export interface DecideServiceOptions {
  plant: Plant;
  twin: Twin;
  dataDir: string;
  /** Rules file; the shipped default when absent (the built-in generic rules when that does not fit the plant). */
  rulesFile?: string;
  /** Minimum real milliseconds between detection passes (default 250). */
  detectEveryMs?: number;
  /** Real milliseconds between registry saves when something changed (default 5000). */
  persistEveryMs?: number;
  /** The re-planner's worker (one is started on first use when absent). */
  scheduleRunner?: ScheduleRunner;
  /** Real ms the optimizing re-plan searches for an exception's options (default 1000; 0: none). */
  replanMs?: number;
  log?: (line: string) => void;
}

type DecideMethod =
  | 'decide.options'
  | 'rules.get'
  | 'rules.validate'
  | 'rules.text'
  | 'rules.activate'
  | 'exceptions.list'
  | 'exceptions.get'
  | 'exceptions.acknowledge'
  | 'exceptions.shelve'
  | 'exceptions.unshelve'
  | 'exceptions.comment'
  | 'exceptions.outOfService'
  | 'exceptions.returnToService'
  | 'exceptions.flood';

export interface DecideService {
  readonly rules: LoadedRules;
  readonly registry: ExceptionRegistry;
  readonly methods: Pick<MethodHandlers, DecideMethod>;
  readonly streams: Pick<StreamHandlers, 'exceptions'>;
  /** Signals as the twin gets them (tracks inbound POs). */
  observe(batch: readonly Signal[]): void;
  /** Purchase orders on their way (from `po.eta`), for forks of the twin. */
  inbound(): InboundPo[];
  /** Runs detection when due (throttled) or now with `force`. Returns the changes. */
  tick(force?: boolean): ExceptionChange[];
  /** Writes the registry when it changed. */
  persist(): void;
  /** The re-planner's worker thread (options and what-ifs share it). */
  readonly scheduleRunner: ScheduleRunner;
  /** The re-plan last offered for an exception: a commit re-scores it with the options then. */
  replanFor(exceptionId: string): ExtraCandidate[];
  close(): Promise<void>;
}

interface DecideFile {
  format: number;
  rulesVersion: string;
  rulesHash: string;
  time: number;
  position: number;
  registry: RegistrySnapshot;
  inbound: InboundPo[];
  firstSeen: Record<string, number>;
}

export async function createDecideService(opts: DecideServiceOptions): Promise<DecideService> {
  const { plant, twin } = opts;
  const log = opts.log ?? (() => undefined);
  let rules: LoadedRules;
  // A rule set activated from a console outlives restarts: it is kept in the data folder.
  const activeFile = join(opts.dataDir, 'rules-active.yaml');
  if (opts.rulesFile === undefined && existsSync(activeFile)) {
    rules = (await loadRulesFile(activeFile, plant)).loaded;
  } else if (opts.rulesFile !== undefined) {
    rules = (await loadRulesFile(opts.rulesFile, plant)).loaded;
  } else {
    try {
      rules = (await loadRulesFile(defaultRulesPath(), plant)).loaded;
    } catch (e) {
      if (!(e instanceof RulesFileError)) throw e;
      rules = genericRules();
      log(`decide: the shipped rules do not fit plant '${plant.site.id}' (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}, first: ${e.issues[0]?.message}); using the built-in generic rules`);
    }
  }
  log(`decide: rules '${rules.rules.name}' version ${rules.version} (hash ${rules.hash}) from ${rules.file}`);
  // The rule history (for backtests) learns of a start with another rule set than it last recorded.
  try {
    let text: string;
    try {
      text = readFileSync(rules.file, 'utf8');
    } catch {
      text = stringifyYaml(rules.rules); // the built-in generic rules: no file
    }
    if (recordRulesIfChanged(opts.dataDir, rules, text, { at: twin.time, position: twin.position, by: 'takt', source: 'startup' })) log(`decide: rule history: ${rules.version} (${rules.hash}) active from ${new Date(twin.time).toISOString()}`);
  } catch (e) {
    log(`decide: the rule history in ${opts.dataDir} could not be written (${(e as Error).message}): a backtest will not know this rule set was active from now; check the folder's permissions and free space`);
  }

  const registry = new ExceptionRegistry(rules.rules, { now: () => twin.time }, plant.site.timezone);
  const inbound = new Map<string, InboundPo>();
  let firstSeen: Record<string, number> | null = null;
  const file = join(opts.dataDir, 'exceptions.json');
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as DecideFile;
      if (saved.format !== DECIDE_FILE_FORMAT) throw new Error(`format ${saved.format} is not ${DECIDE_FILE_FORMAT}`);
      registry.restore(saved.registry);
      for (const p of saved.inbound ?? []) inbound.set(p.po, p);
      firstSeen = saved.firstSeen ?? null;
      log(`decide: ${registry.list().length} open exceptions restored from ${file}`);
    } catch (e) {
      log(`decide: cannot restore ${file} (${(e as Error).message}); starting with no exceptions`);
    }
  }

  let dirty = false;
  const subs = new Set<(item: StreamItems['exceptions']) => void>();
  registry.onChange((changes) => {
    dirty = true;
    if (subs.size === 0) return;
    const item = { changes, flood: registry.flood() };
    subs.forEach((s) => s(item));
  });

  const detectEveryMs = opts.detectEveryMs ?? 250;
  let lastRunAt = -Infinity;
  let lastSeen = '';
  const tick = (force = false): ExceptionChange[] => {
    const t = performance.now();
    if (!force && t - lastRunAt < detectEveryMs) return [];
    const stamp = `${twin.position}:${twin.time}`;
    if (!force && stamp === lastSeen) return [];
    lastRunAt = t;
    lastSeen = stamp;
    const view = twin.peek();
    const now = view.time;
    // Orders present at the first pass are the opening book, not rush orders.
    const seen: Record<string, number> = firstSeen ?? {};
    const ids = new Set<string>();
    for (const o of view.orders) {
      ids.add(o.id);
      if (seen[o.id] === undefined) seen[o.id] = firstSeen === null ? 0 : now;
    }
    for (const id of Object.keys(seen)) if (!ids.has(id)) delete seen[id];
    firstSeen = seen;
    // POs due in the past were received or are overdue: neither counts as inbound.
    for (const [po, p] of inbound) if (p.eta < now) inbound.delete(po);
    const detected = detectExceptions(plant, rules.rules, view, now, { inbound: [...inbound.values()], firstSeen: seen });
    return registry.update(detected, now);
  };

  const persist = () => {
    if (!dirty) return;
    const data: DecideFile = {
      format: DECIDE_FILE_FORMAT,
      rulesVersion: rules.version,
      rulesHash: rules.hash,
      time: twin.time,
      position: twin.position,
      registry: registry.persist(),
      inbound: [...inbound.values()],
      firstSeen: firstSeen ?? {},
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(data), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    dirty = false;
  };
  const persistTimer = setInterval(() => {
    try {
      persist();
    } catch (e) {
      log(`decide: saving ${file} failed: ${(e as Error).message}`);
    }
  }, opts.persistEveryMs ?? 5000);

  const people = new Set(plant.crews.flatMap((c) => c.members.map((m) => m.id)));
  const person = (by: string) => {
    if (!people.has(by)) throw new ProtocolFailure('bad_params', `unknown person '${by}': 'by' must be a person id from plant '${plant.site.id}' (its crews)`, 'params.by');
    return by;
  };
  const guard = (f: () => ExceptionRecord): ExceptionRecord => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ExceptionError)) throw e;
      if (e.code === 'not_found') throw new ProtocolFailure('not_found', e.message, 'params.id');
      if (e.code === 'illegal_transition') throw new ProtocolFailure('conflict', e.message, 'params.id');
      throw new ProtocolFailure('bad_params', e.message);
    }
  };

  const runner = opts.scheduleRunner ?? createScheduleRunner({ log });
  /** The re-plan last offered per exception: what a commit of `<exception>#replan` re-scores. */
  const replans = new Map<string, ExtraCandidate>();

  const methods: Pick<MethodHandlers, DecideMethod> = {
    'decide.options': async (p, ctx) => {
      if (!registry.has(p.exceptionId)) throw new ProtocolFailure('not_found', `no exception with id '${p.exceptionId}' (it may have closed and been pruned; list them with exceptions.list)`, 'params.exceptionId');
      const exception = registry.get(p.exceptionId);
      const view = twin.peek();
      const t0 = performance.now();
      const horizonHours = p.horizonHours ?? 24;
      const seed = p.seed ?? 1;
      const known = [...inbound.values()];
      const budget = p.replanMs ?? opts.replanMs ?? 1000;
      const extra: ExtraCandidate[] = [];
      if (budget > 0) {
        // The optimizing re-plan searches the fork the options are scored on, off the core's loop.
        const base = optionFork({ plant, twinState: view, exception, inbound: known });
        try {
          const pp = problemFromPlant({ plant, rules: rules.rules, state: base, horizonHours });
          const result = await runner.solve(pp.problem, pp.asIs, {
            timeLimitMs: budget,
            seed,
            sharedTools: pp.sharedTools,
            ...(p.maxMoved !== undefined ? { maxMoved: p.maxMoved } : {}),
            signal: ctx.signal,
            onProgress: (pr) => ctx.progress(Math.min(budget, Math.round(pr.elapsedMs)), budget, `re-plan: best objective ${Math.round(pr.objective)}`),
          });
          const c = replanCandidate({ plant, pp, state: base, result, ...(p.maxMoved !== undefined ? { maxMoved: p.maxMoved } : {}) });
          replans.delete(p.exceptionId);
          replans.set(p.exceptionId, c);
          // Only the latest few hundred are kept: an exception's re-plan is asked for again when it is gone.
          for (const k of replans.keys()) {
            if (replans.size <= 500) break;
            replans.delete(k);
          }
          extra.push(c);
        } catch (e) {
          if (e instanceof ScheduleCancelled) throw new ProtocolFailure('cancelled', `options for '${p.exceptionId}' were cancelled during the re-plan`);
          log(`decide: the re-plan for exception '${p.exceptionId}' failed (${(e as Error).message}); the other options are offered without it`);
        }
      }
      const options = generateOptions({ plant, rules, twinState: view, exception, horizonHours, seed, inbound: known, extraCandidates: extra });
      return { exceptionId: p.exceptionId, at: view.time, horizonHours, seed, rulesVersion: rules.version, ms: Math.round(performance.now() - t0), options };
    },
    'rules.get': () => ({ version: rules.version, hash: rules.hash, file: rules.file, name: rules.rules.name, rules: rules.rules }),
    'rules.validate': (p) => {
      const r = parseRulesText(p.text, p.file ?? 'rules.yaml', plant);
      return r.ok ? { ok: true, version: r.loaded.version, hash: r.loaded.hash, errors: [], warnings: r.warnings } : { ok: false, errors: r.errors, warnings: [] };
    },
    'rules.text': () => {
      let text: string;
      try {
        text = readFileSync(rules.file, 'utf8');
      } catch {
        text = stringifyYaml(rules.rules);
      }
      return { text, file: rules.file, version: rules.version };
    },
    'rules.activate': (p, c) => {
      const by = person(actingPerson(c.caller, p.by));
      const r = parseRulesText(p.text, p.file ?? 'rules.yaml', plant);
      if (!r.ok) throw new ProtocolFailure('bad_params', `the rule set was not activated: ${formatRulesIssues(r.errors)}`, 'params.text');
      // Kept before it takes effect, so a backtest replays each stretch under the rules active then.
      try {
        recordRulesActivation(opts.dataDir, r.loaded, p.text, { at: twin.time, position: twin.position, by, source: 'activate' });
      } catch (e) {
        throw new ProtocolFailure('unavailable', `the rule set was not activated: its history could not be written in ${opts.dataDir} (${(e as Error).message}); free space or fix the folder's permissions and activate again`);
      }
      writeFileSync(`${activeFile}.tmp`, p.text, { mode: 0o600 });
      renameSync(`${activeFile}.tmp`, activeFile);
      rules = { ...r.loaded, file: activeFile };
      registry.setRules(rules.rules);
      log(`decide: rules '${rules.rules.name}' version ${rules.version} (hash ${rules.hash}) activated by ${by}`);
      tick(true);
      return { version: rules.version, hash: rules.hash, file: rules.file, name: rules.rules.name, rules: rules.rules, activatedBy: by, activatedAt: twin.time };
    },
    'exceptions.list': (p) => ({ items: registry.list(p?.filter ?? {}), flood: registry.flood() }),
    'exceptions.get': (p) => guard(() => registry.get(p.id)),
    'exceptions.acknowledge': (p, c) => guard(() => registry.acknowledge(p.id, person(actingPerson(c.caller, p.by)), p.comment)),
    'exceptions.shelve': (p, c) => guard(() => registry.shelve(p.id, person(actingPerson(c.caller, p.by)), twin.time + Math.round(p.minutes * MINUTE), p.reason)),
    'exceptions.unshelve': (p, c) => guard(() => registry.unshelve(p.id, person(actingPerson(c.caller, p.by)))),
    'exceptions.comment': (p, c) => guard(() => registry.comment(p.id, person(actingPerson(c.caller, p.by)), p.text)),
    'exceptions.outOfService': (p, c) => guard(() => registry.outOfService(p.id, person(actingPerson(c.caller, p.by)), p.reason)),
    'exceptions.returnToService': (p, c) => guard(() => registry.returnToService(p.id, person(actingPerson(c.caller, p.by)))),
    'exceptions.flood': () => registry.flood(),
  };
  const streams: Pick<StreamHandlers, 'exceptions'> = {
    exceptions: (_p, emit) => {
      emit({ list: registry.list(), flood: registry.flood() });
      subs.add(emit);
      return () => subs.delete(emit);
    },
  };

  return {
    get rules() {
      return rules;
    },
    registry,
    methods,
    streams,
    observe(batch) {
      for (const s of batch) if (s.type === 'po.eta') inbound.set(s.po, { po: s.po, component: s.component, qty: s.qty, eta: s.eta });
    },
    inbound: () => [...inbound.values()],
    tick,
    persist,
    scheduleRunner: runner,
    replanFor: (id) => {
      const c = replans.get(id);
      return c ? [c] : [];
    },
    async close() {
      await runner.close();
      clearInterval(persistTimer);
      try {
        tick(true);
        persist();
      } catch (e) {
        log(`decide: final save failed: ${(e as Error).message}`);
      }
      subs.clear();
    },
  };
}
