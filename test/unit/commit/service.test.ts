/**
 * The commit service (main/core/services/commit/) inside a started core (in process, memory transport): the paths the
 * end-to-end flow does not take — a rejected approval (nothing dispatched), list filters, the
 * `records` stream's collection filter, reassigning an action (role checked), an outbox message
 * that fails until it is 'failed' and is retried by a person, and the file write-back target's
 * idempotency (a re-send is acknowledged without appending twice, also after a restart).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { createFileWriteBackTarget } from '../../../main/core/services/commit/outbox-file-target';
import { ProtocolClient, RemoteError } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import type { RecordChange } from '../../../shared/commit/records';
import { until } from '../../helpers/until';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'takt-commit-svc-'));
let core: TaktCore;
let client: ProtocolClient;
let failing = true;
/** Sends answered with an acknowledgement the store refuses (a fractional time), then good ones. */
let badAcks = 0;

beforeAll(async () => {
  core = await startCore({
    dataDir: dir,
    plantFile: join(root, 'test/fixtures/commit/commit-plant.yaml'),
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
    outboxRetry: { baseMs: 20, capMs: 50, maxAttempts: 3, seed: 3 },
  });
  const [a, b] = memoryTransportPair();
  core.connect(a, SYSTEM_CALLER);
  client = new ProtocolClient(b);
  core.commit.registerWriteBack({
    id: 'mes-gateway',
    serves: ['mes'],
    async send() {
      if (failing) throw new Error('MES gateway refused: 503');
      if (badAcks > 0) {
        badAcks--;
        return { ackedAt: Date.now() + 0.5, reference: 'MES-OK' };
      }
      return { ackedAt: Date.now(), reference: 'MES-OK' };
    },
  });
}, 60_000);
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: RemoteError) => e);

