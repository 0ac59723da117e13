/**
 * kill -9 of the core while an outbox message is being sent neither loses nor duplicates the
 * write-back. A child-process core (`takt serve`, commit fixture plant) has a REST connector whose
 * write-back serves the ERP and the MES: a node:http server in this test that applies a message
 * the first time its Idempotency-Key arrives, answers 201, and answers 409 ("I have it already",
 * an acknowledgement) to a repeat. The first write-back POST is applied but held open; while it
 * hangs, the outbox shows the message 'sending' and the core is killed with SIGKILL. Restarted on
 * the same data folder, the core sends the message again with the same idempotency key, the server
 * sees the repeat (409) and applies nothing twice; the outbox shows it acknowledged (attempt 2),
 * its audit trail has one `outbox.acked`, the rest of the decision's messages go out once each,
 * and both hash chains verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';
import { until } from '../helpers/until';
import { killChildCores, startChildCore } from './child-core';

const dir = mkdtempSync(join(tmpdir(), 'takt-outbox-kill-'));
const dataDir = join(dir, 'data');
const plantFile = join(dir, 'plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');

interface Post {
  header: string;
  id: string;
  idempotencyKey: string;
  status: number;
}
const posts: Post[] = [];
/** Idempotency keys applied by the "ERP/MES", each once. */
const applied = new Map<string, number>();
let hold = true;
let held: ServerResponse | null = null;
let onHeld: (p: Post) => void = () => undefined;
const firstHeld = new Promise<Post>((r) => (onHeld = r));
let http: Server;

beforeAll(async () => {
  http = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
      const m = JSON.parse(body) as { id: string; idempotencyKey: string };
      const header = String(req.headers['idempotency-key'] ?? '');
      const repeat = applied.has(header);
      if (!repeat) applied.set(header, (applied.get(header) ?? 0) + 1);
      const post: Post = { header, id: m.id, idempotencyKey: m.idempotencyKey, status: repeat ? 409 : 201 };
      posts.push(post);
      if (hold && !held) {
        // Applied, but the answer never leaves: the core dies waiting for it.
        held = res;
        res.on('error', () => undefined);
        onHeld(post);
        return;
      }
      res.writeHead(post.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(repeat ? { reference: `already ${header.slice(0, 8)}` } : { reference: `W-${applied.size}` }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as { port: number }).port;
  const plant = parse(readFileSync(join(repoRoot, 'test/fixtures/commit/commit-plant.yaml'), 'utf8')) as Record<string, unknown>;
  plant.connectors = [{ id: 'erp', kind: 'rest', options: { url: `http://127.0.0.1:${port}/orders`, intervalMs: 60_000, writeBack: { url: `http://127.0.0.1:${port}/writeback`, serves: ['erp', 'mes'], timeoutMs: 120_000 } } }];
  writeFileSync(plantFile, stringify(plant));
});

afterAll(async () => {
  killChildCores();
  held?.destroy();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox and kill -9', () => {
  it('re-sends a message caught mid-send with the same idempotency key, applied once and acknowledged once', { timeout: 120_000 }, async () => {
    const first = await startChildCore(['--data', dataDir, '--plant', plantFile, '--rules', rulesFile, '--no-simulator', '--speed', '60']);
    const client: ProtocolClient & { close(): void } = await first.connect();
    const t = Math.round((await client.call('core.info')).clock.now + 2_000);
    const ing = await client.call('signals.ingest', { signals: [{ id: 'ok-1', source: 'e2e-outbox-kill', seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: 'L1-FIL', state: 'down' }] });
    expect(ing.rejected, JSON.stringify(ing.rejected)).toEqual([]);
    const exception = await until('line-down', async () => (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down'));
    const { options } = await client.call('decide.options', { exceptionId: exception.id });
    const reroute = options.find((o) => o.feasible && o.kind === 'reroute');
    expect(reroute, `a feasible reroute among ${options.map((o) => `${o.id}:${o.kind}:${o.feasible}`).join(', ')}`).toBeTruthy();
    const c = await (await first.as('a-controller')).call('decisions.commit', { exceptionId: exception.id, optionId: reroute!.id, by: 'a-controller' });
    for (const a of c.approvals) await (await first.as(a.role === 'planner' ? 'a-planner' : 'a-manager')).call('approvals.decide', { id: a.id, by: a.role === 'planner' ? 'a-planner' : 'a-manager', verdict: 'approve', comment: 'go' });
    const decisionId = c.decision.id;

    // The first write-back POST is applied by the server and held open: the outbox shows it sending.
    const h = await firstHeld;
    const inFlight = await until('the held message as sending', async () => (await client.call('outbox.list', { decisionId })).items.find((m) => m.id === h.id && m.status === 'sending'));
    expect(inFlight.idempotencyKey).toBe(h.header);
    expect(inFlight.attempts).toBe(1);
    const all = (await client.call('outbox.list', { decisionId })).items;
    expect(all.length).toBeGreaterThan(1);
    expect(all.filter((m) => m.status === 'acked')).toEqual([]);
    client.close();
    first.child.kill('SIGKILL');
    await new Promise<void>((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r() : first.child.once('exit', () => r())));
    expect(first.child.signalCode).toBe('SIGKILL');
    held!.destroy();
    hold = false;

    const second = await startChildCore(['--data', dataDir, '--plant', plantFile, '--rules', rulesFile, '--no-simulator', '--speed', '60']);
    const again: ProtocolClient & { close(): void } = await second.connect();
    const done = await until('every message acknowledged after the restart', async () => {
      const items = (await again.call('outbox.list', { decisionId })).items;
      return items.length === all.length && items.every((m) => m.status === 'acked') ? items : undefined;
    }, 60_000);

    // The held message went out again with the same key; the server applied it once (the repeat got 409).
    const forHeld = posts.filter((p) => p.id === h.id);
    expect(forHeld.map((p) => [p.header, p.idempotencyKey, p.status])).toEqual([
      [h.header, h.header, 201],
      [h.header, h.header, 409],
    ]);
    expect(applied.get(h.header)).toBe(1);
    // Nothing else was sent twice, and every message was applied exactly once.
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    expect([...applied.keys()].sort()).toEqual(done.map((m) => m.idempotencyKey).sort());
    expect(posts.length).toBe(all.length + 1);
    const record = done.find((m) => m.id === h.id)!;
    expect(record).toMatchObject({ status: 'acked', attempts: 2, idempotencyKey: h.header });
    const trail = (await again.call('audit.list', { subjectId: h.id })).items.map((e) => e.kind);
    expect(trail.filter((k) => k === 'outbox.acked')).toHaveLength(1);
    const check = await again.call('audit.verify');
    expect(check.ok, JSON.stringify(check.firstBad)).toBe(true);
    again.close();
    second.child.kill('SIGKILL');
  });
});
