/**
 * The HTTP API (main/core/hosts/browser/http-api.ts) with real HTTP requests against a started core in browser
 * mode (127.0.0.1), every response validated with ajv against the schemas of the served OpenAPI
 * 3.1 document: health, the webhook entry POST /api/signals (shared token and HMAC-SHA256
 * signature, the protocol's validation and IngestResult, 400/401/413), exceptions, decisions,
 * actions with filters, acknowledge/complete (404/409/400 named). Around it, over the protocol: an
 * approval nobody decides escalates to the manager in plant time, overdue actions are marked, and
 * a write-back target that fails twice is retried with backoff until it acknowledges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';
import type { WriteBackMessage } from '../../shared/commit/writeback';
import { until } from '../helpers/until';

const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
const dataDir = mkdtempSync(join(tmpdir(), 'takt-commit-api-'));
const TOKEN = 'e2e-token-0123456789';
const SECRET = 'e2e-hmac-secret';
let bm: BrowserMode;
let sign: SignedIn;
let base = '';
let client: ProtocolClient & { close(): void };
let ajv: Ajv2020;
let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const sent: { msg: WriteBackMessage; ok: boolean }[] = [];

beforeAll(async () => {
  ensureRendererBuilt();
  bm = await startBrowserMode({ port: 0, dataDir, plantFile, rulesFile, simulator: false, speed: 60, quiet: true, webhookToken: TOKEN, webhookSecret: SECRET, auth: TEST_AUTH });
  base = bm.url.replace(/\/$/, '');
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
  // A connector's write-back target that fails its first two sends.
  let failures = 0;
  bm.core.commit.registerWriteBack({
    id: 'flaky-erp',
    serves: ['erp'],
    async send(msg) {
      if (failures < 2) {
        failures++;
        sent.push({ msg, ok: false });
        throw new Error(`ERP gateway timeout #${failures}`);
      }
      sent.push({ msg, ok: true });
      return { ackedAt: Date.now(), reference: `ERP-${sent.length}` };
    },
  });
}, 60_000);

afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await bm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An integration's token (reads and action moves); posts to /api/signals carry the webhook's own credentials, or none. */
let machine: string | undefined;
async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const signals = path.startsWith('/api/signals') && method === 'POST';
  const credential: Record<string, string> = signals || headers.cookie || headers.authorization ? {} : { authorization: `Bearer ${(machine ??= sign.token())}` };
  const r = await fetch(`${base}${path}`, { method, headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...credential, ...headers }, body: raw });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string; path?: string } } };
}

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
/** Validates a response body against the OpenAPI document's schema for (path template, method, status). */
function conforms(template: string, method: string, status: number, body: unknown) {
  const responses = doc.paths[template]?.[method]?.responses;
  expect(responses?.[String(status)], `${method.toUpperCase()} ${template} documents ${status}`).toBeTruthy();
  const ref = `openapi.json#/${pointer('paths', template, method, 'responses', String(status), 'content', 'application/json', 'schema')}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  const ok = validate(body);
  expect(ok ? [] : validate.errors, `${method.toUpperCase()} ${template} ${status}`).toEqual([]);
}


let seq = 0;
async function signal(type: string, body: Record<string, unknown>) {
  const now = (await client.call('core.info')).clock.now + 2_000;
  seq++;
  return { id: `api-${seq}`, source: 'e2e-erp', seq, eventTime: Math.round(now), receiveTime: Math.round(now), type, ...body };
}

describe('HTTP API', () => {
  let exceptionId = '';

  it('serves an OpenAPI 3.1 document whose schemas compile, and health', async () => {
    const r = await http('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body as unknown as typeof doc;
    expect(doc.openapi).toBe('3.1.0');
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(doc, 'openapi.json');
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/actions', '/api/actions/{id}', '/api/actions/{id}/acknowledge', '/api/actions/{id}/complete', '/api/decisions', '/api/decisions/{id}', '/api/exceptions', '/api/exceptions/{id}', '/api/health', '/api/openapi.json', '/api/signals']);
    const h = await http('GET', '/api/health');
    expect(h.status).toBe(200);
    conforms('/api/health', 'get', 200, h.body);
    // The validator bites: a body that breaks the document's schema does not pass.
    const check = ajv.compile({ $ref: `openapi.json#/${pointer('components', 'schemas', 'Action')}` });
    expect(check({ id: 'a', status: 'sleeping' })).toBe(false);
    expect(h.body).toMatchObject({ ok: true, plant: 'test-site' });
    const nope = await http('GET', '/api/nothing-here');
    expect(nope.status).toBe(404);
    expect(nope.body.error).toMatchObject({ code: 'not_found' });
  });

  it('POST /api/signals: needs the token or a valid signature, validates like the protocol, refuses bad JSON and oversize bodies', async () => {
    const batch = { signals: [await signal('machine.state', { machine: 'L1-FIL', state: 'down', reason: 'api: drive fault' })] };
    const none = await http('POST', '/api/signals', batch);
    expect(none.status).toBe(401);
    conforms('/api/signals', 'post', 401, none.body);
    expect(none.body.error!.message).toMatch(/Authorization: Bearer/);
    expect((await http('POST', '/api/signals', batch, { authorization: 'Bearer wrong' })).status).toBe(401);
    const raw = JSON.stringify(batch);
    const badSig = await http('POST', '/api/signals', raw, { 'x-takt-signature': `sha256=${createHmac('sha256', 'other').update(raw).digest('hex')}` });
    expect(badSig.status).toBe(401);
    expect(badSig.body.error!.message).toMatch(/does not match/);

    const signed = await http('POST', '/api/signals', raw, { 'x-takt-signature': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` });
    expect(signed.status).toBe(200);
    conforms('/api/signals', 'post', 200, signed.body);
    expect(signed.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    // The same batch again: idempotent on (source, id).
    const again = await http('POST', '/api/signals', batch, { authorization: `Bearer ${TOKEN}` });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });

    // Same validation as signals.ingest: a bad signal is rejected by index with the reason and path.
    const mixed = await http('POST', '/api/signals', [await signal('machine.state', { machine: 'NO-SUCH', state: 'down' }), await signal('inventory.issue', { component: 'milk', location: 'WH', qty: -5 })], { authorization: `Bearer ${TOKEN}` });
    expect(mixed.status).toBe(200);
    conforms('/api/signals', 'post', 200, mixed.body);
    const rejected = mixed.body['rejected'] as { index: number; reason: string; path?: string }[];
    expect(rejected.map((x) => x.index)).toEqual([0, 1]);
    expect(rejected[0]!.reason).toMatch(/NO-SUCH/);

    const bad = await http('POST', '/api/signals', '{"signals": [', { authorization: `Bearer ${TOKEN}` });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_json' });
    const empty = await http('POST', '/api/signals', { signals: [] }, { authorization: `Bearer ${TOKEN}` });
    expect(empty.status).toBe(400);
    conforms('/api/signals', 'post', 400, empty.body);
    expect(empty.body.error).toMatchObject({ code: 'bad_params', path: 'signals' });
    const huge = await http('POST', '/api/signals', `{"signals":["${'x'.repeat(9 * 1024 * 1024)}"]}`, { authorization: `Bearer ${TOKEN}` });
    expect(huge.status).toBe(413);
    expect((await http('GET', '/api/signals')).status).toBe(405);
  });

  it('lists and gets exceptions', async () => {
    const list = await until('the line-down over HTTP', async () => {
      const r = await http('GET', '/api/exceptions?lineId=L1');
      return (r.body['items'] as { type: string }[]).some((e) => e.type === 'line-down') && r;
    });
    conforms('/api/exceptions', 'get', 200, list.body);
    exceptionId = (list.body['items'] as { id: string; type: string }[]).find((e) => e.type === 'line-down')!.id;
    const one = await http('GET', `/api/exceptions/${exceptionId}`);
    expect(one.status).toBe(200);
    conforms('/api/exceptions/{id}', 'get', 200, one.body);
    const missing = await http('GET', '/api/exceptions/ex-nope');
    expect(missing.status).toBe(404);
    conforms('/api/exceptions/{id}', 'get', 404, missing.body);
    expect(missing.body.error).toMatchObject({ code: 'not_found', path: 'params.id' });
  });

  it('escalates an undecided approval in plant time, dispatches on the manager\'s approval, serves decisions and actions, and moves actions over HTTP', { timeout: 120_000 }, async () => {
    const { options } = await client.call('decide.options', { exceptionId });
    const chosen = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0)!;
    expect(chosen).toBeTruthy();
    const c = await (await sign.as('a-controller')).call('decisions.commit', { exceptionId, optionId: chosen.id, by: 'a-controller' });
    const approvalId = c.approvals[0]!.id;
    expect(c.approvals[0]).toMatchObject({ role: 'planner', status: 'pending', escalateTo: 'manager' });

    // 30 plant minutes pass without a decision: it escalates to the manager.
    await (await sign.as('a-manager')).call('clock.setSpeed', { speed: 600 });
    const escalated = await until('the escalation', async () => (await client.call('approvals.list', { decisionId: c.decision.id })).items.find((a) => a.status === 'escalated'));
    await (await sign.as('a-manager')).call('clock.setSpeed', { speed: 60 });
    expect(escalated).toMatchObject({ id: approvalId, role: 'manager', level: 1 });
    const planner = await (await sign.as('a-planner')).call('approvals.decide', { id: approvalId, by: 'a-planner', verdict: 'approve', comment: 'ok' }).catch((e: Error) => e);
    expect((planner as Error).message).toMatch(/needs a manager \(it was escalated\)/);
    const ok = await (await sign.as('b-manager')).call('approvals.decide', { id: approvalId, by: 'b-manager', verdict: 'approve', comment: 'go' });
    expect(ok.decision.status).toBe('dispatched');
    const timeline = (await client.call('audit.list', { subjectId: approvalId })).items.map((e) => e.kind);
    // The planner's refused attempt is audited too: every refusal of a person's change is.
    expect(timeline).toEqual(['approval.requested', 'approval.escalated', 'approval.refused', 'approval.approved']);

    const decisions = await http('GET', '/api/decisions');
    expect(decisions.status).toBe(200);
    conforms('/api/decisions', 'get', 200, decisions.body);
    expect((await http('GET', '/api/decisions?status=nonsense')).status).toBe(400);
    const detail = await http('GET', `/api/decisions/${c.decision.id}`);
    conforms('/api/decisions/{id}', 'get', 200, detail.body);
    expect((detail.body['actions'] as unknown[]).length).toBe(6);
    expect((await http('GET', '/api/decisions/dec-nope')).status).toBe(404);

    const actions = detail.body['actions'] as { id: string; kind: string; ownerId: string; role: string }[];
    const kit = actions.find((a) => a.kind === 'kitting')!;
    const inbox = await http('GET', `/api/actions?ownerId=${kit.ownerId}&status=assigned,acknowledged`);
    conforms('/api/actions', 'get', 200, inbox.body);
    expect((inbox.body['items'] as { id: string }[]).map((a) => a.id)).toContain(kit.id);
    const byRole = await http('GET', '/api/actions?role=qa');
    expect((byRole.body['items'] as { role: string }[]).every((a) => a.role === 'qa')).toBe(true);
    expect((await http('GET', '/api/actions?role=wizard')).status).toBe(400);
    conforms('/api/actions/{id}', 'get', 200, (await http('GET', `/api/actions/${kit.id}`)).body);

    const early = await http('POST', `/api/actions/${kit.id}/complete`, { by: kit.ownerId }, sign.headers(kit.ownerId));
    expect(early.status).toBe(409);
    conforms('/api/actions/{id}/complete', 'post', 409, early.body);
    expect(early.body.error!.message).toMatch(/is 'assigned'/);
    const ack = await http('POST', `/api/actions/${kit.id}/acknowledge`, { by: kit.ownerId, comment: 'on my way' }, sign.headers(kit.ownerId));
    expect(ack.status).toBe(200);
    conforms('/api/actions/{id}/acknowledge', 'post', 200, ack.body);
    expect(ack.body['status']).toBe('acknowledged');
    expect((await http('POST', `/api/actions/${kit.id}/acknowledge`, { by: kit.ownerId }, sign.headers(kit.ownerId))).status).toBe(409);
    const done = await http('POST', `/api/actions/${kit.id}/complete`, { by: kit.ownerId }, sign.headers(kit.ownerId));
    conforms('/api/actions/{id}/complete', 'post', 200, done.body);
    expect(done.body['status']).toBe('done');
    expect((await http('POST', '/api/actions/nope/acknowledge', { by: kit.ownerId }, sign.headers(kit.ownerId))).status).toBe(404);
    const who = await http('POST', `/api/actions/${kit.id}/complete`, { by: 'nobody' }, sign.headers('nobody'));
    // Signed in as an id that is none of the plant's people: refused at the door, naming why.
    expect(who.status).toBe(403);
    expect(who.body.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/'nobody' is signed in but is not one of the people of plant/) });
    const extra = await http('POST', `/api/actions/${kit.id}/complete`, { by: kit.ownerId, force: true }, sign.headers(kit.ownerId));
    expect(extra.body.error).toMatchObject({ code: 'bad_params', path: 'body.force' });

    // The ERP target failed twice: retried with backoff, then acknowledged.
    const erp = await until('the ERP message acked', async () => (await client.call('outbox.list', { decisionId: c.decision.id })).items.find((m) => m.target === 'erp' && m.status === 'acked'), 30_000);
    expect(erp.attempts).toBe(3);
    expect(erp.lastError).toBeUndefined();
    expect(sent.filter((s) => s.msg.id === erp.id).map((s) => s.ok)).toEqual([false, false, true]);
    expect(new Set(sent.map((s) => s.msg.idempotencyKey))).toEqual(new Set([erp.idempotencyKey]));
    const acked = (await client.call('audit.list', { subjectId: erp.id })).items;
    expect(acked.map((e) => e.kind)).toEqual(['outbox.acked']);
    expect(acked[0]!.payload).toMatchObject({ attempts: 3, reference: expect.stringMatching(/^ERP-/) });

    // Time passes: open actions go overdue (plant time).
    await (await sign.as('a-manager')).call('clock.setSpeed', { speed: 600 });
    const overdue = await until('an overdue action', async () => (await client.call('actions.list', { decisionId: c.decision.id })).items.find((a) => a.overdue));
    await (await sign.as('a-manager')).call('clock.setSpeed', { speed: 60 });
    expect(overdue.dueAt).toBeLessThan((await client.call('core.info')).clock.now);
    expect((await client.call('audit.verify')).ok).toBe(true);
  });
});
