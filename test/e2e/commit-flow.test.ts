/**
 * Commit, dispatch and track end to end over the protocol (no browser), on the commit fixture
 * plant (every role on three shifts) with a rule that makes a reroute need the planner:
 * a line goes down → exception → decide.options → decisions.commit by a controller → a planner
 * approves (a QA person may not) → the reroute is journaled and the twin's order moves → actions
 * appear for the owners on shift → a person does line clearance and the communication; MES signals
 * verify kitting, QA release, changeover readiness and the maintenance window → every action is
 * verified, the outbox wrote the ERP/MES messages to the file target and they were acked → the
 * decision is closed; the `records` stream saw it happen; `decisions.replay` gives the same
 * ranking; the audit chain verifies. Then the core stops, one receipt row is changed in SQLite,
 * `takt audit verify` exits non-zero naming it, and a restarted core's `audit.verify` fails too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import { signalMaker } from './signals';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { RecordChange } from '../../shared/commit/records';
import { shiftAt } from '../../shared/twin/schedule';
import { failure, until } from '../helpers/until';

const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
const dataDir = mkdtempSync(join(tmpdir(), 'takt-commit-flow-'));
let bm: BrowserMode;
let sign: SignedIn;
let client: ProtocolClient & { close(): void };
const changes: RecordChange[] = [];

const start = async () => {
  bm = await startBrowserMode({ port: 0, dataDir, plantFile, rulesFile, simulator: false, speed: 60, quiet: true, auth: TEST_AUTH });
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
};

beforeAll(async () => {
  ensureRendererBuilt();
  await start();
  client.subscribe('records', (c) => changes.push(c));
}, 60_000);

afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await bm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('commit flow: line down to closed decision', () => {
  let decisionId = '';
  let downLine = '';
  let downMachine = '';
  let movedOrder = '';
  let toLine = '';

  it('goes from a line-down through commit, approval, dispatch, verification and write-back to a closed decision', { timeout: 120_000 }, async () => {
    const plant = await client.call('plant.get');
    const view = await client.call('twin.view');
    const line = view.lines.find((l) => l.queue.length > 0 || l.currentOrderId)!;
    expect(line, 'a line with work').toBeTruthy();
    downLine = line.id;
    downMachine = view.machines.find((m) => m.lineId === downLine)!.id;
    const sm = await signalMaker(client, 'e2e-commit');
    await sm.send([sm.make('machine.state', { machine: downMachine, state: 'down', reason: 'e2e: filler drive fault' })]);
    const exception = await until('the line-down exception', async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === downLine));

    const { options } = await client.call('decide.options', { exceptionId: exception.id });
    const chosen = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0);
    expect(chosen, `a feasible reroute that needs an approval among ${options.map((o) => `${o.id}:${o.feasible}`).join(', ')}`).toBeTruthy();
    const reroute = chosen!.moves.find((m) => m.kind === 'reroute')!;
    if (reroute.kind !== 'reroute') throw new Error('not a reroute');
    movedOrder = reroute.orderId;
    toLine = reroute.toLine;

    // Refusals name what is wrong.
    // A role the rule set does not let commit, and a signed-in id that is none of the plant's people: forbidden, naming the permission.
    const byOperator = await failure((await sign.as('a-operator')).call('decisions.commit', { exceptionId: exception.id, optionId: chosen!.id, by: 'a-controller' }));
    expect(byOperator.code).toBe('forbidden');
    expect(byOperator.message).toMatch(/\(operator\) may not commit\.option: needs a controller, planner, lead or manager/);
    expect((await failure((await sign.as('nobody')).call('decisions.commit', { exceptionId: exception.id, optionId: chosen!.id, by: 'nobody' }))).message).toMatch(/'nobody' is signed in but is not one of the people of plant/);
    expect((await failure((await sign.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: 'no-such-option', by: 'a-controller' }))).code).toBe('not_found');
    expect((await failure((await sign.as('a-controller')).call('decisions.commit', { exceptionId: 'ex-nope', optionId: chosen!.id, by: 'a-controller' }))).code).toBe('not_found');
    const infeasible = options.find((o) => !o.feasible);
    if (infeasible) expect((await failure((await sign.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: infeasible.id, by: 'a-controller' }))).message).toMatch(/infeasible/);

    const committed = await (await sign.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: chosen!.id, by: 'a-controller', comment: 'reroute while the filler is repaired' });
    decisionId = committed.decision.id;
    expect(committed.decision).toMatchObject({ status: 'pending-approval', committedBy: 'a-controller', committedRole: 'controller', chosenOptionId: chosen!.id, exceptionId: exception.id, ruleSetVersion: 'commit-test-1', plantVersion: 'test-site@1' });
    expect(committed.decision.journalPosition).toBeGreaterThan(0);
    expect(committed.decision.options.length).toBe(options.length);
    expect(committed.approvals.map((a) => a.role)).toEqual(['planner']);
    expect(committed.actions).toEqual([]);
    // One open decision per exception.
    expect((await failure((await sign.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: chosen!.id, by: 'a-controller' }))).code).toBe('conflict');

    const approval = committed.approvals[0]!;
    const wrong = await failure((await sign.as('a-qa')).call('approvals.decide', { id: approval.id, by: 'a-qa', verdict: 'approve', comment: 'ok' }));
    expect(wrong.code).toBe('bad_params');
    expect(wrong.message).toMatch(/needs a planner/);
    expect((await failure((await sign.as('a-planner')).call('approvals.decide', { id: 'nope', by: 'a-planner', verdict: 'approve', comment: 'ok' }))).code).toBe('not_found');
    const decided = await (await sign.as('b-planner')).call('approvals.decide', { id: approval.id, by: 'b-planner', verdict: 'approve', comment: 'customer informed' });
    expect(decided.approval).toMatchObject({ status: 'approved', decidedBy: 'b-planner' });
    expect(decided.decision.status).toBe('dispatched');
    expect((await failure((await sign.as('a-planner')).call('approvals.decide', { id: approval.id, by: 'a-planner', verdict: 'reject', comment: 'too late' }))).code).toBe('conflict');

    // The plan change went through the journal: the twin has the order on its new line.
    await until('the rerouted order in the twin', async () => (await client.call('twin.view')).orders.find((o) => o.id === movedOrder && o.lineId === toLine));

    const { items: actions } = await client.call('actions.list', { decisionId });
    expect(actions.map((a) => a.kind).sort()).toEqual(['changeover-readiness', 'kitting', 'line-clearance', 'maintenance-window', 'qa-release', 'schedule-communication']);
    const dispatchedAt = actions[0]!.createdAt;
    const crew = plant.crews.find((c) => c.id === shiftAt(plant, dispatchedAt)!.crew)!;
    for (const a of actions) {
      const owner = crew.members.find((m) => m.role === a.role)!;
      expect(a, `${a.kind} owner`).toMatchObject({ ownerId: owner.id, ownerName: owner.name, status: 'assigned' });
      expect(a.dueAt).toBeGreaterThan(a.createdAt);
    }
    const byKind = Object.fromEntries(actions.map((a) => [a.kind, a]));
    expect(byKind['qa-release']!.dependsOn).toEqual([byKind['line-clearance']!.id]);
    expect(byKind['kitting']).toMatchObject({ orderId: movedOrder, lineId: toLine });
    expect(byKind['maintenance-window']!.lineId).toBe(downLine);
    const inbox = await client.call('actions.list', { ownerId: byKind['kitting']!.ownerId });
    expect(inbox.items.map((a) => a.id)).toContain(byKind['kitting']!.id);

    // Readiness gate: the moved order may not start before kitting, QA release and changeover readiness.
    const gate = (await client.call('dispatch.gates', { lineId: toLine })).items.find((g) => g.orderId === movedOrder)!;
    expect(gate.ready).toBe(false);
    expect(gate.pending.map((p) => p.kind).sort()).toEqual(['changeover-readiness', 'kitting', 'qa-release']);

    // People move their actions; the machine refuses what is out of order, naming the state and why.
    const qa = byKind['qa-release']!;
    const clearance = byKind['line-clearance']!;
    let e = await failure((await sign.as(qa.ownerId)).call('actions.transition', { id: qa.id, by: qa.ownerId, to: 'done' }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/is 'assigned'/);
    await (await sign.as(qa.ownerId)).call('actions.transition', { id: qa.id, by: qa.ownerId, to: 'acknowledged' });
    e = await failure((await sign.as(qa.ownerId)).call('actions.transition', { id: qa.id, by: qa.ownerId, to: 'in-progress' }));
    expect(e.message).toContain(clearance.id);
    expect((await failure((await sign.as('a-warehouse')).call('actions.transition', { id: clearance.id, by: 'a-warehouse', to: 'acknowledged' }))).code).toBe('bad_params');
    expect((await failure((await sign.as(clearance.ownerId)).call('actions.transition', { id: clearance.id, by: clearance.ownerId, to: 'blocked' }))).message).toMatch(/reason/);
    await (await sign.as(clearance.ownerId)).call('actions.transition', { id: clearance.id, by: clearance.ownerId, to: 'blocked', comment: 'labels of the last run still on the line' });
    await (await sign.as(clearance.ownerId)).call('actions.transition', { id: clearance.id, by: clearance.ownerId, to: 'in-progress' });
    await (await sign.as(clearance.ownerId)).call('actions.transition', { id: clearance.id, by: clearance.ownerId, to: 'done' });
    // Verification is by someone other than the doer (the rule set's default): the doer is refused.
    const colleague = (doer: string, role: string) => plant.crews.flatMap((c) => c.members).find((m) => m.role === role && m.id !== doer)!.id;
    expect((await failure((await sign.as(clearance.ownerId)).call('actions.transition', { id: clearance.id, by: clearance.ownerId, to: 'verified' }))).message).toMatch(/may not also verify it/);
    const cleared = await (await sign.as(colleague(clearance.ownerId, 'qa'))).call('actions.transition', { id: clearance.id, by: colleague(clearance.ownerId, 'qa'), to: 'verified', comment: 'checked by QA' });
    expect(cleared.history.map((h) => h.to)).toEqual(['created', 'assigned', 'blocked', 'in-progress', 'done', 'verified']);
    const comms = byKind['schedule-communication']!;
    for (const to of ['acknowledged', 'done'] as const) await (await sign.as(comms.ownerId)).call('actions.transition', { id: comms.id, by: comms.ownerId, to });
    await (await sign.as(colleague(comms.ownerId, comms.role))).call('actions.transition', { id: comms.id, by: colleague(comms.ownerId, comms.role), to: 'verified' });

    // MES signals verify the rest.
    await sm.sync();
    const toMachine = plant.areas.flatMap((a) => a.lines).find((l) => l.id === toLine)!.machines[0]!.id;
    const sku = (await client.call('twin.view')).orders.find((o) => o.id === movedOrder)!.sku;
    const component = plant.products.find((p) => p.sku === sku)!.bom[0]!.component;
    await sm.send([
      sm.make('inventory.issue', { component, location: 'WH', qty: 10, orderId: movedOrder, line: toLine }),
      sm.make('quality.hold', { holdId: 'e2e-clearance-hold', line: toLine, reason: 'line clearance before the rerouted run' }),
    ]);
    await sm.send([sm.make('quality.release', { holdId: 'e2e-clearance-hold' })]);
    await sm.send([sm.make('machine.state', { machine: toMachine, state: 'changeover' })]);
    await sm.send([sm.make('machine.state', { machine: toMachine, state: 'running' })]);
    await sm.send([sm.make('machine.state', { machine: downMachine, state: 'running', reason: 'repaired' })]);
    const verified = await until('every action verified', async () => {
      const { items } = await client.call('actions.list', { decisionId });
      return items.every((a) => a.status === 'verified') && items;
    });
    for (const kind of ['kitting', 'qa-release', 'changeover-readiness', 'maintenance-window']) {
      const a = verified.find((x) => x.kind === kind)!;
      expect(a.history.at(-1)!.by, kind).toMatch(/^signal:e2e-commit-/);
    }
    expect((await client.call('dispatch.gates', { lineId: toLine })).items.find((g) => g.orderId === movedOrder)!.ready).toBe(true);

    // Write-back: the file target has each message once, acked in the outbox; then the decision closes.
    const closed = await until('the decision closed', async () => {
      const d = await client.call('decisions.get', { id: decisionId });
      return d.decision.status === 'closed' && d;
    });
    expect(closed.outbox.length).toBeGreaterThanOrEqual(2);
    expect(closed.outbox.every((m) => m.status === 'acked' && m.attempts === 1)).toBe(true);
    const written = ['erp', 'mes'].flatMap((t) => {
      const f = join(dataDir, 'writeback', `${t}.ndjson`);
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { idempotencyKey: string; decisionId: string; payload: Record<string, unknown> }) : [];
    });
    expect(written.map((w) => w.idempotencyKey).sort()).toEqual(closed.outbox.map((m) => m.idempotencyKey).sort());
    expect(written.find((w) => w.payload['orderId'] === movedOrder)?.payload).toMatchObject({ toLine });
    // The timeline of the decision: commit, approval, dispatch, every transition, acks, closing.
    const kinds = closed.audit.map((a) => a.kind);
    for (const k of ['decision.committed', 'approval.requested', 'approval.approved', 'decision.dispatched', 'action.acknowledged', 'action.blocked', 'action.verified', 'outbox.acked', 'decision.closed']) expect(kinds, k).toContain(k);
    expect(kinds.at(-1)).toBe('decision.closed');

    // The records stream carried the changes as they happened.
    await until('stream changes', async () => changes.some((c) => c.collection === 'decisions' && c.doc.id === decisionId && c.doc.status === 'closed'));
    expect(new Set(changes.map((c) => c.collection))).toEqual(new Set(['decisions', 'approvals', 'actions', 'outbox', 'audit']));

    // Replaying the decision from its journal position with its rule set gives the same ranking.
    const replay = await client.call('decisions.replay', { id: decisionId });
    expect(replay.differences).toEqual([]);
    expect(replay.same).toBe(true);
    expect(replay.replayed.length).toBe(options.length);

    // The execution timeline shows the decision (linked to its exception) and its actions, done.
    const now = Math.floor((await client.call('core.info')).clock.now);
    const tl = await client.call('timeline.get', { from: now - 24 * 3_600_000, to: now + 7 * 24 * 3_600_000 });
    expect(tl.markersError).toBeUndefined();
    const decisionMarker = tl.markers.find((m) => m.kind === 'decision' && m.id === decisionId);
    expect(decisionMarker).toMatchObject({ exceptionId: exception.id, status: 'closed' });
    const actionMarkers = tl.markers.filter((m) => m.kind === 'action' && m.decisionId === decisionId);
    expect(actionMarkers.map((m) => m.id).sort()).toEqual(verified.map((a) => a.id).sort());
    expect(actionMarkers.every((m) => m.kind === 'action' && m.state === 'done' && m.doneAt !== null)).toBe(true);

    const check = await client.call('audit.verify');
    expect(check).toMatchObject({ ok: true, decisions: 1 });
    expect(check.auditEntries).toBe((await client.call('audit.list', { limit: 1 })).total);
  });

  it('detects a tampered receipt: takt audit verify exits non-zero, and so does audit.verify after a restart', { timeout: 60_000 }, async () => {
    client.close();
    await bm.close();
    const ok = spawnSync(process.execPath, ['bin/takt.mjs', 'audit', 'verify', '--data', dataDir], { cwd: repoRoot, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok/);

    const db = new Database(join(dataDir, 'store', 'takt.sqlite'));
    const rows = db.prepare("SELECT coll, id, data FROM docs WHERE id = ?").all(decisionId) as { coll: string; id: string; data: string }[];
    expect(rows.length).toBe(1);
    const doc = JSON.parse(rows[0]!.data) as Record<string, unknown>;
    doc['committedBy'] = 'b-controller';
    db.prepare('UPDATE docs SET data = ? WHERE coll = ? AND id = ?').run(JSON.stringify(doc), rows[0]!.coll, decisionId);
    db.close();

    const bad = spawnSync(process.execPath, ['bin/takt.mjs', 'audit', 'verify', '--data', dataDir], { cwd: repoRoot, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toContain(decisionId);

    await start();
    const check = await client.call('audit.verify');
    expect(check.ok).toBe(false);
    expect(check.firstBad).toMatchObject({ chain: 'decisions', seq: 0, id: decisionId });
    expect(check.firstBad!.reason).toMatch(/changed/);
  });
});
