/**
 * Decisions: committing an exception's option or a saved what-if scenario (both through the one
 * receipt writer), listing them, reading one with its approvals, actions, messages and audit
 * trail, and replaying one at the journal position its receipt names.
 *
 *  commit   re-scores the exception's options at the current journal position (same generator as
 *           `decide.options`), refuses an unknown or infeasible option;
 *  scenario checks a saved what-if against the twin now and evaluates it like an option
 *           (shared/commit/scenario-commit.ts);
 *  replay   rebuilds the twin at the receipt's position with the stored rule set and compares the
 *           options it gives with the recorded ones;
 *  review   once the horizon has passed, the receipt against what the journal recorded: projected
 *           order ends against actual ones, and the regret in hindsight (shared/decide/review/).
 */
import { reviewDecision, weeklyDecisionQuality, type ActualKpis, type DecisionQualityReport, type DecisionReview, type ReviewInput } from '../../../../shared/decide/review';
import { createReviewCache } from './review-cache';
import { ProtocolFailure, type MethodHandlers } from '../../../../shared/protocol/server';
import type { MethodResults, SavedScenario } from '../../../../shared/protocol/api';
import { generateOptions, type ExtraCandidate } from '../../../../shared/decide/options';
import { ruleSetSchema } from '../../../../shared/decide/rules-schema';
import type { LoadedRules } from '../../../../shared/decide/rules-parse';
import type { ExceptionRecord } from '../../../../shared/decide/exceptions';
import type { ApprovalRecord, DecisionReceipt } from '../../../../shared/commit/records';
import { evaluateScenarioCommit, scenarioCommitProblems } from '../../../../shared/commit/scenario-commit';
import { reconstructTwin } from '../../persistence/time-travel';
import { savedScenarioDocId } from '../../persistence/store-mirror';
import type { CommitContext } from './context';
import { exceptionLine, mustMayCommit, type WriteReceipt } from './receipts';
import { actingPerson } from '../../../../shared/auth/authorize';

type DecisionMethod = 'decisions.commit' | 'decisions.list' | 'decisions.get' | 'decisions.replay' | 'decisions.review' | 'decisions.reviewWeekly';

export interface DecisionsOptions {
  /** Plant time when the twin started (replays start there). */
  startTime: number;
  /** The saved what-if scenarios (whatIf.save), for committing one as a decision. */
  scenarios?: () => readonly SavedScenario[];
  /** The actual KPIs of lines over a period from the timeline's computation (absent: the review has none). */
  actualKpis?: (lineIds: readonly string[], from: number, to: number) => ActualKpis;
  /** The forecast reviews re-run options with (tests count the runs through it). */
  reviewForecast?: ReviewInput['forecast'];
  /** How late (plant ms) a signal may still arrive behind the newest one: a review is kept only once the journal is that far past the horizon. */
  latenessMs?: number;
}