describe('commit service in the core', () => {
  let exceptionId = '';
  const changes: RecordChange[] = [];

  it('a rejected approval rejects the decision and dispatches nothing; the committer cannot approve their own decision', async () => {
    client.subscribe('records', (c) => changes.push(c), { collections: ['approvals'] });
    const t = Math.round(core.twin.time);
    await client.call('signals.ingest', { signals: [{ id: 'svc-1', source: 'svc', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    exceptionId = (await until('line-down', async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down'))).id;
    const { options } = await client.call('decide.options', { exceptionId });
    const reroute = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0)!;
    const c = await client.call('decisions.commit', { exceptionId, optionId: reroute.id, by: 'a-planner' });
    // Four eyes, in words people read: names, not ids; the refusal is audited.
    const own = (await err(client.call('approvals.decide', { id: c.approvals[0]!.id, by: 'a-planner', verdict: 'approve', comment: 'mine' }))).message;
    expect(own).toMatch(/committed “.*” and may not also approve it \(four eyes\): .+ can$/);
    expect(own).not.toMatch(/\b[a-c]-planner\b|-p1\b/);
    expect((await client.call('audit.list', { subjectId: c.approvals[0]!.id })).items.map((e) => e.kind)).toEqual(['approval.requested', 'approval.refused']);
    // Acknowledging the exception is audited with who, and the state it moved from and to.
    await client.call('exceptions.acknowledge', { id: exceptionId, by: 'a-controller', comment: 'seen' });
    expect((await client.call('audit.list', { subjectId: exceptionId })).items.map((e) => [e.kind, e.actor, e.payload['from'], e.payload['to']])).toEqual([['exception.acknowledged', 'a-controller', 'active-unacknowledged', 'active-acknowledged']]);
    await err(client.call('exceptions.acknowledge', { id: exceptionId, by: 'a-controller' }));
    expect((await client.call('audit.list', { subjectId: exceptionId })).items.map((e) => e.kind)).toEqual(['exception.acknowledged', 'exception.refused']);
    const r = await client.call('approvals.decide', { id: c.approvals[0]!.id, by: 'b-planner', verdict: 'reject', comment: 'the customer cannot take it' });
    expect(r.decision.status).toBe('rejected');
    expect(r.approval).toMatchObject({ status: 'rejected', decidedBy: 'b-planner', comment: 'the customer cannot take it' });
    expect((await client.call('actions.list', { decisionId: c.decision.id })).items).toEqual([]);
    expect((await client.call('outbox.list', { decisionId: c.decision.id })).items).toEqual([]);
    expect((await client.call('decisions.list', { statuses: ['rejected'] })).items.map((d) => d.id)).toEqual([c.decision.id]);
    expect((await client.call('approvals.list', { role: 'planner', statuses: ['rejected'] })).items.map((a) => a.id)).toEqual([c.approvals[0]!.id]);
    expect((await client.call('approvals.list', { role: 'qa' })).items).toEqual([]);
    await until('stream items', async () => changes.length >= 2);
    expect(new Set(changes.map((x) => x.collection))).toEqual(new Set(['approvals']));
  });

  it('refuses a concurrent second commit, reassigns an action only to a person of its role, retries a failed write-back, records a gate violation', async () => {
    const { options } = await client.call('decide.options', { exceptionId });
    const reroute = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0)!;
    // Two consoles commit at the same moment: one receipt, the other is told about it.
    const both = await Promise.allSettled([0, 1].map(() => client.call('decisions.commit', { exceptionId, optionId: reroute.id, by: 'a-controller' })));
    expect(both.map((b) => b.status).sort()).toEqual(['fulfilled', 'rejected']);
    const c = (both.find((b) => b.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof client.call<'decisions.commit'>>>>).value;
    expect(((both.find((b) => b.status === 'rejected') as PromiseRejectedResult).reason as RemoteError).message).toMatch(/already has decision .* waiting for approval/);
    await client.call('approvals.decide', { id: c.approvals[0]!.id, by: 'c-planner', verdict: 'approve', comment: 'ok' });
    const kit = (await client.call('actions.list', { decisionId: c.decision.id })).items.find((a) => a.kind === 'kitting')!;
    const wrong = await err(client.call('actions.transition', { id: kit.id, by: 'a-lead', to: 'assigned', ownerId: 'a-qa' }));
    expect(wrong.message).toMatch(/needs a warehouse/);
    expect((await err(client.call('actions.transition', { id: kit.id, by: 'a-lead', to: 'assigned' }))).message).toMatch(/needs 'ownerId'/);
    const other = kit.ownerId === 'c-warehouse' ? 'a-warehouse' : 'c-warehouse';
    const moved = await client.call('actions.transition', { id: kit.id, by: 'a-lead', to: 'assigned', ownerId: other, comment: 'covering' });
    expect(moved).toMatchObject({ ownerId: other, status: 'assigned' });
    expect(moved.history.at(-1)).toMatchObject({ by: 'a-lead', role: 'lead', to: 'assigned' });
    expect((await client.call('actions.list', { lineId: kit.lineId, statuses: ['assigned'] })).items.map((a) => a.id)).toContain(kit.id);
    expect((await err(client.call('actions.get', { id: 'nope' }))).code).toBe('not_found');
    expect((await err(client.call('decisions.replay', { id: 'nope' }))).code).toBe('not_found');
    expect((await client.call('decisions.replay', { id: c.decision.id })).same).toBe(true);

    // Verification by a person is by someone other than the doer (the rule set's default).
    const plant = await client.call('plant.get');
    const byRole = (role: string, not = '') => plant.crews.flatMap((x) => x.members).find((m) => m.role === role && m.id !== not)!.id;
    const checked = (await client.call('actions.list', { decisionId: c.decision.id })).items.find((a) => a.verification.by === 'person' && a.dependsOn.length === 0)!;
    const doer = checked.ownerId || byRole(checked.role);
    for (const to of ['acknowledged', 'in-progress', 'done'] as const) await client.call('actions.transition', { id: checked.id, by: doer, to });
    const self = await err(client.call('actions.transition', { id: checked.id, by: doer, to: 'verified' }));
    expect(self.message).toMatch(/did “.*” and may not also verify it/);
    expect((await client.call('audit.list', { subjectId: checked.id })).items.map((e) => e.kind).at(-1)).toBe('action.refused');
    expect(await client.call('actions.transition', { id: checked.id, by: 'a-lead', to: 'verified' })).toMatchObject({ status: 'verified' });

    // The MES message fails until it gives up; a person retries it once the gateway is back.
    const failed = await until('a failed MES message', async () => (await client.call('outbox.list', { statuses: ['failed'], decisionId: c.decision.id })).items[0]);
    expect(failed).toMatchObject({ target: 'mes', attempts: 3, lastError: 'mes-gateway: MES gateway refused: 503' });
    const erp = (await client.call('outbox.list', { decisionId: c.decision.id })).items.find((m) => m.target === 'erp')!;
    expect((await err(client.call('outbox.retry', { id: erp.id, by: 'a-planner' }))).code).toBe('conflict');
    failing = false;
    // The first acknowledgement after the retry cannot be stored: the message is not left 'sending'
    // but goes back to the retry schedule with the reason, and the next send is stored.
    badAcks = 1;
    const retried = await client.call('outbox.retry', { id: failed.id, by: 'a-planner' });
    expect(retried).toMatchObject({ status: 'pending', attempts: 0 });
    const acked = await until('the retried message acked', async () => (await client.call('outbox.list', { decisionId: c.decision.id })).items.find((m) => m.id === failed.id && m.status === 'acked'));
    expect(badAcks).toBe(0);
    expect(acked.attempts).toBe(2);
    expect(acked.lastError).toBeUndefined();
    expect((await client.call('audit.list', { subjectId: failed.id })).items.map((e) => e.kind)).toEqual(['outbox.failed', 'outbox.retry', 'outbox.acked']);
    // A run that starts before its readiness gate opened is recorded in the audit trail.
    const t = Math.round(core.twin.time) + 1000;
    await client.call('signals.ingest', { signals: [{ id: 'svc-start', source: 'svc', seq: 2, eventTime: t, receiveTime: t, type: 'order.started', orderId: kit.orderId!, line: kit.lineId }] });
    const violated = await until('the gate violation', async () => (await client.call('audit.list', { subjectId: c.decision.id })).items.find((e) => e.kind === 'dispatch.gate-violated'));
    expect(violated).toMatchObject({ actor: 'signal:svc-start', payload: { lineId: kit.lineId, orderId: kit.orderId } });
    expect((violated.payload['pending'] as string[]).join(' ')).toContain(kit.id);
    // The ERP message went to the default file target.
    expect(existsSync(join(dir, 'writeback', 'erp.ndjson'))).toBe(true);
    expect((await client.call('audit.verify')).ok).toBe(true);
  });
});

describe('file write-back target', () => {
  it('appends once per idempotency key, also across a restart, and tolerates a torn last line', async () => {
    const d = mkdtempSync(join(tmpdir(), 'takt-wb-'));
    try {
      const msg = { id: 'm1', target: 'erp' as const, kind: 'production-order.line', idempotencyKey: 'dec-1:k:abc', decisionId: 'dec-1', payload: { orderId: 'O1' } };
      const t = createFileWriteBackTarget(d, () => 1000);
      expect((await t.send(msg)).ackedAt).toBe(1000);
      expect((await t.send({ ...msg, id: 'm1-again' })).reference).toMatch(/already written/);
      expect(t.duplicates).toBe(1);
      const file = t.fileOf('erp');
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
      const { appendFileSync } = await import('node:fs');
      appendFileSync(file, '{"idempotencyKey":"torn');
      const t2 = createFileWriteBackTarget(d, () => 2000);
      expect((await t2.send(msg)).ackedAt).toBe(1000);
      await t2.send({ ...msg, idempotencyKey: 'dec-1:k:def' });
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(lines.filter((l) => l.includes('dec-1:k:abc'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('dec-1:k:def'))).toHaveLength(1);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
