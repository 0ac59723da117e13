/**
 * Roles enforced by a started core (in process, one memory-transport connection per caller, as
 * the browser host gives each signed-in console its own): the acting person is the caller, never
 * the params' `by`; four eyes compares the two signed-in people; a role the rule set does not allow
 * is answered `forbidden` naming the permission and the refusal is in the audit log; a token is held
 * to its scopes; activating a rule set with a permission table changes what people may do at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import { SYSTEM_CALLER, type Caller, type TokenScope } from '../../../shared/auth/caller';
import { until } from '../../helpers/until';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'takt-roles-'));
let core: TaktCore;
let system: ProtocolClient;

const connect = (caller: Caller) => {
  const [a, b] = memoryTransportPair();
  core.connect(a, caller);
  return new ProtocolClient(b);
};
const as = (personId: string) => connect({ kind: 'person', personId, sessionId: `session-${personId}`, via: 'password' });
const withToken = (...scopes: TokenScope[]) => connect({ kind: 'token', tokenId: `tok-${scopes.join('-')}`, name: `mes ${scopes.join('+') || 'none'}`, scopes });
const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: RemoteError) => e);

beforeAll(async () => {
  core = await startCore({
    dataDir: dir,
    plantFile: join(root, 'test/fixtures/commit/commit-plant.yaml'),
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
  });
  system = connect(SYSTEM_CALLER);
}, 60_000);
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('roles in the core', () => {
  let exceptionId = '';

  it('records the signed-in person, whatever by says', async () => {
    const t = Math.round(core.twin.time);
    await system.call('signals.ingest', { signals: [{ id: 'roles-1', source: 'roles', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    exceptionId = (await until('line-down', async () => (await system.call('exceptions.list')).items.find((e) => e.type === 'line-down'))).id;
    const controller = as('a-controller');
    const r = await controller.call('exceptions.acknowledge', { id: exceptionId, by: 'a-manager', comment: 'seen' });
    expect(r.acknowledged?.by).toBe('a-controller');
    // Without any `by` at all: the session is the person.
    await controller.call('exceptions.comment', { id: exceptionId, text: 'on it' });
    const audit = (await system.call('audit.list', { subjectId: exceptionId })).items;
    expect(audit.map((e) => [e.kind, e.actor, e.role])).toEqual([
      ['exception.acknowledged', 'a-controller', 'controller'],
      ['exception.commented', 'a-controller', 'controller'],
    ]);
  });

  it('answers a role the rule set does not allow with forbidden, naming the permission, and audits it', async () => {
    const operator = as('a-operator');
    const { options } = await operator.call('decide.options', { exceptionId });
    const option = options.find((o) => o.feasible)!;
    // Naming a planner in `by` does not help: the operator is who is signed in.
    const e = await err(operator.call('decisions.commit', { exceptionId, optionId: option.id, by: 'a-planner' }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe("Operator A (operator) may not commit.option: needs a controller, planner, lead or manager (the rule set's permissions.commit.option)");
    const denied = (await system.call('audit.list', { subjectId: exceptionId })).items.filter((x) => x.kind === 'permission.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: 'a-operator', role: 'operator', payload: { method: 'decisions.commit', permission: 'commit.option', caller: 'person a-operator (password)' } });
    expect((await system.call('decisions.list', { exceptionId })).items).toEqual([]);
    expect((await system.call('audit.verify')).ok).toBe(true);
  });

  it('four eyes compares the signed-in people: the committer cannot approve under another name, a second person can', async () => {
    const planner = as('a-planner');
    const otherPlanner = as('b-planner');
    const { options } = await planner.call('decide.options', { exceptionId });
    const reroute = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0)!;
    expect(reroute, 'a reroute that needs a planner to approve').toBeDefined();
    const c = await planner.call('decisions.commit', { exceptionId, optionId: reroute.id, by: 'b-planner' });
    expect(c.decision.committedBy).toBe('a-planner');
    const approval = c.approvals[0]!;
    expect(approval.role).toBe('planner');
    // The committer names the other planner as `by`: still the committer approving their own.
    const own = await err(planner.call('approvals.decide', { id: approval.id, by: 'b-planner', verdict: 'approve', comment: 'looks fine' }));
    expect(own.message).toMatch(/^Planner A committed “.*” and may not also approve it \(four eyes\)/);
    // The other planner, naming the committer as `by`, approves as themself.
    const ok = await otherPlanner.call('approvals.decide', { id: approval.id, by: 'a-planner', verdict: 'approve', comment: 'checked the other line' });
    expect(ok.approval).toMatchObject({ status: 'approved', decidedBy: 'b-planner' });
    expect((await system.call('audit.list', { subjectId: approval.id })).items.map((x) => [x.kind, x.actor])).toEqual([
      ['approval.requested', expect.any(String)],
      ['approval.refused', 'a-planner'],
      ['approval.approved', 'b-planner'],
    ]);
  });

  it('holds a token to its scopes: without ingest it ingests nothing; it acts as no person', async () => {
    const reader = withToken('read');
    const before = core.journal.lastPosition;
    const t = Math.round(core.twin.time);
    const signal = { id: 'roles-2', source: 'roles', seq: 2, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'running' };
    const e = await err(reader.call('signals.ingest', { signals: [signal] }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe("token 'mes read' may not ingest: it needs the 'ingest' scope (it has read); create a token with that scope");
    expect(core.journal.lastPosition).toBe(before);
    expect((await reader.call('core.info')).plant.id).toBe('test-site');
    const feeder = withToken('ingest');
    expect((await feeder.call('signals.ingest', { signals: [signal] })).accepted).toBe(1);
    expect((await err(feeder.call('twin.view'))).message).toMatch(/needs the 'read' scope/);
    const refused = await new Promise<RemoteError>((resolve) => feeder.subscribe('twin.deltas', () => undefined, undefined, resolve));
    expect(refused.code).toBe('forbidden');
    const e2 = await err(withToken('read', 'ingest', 'actions').call('exceptions.acknowledge', { id: exceptionId, by: 'a-lead' }));
    expect(e2.code).toBe('forbidden');
    expect(e2.message).toMatch(/a token acts as no person/);
    const denied = (await system.call('audit.list', { order: 'desc', limit: 20 })).items.filter((x) => x.kind === 'permission.denied');
    expect(denied.map((x) => x.actor)).toContain('token:mes read');
  });

  it('records what an actions token does as the plant person it was made for, never by', async () => {
    const action = await until('an open action with an owner', async () => (await system.call('actions.list', {})).items.find((a) => a.ownerId !== '' && a.status === 'assigned'));
    const unbound = await err(withToken('actions').call('actions.transition', { id: action.id, to: 'acknowledged', by: action.ownerId }));
    expect(unbound.code).toBe('forbidden');
    expect(unbound.message).toMatch(/acts for no plant person.*--person <id>/);
    const scanner = connect({ kind: 'token', tokenId: 'tok-scanner', name: 'scanner', scopes: ['actions'], personId: action.ownerId });
    const r = await scanner.call('actions.transition', { id: action.id, to: 'acknowledged', by: 'a-manager', comment: 'scanned' });
    expect(r.history.at(-1)).toMatchObject({ to: 'acknowledged', by: action.ownerId });
    const stranger = await err(connect({ kind: 'token', tokenId: 'tok-x', name: 'x', scopes: ['actions'], personId: 'nobody' }).call('actions.transition', { id: action.id, to: 'done' }));
    expect(stranger.message).toMatch(/acts for 'nobody', who is not one of the people of plant/);
  });

  it('a rule set with a permission table changes what people may do, at once', async () => {
    const { text } = await system.call('rules.text');
    await system.call('rules.activate', { text: `${text}\npermissions:\n  exceptions.comment: [lead, manager]\n`, by: 'a-manager' });
    const e = await err(as('a-controller').call('exceptions.comment', { id: exceptionId, text: 'again' }));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe("Controller A (controller) may not exceptions.comment: needs a lead or manager (the rule set's permissions.exceptions.comment)");
    expect((await as('a-lead').call('exceptions.comment', { id: exceptionId, text: 'lead here' })).comments?.at(-1)).toMatchObject({ by: 'a-lead' });
    // The in-process host is not a network peer: it passes, and names the person in by.
    await system.call('exceptions.comment', { id: exceptionId, by: 'a-operator', text: 'from the simulator' });
  });
});