export function createDecisions(ctx: CommitContext, writeReceipt: WriteReceipt, opts: DecisionsOptions): { methods: Pick<MethodHandlers, DecisionMethod> } {
  const { plant, twin, journal, decide, store } = ctx;

  const commitOption = async (p: { exceptionId: string; optionId: string; by: string; comment?: string; horizonHours?: number; seed?: number }): Promise<MethodResults['decisions.commit']> => {
    const who = ctx.person(p.by);
    const rules = decide.rules;
    await mustMayCommit(ctx, who, rules, p.exceptionId, 'commit.option');
    if (!decide.registry.has(p.exceptionId)) throw new ProtocolFailure('not_found', `no exception with id '${p.exceptionId}' (it may have closed; list them with exceptions.list)`, 'params.exceptionId');
    const mustHaveNoOpenDecision = () => {
      const open = [...store.decisions.values()].find((d) => d.exceptionId === p.exceptionId && d.status === 'pending-approval');
      if (open) throw new ProtocolFailure('conflict', `exception '${p.exceptionId}' already has decision ${open.id} waiting for approval: decide that one first`, 'params.exceptionId');
    };
    mustHaveNoOpenDecision();
    const exception = decide.registry.get(p.exceptionId);
    // Re-score at the current journal position: the twin may have moved since the console asked.
    const view = twin.peek();
    const horizonHours = p.horizonHours ?? 24;
    const seed = p.seed ?? 1;
    const inbound = decide.inbound();
    // The re-plan last offered for the exception is re-scored with the others at this position.
    const replan = decide.replanFor(exception.id);
    const options = generateOptions({ plant, rules, twinState: view, exception, horizonHours, seed, inbound, extraCandidates: replan });
    const chosen = options.find((o) => o.id === p.optionId);
    if (!chosen) throw new ProtocolFailure('not_found', `exception '${p.exceptionId}' has no option '${p.optionId}' at journal position ${view.position} (options now: ${options.map((o) => o.id).join(', ')}); ask decide.options again`, 'params.optionId');
    if (!chosen.feasible) throw new ProtocolFailure('conflict', `option '${chosen.id}' (${chosen.title}) is infeasible: ${chosen.violations.map((v) => v.detail).join('; ')}`, 'params.optionId');
    return writeReceipt({
      who,
      rules,
      view,
      options,
      chosen,
      horizonHours,
      seed,
      comment: p.comment,
      recheck: mustHaveNoOpenDecision,
      subject: () => ({
        exceptionId: exception.id,
        exceptionTitle: exception.title,
        lineId: exceptionLine(exception),
        replayInput: { exception: JSON.parse(JSON.stringify(exception)) as Record<string, unknown>, inbound, ...(replan.length ? { replan: JSON.parse(JSON.stringify(replan)) as Record<string, unknown>[] } : {}) },
      }),
      auditPayload: (receiptHash, approvals) => ({ exceptionId: exception.id, optionId: chosen.id, receiptHash, approvals }),
    });
  };

  const commitScenario = async (p: { scenarioId: string; by: string; comment?: string; exceptionId?: string }): Promise<MethodResults['decisions.commit']> => {
    const who = ctx.person(p.by);
    const rules = decide.rules;
    await mustMayCommit(ctx, who, rules, p.exceptionId ?? p.scenarioId, 'commit.scenario');
    const all = opts.scenarios?.() ?? [];
    const saved = all.find((s) => s.name === p.scenarioId) ?? all.find((s) => savedScenarioDocId(s.name) === p.scenarioId);
    if (!saved) throw new ProtocolFailure('not_found', `no saved scenario named '${p.scenarioId}' (saved: ${all.map((s) => `'${s.name}'`).join(', ') || 'none'}); save it with whatIf.save first`, 'params.scenarioId');
    const name = saved.name;
    const storeId = savedScenarioDocId(name);
    const exception = p.exceptionId !== undefined ? (decide.registry.has(p.exceptionId) ? decide.registry.get(p.exceptionId) : null) : undefined;
    if (exception === null) throw new ProtocolFailure('not_found', `no exception with id '${p.exceptionId}' (it may have closed; list them with exceptions.list)`, 'params.exceptionId');
    const mustHaveNoOpenDecision = () => {
      const open = [...store.decisions.values()].find((d) => d.status === 'pending-approval' && (d.replayInput?.scenario?.name === name || (exception && d.exceptionId === exception.id)));
      if (open) throw new ProtocolFailure('conflict', `${open.replayInput?.scenario?.name === name ? `scenario '${name}'` : `exception '${exception!.id}'`} already has decision ${open.id} waiting for approval: decide that one first`, 'params.scenarioId');
    };
    mustHaveNoOpenDecision();
    const view = twin.peek();
    const savedAtPosition = (await store.db.scenarios.findOne(storeId).exec())?.journalPosition;
    if (savedAtPosition !== undefined && savedAtPosition > view.position) {
      throw new ProtocolFailure('conflict', `scenario '${name}' was saved at journal position ${savedAtPosition}, past this twin's position ${view.position}: the journal it was based on is not this one (a data folder restored from an older copy?); open it, check it and save it again`, 'params.scenarioId');
    }
    const problems = scenarioCommitProblems(plant, view, saved.scenario);
    if (problems.length) {
      const code = saved.scenario.moves.length === 0 ? 'bad_params' : 'conflict';
      throw new ProtocolFailure(code, `scenario '${name}' (saved ${savedAtPosition !== undefined ? `at journal position ${savedAtPosition}` : 'before the store saw it'}) cannot be committed at journal position ${view.position}: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`, `params.scenarioId`);
    }
    const inbound = decide.inbound();
    const ev = evaluateScenarioCommit({ plant, rules, view, scenario: saved.scenario, inbound });
    const chosen = ev.chosen;
    if (!chosen.feasible) throw new ProtocolFailure('conflict', `scenario '${name}' is infeasible at journal position ${view.position}: ${chosen.violations.map((v) => v.detail).join('; ')}`, 'params.scenarioId');
    const json = <T>(v: T) => JSON.parse(JSON.stringify(v)) as T;
    return writeReceipt({
      who,
      rules,
      view,
      options: ev.options,
      chosen,
      horizonHours: ev.horizonHours,
      seed: ev.seed,
      comment: p.comment,
      recheck: mustHaveNoOpenDecision,
      subject: () => {
        const firstLine = saved.scenario.moves.map((m) => (m.type === 'sequence' ? (view.orders.find((o) => o.id === m.order)?.lineId ?? '') : m.line)).find(Boolean) ?? '';
        return {
          exceptionId: exception?.id ?? '',
          exceptionTitle: exception?.title ?? `What-if scenario “${name}”`,
          lineId: exception ? exceptionLine(exception) || firstLine : firstLine,
          replayInput: {
            exception: exception ? (json(exception) as unknown as Record<string, unknown>) : {},
            inbound,
            scenario: { name, storeId, savedAt: Math.floor(saved.savedAt), ...(saved.by ? { savedBy: saved.by } : {}), ...(savedAtPosition !== undefined ? { savedAtPosition } : {}), scenario: json(saved.scenario), comparison: ev.comparison },
          },
        };
      },
      // The stored what-if is now a committed one (a later whatIf.save makes it a draft again).
      afterStore: async () => {
        const doc = await store.db.scenarios.findOne(storeId).exec();
        if (doc) await doc.incrementalPatch({ status: 'committed' });
      },
      auditPayload: (receiptHash, approvals) => ({ scenario: name, ...(exception ? { exceptionId: exception.id } : {}), optionId: chosen.id, receiptHash, approvals }),
    });
  };

  const replay = async (id: string): Promise<MethodResults['decisions.replay']> => {
    const d = ctx.mustGet(store.decisions, id, 'decision');
    const doc = await store.ruleSet(d.ruleSetHash.slice(0, 40));
    if (!doc) throw new ProtocolFailure('conflict', `rule set ${d.ruleSetVersion} (hash ${d.ruleSetHash}) of decision ${id} is not in the store`, 'params.id');
    const rules: LoadedRules = { rules: ruleSetSchema.parse(doc.rules), version: doc.version, hash: doc.hash, file: `(stored rule set ${doc.id})` };
    if (d.journalPosition > journal.lastPosition) throw new ProtocolFailure('conflict', `decision ${id} was made at journal position ${d.journalPosition}, past the journal's end ${journal.lastPosition}`, 'params.id');
    const past = reconstructTwin(plant, journal, opts.startTime, { untilPosition: d.journalPosition }).twin;
    if (d.forkAt > past.time) past.advanceTo(d.forkAt);
    const input = d.replayInput ?? { exception: {}, inbound: [] };
    // A scenario decision is re-simulated from its scenario as committed; an option decision re-generates the options.
    const options = input.scenario
      ? evaluateScenarioCommit({ plant, rules, view: past.view(), scenario: input.scenario.scenario, inbound: input.inbound }).options
      : generateOptions({ plant, rules, twinState: past.view(), exception: input.exception as unknown as ExceptionRecord, horizonHours: d.horizonHours, seed: d.seed, inbound: input.inbound, extraCandidates: (input.replan ?? []) as unknown as ExtraCandidate[] });
    const brief = (o: { id: string; rank: number | null; score: number | null }) => ({ id: o.id, rank: o.rank, score: o.score });
    const recorded = d.options.map(brief);
    const replayed = options.map(brief);
    const differences: string[] = [];
    const rById = new Map(replayed.map((o) => [o.id, o]));
    for (const r of recorded) {
      const x = rById.get(r.id);
      if (!x) differences.push(`option ${r.id} (rank ${r.rank}) is missing from the replay`);
      else if (x.rank !== r.rank || !sameScore(x.score, r.score)) differences.push(`option ${r.id}: recorded rank ${r.rank} score ${r.score}, replayed rank ${x.rank} score ${x.score}`);
    }
    for (const x of replayed) if (!recorded.some((r) => r.id === x.id)) differences.push(`option ${x.id} (rank ${x.rank}) appears only in the replay`);
    return { id, same: differences.length === 0, recorded, replayed, differences };
  };

  // A review reads only what happened up to the end of the horizon: made once, kept (./review-cache.ts).
  const reviews = createReviewCache<DecisionReview>();
  /** The decision judged against what the journal recorded once its horizon has passed (shared/decide/review/). */
  const review = async (id: string): Promise<MethodResults['decisions.review']> => {
    const d = ctx.mustGet(store.decisions, id, 'decision');
    const until = d.forkAt + d.horizonHours * 3_600_000;
    if (until > twin.time) throw new ProtocolFailure('conflict', `decision ${id}'s horizon ends ${new Date(until).toISOString()}, after the plant's present ${new Date(twin.time).toISOString()}: review it once the horizon has passed`, 'params.id');
    // Kept only once the journal has recorded past the horizon (by the lateness window): until then
    // a signal from inside the horizon may still arrive, and the review is made afresh each time.
    const settled = journal.maxEventTime > until + (opts.latenessMs ?? 0);
    return settled ? reviews.get(`${id}:${d.ruleSetHash}`, () => judge(d, until)) : judge(d, until);
  };
  const judge = async (d: DecisionReceipt, until: number): Promise<DecisionReview> => {
    const id = d.id;
    const input = d.replayInput ?? { exception: {}, inbound: [] };
    const doc = await store.ruleSet(d.ruleSetHash.slice(0, 40));
    if (!doc) throw new ProtocolFailure('conflict', `rule set ${d.ruleSetVersion} (hash ${d.ruleSetHash}) of decision ${id} is not in the store`, 'params.id');
    const rules = ruleSetSchema.parse(doc.rules);
    const past = reconstructTwin(plant, journal, opts.startTime, { untilPosition: d.journalPosition }).twin;
    if (d.forkAt > past.time) past.advanceTo(d.forkAt);
    const end = reconstructTwin(plant, journal, opts.startTime, { untilTime: until }).twin;
    const signals = [...journal.readFrom(d.journalPosition + 1, { untilTime: until })].map((r) => r.signal);
    const raisedAt = (input.exception as { raisedAt?: unknown }).raisedAt;
    const actual = opts.actualKpis?.([d.lineId], d.forkAt, until);
    return reviewDecision({ plant, rules, receipt: { ...d, replayInput: input }, forkView: past.peek(), endView: end.peek(), signals, ...(typeof raisedAt === 'number' ? { raisedAt } : {}), ...(actual ? { actual } : {}), ...(opts.reviewForecast ? { forecast: opts.reviewForecast } : {}) });
  };

  /**
   * Every committed decision whose horizon has passed, reviewed and rolled up per week. A decision
   * that cannot be reviewed (its rule set missing) is listed with the reason
   * rather than failing the roll-up.
   */
  const reviewWeekly = async (limit: number): Promise<DecisionQualityReport> => {
    const committed = [...store.decisions.values()].filter((d) => d.status === 'dispatched' || d.status === 'closed').sort((a, b) => b.seq - a.seq).slice(0, limit);
    const reviews: DecisionReview[] = [];
    const skipped: { id: string; reason: string }[] = [];
    let pending = 0;
    for (const d of committed) {
      if (d.forkAt + d.horizonHours * 3_600_000 > twin.time) {
        pending++;
        continue;
      }
      try {
        reviews.push(await review(d.id));
      } catch (e) {
        skipped.push({ id: d.id, reason: (e as Error).message });
      }
    }
    return { weeks: weeklyDecisionQuality(reviews, plant.site.timezone), reviewed: reviews.length, pending, skipped };
  };

  const methods: Pick<MethodHandlers, DecisionMethod> = {
    'decisions.commit': (p, c) => {
      // Who commits is the signed-in person, never the params' `by` (shared/auth/authorize.ts).
      const by = actingPerson(c.caller, p.by);
      return p.kind === 'scenario' ? commitScenario({ ...p, by }) : commitOption({ ...p, by });
    },
    'decisions.list': (p) => {
      let items = [...store.decisions.values()];
      if (p?.statuses) items = items.filter((d) => p.statuses!.includes(d.status));
      if (p?.exceptionId) items = items.filter((d) => d.exceptionId === p.exceptionId);
      return { items: items.sort((a, b) => b.seq - a.seq).slice(0, p?.limit ?? 200) };
    },
    'decisions.get': async (p) => {
      const decision = ctx.mustGet(store.decisions, p.id, 'decision');
      const ofIt = <T extends { decisionId: string }>(m: Map<string, T>) => [...m.values()].filter((x) => x.decisionId === p.id);
      const approvals = decision.approvalIds.map((id) => store.approvals.get(id)).filter((a): a is ApprovalRecord => a !== undefined);
      const actions = ofIt(store.actions).sort((a, b) => a.dueAt - b.dueAt);
      const outbox = ofIt(store.outbox).sort((a, b) => a.id.localeCompare(b.id));
      const subjects = new Set([decision.id, ...approvals.map((a) => a.id), ...actions.map((a) => a.id), ...outbox.map((m) => m.id)]);
      const auditItems = (await Promise.all([...subjects].map((s) => store.auditList(1000, 0, s)))).flatMap((r) => r.items);
      return { decision, approvals, actions, outbox, audit: auditItems.sort((a, b) => a.seq - b.seq) };
    },
    'decisions.replay': (p) => replay(p.id),
    'decisions.review': (p) => review(p.id),
    'decisions.reviewWeekly': (p) => reviewWeekly(p?.limit ?? 200),
  };
  return { methods };
}

const sameScore = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
