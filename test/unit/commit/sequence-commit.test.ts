/**
 * A committed queue move reaches the live twin through the journal (main/core/services/commit/dispatch.ts,
 * shared/commit/plan-change.ts): a line-down's "resequence by family" option becomes a
 * `plan.sequence` pin, the twin's `lines[].queue` (read over the protocol) runs in the committed
 * order, the receipt no longer lists it unapplied and the dispatch audit entry lists it applied, and a restart (snapshot +
 * journal) keeps it. A plan.sequence from outside naming an unknown line is refused by ingest; one
 * naming an order that waits on another line is dead-lettered with the reason and changes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore, type TaktCore } from '../../../main/core/core';
import { ProtocolClient } from '../../../shared/protocol/client';
import { memoryTransportPair } from '../../../shared/protocol/transport';
import type { TwinView } from '../../../shared/twin/view';
import { until } from '../../helpers/until';
import { SYSTEM_CALLER } from '../../../shared/auth/caller';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'takt-commit-seq-'));
let core: TaktCore | undefined;

// The commit test plant with a second sealing head, so resequencing L1 does not clash with L2 over the one tool.
const plantFile = join(dir, 'plant.yaml');
const plantText = readFileSync(join(root, 'test/fixtures/commit/commit-plant.yaml'), 'utf8');
if (!plantText.includes('count: 1, lines: [L1, L2]')) throw new Error('commit-plant.yaml changed: update the seal-125 patch in this test');
writeFileSync(plantFile, plantText.replace('count: 1, lines: [L1, L2]', 'count: 2, lines: [L1, L2]'));

async function start(): Promise<{ core: TaktCore; client: ProtocolClient }> {
  const c = await startCore({
    dataDir: join(dir, 'data'),
    plantFile,
    rulesFile: join(root, 'test/fixtures/commit/commit-rules.yaml'),
    speed: 60,
    simulator: false,
  });
  const [a, b] = memoryTransportPair();
  c.connect(a, SYSTEM_CALLER);
  core = c;
  return { core: c, client: new ProtocolClient(b) };
}
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

const line = (v: TwinView, id: string) => v.lines.find((l) => l.id === id)!;
const queueOf = (v: TwinView, id: string) => line(v, id).queue.map((q) => q.orderId);

describe('committing a sequence option', () => {
  let committed: string[] = [];
  let first: ProtocolClient | undefined;

  it('puts the line queue in the committed order through the journal; the receipt no longer lists it unapplied, the dispatch audit entry lists it applied', async () => {
    const { core: c, client } = await start();
    first = client;
    const before = await client.call('twin.view');
    expect(queueOf(before, 'L1')).toEqual(['O1', 'O2', 'O5']); // by due: 8 h, 12 h, 24 h
    const t = Math.round(c.twin.time);
    await client.call('signals.ingest', { signals: [{ id: 'seq-1', source: 'mes', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    const exceptionId = (await until('line-down', async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down'))).id;
    const { options } = await client.call('decide.options', { exceptionId });
    const reseq = options.find((o) => o.kind === 'resequence' && o.feasible);
    expect(reseq, JSON.stringify(options.map((o) => [o.kind, o.feasible, o.violations]))).toBeDefined();
    const move = reseq!.moves[0]!;
    expect(move).toMatchObject({ kind: 'resequence', lineId: 'L1' });
    committed = (move as { orderIds: string[] }).orderIds;
    expect(committed).toEqual(['O1', 'O5', 'O2']); // plain, plain, hazelnut: one changeover instead of a 90 min clean

    const r = await client.call('decisions.commit', { exceptionId, optionId: reseq!.id, by: 'a-controller' });
    expect(r.decision.status).toBe('dispatched'); // no approval needed for a resequence
    expect(r.decision.unapplied).toBeUndefined(); // the sequence is no longer written back only

    const after = await client.call('twin.view');
    expect(queueOf(after, 'L1')).toEqual(committed);
    expect(line(after, 'L1').pinned).toEqual(committed);
    // projections follow the new order: O2 (hazelnut) now comes after O5 with the plain → hazelnut changeover
    const q = line(after, 'L1').queue;
    expect(q.map((x) => x.changeoverMinutes)).toEqual([0, 0, 20]);
    for (let i = 1; i < q.length; i++) expect(q[i]!.projectedStart).toBe(q[i - 1]!.projectedEnd + q[i]!.changeoverMinutes * 60_000);

    const audit = (await client.call('decisions.get', { id: r.decision.id })).audit.find((e) => e.kind === 'decision.dispatched')!;
    expect(audit.payload).toMatchObject({ applied: ['sequence O1, O5, O2 first on L1'], unapplied: [], refused: [], signals: 1, accepted: 1 });
    const rp = await client.call('decisions.replay', { id: r.decision.id });
    expect(rp.same, JSON.stringify(rp.differences)).toBe(true);
  }, 60_000);

  it('bad plan.sequence signals: an unknown line is refused by ingest; an order on another line is dead-lettered with the reason', async () => {
    const client = first!;
    const t = Math.round(core!.twin.time);
    const sig = (id: string, body: object) => ({ id, source: 'planner-tool', seq: 1, eventTime: t, receiveTime: t, type: 'plan.sequence', ...body });
    const unknown = await client.call('signals.ingest', { signals: [sig('p-1', { line: 'L9', orderIds: ['O1'] })] });
    expect(unknown.rejected[0]!.reason).toMatch(/plan\.sequence: unknown line "L9" at line/);
    const deadBefore = (await client.call('deadLetters.list')).total;
    const wrong = await client.call('signals.ingest', { signals: [sig('p-2', { line: 'L1', orderIds: ['O2', 'O3'] })] });
    expect(wrong.accepted).toBe(1); // its orders are checked where the plan is: in the twin
    const dl = await until('dead letter', async () => {
      const l = await client.call('deadLetters.list');
      return l.total > deadBefore && l.items[0];
    });
    expect(dl).toMatchObject({ source: 'planner-tool', path: 'orderIds.1' });
    expect(dl.reason).toMatch(/plan\.sequence for L1: order "O3" at orderIds\[1\] is on line L2, not L1/);
    expect(queueOf(await client.call('twin.view'), 'L1')).toEqual(committed); // unchanged
  });

  it('a restart (snapshot and journal) keeps the committed sequence', async () => {
    const hash = core!.twin.hash();
    await core!.close();
    core = undefined;
    const { client } = await start();
    const v = await client.call('twin.view');
    expect(v.hash).toBe(hash);
    expect(queueOf(v, 'L1')).toEqual(committed);
    expect(line(v, 'L1').pinned).toEqual(committed);
  }, 60_000);
});
